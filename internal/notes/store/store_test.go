package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func openSQLite(t *testing.T) Store {
	t.Helper()
	s, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "notes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openPostgres opens a store in a fresh schema of RAMPART_TEST_POSTGRES and
// drops the schema when the test ends.
func openPostgres(t *testing.T) Store {
	t.Helper()
	base := os.Getenv("RAMPART_TEST_POSTGRES")
	if base == "" {
		t.Skip("RAMPART_TEST_POSTGRES not set; skipping PostgreSQL tests")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_notes_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	s, err := OpenPostgres(t.Context(), base+sep+"search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T)   { runSuite(t, openSQLite) }
func TestPostgres(t *testing.T) { runSuite(t, openPostgres) }

func runSuite(t *testing.T, open func(*testing.T) Store) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open(t)) })
	t.Run("EmailCaseInsensitive", func(t *testing.T) { testEmailCase(t, open(t)) })
	t.Run("SetPassword", func(t *testing.T) { testSetPassword(t, open(t)) })
	t.Run("Notes", func(t *testing.T) { testNotes(t, open(t)) })
	t.Run("Injection", func(t *testing.T) { testInjection(t, open(t)) })
	t.Run("ConcurrentWrites", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("MigrationsIdempotent", func(t *testing.T) { testMigrations(t, open(t)) })
}

func testUsers(t *testing.T, s Store) {
	ctx := t.Context()
	before := time.Now().Add(-time.Second)
	u, err := s.CreateUser(ctx, " alice@example.com ", "$argon2id$hash")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "alice@example.com" || u.CreatedAt.Before(before) || !u.PasswordChangedAt.Equal(u.CreatedAt) {
		t.Fatalf("created user = %+v", u)
	}
	got, err := s.UserByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got != u {
		t.Fatalf("UserByEmail = %+v, want %+v", got, u)
	}
	byID, err := s.UserByID(ctx, u.ID)
	if err != nil || byID != u {
		t.Fatalf("UserByID = %+v, %v; want %+v", byID, err, u)
	}
	if _, err := s.UserByEmail(ctx, "bob@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown email: err = %v, want ErrNotFound", err)
	}
	if _, err := s.UserByID(ctx, u.ID+1000); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: err = %v, want ErrNotFound", err)
	}
}

func testEmailCase(t *testing.T, s Store) {
	ctx := t.Context()
	if _, err := s.CreateUser(ctx, "Ärger@Example.COM", "h"); err != nil {
		t.Fatal(err)
	}
	for name, email := range map[string]string{
		"same":          "Ärger@Example.COM",
		"lower":         "ärger@example.com",
		"upper":         "ÄRGER@EXAMPLE.COM",
		"padded":        "  ärger@example.com\t",
		"unicode upper": "ÄrGeR@example.com",
	} {
		if _, err := s.CreateUser(ctx, email, "h"); !errors.Is(err, ErrEmailTaken) {
			t.Errorf("%s: CreateUser(%q) err = %v, want ErrEmailTaken", name, email, err)
		}
		if _, err := s.UserByEmail(ctx, email); err != nil {
			t.Errorf("%s: UserByEmail(%q) err = %v", name, email, err)
		}
	}
	if _, err := s.CreateUser(ctx, "arger@example.com", "h"); err != nil {
		t.Errorf("a different address was taken: %v", err)
	}
}

func testSetPassword(t *testing.T, s Store) {
	ctx := t.Context()
	u, err := s.CreateUser(ctx, "carol@example.com", "old")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if err := s.SetPasswordHash(ctx, u.ID, "new"); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PasswordHash != "new" || !got.PasswordChangedAt.After(u.PasswordChangedAt) || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("after SetPasswordHash: %+v (before %+v)", got, u)
	}
	if err := s.SetPasswordHash(ctx, u.ID+1000, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown user: err = %v, want ErrNotFound", err)
	}
}

