package pgtoken_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
	"github.com/rampartgo/rampart/token"
	"github.com/rampartgo/rampart/token/pgtoken"
)

// API tokens shared by several servers. (Not run: it needs a PostgreSQL
// server.)
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store := pgtoken.New(pool, pgtoken.Config{})
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	ring := keys.MustNewRing(secrets.New(os.Getenv("SECRET_KEY")))
	tm := token.New(ring, store, token.Config{Issuer: "https://notes.example", Audience: "https://notes.example/api"})
	_ = tm // tm.Issue in POST /api/token, tm.Bearer around the API routes
}
