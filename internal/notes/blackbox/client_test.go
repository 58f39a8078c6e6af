package blackbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// client is one browser-like user agent: its own cookie jar, no automatic
// redirects (tests assert each 303), and the fetch metadata and Origin a
// browser sends with a same-origin form post.
type client struct {
	t  *testing.T
	a  *app
	hc *http.Client
	ua string
}

func (a *app) newClient(t *testing.T) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, a: a, ua: "blackbox-test/1.0", hc: &http.Client{
		Jar:           jar,
		Timeout:       15 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: a.tlsConf, MaxResponseHeaderBytes: 1 << 20},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// on returns c reporting to t: a client made in a parent test must not
// call FailNow on the parent from a subtest.
func (c *client) on(t *testing.T) *client {
	cc := *c
	cc.t = t
	return &cc
}

// resp is a fully read response.
type resp struct {
	*http.Response
	body string
	doc  *html.Node
}

func (r *resp) html(t *testing.T) *html.Node {
	t.Helper()
	if r.doc == nil {
		d, err := html.Parse(strings.NewReader(r.body))
		if err != nil {
			t.Fatalf("parsing HTML of %s %s: %v", r.Request.Method, r.Request.URL, err)
		}
		r.doc = d
	}
	return r.doc
}

func (r *resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v\n%.500s", r.Request.Method, r.Request.URL.Path, err, r.body)
	}
	return m
}

func (r *resp) String() string {
	return r.Request.Method + " " + r.Request.URL.RequestURI() + " -> " + r.Status
}

// reqOpt adjusts a request before it is sent.
type reqOpt func(*http.Request)

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }
func noHeader(k string) reqOpt  { return func(r *http.Request) { r.Header.Del(k) } }
func bearer(tok string) reqOpt  { return header("Authorization", "Bearer "+tok) }

// crossSite makes the request look like a form post from another site.
func crossSite() reqOpt {
	return func(r *http.Request) {
		r.Header.Set("Origin", "https://evil.example")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
	}
}

func (c *client) url(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return c.a.base + path
}

func (c *client) newRequest(method, path string, body io.Reader) *http.Request {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url(path), body)
	if err != nil {
		c.t.Fatalf("new request %s %s: %v", method, path, err)
	}
	req.Header.Set("User-Agent", c.ua)
	if method != http.MethodGet && method != http.MethodHead {
		// What a browser sends with a same-origin form submission.
		req.Header.Set("Origin", c.a.base)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Sec-Fetch-Mode", "navigate")
	}
	return req
}

func (c *client) send(req *http.Request, opts ...reqOpt) *resp {
	c.t.Helper()
	for _, o := range opts {
		o(req)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		c.t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	return &resp{Response: res, body: string(b)}
}

func (c *client) do(method, path string, body io.Reader, opts ...reqOpt) *resp {
	c.t.Helper()
	return c.send(c.newRequest(method, path, body), opts...)
}

func (c *client) get(path string, opts ...reqOpt) *resp {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, opts...)
}

// post sends vals urlencoded, as a same-origin form post.
func (c *client) post(path string, vals url.Values, opts ...reqOpt) *resp {
	c.t.Helper()
	req := c.newRequest(http.MethodPost, path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.send(req, opts...)
}

// postRaw sends body with the given content type.
func (c *client) postRaw(path, contentType, body string, opts ...reqOpt) *resp {
	c.t.Helper()
	req := c.newRequest(http.MethodPost, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.send(req, opts...)
}

// postJSON sends v (a string is sent verbatim) as application/json,
// without the browser headers: API clients are not browsers.
func (c *client) postJSON(path string, v any, opts ...reqOpt) *resp {
	c.t.Helper()
	var body []byte
	if s, ok := v.(string); ok {
		body = []byte(s)
	} else {
		var err error
		if body, err = json.Marshal(v); err != nil {
			c.t.Fatal(err)
		}
	}
	req := c.newRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Del("Origin")
	req.Header.Del("Sec-Fetch-Site")
	req.Header.Del("Sec-Fetch-Mode")
	req.Header.Set("Content-Type", "application/json")
	return c.send(req, opts...)
}

// token returns a CSRF token from the page at path (GET).
func (c *client) token(path string) string {
	c.t.Helper()
	r := c.get(path)
	tok := csrfToken(r.html(c.t))
	if tok == "" {
		c.t.Fatalf("GET %s (%s): no csrf_token field in the page", path, r.Status)
	}
	return tok
}

// postWithToken posts vals plus a fresh token from tokenPage.
func (c *client) postWithToken(tokenPage, path string, vals url.Values, opts ...reqOpt) *resp {
	c.t.Helper()
	v := url.Values{}
	for k, vs := range vals {
		v[k] = vs
	}
	v.Set("csrf_token", c.token(tokenPage))
	return c.post(path, v, opts...)
}

func (c *client) cookie(name string) *http.Cookie {
	u, _ := url.Parse(c.a.base + "/")
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// sessionCookie is the session cookie in the jar ("session" in dev mode,
// "__Host-session" outside it), or nil.
func (c *client) sessionCookie() *http.Cookie {
	if ck := c.cookie("__Host-session"); ck != nil {
		return ck
	}
	return c.cookie("session")
}

func (c *client) setCookie(ck *http.Cookie) {
	u, _ := url.Parse(c.a.base + "/")
	c.hc.Jar.SetCookies(u, []*http.Cookie{ck})
}

// cloneCookies returns a new client holding a copy of c's cookies: the
// same browser state, replayed.
func (c *client) cloneCookies(t *testing.T) *client {
	n := c.a.newClient(t)
	u, _ := url.Parse(c.a.base + "/")
	n.hc.Jar.SetCookies(u, c.hc.Jar.Cookies(u))
	return n
}

// ---- accounts ----

var seq atomic.Int64

// newEmail returns an address no other test uses.
func newEmail(tag string) string {
	return tag + "-" + randHex(4) + "-" + strconv.FormatInt(seq.Add(1), 10) + "@example.com"
}

// newPassword returns a strong password that appears in no common list.
func newPassword() string { return "bb-Pw-" + randHex(8) }

// user is a registered account.
type user struct {
	email, password string
}

// register creates an account through the form and asserts the contract's
// success: 303 to "/" and logged in. The client stays logged in.
func (c *client) register(email, password string) user {
	c.t.Helper()
	r := c.postWithToken("/register", "/register", url.Values{
		"email": {email}, "password": {password}, "password_confirm": {password},
	})
	if r.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("register %s: got %s, want 303\n%.800s", email, r.Status, r.body)
	}
	return user{email, password}
}

// newUser registers a fresh account on a new client, which is returned
// logged in.
func (a *app) newUser(t *testing.T, tag string) (*client, user) {
	t.Helper()
	c := a.newClient(t)
	u := c.register(newEmail(tag), newPassword())
	return c, u
}

// login posts the login form (with next when not empty) and returns the
// response without asserting it.
func (c *client) login(u user, next string, extra ...string) *resp {
	c.t.Helper()
	page := "/login"
	if next != "" {
		page += "?next=" + url.QueryEscape(next)
	}
	v := url.Values{"email": {u.email}, "password": {u.password}}
	if next != "" {
		v.Set("next", next)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return c.postWithToken(page, "/login", v)
}

// mustLogin logs in and asserts the 303.
func (c *client) mustLogin(u user) {
	c.t.Helper()
	if r := c.login(u, ""); r.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login %s: got %s, want 303\n%.800s", u.email, r.Status, r.body)
	}
}

// loggedIn reports whether GET /protected answers 200.
func (c *client) loggedIn() bool {
	c.t.Helper()
	r := c.get("/protected")
	switch r.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusSeeOther, http.StatusFound:
		return false
	}
	c.t.Fatalf("GET /protected: unexpected %s", r.Status)
	return false
}

// ---- HTML helpers ----

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val, true
		}
	}
	return "", false
}

