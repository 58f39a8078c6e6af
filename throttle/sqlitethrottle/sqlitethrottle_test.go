package sqlitethrottle_test

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/sqlitethrottle"
	"github.com/rampartgo/rampart/throttle/throttletest"
)

func openDB(t testing.TB) *sql.DB {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "throttle.db") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newStore(t testing.TB, db *sql.DB, table string) *sqlitethrottle.Store {
	t.Helper()
	s := sqlitethrottle.New(db, sqlitethrottle.Config{Table: table})
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	db := openDB(t)
	s := newStore(t, db, "")
	throttletest.Run(t, func(t *testing.T) throttle.Store { return s })
}

func TestMigrateIsIdempotent(t *testing.T) {
	db := openDB(t)
	s := newStore(t, db, "custom_table")
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
}

func TestDeleteExpired(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, openDB(t), "")
	t0 := time.Now()
	for _, k := range []string{"a", "b", "c"} {
		if _, err := s.Incr(ctx, k, t0, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Incr(ctx, "d", t0, time.Hour); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpired(ctx, t0.Add(2*time.Minute))
	if err != nil || n != 3 {
		t.Fatalf("DeleteExpired = %d, %v; want 3, nil", n, err)
	}
	if c, _ := s.Get(ctx, "d", t0); c.Count != 1 {
		t.Errorf("unexpired row deleted")
	}
}

func TestAutomaticCleanup(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	s := newStore(t, db, "")
	t0 := time.Now()
	for i := range 999 {
		if _, err := s.Incr(ctx, "old"+string(rune('a'+i%26))+string(rune('a'+i/26)), t0, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Incr(ctx, "new", t0.Add(time.Hour), time.Hour); err != nil { // the 1000th
		t.Fatal(err)
	}
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM rampart_throttle`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("rows after automatic cleanup = %d, want 1", rows)
	}
}

func TestInvalidTableNamePanics(t *testing.T) {
	for _, name := range []string{"x; DROP TABLE users", "1abc", "a-b", `"q"`, strings.Repeat("a", 64)} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r, _ := recover().(string); !strings.HasPrefix(r, "rampart/throttle/sqlitethrottle: ") {
					t.Errorf("panic = %q", r)
				}
			}()
			sqlitethrottle.New(openDB(t), sqlitethrottle.Config{Table: name})
		})
	}
}

// A broken database makes the limiter fail closed.
func TestClosedDatabaseFailsClosed(t *testing.T) {
	db := openDB(t)
	s := newStore(t, db, "")
	db.Close()
	l := throttle.New(s, throttle.Config{})
	_, err := l.Begin(context.Background(), "bob@example.com", netip.MustParseAddr("203.0.113.7"))
	if !errors.Is(err, throttle.ErrUnavailable) {
		t.Fatalf("Begin on a closed database = %v, want ErrUnavailable", err)
	}
}
