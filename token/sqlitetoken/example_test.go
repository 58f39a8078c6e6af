package sqlitetoken_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"

	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
	"github.com/rampartgo/rampart/token"
	"github.com/rampartgo/rampart/token/sqlitetoken"
)

// API tokens whose refresh families survive a restart.
func Example() {
	dir, _ := os.MkdirTemp("", "sqlitetoken")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	store := sqlitetoken.New(db, sqlitetoken.Config{})
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	ring := keys.MustNewRing(secrets.New("an-example-master-secret-of-at-least-32-bytes"))
	cfg := token.Config{Issuer: "https://notes.example", Audience: "https://notes.example/api", Logger: slog.New(slog.DiscardHandler)}

	pair, _ := token.New(ring, store, cfg).Issue(ctx, "user-42")

	// After a restart, a new Manager over the same database.
	restarted := token.New(ring, store, cfg)
	next, err := restarted.Refresh(ctx, pair.RefreshToken)
	fmt.Println("refresh after restart:", err)
	_, err = restarted.Refresh(ctx, pair.RefreshToken)
	fmt.Println("second use is reuse:", errors.Is(err, token.ErrReused))
	_, err = restarted.Verify(ctx, next.AccessToken)
	fmt.Println("family revoked:", errors.Is(err, token.ErrRevoked))
	// Output:
	// refresh after restart: <nil>
	// second use is reuse: true
	// family revoked: true
}
