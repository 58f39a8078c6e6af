package blackbox_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgSchema creates a fresh schema in the RAMPART_TEST_POSTGRES database
// and returns a URL whose connections use it, dropping it when t ends. It
// skips t when the variable is unset.
func pgSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("RAMPART_TEST_POSTGRES")
	if base == "" {
		t.Skip("RAMPART_TEST_POSTGRES unset: skipping the PostgreSQL run of the contract")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("RAMPART_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	schema := "blackbox_" + randHex(6)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, base); err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("RAMPART_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// redisURL returns a URL for a Redis database other than 0 (chosen at
// random), so the app's fixed key layout does not meet the keys of other
// packages' tests, which use database 0.
func redisURL(addr string) string {
	if strings.Contains(addr, "://") {
		return addr
	}
	n := 1 + int(randByte()%15)
	return "redis://" + addr + "/" + strconv.Itoa(n)
}

func randByte() byte {
	b := make([]byte, 1)
	rand.Read(b)
	return b[0]
}

// TestSharedStoreIsolation: two deployments with different SECRET_KEYs
// that share one session store (a Redis database) must not accept each
// other's session cookies. Session ids are random, so the only thing that
// tells the apps apart is the key: a session looked up by a plain hash of
// the cookie logs app B's user into app A as whoever has the same user id
// there.
func TestSharedStoreIsolation(t *testing.T) {
	t.Parallel() // its own instances: runs beside the others
	addr := os.Getenv("RAMPART_TEST_REDIS")
	if addr == "" {
		t.Skip("RAMPART_TEST_REDIS unset: skipping the shared-store test")
	}
	db := redisURL(addr)
	a := startApp(t, appOptions{args: []string{"-store", "redis", "-store-url", db}})
	b := startApp(t, appOptions{args: []string{"-store", "redis", "-store-url", db}})
	_, victim := a.newUser(t, "victim")
	attacker, _ := b.newUser(t, "attacker")
	ck := attacker.sessionCookie()
	if ck == nil {
		t.Fatal("no session cookie on app B")
	}
	x := a.newClient(t)
	x.setCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	if r := x.get("/protected"); r.StatusCode == http.StatusOK {
		t.Errorf("app B's session cookie is logged in on app A (shows A's user %s: %v): sessions are not bound to the app's key",
			victim.email, strings.Contains(r.body, victim.email))
	}

	// The same for API refresh tokens kept in the shared store.
	_, bUser := b.newUser(t, "attacker-api")
	pb := b.apiClient(t).mustAPIToken(bUser)
	if r := a.apiClient(t).refresh(pb.Refresh); r.StatusCode == http.StatusOK {
		t.Errorf("app B's refresh token is redeemed by app A for a token pair (%.200s)", r.body)
	}
}

// TestContractOnEveryStore runs the session-, throttle- and token-store-
// dependent flows of the contract with every backend the app offers
// (-store memory, redis, postgres, and users and notes in PostgreSQL).
// Only successful logins are used: throttle counters in a shared Redis
// outlive the test.
func TestContractOnEveryStore(t *testing.T) {
	t.Parallel() // its own instances: runs beside the others
	cases := []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"memory", func(*testing.T) []string { return []string{"-store", "memory"} }},
		{"redis", func(t *testing.T) []string {
			addr := os.Getenv("RAMPART_TEST_REDIS")
			if addr == "" {
				t.Skip("RAMPART_TEST_REDIS unset: skipping the Redis run of the contract")
			}
			return []string{"-store", "redis", "-store-url", redisURL(addr)}
		}},
		{"postgres sessions", func(t *testing.T) []string {
			return []string{"-store", "postgres", "-store-url", pgSchema(t)}
		}},
		{"postgres everything", func(t *testing.T) []string { return []string{"-db", pgSchema(t)} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := startApp(t, appOptions{args: tc.args(t)})
			contractFlows(t, a)
			storeJunk(t, a, tc.name != "redis")
		})
	}
}

