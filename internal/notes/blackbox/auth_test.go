package blackbox_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// TestRegisterForm: GET /register has the contract's fields.
func TestRegisterForm(t *testing.T) {
	a := sharedApp(t)
	r := a.newClient(t).get("/register")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /register: %s", r.Status)
	}
	f := formWith(t, r, "email", "password", "password_confirm", "csrf_token")
	if m := strings.ToUpper(f.method); m != "POST" {
		t.Errorf("register form method = %q, want POST", f.method)
	}
	for _, name := range []string{"password", "password_confirm"} {
		if typ, _ := attr(input(r.html(t), name), "type"); typ != "password" {
			t.Errorf("register field %s has type %q, want password", name, typ)
		}
	}
}

// TestRegister covers POST /register: success logs in, failures are 422
// with per-field errors, the email kept (escaped) and the password never
// echoed.
func TestRegister(t *testing.T) {
	a := sharedApp(t)

	t.Run("ok", func(t *testing.T) {
		c := a.newClient(t)
		email, pw := newEmail("reg"), newPassword()
		tok := c.token("/register")
		before := c.sessionCookie()
		r := c.post("/register", url.Values{"email": {email}, "password": {pw}, "password_confirm": {pw}, "csrf_token": {tok}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Fatalf("register: %s Location %q, want 303 to /", r.Status, r.Header.Get("Location"))
		}
		if after := c.sessionCookie(); before != nil && after != nil && before.Value == after.Value {
			t.Errorf("the session id did not change when registration logged the user in (fixation)")
		}
		p := c.get("/protected")
		if p.StatusCode != http.StatusOK || !strings.Contains(textOf(p.html(t)), email) {
			t.Errorf("after register, GET /protected: %s, want 200 showing %s", p.Status, email)
		}
	})

	taken := newEmail("taken")
	a.newClient(t).register(taken, newPassword())
	// The same address in two Unicode forms looks identical everywhere it
	// is shown: NFC (precomposed é) registered, NFD (e + combining acute)
	// must count as taken, as the upper-case spelling does.
	takenNFC := "jos\u00e9-" + randHex(4) + "@example.com"
	takenNFD := strings.Replace(takenNFC, "\u00e9", "e\u0301", 1)
	a.newClient(t).register(takenNFC, newPassword())

	strong := newPassword()
	cases := []struct {
		name, email, pw, confirm string
		badField                 string // the field that must be marked invalid
	}{
		{"empty email", "", strong, strong, "email"},
		{"not an email", "not-an-email", strong, strong, "email"},
		{"script in email", `<script>alert(1)</script>@example.com`, strong, strong, "email"},
		{"attribute breakout in email", `"><img src=x onerror=alert(1)>@example.com`, strong, strong, "email"},
		{"overlong email", strings.Repeat("a", 300) + "@example.com", strong, strong, "email"},
		// Invisible format characters make an address display exactly like
		// another user's (or reversed): an account that impersonates.
		{"zero-width space in email", strings.Replace(taken, "@", "\u200b@", 1), strong, strong, "email"},
		{"soft hyphen in email", strings.Replace(taken, "-", "\u00ad-", 1), strong, strong, "email"},
		{"right-to-left override in email", "\u202e" + taken, strong, strong, "email"},
		{"empty password", newEmail("reg"), "", "", "password"},
		{"short password", newEmail("reg"), "Ab3$xy7", "Ab3$xy7", "password"},
		{"common password", newEmail("reg"), "password123", "password123", "password"},
		{"confirmation mismatch", newEmail("reg"), strong, strong + "x", "password_confirm"},
		{"duplicate email", taken, strong, strong, ""}, // field or form error: the wording is checked below
		{"duplicate email in other case", strings.ToUpper(taken[:1]) + taken[1:], strong, strong, ""},
		{"duplicate email in another Unicode form (NFD)", takenNFD, strong, strong, ""},
	}
	bodies := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := a.newClient(t)
			r := c.postWithToken("/register", "/register", url.Values{
				"email": {tc.email}, "password": {tc.pw}, "password_confirm": {tc.confirm},
			})
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("register %q: %s, want 422\n%.600s", tc.email, r.Status, r.body)
			}
			doc := r.html(t)
			f := formWith(t, r, "email", "password", "password_confirm", "csrf_token")
			if got := f.fields.Get("email"); got != tc.email && strings.TrimSpace(got) != strings.TrimSpace(tc.email) {
				t.Errorf("email field = %q, want the submitted %q kept", got, tc.email)
			}
			if strings.Contains(r.body, "<script>alert(1)") || strings.Contains(r.body, "<img src=x") {
				t.Errorf("the submitted email is reflected unescaped")
			}
			checkNoActiveContent(t, "register 422", doc)
			if tc.pw != "" {
				if strings.Contains(r.body, tc.pw) {
					t.Errorf("the password is echoed in the 422 page")
				}
				for _, n := range []string{"password", "password_confirm"} {
					if v := f.fields.Get(n); v != "" {
						t.Errorf("field %s re-rendered with value %q", n, v)
					}
				}
			}
			if tc.badField == "" {
				if !hasAnyError(doc) {
					t.Errorf("the 422 page shows no error message")
				}
			} else if in := input(doc, tc.badField); in == nil {
				t.Errorf("no %s field", tc.badField)
			} else if v, _ := attr(in, "aria-invalid"); v != "true" {
				t.Errorf("field %s is not marked invalid (aria-invalid=%q): no per-field error", tc.badField, v)
			} else if !hasFieldMessage(doc, in) {
				t.Errorf("field %s has no error message attached (aria-describedby)", tc.badField)
			}
			if c.loggedIn() {
				t.Errorf("a failed registration logged the client in")
			}
			bodies[tc.name] = r.body
		})
	}

	t.Run("long password is not truncated", func(t *testing.T) {
		c := a.newClient(t)
		long := newPassword() + strings.Repeat("x", 90)
		u := c.register(newEmail("long"), long)
		if r := a.newClient(t).login(user{u.email, long[:72]}, ""); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("login with the first 72 characters of a %d-character password: %s, want 401 (truncation)", len(long), r.Status)
		}
		a.newClient(t).mustLogin(u)
	})

	t.Run("password is Unicode-normalized", func(t *testing.T) {
		c := a.newClient(t)
		nfc := "P\u00e4ssw\u00f6rd-" + randHex(6) // precomposed ä, ö
		nfd := "Pa\u0308ssw\u006f\u0308rd-" + nfc[len(nfc)-12:]
		u := c.register(newEmail("nfc"), nfc)
		if r := a.newClient(t).login(user{u.email, nfd}, ""); r.StatusCode != http.StatusSeeOther {
			t.Errorf("login with the NFD form of an NFC password: %s, want 303", r.Status)
		}
	})

	t.Run("duplicate email says nothing about the account", func(t *testing.T) {
		dup, ok := bodies["duplicate email"]
		if !ok {
			t.Fatal("the duplicate-email case did not produce a page")
		}
		msg := strings.ToLower(visibleMessages(t, dup))
		for _, w := range []string{"already", "exists", "taken", "in use", "registered", "duplicate"} {
			if strings.Contains(msg, w) {
				t.Errorf("the duplicate-email page says %q, telling an attacker the account exists: %q", w, msg)
			}
		}
	})
}

