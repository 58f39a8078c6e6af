package csrf_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/rampartgo/rampart/csrf"
	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
)

// A form post from the site's own page passes; the same post replayed
// from another site, or without the token, is refused.
func Example() {
	ring := keys.MustNewRing(secrets.New("an example master secret, 32+ bytes long"))
	protect := csrf.New(ring, csrf.Config{Logger: slog.New(slog.DiscardHandler)})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /notes/new", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<form method="post" action="/notes">%s<input name="title"></form>`, csrf.TemplateField(r))
	})
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "created %q", r.PostFormValue("title"))
	})
	app := protect.Handler(mux)

	// The browser loads the form: it gets the pre-session cookie and a token.
	page := httptest.NewRecorder()
	app.ServeHTTP(page, httptest.NewRequest("GET", "https://notes.example/notes/new", nil))
	cookie := page.Result().Cookies()[0]
	token := strings.Split(page.Body.String(), `value="`)[1][:csrf.TokenLen]

	post := func(site, body string) {
		r := httptest.NewRequest("POST", "https://notes.example/notes", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", site)
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}
	withToken := "title=hello&csrf_token=" + url.QueryEscape(token)
	post("same-origin", withToken)
	post("cross-site", withToken)
	post("same-origin", "title=hello")
	// Output:
	// 200 created "hello"
	// 403 Forbidden: cross-origin request
	// 403 Forbidden: missing CSRF token
}

// Check returns the reason as an error that callers can branch on.
func ExampleProtection_Check() {
	ring := keys.MustNewRing(secrets.New("an example master secret, 32+ bytes long"))
	protect := csrf.New(ring, csrf.Config{})

	r := httptest.NewRequest("POST", "https://notes.example/notes", nil)
	r.Header.Set("Origin", "https://evil@notes.example") // userinfo, golang/go#78563
	err := protect.Check(r)
	fmt.Println(err)
	// Output:
	// csrf: cross-origin request: Origin "https://evil@notes.example" does not match the request's origin "https://notes.example" (it carries userinfo)
}
