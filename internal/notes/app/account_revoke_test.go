package app

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var revokeAction = regexp.MustCompile(`action="/account/sessions/([^/"]+)/revoke"`)

// listedHandles returns the handles /account lists for b's user.
func listedHandles(b *browser) map[string]bool {
	b.t.Helper()
	if r := b.get("/account"); r.StatusCode != http.StatusOK {
		b.t.Fatalf("GET /account: %d", r.StatusCode)
	}
	hs := map[string]bool{}
	for _, m := range revokeAction.FindAllStringSubmatch(b.last, -1) {
		hs[m[1]] = true
	}
	return hs
}

// onlyNewHandle returns the one handle of after that is not in before.
func onlyNewHandle(t *testing.T, before, after map[string]bool) string {
	t.Helper()
	var h string
	for k := range after {
		if !before[k] {
			if h != "" {
				t.Fatal("more than one new session")
			}
			h = k
		}
	}
	if h == "" {
		t.Fatal("no new session on /account")
	}
	return h
}

// afterRestart is a new browser with b's cookies but its session cookie: b
// after a browser restart, when only the remember-me cookie survives.
func afterRestart(b *browser, srv *httptest.Server) *browser {
	nb := newBrowser(b.t, srv)
	base, _ := url.Parse(b.base + "/")
	var keep []*http.Cookie
	for _, ck := range b.hc.Jar.Cookies(base) {
		if ck.Name != "session" && ck.Name != "__Host-session" {
			keep = append(keep, &http.Cookie{Name: ck.Name, Value: ck.Value})
		}
	}
	if len(keep) == 0 {
		b.t.Fatal("the browser has no remember-me cookie")
	}
	nb.hc.Jar.SetCookies(base, keep)
	return nb
}

func loginDevice(t *testing.T, b *browser, email, pw string, remember bool) {
	t.Helper()
	v := url.Values{"email": {email}, "password": {pw}}
	if remember {
		v.Set("remember", "on")
	}
	expect(t, "login "+email, b.submit("/login", "/login", v), http.StatusSeeOther, "/")
}

// TestRevokeDevice: POST /account/sessions/{id}/revoke ends that device's
// session and its remember-me login (the cookie no longer logs in), while
// the user's other remembered devices keep theirs. Another user's session
// id, or a made-up one, is a 404 that changes nothing.
func TestRevokeDevice(t *testing.T) {
	for _, sqlRemember := range []bool{false, true} {
		name := "memory remember-me store"
		if sqlRemember {
			name = "SQLite remember-me store"
		}
		t.Run(name, func(t *testing.T) {
			srv, _ := accountServer(t, sqlRemember)
			alice, bob := newBrowser(t, srv), newBrowser(t, srv)
			registerUser(t, alice, aliceEmail, alicePass)
			registerUser(t, bob, "bob@example.com", alicePass+"-b")
			bobHandles := listedHandles(bob)

			laptop, phone := newBrowser(t, srv), newBrowser(t, srv)
			before := listedHandles(alice)
			loginDevice(t, laptop, aliceEmail, alicePass, true)
			mid := listedHandles(alice)
			laptopHandle := onlyNewHandle(t, before, mid)
			loginDevice(t, phone, aliceEmail, alicePass, true)
			phoneHandle := onlyNewHandle(t, mid, listedHandles(alice))

			// Refused: each is a 404 and leaves every device as it was.
			var bobHandle string
			for h := range bobHandles {
				bobHandle = h
			}
			for _, tc := range []struct {
				name, by string
				as       *browser
				handle   string
			}{
				{"bob revokes alice's phone", "bob", bob, phoneHandle},
				{"alice revokes bob's session", "alice", alice, bobHandle},
				{"made-up handle", "alice", alice, strings.Repeat("A", 22)},
				{"handle of another shape", "alice", alice, "not*a*handle"},
			} {
				if r := tc.as.submit("/account", "/account/sessions/"+url.PathEscape(tc.handle)+"/revoke", nil); r.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %d, want 404", tc.name, r.StatusCode)
				}
			}
			if !phone.loggedIn() || !laptop.loggedIn() || !bob.loggedIn() {
				t.Fatal("a refused revocation logged a device out")
			}
			// The phone restarts: its remember-me cookie logs it in again,
			// with a new session that /account lists.
			pre := listedHandles(alice)
			phone = afterRestart(phone, srv)
			if !phone.loggedIn() {
				t.Fatal("the phone's remember-me cookie does not log in")
			}
			phoneHandle = onlyNewHandle(t, pre, listedHandles(alice))

			// Alice revokes the phone.
			cookieBefore := afterRestart(phone, srv) // its cookie as it was
			expect(t, "revoke the phone", alice.submit("/account", "/account/sessions/"+phoneHandle+"/revoke", nil), http.StatusSeeOther, "/account")
			if phone.loggedIn() {
				t.Error("the revoked phone is still logged in (its remember-me cookie logged it back in)")
			}
			if cookieBefore.loggedIn() {
				t.Error("the revoked phone's remember-me cookie still logs in")
			}
			if listedHandles(alice)[phoneHandle] {
				t.Error("/account still lists the revoked session")
			}
			if !laptop.loggedIn() || !listedHandles(alice)[laptopHandle] {
				t.Error("the laptop's session ended")
			}
			if !afterRestart(laptop, srv).loggedIn() {
				t.Error("the laptop's remember-me cookie stopped working")
			}
			if !bob.loggedIn() {
				t.Error("bob was logged out")
			}
		})
	}
}
