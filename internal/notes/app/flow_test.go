package app

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rampartgo/rampart/internal/notes/config"
	"github.com/rampartgo/rampart/internal/notes/store"
	"github.com/rampartgo/rampart/internal/notes/web"
)

// testServer serves a whole app (memory stores, cheap hashes) in dev mode
// over plain HTTP on loopback, or in production mode over TLS.
func testServer(t testing.TB, production bool) *httptest.Server {
	t.Helper()
	return testServerWith(t, production, nil)
}

// testServerWith is testServer with edit applied to the Deps before New.
func testServerWith(t testing.TB, production bool, edit func(*Deps)) *httptest.Server {
	t.Helper()
	args := []string{"-db", filepath.Join(t.TempDir(), "notes.db"), "-store", "memory"}
	if production {
		args = append(args, "-env", "production", "-behind-proxy")
	}
	cfg, err := config.Parse(args, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(t.Context(), cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tmpl, err := web.Parse()
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{Config: cfg, Store: st, Templates: tmpl, Keys: testRing(t), Passwords: weakHasher(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if edit != nil {
		edit(&d)
	}
	h := New(d).Handler()
	var srv *httptest.Server
	if production {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv
}

// browser is one user agent with its own cookie jar that does not follow
// redirects and sends what browsers send with same-origin form posts.
type browser struct {
	t    testing.TB
	base string // scheme://host:port
	hc   *http.Client
	last string // body of the last response
}

func newBrowser(t testing.TB, srv *httptest.Server) *browser {
	return newBrowserAt(t, srv.URL, srv.Client())
}

func newBrowserAt(t testing.TB, base string, hc *http.Client) *browser {
	jar, _ := cookiejar.New(nil)
	c := *hc
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, base: base, hc: &c}
}

func (b *browser) do(req *http.Request) *http.Response {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.last = string(body)
	return resp
}

func (b *browser) get(path string) *http.Response {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post sends vals as a same-origin form post; opts edit the request.
func (b *browser) post(path string, vals url.Values, opts ...func(*http.Request)) *http.Response {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, o := range opts {
		o(req)
	}
	return b.do(req)
}

var tokenField = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

// token returns the CSRF token of the page at path.
func (b *browser) token(path string) string {
	b.t.Helper()
	b.get(path)
	m := tokenField.FindStringSubmatch(b.last)
	if m == nil {
		b.t.Fatalf("GET %s: no csrf_token in the page", path)
	}
	return m[1]
}

// submit posts vals plus a token from tokenPage.
func (b *browser) submit(tokenPage, path string, vals url.Values) *http.Response {
	b.t.Helper()
	v := url.Values{"csrf_token": {b.token(tokenPage)}}
	for k, vs := range vals {
		v[k] = vs
	}
	return b.post(path, v)
}

func (b *browser) loggedIn() bool {
	b.t.Helper()
	return b.get("/protected").StatusCode == http.StatusOK
}

func expect(t *testing.T, what string, resp *http.Response, status int, location string) {
	t.Helper()
	if resp.StatusCode != status || resp.Header.Get("Location") != location {
		t.Fatalf("%s: %d Location %q, want %d %q", what, resp.StatusCode, resp.Header.Get("Location"), status, location)
	}
}

const (
	aliceEmail = "alice@example.com"
	alicePass  = "quartz-otter-lantern"
)

// TestFlow walks the contract's HTML flow with a cookie jar: register,
// notes, a second device, session revocation, password change, logout.
func TestFlow(t *testing.T) {
	srv := testServer(t, false)
	alice := newBrowser(t, srv)

	home := alice.get("/")
	if home.StatusCode != 200 || len(home.Cookies()) != 0 {
		t.Fatalf("GET / anonymous: %d, cookies %v (a public page must not start a session)", home.StatusCode, home.Cookies())
	}
	expect(t, "anonymous /protected", alice.get("/protected"), 303, "/login?next=%2Fprotected")

	r := alice.submit("/register", "/register", url.Values{"email": {aliceEmail}, "password": {alicePass}, "password_confirm": {alicePass}})
	expect(t, "register", r, 303, "/")
	p := alice.get("/protected")
	if p.StatusCode != 200 || !strings.Contains(alice.last, aliceEmail) || p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET /protected after register: %d, Cache-Control %q", p.StatusCode, p.Header.Get("Cache-Control"))
	}

	expect(t, "create note", alice.submit("/notes", "/notes", url.Values{"title": {"<b>groceries</b>"}, "body": {`<b>milk</b><script>alert(1)</script>`}}), 303, "/notes")
	alice.get("/notes")
	if !strings.Contains(alice.last, "&lt;b&gt;groceries&lt;/b&gt;") || !strings.Contains(alice.last, "<b>milk</b>") || strings.Contains(alice.last, "alert(1)") {
		t.Errorf("notes page: title not escaped or body not sanitized:\n%s", alice.last)
	}
	if r := alice.submit("/notes", "/notes", url.Values{"title": {strings.Repeat("t", 201)}, "body": {"b"}}); r.StatusCode != 422 {
		t.Errorf("201-character title: %d, want 422", r.StatusCode)
	}

	// A second device, remembered.
	phone := newBrowser(t, srv)
	expect(t, "login with remember", phone.submit("/login?next=%2Fnotes", "/login",
		url.Values{"email": {aliceEmail}, "password": {alicePass}, "remember": {"1"}, "next": {"/notes"}}), 303, "/notes")
	alice.get("/account")
	handles := regexp.MustCompile(`action="/account/sessions/([^/"]+)/revoke"`).FindAllStringSubmatch(alice.last, -1)
	if len(handles) != 2 || !strings.Contains(alice.last, "(this device)") {
		t.Fatalf("/account lists %d sessions, want 2 with the current one marked", len(handles))
	}

	// Bob cannot revoke alice's sessions.
	bob := newBrowser(t, srv)
	expect(t, "register bob", bob.submit("/register", "/register", url.Values{"email": {"bob@example.com"}, "password": {alicePass + "-b"}, "password_confirm": {alicePass + "-b"}}), 303, "/")
	for _, h := range handles {
		if r := bob.submit("/account", "/account/sessions/"+h[1]+"/revoke", nil); r.StatusCode != 404 {
			t.Errorf("bob revoking alice's session: %d, want 404", r.StatusCode)
		}
	}
	if !phone.loggedIn() {
		t.Fatal("bob ended alice's session")
	}

	// The password change ends every other session and remember-me.
	if r := alice.submit("/account", "/account/password", url.Values{"current_password": {"wrong-" + alicePass}, "new_password": {"n3w-" + alicePass}, "new_password_confirm": {"n3w-" + alicePass}}); r.StatusCode != 422 {
		t.Errorf("wrong current password: %d, want 422", r.StatusCode)
	}
	newPass := "n3w-" + alicePass
	expect(t, "password change", alice.submit("/account", "/account/password", url.Values{"current_password": {alicePass}, "new_password": {newPass}, "new_password_confirm": {newPass}}), 303, "/account")
	if phone.loggedIn() {
		t.Error("the other (remembered) session survived the password change")
	}
	if !alice.loggedIn() {
		t.Fatal("the session that changed the password was logged out")
	}

	// Logout destroys the session server-side.
	stolen := newBrowser(t, srv)
	u, _ := url.Parse(srv.URL)
	stolen.hc.Jar.SetCookies(u, alice.hc.Jar.Cookies(u))
	expect(t, "logout", alice.submit("/protected", "/logout", nil), 303, "/")
	if alice.loggedIn() || stolen.loggedIn() {
		t.Error("logged in after logout, or with the replayed pre-logout cookie")
	}
	if r := newBrowser(t, srv).submit("/login", "/login", url.Values{"email": {aliceEmail}, "password": {alicePass}}); r.StatusCode != 401 {
		t.Errorf("login with the old password: %d, want 401", r.StatusCode)
	}
}

// TestCSRFAndHeaders puts attacks next to the ordinary request on one
// route, and checks the header set on pages, errors and the API.
func TestCSRFAndHeaders(t *testing.T) {
	srv := testServer(t, false)
	b := newBrowser(t, srv)
	pre := b.token("/register")
	b.submit("/register", "/register", url.Values{"email": {aliceEmail}, "password": {alicePass}, "password_confirm": {alicePass}})
	note := url.Values{"title": {"t"}, "body": {"b"}}
	with := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	without := func(k string) func(*http.Request) { return func(r *http.Request) { r.Header.Del(k) } }
	tests := []struct {
		name  string
		token func() string
		opts  []func(*http.Request)
		want  int
	}{
		{"valid token, same origin", func() string { return b.token("/notes") }, nil, 303},
		{"no token", func() string { return "" }, nil, 403},
		{"token from before login", func() string { return pre }, nil, 403},
		{"tampered token", func() string { return flipChar(b.token("/notes"), 10) }, nil, 403},
		{"cross-site", func() string { return b.token("/notes") }, []func(*http.Request){with("Origin", "https://evil.example"), with("Sec-Fetch-Site", "cross-site")}, 403},
		{"Origin with userinfo", func() string { return b.token("/notes") }, []func(*http.Request){without("Sec-Fetch-Site"), with("Origin", "http://evil@"+strings.TrimPrefix(srv.URL, "http://"))}, 403},
		{"Origin null", func() string { return b.token("/notes") }, []func(*http.Request){without("Sec-Fetch-Site"), with("Origin", "null")}, 403},
		{"two Sec-Fetch-Site headers", func() string { return b.token("/notes") }, []func(*http.Request){func(r *http.Request) { r.Header.Add("Sec-Fetch-Site", "cross-site") }}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := url.Values{"csrf_token": {tt.token()}}
			for k, vs := range note {
				v[k] = vs
			}
			if r := b.post("/notes", v, tt.opts...); r.StatusCode != tt.want {
				t.Errorf("POST /notes: %d, want %d", r.StatusCode, tt.want)
			}
		})
	}

	for _, path := range []string{"/", "/protected", "/nope", "/api/me", "/.well-known/jwks.json", "/healthz"} {
		r := b.get(path)
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "'nonce-") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Cross-Origin-Opener-Policy": "same-origin", "Referrer-Policy": "strict-origin-when-cross-origin"} {
			if h.Get(k) != v {
				t.Errorf("GET %s: %s = %q, want %q", path, k, h.Get(k), v)
			}
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("GET %s: HSTS over plain HTTP", path)
		}
	}
	if r := b.do(mustRequest("DELETE", srv.URL+"/notes")); r.StatusCode != 405 || r.Header.Get("Allow") == "" {
		t.Errorf("DELETE /notes: %d Allow %q, want 405 with Allow", r.StatusCode, r.Header.Get("Allow"))
	}
}

func mustRequest(method, url string) *http.Request {
	r, _ := http.NewRequest(method, url, nil)
	return r
}

// TestProductionFlowOverTLS: HSTS and Secure __Host- cookies.
func TestProductionFlowOverTLS(t *testing.T) {
	srv := testServer(t, true)
	b := newBrowser(t, srv)
	r := b.submit("/register", "/register", url.Values{"email": {aliceEmail}, "password": {alicePass}, "password_confirm": {alicePass}})
	expect(t, "register over TLS", r, 303, "/")
	var found bool
	for _, ck := range r.Cookies() {
		if ck.Name == "__Host-session" && ck.Secure && ck.HttpOnly && ck.SameSite == http.SameSiteLaxMode && ck.Path == "/" {
			found = true
		}
	}
	if !found {
		t.Errorf("no Secure, HttpOnly, SameSite=Lax __Host-session cookie: %v", r.Header.Values("Set-Cookie"))
	}
	if hsts := r.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") || !strings.Contains(hsts, "includeSubDomains") {
		t.Errorf("HSTS = %q", hsts)
	}
	if !b.loggedIn() {
		t.Error("not logged in over TLS")
	}
}