// hasFieldMessage reports whether in's aria-describedby names an element
// with text.
func hasFieldMessage(doc, in *html.Node) bool {
	ids, _ := attr(in, "aria-describedby")
	for _, id := range strings.Fields(ids) {
		for _, n := range findAll(doc, func(n *html.Node) bool { v, _ := attr(n, "id"); return v == id }) {
			if strings.TrimSpace(textOf(n)) != "" {
				return true
			}
		}
	}
	return false
}

// hasAnyError reports whether doc shows an error: a field marked invalid
// with its message, or an alert.
func hasAnyError(doc *html.Node) bool {
	for _, n := range findAll(doc, func(n *html.Node) bool { return true }) {
		if v, _ := attr(n, "aria-invalid"); v == "true" && hasFieldMessage(doc, n) {
			return true
		}
		if v, _ := attr(n, "role"); v == "alert" && strings.TrimSpace(textOf(n)) != "" {
			return true
		}
	}
	return false
}

// visibleMessages returns the page's text outside the form's inputs.
func visibleMessages(t *testing.T, body string) string {
	d, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return textOf(d)
}

// TestLoginForm: GET /login has the contract's fields and carries next
// over, escaped.
func TestLoginForm(t *testing.T) {
	a := sharedApp(t)
	c := a.newClient(t)
	r := c.get("/login?next=%2Fnotes")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: %s", r.Status)
	}
	f := formWith(t, r, "email", "password", "remember", "csrf_token", "next")
	if got := f.fields.Get("next"); got != "/notes" {
		t.Errorf("next field = %q, want /notes", got)
	}
	if typ, _ := attr(input(r.html(t), "remember"), "type"); typ != "checkbox" {
		t.Errorf("remember field type = %q, want checkbox", typ)
	}

	payload := `"><script>alert(1)</script><a href="javascript:alert(2)">`
	x := c.get("/login?next=" + url.QueryEscape(payload))
	if x.StatusCode != http.StatusOK {
		t.Fatalf("GET /login with a hostile next: %s, want 200", x.Status)
	}
	if strings.Contains(x.body, "<script>alert(1)") {
		t.Errorf("next is reflected unescaped into the login page")
	}
	checkNoActiveContent(t, "login page with hostile next", x.html(t))
}

