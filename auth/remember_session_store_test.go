package auth_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rampartgo/rampart/auth"
)

// testRememberSessionStore is the conformance suite of the session links
// every RememberSessionStore keeps, beside testRememberStore.
func testRememberSessionStore(t *testing.T, s auth.RememberSessionStore) {
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	h := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	for _, tok := range []auth.RememberToken{
		{Selector: "s-laptop", ValidatorHash: h(1), UserID: "u1", Expires: exp, Session: "h-laptop"},
		{Selector: "s-phone", ValidatorHash: h(2), UserID: "u1", Expires: exp, Session: "h-phone"},
		// Handles are random; a clash across users must still not let one
		// user's revocation reach the other's token.
		{Selector: "s-other", ValidatorHash: h(3), UserID: "u2", Expires: exp, Session: "h-laptop"},
		{Selector: "s-legacy", ValidatorHash: h(4), UserID: "u1", Expires: exp},
	} {
		if err := s.Create(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	session := func(sel string) string {
		t.Helper()
		tok, err := s.Find(ctx, sel)
		if err != nil {
			t.Fatalf("Find(%q): %v", sel, err)
		}
		return tok.Session
	}
	if got := session("s-laptop"); got != "h-laptop" {
		t.Fatalf("Create did not keep Session: %q", got)
	}
	if got := session("s-legacy"); got != "" {
		t.Fatalf("a token created without a session has %q", got)
	}

	tests := []struct {
		name                 string
		selector, user, hdl  string
		wantSel, wantSession string
	}{
		{"re-link own token", "s-phone", "u1", "h-phone-2", "s-phone", "h-phone-2"},
		{"another user's token is left alone", "s-laptop", "u2", "h-attacker", "s-laptop", "h-laptop"},
		{"unknown selector is no error", "nope", "u1", "h-x", "s-laptop", "h-laptop"},
		{"SQL in the selector", "' OR 1=1 --", "u1", "h-x", "s-laptop", "h-laptop"},
	}
	for _, tc := range tests {
		if err := s.SetSession(ctx, tc.selector, tc.user, tc.hdl); err != nil {
			t.Fatalf("%s: SetSession: %v", tc.name, err)
		}
		if got := session(tc.wantSel); got != tc.wantSession {
			t.Errorf("%s: %s has session %q, want %q", tc.name, tc.wantSel, got, tc.wantSession)
		}
	}

	// Rotation keeps the link.
	if ok, err := s.Rotate(ctx, "s-phone", h(2), h(22), time.Now()); !ok || err != nil {
		t.Fatalf("Rotate = %v, %v", ok, err)
	}
	if got := session("s-phone"); got != "h-phone-2" {
		t.Fatalf("rotation lost the session: %q", got)
	}

	dels := []struct {
		name      string
		user, hdl string
		want      int
	}{
		{"empty handle deletes nothing (not even unlinked tokens)", "u1", "", 0},
		{"another user's session", "u2", "h-phone-2", 0},
		// The unlinked token may be any device's: it goes with the first
		// session revoked (fail closed).
		{"own session, with the unlinked token", "u1", "h-laptop", 2},
		{"twice", "u1", "h-laptop", 0},
		{"stale handle", "u1", "h-phone", 0},
	}
	for _, tc := range dels {
		n, err := s.DeleteForSession(ctx, tc.user, tc.hdl)
		if err != nil || n != tc.want {
			t.Errorf("%s: DeleteForSession(%q, %q) = %d, %v; want %d", tc.name, tc.user, tc.hdl, n, err, tc.want)
		}
	}
	for _, sel := range []string{"s-laptop", "s-legacy"} {
		if _, err := s.Find(ctx, sel); !errors.Is(err, auth.ErrTokenNotFound) {
			t.Errorf("%s is still there after its session was revoked", sel)
		}
	}
	for _, sel := range []string{"s-phone", "s-other"} {
		if _, err := s.Find(ctx, sel); err != nil {
			t.Errorf("%s was deleted with another session: %v", sel, err)
		}
	}
}

func TestMemoryRememberSessionStore(t *testing.T) {
	testRememberSessionStore(t, auth.NewMemoryRememberStore())
}

func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "r.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(t *testing.T) (db *sql.DB, table string) {
	t.Helper()
	url := os.Getenv("RAMPART_TEST_POSTGRES")
	if url == "" {
		t.Skip("RAMPART_TEST_POSTGRES is not set; set it to a PostgreSQL URL to run this test")
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	rand.Read(b[:])
	table = "remember_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		db.Exec("DROP TABLE IF EXISTS " + table)
		db.Close()
	})
	return db, table
}

func TestSQLiteRememberSessionStore(t *testing.T) {
	s := auth.NewSQLRememberStore(openSQLite(t), "")
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	testRememberSessionStore(t, s)
}

func TestPostgresRememberSessionStore(t *testing.T) {
	db, table := openPostgres(t)
	s := auth.NewSQLRememberStore(db, table)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	testRememberSessionStore(t, s)
}

// testMigrateAddsSession: a table made by the previous version (no
// session_handle column) gets the column from Migrate, run by several
// instances at once; its tokens keep working with no session, and the
// whole suite then passes.
func testMigrateAddsSession(t *testing.T, db *sql.DB, table string) {
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE `+table+` (
	selector TEXT PRIMARY KEY,
	validator_hash TEXT NOT NULL,
	prev_hash TEXT NOT NULL DEFAULT '',
	rotated_ms BIGINT NOT NULL DEFAULT 0,
	user_id TEXT NOT NULL,
	expires_ms BIGINT NOT NULL
)`); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).UnixMilli()
	if _, err := db.ExecContext(ctx, `INSERT INTO `+table+` (selector, validator_hash, user_id, expires_ms) VALUES ($1, $2, $3, $4)`,
		"s-before", hex.EncodeToString(bytes.Repeat([]byte{7}, 32)), "u9", exp); err != nil {
		t.Fatal(err)
	}
	s := auth.NewSQLRememberStore(db, table)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Migrate(ctx); err != nil {
				t.Error("concurrent Migrate of an old table:", err)
			}
		}()
	}
	wg.Wait()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal("Migrate of a migrated table:", err)
	}
	tok, err := s.Find(ctx, "s-before")
	if err != nil || tok.UserID != "u9" || tok.Session != "" {
		t.Fatalf("a token from before the migration: %+v, %v", tok, err)
	}
	if n, err := s.DeleteForSession(ctx, "u9", ""); err != nil || n != 0 {
		t.Fatalf("DeleteForSession with no handle = %d, %v; want 0", n, err)
	}
	if n, err := s.DeleteForSession(ctx, "u9", "h-any"); err != nil || n != 1 {
		t.Fatalf("revoking a session of a user with a token from before the migration = %d, %v; want 1 (fail closed)", n, err)
	}
	testRememberSessionStore(t, s)
}

func TestSQLiteRememberStoreMigratesOldTable(t *testing.T) {
	testMigrateAddsSession(t, openSQLite(t), "rampart_remember")
}

func TestPostgresRememberStoreMigratesOldTable(t *testing.T) {
	db, table := openPostgres(t)
	testMigrateAddsSession(t, db, table)
}