// TestAPIFlow: token, /api/me, notes, refresh with reuse detection, revoke;
// a session cookie never authenticates the API.
func TestAPIFlow(t *testing.T) {
	srv := testServer(t, false)
	web := newBrowser(t, srv)
	web.submit("/register", "/register", url.Values{"email": {aliceEmail}, "password": {alicePass}, "password_confirm": {alicePass}})
	api := newBrowser(t, srv)
	call := func(method, path, body, bearer string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		r := api.do(req)
		var m map[string]any
		json.Unmarshal([]byte(api.last), &m)
		return r, m
	}
	if r, m := call("POST", "/api/token", `{"email":"`+aliceEmail+`","password":"wrong-password-1"}`, ""); r.StatusCode != 401 || m["error"] == nil {
		t.Fatalf("bad credentials: %d %v", r.StatusCode, m)
	}
	r, pair := call("POST", "/api/token", `{"email":"`+aliceEmail+`","password":"`+alicePass+`"}`, "")
	if r.StatusCode != 200 || pair["token_type"] != "Bearer" || r.Header.Get("Cache-Control") != "no-store" || len(r.Cookies()) != 0 {
		t.Fatalf("token: %d %v", r.StatusCode, pair)
	}
	access, refresh := pair["access_token"].(string), pair["refresh_token"].(string)
	if r, m := call("GET", "/api/me", "", access); r.StatusCode != 200 || m["email"] != aliceEmail {
		t.Errorf("/api/me: %d %v", r.StatusCode, m)
	}
	if r := web.get("/api/me"); r.StatusCode != 401 || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("/api/me with a session cookie: %d, want 401 with a Bearer challenge", r.StatusCode)
	}
	if r, _ := call("POST", "/api/notes", `{"title":"api","body":"<i>x</i><img src=x onerror=alert(1)>"}`, access); r.StatusCode != 201 {
		t.Errorf("create: %d", r.StatusCode)
	}
	for body, want := range map[string]int{`{"title":"","body":"b"}`: 422, `{"title":"t","body":"b","owner":1}`: 400, `{"title":`: 400} {
		if r, _ := call("POST", "/api/notes", body, access); r.StatusCode != want {
			t.Errorf("POST /api/notes %s: %d, want %d", body, r.StatusCode, want)
		}
	}
	if _, m := call("GET", "/api/notes", "", access); !strings.Contains(fmt.Sprint(m), "<i>x</i>") || strings.Contains(api.last, "onerror") {
		t.Errorf("list: %v", m)
	}
	r, pair2 := call("POST", "/api/token/refresh", `{"refresh_token":"`+refresh+`"}`, "")
	if r.StatusCode != 200 {
		t.Fatalf("refresh: %d", r.StatusCode)
	}
	if r, _ := call("POST", "/api/token/refresh", `{"refresh_token":"`+refresh+`"}`, ""); r.StatusCode != 401 {
		t.Errorf("reused refresh token: %d, want 401", r.StatusCode)
	}
	if r, _ := call("GET", "/api/me", "", pair2["access_token"].(string)); r.StatusCode != 401 {
		t.Errorf("access token of a family revoked for reuse: %d, want 401", r.StatusCode)
	}
	_, pair3 := call("POST", "/api/token", `{"email":"`+aliceEmail+`","password":"`+alicePass+`"}`, "")
	if r, _ := call("POST", "/api/token/revoke", `{}`, pair3["access_token"].(string)); r.StatusCode != 204 {
		t.Errorf("revoke: %d", r.StatusCode)
	}
	if r, _ := call("GET", "/api/me", "", pair3["access_token"].(string)); r.StatusCode != 401 {
		t.Errorf("revoked access token: %d, want 401", r.StatusCode)
	}
}

