package pgthrottle_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/pgthrottle"
)

// Shared login throttling for several servers. (Not run: it needs a
// PostgreSQL server.)
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store := pgthrottle.New(pool, pgthrottle.Config{})
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	limiter := throttle.New(store, throttle.Config{})
	_ = limiter // limiter.BeginRequest(r, email) in the login handler
}
