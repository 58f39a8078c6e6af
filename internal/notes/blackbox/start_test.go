package blackbox_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHealthz: GET /healthz is 200 for anyone.
func TestHealthz(t *testing.T) {
	a := sharedApp(t)
	r := a.newClient(t).get("/healthz")
	if r.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %s, want 200", r.Status)
	}
}

// TestHomePublic: GET / is 200 without a session.
func TestHomePublic(t *testing.T) {
	a := sharedApp(t)
	r := a.newClient(t).get("/")
	if r.StatusCode != http.StatusOK {
		t.Errorf("GET /: %s, want 200", r.Status)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(strings.ToLower(ct), "utf-8") {
		t.Errorf("GET /: Content-Type = %q, want text/html; charset=utf-8", ct)
	}
}

// TestProductionRefusesToStart: in production mode notes exits non-zero,
// with a clear line naming the problem and never the secret's value, when
// SECRET_KEY is missing, weak or a placeholder, or when there is no TLS.
func TestProductionRefusesToStart(t *testing.T) {
	t.Parallel() // its own instance: runs beside the others
	dir := t.TempDir()
	certFile, keyFile, _, err := selfSignedCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	strong := "SECRET_KEY=" + randHex(32)
	tlsArgs := []string{"-tls-cert", certFile, "-tls-key", keyFile}
	cases := []struct {
		name    string
		args    []string
		env     []string
		mention string // the output must mention this (case-insensitive)
		hide    string // the output must not contain this
		lines   int    // problems, so lines of output
	}{
		{"no TLS and no proxy", nil, []string{strong}, "tls", "", 1},
		{"NOTES_ENV=production without TLS", nil, []string{strong, "NOTES_ENV=production"}, "tls", "", 1},
		{"missing SECRET_KEY", tlsArgs, nil, "SECRET_KEY", "", 1},
		{"placeholder your_secret_key", tlsArgs, []string{"SECRET_KEY=your_secret_key"}, "SECRET_KEY", "", 1},
		{"placeholder changeme", tlsArgs, []string{"SECRET_KEY=changeme"}, "SECRET_KEY", "", 1},
		{"placeholder secret", tlsArgs, []string{"SECRET_KEY=secret"}, "SECRET_KEY", "", 1},
		{"short secret", tlsArgs, []string{"SECRET_KEY=Qx7-Zp2vW9"}, "SECRET_KEY", "Qx7-Zp2vW9", 1},
		{"repeated characters", tlsArgs, []string{"SECRET_KEY=" + strings.Repeat("a", 64)}, "SECRET_KEY", strings.Repeat("a", 64), 1},
		{"no TLS and a placeholder: both reported", nil, []string{"SECRET_KEY=changeme"}, "SECRET_KEY", "", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, err := freeAddr()
			if err != nil {
				t.Fatal(err)
			}
			sub := t.TempDir()
			args := []string{"-addr", addr, "-db", filepath.Join(sub, "notes.db"),
				"-secrets-file", filepath.Join(sub, "secrets.age"), "-master-key", filepath.Join(sub, "master.key")}
			if !strings.HasPrefix(tc.name, "NOTES_ENV") {
				args = append(args, "-env", "production")
			}
			args = append(args, tc.args...)
			code, out := runNotes(t, args, tc.env, 15*time.Second)
			switch code {
			case -1:
				t.Fatalf("notes kept running in production with %s; output:\n%s", tc.name, out)
			case 0:
				t.Fatalf("notes exited 0 in production with %s; output:\n%s", tc.name, out)
			}
			if !strings.Contains(strings.ToLower(out), strings.ToLower(tc.mention)) {
				t.Errorf("exit %d, but the output does not mention %q:\n%s", code, tc.mention, out)
			}
			if tc.hide != "" && strings.Contains(out, tc.hide) {
				t.Errorf("the output leaks the secret's value:\n%s", out)
			}
			// One clear line per problem, and every problem at once.
			if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != tc.lines {
				t.Errorf("%d output lines, want %d (one per problem):\n%s", len(lines), tc.lines, out)
			}
			if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic:") {
				t.Errorf("the refusal is a panic, not a clear line:\n%s", out)
			}
		})
	}
}
