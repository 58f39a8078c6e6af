package blackbox_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// csrfTarget is one unsafe request ready to send: who sends it, where,
// with what fields, and what a legitimate (accepted) answer looks like.
type csrfTarget struct {
	c        *client
	path     string
	tokPage  string
	vals     func() url.Values
	accepted func(*resp) bool
}

// on returns tg with its client reporting to t.
func (tg csrfTarget) on(t *testing.T) csrfTarget {
	tg.c = tg.c.on(t)
	return tg
}

func is(codes ...int) func(*resp) bool {
	return func(r *resp) bool {
		for _, c := range codes {
			if r.StatusCode == c {
				return true
			}
		}
		return false
	}
}

// csrfRoutes are the contract's unsafe HTML routes.
func csrfRoutes(a *app, known user) []struct {
	name  string
	setup func(t *testing.T) csrfTarget
} {
	return []struct {
		name  string
		setup func(t *testing.T) csrfTarget
	}{
		{"POST /register", func(t *testing.T) csrfTarget {
			return csrfTarget{c: a.newClient(t), path: "/register", tokPage: "/register",
				vals: func() url.Values {
					pw := newPassword()
					return url.Values{"email": {newEmail("csrf-reg")}, "password": {pw}, "password_confirm": {pw}}
				}, accepted: is(http.StatusSeeOther)}
		}},
		{"POST /login", func(t *testing.T) csrfTarget {
			return csrfTarget{c: a.newClient(t), path: "/login", tokPage: "/login",
				vals:     func() url.Values { return url.Values{"email": {known.email}, "password": {known.password}} },
				accepted: is(http.StatusSeeOther)}
		}},
		{"POST /logout", func(t *testing.T) csrfTarget {
			c, _ := a.newUser(t, "csrf-logout")
			return csrfTarget{c: c, path: "/logout", tokPage: "/protected",
				vals: func() url.Values { return url.Values{} }, accepted: is(http.StatusSeeOther)}
		}},
		{"POST /notes", func(t *testing.T) csrfTarget {
			c, _ := a.newUser(t, "csrf-notes")
			return csrfTarget{c: c, path: "/notes", tokPage: "/notes",
				vals:     func() url.Values { return url.Values{"title": {"csrf " + randHex(3)}, "body": {"b"}} },
				accepted: is(http.StatusSeeOther)}
		}},
		{"POST /account/password", func(t *testing.T) csrfTarget {
			c, u := a.newUser(t, "csrf-pw")
			return csrfTarget{c: c, path: "/account/password", tokPage: "/account",
				vals: func() url.Values {
					// A mismatched confirmation: an accepted request gets
					// past CSRF to validation (422) and changes nothing.
					return url.Values{"current_password": {u.password}, "new_password": {"x-" + randHex(8)}, "new_password_confirm": {"y-" + randHex(8)}}
				},
				accepted: is(http.StatusUnprocessableEntity)}
		}},
		{"POST /account/sessions/{id}/revoke", func(t *testing.T) csrfTarget {
			c, u := a.newUser(t, "csrf-revoke")
			before := revokeForms(t, c.get("/account"))
			victim := a.newClient(t)
			victim.mustLogin(u)
			var id string
			for k := range revokeForms(t, c.get("/account")) {
				if _, ok := before[k]; !ok {
					id = k
				}
			}
			if id == "" {
				t.Fatal("cannot find the second session's id on /account")
			}
			return csrfTarget{c: c, path: "/account/sessions/" + id + "/revoke", tokPage: "/account",
				vals: func() url.Values { return url.Values{} }, accepted: func(r *resp) bool { return r.StatusCode < 400 }}
		}},
	}
}

