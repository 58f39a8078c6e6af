package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/session"
)

type account struct{ ID, Email string }

func (a account) AuthID() string { return a.ID }

// The Flask-Login pattern — user_loader, login_user, logout_user,
// login_required — with the session id renewed at login.
func Example() {
	users := map[string]account{"7": {ID: "7", Email: "ada@example.com"}}
	sessions := session.NewManager(session.NewMemoryStore(), session.Config{InsecureDev: true})
	logins := auth.NewManager(auth.Config{
		Sessions: sessions,
		Users: auth.UserLoaderFunc(func(_ context.Context, id string) (auth.User, error) {
			if u, ok := users[id]; ok {
				return u, nil
			}
			return nil, auth.ErrNoUser
		}),
	})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// A real app checks the password first: logins.CheckCredentials.
		_ = logins.Login(w, r, users["7"], auth.LoginOptions{})
		http.Redirect(w, r, "/protected", http.StatusSeeOther)
	})
	mux.Handle("GET /protected", logins.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello", auth.CurrentUser(r.Context()).(account).Email)
	})))
	app := sessions.Handler(logins.Handler(mux))

	// Anonymous: sent to the login page, with where it wanted to go.
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/protected", nil))
	fmt.Println(w.Code, w.Header().Get("Location"))

	// Log in, then come back with the session cookie.
	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("POST", "/login", nil))
	cookie := w.Result().Cookies()[0]
	r := httptest.NewRequest("GET", "/protected", nil)
	r.AddCookie(cookie)
	w = httptest.NewRecorder()
	app.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body.String())
	fmt.Println("Cache-Control:", w.Header().Get("Cache-Control"))
	fmt.Println("session cookie HttpOnly:", cookie.HttpOnly, "SameSite=Lax:", cookie.SameSite == http.SameSiteLaxMode,
		"name:", strings.TrimPrefix(cookie.Name, "__Host-"))
	// Output:
	// 303 /login?next=%2Fprotected
	// 200 hello ada@example.com
	// Cache-Control: no-store
	// session cookie HttpOnly: true SameSite=Lax: true name: session
}
