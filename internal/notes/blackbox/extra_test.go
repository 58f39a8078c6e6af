package blackbox_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLoginThrottleConcurrentBurst: a burst of parallel guesses cannot
// slip past the limit while the failure count is still low.
func TestLoginThrottleConcurrentBurst(t *testing.T) {
	t.Parallel() // its own instance: runs beside the others
	a := startApp(t, appOptions{})
	_, u := a.newUser(t, "burst")
	const n = 20
	clients := make([]*client, n)
	tokens := make([]string, n)
	for i := range clients {
		clients[i] = a.newClient(t)
		tokens[i] = clients[i].token("/login")
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range clients {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := clients[i]
			req := c.newRequest(http.MethodPost, "/login", strings.NewReader(url.Values{
				"email": {u.email}, "password": {newPassword()}, "csrf_token": {tokens[i]},
			}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := c.hc.Do(req)
			if err != nil {
				return
			}
			res.Body.Close()
			codes[i] = res.StatusCode
		}(i)
	}
	wg.Wait()
	var tried, limited int
	for _, c := range codes {
		switch c {
		case http.StatusUnauthorized:
			tried++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Errorf("burst answer %d, want 401 or 429", c)
		}
	}
	if tried > 5 {
		t.Errorf("%d of %d parallel guesses were checked (401); the limit of free failures (5) was overrun by the race", tried, n)
	}
	if limited == 0 {
		t.Errorf("no guess of the burst was throttled")
	}
}

// TestRefreshConcurrentReuse: two parallel uses of one refresh token yield
// at most one new pair.
func TestRefreshConcurrentReuse(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "refresh-race")
	c := a.apiClient(t)
	p := c.mustAPIToken(u)
	const n = 8
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req := c.newRequest(http.MethodPost, "/api/token/refresh", strings.NewReader(`{"refresh_token":"`+p.Refresh+`"}`))
			req.Header.Del("Origin")
			req.Header.Del("Sec-Fetch-Site")
			req.Header.Set("Content-Type", "application/json")
			res, err := c.hc.Do(req)
			if err != nil {
				return
			}
			res.Body.Close()
			codes[i] = res.StatusCode
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, code := range codes {
		if code == http.StatusOK {
			ok++
		} else if code != http.StatusUnauthorized {
			t.Errorf("parallel refresh answered %d, want 200 or 401", code)
		}
	}
	if ok > 1 {
		t.Errorf("%d parallel refreshes of one token succeeded, want at most 1", ok)
	}
}

// TestSessionHandleIsNotTheCookie: the ids in /account's revoke URLs are
// public handles, never the session cookie (which would leak through
// logs, Referer or shoulder-surfing of the page).
func TestSessionHandleIsNotTheCookie(t *testing.T) {
	a := sharedApp(t)
	c, _ := a.newUser(t, "handle")
	ck := c.sessionCookie()
	if ck == nil {
		t.Fatal("no session cookie")
	}
	page := c.get("/account")
	ids := revokeForms(t, page)
	if len(ids) == 0 {
		t.Fatal("no revoke form on /account")
	}
	for id := range ids {
		if id == ck.Value || strings.Contains(ck.Value, id) || strings.Contains(id, ck.Value) {
			t.Errorf("revoke id %q is (part of) the session cookie", id)
		}
	}
	if strings.Contains(page.body, ck.Value) {
		t.Errorf("/account shows the session cookie's value")
	}
}

// TestNoCookiesOnPublicEndpoints: endpoints that need no session do not
// create one (no store growth from bots, no cookies on the API).
func TestNoCookiesOnPublicEndpoints(t *testing.T) {
	a := sharedApp(t)
	c := a.newClient(t)
	home := c.get("/")
	var static string
	for _, s := range scripts(home.html(t)) {
		static, _ = attr(s, "src")
	}
	rows := []*resp{
		home,
		c.get("/healthz"),
		c.get("/.well-known/jwks.json"),
		c.postRaw("/csp-report", "application/csp-report", `{"csp-report":{"document-uri":"`+a.base+`/"}}`),
		c.postJSON("/api/token", map[string]string{"email": newEmail("nocookie"), "password": newPassword()}),
		c.get("/api/me"),
		c.get("/no-such-page"),
	}
	if static != "" {
		rows = append(rows, c.get(static))
	}
	for _, r := range rows {
		if sc := r.Header.Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("%s sets cookies for an anonymous visitor: %q", r, sc)
		}
	}
}

