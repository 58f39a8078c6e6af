package blackbox_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html/atom"
)

var revokeAction = regexp.MustCompile(`^/account/sessions/([^/]+)/revoke$`)

// revokeForms returns the revoke forms of an /account page by session id.
func revokeForms(t *testing.T, r *resp) map[string]htmlForm {
	t.Helper()
	out := map[string]htmlForm{}
	for _, f := range forms(r.html(t)) {
		if m := revokeAction.FindStringSubmatch(f.action); m != nil {
			out[m[1]] = f
		}
	}
	return out
}

// TestAccountSessions: /account lists the user's sessions with a revoke
// form each; revoking ends that session only; another user's id is 404.
func TestAccountSessions(t *testing.T) {
	a := sharedApp(t)
	if r := a.newClient(t).get("/account"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Faccount" {
		t.Errorf("anonymous GET /account: %s Location %q, want 303 to /login?next=%%2Faccount", r.Status, r.Header.Get("Location"))
	}

	c1, u := a.newUser(t, "acct")
	c2 := a.newClient(t)
	c2.ua = `device-two <img src=x onerror=alert(1)>`
	c2.mustLogin(u)

	page := c1.get("/account")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET /account: %s", page.Status)
	}
	checkNoActiveContent(t, "GET /account", page.html(t))
	if strings.Contains(page.body, "<img src=x onerror") {
		t.Errorf("/account shows a session's user agent unescaped")
	}
	if !strings.Contains(textOf(page.html(t)), "device-two") {
		t.Logf("/account does not show the raw user agent (it may show a device name instead)")
	}
	before := revokeForms(t, page)
	if len(before) < 2 {
		t.Fatalf("/account lists %d revoke forms, want one per session (2)", len(before))
	}
	for id, f := range before {
		if !f.has("csrf_token") {
			t.Errorf("revoke form for %s has no csrf_token", id)
		}
		if !strings.EqualFold(f.method, "post") {
			t.Errorf("revoke form for %s has method %q, want POST", id, f.method)
		}
	}

	c3 := a.newClient(t)
	c3.ua = "device-three"
	c3.mustLogin(u)
	page = c1.get("/account")
	after := revokeForms(t, page)
	var third string
	for id := range after {
		if _, ok := before[id]; !ok {
			third = id
		}
	}
	if third == "" || len(after) != len(before)+1 {
		t.Fatalf("after a third login /account lists %d sessions (was %d); cannot find the new one", len(after), len(before))
	}
	if g := c1.get("/account/sessions/" + third + "/revoke"); g.StatusCode < 400 {
		t.Errorf("GET of a revoke URL: %s, want 405 (a link must not revoke)", g.Status)
	}
	if !c3.loggedIn() {
		t.Fatalf("a GET of the revoke URL ended the session")
	}
	if n := len(findAll(page.html(t), byTag(atom.Time))); n < len(after) {
		t.Errorf("/account shows %d last-seen times for %d sessions", n, len(after))
	}
	r := c1.submit(page, after[third], nil)
	if r.StatusCode >= 400 {
		t.Fatalf("revoking own session %s: %s", third, r.Status)
	}
	if c3.loggedIn() {
		t.Errorf("the revoked session is still logged in")
	}
	if !c1.loggedIn() || !c2.loggedIn() {
		t.Errorf("revoking one session ended another")
	}

	t.Run("another user's session", func(t *testing.T) {
		bob, _ := a.newUser(t, "bob-acct")
		bobIDs := revokeForms(t, bob.get("/account"))
		if len(bobIDs) == 0 {
			t.Fatal("bob's /account lists no session")
		}
		for id := range bobIDs {
			r := c1.postWithToken("/account", "/account/sessions/"+id+"/revoke", nil)
			if r.StatusCode != http.StatusNotFound {
				t.Errorf("revoking bob's session %s as alice: %s, want 404", id, r.Status)
			}
		}
		if !bob.loggedIn() {
			t.Errorf("alice ended bob's session")
		}
	})

	t.Run("made-up ids", func(t *testing.T) {
		for _, id := range []string{randHex(16), "0", "current", strings.Repeat("a", 600), "..%2F..%2Fhealthz", "%00", "%27%20OR%201%3D1--"} {
			r := c1.postWithToken("/account", "/account/sessions/"+id+"/revoke", nil)
			if r.StatusCode != http.StatusNotFound && (r.StatusCode < 400 || r.StatusCode >= 500) {
				t.Errorf("revoke %q: %s, want 404 (or another 4xx)", id, r.Status)
			}
		}
		if !c1.loggedIn() || !c2.loggedIn() {
			t.Errorf("a made-up id ended a session")
		}
	})
}

