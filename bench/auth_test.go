package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/session"
)

type benchUser struct{ id, email string }

func (u *benchUser) AuthID() string { return u.id }

// benchUsers is an in-memory user table.
type benchUsers map[string]*benchUser

func (db benchUsers) LoadUser(_ context.Context, id string) (auth.User, error) {
	if u, ok := db[id]; ok {
		return u, nil
	}
	return nil, fmt.Errorf("user %s: %w", id, auth.ErrNoUser)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// BenchmarkRequireLogin is issue 5's cost of RequireLogin on a logged-in
// request: the session middleware and a handler that reads the session
// (impl=session-only) against session + auth.Handler (which loads the user
// through the UserLoader) + RequireLogin around the same handler
// (impl=rampart). The difference is what the login manager adds over the
// session load.
func BenchmarkRequireLogin(b *testing.B) {
	sm := session.NewManager(session.NewMemoryStore(), session.Config{Logger: quiet})
	am := auth.NewManager(auth.Config{Sessions: sm, Users: benchUsers{"42": {"42", "bench@example.com"}}, Logger: quiet})
	login := sm.Handler(am.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := am.Login(w, r, &benchUser{"42", "bench@example.com"}, auth.LoginOptions{}); err != nil {
			b.Fatal(err)
		}
	})))
	w := serve(login, loginURL.request())
	get := newGET(cookieHeader(w, ""))

	sessionOnly := sm.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sm.Get(r).UserID() == "" {
			http.Error(w, "anonymous", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "ok")
	}))
	withAuth := sm.Handler(am.Handler(am.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.CurrentUser(r.Context()) == nil {
			b.Fatal("no current user")
		}
		io.WriteString(w, "ok")
	}))))
	b.Run("impl=session-only", func(b *testing.B) { loop(b, sessionOnly, get, http.StatusOK) })
	b.Run("impl=rampart", func(b *testing.B) { loop(b, withAuth, get, http.StatusOK) })
}