// TestRegisterDuplicateLooksLikeInvalid: the 422 for a taken email is the
// 422 for a malformed one, but for the echoed address and the tokens.
func TestRegisterDuplicateLooksLikeInvalid(t *testing.T) {
	srv := testServer(t, false)
	newBrowser(t, srv).submit("/register", "/register", url.Values{"email": {aliceEmail}, "password": {alicePass}, "password_confirm": {alicePass}})
	page := func(email string) string {
		b := newBrowser(t, srv)
		r := b.submit("/register", "/register", url.Values{"email": {email}, "password": {alicePass + "2"}, "password_confirm": {alicePass + "2"}})
		if r.StatusCode != 422 {
			t.Fatalf("register %q: %d, want 422", email, r.StatusCode)
		}
		return regexp.MustCompile(`value="[^"]*"|nonce="[^"]*"`).ReplaceAllString(strings.ReplaceAll(b.last, email, "EMAIL"), "")
	}
	taken, malformed := page(aliceEmail), page("not-an-email")
	if taken != malformed {
		t.Errorf("taken and malformed emails give different pages:\n%s\n---\n%s", taken, malformed)
	}
}

// TestBehindProxy: in production behind a TLS-terminating proxy, HSTS and
// Secure cookies follow the trusted proxy's X-Forwarded-Proto; a client
// forging it gets the HTTPS redirect (to -host) or a 400, never HSTS; the
// load balancer's plain-HTTP health probe is answered.
func TestBehindProxy(t *testing.T) {
	newApp := func(extra ...string) http.Handler {
		cfg, err := config.Parse(append([]string{"-env", "production", "-behind-proxy", "-store", "memory",
			"-db", filepath.Join(t.TempDir(), "notes.db")}, extra...), nil, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := newTestApp(t, Deps{Config: cfg})
		return a.Handler()
	}
	plain, withHost := newApp(), newApp("-host", "notes.example")
	tests := []struct {
		name       string
		h          http.Handler
		path       string
		remote     string
		proto      string
		wantStatus int
		wantLoc    string
		wantHSTS   bool
	}{
		{"trusted proxy says https", plain, "/login", "127.0.0.1:5000", "https", 200, "", true},
		{"trusted proxy says http", withHost, "/login", "127.0.0.1:5000", "http", 301, "https://notes.example/login", false},
		{"untrusted client forges https", plain, "/login", "203.0.113.9:5000", "https", 400, "", false},
		{"untrusted client forges https, -host set", withHost, "/login?x=1", "203.0.113.9:5000", "https", 301, "https://notes.example/login?x=1", false},
		{"health probe over plain HTTP", plain, "/healthz", "10.1.2.3:5000", "", 200, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.path, nil)
			req.RemoteAddr = tt.remote
			req.Host = "notes.example"
			if tt.proto != "" {
				req.Header.Set("X-Forwarded-For", "198.51.100.7")
				req.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			rec := httptest.NewRecorder()
			tt.h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || rec.Header().Get("Location") != tt.wantLoc {
				t.Fatalf("%d Location %q, want %d %q", rec.Code, rec.Header().Get("Location"), tt.wantStatus, tt.wantLoc)
			}
			if rec.Header().Get("X-Frame-Options") != "DENY" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("response without the security headers: %v", rec.Header())
			}
			if got := rec.Header().Get("Strict-Transport-Security") != ""; got != tt.wantHSTS {
				t.Errorf("HSTS sent: %v, want %v", got, tt.wantHSTS)
			}
			for _, ck := range rec.Result().Cookies() {
				if !ck.Secure || !strings.HasPrefix(ck.Name, "__Host-") {
					t.Errorf("cookie %s: Secure %v, want a Secure __Host- cookie in production", ck.Name, ck.Secure)
				}
			}
		})
	}
}

