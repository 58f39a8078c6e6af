// Command rampart manages an application's secrets: an age-encrypted
// secrets file that can be committed (config/secrets.age), the master key
// that opens it (config/master.key, never committed), and random keys.
//
// Run `rampart -h` for usage and examples. Exit status: 0 on success, 1 on
// failure, 2 on a usage error. The security logic lives in package
// github.com/rampartgo/rampart/secrets; this command only wires it to
// flags, files and the terminal.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

const usage = `rampart manages an application's secrets.

Usage:
    rampart secrets init [options]          create a master key and an empty encrypted secrets file
    rampart secrets set [options] NAME      store a secret read from standard input (or a hidden prompt)
    rampart secrets get [options] NAME      print one secret's value
    rampart secrets list [options]          print the secrets' names, one per line
    rampart secrets delete [options] NAME   remove a secret
    rampart secrets edit [options]          edit every secret as JSON in $EDITOR
    rampart secrets rotate-master [options] re-encrypt the file to a new master key
    rampart keys generate                   print a new random 256-bit key (base64url)

Options for the secrets commands:
    -file PATH   encrypted secrets file. Default: $RAMPART_SECRETS_FILE,
                 else config/secrets.age.
    -key PATH    master key file. Default: the key in $RAMPART_MASTER_KEY,
                 else the file $RAMPART_MASTER_KEY_FILE, else master.key
                 beside the secrets file.
    -strict      fail, instead of warning, when the master key file can be
                 read by group or others (use in production).

The secrets file is encrypted with age (https://age-encryption.org) to the
master key: commit config/secrets.age, never config/master.key. Values are
never taken from arguments, which leak into shell history and ps output:
secrets set reads standard input (one trailing newline is removed) or, on a
terminal, prompts twice with echo off.

secrets edit writes the secrets to a private temporary file (mode 0600 in a
0700 directory), runs $EDITOR on it (else $VISUAL, else vi), checks the
result and re-encrypts it. The temporary file is removed in every case; an
invalid edit is discarded and the file left unchanged.

secrets rotate-master writes a new master key and keeps the previous one as
master.key.old-<UTC time> (0600): older copies of the secrets file, in git
history for instance, are still encrypted to it. Delete it when they no
longer matter.

Examples:
    $ rampart secrets init
    $ rampart keys generate | rampart secrets set SECRET_KEY
    $ printf '%s' "$DB_PASSWORD" | rampart secrets set DATABASE_PASSWORD
    $ rampart secrets set SMTP_PASSWORD            # prompts, without echo
    $ rampart secrets list
    $ EDITOR="code --wait" rampart secrets edit
    $ rampart secrets get -file deploy/prod.age -key /etc/myapp/master.key SECRET_KEY
    $ RAMPART_MASTER_KEY="$(cat master.key)" rampart secrets get SECRET_KEY
    $ rampart secrets rotate-master
`

// Exit codes that scripts can rely on.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cli holds the streams of one invocation.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	logger         *slog.Logger
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// hintError carries advice printed after the error as "rampart: hint:".
type hintError struct {
	err   error
	hints []string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, hints ...string) error { return &hintError{err: err, hints: hints} }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	c.logger = slog.New(&warnHandler{w: stderr})
	err := c.dispatch(ctx, args)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		_, _ = io.WriteString(stdout, usage)
		return exitOK
	}
	if ue, ok := errors.AsType[*usageError](err); ok {
		fmt.Fprintf(stderr, "rampart: error: %s\n", ue.msg)
		fmt.Fprintf(stderr, "rampart: hint: run 'rampart -h' for usage and examples\n")
		return exitUsage
	}
	fmt.Fprintf(stderr, "rampart: error: %s\n", strings.TrimPrefix(err.Error(), "secrets: "))
	if he, ok := errors.AsType[*hintError](err); ok {
		for _, h := range he.hints {
			fmt.Fprintf(stderr, "rampart: hint: %s\n", h)
		}
	}
	return exitFailure
}

func (c *cli) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return &usageError{"missing command"}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return flag.ErrHelp
	case "secrets":
		return c.secrets(ctx, args[1:])
	case "keys":
		return c.keys(args[1:])
	}
	return &usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func (c *cli) keys(args []string) error {
	if len(args) == 0 {
		return &usageError{"missing keys subcommand (generate)"}
	}
	switch args[0] {
	case "-h", "-help", "--help":
		return flag.ErrHelp
	case "generate":
		fs := newFlagSet("keys generate")
		rest, err := parseInterspersed(fs, args[1:])
		if err != nil {
			return err
		}
		if len(rest) != 0 {
			return &usageError{"keys generate takes no arguments"}
		}
		return c.keysGenerate()
	}
	return &usageError{fmt.Sprintf("unknown keys subcommand %q", args[0])}
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("rampart "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by run, usage by -h
	return fs
}

// parseInterspersed parses flags wherever they appear, so that both
// `set -file x NAME` and `set NAME -file x` work. "--" ends flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// warnHandler prints slog warnings from the secrets package as
// "rampart: warning:" lines with their attributes.
type warnHandler struct {
	w     io.Writer
	attrs []slog.Attr
}

func (h *warnHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *warnHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString("rampart: warning: ")
	b.WriteString(strings.TrimPrefix(r.Message, "secrets: "))
	attrs := append([]slog.Attr(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool { attrs = append(attrs, a); return true })
	for i, a := range attrs {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", a.Key, a.Value.Resolve())
	}
	if len(attrs) > 0 {
		b.WriteString(")")
	}
	b.WriteString("\n")
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *warnHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &warnHandler{w: h.w, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h *warnHandler) WithGroup(string) slog.Handler { return h }
