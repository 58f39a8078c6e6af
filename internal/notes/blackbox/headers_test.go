package blackbox_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// csp is a parsed Content-Security-Policy: directive name -> sources.
type csp map[string][]string

func parseCSP(h string) csp {
	p := csp{}
	for _, d := range strings.Split(h, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		name := strings.ToLower(f[0])
		if _, dup := p[name]; dup {
			continue // the first occurrence wins (CSP3 §2.2.1)
		}
		p[name] = f[1:]
	}
	return p
}

// scriptSources are the sources that govern <script> elements.
func (p csp) scriptSources() ([]string, bool) {
	for _, d := range []string{"script-src-elem", "script-src", "default-src"} {
		if s, ok := p[d]; ok {
			return s, true
		}
	}
	return nil, false
}

func (p csp) has(directive, source string) bool {
	for _, s := range p[directive] {
		if strings.EqualFold(s, source) {
			return true
		}
	}
	return false
}

var nonceSource = regexp.MustCompile(`^'nonce-([A-Za-z0-9+/_=-]+)'$`)

// nonce returns the script nonce of the policy.
func (p csp) nonce() string {
	src, _ := p.scriptSources()
	for _, s := range src {
		if m := nonceSource.FindStringSubmatch(s); m != nil {
			return m[1]
		}
	}
	return ""
}

// checkSecurityHeaders reports every header of the contract's "Headers on
// every response" that r lacks or weakens (plain HTTP: no HSTS).
func checkSecurityHeaders(t *testing.T, r *resp) {
	t.Helper()
	h := r.Header
	raw := h.Get("Content-Security-Policy")
	if raw == "" {
		t.Errorf("%s: no Content-Security-Policy", r)
	} else {
		p := parseCSP(raw)
		src, ok := p.scriptSources()
		switch {
		case !ok:
			t.Errorf("%s: CSP restricts no scripts (no script-src or default-src): %q", r, raw)
		default:
			for _, s := range src {
				if strings.EqualFold(s, "'unsafe-inline'") || strings.EqualFold(s, "'unsafe-eval'") || s == "*" ||
					strings.EqualFold(s, "http:") || strings.EqualFold(s, "https:") || strings.EqualFold(s, "data:") {
					t.Errorf("%s: CSP allows scripts from %s: %q", r, s, raw)
				}
			}
			// A response that allows no script at all ('none') needs no
			// nonce; any other policy must carry one.
			if p.nonce() == "" && !(len(src) == 1 && src[0] == "'none'") {
				t.Errorf("%s: CSP has no script nonce: %q", r, raw)
			}
		}
		for _, d := range []string{"script-src-attr", "script-src-elem"} {
			if p.has(d, "'unsafe-inline'") {
				t.Errorf("%s: CSP %s allows 'unsafe-inline': %q", r, d, raw)
			}
		}
		if fa := p["frame-ancestors"]; len(fa) != 1 || fa[0] != "'none'" {
			t.Errorf("%s: CSP frame-ancestors = %v, want 'none': %q", r, fa, raw)
		}
		if !p.has("object-src", "'none'") && !(p["object-src"] == nil && p.has("default-src", "'none'")) {
			t.Errorf("%s: CSP lacks object-src 'none': %q", r, raw)
		}
		if _, ok := p["base-uri"]; !ok {
			t.Errorf("%s: CSP lacks base-uri: %q", r, raw)
		}
		// form-action does not fall back to default-src: without it an
		// injected <form> can post the page's data anywhere.
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			if fa := p["form-action"]; len(fa) == 0 || (!p.has("form-action", "'self'") && !p.has("form-action", "'none'")) {
				t.Errorf("%s: CSP form-action = %v, want 'self': %q", r, fa, raw)
			}
		}
	}
	if v := h.Get("X-Content-Type-Options"); !strings.EqualFold(v, "nosniff") {
		t.Errorf("%s: X-Content-Type-Options = %q, want nosniff", r, v)
	}
	if v := h.Get("X-Frame-Options"); !strings.EqualFold(v, "DENY") {
		t.Errorf("%s: X-Frame-Options = %q, want DENY", r, v)
	}
	switch v := strings.ToLower(h.Get("Referrer-Policy")); v {
	case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
	default:
		t.Errorf("%s: Referrer-Policy = %q, want a policy that never leaks paths cross-origin", r, v)
	}
	if v := h.Get("Permissions-Policy"); !strings.Contains(v, "=()") {
		t.Errorf("%s: Permissions-Policy = %q, want powerful features denied (feature=())", r, v)
	}
	if v := h.Get("Cross-Origin-Opener-Policy"); v != "same-origin" {
		t.Errorf("%s: Cross-Origin-Opener-Policy = %q, want same-origin", r, v)
	}
	if v, ok := h["X-Xss-Protection"]; ok && (len(v) != 1 || v[0] != "0") {
		t.Errorf("%s: X-XSS-Protection = %q; the legacy filter must be off (0) or absent", r, v)
	}
	if r.Request.URL.Scheme == "http" {
		if v := h.Get("Strict-Transport-Security"); v != "" {
			t.Errorf("%s: HSTS %q sent over plain HTTP", r, v)
		}
	}
}

