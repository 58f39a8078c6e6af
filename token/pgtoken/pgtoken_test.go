package pgtoken_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampartgo/rampart/token"
	"github.com/rampartgo/rampart/token/pgtoken"
	"github.com/rampartgo/rampart/token/tokentest"
)

// newStore connects to RAMPART_TEST_POSTGRES and migrates tables with a
// fresh prefix that are dropped when the test ends.
func newStore(t testing.TB) *pgtoken.Store {
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
	prefix := "token_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		for _, s := range []string{"_family", "_refresh", "_revocation"} {
			if _, err := pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+prefix+s); err != nil {
				t.Errorf("dropping %s%s: %v", prefix, s, err)
			}
		}
	})
	s := pgtoken.New(pool, pgtoken.Config{Table: prefix})
	for range 2 { // Migrate is idempotent
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	return s
}

func TestConformance(t *testing.T) {
	s := newStore(t)
	tokentest.Run(t, func(t *testing.T) token.Store { return s })
}

func TestDeleteExpired(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
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
				if r, _ := recover().(string); !strings.HasPrefix(r, "rampart/token/pgtoken: ") {
					t.Errorf("panic = %q", r)
				}
			}()
			pgtoken.New(&pgxpool.Pool{}, pgtoken.Config{Table: name})
		})
	}
}
