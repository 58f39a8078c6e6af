package blackbox_test

import (
	"net/http"
	"net/url"
	"testing"
)

// jwksKids returns the kids the app publishes.
func jwksKids(t *testing.T, a *app) map[string]bool {
	t.Helper()
	ks, _ := a.newClient(t).get("/.well-known/jwks.json").json(t)["keys"].([]any)
	kids := map[string]bool{}
	for _, k := range ks {
		m, _ := k.(map[string]any)
		if kid, _ := m["kid"].(string); kid != "" {
			kids[kid] = true
		}
	}
	return kids
}

// TestKeyRotation restarts one deployment through a SECRET_KEY rotation:
// with the old key as SECRET_KEY_PREVIOUS, sessions, CSRF tokens,
// remember-me cookies and access tokens issued under the old key keep
// working and the JWKS publishes both keys; once the old key is dropped,
// its access tokens stop working.
func TestKeyRotation(t *testing.T) {
	t.Parallel() // its own instances: runs beside the others
	dir := t.TempDir()
	k1, k2 := randHex(32), randHex(32)

	a1 := startApp(t, appOptions{dir: dir, env: []string{"SECRET_KEY=" + k1}})
	c, u := a1.newUser(t, "rotate")
	remembered := a1.newClient(t)
	if r := remembered.login(u, "", "remember", "on"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with remember: %s", r.Status)
	}
	oldTok := c.token("/notes")
	p1 := a1.apiClient(t).mustAPIToken(u)
	kids1 := jwksKids(t, a1)
	a1.stop()

	a2 := startApp(t, appOptions{dir: dir, env: []string{"SECRET_KEY=" + k2, "SECRET_KEY_PREVIOUS=" + k1}})
	// Carry the browsers' cookies over to clients of the new process.
	move := func(from *client, fromApp *app) *client {
		n := a2.newClient(t)
		old, _ := url.Parse(fromApp.base + "/")
		for _, ck := range from.hc.Jar.Cookies(old) {
			n.setCookie(ck)
		}
		return n
	}
	c2 := move(c, a1)
	if !c2.loggedIn() {
		t.Errorf("a session from before the rotation is logged out")
	}
	if r := c2.post("/notes", url.Values{"title": {"after rotation"}, "body": {"b"}, "csrf_token": {oldTok}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a CSRF token from before the rotation: %s, want 303", r.Status)
	}
	if r := a2.apiClient(t).get("/api/me", bearer(p1.Access)); r.StatusCode != http.StatusOK {
		t.Errorf("an access token signed with the previous key: %s, want 200", r.Status)
	}
	kids2 := jwksKids(t, a2)
	for kid := range kids1 {
		if !kids2[kid] {
			t.Errorf("the JWKS dropped the previous key %s while tokens it signed are valid", kid)
		}
	}
	if len(kids2) < 2 {
		t.Errorf("the JWKS lists %d keys after rotation, want the new and the previous", len(kids2))
	}
	rem := a2.newClient(t)
	sess := remembered.sessionCookie()
	old, _ := url.Parse(a1.base + "/")
	for _, ck := range remembered.hc.Jar.Cookies(old) {
		if sess == nil || ck.Name != sess.Name {
			rem.setCookie(ck)
		}
	}
	if !rem.loggedIn() {
		t.Errorf("a remember-me cookie from before the rotation no longer logs in")
	}
	p2 := a2.apiClient(t).mustAPIToken(u)
	a2.stop()

	a3 := startApp(t, appOptions{dir: dir, env: []string{"SECRET_KEY=" + k2}})
	if r := a3.apiClient(t).get("/api/me", bearer(p1.Access)); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("an access token signed with a retired key: %s, want 401", r.Status)
	}
	if r := a3.apiClient(t).get("/api/me", bearer(p2.Access)); r.StatusCode != http.StatusOK {
		t.Errorf("an access token signed with the current key: %s, want 200", r.Status)
	}
}
