package auth_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/rampartgo/rampart/auth"
)

// testRememberStore is the conformance suite every RememberStore passes.
func testRememberStore(t *testing.T, s auth.RememberStore) {
	ctx := context.Background()
	now := time.Now()
	h := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	tok := auth.RememberToken{Selector: "sel-a", ValidatorHash: h(1), UserID: "u1", Expires: now.Add(time.Hour)}
	if err := s.Create(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, auth.RememberToken{Selector: "sel-b", ValidatorHash: h(2), UserID: "u1", Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, auth.RememberToken{Selector: "sel-c", ValidatorHash: h(3), UserID: "u2", Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, auth.RememberToken{Selector: "sel-old", ValidatorHash: h(4), UserID: "u2", Expires: now.Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}

	got, err := s.Find(ctx, "sel-a")
	if err != nil || got.UserID != "u1" || !bytes.Equal(got.ValidatorHash, h(1)) || got.Expires.UnixMilli() != tok.Expires.UnixMilli() {
		t.Fatalf("Find = %+v, %v", got, err)
	}
	for _, sel := range []string{"nope", "sel-old", "' OR 1=1 --", ""} {
		if _, err := s.Find(ctx, sel); !errors.Is(err, auth.ErrTokenNotFound) {
			t.Fatalf("Find(%q) err = %v, want ErrTokenNotFound", sel, err)
		}
	}

	// Rotation is a compare-and-swap: concurrent rotations of the same
	// validator have exactly one winner.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ok, err := s.Rotate(ctx, "sel-a", h(1), h(byte(10+i)), now)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}(i)
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent rotations won, want 1", wins.Load())
	}
	got, _ = s.Find(ctx, "sel-a")
	if !bytes.Equal(got.PrevHash, h(1)) || bytes.Equal(got.ValidatorHash, h(1)) || got.RotatedAt.UnixMilli() != now.UnixMilli() {
		t.Fatalf("after rotation: %+v", got)
	}
	if ok, _ := s.Rotate(ctx, "sel-a", h(1), h(99), now); ok {
		t.Fatal("rotation with a spent validator succeeded")
	}

	if err := s.Delete(ctx, "sel-b"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "sel-b"); err != nil {
		t.Fatal("deleting a missing token:", err)
	}
	if _, err := s.Find(ctx, "sel-b"); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Fatal("deleted token found")
	}
	if err := s.DeleteForUser(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Find(ctx, "sel-a"); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Fatal("DeleteForUser left a token")
	}
	if _, err := s.Find(ctx, "sel-c"); err != nil {
		t.Fatal("DeleteForUser removed another user's token")
	}
}

func TestMemoryRememberStore(t *testing.T) {
	testRememberStore(t, auth.NewMemoryRememberStore())
}

func TestSQLiteRememberStore(t *testing.T) {
	// As any SQLite database shared by concurrent requests, it needs a busy
	// timeout (and WAL for readers beside a writer).
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "r.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := auth.NewSQLRememberStore(db, "")
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal("second Migrate:", err)
	}
	testRememberStore(t, s)
	if n, err := s.Cleanup(context.Background()); err != nil || n != 1 {
		t.Fatalf("Cleanup = %d, %v; want the one expired token", n, err)
	}
}

func TestPostgresRememberStore(t *testing.T) {
	db, table := openPostgres(t)
	s := auth.NewSQLRememberStore(db, table)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	testRememberStore(t, s)
}

func TestSQLRememberStoreRejectsBadTableNames(t *testing.T) {
	for _, name := range []string{"x; DROP TABLE users", "Remember", "1abc", "a-b"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("table name %q accepted", name)
				}
			}()
			auth.NewSQLRememberStore(nil, name)
		}()
	}
}
