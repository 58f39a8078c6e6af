package secrets

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// writeSecretFile writes a file with the given mode (chmod, so the umask
// does not interfere).
func writeSecretFile(t *testing.T, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEnvProvider(t *testing.T) {
	dir := t.TempDir()
	okFile := writeSecretFile(t, filepath.Join(dir, "ok"), canary+"\n", 0o600)
	crlfFile := writeSecretFile(t, filepath.Join(dir, "crlf"), canary+"\r\n", 0o600)
	twoNL := writeSecretFile(t, filepath.Join(dir, "two"), canary+"\n\n", 0o600)
	emptyFile := writeSecretFile(t, filepath.Join(dir, "empty"), "", 0o600)
	tests := []struct {
		name    string
		prefix  string
		env     map[string]string
		want    string
		wantErr error // nil: success; ErrNotFound; errAny: some other error
	}{
		{"plain variable", "", map[string]string{"SECRET_KEY": canary}, canary, nil},
		{"prefix", "APP_", map[string]string{"APP_SECRET_KEY": canary, "SECRET_KEY": "other"}, canary, nil},
		{"prefix ignores unprefixed", "APP_", map[string]string{"SECRET_KEY": canary}, "", ErrNotFound},
		{"missing", "", map[string]string{}, "", ErrNotFound},
		{"empty counts as absent", "", map[string]string{"SECRET_KEY": ""}, "", ErrNotFound},
		{"_FILE", "", map[string]string{"SECRET_KEY_FILE": okFile}, canary, nil},
		{"_FILE with CRLF", "", map[string]string{"SECRET_KEY_FILE": crlfFile}, canary, nil},
		{"_FILE trims one newline only", "", map[string]string{"SECRET_KEY_FILE": twoNL}, canary + "\n", nil},
		{"_FILE empty file is absent", "", map[string]string{"SECRET_KEY_FILE": emptyFile}, "", ErrNotFound},
		{"_FILE missing file is an error", "", map[string]string{"SECRET_KEY_FILE": filepath.Join(dir, "nope")}, "", fs.ErrNotExist},
		{"_FILE pointing at a directory", "", map[string]string{"SECRET_KEY_FILE": dir}, "", errAny},
		{"both set is ambiguous", "", map[string]string{"SECRET_KEY": canary, "SECRET_KEY_FILE": okFile}, "", errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &EnvProvider{Prefix: tt.prefix, LookupEnv: mapEnv(tt.env)}
			s, err := p.Lookup(context.Background(), "SECRET_KEY")
			checkLookup(t, s, err, tt.want, tt.wantErr)
		})
	}
}

var errAny = errors.New("any error")

func checkLookup(t *testing.T, s Secret, err error, want string, wantErr error) {
	t.Helper()
	switch {
	case wantErr == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case wantErr == nil && s.Reveal() != want:
		t.Fatalf("value = %q, want %q", s.Reveal(), want)
	case wantErr == errAny && (err == nil || errors.Is(err, ErrNotFound)):
		t.Fatalf("err = %v, want a failure other than not found", err)
	case wantErr != nil && wantErr != errAny && !errors.Is(err, wantErr):
		t.Fatalf("err = %v, want %v", err, wantErr)
	}
	if err != nil && leaks(err.Error()) {
		t.Fatalf("error leaked the value: %v", err)
	}
}

func TestEnvProviderRealEnvironment(t *testing.T) {
	t.Setenv("RAMPART_TEST_SECRET", canary)
	s, err := Get(context.Background(), Env("RAMPART_TEST_"), "SECRET")
	if err != nil || s.Reveal() != canary {
		t.Fatalf("Get = %v, %v", s, err)
	}
	if Env("").String() != "env" || Env("APP_").String() != "env:APP_" {
		t.Error("String names")
	}
}

func TestInvalidNames(t *testing.T) {
	dir := t.TempDir()
	writeSecretFile(t, filepath.Join(dir, "passwd"), "x", 0o600)
	providers := []Provider{Env(""), Dir(dir), Chain(Env(""), Dir(dir))}
	for _, name := range []string{"", "../passwd", "a/b", "..", ".", "/etc/passwd", "A B", "1ABC", "NAME\x00", "ÄÖ", strings.Repeat("A", 129), "A=B"} {
		for _, p := range providers {
			_, err := p.Lookup(context.Background(), name)
			if !errors.Is(err, ErrInvalidName) {
				t.Errorf("%s.Lookup(%q) err = %v, want ErrInvalidName", p, name, err)
			}
			if err != nil && strings.Contains(err.Error(), "passwd") {
				t.Errorf("error quotes the name: %v", err)
			}
		}
	}
	for _, name := range []string{"A", "_", "SECRET_KEY", "db_password", "K8S_TOKEN", strings.Repeat("A", 128)} {
		if !ValidName(name) {
			t.Errorf("ValidName(%q) = false", name)
		}
	}
}

