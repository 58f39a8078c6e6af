package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// FuzzFormRoutes posts arbitrary bodies, with arbitrary content types, to
// every form route as a logged-in user, with a valid CSRF token in the
// header so that the body reaches the binders: no input may produce a 5xx.
func FuzzFormRoutes(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{"application/x-www-form-urlencoded", "title=t&body=b"},
		{"application/x-www-form-urlencoded", "email=%ff%fe%00&password=%c0%af"},
		{"application/x-www-form-urlencoded", "title[999999999]=a&body.a.b=1"},
		{"application/x-www-form-urlencoded", "title=a&title=b&body=%00"},
		{"application/x-www-form-urlencoded", "current_password=a&new_password=b&new_password_confirm=b"},
		{"multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nt\r\n--X--\r\n"},
		{"multipart/form-data", "--X\r\n"},
		{"application/json", `{"title":"t","body":"b"}`},
		{"application/json", strings.Repeat("[", 100)},
		{"text/plain", "title=t"},
		{"@@@;;;", "x"},
		{"", ""},
	} {
		f.Add(s.ct, s.body)
	}
	srv := testServer(f, false)
	b, cookie := registeredAlice(f, srv)
	tok := b.token("/notes")
	h := srv.Config.Handler
	var inputs atomic.Uint32
	f.Fuzz(func(t *testing.T, ct, body string) {
		// Each input comes from its own loopback address, so the
		// registration limit per client network does not turn the
		// fuzzer's /register posts into 429s after the first 200 inputs.
		n := inputs.Add(1)
		remote := fmt.Sprintf("127.%d.%d.%d:4000", byte(n>>16), byte(n>>8), byte(n))
		for _, path := range []string{"/register", "/login", "/notes", "/account/password", "/account/sessions/x/revoke"} {
			req := localRequest("POST", path, strings.NewReader(body))
			req.RemoteAddr = remote
			req.Host = strings.TrimPrefix(srv.URL, "http://")
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Cookie", cookie)
			req.Header.Set("X-CSRF-Token", tok)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("POST %s (%q, %q): %d %s", path, ct, body, rec.Code, rec.Body)
			}
			if path == "/register" && rec.Code == http.StatusTooManyRequests {
				t.Fatalf("POST /register from the fresh address %s: 429; the fuzzer would stop reaching the form", remote)
			}
		}
	})
}

// FuzzAPIRoutes posts arbitrary bodies to the JSON API, with a valid
// access token: no input may produce a 5xx.
func FuzzAPIRoutes(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{"application/json", `{"title":"t","body":"b"}`},
		{"application/json", `{"email":"a@example.com","password":"x"}`},
		{"application/json", `{"refresh_token":"` + strings.Repeat("A", 43) + `"}`},
		{"application/json", `{"title":"\ud800","body":"\u0000"}`},
		{"application/json", `{"title":"t","title":"u"}`},
		{"application/json; charset=latin1", "\xff\xfe"},
		{"application/json", strings.Repeat("{\"a\":", 50)},
		{"application/x-www-form-urlencoded", "email=a&password=b"},
		{"", ""},
	} {
		f.Add(s.ct, s.body)
	}
	srv := testServer(f, false)
	b := newBrowser(f, srv)
	b.submit("/register", "/register", url.Values{"email": {aliceEmail}, "password": {alicePass}, "password_confirm": {alicePass}})
	req := mustRequest("POST", srv.URL+"/api/token")
	req.Body = io.NopCloser(strings.NewReader(`{"email":"` + aliceEmail + `","password":"` + alicePass + `"}`))
	req.Header.Set("Content-Type", "application/json")
	b.do(req)
	var pair struct {
		Access string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(b.last), &pair); err != nil || pair.Access == "" {
		f.Fatalf("no token: %s", b.last)
	}
	h := srv.Config.Handler
	f.Fuzz(func(t *testing.T, ct, body string) {
		for _, path := range []string{"/api/notes", "/api/token", "/api/token/refresh"} {
			req := localRequest("POST", path, strings.NewReader(body))
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Authorization", "Bearer "+pair.Access)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("POST %s (%q, %q): %d %s", path, ct, body, rec.Code, rec.Body)
			}
		}
	})
}

