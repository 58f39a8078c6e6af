//go:build unix

package secrets

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestPermissionWarnings(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o666, 0o400, 0o600} {
		name := "MODE_" + fmtMode(mode)
		writeSecretFile(t, filepath.Join(dir, name), canary, mode)
		loose := mode&0o077 != 0

		var buf bytes.Buffer
		lenient := &DirProvider{Path: dir, Logger: slog.New(slog.NewTextHandler(&buf, nil))}
		s, err := lenient.Lookup(context.Background(), name)
		if err != nil || s.Reveal() != canary {
			t.Fatalf("%s: lenient lookup: %v", name, err)
		}
		if warned := strings.Contains(buf.String(), "level=WARN"); warned != loose {
			t.Errorf("%s: warned = %v, want %v (log %q)", name, warned, loose, buf.String())
		}
		if loose && !strings.Contains(buf.String(), name) {
			t.Errorf("%s: warning does not name the file: %s", name, buf.String())
		}
		if leaks(buf.String()) {
			t.Errorf("warning leaked the value")
		}
		// Warned once per file, not on every lookup.
		buf.Reset()
		_, _ = lenient.Lookup(context.Background(), name)
		if buf.Len() != 0 {
			t.Errorf("%s: second lookup warned again", name)
		}

		strict := &DirProvider{Path: dir, Strict: true}
		_, err = strict.Lookup(context.Background(), name)
		if got := errors.Is(err, ErrInsecurePermissions); got != loose {
			t.Errorf("%s: strict err = %v, want ErrInsecurePermissions = %v", name, err, loose)
		}
		envStrict := &EnvProvider{Strict: true, LookupEnv: mapEnv(map[string]string{"X_FILE": filepath.Join(dir, name)})}
		_, err = envStrict.Lookup(context.Background(), "X")
		if got := errors.Is(err, ErrInsecurePermissions); got != loose {
			t.Errorf("%s: strict env err = %v, want ErrInsecurePermissions = %v", name, err, loose)
		}
	}
}

func TestSecretFileFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "PIPE"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Must fail at once rather than block waiting for a writer.
	_, err := Dir(dir).Lookup(context.Background(), "PIPE")
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("err = %v", err)
	}
}

func fmtMode(m os.FileMode) string {
	const digits = "01234567"
	p := m.Perm()
	return string([]byte{digits[p>>6&7], digits[p>>3&7], digits[p&7]})
}