func TestDirProvider(t *testing.T) {
	dir := t.TempDir()
	writeSecretFile(t, filepath.Join(dir, "SECRET_KEY"), canary+"\n", 0o600)
	writeSecretFile(t, filepath.Join(dir, "db_password"), "pw-value", 0o600)
	writeSecretFile(t, filepath.Join(dir, "EMPTY"), "", 0o600)
	if err := os.Mkdir(filepath.Join(dir, "SUBDIR"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "SECRET_KEY"), filepath.Join(dir, "LINKED")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key, want string
		wantErr         error
	}{
		{"exact name, newline trimmed", "SECRET_KEY", canary, nil},
		{"lower-case file for upper-case name", "DB_PASSWORD", "pw-value", nil},
		{"exact lower-case name", "db_password", "pw-value", nil},
		{"symlink (Kubernetes ..data layout)", "LINKED", canary, nil},
		{"missing", "NOPE", "", ErrNotFound},
		{"empty file is absent", "EMPTY", "", ErrNotFound},
		{"directory is an error", "SUBDIR", "", errAny},
	}
	p := Dir(dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := p.Lookup(context.Background(), tt.key)
			checkLookup(t, s, err, tt.want, tt.wantErr)
		})
	}
	if p.String() != "file:"+dir {
		t.Errorf("String = %q", p.String())
	}
	// The zero DirProvider must not read from the working directory.
	if _, err := (&DirProvider{}).Lookup(context.Background(), "go"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("zero DirProvider: %v, want a failure", err)
	}
	_, err := Dir(filepath.Join(dir, "missing-dir")).Lookup(context.Background(), "X")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing directory: %v, want ErrNotFound", err)
	}
}

func TestDirProviderUnreadable(t *testing.T) {
	if os.Geteuid() == 0 || runtime.GOOS == "windows" {
		// root reads any file; check the error path with a directory
		// whose entry cannot be opened instead.
		dir := t.TempDir()
		if err := os.Symlink(filepath.Join(dir, "loop"), filepath.Join(dir, "loop")); err != nil {
			t.Fatal(err)
		}
		_, err := Dir(dir).Lookup(context.Background(), "loop")
		if err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("symlink loop: err = %v, want a read failure", err)
		}
		return
	}
	dir := t.TempDir()
	writeSecretFile(t, filepath.Join(dir, "KEY"), canary, 0o000)
	_, err := Dir(dir).Lookup(context.Background(), "KEY")
	if !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("err = %v, want permission denied", err)
	}
}

// stub is a Provider with fixed answers.
type stub struct {
	name   string
	values map[string]string
	err    error
	calls  int
	mu     sync.Mutex
}

func (s *stub) Lookup(_ context.Context, name string) (Secret, error) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	if s.err != nil {
		return Secret{}, s.err
	}
	if v, ok := s.values[name]; ok {
		return New(v), nil
	}
	return Secret{}, notFound(name, s)
}

func (s *stub) String() string { return s.name }

func TestChain(t *testing.T) {
	ctx := context.Background()
	first := &stub{name: "first", values: map[string]string{"A": "from-first"}}
	second := &stub{name: "second", values: map[string]string{"A": "shadowed", "B": "from-second"}}
	broken := &stub{name: "broken", err: errors.New("decryption failed")}
	c := Chain(first, second)

	s, err := Get(ctx, c, "A")
	if err != nil || s.Reveal() != "from-first" {
		t.Errorf("A = %q, %v: first provider must win", s.Reveal(), err)
	}
	s, err = Get(ctx, c, "B")
	if err != nil || s.Reveal() != "from-second" {
		t.Errorf("B = %q, %v", s.Reveal(), err)
	}
	_, err = Get(ctx, c, "C")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "first, second") {
		t.Errorf("C err = %v", err)
	}
	// A failing provider stops the chain: no fallback to a later value.
	_, err = Get(ctx, Chain(first, broken, second), "B")
	if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "decryption failed") {
		t.Errorf("broken provider: err = %v, want its failure", err)
	}
	if c.String() != "first, second" || Chain().String() != "empty chain" {
		t.Errorf("String = %q", c.String())
	}
	_, err = Get(ctx, Chain(), "A")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("empty chain: %v", err)
	}
	// Nested chains report the provider that answered.
	_, from, err := lookupSource(ctx, Chain(first, Chain(second)), "B")
	if err != nil || from != Provider(second) {
		t.Errorf("source = %v, %v; want second", from, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Get(cancelled, c, "A"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "rampart/secrets: ") {
			t.Errorf("Chain(nil) panic = %v", r)
		}
	}()
	Chain(first, nil)
}

func TestLookupHelper(t *testing.T) {
	ctx := context.Background()
	p := &stub{name: "s", values: map[string]string{"A": "a"}}
	if s, ok, err := Lookup(ctx, p, "A"); !ok || err != nil || s.Reveal() != "a" {
		t.Errorf("Lookup(A) = %v %v %v", s, ok, err)
	}
	if _, ok, err := Lookup(ctx, p, "B"); ok || err != nil {
		t.Errorf("Lookup(B) = %v %v, want absent without error", ok, err)
	}
	boom := errors.New("boom")
	if _, ok, err := Lookup(ctx, &stub{name: "x", err: boom}, "A"); ok || !errors.Is(err, boom) {
		t.Errorf("Lookup(broken) = %v %v", ok, err)
	}
}

func TestConcurrentLookups(t *testing.T) {
	dir := t.TempDir()
	writeSecretFile(t, filepath.Join(dir, "K"), "v", 0o644)
	f := newTestFile(t)
	c := Chain(&EnvProvider{Logger: slog.New(slog.DiscardHandler)}, &DirProvider{Path: dir, Logger: slog.New(slog.DiscardHandler)}, f)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := c.Lookup(context.Background(), "K"); err != nil {
					t.Error(err)
				}
				if i%2 == 0 {
					_ = f.Set("OTHER", New("x"))
				}
				_ = f.Names()
			}
		})
	}
	wg.Wait()
}
