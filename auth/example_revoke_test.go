package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/session"
)

// "Log out this device" on an account page: the phone's session ends and
// so does its remember-me token, which would otherwise log it straight back
// in. The laptop stays remembered, and another user's session cannot be
// ended by its handle.
func ExampleManager_RevokeSession() {
	users := map[string]account{"7": {ID: "7", Email: "ada@example.com"}, "8": {ID: "8", Email: "bob@example.com"}}
	sessions := session.NewManager(session.NewMemoryStore(), session.Config{InsecureDev: true})
	logins := auth.NewManager(auth.Config{
		Sessions: sessions,
		Users: auth.UserLoaderFunc(func(_ context.Context, id string) (auth.User, error) {
			if u, ok := users[id]; ok {
				return u, nil
			}
			return nil, auth.ErrNoUser
		}),
		Remember:    auth.NewMemoryRememberStore(),
		InsecureDev: true,
	})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/{id}", func(w http.ResponseWriter, r *http.Request) {
		// A real app checks the password first: logins.CheckCredentials.
		_ = logins.Login(w, r, users[r.PathValue("id")], auth.LoginOptions{Remember: true})
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		if u := auth.CurrentUser(r.Context()); u != nil {
			fmt.Fprint(w, u.(account).Email)
			return
		}
		fmt.Fprint(w, "anonymous")
	})
	app := sessions.Handler(logins.Handler(mux))

	// login returns the session and remember-me cookies a device gets.
	login := func(id string) (sess, remember *http.Cookie) {
		w := httptest.NewRecorder()
		app.ServeHTTP(w, httptest.NewRequest("POST", "/login/"+id, nil))
		for _, c := range w.Result().Cookies() {
			if c.Name == "remember" {
				remember = c
			} else {
				sess = c
			}
		}
		return sess, remember
	}
	whoami := func(c *http.Cookie) string {
		r := httptest.NewRequest("GET", "/whoami", nil)
		r.AddCookie(c)
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		return w.Body.String()
	}
	ctx := context.Background()
	_, laptopRemember := login("7")
	laptop, _ := sessions.ListForUser(ctx, "7")
	_, phoneRemember := login("7")
	login("8")

	// The account page lists Ada's sessions, each with its handle; she
	// revokes the phone's.
	var phone string
	mine, _ := sessions.ListForUser(ctx, "7")
	for _, s := range mine {
		if s.Handle != laptop[0].Handle {
			phone = s.Handle
		}
	}
	bobs, _ := sessions.ListForUser(ctx, "8")
	err := logins.RevokeSession(ctx, "7", bobs[0].Handle)
	fmt.Println("revoke Bob's session as Ada:", errors.Is(err, session.ErrNotFound))
	fmt.Println("revoke the phone:", logins.RevokeSession(ctx, "7", phone))

	fmt.Println("phone's remember-me cookie:", whoami(phoneRemember))
	fmt.Println("laptop's remember-me cookie:", whoami(laptopRemember))
	// Output:
	// revoke Bob's session as Ada: true
	// revoke the phone: <nil>
	// phone's remember-me cookie: anonymous
	// laptop's remember-me cookie: ada@example.com
}
