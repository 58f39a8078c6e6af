package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/rampartgo/rampart/secrets"
)

// maxValue bounds a value read from standard input.
const maxValue = 1 << 20

// fileFlags are the options every secrets subcommand takes.
type fileFlags struct {
	file, key string
	strict    bool
}

func (f *fileFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.file, "file", "", "encrypted secrets file")
	fs.StringVar(&f.key, "key", "", "master key file")
	fs.BoolVar(&f.strict, "strict", false, "fail on a master key file readable by others")
}

func (c *cli) config(f fileFlags) secrets.FileConfig {
	return secrets.FileConfig{Path: f.file, KeyPath: f.key, Strict: f.strict, Logger: c.logger}
}

// subcommand describes one `rampart secrets` subcommand.
type subcommand struct {
	args int // number of positional arguments (0 or 1, a NAME)
	run  func(c *cli, ctx context.Context, cfg secrets.FileConfig, args []string) error
}

var secretsCommands = map[string]subcommand{
	"init":          {0, (*cli).secretsInit},
	"set":           {1, (*cli).secretsSet},
	"get":           {1, (*cli).secretsGet},
	"list":          {0, (*cli).secretsList},
	"delete":        {1, (*cli).secretsDelete},
	"edit":          {0, (*cli).secretsEdit},
	"rotate-master": {0, (*cli).secretsRotate},
}

func (c *cli) secrets(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return &usageError{"missing secrets subcommand (init, set, get, list, delete, edit, rotate-master)"}
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		return flag.ErrHelp
	}
	sub, ok := secretsCommands[args[0]]
	if !ok {
		return &usageError{fmt.Sprintf("unknown secrets subcommand %q", args[0])}
	}
	fs := newFlagSet("secrets " + args[0])
	var ff fileFlags
	ff.register(fs)
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	switch {
	case sub.args == 0 && len(rest) > 0:
		return &usageError{fmt.Sprintf("secrets %s takes no arguments", args[0])}
	case sub.args == 1 && len(rest) == 0:
		return &usageError{fmt.Sprintf("secrets %s needs a secret NAME", args[0])}
	case sub.args == 1 && len(rest) > 1:
		if args[0] == "set" {
			// Never print the extra arguments: one is probably the value.
			return &usageError{"secrets set takes only a NAME; the value is read from standard input, never from arguments (they end up in shell history and ps)"}
		}
		return &usageError{fmt.Sprintf("secrets %s takes exactly one NAME", args[0])}
	}
	if sub.args == 1 && !secrets.ValidName(rest[0]) {
		return &usageError{"invalid secret NAME: use letters, digits and _, not starting with a digit (e.g. SECRET_KEY)"}
	}
	return sub.run(c, ctx, c.config(ff), rest)
}

// open opens the secrets file and attaches hints to the usual failures.
func (c *cli) open(cfg secrets.FileConfig) (*secrets.File, error) {
	f, err := secrets.OpenFile(cfg)
	if err != nil {
		return nil, explain(err)
	}
	return f, nil
}

// explain attaches what to do next to the errors users meet.
func explain(err error) error {
	switch {
	case errors.Is(err, secrets.ErrWrongMasterKey):
		return withHint(err,
			"check RAMPART_MASTER_KEY, RAMPART_MASTER_KEY_FILE and -key: they take precedence in that order after -key",
			"after rotate-master, the previous key is kept as master.key.old-<time> beside the key file")
	case errors.Is(err, secrets.ErrNoMasterKey):
		return withHint(err, "run 'rampart secrets init' to create a secrets file and its master key, or set RAMPART_MASTER_KEY")
	case errors.Is(err, secrets.ErrInsecurePermissions):
		return withHint(err, "the master key must be readable by its owner only")
	case errors.Is(err, fs.ErrNotExist):
		return withHint(err, "run 'rampart secrets init' to create it, or point -file or RAMPART_SECRETS_FILE at the existing file")
	}
	return err
}

func (c *cli) secretsInit(_ context.Context, cfg secrets.FileConfig, _ []string) error {
	f, err := secrets.InitFile(cfg)
	if errors.Is(err, fs.ErrExist) {
		return withHint(err, "nothing was changed; delete the existing files first if you really mean to start over (their secrets will be lost)")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "rampart: created %s, encrypted to the master key from %s\n", f.Path(), f.KeySource())
	if f.KeySource() != secrets.MasterKeyEnv {
		fmt.Fprintf(c.stderr, "rampart: hint: commit %s; never commit %s (add it to .gitignore) and keep a copy somewhere safe\n", f.Path(), f.KeySource())
	}
	return nil
}