// TestLoginRedirects: a safe local next is followed; every open-redirect
// payload lands on "/".
func TestLoginRedirects(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "next")
	cases := []struct{ next, want string }{
		{"", "/"},
		{"/notes", "/notes"},
		{"/protected", "/protected"},
		{"/notes?x=1", "/notes?x=1"},
		{"//evil.com", "/"},
		{"///evil.com", "/"},
		{`/\evil.com`, "/"},
		{`\\evil.com`, "/"},
		{`\/evil.com`, "/"},
		{"https:evil.com", "/"},
		{"https://evil.com", "/"},
		{"http://" + strings.TrimPrefix(a.base, "http://") + "@evil.com", "/"},
		{"%2F%2Fevil.com", "/"},
		{"/%2F/evil.com", "/"},
		{"/%09/evil.com", "/"},
		{"/\t/evil.com", "/"},
		{" //evil.com", "/"},
		{"/%5Cevil.com", "/"},
		{"javascript:alert(1)", "/"},
		{"JaVaScRiPt:alert(1)", "/"},
		{"data:text/html,<script>alert(1)</script>", "/"},
		{"evil.com", "/"},
		{"/notes\r\nSet-Cookie: injected=1", "/"},
		{"/notes\nLocation: https://evil.com", "/"},
		{"/\u2215\u2215evil.com", "/"},
		{"\u3002evil.com", "/"},
	}
	t.Run("logged-in visit to /login", func(t *testing.T) {
		c := a.newClient(t)
		c.mustLogin(u)
		for _, next := range []string{"//evil.com", `/\evil.com`, "https://evil.com"} {
			r := c.get("/login?next=" + url.QueryEscape(next))
			loc := r.Header.Get("Location")
			local := strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") && !strings.HasPrefix(loc, "/\\")
			if r.StatusCode >= 300 && r.StatusCode < 400 && !local {
				t.Errorf("logged-in GET /login?next=%s: %s to %q", next, r.Status, loc)
			}
		}
	})
	for _, tc := range cases {
		t.Run(strconv.Quote(tc.next), func(t *testing.T) {
			c := a.newClient(t)
			page := "/login"
			if tc.next != "" {
				page += "?next=" + url.QueryEscape(tc.next)
			}
			lp := c.get(page)
			f := formWith(t, lp, "email", "password", "csrf_token")
			r := c.submit(lp, f, url.Values{"email": {u.email}, "password": {u.password}})
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("login with next=%q: %s, want 303\n%.400s", tc.next, r.Status, r.body)
			}
			if loc := r.Header.Get("Location"); loc != tc.want {
				t.Errorf("login with next=%q: Location %q, want %q", tc.next, loc, tc.want)
			}
		})
	}
}

