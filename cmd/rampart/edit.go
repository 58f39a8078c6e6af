package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/rampartgo/rampart/secrets"
)

// secretsEdit decrypts the secrets into a private temporary file, runs the
// editor on it and re-encrypts the result. The temporary directory is
// removed on every path out of this function.
func (c *cli) secretsEdit(ctx context.Context, cfg secrets.FileConfig, _ []string) error {
	f, err := c.open(cfg)
	if err != nil {
		return err
	}
	before := map[string]secrets.Secret{}
	for _, n := range f.Names() {
		before[n], _ = f.Lookup(ctx, n)
	}

	// A 0700 directory, so the plaintext stays private even if the editor
	// replaces the file (with umask permissions) or writes swap files
	// beside it.
	dir, err := os.MkdirTemp("", "rampart-edit-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, "secrets.json")
	original := []byte(f.ExportJSON().Reveal())
	if err := os.WriteFile(path, original, 0o600); err != nil {
		return err
	}

	// While the editor runs it owns the terminal: an interrupt is for it,
	// and must not kill us before the deferred cleanup.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	err = c.runEditor(ctx, path)
	signal.Stop(sigs)
	if err != nil {
		return withHint(err, "nothing was changed")
	}
	select {
	case sig := <-sigs:
		if sig != os.Interrupt {
			return fmt.Errorf("received %v; nothing was changed", sig)
		}
	default:
	}

	edited, err := os.ReadFile(path)
	if err != nil {
		return withHint(fmt.Errorf("reading the edited file: %w", err), "nothing was changed")
	}
	if bytes.Equal(edited, original) {
		fmt.Fprintf(c.stderr, "rampart: no changes to %s\n", f.Path())
		return nil
	}
	if err := f.ReplaceJSON(edited); err != nil {
		return withHint(err,
			"your edit was discarded and "+f.Path()+" left unchanged",
			`the format is one JSON object of "NAME": "value" pairs with string values`)
	}
	if err := f.Save(); err != nil {
		return err
	}
	added, changed, removed := diff(ctx, before, f)
	fmt.Fprintf(c.stderr, "rampart: saved %s (added %d, changed %d, removed %d)\n", f.Path(), added, changed, removed)
	return nil
}

func diff(ctx context.Context, before map[string]secrets.Secret, f *secrets.File) (added, changed, removed int) {
	after := f.Names()
	for _, n := range after {
		old, ok := before[n]
		v, _ := f.Lookup(ctx, n)
		switch {
		case !ok:
			added++
		case !old.Equal(v):
			changed++
		}
	}
	for n := range before {
		if !slices.Contains(after, n) {
			removed++
		}
	}
	return added, changed, removed
}

// runEditor runs $EDITOR (else $VISUAL, else vi) on path. The variable may
// hold arguments, as in EDITOR="code --wait".
func (c *cli) runEditor(ctx context.Context, path string) error {
	editor := os.Getenv("EDITOR")
	if strings.TrimSpace(editor) == "" {
		editor = os.Getenv("VISUAL")
	}
	if strings.TrimSpace(editor) == "" {
		editor = "vi"
	}
	fields := strings.Fields(editor)
	cmd := exec.CommandContext(ctx, fields[0], append(fields[1:], path)...)
	cmd.Stdin = c.stdin
	if f, ok := c.stdin.(*os.File); ok {
		cmd.Stdin = f
	}
	cmd.Stdout, cmd.Stderr = c.stderr, c.stderr
	if f, ok := c.stdout.(*os.File); ok {
		cmd.Stdout = f // a terminal editor draws on the real terminal
	}
	if err := cmd.Run(); err != nil {
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			return fmt.Errorf("editor %s exited with status %d", fields[0], ee.ExitCode())
		}
		return fmt.Errorf("running editor %s: %w", fields[0], err)
	}
	return nil
}
