package session_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rampartgo/rampart/session"
)

// An attacker plants a session cookie in the victim's browser before the
// victim logs in (session fixation). Login renews the session, so the
// planted token is worthless afterwards; the cookie that replaces it is
// Secure, HttpOnly, SameSite=Lax and __Host- prefixed.
func Example() {
	m := session.NewManager(session.NewMemoryStore(), session.Config{
		Logger: slog.New(slog.DiscardHandler),
	})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// (check the password first)
		s := m.Get(r)
		if err := s.Renew(); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		s.SetUserID("alice")
	})
	mux.HandleFunc("GET /cart", func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Put("cart", "1 book")
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		s := m.Get(r)
		user := s.UserID()
		if user == "" {
			user = "anonymous"
		}
		fmt.Fprintf(w, "%s, cart: %s", user, s.GetString("cart"))
	})
	h := m.Handler(mux)
	do := func(method, path, cookie string) *http.Response {
		r := httptest.NewRequest(method, "https://notes.example"+path, nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}
	cookieOf := func(resp *http.Response) string {
		c := resp.Cookies()[0]
		return c.Name + "=" + c.Value
	}
	body := func(resp *http.Response) string {
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	planted := cookieOf(do("GET", "/cart", ""))
	resp := do("POST", "/login", planted)
	fresh := cookieOf(resp)
	set := resp.Header.Get("Set-Cookie")
	fmt.Println("cookie attributes:", set[strings.Index(set, ";")+2:])
	fmt.Println("victim:  ", body(do("GET", "/whoami", fresh)))
	fmt.Println("attacker:", body(do("GET", "/whoami", planted)))
	// Output:
	// cookie attributes: Path=/; HttpOnly; Secure; SameSite=Lax
	// victim:   alice, cart: 1 book
	// attacker: anonymous, cart:
}