// changePassword posts the password form with a token from /account.
func (c *client) changePassword(current, next, confirm string) *resp {
	c.t.Helper()
	return c.postWithToken("/account", "/account/password", url.Values{
		"current_password": {current}, "new_password": {next}, "new_password_confirm": {confirm},
	})
}

// TestPasswordChange: a fresh session changes the password; every other
// session (and remember-me) ends; the old password stops working.
func TestPasswordChange(t *testing.T) {
	a := sharedApp(t)
	c1, u := a.newUser(t, "pwchange")
	c2 := a.newClient(t)
	c2.mustLogin(u)
	c3 := a.newClient(t)
	if r := c3.login(u, "", "remember", "on"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with remember: %s", r.Status)
	}
	if f := formWith(t, c1.get("/account"), "current_password", "new_password", "new_password_confirm", "csrf_token"); !strings.EqualFold(f.method, "post") {
		t.Errorf("password form method %q, want POST", f.method)
	}

	apiPair := a.apiClient(t).mustAPIToken(u)
	newPw := newPassword()
	for _, tc := range []struct {
		name                   string
		current, next, confirm string
	}{
		{"confirmation mismatch", u.password, newPw, newPw + "x"},
		{"wrong current password", newPassword(), newPw, newPw},
		{"common new password", u.password, "password123", "password123"},
		{"empty new password", u.password, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c1.changePassword(tc.current, tc.next, tc.confirm)
			if r.StatusCode < 400 || r.StatusCode >= 500 {
				t.Errorf("%s: %s, want 4xx (422)", tc.name, r.Status)
			}
			if tc.next != "" && strings.Contains(r.body, tc.next) {
				t.Errorf("%s: the page echoes the new password", tc.name)
			}
			if strings.Contains(r.body, tc.current) {
				t.Errorf("%s: the page echoes the current password", tc.name)
			}
		})
	}
	if !c2.loggedIn() || !c3.loggedIn() {
		t.Fatal("a refused password change ended other sessions")
	}

	r := c1.changePassword(u.password, newPw, newPw)
	if r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusOK {
		t.Fatalf("password change: %s, want 303\n%.600s", r.Status, r.body)
	}
	if loc := r.Header.Get("Location"); strings.HasPrefix(loc, "/login") {
		t.Fatalf("a fresh session was sent to %s", loc)
	}
	if !c1.loggedIn() {
		t.Errorf("the session that changed the password was logged out")
	}
	if c2.loggedIn() {
		t.Errorf("another session survived the password change")
	}
	if c3.loggedIn() {
		t.Errorf("a remember-me session survived the password change")
	}
	if r := a.newClient(t).login(u, ""); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("login with the old password: %s, want 401", r.Status)
	}
	if r := a.apiClient(t).refresh(apiPair.Refresh); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("an API refresh token issued before the password change still works: %s, want 401", r.Status)
	}
	if r := a.apiClient(t).get("/api/me", bearer(apiPair.Access)); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("an API access token issued before the password change still works: %s, want 401", r.Status)
	}
	a.newClient(t).mustLogin(user{u.email, newPw})
}