// TestLoginFixation: the session cookie changes at login, and the cookie
// held before login is not authenticated afterwards.
func TestLoginFixation(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "fix")

	t.Run("server-issued pre-login session", func(t *testing.T) {
		c := a.newClient(t)
		c.get("/login")
		before := c.sessionCookie()
		r := c.login(u, "")
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %s", r.Status)
		}
		after := c.sessionCookie()
		if after == nil {
			t.Fatal("no session cookie after login")
		}
		if before != nil && before.Value == after.Value {
			t.Fatalf("the session id did not change at login (fixation)")
		}
		if before != nil {
			old := a.newClient(t)
			old.setCookie(&http.Cookie{Name: before.Name, Value: before.Value})
			if old.loggedIn() {
				t.Errorf("the pre-login session id is authenticated after login (fixation)")
			}
		}
	})

	t.Run("logging in as another user", func(t *testing.T) {
		_, other := a.newUser(t, "fix-other")
		c := a.newClient(t)
		c.mustLogin(u)
		first := c.cloneCookies(t)
		c.mustLogin(other)
		if first.loggedIn() {
			t.Errorf("the first user's session id still works after the browser logged in as someone else")
		}
	})

	t.Run("attacker-planted cookie", func(t *testing.T) {
		c := a.newClient(t)
		planted := "attacker-chosen-" + randHex(16)
		c.setCookie(&http.Cookie{Name: "session", Value: planted})
		r := c.login(u, "")
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %s", r.Status)
		}
		if ck := c.sessionCookie(); ck == nil || ck.Value == planted {
			t.Fatalf("the planted session id survived login")
		}
		victim := a.newClient(t)
		victim.setCookie(&http.Cookie{Name: "session", Value: planted})
		if victim.loggedIn() {
			t.Errorf("the planted session id is authenticated")
		}
	})
}

// normalize removes what legitimately differs between two renderings of
// one page: tokens, nonces and the echoed email.
var tokenAttr = regexp.MustCompile(`\b(value|content|nonce)="[A-Za-z0-9_\-+/=.]{20,}"`)

func normalize(body string, echoed ...string) string {
	s := tokenAttr.ReplaceAllString(body, `$1="<X>"`)
	for _, e := range echoed {
		s = strings.ReplaceAll(s, e, "<ECHO>")
	}
	return s
}

// TestLoginBadCredentials: an unknown user and a wrong password get the
// same 401 page; neither logs in nor echoes the password.
func TestLoginBadCredentials(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "badcred")
	unknown := user{newEmail("ghost"), newPassword()}
	wrong := user{u.email, newPassword()}

	c1, c2 := a.newClient(t), a.newClient(t)
	r1 := c1.login(unknown, "")
	r2 := c2.login(wrong, "")
	for _, r := range []*resp{r1, r2} {
		if r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s, want 401\n%.400s", r, r.body)
		}
	}
	if strings.Contains(r1.body, unknown.password) || strings.Contains(r2.body, wrong.password) {
		t.Errorf("a 401 page echoes the password")
	}
	n1 := normalize(r1.body, unknown.email)
	n2 := normalize(r2.body, wrong.email)
	if n1 != n2 {
		t.Errorf("unknown user and wrong password give different pages (user enumeration):\nunknown: %.1500s\nwrong:   %.1500s", n1, n2)
	}
	for _, k := range []string{"Content-Type", "Retry-After", "Cache-Control"} {
		if r1.Header.Get(k) != r2.Header.Get(k) {
			t.Errorf("header %s differs: unknown %q, wrong password %q", k, r1.Header.Get(k), r2.Header.Get(k))
		}
	}
	if c1.loggedIn() || c2.loggedIn() {
		t.Errorf("a failed login logged in")
	}

	hostile := user{`"><script>alert(1)</script>@example.com`, newPassword()}
	r3 := a.newClient(t).login(hostile, "")
	if r3.StatusCode != http.StatusUnauthorized && r3.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("login with a hostile email: %s, want 401 (or 422)", r3.Status)
	}
	if strings.Contains(r3.body, "<script>alert(1)") {
		t.Errorf("the login failure page reflects the email unescaped")
	}
	checkNoActiveContent(t, "login failure page", r3.html(t))
}

