package sqlitestore_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/sqlitestore"
	"github.com/rampartgo/rampart/session/storetest"
)

func openDB(t testing.TB) *sql.DB {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "sessions.db") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newStore(t testing.TB, db *sql.DB, cfg sqlitestore.Config) *sqlitestore.Store {
	t.Helper()
	s := sqlitestore.New(db, cfg)
	t.Cleanup(s.Stop)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	return s
}

// dump returns every row of table as text, blobs included raw.
func dump(t *testing.T, db *sql.DB, table string) []byte {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var buf bytes.Buffer
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				buf.Write(b)
			} else {
				fmt.Fprint(&buf, v)
			}
			buf.WriteByte('|')
		}
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

func TestConformance(t *testing.T) {
	db := openDB(t)
	s := newStore(t, db, sqlitestore.Config{})
	storetest.Run(t, storetest.Suite{
		New:  func(t *testing.T) session.Store { return s },
		Dump: func(t *testing.T) []byte { return dump(t, db, "rampart_sessions") },
	})
}

func TestCleanup(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	s := newStore(t, db, sqlitestore.Config{Table: "custom_sessions"})
	for i := range 5 {
		rec := storetest.NewRecord("u")
		if i < 3 {
			rec.Expires = time.Now().Add(-time.Second)
		}
		if err := s.Insert(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Cleanup(ctx)
	if err != nil || n != 3 {
		t.Fatalf("Cleanup = %d, %v; want 3", n, err)
	}
	var left int
	db.QueryRow(`SELECT count(*) FROM custom_sessions`).Scan(&left)
	if left != 2 {
		t.Fatalf("%d rows left, want 2", left)
	}
}

func TestCleanupGoroutine(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	s := newStore(t, db, sqlitestore.Config{CleanupInterval: 20 * time.Millisecond})
	rec := storetest.NewRecord("u")
	rec.Expires = time.Now().Add(50 * time.Millisecond)
	if err := s.Insert(ctx, rec); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		db.QueryRow(`SELECT count(*) FROM rampart_sessions`).Scan(&n)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cleanup goroutine did not delete the expired row")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Stop()
	s.Stop() // idempotent
	if _, err := s.Find(ctx, rec.Hash); err != session.ErrNotFound {
		t.Fatalf("Find after Stop = %v", err)
	}
}

func TestCorruptRow(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	s := newStore(t, db, sqlitestore.Config{})
	rec := storetest.NewRecord("u")
	if err := s.Insert(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE rampart_sessions SET data = x'00ff'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Find(ctx, rec.Hash); err == nil || err == session.ErrNotFound {
		t.Fatalf("Find of a corrupt row = %v, want an error that is not ErrNotFound", err)
	}
}

func TestBadConfig(t *testing.T) {
	for _, name := range []string{"x; DROP TABLE users", "1abc", "a.b", strings.Repeat("a", 64)} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "rampart/session/sqlitestore: ") {
					t.Errorf("table %q: panic %v", name, r)
				}
			}()
			sqlitestore.New(openDB(t), sqlitestore.Config{Table: name})
		}()
	}
}

// BenchmarkFind is one session lookup (the store's share of a request).
func BenchmarkFind(b *testing.B) {
	s := newStore(b, openDB(b), sqlitestore.Config{})
	rec := storetest.NewRecord("alice")
	ctx := context.Background()
	if err := s.Insert(ctx, rec); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Find(ctx, rec.Hash); err != nil {
			b.Fatal(err)
		}
	}
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkManagerRead is a logged-in page through the middleware: load,
// read the owner, commit (no write within the touch interval).
func BenchmarkManagerRead(b *testing.B) {
	benchmarkRead(b, newStore(b, openDB(b), sqlitestore.Config{}))
}

// BenchmarkManagerReadCached is the same behind a session.Cache.
func BenchmarkManagerReadCached(b *testing.B) {
	benchmarkRead(b, session.NewCache(newStore(b, openDB(b), sqlitestore.Config{}), session.CacheConfig{}))
}

func benchmarkRead(b *testing.B, s session.Store) {
	m := session.NewManager(s, session.Config{Logger: slog.New(slog.DiscardHandler)})
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	rec := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).SetUserID("alice")
		m.Get(r).Put("theme", "dark")
	})).ServeHTTP(rec, r)
	c := rec.Result().Cookies()[0]
	r.Header.Set("Cookie", c.Name+"="+c.Value)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.Get(r).UserID() != "alice" {
			panic("not logged in")
		}
	}))
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}