// FuzzRequests sends arbitrary methods, request targets, cookies and
// fetch-metadata headers, logged in or not: no input may produce a 5xx,
// every response carries the contract's security headers, and a
// redirect never leaves the site.
func FuzzRequests(f *testing.F) {
	for _, s := range []struct{ method, target, cookie, site string }{
		{"GET", "/", "", ""},
		{"GET", "/login?next=%2F%2Fevil.example", "", "none"},
		{"GET", "/login?next=/\\evil", "session=x", "cross-site"},
		{"GET", "/protected", "session=" + strings.Repeat("A", 43), "same-origin"},
		{"GET", "/static/../../etc/passwd", "", ""},
		{"GET", "/static/app.css?v=%ff", "", ""},
		{"HEAD", "/account", "", ""},
		{"OPTIONS", "*", "", ""},
		{"DELETE", "/notes", "csrf=%00", "same-site"},
		{"POST", "/account/sessions/%2e%2e/revoke", "", "same-origin"},
		{"GET", "/api/me", "session=a; session=b", ""},
		{"GET", "/.well-known/jwks.json", "", ""},
		{"GET", "/csp-report", "", ""},
		{"PROPFIND", "/healthz", "__Host-remember=a:b", ""},
	} {
		f.Add(s.method, s.target, s.cookie, s.site, false)
		f.Add(s.method, s.target, s.cookie, s.site, true)
	}
	srv := testServer(f, false)
	_, session := registeredAlice(f, srv)
	h := srv.Config.Handler
	host := strings.TrimPrefix(srv.URL, "http://")
	f.Fuzz(func(t *testing.T, method, target, cookie, site string, loggedIn bool) {
		// Inputs net/http's server would refuse before any handler runs
		// are not requests the app can see: nothing to check.
		if !validMethod(method) || target == "" || (target[0] != '/' && target != "*") || strings.ContainsAny(target, " \r\n\x00") {
			return
		}
		req, err := http.NewRequest(method, "http://"+host+target, nil)
		if err != nil || req.URL.Host != host {
			return
		}
		if target == "*" {
			req.URL = &url.URL{Path: "*"}
		}
		req.RequestURI = target
		req.RemoteAddr = "127.0.0.1:40000"
		if loggedIn {
			cookie = session + cookie
		}
		if cookie != "" && !strings.ContainsAny(cookie, "\r\n") {
			req.Header.Set("Cookie", cookie)
		}
		if site != "" && !strings.ContainsAny(site, "\r\n") {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q (cookie %q, site %q): %d %s", method, target, cookie, site, rec.Code, rec.Body)
		}
		for _, name := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy"} {
			if rec.Header().Get(name) == "" {
				t.Fatalf("%s %q: %d without %s", method, target, rec.Code, name)
			}
		}
		if loc := rec.Header().Get("Location"); loc != "" {
			u, err := url.Parse(loc)
			if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
				t.Fatalf("%s %q: redirect off the site: %q", method, target, loc)
			}
		}
	})
}

// validMethod reports whether m is an HTTP token, as net/http requires.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// registeredAlice registers alice on srv and returns her browser and her
// cookies as a Cookie header value.
func registeredAlice(t testing.TB, srv *httptest.Server) (*browser, string) {
	t.Helper()
	b := newBrowser(t, srv)
	b.submit("/register", "/register", url.Values{"email": {aliceEmail}, "password": {alicePass}, "password_confirm": {alicePass}})
	var cookie string
	for _, ck := range b.hc.Jar.Cookies(mustRequest("GET", srv.URL).URL) {
		cookie += ck.Name + "=" + ck.Value + "; "
	}
	return b, cookie
}
