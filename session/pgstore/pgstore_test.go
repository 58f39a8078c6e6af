package pgstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/pgstore"
	"github.com/rampartgo/rampart/session/storetest"
)

// connect returns a pool to RAMPART_TEST_POSTGRES and a fresh table name
// that is dropped when the test ends.
func connect(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	url := os.Getenv("RAMPART_TEST_POSTGRES")
	if url == "" {
		t.Skip("RAMPART_TEST_POSTGRES not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable); skipping PostgreSQL tests")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	var b [6]byte
	rand.Read(b[:])
	table := "session_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+table); err != nil {
			t.Errorf("dropping %s: %v", table, err)
		}
	})
	return pool, table
}

func newStore(t testing.TB, cfg pgstore.Config) (*pgstore.Store, *pgxpool.Pool, string) {
	t.Helper()
	pool, table := connect(t)
	cfg.Table = table
	s := pgstore.New(pool, cfg)
	t.Cleanup(s.Stop)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	return s, pool, table
}

func count(t *testing.T, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConformance(t *testing.T) {
	s, pool, table := newStore(t, pgstore.Config{})
	storetest.Run(t, storetest.Suite{
		New: func(t *testing.T) session.Store { return s },
		Dump: func(t *testing.T) []byte {
			rows, err := pool.Query(context.Background(), "SELECT * FROM "+table)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var buf bytes.Buffer
			for rows.Next() {
				vals, err := rows.Values()
				if err != nil {
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
		},
	})
}

func TestCleanup(t *testing.T) {
	ctx := context.Background()
	s, pool, table := newStore(t, pgstore.Config{})
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
	if left := count(t, pool, table); left != 2 {
		t.Fatalf("%d rows left, want 2", left)
	}
}

func TestCleanupGoroutine(t *testing.T) {
	ctx := context.Background()
	s, pool, table := newStore(t, pgstore.Config{CleanupInterval: 20 * time.Millisecond})
	rec := storetest.NewRecord("u")
	rec.Expires = time.Now().Add(50 * time.Millisecond)
	if err := s.Insert(ctx, rec); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for count(t, pool, table) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the cleanup goroutine did not delete the expired row")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Stop()
	s.Stop()
}

func TestSchemaQualifiedTable(t *testing.T) {
	pool, table := connect(t)
	s := pgstore.New(pool, pgstore.Config{Table: "public." + table})
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := storetest.NewRecord("u")
	if err := s.Insert(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Find(context.Background(), rec.Hash); err != nil {
		t.Fatal(err)
	}
}

func TestBadConfig(t *testing.T) {
	for _, name := range []string{"x; DROP TABLE users", "1abc", "a.b.c", `"quoted"`, strings.Repeat("a", 64)} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "rampart/session/pgstore: ") {
					t.Errorf("table %q: panic %v", name, r)
				}
			}()
			pgstore.New(&pgxpool.Pool{}, pgstore.Config{Table: name})
		}()
	}
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkManagerRead is a logged-in page through the middleware: load,
// read the owner, commit (no write within the touch interval).
func BenchmarkManagerRead(b *testing.B) {
	s, _, _ := newStore(b, pgstore.Config{})
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
