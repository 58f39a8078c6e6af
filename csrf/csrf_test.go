package csrf

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/proxy"
	"github.com/rampartgo/rampart/secrets"
)

const site = "https://notes.example"

func testRing(t testing.TB, masters ...string) *keys.Ring {
	t.Helper()
	if len(masters) == 0 {
		masters = []string{strings.Repeat("m", 32)}
	}
	prev := make([]secrets.Secret, 0, len(masters)-1)
	for _, m := range masters[1:] {
		prev = append(prev, secrets.New(m))
	}
	return keys.MustNewRing(secrets.New(masters[0]), prev...)
}

// logBuf is a concurrency-safe log sink.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLogger() (*slog.Logger, *logBuf) {
	var b logBuf
	return slog.New(slog.NewTextHandler(&b, nil)), &b
}

// okHandler answers 200 with the title form field, proving the app can
// still read the body after the check.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "ok title="+r.FormValue("title"))
})

// issued is what a browser holds after loading a form page.
type issued struct {
	cookie *http.Cookie
	token  string
}

// visit GETs a page through h and returns the CSRF cookie and the token the
// page carried.
func visit(t *testing.T, p *Protection, cookie *http.Cookie) issued {
	t.Helper()
	var tok string
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tok = Token(r) })
	r := httptest.NewRequest("GET", site+"/form", nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	p.Handler(page).ServeHTTP(w, r)
	got := issued{cookie: cookie, token: tok}
	for _, c := range w.Result().Cookies() {
		got.cookie = c
	}
	if got.cookie == nil || tok == "" {
		t.Fatalf("visit: cookie %v token %q", got.cookie, tok)
	}
	return got
}

type req struct {
	method  string
	target  string
	remote  string
	ctype   string
	body    string
	headers [][2]string
	cookie  bool
	token   string // placed in the X-CSRF-Token header when not in the body
}

func (q req) build(t *testing.T, is issued) *http.Request {
	t.Helper()
	target := q.target
	if target == "" {
		target = site + "/notes"
	}
	method := q.method
	if method == "" {
		method = "POST"
	}
	r := httptest.NewRequest(method, target, strings.NewReader(strings.ReplaceAll(q.body, "{tok}", url.QueryEscape(is.token))))
	if q.remote != "" {
		r.RemoteAddr = q.remote
	}
	if q.ctype != "" {
		r.Header.Set("Content-Type", q.ctype)
	}
	for _, h := range q.headers {
		v := strings.ReplaceAll(h[1], "{tok}", is.token)
		r.Header.Add(h[0], strings.ReplaceAll(v, "{short}", is.token[:TokenLen-4]))
	}
	if q.cookie {
		r.AddCookie(is.cookie)
	}
	return r
}

const form = "application/x-www-form-urlencoded"