// storeJunk sends input that databases are picky about (NUL bytes,
// invalid UTF-8, lone surrogates) through every write path: never a 5xx.
// Failed logins only when the throttle store is private to the test.
func storeJunk(t *testing.T, a *app, failedLogins bool) {
	t.Helper()
	c, u := a.newUser(t, "store-junk")
	tok := a.apiClient(t).mustAPIToken(u).Access
	form := "application/x-www-form-urlencoded"
	rows := []func() *resp{
		func() *resp {
			return c.postRaw("/notes", form, "title=a%00b&body=c%00d", header("X-CSRF-Token", c.token("/notes")))
		},
		func() *resp {
			return c.postRaw("/notes", form, "title=a%ffb&body=%c0%af", header("X-CSRF-Token", c.token("/notes")))
		},
		func() *resp { return c.postJSON("/api/notes", `{"title":"a\u0000b","body":"\ud800"}`, bearer(tok)) },
		func() *resp { return c.postJSON("/api/notes", "{\"title\":\"a\xffb\",\"body\":\"c\"}", bearer(tok)) },
		func() *resp {
			n := a.newClient(t)
			return n.postRaw("/register", form, "email=a%ff%40example.com&password=x&password_confirm=x", header("X-CSRF-Token", n.token("/register")))
		},
	}
	if failedLogins {
		rows = append(rows,
			func() *resp {
				n := a.newClient(t)
				return n.postRaw("/login", form, "email=a%00%ff%40example.com&password=%ff", header("X-CSRF-Token", n.token("/login")))
			},
			func() *resp {
				return a.apiClient(t).postJSON("/api/token", `{"email":"a\u0000@example.com","password":"\udfff"}`)
			},
		)
	}
	for _, do := range rows {
		if r := do(); r.StatusCode >= 500 {
			t.Errorf("%s: %s\n%.300s", r, r.Status, r.body)
		}
	}

	// Session metadata comes from request headers: a User-Agent with
	// bytes that are not UTF-8 (legal in HTTP) must not break a login.
	odd := a.newClient(t)
	odd.ua = "agent \xff\xfe\x80 end"
	if r := odd.login(u, ""); r.StatusCode != http.StatusSeeOther {
		t.Errorf("login with a non-UTF-8 User-Agent: %s, want 303\n%.300s", r.Status, r.body)
	} else {
		if !odd.loggedIn() {
			t.Errorf("logged out right after a login with a non-UTF-8 User-Agent")
		}
		if p := c.get("/account"); p.StatusCode != http.StatusOK {
			t.Errorf("/account listing a session with a non-UTF-8 User-Agent: %s", p.Status)
		}
	}
}

// contractFlows is the store-dependent core of the contract.
func contractFlows(t *testing.T, a *app) {
	t.Helper()
	// Register, then a login on a second browser: a new session id.
	c1, u := a.newUser(t, "store")
	own := revokeForms(t, c1.get("/account"))
	c2 := a.newClient(t)
	pre := c2.token("/login")
	preCookie := c2.sessionCookie()
	c2.mustLogin(u)
	if ck := c2.sessionCookie(); preCookie != nil && ck != nil && ck.Value == preCookie.Value {
		t.Errorf("session id unchanged at login")
	}
	if r := c2.post("/notes", url.Values{"title": {"t"}, "body": {"b"}, "csrf_token": {pre}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("pre-login CSRF token after login: %s, want 403", r.Status)
	}

	// Notes are stored and listed.
	title := "store note " + randHex(4)
	if r := c1.createNote(title, "<b>x</b>"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("create note: %s", r.Status)
	} else if !strings.Contains(c1.get("/notes").body, title) {
		t.Errorf("the note is not listed")
	}

	// /account lists both sessions; revoking c2's ends it, not c1's.
	page := c1.get("/account")
	forms := revokeForms(t, page)
	var fresh []string
	for id := range forms {
		if _, mine := own[id]; !mine {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) != 1 {
		t.Fatalf("/account lists %d new sessions after one login, want 1", len(fresh))
	}
	if r := c1.submit(page, forms[fresh[0]], nil); r.StatusCode >= 400 {
		t.Fatalf("revoke %s: %s", fresh[0], r.Status)
	}
	if c2.loggedIn() {
		t.Errorf("revoked session still logged in")
	}
	if !c1.loggedIn() {
		t.Errorf("revoking another session logged this one out")
	}

	// Remember-me survives the loss of the session cookie; a password
	// change ends it and every other session.
	c3 := a.newClient(t)
	if r := c3.login(u, "", "remember", "on"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with remember: %s", r.Status)
	}
	restarted := a.newClient(t)
	base, _ := url.Parse(a.base + "/")
	sess := c3.sessionCookie()
	for _, ck := range c3.hc.Jar.Cookies(base) {
		if sess == nil || ck.Name != sess.Name {
			restarted.setCookie(ck)
		}
	}
	if !restarted.loggedIn() {
		t.Errorf("the remember-me cookie alone does not log in")
	}
	api := a.apiClient(t)
	p := api.mustAPIToken(u)
	newPw := newPassword()
	if r := c1.changePassword(u.password, newPw, newPw); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change: %s", r.Status)
	}
	if c3.loggedIn() || restarted.loggedIn() {
		t.Errorf("a session or remember-me login survived the password change")
	}
	if !c1.loggedIn() {
		t.Errorf("the session that changed the password was logged out")
	}
	if r := api.refresh(p.Refresh); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("refresh token from before the password change: %s, want 401", r.Status)
	}
	u.password = newPw

	// Tokens: rotation and reuse detection.
	p1 := api.mustAPIToken(u)
	p2 := decodePair(t, api.refresh(p1.Refresh))
	if r := api.refresh(p1.Refresh); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("refresh token reuse: %s, want 401", r.Status)
	}
	if r := api.refresh(p2.Refresh); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("after reuse, the family's newest refresh token: %s, want 401", r.Status)
	}
	checkBearer401(t, api.get("/api/me", bearer(p2.Access)))

	// Logout destroys the session server-side.
	stolen := c1.cloneCookies(t)
	if r := c1.postWithToken("/protected", "/logout", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %s", r.Status)
	}
	if stolen.loggedIn() {
		t.Errorf("the pre-logout cookie is still logged in")
	}
}