// TestCSRF: every unsafe HTML route refuses a missing, foreign, tampered
// or truncated token and every cross-origin signal with 403, and accepts a
// valid token from the same origin (field or header).
func TestCSRF(t *testing.T) {
	a := sharedApp(t)
	other, _ := a.newUser(t, "csrf-other")
	_, known := a.newUser(t, "csrf-login")
	host := strings.TrimPrefix(strings.TrimPrefix(a.base, "http://"), "https://")

	type sendFn func(t *testing.T, tg csrfTarget) *resp
	withToken := func(opts ...reqOpt) sendFn {
		return func(t *testing.T, tg csrfTarget) *resp {
			v := tg.vals()
			v.Set("csrf_token", tg.c.token(tg.tokPage))
			return tg.c.post(tg.path, v, opts...)
		}
	}
	withTokenValue := func(f func(tok string) string) sendFn {
		return func(t *testing.T, tg csrfTarget) *resp {
			v := tg.vals()
			v.Set("csrf_token", f(tg.c.token(tg.tokPage)))
			return tg.c.post(tg.path, v)
		}
	}
	attacks := []struct {
		name string
		send sendFn
	}{
		{"no token", func(t *testing.T, tg csrfTarget) *resp { return tg.c.post(tg.path, tg.vals()) }},
		{"empty token", withTokenValue(func(string) string { return "" })},
		{"token from another session", withTokenValue(func(string) string { return other.token("/notes") })},
		{"tampered token", withTokenValue(func(s string) string {
			b := []byte(s)
			i := len(b) / 2
			if b[i] == 'A' {
				b[i] = 'B'
			} else {
				b[i] = 'A'
			}
			return string(b)
		})},
		{"truncated token", withTokenValue(func(s string) string { return s[:len(s)/2] })},
		{"token plus garbage", withTokenValue(func(s string) string { return s + "AAAA" })},
		{"cross-site Origin and Sec-Fetch-Site", withToken(crossSite())},
		{"Sec-Fetch-Site cross-site only", withToken(noHeader("Origin"), header("Sec-Fetch-Site", "cross-site"))},
		{"Sec-Fetch-Site same-site", withToken(header("Sec-Fetch-Site", "same-site"), header("Origin", "http://sibling.example"))},
		{"Origin evil, no Sec-Fetch-Site", withToken(noHeader("Sec-Fetch-Site"), header("Origin", "https://evil.example"))},
		{"Origin null", withToken(noHeader("Sec-Fetch-Site"), header("Origin", "null"))},
		{"Origin with userinfo", withToken(noHeader("Sec-Fetch-Site"), header("Origin", "http://evil.example@"+host))},
		{"Origin with other scheme", withToken(noHeader("Sec-Fetch-Site"), header("Origin", "https://"+host))},
		{"Origin with other port", withToken(noHeader("Sec-Fetch-Site"), header("Origin", "http://127.0.0.1:1"))},
		{"two Origin headers, one evil", withToken(noHeader("Sec-Fetch-Site"), func(r *http.Request) {
			r.Header["Origin"] = []string{r.Header.Get("Origin"), "https://evil.example"}
		})},
		{"two Sec-Fetch-Site headers, one cross-site", withToken(noHeader("Origin"), func(r *http.Request) {
			r.Header["Sec-Fetch-Site"] = []string{"same-origin", "cross-site"}
		})},
		{"Referer only, cross-site", withToken(noHeader("Sec-Fetch-Site"), noHeader("Origin"), header("Referer", "https://evil.example/page"))},
		{"token in the query string only", func(t *testing.T, tg csrfTarget) *resp {
			return tg.c.post(tg.path+"?csrf_token="+url.QueryEscape(tg.c.token(tg.tokPage)), tg.vals())
		}},
		{"method override query", func(t *testing.T, tg csrfTarget) *resp { return tg.c.post(tg.path+"?_method=GET", tg.vals()) }},
		{"method override header", func(t *testing.T, tg csrfTarget) *resp {
			return tg.c.post(tg.path, tg.vals(), header("X-HTTP-Method-Override", "GET"), header("X-Method-Override", "GET"))
		}},
		{"method override field", func(t *testing.T, tg csrfTarget) *resp {
			v := tg.vals()
			v.Set("_method", "GET")
			return tg.c.post(tg.path, v)
		}},
	}
	oks := []struct {
		name string
		send sendFn
	}{
		{"valid token, same origin", withToken()},
		{"valid token in X-CSRF-Token header", func(t *testing.T, tg csrfTarget) *resp {
			return tg.c.post(tg.path, tg.vals(), header("X-CSRF-Token", tg.c.token(tg.tokPage)))
		}},
	}

	for _, rt := range csrfRoutes(a, known) {
		t.Run(rt.name, func(t *testing.T) {
			tg := rt.setup(t)
			for _, at := range attacks {
				t.Run(at.name, func(t *testing.T) {
					if r := at.send(t, tg.on(t)); r.StatusCode != http.StatusForbidden {
						t.Errorf("%s: %s, want 403", r, r.Status)
						// The request went through and may have ended the
						// session: start the next row afresh.
						tg = rt.setup(t)
					}
				})
			}
			for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
				t.Run(m+" without a token", func(t *testing.T) {
					c := tg.c.on(t)
					req := c.newRequest(m, tg.path, strings.NewReader(tg.vals().Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					if r := c.send(req); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusMethodNotAllowed {
						t.Errorf("%s: %s, want 403 or 405", r, r.Status)
					}
				})
			}
			t.Run("text/plain body", func(t *testing.T) {
				v := tg.vals()
				v.Set("csrf_token", tg.c.token(tg.tokPage))
				r := tg.c.postRaw(tg.path, "text/plain", v.Encode())
				if r.StatusCode < 400 || r.StatusCode >= 500 {
					t.Errorf("%s: %s, want 4xx: a text/plain post (no preflight) must not be accepted", r, r.Status)
				}
			})
			for _, ok := range oks {
				t.Run(ok.name, func(t *testing.T) {
					tg := rt.setup(t) // a fresh state: accepted requests may end the session
					if r := ok.send(t, tg); !tg.accepted(r) {
						t.Errorf("%s: %s, a legitimate request was not accepted\n%.400s", r, r.Status, r.body)
					}
				})
			}
		})
	}
}

// TestCSRFRejectionLogged: a rejection is a malicious_csrf security event
// with its reason in the server log (the client gets only a short reason).
func TestCSRFRejectionLogged(t *testing.T) {
	a := sharedApp(t)
	c := a.newClient(t)
	c.token("/login")
	mark := a.out.Len()
	r := c.post("/login", url.Values{"email": {"x@example.com"}, "password": {"y"}}, crossSite())
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site login post: %s, want 403", r.Status)
	}
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(a.out.String()[mark:], "malicious_csrf") {
		if time.Now().After(deadline) {
			t.Fatalf("no malicious_csrf event in the server log after a 403")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBearerDoesNotBypassCSRF: an HTML route is not opened to a request
// that brings a bearer token and no session or CSRF token.
func TestBearerDoesNotBypassCSRF(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "bearer-html")
	tok := a.apiClient(t).mustAPIToken(u).Access
	c := a.newClient(t)
	r := c.post("/notes", url.Values{"title": {"via bearer"}, "body": {"b"}}, bearer(tok))
	if r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /notes with only a bearer token: %s, want 403 (or a redirect to login)", r.Status)
	}
	if r.StatusCode == http.StatusSeeOther && r.Header.Get("Location") == "/notes" {
		t.Errorf("POST /notes with only a bearer token created a note")
	}
	if g := c.get("/protected", bearer(tok)); g.StatusCode == http.StatusOK {
		t.Errorf("GET /protected with only a bearer token: 200; HTML pages must use the session")
	}
}

// TestCSRFTokenRotatesAtLogin: a token issued before login no longer works
// after it, and a token from before logout is dead after it.
func TestCSRFTokenRotatesAtLogin(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "rotate")
	c := a.newClient(t)
	pre := c.token("/login")
	c.mustLogin(u)
	r := c.post("/notes", url.Values{"title": {"t"}, "body": {"b"}, "csrf_token": {pre}})
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("POST /notes with the pre-login token: %s, want 403", r.Status)
	}
	loggedInTok := c.token("/notes")
	if r := c.postWithToken("/protected", "/logout", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %s", r.Status)
	}
	c.mustLogin(u)
	r = c.post("/notes", url.Values{"title": {"t"}, "body": {"b"}, "csrf_token": {loggedInTok}})
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("POST /notes with a token from the previous session: %s, want 403", r.Status)
	}
}

// TestCSRFTokenMasked: the token differs on every response (BREACH).
func TestCSRFTokenMasked(t *testing.T) {
	a := sharedApp(t)
	c := a.newClient(t)
	t1, t2 := c.token("/login"), c.token("/login")
	if t1 == t2 {
		t.Errorf("the CSRF token is the same on two responses (%q): not masked per response", t1)
	}
	if len(t1) < 32 {
		t.Errorf("the CSRF token %q is shorter than 32 characters", t1)
	}
}