func testNotes(t *testing.T, s Store) {
	ctx := t.Context()
	alice, _ := s.CreateUser(ctx, "alice@example.com", "h")
	mallory, _ := s.CreateUser(ctx, "mallory@example.com", "h")
	var ids []int64
	for _, title := range []string{"first", "second", "third"} {
		n, err := s.CreateNote(ctx, alice.ID, title, "<p>"+title+"</p>")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, n.ID)
	}
	list, err := s.NotesByUser(ctx, alice.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Title != "third" || list[2].Title != "first" || list[0].Body != "<p>third</p>" {
		t.Fatalf("NotesByUser = %+v, want newest first", list)
	}
	if list, _ := s.NotesByUser(ctx, alice.ID, 2); len(list) != 2 {
		t.Fatalf("limit 2 gave %d notes", len(list))
	}
	if list, _ := s.NotesByUser(ctx, mallory.ID, 10); len(list) != 0 {
		t.Fatalf("mallory sees %d notes of alice", len(list))
	}
	if n, err := s.Note(ctx, alice.ID, ids[0]); err != nil || n.Title != "first" {
		t.Fatalf("own note: %+v, %v", n, err)
	}
	if _, err := s.Note(ctx, mallory.ID, ids[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another user's note: err = %v, want ErrNotFound", err)
	}
	if _, err := s.CreateNote(ctx, alice.ID+mallory.ID+1000, "orphan", "x"); err == nil {
		t.Fatal("note for a missing user was accepted: foreign keys are off")
	}
}

func testInjection(t *testing.T, s Store) {
	ctx := t.Context()
	evil := []string{
		"' OR '1'='1",
		"x@example.com'; DROP TABLE users; --",
		`"; DELETE FROM notes; --`,
		"?", "$1", "\x00",
	}
	for _, e := range evil {
		if _, err := s.UserByEmail(ctx, e); !errors.Is(err, ErrNotFound) && !strings.Contains(e, "\x00") {
			t.Errorf("UserByEmail(%q) err = %v, want ErrNotFound", e, err)
		}
	}
	u, err := s.CreateUser(ctx, evil[1], "h")
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.CreateNote(ctx, u.ID, evil[0], evil[2])
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Note(ctx, u.ID, n.ID)
	if err != nil || got.Title != evil[0] || got.Body != evil[2] {
		t.Fatalf("round trip of hostile text: %+v, %v", got, err)
	}
	if _, err := s.UserByEmail(ctx, evil[1]); err != nil {
		t.Fatalf("users table damaged: %v", err)
	}
}

func testConcurrent(t *testing.T, s Store) {
	ctx := t.Context()
	u, err := s.CreateUser(ctx, "busy@example.com", "h")
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				if _, err := s.CreateNote(ctx, u.ID, "t", "b"); err != nil {
					errs <- err
				}
				if _, err := s.NotesByUser(ctx, u.ID, 5); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	list, _ := s.NotesByUser(ctx, u.ID, 1000)
	if len(list) != workers*each {
		t.Fatalf("%d notes after concurrent writes, want %d", len(list), workers*each)
	}
}

func testMigrations(t *testing.T, s Store) {
	ss := s.(*sqlStore)
	if err := migrate(t.Context(), ss.db, ss.d); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	v, err := SchemaVersion(t.Context(), s)
	if err != nil || v != 1 {
		t.Fatalf("SchemaVersion = %d, %v; want 1", v, err)
	}
}

func TestSQLiteReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.db")
	s, err := OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(t.Context(), "dave@example.com", "h"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.UserByEmail(t.Context(), "DAVE@example.com"); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := s.(*sqlStore).db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenRejects(t *testing.T) {
	for name, dsn := range map[string]string{
		"empty":          "",
		"memory":         ":memory:",
		"query injected": "notes.db?_pragma=foreign_keys(0)",
	} {
		if s, err := Open(t.Context(), dsn); err == nil {
			s.Close()
			t.Errorf("%s: Open(%q) succeeded", name, dsn)
		}
	}
	_, err := OpenPostgres(t.Context(), "postgres://user:hunter2secret@[bad")
	if err == nil || strings.Contains(err.Error(), "hunter2secret") {
		t.Errorf("bad URL error = %v; want an error without the password", err)
	}
}

func TestRebindDollar(t *testing.T) {
	got := rebindDollar("SELECT a FROM t WHERE x = ? AND y = ? LIMIT ?")
	if want := "SELECT a FROM t WHERE x = $1 AND y = $2 LIMIT $3"; got != want {
		t.Fatalf("rebindDollar = %q, want %q", got, want)
	}
}