// TestRevokeEndsRememberMe: revoking a remembered device's session also
// revokes its remember-me token, and only that one.
func TestRevokeEndsRememberMe(t *testing.T) {
	srv := testServer(t, false)
	alice := newBrowser(t, srv)
	alice.submit("/register", "/register", url.Values{"email": {aliceEmail}, "password": {alicePass}, "password_confirm": {alicePass}})
	login := func() (*browser, string) {
		b := newBrowser(t, srv)
		alice.get("/account")
		old := alice.last
		expect(t, "login with remember", b.submit("/login", "/login", url.Values{"email": {aliceEmail}, "password": {alicePass}, "remember": {"1"}}), 303, "/")
		alice.get("/account")
		for _, m := range regexp.MustCompile(`/account/sessions/([^/"]+)/revoke`).FindAllStringSubmatch(alice.last, -1) {
			if !strings.Contains(old, m[1]) {
				return b, m[1]
			}
		}
		t.Fatal("no new session on /account")
		return nil, ""
	}
	// onlyRemember is a browser holding b's cookies but the session.
	onlyRemember := func(b *browser) *browser {
		n := newBrowser(t, srv)
		u, _ := url.Parse(srv.URL)
		for _, ck := range b.hc.Jar.Cookies(u) {
			if ck.Name != "session" {
				n.hc.Jar.SetCookies(u, []*http.Cookie{ck})
			}
		}
		return n
	}
	phone, phoneID := login()
	laptop, _ := login()
	expect(t, "revoke", alice.submit("/account", "/account/sessions/"+phoneID+"/revoke", nil), 303, "/account")
	if phone.loggedIn() {
		t.Error("the revoked phone is logged in again through its remember-me cookie")
	}
	if !onlyRemember(laptop).loggedIn() {
		t.Error("revoking the phone ended the laptop's remember-me token")
	}
}

