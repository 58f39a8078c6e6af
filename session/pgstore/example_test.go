package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/pgstore"
)

// Sessions shared by several servers through PostgreSQL.
func Example() {
	url := os.Getenv("RAMPART_TEST_POSTGRES") // e.g. postgres://app@db/app
	if url == "" {
		// Without a database the example shows only the wiring.
		fmt.Println("ready")
		return
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	var b [6]byte
	rand.Read(b[:])
	table := "example_sessions_" + hex.EncodeToString(b[:])
	store := pgstore.New(pool, pgstore.Config{Table: table})
	defer store.Stop()
	if err := store.Migrate(ctx); err != nil {
		panic(err)
	}
	defer pool.Exec(ctx, "DROP TABLE "+table)

	m := session.NewManager(store, session.Config{Logger: slog.New(slog.DiscardHandler)})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).SetUserID("alice")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "https://notes.example/", nil))
	devices, err := m.ListForUser(ctx, "alice")
	if err != nil || len(devices) != 1 {
		panic(fmt.Sprint(devices, err))
	}
	fmt.Println("ready")
	// Output: ready
}