// TestLoginThrottle: after repeated failures on one account the login
// answers 429 with Retry-After, also for the right password and for an
// account that does not exist (else throttling enumerates accounts).
// Its own instance keeps the failures out of the shared one's budget.
func TestLoginThrottle(t *testing.T) {
	t.Parallel() // its own instance: runs beside the others
	a := startApp(t, appOptions{})
	_, u := a.newUser(t, "throttle")
	for _, tc := range []struct {
		name   string
		target user
	}{
		{"existing account", u},
		{"unknown account", user{newEmail("nobody"), ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := a.newClient(t)
			var last *resp
			for i := 0; i < 12; i++ {
				last = cl.login(user{tc.target.email, newPassword()}, "")
				if last.StatusCode == http.StatusTooManyRequests {
					break
				}
				if last.StatusCode != http.StatusUnauthorized {
					t.Fatalf("attempt %d: %s, want 401 or 429", i+1, last.Status)
				}
			}
			if last.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("12 failed logins on one account never gave 429")
			}
			checkRetryAfter(t, last)
			if tc.target.password != "" {
				r := cl.login(tc.target, "")
				if r.StatusCode != http.StatusTooManyRequests {
					t.Errorf("right password while throttled: %s, want 429 (the check must come before the hash)", r.Status)
				}
				for _, variant := range []string{strings.ToUpper(tc.target.email), " " + tc.target.email + " "} {
					if v := cl.login(user{variant, newPassword()}, ""); v.StatusCode != http.StatusTooManyRequests {
						t.Errorf("while throttled, the same account spelled %q: %s, want 429", variant, v.Status)
					}
				}
				if v := cl.apiToken(user{tc.target.email, newPassword()}); v.StatusCode != http.StatusTooManyRequests {
					t.Errorf("while the HTML login is throttled, /api/token for the same account: %s, want 429 (one failure count per account)", v.Status)
				}
				// The delay is a delay, not a lockout: once it has passed
				// the right password works.
				if waitRetryAfter(t, r, 3) {
					if r := cl.login(tc.target, ""); r.StatusCode != http.StatusSeeOther {
						t.Errorf("right password after waiting Retry-After: %s, want 303", r.Status)
					}
				}
			}
		})
	}
}

// checkCookieDeleted asserts that r deletes cookie name (with the
// __Host- prefix when secure) repeating the attributes it was set with:
// browsers ignore a deletion of a __Host- cookie without Secure and Path=/.
func checkCookieDeleted(t *testing.T, r *resp, name string, secure bool) {
	t.Helper()
	if secure {
		name = "__Host-" + name
	}
	for _, ck := range r.Cookies() {
		if ck.Name != name {
			continue
		}
		if ck.MaxAge >= 0 && (ck.Expires.IsZero() || ck.Expires.After(time.Now())) {
			t.Errorf("%s: Set-Cookie %s does not expire the cookie", r, name)
		}
		checkCookie(t, r, ck, secure)
		return
	}
	t.Errorf("%s: no Set-Cookie deleting %s (Set-Cookie: %q)", r, name, r.Header.Values("Set-Cookie"))
}

func checkRetryAfter(t *testing.T, r *resp) {
	t.Helper()
	ra := r.Header.Get("Retry-After")
	if n, err := strconv.Atoi(ra); err != nil || n <= 0 {
		t.Errorf("%s: Retry-After = %q, want a positive number of seconds", r, ra)
	}
}