// TestCORS: no route lets another origin read responses with the user's
// credentials.
func TestCORS(t *testing.T) {
	a := sharedApp(t)
	c, u := a.newUser(t, "cors")
	tok := a.apiClient(t).mustAPIToken(u).Access
	evil := header("Origin", "https://evil.example")
	for _, r := range []*resp{
		c.get("/protected", evil),
		c.get("/account", evil),
		c.get("/api/me", evil, bearer(tok)),
		c.get("/api/notes", evil, bearer(tok)),
		c.do(http.MethodOptions, "/api/notes", nil, evil, header("Access-Control-Request-Method", "POST"), header("Access-Control-Request-Headers", "authorization,content-type")),
		c.do(http.MethodOptions, "/notes", nil, evil, header("Access-Control-Request-Method", "POST")),
	} {
		acao := r.Header.Get("Access-Control-Allow-Origin")
		if acao == "https://evil.example" || acao == "null" {
			t.Errorf("%s: Access-Control-Allow-Origin %q: another origin may read the response", r, acao)
		}
		if strings.EqualFold(r.Header.Get("Access-Control-Allow-Credentials"), "true") {
			t.Errorf("%s: Access-Control-Allow-Credentials: true", r)
		}
		if r.StatusCode >= 500 {
			t.Errorf("%s: %s", r, r.Status)
		}
	}
}

// TestSecretsNeverLogged: after a tour of every credential-bearing route,
// the server's output holds no password, token, cookie value or the
// SECRET_KEY.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel() // its own instance: runs beside the others
	a := startApp(t, appOptions{})
	var secrets []string
	keep := func(s ...string) { secrets = append(secrets, s...) }
	keep(a.secret)

	c := a.newClient(t)
	email, pw := newEmail("logs"), newPassword()
	keep(pw)
	c.register(email, pw)
	u := user{email, pw}
	bad := newPassword()
	keep(bad)
	a.newClient(t).login(user{email, bad}, "")
	keep(c.token("/notes"))
	c2 := a.newClient(t)
	c2.login(u, "", "remember", "on")
	base, _ := url.Parse(a.base + "/")
	for _, ck := range c2.hc.Jar.Cookies(base) {
		keep(ck.Value)
	}
	if ck := c.sessionCookie(); ck != nil {
		keep(ck.Value)
	}
	newPw := newPassword()
	keep(newPw)
	c.changePassword(pw, newPw, newPw+"x")
	c.changePassword(pw, newPw, newPw)
	api := a.apiClient(t)
	api.apiToken(user{email, bad})
	p := api.mustAPIToken(user{email, newPw})
	keep(p.Access, p.Refresh)
	p2 := decodePair(t, api.refresh(p.Refresh))
	keep(p2.Access, p2.Refresh)
	api.refresh(p.Refresh) // reuse: logs a security event
	api.get("/api/me", bearer(p2.Access))
	api.get("/api/me?access_token="+p2.Access, bearer(p2.Access))
	api.postJSON("/api/token/revoke", `{}`, bearer(p2.Access))
	a.newClient(t).postRaw("/register", "application/x-www-form-urlencoded", "email="+url.QueryEscape(email)+"&password="+bad)

	out := a.out.String()
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(out, s) {
			t.Errorf("the server output contains a secret (%d chars, starting %q)", len(s), s[:4])
		}
	}
}

// TestDevGeneratesSecrets: in dev mode with no SECRET_KEY the app
// generates one into the secrets file, with a loud warning and a master
// key only its owner can read.
func TestDevGeneratesSecrets(t *testing.T) {
	t.Parallel() // its own instance: runs beside the others
	a := startApp(t, appOptions{noSecretKey: true})
	if r := a.newClient(t).get("/healthz"); r.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %s", r.Status)
	}
	for _, name := range []string{"master.key", "secrets.age"} {
		fi, err := os.Stat(filepath.Join(a.dir, name))
		if err != nil {
			t.Errorf("dev mode without SECRET_KEY did not create %s: %v", name, err)
			continue
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	if out := a.out.String(); !strings.Contains(strings.ToUpper(out), "DEV") || !strings.Contains(out, "SECRET_KEY") {
		t.Errorf("no loud dev-mode warning about the generated SECRET_KEY in the output")
	}
}

// TestLoginTimingParity: a login for an unknown account costs about as
// much as a wrong password for a real one (a dummy hash), so response
// time does not tell who has an account. Medians of interleaved tries on
// fresh accounts (one failure each, below every throttle).
func TestLoginTimingParity(t *testing.T) {
	a := startApp(t, appOptions{})
	const n = 9
	users := make([]user, n)
	for i := range users {
		_, users[i] = a.newUser(t, "timing")
	}
	c := a.newClient(t)
	tok := c.token("/login")
	try := func(email string) time.Duration {
		start := time.Now()
		r := c.post("/login", url.Values{"email": {email}, "password": {newPassword()}, "csrf_token": {tok}})
		d := time.Since(start)
		if r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("login %s: %s, want 401", email, r.Status)
		}
		return d
	}
	var unknown, wrong []time.Duration
	for i := 0; i < n; i++ {
		unknown = append(unknown, try(newEmail("nobody")))
		wrong = append(wrong, try(users[i].email))
	}
	mu, mw := median(unknown), median(wrong)
	t.Logf("median login time: unknown account %v, wrong password %v", mu, mw)
	if mu*2 < mw {
		t.Errorf("an unknown account answers in %v, a wrong password in %v: timing reveals which accounts exist", mu, mw)
	}
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
