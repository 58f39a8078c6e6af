package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// loginFlow registers, logs in on a second browser, and checks that both
// are logged in and that logout ends the session: the session store is
// exercised for insert, find, renew and delete.
func loginFlow(t *testing.T, base string) {
	t.Helper()
	a := newBrowserAt(t, base, http.DefaultClient)
	expect(t, "register", a.submit("/register", "/register", url.Values{"email": {aliceEmail}, "password": {alicePass}, "password_confirm": {alicePass}}), 303, "/")
	b := newBrowserAt(t, base, http.DefaultClient)
	expect(t, "login", b.submit("/login", "/login", url.Values{"email": {aliceEmail}, "password": {alicePass}, "remember": {"1"}}), 303, "/")
	if !a.loggedIn() || !b.loggedIn() {
		t.Fatal("not logged in")
	}
	a.get("/account")
	// At least 2: a Redis shared between runs may still hold sessions of a
	// user with the same id from an earlier run's SQLite file.
	if n := strings.Count(a.last, "/revoke\""); n < 2 {
		t.Errorf("/account lists %d sessions, want 2", n)
	}
	for _, c := range []*browser{b, a} {
		expect(t, "logout", c.submit("/protected", "/logout", nil), 303, "/")
		if c.loggedIn() {
			t.Error("logged in after logout")
		}
	}
}

// pgSchema creates a schema of its own for t in the test database and
// returns the database URL with search_path set to it.
func pgSchema(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("RAMPART_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("RAMPART_TEST_POSTGRES is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	schema := "notes_test_" + randomSuffix()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// TestStartupPostgres runs the app with users, notes and sessions in
// PostgreSQL (-db postgres://...), and with SQLite users but PostgreSQL
// sessions (-store postgres -store-url ...).
func TestStartupPostgres(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(dsn, dir string) []string
	}{
		{"-db postgres", func(dsn, dir string) []string { return []string{"-db", dsn} }},
		{"-store postgres", func(dsn, dir string) []string {
			return []string{"-db", filepath.Join(dir, "notes.db"), "-store", "postgres", "-store-url", dsn}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := pgSchema(t)
			isolateEnv(t, "SECRET_KEY="+strongKey)
			dir := t.TempDir()
			args := append(tc.args(dsn, dir), "-secrets-file", filepath.Join(dir, "none.age"))
			base, stderr, stop := start(t, args...)
			loginFlow(t, base)
			if code := stop(); code != 0 {
				t.Fatalf("exit code %d:\n%s", code, stderr)
			}
			if strings.Contains(stderr.String(), "level=ERROR") {
				t.Errorf("errors logged:\n%s", stderr)
			}
		})
	}
}

// TestStartupRedis runs the app with sessions, throttling and tokens in
// Redis.
func TestStartupRedis(t *testing.T) {
	addr := os.Getenv("RAMPART_TEST_REDIS")
	if addr == "" {
		t.Skip("RAMPART_TEST_REDIS is not set (e.g. 127.0.0.1:6379)")
	}
	for _, loc := range []string{addr, "redis://" + addr + "/0"} {
		t.Run(loc, func(t *testing.T) {
			isolateEnv(t, "SECRET_KEY="+strongKey)
			dir := t.TempDir()
			base, stderr, stop := start(t, "-db", filepath.Join(dir, "notes.db"), "-store", "redis", "-store-url", loc,
				"-secrets-file", filepath.Join(dir, "none.age"))
			loginFlow(t, base)
			if code := stop(); code != 0 {
				t.Fatalf("exit code %d:\n%s", code, stderr)
			}
		})
	}
}

// TestStartupUnreachableStore: a session store that cannot be reached is a
// clear start-up error, never a panic, and never prints a password.
func TestStartupUnreachableStore(t *testing.T) {
	isolateEnv(t, "SECRET_KEY="+strongKey)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"-store", "redis", "-store-url", "127.0.0.1:1"},
		{"-store", "postgres", "-store-url", "postgres://u:hunter2pass@127.0.0.1:1/x?connect_timeout=2"},
	} {
		var stderr syncBuffer
		code := Run(t.Context(), append(args, "-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "notes.db"),
			"-secrets-file", filepath.Join(dir, "none.age")), os.Environ(), &stderr, &stderr, func(a net.Addr) { t.Error("server started") })
		out := stderr.String()
		if code == 0 || !strings.Contains(out, "notes: error: session store") || strings.Contains(out, "hunter2pass") || strings.Contains(out, "panic") {
			t.Errorf("%v: exit %d:\n%s", args, code, out)
		}
	}
}

// TestStartupLocalStores runs the binary's Run with sessions in memory and
// in a SQLite file of their own.
func TestStartupLocalStores(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(dir string) []string
	}{
		{"-store memory", func(string) []string { return []string{"-store", "memory"} }},
		{"-store sqlite, own file", func(dir string) []string {
			return []string{"-store", "sqlite", "-store-url", filepath.Join(dir, "sessions.db")}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolateEnv(t, "SECRET_KEY="+strongKey)
			dir := t.TempDir()
			base, stderr, stop := start(t, append(tc.args(dir), "-db", filepath.Join(dir, "notes.db"),
				"-secrets-file", filepath.Join(dir, "none.age"))...)
			loginFlow(t, base)
			if code := stop(); code != 0 {
				t.Fatalf("exit code %d:\n%s", code, stderr)
			}
		})
	}
}