// TestLogout: POST /logout is 303 to / and the old cookie is anonymous
// afterwards; GET /logout does not log out (no CSRF by link).
func TestLogout(t *testing.T) {
	a := sharedApp(t)
	c, _ := a.newUser(t, "logout")
	if g := c.get("/logout"); g.StatusCode < 400 && g.StatusCode != http.StatusNotFound {
		if !c.loggedIn() {
			t.Errorf("GET /logout (%s) logged the user out: a link or <img> can log users out", g.Status)
		}
	}
	if !c.loggedIn() {
		t.Fatal("not logged in before logout")
	}
	stolen := c.cloneCookies(t)
	r := c.postWithToken("/protected", "/logout", nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("POST /logout: %s Location %q, want 303 to /", r.Status, r.Header.Get("Location"))
	}
	checkCookieDeleted(t, r, "session", false)
	if c.loggedIn() {
		t.Errorf("still logged in after logout")
	}
	if stolen.loggedIn() {
		t.Errorf("replaying the pre-logout cookie is still logged in: the session was not destroyed server-side")
	}
}

// TestProtected: anonymous is sent to login with next; logged in sees its
// email, escaped.
func TestProtected(t *testing.T) {
	a := sharedApp(t)
	r := a.newClient(t).get("/protected")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Fprotected" {
		t.Errorf("anonymous GET /protected: %s Location %q, want 303 to /login?next=%%2Fprotected", r.Status, r.Header.Get("Location"))
	}
	c, u := a.newUser(t, "prot")
	p := c.get("/protected")
	if p.StatusCode != http.StatusOK || !strings.Contains(textOf(p.html(t)), u.email) {
		t.Errorf("logged-in GET /protected: %s, want 200 showing %s", p.Status, u.email)
	}

	// An address with HTML-special characters (legal in the local part).
	odd := "o'neil&co+" + randHex(3) + "@example.com"
	c2 := a.newClient(t)
	pw := newPassword()
	rr := c2.postWithToken("/register", "/register", url.Values{"email": {odd}, "password": {pw}, "password_confirm": {pw}})
	switch rr.StatusCode {
	case http.StatusSeeOther:
		p2 := c2.get("/protected")
		if p2.StatusCode != http.StatusOK || !strings.Contains(textOf(p2.html(t)), odd) {
			t.Errorf("GET /protected for %q: %s, want 200 showing the address", odd, p2.Status)
		}
		if strings.Contains(p2.body, "o'neil&co") {
			t.Errorf("GET /protected shows the email unescaped")
		}
	case http.StatusUnprocessableEntity:
		t.Logf("the app refuses %q at registration (allowed); checking the escaping there", odd)
		if strings.Contains(rr.body, "o'neil&co") {
			t.Errorf("the 422 page shows the email unescaped")
		}
	default:
		t.Errorf("register %q: %s, want 303 or 422", odd, rr.Status)
	}
}

// TestRememberMe: a remember-me login survives the loss of the session
// cookie, and logout revokes the remember-me cookie too.
func TestRememberMe(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "remember")
	c := a.newClient(t)
	if r := c.login(u, "", "remember", "on"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with remember: %s", r.Status)
	}
	sess := c.sessionCookie()
	if sess == nil {
		t.Fatal("no session cookie")
	}
	// The browser restarts: only the persistent cookies remain.
	restarted := a.newClient(t)
	u2, _ := url.Parse(a.base + "/")
	var kept []*http.Cookie
	for _, ck := range c.hc.Jar.Cookies(u2) {
		if ck.Name != sess.Name {
			kept = append(kept, ck)
		}
	}
	if len(kept) == 0 {
		t.Fatal("login with remember set no cookie besides the session")
	}
	restarted.hc.Jar.SetCookies(u2, kept)
	if !restarted.loggedIn() {
		t.Fatal("the remember-me cookie alone does not log in")
	}
	// The remember-me cookies as they are now (rotated on use), without
	// the session: what a thief copying the cookie jar would hold.
	beforeLogout := a.newClient(t)
	for _, ck := range restarted.hc.Jar.Cookies(u2) {
		if ck.Name != sess.Name {
			beforeLogout.setCookie(ck)
		}
	}
	if r := restarted.postWithToken("/protected", "/logout", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %s", r.Status)
	}
	if beforeLogout.loggedIn() {
		t.Errorf("the remember-me cookie still logs in after logout")
	}
}