// TestSecurityHeadersOnEveryResponse checks the contract's header set on
// pages, errors, JSON, redirects, static files and rejections alike.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	a := sharedApp(t)
	anon := a.newClient(t)
	logged, _ := a.newUser(t, "headers")

	home := anon.get("/")
	var static string
	for _, s := range scripts(home.html(t)) {
		if src, ok := attr(s, "src"); ok && strings.HasPrefix(src, "/") {
			static = src
		}
	}

	type row struct {
		name string
		do   func() *resp
	}
	rows := []row{
		{"home", func() *resp { return home }},
		{"register form", func() *resp { return anon.get("/register") }},
		{"login form", func() *resp { return anon.get("/login") }},
		{"healthz", func() *resp { return anon.get("/healthz") }},
		{"not found", func() *resp { return anon.get("/no-such-page") }},
		{"request for another host (dev)", func() *resp { return anon.get("/login", func(r *http.Request) { r.Host = "evil.example" }) }},
		{"API request for another host (dev)", func() *resp {
			return anon.postJSON("/api/token", `{}`, func(r *http.Request) { r.Host = "evil.example" })
		}},
		{"method not allowed", func() *resp { return anon.do(http.MethodDelete, "/", nil) }},
		{"protected redirect", func() *resp { return anon.get("/protected") }},
		{"csrf rejection", func() *resp { return anon.post("/register", url.Values{"email": {"x@example.com"}}) }},
		{"csp report", func() *resp {
			return anon.postRaw("/csp-report", "application/csp-report", `{"csp-report":{"document-uri":"http://x/","violated-directive":"script-src"}}`)
		}},
		{"api 401", func() *resp { return anon.get("/api/me") }},
		{"api 400", func() *resp { return anon.postJSON("/api/token", `{"email":`) }},
		{"api 413", func() *resp { return anon.postJSON("/api/token", `{"email":"`+strings.Repeat("a", 2<<20)+`"}`) }},
		{"login 401", func() *resp {
			return anon.postWithToken("/login", "/login", url.Values{"email": {newEmail("hdr")}, "password": {newPassword()}})
		}},
		{"jwks", func() *resp { return anon.get("/.well-known/jwks.json") }},
		{"logged-in protected", func() *resp { return logged.get("/protected") }},
		{"logged-in notes", func() *resp { return logged.get("/notes") }},
		{"logged-in account", func() *resp { return logged.get("/account") }},
	}
	if static != "" {
		rows = append(rows, row{"static script", func() *resp { return anon.get(static) }})
	} else {
		t.Errorf("GET /: the page loads no same-origin script, so no static file could be checked")
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			checkSecurityHeaders(t, tc.do())
		})
	}
}

// TestCSPNonce checks that the nonce is fresh per response, long enough,
// and the one every script element carries; and that pages hold no inline
// handlers or javascript: URLs the policy would block (or that would run).
func TestCSPNonce(t *testing.T) {
	a := sharedApp(t)
	c, _ := a.newUser(t, "nonce")
	seen := map[string]string{}
	for _, path := range []string{"/", "/", "/login", "/register", "/notes", "/account", "/protected"} {
		r := c.get(path)
		if r.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s, want 200", path, r.Status)
			continue
		}
		n := parseCSP(r.Header.Get("Content-Security-Policy")).nonce()
		if n == "" {
			t.Errorf("GET %s: no nonce in CSP %q", path, r.Header.Get("Content-Security-Policy"))
			continue
		}
		if len(n) < 22 {
			t.Errorf("GET %s: nonce %q is shorter than 128 bits", path, n)
		}
		if prev, dup := seen[n]; dup {
			t.Errorf("GET %s: nonce %q repeats the one of GET %s", path, n, prev)
		}
		seen[n] = path
		doc := r.html(t)
		for _, s := range scripts(doc) {
			got, ok := attr(s, "nonce")
			if !ok || got != n {
				src, _ := attr(s, "src")
				t.Errorf("GET %s: <script src=%q> has nonce %q, want the header's %q", path, src, got, n)
			}
		}
		checkNoActiveContent(t, "GET "+path, doc)
	}
}

