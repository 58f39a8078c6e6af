package rampart_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rampartgo/rampart"
	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/csrf"
	"github.com/rampartgo/rampart/headers"
	"github.com/rampartgo/rampart/secrets"
)

type member struct{ id string }

func (m member) AuthID() string { return m.id }

var loader = auth.UserLoaderFunc(func(_ context.Context, id string) (auth.User, error) {
	if id == "42" {
		return member{id}, nil
	}
	return nil, auth.ErrNoUser
})

var page = template.Must(template.New("p").Parse(
	`<form method="post" action="{{.Action}}">{{.Field}}</form><script nonce="{{.Nonce}}" src="/app.js"></script>`))

func newApp(t *testing.T) (*rampart.Kit, http.Handler) {
	t.Helper()
	kit, err := rampart.New(rampart.Config{
		SecretKey: secrets.New("a-test-master-secret-that-is-long-enough-1234"),
		Users:     loader,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	render := func(action string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			page.Execute(w, map[string]any{"Action": action, "Field": csrf.TemplateField(r), "Nonce": headers.Nonce(r)})
		}
	}
	mux.HandleFunc("GET /login", render("/login"))
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := kit.Auth.Login(w, r, member{"42"}, auth.LoginOptions{}); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		http.Redirect(w, r, "/notes", http.StatusSeeOther)
	})
	mux.Handle("GET /notes", kit.Auth.RequireLogin(render("/notes")))
	mux.Handle("POST /notes", kit.Auth.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "saved for ", auth.CurrentUser(r.Context()).AuthID())
	})))
	return kit, kit.Protect(mux)
}

var tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// TestProtectEndToEnd drives every layer through a real TLS server with a
// cookie jar: headers, session, CSRF tokens bound to the session and
// rotated at login, and require-login.
func TestProtectEndToEnd(t *testing.T) {
	_, h := newApp(t)
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	get := func(path string) (*http.Response, string) {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	post := func(path string, form url.Values, hdr ...string) *http.Response {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	resp, body := get("/login")
	csp := resp.Header.Get("Content-Security-Policy")
	nonce := regexp.MustCompile(`nonce="([^"]+)"`).FindStringSubmatch(body)
	if nonce == nil || !strings.Contains(csp, "'nonce-"+nonce[1]+"'") {
		t.Fatalf("script nonce %v not in CSP %q", nonce, csp)
	}
	for _, hname := range []string{"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy"} {
		if resp.Header.Get(hname) == "" {
			t.Errorf("missing %s", hname)
		}
	}
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in %q", body)
	}
	anonToken := m[1]

	tests := []struct {
		name string
		form url.Values
		hdr  []string
		code int
	}{
		{"no token", url.Values{}, nil, http.StatusForbidden},
		{"forged token", url.Values{"csrf_token": {strings.Repeat("A", len(anonToken))}}, nil, http.StatusForbidden},
		{"cross-site request with a valid token", url.Values{"csrf_token": {anonToken}}, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"userinfo origin", url.Values{"csrf_token": {anonToken}}, []string{"Origin", "https://evil@" + strings.TrimPrefix(srv.URL, "https://")}, http.StatusForbidden},
		{"valid token", url.Values{"csrf_token": {anonToken}}, nil, http.StatusSeeOther},
	}
	for _, tc := range tests {
		if resp := post("/login", tc.form, tc.hdr...); resp.StatusCode != tc.code {
			t.Fatalf("%s: POST /login = %d, want %d", tc.name, resp.StatusCode, tc.code)
		}
	}

	// The session was renewed at login: the pre-login token is dead.
	if resp := post("/notes", url.Values{"csrf_token": {anonToken}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("pre-login token accepted after login: %d", resp.StatusCode)
	}
	resp, body = get("/notes")
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET /notes: %d Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	fresh := tokenRE.FindStringSubmatch(body)[1]
	if resp := post("/notes", url.Values{"csrf_token": {fresh}}); resp.StatusCode != 200 {
		t.Fatalf("POST /notes with the session's token: %d", resp.StatusCode)
	}
	if resp := post("/notes", url.Values{}, "X-CSRF-Token", fresh); resp.StatusCode != 200 {
		t.Fatalf("POST /notes with the token in the header: %d", resp.StatusCode)
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := rampart.New(rampart.Config{})
	if err == nil {
		t.Fatal("empty config accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "SecretKey") || !strings.Contains(msg, "Users") {
		t.Fatalf("error %q does not name both problems", msg)
	}
	_, err = rampart.New(rampart.Config{SecretKey: secrets.New("too-short-secret"), Users: loader})
	if err == nil || strings.Contains(err.Error(), "too-short-secret") {
		t.Fatalf("short key: %v", err)
	}
}

func BenchmarkProtectGET(b *testing.B) {
	t := &testing.T{}
	_, h := newApp(t)
	r := httptest.NewRequest("GET", "https://notes.example/login", nil)
	r.TLS = &tls.ConnectionState{}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}