// TestRegisterEmailForms: an address in another Unicode form is the same
// account; invisible characters make an address unusable.
func TestRegisterEmailForms(t *testing.T) {
	srv := testServer(t, false)
	nfc := "jos\u00e9@example.com"
	nfd := "jose\u0301@example.com"
	expect(t, "register NFC", newBrowser(t, srv).submit("/register", "/register", url.Values{"email": {nfc}, "password": {alicePass}, "password_confirm": {alicePass}}), 303, "/")
	for name, email := range map[string]string{
		"NFD spelling of a taken address": nfd,
		"upper case":                      strings.ToUpper(nfc),
		"zero-width space":                "jos\u00e9\u200b@example.com",
		"soft hyphen":                     "bob\u00ad@example.com",
		"right-to-left override":          "\u202ebob@example.com",
		"word joiner":                     "bob\u2060@example.com",
		"variation selector":              "bob\ufe0f@example.com",
	} {
		b := newBrowser(t, srv)
		if r := b.submit("/register", "/register", url.Values{"email": {email}, "password": {alicePass + "x"}, "password_confirm": {alicePass + "x"}}); r.StatusCode != 422 {
			t.Errorf("%s: %d, want 422", name, r.StatusCode)
		} else if !strings.Contains(b.last, msgEmailUnusable) {
			t.Errorf("%s: the page lacks the email message", name)
		}
	}
	expect(t, "login with the NFD spelling", newBrowser(t, srv).submit("/login", "/login", url.Values{"email": {nfd}, "password": {alicePass}}), 303, "/")
}

// flipChar changes the character at i of a base64url token to another
// one of the alphabet (always another: a fixed replacement would leave the
// token as it was when it already held that character, 1 time in 64).
func flipChar(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