func TestCheck(t *testing.T) {
	ring := testRing(t)
	logger, _ := newLogger()
	p := New(ring, Config{Logger: logger})
	other := visit(t, p, nil) // another browser, another secret
	trustedP := New(ring, Config{Logger: logger, TrustedOrigins: []string{"https://admin.notes.example"}, Binder: p.cookie})
	bearerP := New(ring, Config{Logger: logger, ExemptBearerWithoutCookies: true, Binder: p.cookie})

	sameOrigin := [2]string{"Sec-Fetch-Site", "same-origin"}
	origin := [2]string{"Origin", site}
	tokHdr := [2]string{"X-CSRF-Token", "{tok}"}

	tests := []struct {
		name   string
		p      *Protection
		req    req
		status int
		err    error
	}{
		// Ordinary requests.
		{"form post, same-origin", p, req{ctype: form, body: "title=hi&csrf_token={tok}", headers: [][2]string{sameOrigin, origin}, cookie: true}, 200, nil},
		{"form post with charset", p, req{ctype: form + "; charset=utf-8", body: "title=hi&csrf_token={tok}", headers: [][2]string{sameOrigin}, cookie: true}, 200, nil},
		{"fetch with X-CSRF-Token", p, req{ctype: "application/json", body: `{}`, headers: [][2]string{sameOrigin, tokHdr}, cookie: true}, 200, nil},
		{"fetch with X-CSRFToken", p, req{headers: [][2]string{sameOrigin, {"X-CSRFToken", "{tok}"}}, cookie: true}, 200, nil},
		{"old browser, Origin only", p, req{ctype: form, body: "csrf_token={tok}", headers: [][2]string{origin}, cookie: true}, 200, nil},
		{"old browser, Referer only", p, req{ctype: form, body: "csrf_token={tok}", headers: [][2]string{{"Referer", site + "/form?x=1"}}, cookie: true}, 200, nil},
		{"Sec-Fetch-Site none (user typed)", p, req{headers: [][2]string{{"Sec-Fetch-Site", "none"}, tokHdr}, cookie: true}, 200, nil},
		{"non-browser client with token", p, req{headers: [][2]string{tokHdr}, cookie: true}, 200, nil},
		{"PUT with token", p, req{method: "PUT", headers: [][2]string{sameOrigin, tokHdr}, cookie: true}, 200, nil},
		{"GET needs nothing", p, req{method: "GET", headers: [][2]string{{"Sec-Fetch-Site", "cross-site"}}}, 200, nil},
		{"HEAD needs nothing", p, req{method: "HEAD"}, 200, nil},
		{"OPTIONS needs nothing", p, req{method: "OPTIONS", headers: [][2]string{{"Origin", "https://evil.example"}}}, 200, nil},
		{"TRACE needs nothing", p, req{method: "TRACE"}, 200, nil},
		{"trusted origin, same-site", trustedP, req{headers: [][2]string{{"Sec-Fetch-Site", "same-site"}, {"Origin", "https://admin.notes.example"}, tokHdr}, cookie: true}, 200, nil},
		{"trusted origin, old browser", trustedP, req{headers: [][2]string{{"Origin", "https://admin.notes.example"}, tokHdr}, cookie: true}, 200, nil},
		{"bearer API, no cookies, exempt", bearerP, req{headers: [][2]string{{"Authorization", "Bearer abc.def"}}}, 200, nil},

		// Cross-origin attacks.
		{"cross-site", p, req{ctype: form, body: "csrf_token={tok}", headers: [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}}, cookie: true}, 403, ErrCrossOrigin},
		{"two Sec-Fetch-Site headers, same-origin first", p, req{ctype: form, body: "csrf_token={tok}", headers: [][2]string{{"Sec-Fetch-Site", "same-origin"}, {"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}}, cookie: true}, 403, ErrCrossOrigin},
		{"Sec-Fetch-Site list, same-origin first", p, req{ctype: form, body: "csrf_token={tok}", headers: [][2]string{{"Sec-Fetch-Site", "same-origin, cross-site"}}, cookie: true}, 403, ErrCrossOrigin},
		{"same-site sibling", p, req{ctype: form, body: "csrf_token={tok}", headers: [][2]string{{"Sec-Fetch-Site", "same-site"}, {"Origin", "https://user-content.notes.example"}}, cookie: true}, 403, ErrCrossOrigin},
		{"same-site with untrusted origin", trustedP, req{headers: [][2]string{{"Sec-Fetch-Site", "same-site"}, {"Origin", "https://other.notes.example"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"unknown Sec-Fetch-Site", p, req{headers: [][2]string{{"Sec-Fetch-Site", "same-origin-ish"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"Origin null", p, req{headers: [][2]string{{"Origin", "null"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"Origin with userinfo (golang/go#78563)", p, req{headers: [][2]string{{"Origin", "https://evil@notes.example"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"Origin with mismatched scheme", p, req{headers: [][2]string{{"Origin", "http://notes.example"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"Origin with other port", p, req{headers: [][2]string{{"Origin", "https://notes.example:8443"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"Origin with path", p, req{headers: [][2]string{{"Origin", site + "/"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"Origin upper case", p, req{headers: [][2]string{{"Origin", "https://NOTES.example"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"two Origin headers", p, req{headers: [][2]string{{"Origin", site}, {"Origin", "https://evil.example"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"cross-site Referer", p, req{headers: [][2]string{{"Referer", "https://evil.example/" + site}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"Referer with userinfo", p, req{headers: [][2]string{{"Referer", "https://evil@notes.example/"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"relative Referer", p, req{headers: [][2]string{{"Referer", "/form"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"cross-site with trusted-looking Origin but no config", p, req{headers: [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://admin.notes.example"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},

		// Token attacks.
		{"missing token", p, req{ctype: form, body: "title=hi", headers: [][2]string{sameOrigin}, cookie: true}, 403, ErrMissingToken},
		{"non-browser client without token", p, req{ctype: form, body: "title=hi", cookie: true}, 403, ErrMissingToken},
		{"token from another session", p, req{headers: [][2]string{sameOrigin, {"X-CSRF-Token", other.token}}, cookie: true}, 403, ErrInvalidToken},
		{"token without its cookie", p, req{headers: [][2]string{sameOrigin, tokHdr}}, 403, ErrInvalidToken},
		{"truncated token", p, req{headers: [][2]string{sameOrigin, {"X-CSRF-Token", "{short}"}}, cookie: true}, 403, ErrInvalidToken},
		{"empty header falls back to the missing form", p, req{headers: [][2]string{sameOrigin, {"X-CSRF-Token", ""}}, cookie: true}, 403, ErrMissingToken},
		{"text/plain body carrying the field", p, req{ctype: "text/plain", body: "csrf_token={tok}", headers: [][2]string{sameOrigin}, cookie: true}, 403, ErrMissingToken},
		{"method override in form", p, req{ctype: form, body: "_method=GET&title=hi", headers: [][2]string{sameOrigin}, cookie: true}, 403, ErrMissingToken},
		{"method override header", p, req{headers: [][2]string{sameOrigin, {"X-HTTP-Method-Override", "GET"}}, cookie: true}, 403, ErrMissingToken},
		{"method override cross-site", p, req{target: site + "/notes?_method=GET", headers: [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"X-HTTP-Method-Override", "GET"}, tokHdr}, cookie: true}, 403, ErrCrossOrigin},
		{"DELETE without token", p, req{method: "DELETE", headers: [][2]string{sameOrigin}, cookie: true}, 403, ErrMissingToken},
		{"bearer API not exempt by default", p, req{headers: [][2]string{{"Authorization", "Bearer abc.def"}}}, 403, ErrMissingToken},
		{"bearer with cookies not exempt", bearerP, req{headers: [][2]string{{"Authorization", "Bearer abc.def"}}, cookie: true}, 403, ErrMissingToken},
		{"bearer exemption needs Bearer", bearerP, req{headers: [][2]string{{"Authorization", "Basic YTpi"}}}, 403, ErrMissingToken},
		{"urlencoded body too large", p, req{ctype: form, body: "title=" + strings.Repeat("a", DefaultMaxBodyBytes), headers: [][2]string{sameOrigin}, cookie: true}, 413, ErrBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := visit(t, p, nil)
			r := tt.req.build(t, is)
			err := tt.p.Check(tt.req.build(t, is))
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Check = %v, want %v", err, tt.err)
			}
			w := httptest.NewRecorder()
			tt.p.Handler(okHandler).ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			if tt.status == 200 && tt.req.ctype == form && strings.Contains(tt.req.body, "title=hi") && w.Body.String() != "ok title=hi" {
				t.Fatalf("handler saw %q: the form was lost", w.Body)
			}
			if tt.status == 403 && strings.Contains(w.Body.String(), is.token) {
				t.Fatal("the response echoes the token")
			}
		})
	}
}

func TestTamperedToken(t *testing.T) {
	p := New(testRing(t), Config{Logger: slog.New(slog.DiscardHandler)})
	is := visit(t, p, nil)
	for i := range TokenLen {
		b := []byte(is.token)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		r := httptest.NewRequest("POST", site+"/", nil)
		r.AddCookie(is.cookie)
		r.Header.Set(HeaderName, string(b))
		if err := p.Check(r); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
}

func TestMultipart(t *testing.T) {
	p := New(testRing(t), Config{Logger: slog.New(slog.DiscardHandler), MaxBodyBytes: 64 << 10})
	is := visit(t, p, nil)
	body := func(tok string, file int) (string, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("title", "hi")
		if tok != "" {
			mw.WriteField(FieldName, tok)
		}
		fw, _ := mw.CreateFormFile("attachment", "a.txt")
		fw.Write(bytes.Repeat([]byte("x"), file))
		mw.Close()
		return mw.FormDataContentType(), b.String()
	}
	for _, tt := range []struct {
		name   string
		tok    string
		file   int
		status int
	}{
		{"valid token, app still sees the fields and file", is.token, 10, 200},
		{"no token", "", 10, 403},
		{"other token", visit(t, p, nil).token, 10, 403},
		{"over the body limit", is.token, 70 << 10, 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ct, b := body(tt.tok, tt.file)
			r := httptest.NewRequest("POST", site+"/notes", strings.NewReader(b))
			r.Header.Set("Content-Type", ct)
			r.Header.Set("Sec-Fetch-Site", "same-origin")
			r.AddCookie(is.cookie)
			w := httptest.NewRecorder()
			p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				f, fh, err := r.FormFile("attachment")
				if err != nil {
					t.Fatalf("file lost: %v", err)
				}
				f.Close()
				io.WriteString(w, r.FormValue("title")+" "+fh.Filename)
			})).ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status == 200 && w.Body.String() != "hi a.txt" {
				t.Fatalf("body %q", w.Body)
			}
		})
	}
}

// TestSpoofedForwardedHeaders: the origin comes from the proxy package,
// which believes X-Forwarded-* only from trusted peers.
func TestSpoofedForwardedHeaders(t *testing.T) {
	p := New(testRing(t), Config{Logger: slog.New(slog.DiscardHandler)})
	resolver := proxy.New(proxy.Config{TrustedProxies: []string{"10.0.0.0/8"}})
	h := resolver.Handler(p.Handler(okHandler))
	is := visit(t, p, nil)
	for _, tt := range []struct {
		name, remote, origin, proto, host string
		status                            int
	}{
		{"trusted TLS proxy, public origin", "10.0.0.2:5000", "https://notes.example", "https", "notes.example", 200},
		{"trusted proxy, scheme mismatch", "10.0.0.2:5000", "https://notes.example", "http", "notes.example", 403},
		{"untrusted peer claims https", "198.51.100.7:5000", "https://notes.example", "https", "notes.example", 403},
		{"untrusted peer claims the attacker's host", "198.51.100.7:5000", "https://evil.example", "https", "evil.example", 403},
		{"untrusted peer, honest plain origin", "198.51.100.7:5000", "http://internal:8080", "https", "notes.example", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://internal:8080/notes", nil)
			r.RemoteAddr = tt.remote
			r.Header.Set("X-Forwarded-For", "203.0.113.9")
			r.Header.Set("X-Forwarded-Proto", tt.proto)
			r.Header.Set("X-Forwarded-Host", tt.host)
			r.Header.Set("Origin", tt.origin)
			r.Header.Set(HeaderName, is.token)
			r.AddCookie(is.cookie)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
		})
	}
}

// fakeSessions is a Binder like the session Manager: one secret per
// session cookie, replaced by Renew.
type fakeSessions struct {
	mu      sync.Mutex
	secrets map[string][]byte
}

func (f *fakeSessions) BindingSecret(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	c, err := r.Cookie("sid")
	if err != nil {
		return nil, errors.New("no session")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.secrets[c.Value], nil
}

func (f *fakeSessions) renew(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[id] = bytes.Repeat([]byte{byte(len(f.secrets[id]) + 1)}, 32)
}

func TestRenewalInvalidatesTokens(t *testing.T) {
	t.Run("session binder", func(t *testing.T) {
		sessions := &fakeSessions{secrets: map[string][]byte{"s1": bytes.Repeat([]byte{1}, 32)}}
		p := New(testRing(t), Config{Binder: sessions, Logger: slog.New(slog.DiscardHandler)})
		sid := &http.Cookie{Name: "sid", Value: "s1"}
		var tok string
		r := httptest.NewRequest("GET", site+"/login", nil)
		r.AddCookie(sid)
		p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tok = Token(r) })).ServeHTTP(httptest.NewRecorder(), r)
		post := func() error {
			r := httptest.NewRequest("POST", site+"/login", nil)
			r.AddCookie(sid)
			r.Header.Set(HeaderName, tok)
			return p.Check(r)
		}
		if err := post(); err != nil {
			t.Fatalf("before renewal: %v", err)
		}
		sessions.renew("s1") // login
		if err := post(); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("replayed across renewal: %v", err)
		}
	})
	t.Run("binder failure is 503, not 403", func(t *testing.T) {
		p := New(testRing(t), Config{Binder: &fakeSessions{}, Logger: slog.New(slog.DiscardHandler)})
		r := httptest.NewRequest("POST", site+"/", nil)
		r.Header.Set(HeaderName, strings.Repeat("A", TokenLen))
		w := httptest.NewRecorder()
		p.Handler(okHandler).ServeHTTP(w, r)
		if w.Code != http.StatusServiceUnavailable || !errors.Is(p.Check(r), ErrBinder) {
			t.Fatalf("status %d", w.Code)
		}
	})
	t.Run("cookie binder Renew", func(t *testing.T) {
		p := New(testRing(t), Config{Logger: slog.New(slog.DiscardHandler)})
		is := visit(t, p, nil)
		var fresh string
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", site+"/login", nil)
		r.AddCookie(is.cookie)
		r.Header.Set(HeaderName, is.token)
		p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := p.cookie.Renew(w, r); err != nil {
				t.Fatal(err)
			}
			fresh = Token(r)
		})).ServeHTTP(w, r)
		cookies := w.Result().Cookies()
		if w.Code != 200 || len(cookies) != 1 {
			t.Fatalf("status %d, cookies %v", w.Code, cookies)
		}
		check := func(c *http.Cookie, tok string) error {
			r := httptest.NewRequest("POST", site+"/", nil)
			r.AddCookie(c)
			r.Header.Set(HeaderName, tok)
			return p.Check(r)
		}
		if err := check(cookies[0], is.token); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("old token after Renew: %v", err)
		}
		if err := check(cookies[0], fresh); err != nil {
			t.Fatalf("token issued after Renew: %v", err)
		}
	})
}

func TestKeyRotation(t *testing.T) {
	oldM, newM := strings.Repeat("o", 32), strings.Repeat("n", 32)
	old := New(testRing(t, oldM), Config{})
	is := visit(t, old, nil)
	check := func(p *Protection) error {
		r := httptest.NewRequest("POST", site+"/", nil)
		r.AddCookie(is.cookie)
		r.Header.Set(HeaderName, is.token)
		return p.Check(r)
	}
	if err := check(New(testRing(t, newM, oldM), Config{})); err != nil {
		t.Fatalf("previous key must still verify: %v", err)
	}
	if err := check(New(testRing(t, newM), Config{})); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("dropped key must not verify: %v", err)
	}
}

func TestTokens(t *testing.T) {
	p := New(testRing(t), Config{})
	r := httptest.NewRequest("GET", site+"/", nil)
	w := httptest.NewRecorder()
	var toks []string
	var field, meta string
	p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		toks = append(toks, Token(r), Token(r))
		field, meta = string(TemplateField(r)), string(MetaTag(r))
	})).ServeHTTP(w, r)
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	c := cookies[0]
	if c.Name != "__Host-csrf" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Fatalf("cookie attributes %+v", c)
	}
	if toks[0] == toks[1] || len(toks[0]) != TokenLen {
		t.Fatalf("tokens %q: want two different %d-byte tokens", toks, TokenLen)
	}
	for _, tok := range toks {
		if strings.ContainsAny(tok, "+/=") {
			t.Fatalf("token %q is not base64url", tok)
		}
		r := httptest.NewRequest("POST", site+"/", nil)
		r.AddCookie(c)
		r.Header.Set(HeaderName, tok)
		if err := p.Check(r); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasPrefix(field, `<input type="hidden" name="csrf_token" value="`) || !strings.HasPrefix(meta, `<meta name="csrf-token" content="`) {
		t.Fatalf("helpers: %s %s", field, meta)
	}
	// A second visit with the cookie keeps it.
	w = httptest.NewRecorder()
	r = httptest.NewRequest("GET", site+"/", nil)
	r.AddCookie(c)
	p.Handler(okHandler).ServeHTTP(w, r)
	if len(w.Result().Cookies()) != 0 {
		t.Fatal("cookie reissued although valid")
	}
	// A forged cookie is replaced.
	w = httptest.NewRecorder()
	r = httptest.NewRequest("GET", site+"/", nil)
	r.AddCookie(&http.Cookie{Name: c.Name, Value: strings.Repeat("A", len(c.Value))})
	p.Handler(okHandler).ServeHTTP(w, r)
	if len(w.Result().Cookies()) != 1 {
		t.Fatal("forged cookie accepted")
	}
}

func TestInsecureDevCookie(t *testing.T) {
	logger, logs := newLogger()
	p := New(testRing(t), Config{InsecureDev: true, Logger: logger})
	if !strings.Contains(logs.String(), "InsecureDev") {
		t.Fatal("InsecureDev not announced")
	}
	w := httptest.NewRecorder()
	p.Handler(okHandler).ServeHTTP(w, httptest.NewRequest("GET", "http://localhost:8080/", nil))
	c := w.Result().Cookies()
	if len(c) != 1 || c[0].Name != "csrf" || c[0].Secure || !c[0].HttpOnly {
		t.Fatalf("dev cookie %+v", c)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Fatal("localhost request logged as an error")
	}
	p.Handler(okHandler).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "https://notes.example/", nil))
	if !strings.Contains(logs.String(), "level=ERROR") {
		t.Fatal("InsecureDev in production not logged as an error")
	}
}

func TestRejection(t *testing.T) {
	logger, logs := newLogger()
	p := New(testRing(t), Config{Logger: logger})
	is := visit(t, p, nil)
	r := httptest.NewRequest("POST", site+"/notes", nil)
	r.RemoteAddr = "198.51.100.7:1234"
	r.Header.Set("Origin", "https://evil.example")
	r.Header.Set(HeaderName, is.token)
	w := httptest.NewRecorder()
	p.Handler(okHandler).ServeHTTP(w, r)
	if w.Code != 403 || w.Body.String() != "Forbidden: cross-origin request\n" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	log := logs.String()
	for _, want := range []string{"event=malicious_csrf", "path=/notes", "ip=198.51.100.7", "evil.example", "method=POST"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q: %s", want, log)
		}
	}
	if strings.Contains(log, is.token) || strings.Contains(log, is.cookie.Value) {
		t.Fatal("the log contains a token or cookie")
	}

	var got error
	custom := New(testRing(t), Config{Logger: logger, DenyHandler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = Reason(r)
		w.WriteHeader(http.StatusTeapot)
	})})
	w = httptest.NewRecorder()
	custom.Handler(okHandler).ServeHTTP(w, httptest.NewRequest("POST", site+"/", nil))
	var e *Error
	if w.Code != http.StatusTeapot || !errors.As(got, &e) || e.Err != ErrMissingToken {
		t.Fatalf("deny handler: %d %v", w.Code, got)
	}
	if Reason(httptest.NewRequest("GET", "/", nil)) != nil {
		t.Fatal("Reason outside a rejection")
	}
}

func TestConstructionPanics(t *testing.T) {
	ring := testRing(t)
	for _, origin := range []string{
		"notes.example", "https://notes.example/", "https://u@notes.example", "https://NOTES.example",
		"https://notes.example:443", "ftp://notes.example", "https://", "https://notes.example?x", "https://notes.example#f", "%zz",
	} {
		t.Run(origin, func(t *testing.T) {
			defer func() {
				if v, _ := recover().(string); !strings.HasPrefix(v, "rampart/csrf: ") {
					t.Fatalf("panic %v", v)
				}
			}()
			New(ring, Config{TrustedOrigins: []string{origin}})
		})
	}
	for _, ok := range []string{"https://notes.example", "http://localhost:8080", "https://[::1]:8443"} {
		New(ring, Config{TrustedOrigins: []string{ok}})
	}
	mustPanic := func(name string, f func()) {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if v, _ := recover().(string); !strings.HasPrefix(v, "rampart/csrf: ") {
					t.Fatalf("panic %v", v)
				}
			}()
			f()
		})
	}
	mustPanic("nil ring", func() { New(nil, Config{}) })
	mustPanic("nil handler", func() { New(ring, Config{}).Handler(nil) })
	mustPanic("Token without middleware", func() { Token(httptest.NewRequest("GET", "/", nil)) })
	mustPanic("negative body limit", func() { New(ring, Config{MaxBodyBytes: -1}) })
}

func TestConcurrent(t *testing.T) {
	p := New(testRing(t), Config{Logger: slog.New(slog.DiscardHandler)})
	is := visit(t, p, nil)
	h := p.Handler(okHandler)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				r := httptest.NewRequest("POST", site+"/", strings.NewReader("csrf_token="+url.QueryEscape(is.token)))
				r.Header.Set("Content-Type", form)
				r.AddCookie(is.cookie)
				if i%2 == 0 {
					r.Header.Set("Origin", "https://evil.example")
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if want := []int{200, 403}[(i+1)%2]; w.Code != want {
					t.Errorf("status %d, want %d", w.Code, want)
				}
			}
		})
	}
	wg.Wait()
}
