package pgthrottle_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/pgthrottle"
	"github.com/rampartgo/rampart/throttle/throttletest"
)

// connect returns a pool to RAMPART_TEST_POSTGRES and a fresh table name
// that is dropped when the test ends.
func connect(t *testing.T) (*pgxpool.Pool, string) {
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
	table := "throttle_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+table); err != nil {
			t.Errorf("dropping %s: %v", table, err)
		}
	})
	return pool, table
}

func newStore(t *testing.T) (*pgthrottle.Store, *pgxpool.Pool, string) {
	t.Helper()
	pool, table := connect(t)
	s := pgthrottle.New(pool, pgthrottle.Config{Table: table})
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	return s, pool, table
}

func TestConformance(t *testing.T) {
	s, _, _ := newStore(t)
	throttletest.Run(t, func(t *testing.T) throttle.Store { return s })
}

func TestMigrateTableKind(t *testing.T) {
	ctx := context.Background()
	for _, logged := range []bool{false, true} {
		pool, table := connect(t)
		if err := pgthrottle.New(pool, pgthrottle.Config{Table: table, Logged: logged}).Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var persistence string
		if err := pool.QueryRow(ctx, "SELECT relpersistence FROM pg_class WHERE relname = $1", table).Scan(&persistence); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{false: "u", true: "p"}[logged]; persistence != want {
			t.Errorf("Logged=%v: relpersistence = %q, want %q", logged, persistence, want)
		}
	}
}

func TestDeleteExpired(t *testing.T) {
	ctx := context.Background()
	s, pool, table := newStore(t)
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
	var rows int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("rows left = %d, %v; want 1", rows, err)
	}
}

func TestInvalidTableNamePanics(t *testing.T) {
	for _, name := range []string{"x; DROP TABLE users", "1abc", "a-b", `"q"`, "a.b.c", strings.Repeat("a", 64)} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r, _ := recover().(string); !strings.HasPrefix(r, "rampart/throttle/pgthrottle: ") {
					t.Errorf("panic = %q", r)
				}
			}()
			pgthrottle.New(fakeDB{}, pgthrottle.Config{Table: name})
		})
	}
	pgthrottle.New(fakeDB{}, pgthrottle.Config{Table: "myschema.counters"})
}

// An unreachable server makes the limiter fail closed. It needs no
// PostgreSQL: nothing listens on port 1.
func TestUnreachableServerFailsClosed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	l := throttle.New(pgthrottle.New(pool, pgthrottle.Config{}), throttle.Config{})
	if _, err := l.Begin(ctx, "bob@example.com", netip.MustParseAddr("203.0.113.7")); !errors.Is(err, throttle.ErrUnavailable) {
		t.Fatalf("Begin with PostgreSQL down = %v, want ErrUnavailable", err)
	}
}