func findAll(n *html.Node, pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && pred(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byTag(a atom.Atom) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.DataAtom == a }
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// input returns the first input/textarea named name.
func input(doc *html.Node, name string) *html.Node {
	for _, n := range findAll(doc, func(n *html.Node) bool {
		return n.DataAtom == atom.Input || n.DataAtom == atom.Textarea || n.DataAtom == atom.Select
	}) {
		if v, _ := attr(n, "name"); v == name {
			return n
		}
	}
	return nil
}

func inputValue(n *html.Node) string {
	if n.DataAtom == atom.Textarea {
		return textOf(n)
	}
	v, _ := attr(n, "value")
	return v
}

func csrfToken(doc *html.Node) string {
	if n := input(doc, "csrf_token"); n != nil {
		return inputValue(n)
	}
	return ""
}

// htmlForm is a parsed <form>.
type htmlForm struct {
	action, method string
	fields         url.Values
	names          []string
	node           *html.Node
}

func forms(doc *html.Node) []htmlForm {
	var out []htmlForm
	for _, f := range findAll(doc, byTag(atom.Form)) {
		hf := htmlForm{fields: url.Values{}, node: f}
		hf.action, _ = attr(f, "action")
		hf.method, _ = attr(f, "method")
		for _, in := range findAll(f, func(n *html.Node) bool {
			return n.DataAtom == atom.Input || n.DataAtom == atom.Textarea || n.DataAtom == atom.Select || n.DataAtom == atom.Button
		}) {
			name, ok := attr(in, "name")
			if !ok || name == "" {
				continue
			}
			hf.names = append(hf.names, name)
			typ, _ := attr(in, "type")
			if in.DataAtom == atom.Button {
				continue
			}
			if (strings.EqualFold(typ, "checkbox") || strings.EqualFold(typ, "radio")) && !hasAttr(in, "checked") {
				continue
			}
			hf.fields.Add(name, inputValue(in))
		}
		out = append(out, hf)
	}
	return out
}

func hasAttr(n *html.Node, key string) bool { _, ok := attr(n, key); return ok }

func (f htmlForm) has(name string) bool {
	for _, n := range f.names {
		if n == name {
			return true
		}
	}
	return false
}

// formWith returns the first form that has every named field.
func formWith(t *testing.T, r *resp, names ...string) htmlForm {
	t.Helper()
	for _, f := range forms(r.html(t)) {
		ok := true
		for _, n := range names {
			ok = ok && f.has(n)
		}
		if ok {
			return f
		}
	}
	t.Fatalf("%s: no form with fields %v", r, names)
	return htmlForm{}
}

// submit posts form f from page r with overrides applied, as a browser
// would: the action resolved against the page URL.
func (c *client) submit(r *resp, f htmlForm, overrides url.Values, opts ...reqOpt) *resp {
	c.t.Helper()
	v := url.Values{}
	for k, vs := range f.fields {
		v[k] = append([]string(nil), vs...)
	}
	for k, vs := range overrides {
		v[k] = vs
	}
	action, err := r.Request.URL.Parse(f.action)
	if err != nil {
		c.t.Fatalf("bad form action %q: %v", f.action, err)
	}
	return c.post(action.String(), v, opts...)
}

// scripts returns every <script> element.
func scripts(doc *html.Node) []*html.Node { return findAll(doc, byTag(atom.Script)) }
