package app

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartgo/rampart/secrets"
)

// strongKey passes secrets.Require (256 random bits, base64url).
const strongKey = "q3Vw9Zx0Lr7TbN2mYc5KfH8jD1sPaE4gU6iWoXvRtQk"

// isolateEnv clears every variable that could feed secrets from outside the
// test, then sets kv (NAME=value pairs).
func isolateEnv(t *testing.T, kv ...string) {
	t.Helper()
	for _, name := range []string{"SECRET_KEY", "SECRET_KEY_FILE", "SECRET_KEY_PREVIOUS", "SECRET_KEY_PREVIOUS_FILE",
		"NOTES_ENV", secrets.MasterKeyEnv, secrets.MasterKeyFileEnv, secrets.SecretsFileEnv} {
		t.Setenv(name, "")
	}
	for _, p := range kv {
		name, value, _ := strings.Cut(p, "=")
		t.Setenv(name, value)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the app in process and returns its base URL, its stderr and a
// stop function returning the exit code.
func start(t *testing.T, args ...string) (base string, stderr *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	stderr = &syncBuffer{}
	addrc := make(chan net.Addr, 1)
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), os.Environ(), io.Discard, stderr,
			func(a net.Addr) { addrc <- a })
	}()
	select {
	case a := <-addrc:
		base = "http://" + a.String()
	case code := <-done:
		cancel()
		t.Fatalf("exited with %d before serving:\n%s", code, stderr)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatalf("not serving after 20s:\n%s", stderr)
	}
	var once sync.Once
	var code int
	stop = func() int {
		once.Do(func() { cancel(); code = <-done })
		return code
	}
	t.Cleanup(func() { stop() })
	return base, stderr, stop
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestProductionRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "secret_key")
	if err := os.WriteFile(keyFile, []byte("your_secret_key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// An encrypted secrets file holding a placeholder.
	encPath := filepath.Join(dir, "enc", "secrets.age")
	f, err := secrets.InitFile(secrets.FileConfig{Path: encPath})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Set("SECRET_KEY", secrets.New("changeme")); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	noFile := filepath.Join(dir, "absent", "secrets.age")

	tests := []struct {
		name   string
		env    []string
		args   []string
		want   []string // each must appear on its own "notes: error:" line
		secret string   // must never be printed
	}{
		{name: "missing", want: []string{"SECRET_KEY is missing"}},
		{name: "placeholder your_secret_key", env: []string{"SECRET_KEY=your_secret_key"}, want: []string{"SECRET_KEY from env is a known placeholder"}, secret: "your_secret_key"},
		{name: "placeholder changeme", env: []string{"SECRET_KEY=changeme"}, want: []string{"known placeholder"}, secret: "changeme"},
		{name: "placeholder secret", env: []string{"SECRET_KEY=secret"}, want: []string{"known placeholder"}},
		{name: "placeholder with decoration", env: []string{"SECRET_KEY=Your-Secret-Key-2024"}, want: []string{"known placeholder"}, secret: "Your-Secret-Key-2024"},
		{name: "short", env: []string{"SECRET_KEY=Zq8#kL2!vR"}, want: []string{"too short"}, secret: "Zq8#kL2!vR"},
		{name: "repeated pattern", env: []string{"SECRET_KEY=" + strings.Repeat("ab", 24)}, want: []string{"pattern"}},
		{name: "low entropy", env: []string{"SECRET_KEY=xyxxyyxyxyyxxyxyyxyxxyyxyxyxxyyxyxyyyxxy"}, want: []string{"entropy"}, secret: "xyxxyyxyxyyxxyxyyxyxxyyxyxyxxyyxyxyyyxxy"},
		{name: "placeholder from SECRET_KEY_FILE", env: []string{"SECRET_KEY_FILE=" + keyFile}, want: []string{"known placeholder"}, secret: "your_secret_key"},
		{name: "placeholder in encrypted file", args: []string{"-secrets-file", encPath}, want: []string{"SECRET_KEY from encrypted:"}, secret: "changeme"},
		{name: "weak previous key", env: []string{"SECRET_KEY=" + strongKey, "SECRET_KEY_PREVIOUS=changeme"}, want: []string{"SECRET_KEY_PREVIOUS from env is a known placeholder"}},
		{name: "no TLS and no proxy", env: []string{"SECRET_KEY=" + strongKey}, args: []string{"-behind-proxy=false"}, want: []string{"production mode needs HTTPS"}},
		{name: "every problem at once", env: []string{"SECRET_KEY=changeme"}, args: []string{"-behind-proxy=false", "-store", "mongo"},
			want: []string{"production mode needs HTTPS", `-store "mongo"`, "known placeholder"}, secret: "changeme"},
		{name: "NOTES_ENV selects production", env: []string{"NOTES_ENV=production"}, args: []string{"-behind-proxy=false"}, want: []string{"production mode needs HTTPS", "SECRET_KEY is missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t, tt.env...)
			db := filepath.Join(t.TempDir(), "notes.db")
			args := []string{"-addr", "127.0.0.1:0", "-db", db, "-secrets-file", noFile, "-behind-proxy"}
			if !strings.HasPrefix(tt.name, "NOTES_ENV") {
				args = append(args, "-env", "production")
			}
			args = append(args, tt.args...)
			var stdout, stderr bytes.Buffer
			code := Run(t.Context(), args, os.Environ(), &stdout, &stderr, func(net.Addr) { t.Error("server started") })
			out := stderr.String()
			if code == 0 {
				t.Fatalf("exit code 0, want non-zero; stderr:\n%s", out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) < len(tt.want) {
				t.Errorf("%d lines, want at least %d:\n%s", len(lines), len(tt.want), out)
			}
			for _, w := range tt.want {
				found := false
				for _, l := range lines {
					found = found || (strings.HasPrefix(l, "notes: error: ") && strings.Contains(l, w))
				}
				if !found {
					t.Errorf("no error line with %q in:\n%s", w, out)
				}
			}
			if tt.secret != "" && strings.Contains(out+stdout.String(), tt.secret) {
				t.Errorf("the secret value was printed:\n%s", out)
			}
			if _, err := os.Stat(db); err == nil {
				t.Error("the database was opened before the configuration was checked")
			}
			if _, err := os.Stat(noFile); err == nil {
				t.Error("production mode generated a secrets file")
			}
		})
	}
}

func TestProductionStartsWithGoodConfig(t *testing.T) {
	isolateEnv(t, "SECRET_KEY="+strongKey)
	dir := t.TempDir()
	base, stderr, stop := start(t, "-env", "production", "-behind-proxy", "-db", filepath.Join(dir, "notes.db"),
		"-secrets-file", filepath.Join(dir, "none.age"))
	if code, body, _ := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz = %d %q", code, body)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), `"msg":"notes listening"`) {
		t.Errorf("production logs are not JSON:\n%s", stderr)
	}
	if strings.Contains(stderr.String(), strongKey) {
		t.Error("the secret key was logged")
	}
}

func TestDevStartup(t *testing.T) {
	isolateEnv(t)
	dir := t.TempDir()
	secretsFile := filepath.Join(dir, "config", "secrets.age")
	args := []string{"-db", filepath.Join(dir, "notes.db"), "-secrets-file", secretsFile}
	base, stderr, stop := start(t, args...)

	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
	}{
		{"GET", "/", 200, "<h1>notes</h1>"},
		{"HEAD", "/", 200, ""},
		{"GET", "/healthz", 200, "ok"},
		{"GET", "/register", 200, `name="password_confirm"`},
		{"GET", "/login?next=%2Fnotes", 200, `name="next" value="/notes"`},
		{"GET", "/static/app.css", 200, "color-scheme"},
		{"GET", "/static/app.js", 200, "use strict"},
		{"GET", "/nope", 404, ""},
		{"GET", "/static/missing.css", 404, ""},
		{"POST", "/", 405, ""},
		{"DELETE", "/healthz", 405, ""},
		{"POST", "/static/app.css", 405, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, base+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || !strings.Contains(string(b), tt.wantBody) {
			t.Errorf("%s %s = %d (want %d), body contains %q: %v", tt.method, tt.path, resp.StatusCode, tt.wantStatus, tt.wantBody, strings.Contains(string(b), tt.wantBody))
		}
		if resp.StatusCode == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tt.method, tt.path)
		}
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "GENERATED A NEW RANDOM SECRET_KEY") {
		t.Errorf("no loud warning about the generated secret:\n%s", stderr)
	}
	for _, p := range []string{secretsFile, filepath.Join(dir, "config", "master.key")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", p, fi.Mode().Perm())
		}
	}

	// A restart reuses the generated secret instead of making a new one.
	_, stderr2, stop2 := start(t, args...)
	stop2()
	if strings.Contains(stderr2.String(), "GENERATED") {
		t.Errorf("second start generated another secret:\n%s", stderr2)
	}
}

func TestRunUsage(t *testing.T) {
	isolateEnv(t)
	var stdout, stderr bytes.Buffer
	if code := Run(t.Context(), []string{"-h"}, nil, &stdout, &stderr, nil); code != 0 || !strings.Contains(stdout.String(), "Examples:") {
		t.Fatalf("-h: code %d, stdout %q", code, stdout.String())
	}
	stdout.Reset()
	if code := Run(t.Context(), []string{"-bogus"}, nil, &stdout, &stderr, nil); code != 2 || !strings.Contains(stderr.String(), "-bogus") {
		t.Fatalf("-bogus: code %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	if code := Run(t.Context(), []string{"-env", "dev", "-store", "memory", "-store-url", "x"}, nil, &stdout, &stderr, nil); code != 1 ||
		!strings.HasPrefix(stderr.String(), "notes: error: -store memory takes no -store-url") {
		t.Fatalf("bad dev config: code %d, stderr %q", code, stderr.String())
	}
}
