package sqlitetoken_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
	"github.com/rampartgo/rampart/token"
	"github.com/rampartgo/rampart/token/sqlitetoken"
	"github.com/rampartgo/rampart/token/tokentest"
)

func openDB(t testing.TB) *sql.DB {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "token.db") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newStore(t testing.TB, db *sql.DB, table string) *sqlitetoken.Store {
	t.Helper()
	s := sqlitetoken.New(db, sqlitetoken.Config{Table: table})
	for range 2 { // Migrate is idempotent
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	return s
}

func TestConformance(t *testing.T) {
	s := newStore(t, openDB(t), "")
	tokentest.Run(t, func(t *testing.T) token.Store { return s })
}

func TestHashesOnly(t *testing.T) {
	db := openDB(t)
	s := newStore(t, db, "")
	now := time.Now()
	first := [32]byte{1, 2, 3}
	if err := s.Create(context.Background(), token.Family{ID: "f", UserID: "u", Created: now, Expires: now.Add(time.Hour)}, first); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM rampart_token_refresh WHERE hash = ?`, first[:]).Scan(&n); err != nil || n != 1 {
		t.Fatalf("count = %d, %v", n, err)
	}
}

func TestDeleteExpired(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, openDB(t), "t2")
	now := time.Now()
	s.Create(ctx, token.Family{ID: "a", UserID: "u", Created: now, Expires: now.Add(time.Minute)}, [32]byte{1})
	s.Create(ctx, token.Family{ID: "b", UserID: "u", Created: now, Expires: now.Add(time.Hour)}, [32]byte{2})
	s.Revoke(ctx, token.Revocation{Kind: token.RevokedToken, ID: "j", At: now, Expires: now.Add(time.Minute)})
	n, err := s.DeleteExpired(ctx, now.Add(2*time.Minute))
	if err != nil || n != 3 {
		t.Fatalf("DeleteExpired = %d, %v; want 3", n, err)
	}
	if _, err := s.Rotate(ctx, [32]byte{2}, [32]byte{3}, now); err != nil {
		t.Fatalf("unexpired family: %v", err)
	}
}

func TestInvalidTableNamePanics(t *testing.T) {
	for _, name := range []string{"x; DROP TABLE users", "1abc", "a-b", `"q"`, "a.b", strings.Repeat("a", 49)} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r, _ := recover().(string); !strings.HasPrefix(r, "rampart/token/sqlitetoken: ") {
					t.Errorf("panic = %q", r)
				}
			}()
			sqlitetoken.New(&sql.DB{}, sqlitetoken.Config{Table: name})
		})
	}
}

// Through a Manager: of concurrent refreshes with one token exactly one
// succeeds, and the others are treated as reuse.
func TestManagerConcurrentRefresh(t *testing.T) {
	s := newStore(t, openDB(t), "")
	ring := keys.MustNewRing(secrets.New("a-test-master-secret-of-at-least-32-bytes"))
	tm := token.New(ring, s, token.Config{Issuer: "i", Audience: "a", Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	p, err := tm.Issue(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := tm.Refresh(ctx, p.RefreshToken)
			switch {
			case err == nil:
				ok.Add(1)
			case !errors.Is(err, token.ErrInvalid):
				t.Errorf("Refresh: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d concurrent refreshes succeeded, want 1", ok.Load())
	}
}