func (c *cli) secretsSet(ctx context.Context, cfg secrets.FileConfig, args []string) error {
	name := args[0]
	f, err := c.open(cfg)
	if err != nil {
		return err
	}
	value, err := c.readValue(name)
	if err != nil {
		return err
	}
	existed := false
	for _, n := range f.Names() {
		existed = existed || n == name
	}
	if err := f.Set(name, value); err != nil {
		return err
	}
	if err := f.Save(); err != nil {
		return err
	}
	verb := "added"
	if existed {
		verb = "updated"
	}
	fmt.Fprintf(c.stderr, "rampart: %s %s in %s\n", verb, name, f.Path())
	c.warnIfWeak(ctx, f, name)
	return nil
}

// warnIfWeak warns when a stored value is a placeholder or a pattern. Length
// and entropy are left to the application's Require, since a third-party
// password may legitimately be short.
func (c *cli) warnIfWeak(ctx context.Context, f *secrets.File, name string) {
	re, ok := errors.AsType[*secrets.RequireError](secrets.Require(ctx, f, secrets.Requirement{Name: name}))
	if !ok {
		return
	}
	for _, p := range re.Problems {
		if p.Kind == secrets.Placeholder || p.Kind == secrets.Pattern {
			fmt.Fprintf(c.stderr, "rampart: warning: %s\n", strings.TrimPrefix(p.String(), "rampart: "))
		}
	}
}

// readValue reads a secret from a hidden terminal prompt, or from standard
// input when it is not a terminal (one trailing newline removed).
func (c *cli) readValue(name string) (secrets.Secret, error) {
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(c.stderr, "Value for %s (input hidden): ", name)
		v1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil {
			return secrets.Secret{}, err
		}
		fmt.Fprintf(c.stderr, "Repeat the value: ")
		v2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil {
			return secrets.Secret{}, err
		}
		if !secrets.New(string(v1)).EqualString(string(v2)) {
			return secrets.Secret{}, errors.New("the two values differ; nothing was stored")
		}
		return checkValue(name, string(v1))
	}
	b, err := io.ReadAll(io.LimitReader(c.stdin, maxValue+1))
	if err != nil {
		return secrets.Secret{}, fmt.Errorf("reading standard input: %w", err)
	}
	if len(b) > maxValue {
		return secrets.Secret{}, fmt.Errorf("value on standard input is larger than %d bytes", maxValue)
	}
	v := string(b)
	if t, ok := strings.CutSuffix(v, "\n"); ok {
		v, _ = strings.CutSuffix(t, "\r")
	}
	return checkValue(name, v)
}

func checkValue(name, v string) (secrets.Secret, error) {
	if v == "" {
		return secrets.Secret{}, withHint(fmt.Errorf("empty value for %s; nothing was stored", name),
			"pipe the value on standard input, e.g. rampart keys generate | rampart secrets set "+name)
	}
	return secrets.New(v), nil
}

func (c *cli) secretsGet(ctx context.Context, cfg secrets.FileConfig, args []string) error {
	f, err := c.open(cfg)
	if err != nil {
		return err
	}
	s, err := secrets.Get(ctx, f, args[0])
	if errors.Is(err, secrets.ErrNotFound) {
		return withHint(err, "run 'rampart secrets list' to see the names")
	}
	if err != nil {
		return err
	}
	// The one deliberate reveal: the user asked for the value.
	_, err = fmt.Fprintln(c.stdout, s.Reveal())
	return err
}

func (c *cli) secretsList(_ context.Context, cfg secrets.FileConfig, _ []string) error {
	f, err := c.open(cfg)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	for _, n := range f.Names() {
		b.WriteString(n + "\n")
	}
	_, err = c.stdout.Write(b.Bytes())
	return err
}

func (c *cli) secretsDelete(_ context.Context, cfg secrets.FileConfig, args []string) error {
	f, err := c.open(cfg)
	if err != nil {
		return err
	}
	if !f.Delete(args[0]) {
		return withHint(fmt.Errorf("%s is not in %s", args[0], f.Path()), "run 'rampart secrets list' to see the names")
	}
	if err := f.Save(); err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "rampart: deleted %s from %s\n", args[0], f.Path())
	return nil
}

func (c *cli) secretsRotate(_ context.Context, cfg secrets.FileConfig, _ []string) error {
	f, err := c.open(cfg)
	if err != nil {
		return err
	}
	backup, err := f.RotateMaster()
	if err != nil {
		if f.KeySource() == secrets.MasterKeyEnv {
			return withHint(err, "unset RAMPART_MASTER_KEY and pass the key file with -key, or rotate the key where RAMPART_MASTER_KEY is stored")
		}
		return err
	}
	fmt.Fprintf(c.stderr, "rampart: %s is now encrypted to a new master key in %s\n", f.Path(), f.KeySource())
	fmt.Fprintf(c.stderr, "rampart: the previous key is kept in %s: older copies of the file need it; delete it when they no longer matter\n", backup)
	fmt.Fprintf(c.stderr, "rampart: hint: update every place that holds the old key (CI variables, servers)\n")
	return nil
}

func (c *cli) keysGenerate() error {
	_, err := fmt.Fprintln(c.stdout, secrets.GenerateKey().Reveal())
	return err
}
