package sqlitestore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"

	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/sqlitestore"
)

// Sessions in an SQLite file, listed per user for a "your devices" page.
func Example() {
	dir, _ := os.MkdirTemp("", "sessions")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	store := sqlitestore.New(db, sqlitestore.Config{})
	defer store.Stop()
	if err := store.Migrate(context.Background()); err != nil {
		panic(err)
	}

	m := session.NewManager(store, session.Config{Logger: slog.New(slog.DiscardHandler)})
	login := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		if err := s.Renew(); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		s.SetUserID("alice")
	}))
	for _, ua := range []string{"Firefox on Linux", "Safari on iPhone"} {
		r := httptest.NewRequest("POST", "https://notes.example/login", nil)
		r.Header.Set("User-Agent", ua)
		login.ServeHTTP(httptest.NewRecorder(), r)
	}

	devices, err := m.ListForUser(context.Background(), "alice")
	fmt.Println(len(devices), err)
	n, err := m.DestroyForUser(context.Background(), "alice", devices[0].Handle)
	fmt.Println("signed out elsewhere:", n, err)
	// Output:
	// 2 <nil>
	// signed out elsewhere: 1 <nil>
}