// TestPasswordChangeNeedsFreshLogin: a session restored from remember-me
// is not fresh; the change is refused with 303 to the login page.
func TestPasswordChangeNeedsFreshLogin(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "fresh")
	c := a.newClient(t)
	if r := c.login(u, "", "remember", "on"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with remember: %s", r.Status)
	}
	sess := c.sessionCookie()
	if sess == nil {
		t.Fatal("no session cookie")
	}
	stale := a.newClient(t)
	base, _ := url.Parse(a.base + "/")
	for _, ck := range c.hc.Jar.Cookies(base) {
		if ck.Name != sess.Name {
			stale.setCookie(ck)
		}
	}
	if !stale.loggedIn() {
		t.Fatal("the remember-me cookie alone does not log in; cannot get a non-fresh session")
	}
	newPw := newPassword()
	r := stale.changePassword(u.password, newPw, newPw)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=%2F") {
		t.Errorf("password change from a remembered (not fresh) session: %s Location %q, want 303 to /login?next=...", r.Status, r.Header.Get("Location"))
	}
	a.newClient(t).mustLogin(u) // unchanged

	// Logging in again (where the redirect points) makes the session
	// fresh: the change then goes through.
	if r := stale.login(u, ""); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("re-login: %s", r.Status)
	}
	if r := stale.changePassword(u.password, newPw, newPw); r.StatusCode != http.StatusSeeOther || strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("password change right after a password login: %s Location %q, want 303 (not to /login)", r.Status, r.Header.Get("Location"))
	}
}

// TestRevokeEndsRememberMe: revoking a device's session on /account also
// ends its remember-me login; otherwise the device is back on its next
// request.
func TestRevokeEndsRememberMe(t *testing.T) {
	a := sharedApp(t)
	c1, u := a.newUser(t, "revoke-remember")
	before := revokeForms(t, c1.get("/account"))
	dev := a.newClient(t)
	if r := dev.login(u, "", "remember", "on"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with remember: %s", r.Status)
	}
	page := c1.get("/account")
	var id string
	for k := range revokeForms(t, page) {
		if _, ok := before[k]; !ok {
			id = k
		}
	}
	if id == "" {
		t.Fatal("cannot find the remembered device's session on /account")
	}
	if r := c1.submit(page, revokeForms(t, page)[id], nil); r.StatusCode >= 400 {
		t.Fatalf("revoke: %s", r.Status)
	}
	if dev.loggedIn() {
		t.Errorf("the revoked device is logged in again through its remember-me cookie")
	}
}

// TestRememberMeTokenSingleUse: a remember-me cookie copied before its
// owner used it is dead once the owner has used it (rotation on use).
func TestRememberMeTokenSingleUse(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "remember-once")
	c := a.newClient(t)
	if r := c.login(u, "", "remember", "on"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with remember: %s", r.Status)
	}
	sess := c.sessionCookie()
	base, _ := url.Parse(a.base + "/")
	owner, thief := a.newClient(t), a.newClient(t)
	for _, ck := range c.hc.Jar.Cookies(base) {
		if ck.Name != sess.Name {
			owner.setCookie(ck)
			thief.setCookie(ck)
		}
	}
	if !owner.loggedIn() {
		t.Fatal("the remember-me cookie does not log in")
	}
	if thief.loggedIn() {
		t.Errorf("a copy of an already used remember-me cookie still logs in")
	}
}

// TestPasswordChangeThrottled: the current-password check of the change
// form is throttled like a login, so a hijacked session cannot guess the
// password through it.
func TestPasswordChangeThrottled(t *testing.T) {
	t.Parallel() // its own instance: its failures do not count elsewhere
	a := startApp(t, appOptions{})
	c, u := a.newUser(t, "pw-guess")
	var last *resp
	for i := 0; i < 12; i++ {
		np := newPassword()
		last = c.changePassword(newPassword(), np, np)
		if last.StatusCode == http.StatusTooManyRequests {
			break
		}
		if last.StatusCode < 400 || last.StatusCode >= 500 {
			t.Fatalf("guess %d: %s, want 4xx", i+1, last.Status)
		}
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("12 wrong current passwords on the change form never gave 429 (last %s)", last.Status)
	}
	checkRetryAfter(t, last)
	np := newPassword()
	if r := c.changePassword(u.password, np, np); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right current password while throttled: %s, want 429", r.Status)
	}
}