// checkNoActiveContent fails when doc holds markup that would run script:
// event handler attributes, javascript:/vbscript:/data: URLs in link or
// source attributes, inline scripts without a nonce, or embedding elements.
func checkNoActiveContent(t *testing.T, what string, doc *html.Node) {
	t.Helper()
	for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
		switch n.DataAtom {
		case atom.Iframe, atom.Object, atom.Embed, atom.Frame, atom.Base, atom.Svg, atom.Math, atom.Applet:
			t.Errorf("%s: page contains <%s>", what, n.Data)
		case atom.Script:
			if !hasAttr(n, "nonce") {
				t.Errorf("%s: page contains a <script> without a nonce: %q", what, textOf(n))
			}
		case atom.Meta:
			if v, _ := attr(n, "http-equiv"); strings.EqualFold(v, "refresh") {
				t.Errorf("%s: page contains <meta http-equiv=refresh>", what)
			}
		}
		if n.Namespace == "svg" || n.Namespace == "math" {
			t.Errorf("%s: page contains foreign <%s:%s>", what, n.Namespace, n.Data)
		}
		for _, at := range n.Attr {
			k := strings.ToLower(at.Key)
			if strings.HasPrefix(k, "on") {
				t.Errorf("%s: <%s> carries the event handler %s=%q", what, n.Data, at.Key, at.Val)
			}
			if k == "style" {
				if v := strings.ToLower(at.Val); strings.Contains(v, "javascript:") || strings.Contains(v, "expression(") {
					t.Errorf("%s: <%s style=%q> can run script", what, n.Data, at.Val)
				}
			}
			switch k {
			case "href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "background", "poster", "srcset":
				if dangerousURL(at.Val) {
					t.Errorf("%s: <%s %s=%q> is an executable URL", what, n.Data, at.Key, at.Val)
				}
			}
		}
	}
}

// dangerousURL reports whether u would run script when followed, with the
// control characters and whitespace browsers strip removed first.
func dangerousURL(u string) bool {
	var b strings.Builder
	for _, r := range u {
		if r <= 0x20 || r == 0x7f {
			continue
		}
		b.WriteRune(r)
	}
	s := strings.ToLower(b.String())
	return strings.HasPrefix(s, "javascript:") || strings.HasPrefix(s, "vbscript:") || strings.HasPrefix(s, "data:")
}

// TestNoStoreForLoggedInPages checks Cache-Control: no-store on every page
// a logged-in user sees.
func TestNoStoreForLoggedInPages(t *testing.T) {
	a := sharedApp(t)
	c, _ := a.newUser(t, "nostore")
	for _, path := range []string{"/", "/protected", "/notes", "/account"} {
		r := c.get(path)
		if r.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s, want 200", path, r.Status)
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(strings.ToLower(cc), "no-store") {
			t.Errorf("GET %s logged in: Cache-Control = %q, want no-store", path, cc)
		}
	}
}

// TestSessionCookieAttributesDev checks the session cookie of dev mode:
// HttpOnly, SameSite=Lax, Path=/, host-only.
func TestSessionCookieAttributesDev(t *testing.T) {
	a := sharedApp(t)
	c := a.newClient(t)
	email, pw := newEmail("cookie"), newPassword()
	r := c.postWithToken("/register", "/register", url.Values{"email": {email}, "password": {pw}, "password_confirm": {pw}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %s, want 303", r.Status)
	}
	c2 := a.newClient(t)
	r2 := c2.login(user{email, pw}, "", "remember", "on")
	if r2.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %s, want 303", r2.Status)
	}
	for _, rr := range []*resp{r, r2} {
		var found bool
		for _, ck := range rr.Cookies() {
			if ck.MaxAge < 0 {
				continue // a deletion
			}
			if ck.Name == "session" || ck.Name == "__Host-session" {
				found = true
				if len(ck.Value) < 22 {
					t.Errorf("%s: session id %q is shorter than 128 bits of base64", rr, ck.Value)
				}
			}
			checkCookie(t, rr, ck, false)
		}
		if !found {
			t.Errorf("%s: no session cookie set (Set-Cookie: %q)", rr, rr.Header.Values("Set-Cookie"))
		}
	}
}

// checkCookie checks one Set-Cookie; secure says Secure and the __Host-
// prefix are required.
func checkCookie(t *testing.T, r *resp, ck *http.Cookie, secure bool) {
	t.Helper()
	if !ck.HttpOnly {
		t.Errorf("%s: cookie %s is not HttpOnly", r, ck.Name)
	}
	if ck.SameSite != http.SameSiteLaxMode && ck.SameSite != http.SameSiteStrictMode {
		t.Errorf("%s: cookie %s has SameSite %v, want Lax (or Strict)", r, ck.Name, ck.SameSite)
	}
	if ck.Name == "session" || ck.Name == "__Host-session" {
		if ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("%s: session cookie has SameSite %v, want Lax", r, ck.SameSite)
		}
	}
	if ck.Path != "/" {
		t.Errorf("%s: cookie %s has Path %q, want /", r, ck.Name, ck.Path)
	}
	if ck.Domain != "" {
		t.Errorf("%s: cookie %s has Domain %q, want host-only", r, ck.Name, ck.Domain)
	}
	if secure {
		if !ck.Secure {
			t.Errorf("%s: cookie %s lacks Secure outside dev mode", r, ck.Name)
		}
		if !strings.HasPrefix(ck.Name, "__Host-") {
			t.Errorf("%s: cookie %s lacks the __Host- prefix outside dev mode", r, ck.Name)
		}
	}
}

// TestProductionOverTLS starts notes in production mode with a self-signed
// certificate: HSTS, Secure __Host- cookies, and the whole header set.
func TestProductionOverTLS(t *testing.T) {
	t.Parallel() // its own instance: runs beside the others
	a := startApp(t, appOptions{production: true})
	c := a.newClient(t)
	home := c.get("/")
	if home.StatusCode != http.StatusOK {
		t.Fatalf("GET / over TLS: %s", home.Status)
	}
	checkSecurityHeaders(t, home)
	hsts := home.Header.Get("Strict-Transport-Security")
	maxAge := -1
	for _, part := range strings.Split(hsts, ";") {
		part = strings.TrimSpace(part)
		if v, ok := strings.CutPrefix(strings.ToLower(part), "max-age="); ok {
			maxAge, _ = strconv.Atoi(strings.Trim(v, `"`))
		}
	}
	if maxAge < 31536000 || !strings.Contains(strings.ToLower(hsts), "includesubdomains") {
		t.Errorf("GET / over TLS: Strict-Transport-Security = %q, want max-age >= 1 year and includeSubDomains", hsts)
	}

	// HSTS and the header set on errors and API answers too; cookies set
	// before login (the pre-session) are Secure and __Host- as well.
	for _, rr := range []*resp{c.get("/no-such-page"), c.get("/api/me"), c.get("/login")} {
		checkSecurityHeaders(t, rr)
		if rr.Header.Get("Strict-Transport-Security") == "" {
			t.Errorf("%s over TLS: no HSTS", rr)
		}
		for _, ck := range rr.Cookies() {
			checkCookie(t, rr, ck, true)
		}
	}

	email, pw := newEmail("tls"), newPassword()
	r := c.postWithToken("/register", "/register", url.Values{"email": {email}, "password": {pw}, "password_confirm": {pw}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("register over TLS: %s, want 303\n%.600s", r.Status, r.body)
	}
	c2 := a.newClient(t)
	r2 := c2.login(user{email, pw}, "", "remember", "on")
	if r2.StatusCode != http.StatusSeeOther {
		t.Fatalf("login over TLS: %s, want 303", r2.Status)
	}
	for _, rr := range []*resp{r, r2} {
		var found bool
		for _, ck := range rr.Cookies() {
			if ck.Name == "__Host-session" && ck.MaxAge >= 0 {
				found = true
			}
			checkCookie(t, rr, ck, true)
		}
		if !found {
			t.Errorf("%s: no __Host-session cookie (Set-Cookie: %q)", rr, rr.Header.Values("Set-Cookie"))
		}
	}
	if !c2.loggedIn() {
		t.Errorf("over TLS: not logged in after login")
	}
	if p := c2.get("/protected"); !strings.Contains(strings.ToLower(p.Header.Get("Cache-Control")), "no-store") {
		t.Errorf("GET /protected over TLS: Cache-Control = %q, want no-store", p.Header.Get("Cache-Control"))
	}

	// The origin check knows the scheme: http://host is another origin.
	host := strings.TrimPrefix(a.base, "https://")
	if r := c2.postWithToken("/notes", "/notes", url.Values{"title": {"t"}, "body": {"b"}}, header("Origin", "http://"+host), noHeader("Sec-Fetch-Site")); r.StatusCode != http.StatusForbidden {
		t.Errorf("over TLS, a post with Origin http://%s: %s, want 403", host, r.Status)
	}

	// Logout deletes the __Host- cookies with the attributes they were
	// set with, or browsers keep them.
	lo := c2.postWithToken("/protected", "/logout", nil)
	if lo.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout over TLS: %s", lo.Status)
	}
	checkCookieDeleted(t, lo, "session", true)
	checkCookieDeleted(t, lo, "remember", true)
}
