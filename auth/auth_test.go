package auth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/password"
	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/throttle"
)

// clock is a settable fake clock shared by every component of a harness.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type user struct{ id, email string }

func (u *user) AuthID() string { return u.id }

// users is the application's user table.
type users struct {
	down   bool // FindCredentials fails like a database outage
	mu     sync.Mutex
	byID   map[string]*user
	hashes map[string]string
}

func (db *users) LoadUser(_ context.Context, id string) (auth.User, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if u, ok := db.byID[id]; ok {
		return u, nil
	}
	return nil, fmt.Errorf("user %s: %w", id, auth.ErrNoUser)
}

func (db *users) FindCredentials(_ context.Context, email string) (auth.User, string, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.down {
		return nil, "", errors.New("database is down")
	}
	for _, u := range db.byID {
		if strings.EqualFold(u.email, email) {
			return u, db.hashes[u.id], nil
		}
	}
	return nil, "", auth.ErrNoUser
}

func (db *users) SetPasswordHash(_ context.Context, u auth.User, h string) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.hashes[u.AuthID()] = h
	return nil
}

func (db *users) hash(id string) string {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.hashes[id]
}

type harness struct {
	t        *testing.T
	clock    *clock
	users    *users
	sessions *session.Manager
	auth     *auth.Manager
	remember *auth.MemoryRememberStore
	logs     *bytes.Buffer
	handler  http.Handler
}

const alicePassword = "correct horse battery staple"

func newHarness(t *testing.T) *harness {
	t.Helper()
	clk := &clock{now: time.Now()} // the stores expire records by the real clock
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil))
	hasher := password.New(password.Config{
		Params:             password.Params{Memory: 64, Iterations: 1, Parallelism: 1},
		InsecureWeakParams: true,
	})
	h, err := hasher.Hash(context.Background(), alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	db := &users{
		byID:   map[string]*user{"1": {id: "1", email: "alice@example.com"}, "2": {id: "2", email: "bob@example.com"}},
		hashes: map[string]string{"1": h, "2": h},
	}
	sm := session.NewManager(session.NewMemoryStore(), session.Config{InsecureDev: true, Logger: logger, Now: clk.Now})
	rem := auth.NewMemoryRememberStore()
	am := auth.NewManager(auth.Config{
		Sessions:    sm,
		Users:       db,
		Credentials: db,
		Passwords:   hasher,
		Throttle:    throttle.New(throttle.NewMemoryStore(throttle.MemoryConfig{}), throttle.Config{Now: clk.Now, Logger: logger}),
		Remember:    rem,
		InsecureDev: true,
		Logger:      logger,
		Now:         clk.Now,
	})
	hs := &harness{t: t, clock: clk, users: db, sessions: sm, auth: am, remember: rem, logs: logs}
	hs.handler = sm.Handler(am.Handler(hs.routes()))
	return hs
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (hs *harness) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		u, err := hs.auth.CheckCredentials(r, r.FormValue("email"), r.FormValue("password"))
		var limited *throttle.LimitedError
		switch {
		case errors.As(err, &limited):
			w.Header().Set("Retry-After", limited.RetryAfterHeader())
			http.Error(w, "too many attempts", http.StatusTooManyRequests)
			return
		case errors.Is(err, auth.ErrInvalidCredentials):
			http.Error(w, auth.ErrInvalidCredentials.Error(), http.StatusUnauthorized)
			return
		case err != nil:
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		if err := hs.auth.Login(w, r, u, auth.LoginOptions{Remember: r.FormValue("remember") == "on"}); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := hs.auth.Logout(w, r); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.Handle("GET /protected", hs.auth.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello ", auth.CurrentUser(r.Context()).AuthID())
	})))
	mux.Handle("POST /password", hs.auth.RequireFreshLogin(15*time.Minute)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := auth.CurrentUser(r.Context()).(*user)
		n, err := hs.auth.ChangePassword(w, r, u.email, r.FormValue("current"), r.FormValue("new"))
		var pe *password.PolicyError
		switch {
		case errors.Is(err, auth.ErrInvalidCredentials):
			http.Error(w, "wrong password", http.StatusUnauthorized)
		case errors.As(err, &pe):
			http.Error(w, pe.Error(), http.StatusUnprocessableEntity)
		case err != nil:
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		default:
			fmt.Fprintf(w, "ended %d", n)
		}
	})))
	mux.HandleFunc("GET /touch", func(w http.ResponseWriter, r *http.Request) {
		hs.sessions.Get(r).Put("visited", true)
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		if u := auth.CurrentUser(r.Context()); u != nil {
			fmt.Fprint(w, u.AuthID())
			return
		}
		fmt.Fprint(w, "anonymous")
	})
	return mux
}

// client is a browser: a cookie jar against the harness's handler.
type client struct {
	hs      *harness
	cookies map[string]*http.Cookie
	ip      string
}

func (hs *harness) client() *client {
	return &client{hs: hs, cookies: map[string]*http.Cookie{}, ip: "192.0.2.10:1234"}
}

func (c *client) do(method, path string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, "http://notes.test"+path, body)
	r.RemoteAddr = c.ip
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	for _, ck := range c.cookies {
		r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	w := httptest.NewRecorder()
	c.hs.handler.ServeHTTP(w, r)
	for _, ck := range w.Result().Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	return w
}

func (c *client) login(email, pw string, remember bool) *httptest.ResponseRecorder {
	f := url.Values{"email": {email}, "password": {pw}}
	if remember {
		f.Set("remember", "on")
	}
	return c.do("POST", "/login", f)
}

func (c *client) whoami() string { return c.do("GET", "/whoami", nil).Body.String() }

func sessionCookie(c *client) string {
	for name, ck := range c.cookies {
		if strings.Contains(name, "session") {
			return ck.Value
		}
	}
	return ""
}

func TestLoginRenewsSessionID(t *testing.T) {
	hs := newHarness(t)
	attacker := hs.client()
	attacker.do("GET", "/touch", nil)
	planted := sessionCookie(attacker)
	if planted == "" {
		t.Fatal("no session cookie issued for a touched session")
	}
	// Session fixation: the victim logs in with the attacker's session id.
	victim := hs.client()
	for k, v := range attacker.cookies {
		victim.cookies[k] = v
	}
	if w := victim.login("alice@example.com", alicePassword, false); w.Code != http.StatusSeeOther {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	if after := sessionCookie(victim); after == "" || after == planted {
		t.Fatalf("session id not renewed at login")
	}
	if got := victim.whoami(); got != "1" {
		t.Fatalf("victim whoami = %q", got)
	}
	if got := attacker.whoami(); got != "anonymous" {
		t.Fatalf("attacker with the planted id is %q, want anonymous", got)
	}
}

func TestLogoutInvalidatesServerSide(t *testing.T) {
	hs := newHarness(t)
	c := hs.client()
	c.login("alice@example.com", alicePassword, false)
	stolen := map[string]*http.Cookie{}
	for k, v := range c.cookies {
		stolen[k] = v
	}
	if w := c.do("POST", "/logout", url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", w.Code)
	}
	if got := c.whoami(); got != "anonymous" {
		t.Fatalf("after logout whoami = %q", got)
	}
	replay := hs.client()
	replay.cookies = stolen
	if got := replay.whoami(); got != "anonymous" {
		t.Fatalf("replayed pre-logout cookie is %q, want anonymous", got)
	}
}

func TestRequireLogin(t *testing.T) {
	hs := newHarness(t)
	c := hs.client()
	tests := []struct {
		name     string
		path     string
		hdr      []string
		code     int
		location string
	}{
		{"browser is redirected with next", "/protected", nil, http.StatusSeeOther, "/login?next=%2Fprotected"},
		{"query is kept in next", "/protected?tab=2", nil, http.StatusSeeOther, "/login?next=%2Fprotected%3Ftab%3D2"},
		{"API client gets 401", "/protected", []string{"Accept", "application/json"}, http.StatusUnauthorized, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := c.do("GET", tc.path, nil, tc.hdr...)
			if w.Code != tc.code || w.Header().Get("Location") != tc.location {
				t.Fatalf("got %d Location=%q, want %d %q", w.Code, w.Header().Get("Location"), tc.code, tc.location)
			}
		})
	}
	c.login("alice@example.com", alicePassword, false)
	w := c.do("GET", "/protected", nil)
	if w.Code != 200 || w.Body.String() != "hello 1" {
		t.Fatalf("logged in: %d %q", w.Code, w.Body)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control on a logged-in page = %q, want no-store", cc)
	}
}

func TestBadCredentialsLookAlike(t *testing.T) {
	hs := newHarness(t)
	unknown := hs.client().login("nobody@example.com", alicePassword, false)
	wrong := hs.client().login("alice@example.com", "wrong password entirely", false)
	if unknown.Code != http.StatusUnauthorized || wrong.Code != http.StatusUnauthorized {
		t.Fatalf("codes %d %d, want 401 401", unknown.Code, wrong.Code)
	}
	if unknown.Body.String() != wrong.Body.String() {
		t.Fatalf("responses differ: %q vs %q", unknown.Body, wrong.Body)
	}
	logs := hs.logs.String()
	if !strings.Contains(logs, `"reason":"unknown user"`) || !strings.Contains(logs, `"reason":"wrong password"`) {
		t.Fatalf("the log does not carry the real reasons:\n%s", logs)
	}
	if strings.Contains(logs, "wrong password entirely") || strings.Contains(logs, alicePassword) {
		t.Fatal("a password reached the log")
	}
}

func TestThrottling(t *testing.T) {
	hs := newHarness(t)
	c := hs.client()
	var last *httptest.ResponseRecorder
	for i := 0; i < 6; i++ {
		last = c.login("alice@example.com", "not the password", false)
	}
	if last.Code != http.StatusTooManyRequests || last.Header().Get("Retry-After") == "" {
		t.Fatalf("6th failure: %d Retry-After=%q, want 429 with Retry-After", last.Code, last.Header().Get("Retry-After"))
	}
	// The right password is refused too while the wait lasts...
	if w := c.login("alice@example.com", alicePassword, false); w.Code != http.StatusTooManyRequests {
		t.Fatalf("during backoff: %d, want 429", w.Code)
	}
	// ...but the real user on another network is not locked out.
	other := hs.client()
	other.ip = "198.51.100.20:999"
	if w := other.login("alice@example.com", alicePassword, false); w.Code != http.StatusSeeOther {
		t.Fatalf("real user elsewhere: %d, want 303", w.Code)
	}
	hs.clock.Add(time.Hour)
	if w := c.login("alice@example.com", alicePassword, false); w.Code != http.StatusSeeOther {
		t.Fatalf("after the wait: %d, want 303", w.Code)
	}
	if !strings.Contains(hs.logs.String(), `"event":"authn_login_lock"`) {
		t.Fatal("no authn_login_lock event")
	}
}

func TestRequireFreshLogin(t *testing.T) {
	hs := newHarness(t)
	c := hs.client()
	c.login("alice@example.com", alicePassword, true)
	change := url.Values{"current": {alicePassword}, "new": {"a brand new passphrase 42"}}
	hs.clock.Add(16 * time.Minute)
	w := c.do("POST", "/password", change)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login?next=") {
		t.Fatalf("stale login: %d %q, want 303 to the login page", w.Code, w.Header().Get("Location"))
	}
	// A login from a remember-me cookie is never fresh.
	remembered := hs.client()
	for k, v := range c.cookies {
		if strings.Contains(k, "remember") {
			remembered.cookies[k] = v
		}
	}
	if got := remembered.whoami(); got != "1" {
		t.Fatalf("remember-me login: %q", got)
	}
	if w := remembered.do("POST", "/password", change); w.Code != http.StatusSeeOther {
		t.Fatalf("remember-me session passed the freshness check: %d", w.Code)
	}
	c.login("alice@example.com", alicePassword, false)
	if w := c.do("POST", "/password", change); w.Code != 200 {
		t.Fatalf("fresh login: %d %s", w.Code, w.Body)
	}
}

func TestRememberMeRotatesAndDetectsTheft(t *testing.T) {
	hs := newHarness(t)
	c := hs.client()
	c.login("alice@example.com", alicePassword, true)
	remName := ""
	for k := range c.cookies {
		if strings.Contains(k, "remember") {
			remName = k
		}
	}
	if remName == "" {
		t.Fatal("no remember-me cookie")
	}
	first := *c.cookies[remName]
	if !first.HttpOnly || first.SameSite != http.SameSiteLaxMode {
		t.Fatalf("remember cookie attributes: %+v", first)
	}

	// The browser restarts: only the remember cookie survives.
	b := hs.client()
	b.cookies[remName] = &first
	if got := b.whoami(); got != "1" {
		t.Fatalf("remember-me did not log in: %q", got)
	}
	rotated := b.cookies[remName]
	if rotated == nil || rotated.Value == first.Value {
		t.Fatal("remember-me token not rotated on use")
	}

	// Within the grace period the spent validator is a benign race (two
	// tabs restoring at once): anonymous, but nothing is revoked.
	racer := hs.client()
	racer.cookies[remName] = &first
	if got := racer.whoami(); got != "anonymous" {
		t.Fatalf("spent remember token accepted in a race: %q", got)
	}
	if hs.remember == nil || !strings.Contains(restoreAs(hs, remName, rotated), "1") {
		t.Fatal("a benign race revoked the rotated token")
	}
	rotated = restoredCookie

	// Later, a copy of the first cookie (stolen earlier) is presented: the
	// selector is known, the validator is spent. Every token is revoked.
	hs.clock.Add(2 * time.Minute)
	thief := hs.client()
	thief.cookies[remName] = &first
	if got := thief.whoami(); got != "anonymous" {
		t.Fatalf("spent remember token accepted: %q", got)
	}
	victimRestart := hs.client()
	victimRestart.cookies[remName] = rotated
	if got := victimRestart.whoami(); got != "anonymous" {
		t.Fatalf("after a detected theft the rotated token still works: %q", got)
	}
}

var restoredCookie *http.Cookie

// restoreAs presents only the remember-me cookie ck and returns who that is;
// the rotated cookie it receives is left in restoredCookie.
func restoreAs(hs *harness, name string, ck *http.Cookie) string {
	c := hs.client()
	c.cookies[name] = ck
	who := c.whoami()
	restoredCookie = c.cookies[name]
	return who
}

func TestRememberMeRejectsGarbage(t *testing.T) {
	hs := newHarness(t)
	for _, v := range []string{"", "x", strings.Repeat("A", 66), "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "../../etc/passwd"} {
		c := hs.client()
		c.cookies["remember"] = &http.Cookie{Name: "remember", Value: v}
		if got := c.whoami(); got != "anonymous" {
			t.Fatalf("cookie %q logged in as %q", v, got)
		}
	}
}

func TestLogoutRevokesRememberMe(t *testing.T) {
	hs := newHarness(t)
	c := hs.client()
	c.login("alice@example.com", alicePassword, true)
	saved := map[string]*http.Cookie{}
	for k, v := range c.cookies {
		saved[k] = v
	}
	c.do("POST", "/logout", url.Values{})
	replay := hs.client()
	for k, v := range saved {
		if strings.Contains(k, "remember") {
			replay.cookies[k] = v
		}
	}
	if got := replay.whoami(); got != "anonymous" {
		t.Fatalf("remember-me survived logout: %q", got)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	hs := newHarness(t)
	laptop, phone := hs.client(), hs.client()
	phone.ip = "198.51.100.3:1"
	laptop.login("alice@example.com", alicePassword, false)
	phone.login("alice@example.com", alicePassword, true)
	phoneRemember := map[string]*http.Cookie{}
	for k, v := range phone.cookies {
		if strings.Contains(k, "remember") {
			phoneRemember[k] = v
		}
	}
	bob := hs.client()
	bob.login("bob@example.com", alicePassword, false)

	tests := []struct {
		name string
		form url.Values
		code int
	}{
		{"wrong current password", url.Values{"current": {"nope nope nope"}, "new": {"a brand new passphrase 42"}}, http.StatusUnauthorized},
		{"common new password", url.Values{"current": {alicePassword}, "new": {"password123"}}, http.StatusUnprocessableEntity},
		{"too short", url.Values{"current": {alicePassword}, "new": {"short"}}, http.StatusUnprocessableEntity},
		{"email as password", url.Values{"current": {alicePassword}, "new": {"alice@example.com"}}, http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		if w := laptop.do("POST", "/password", tc.form); w.Code != tc.code {
			t.Fatalf("%s: %d %s, want %d", tc.name, w.Code, w.Body, tc.code)
		}
	}
	if got := phone.whoami(); got != "1" {
		t.Fatal("a failed change ended other sessions")
	}
	before := sessionCookie(laptop)
	w := laptop.do("POST", "/password", url.Values{"current": {alicePassword}, "new": {"a brand new passphrase 42"}})
	if w.Code != 200 || w.Body.String() != "ended 1" {
		t.Fatalf("change: %d %q", w.Code, w.Body)
	}
	if sessionCookie(laptop) == before {
		t.Fatal("session id not renewed at password change")
	}
	if got := laptop.whoami(); got != "1" {
		t.Fatalf("the changing session was logged out: %q", got)
	}
	if got := phone.whoami(); got != "anonymous" {
		t.Fatalf("other session survived the password change: %q", got)
	}
	restart := hs.client()
	restart.cookies = phoneRemember
	if got := restart.whoami(); got != "anonymous" {
		t.Fatalf("remember-me token survived the password change: %q", got)
	}
	if got := bob.whoami(); got != "2" {
		t.Fatal("another user's session ended")
	}
	if w := hs.client().login("alice@example.com", alicePassword, false); w.Code != http.StatusUnauthorized {
		t.Fatal("old password still works")
	}
	if w := hs.client().login("alice@example.com", "a brand new passphrase 42", false); w.Code != http.StatusSeeOther {
		t.Fatal("new password does not work")
	}
	if !strings.Contains(hs.logs.String(), `"event":"authn_password_change"`) {
		t.Fatal("no authn_password_change event")
	}
}

func TestBcryptImportIsUpgraded(t *testing.T) {
	hs := newHarness(t)
	legacy, err := bcrypt.GenerateFromPassword([]byte("imported password 1"), 4)
	if err != nil {
		t.Fatal(err)
	}
	hs.users.SetPasswordHash(context.Background(), &user{id: "2"}, string(legacy))
	if w := hs.client().login("bob@example.com", "imported password 1", false); w.Code != http.StatusSeeOther {
		t.Fatalf("bcrypt login: %d", w.Code)
	}
	if h := hs.users.hash("2"); !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("hash not upgraded: %q", h)
	}
	if w := hs.client().login("bob@example.com", "imported password 1", false); w.Code != http.StatusSeeOther {
		t.Fatalf("login after upgrade: %d", w.Code)
	}
}

func TestDeletedUserIsLoggedOut(t *testing.T) {
	hs := newHarness(t)
	c := hs.client()
	c.login("bob@example.com", alicePassword, false)
	hs.users.mu.Lock()
	delete(hs.users.byID, "2")
	hs.users.mu.Unlock()
	if got := c.whoami(); got != "anonymous" {
		t.Fatalf("deleted user still current: %q", got)
	}
}

// TestFlowOverTLS runs the whole flow through a real TLS server and a
// cookie jar, with the default (Secure, __Host-) cookies.
func TestFlowOverTLS(t *testing.T) {
	hs := newHarness(t)
	sm := session.NewManager(session.NewMemoryStore(), session.Config{})
	am := auth.NewManager(auth.Config{Sessions: sm, Users: hs.users, Credentials: hs.users,
		Passwords: password.New(password.Config{Params: password.Params{Memory: 64, Iterations: 1}, InsecureWeakParams: true}),
		Remember:  auth.NewMemoryRememberStore()})
	hs.sessions, hs.auth = sm, am
	srv := httptest.NewTLSServer(sm.Handler(am.Handler(hs.routes())))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	cl := srv.Client()
	cl.Jar = jar
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	get := func(path string) (int, string) {
		resp, err := cl.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/protected"); code != http.StatusSeeOther {
		t.Fatalf("anonymous /protected: %d", code)
	}
	resp, err := cl.PostForm(srv.URL+"/login", url.Values{"email": {"alice@example.com"}, "password": {alicePassword}, "remember": {"on"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	for _, ck := range resp.Cookies() {
		if !ck.Secure || !ck.HttpOnly || !strings.HasPrefix(ck.Name, "__Host-") || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("cookie %s lacks Secure/HttpOnly/__Host- attributes: %+v", ck.Name, ck)
		}
	}
	if code, body := get("/protected"); code != 200 || body != "hello 1" {
		t.Fatalf("logged in /protected: %d %q", code, body)
	}
	resp, err = cl.PostForm(srv.URL+"/logout", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, _ := get("/protected"); code != http.StatusSeeOther {
		t.Fatalf("after logout /protected: %d", code)
	}
}

func BenchmarkRequireLogin(b *testing.B) {
	t := &testing.T{}
	hs := newHarness(t)
	c := hs.client()
	c.login("alice@example.com", alicePassword, false)
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	inner := hs.sessions.Handler(hs.auth.Handler(hs.auth.RequireLogin(ok)))
	bare := hs.sessions.Handler(ok)
	r := httptest.NewRequest("GET", "/protected", nil)
	for _, ck := range c.cookies {
		r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	run := func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(httptest.NewRecorder(), r)
		}
	}
	b.Run("session-only", func(b *testing.B) { run(b, bare) })
	b.Run("session+auth+RequireLogin", func(b *testing.B) { run(b, inner) })
}

// TestOutageIsNotAFailedLogin: logins that could not be checked (the user
// store down, hashing overloaded) answer 503 and do not count towards the
// user's backoff, so a flood or an outage cannot lock the real user out.
func TestOutageIsNotAFailedLogin(t *testing.T) {
	hs := newHarness(t)
	c := hs.client()
	hs.users.mu.Lock()
	hs.users.down = true
	hs.users.mu.Unlock()
	for i := 0; i < 10; i++ {
		if w := c.login("alice@example.com", alicePassword, false); w.Code != http.StatusServiceUnavailable {
			t.Fatalf("login during an outage: %d, want 503", w.Code)
		}
	}
	hs.users.mu.Lock()
	hs.users.down = false
	hs.users.mu.Unlock()
	if w := c.login("alice@example.com", alicePassword, false); w.Code != http.StatusSeeOther {
		t.Fatalf("after the outage: %d, want 303 (the outage counted as failures)", w.Code)
	}
}

// The current user lives in the request's shared rampart state, which
// handlers outside auth.Handler can see too. A goroutine of such a
// handler that reads it while Login changes it must not race (run with
// -race), and sees either no user or the one logged in.
func TestCurrentUserReadDuringLogin(t *testing.T) {
	hs := newHarness(t)
	var seen sync.Map
	watch := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			done := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if u := auth.CurrentUser(r.Context()); u != nil {
						seen.Store(u.AuthID(), true)
					}
					select {
					case <-done:
						return
					default:
					}
				}
			}()
			next.ServeHTTP(w, r)
			close(done)
			wg.Wait()
			if u := auth.CurrentUser(r.Context()); u != nil {
				seen.Store(u.AuthID(), true)
			}
		})
	}
	hs.handler = hs.sessions.Handler(watch(hs.auth.Handler(hs.routes())))
	c := hs.client()
	if w := c.login("alice@example.com", alicePassword, false); w.Code != http.StatusSeeOther {
		t.Fatalf("login: %d", w.Code)
	}
	seen.Range(func(k, _ any) bool {
		if k != "1" {
			t.Errorf("the outer handler saw user %v", k)
		}
		return true
	})
	if _, ok := seen.Load("1"); !ok {
		t.Error("the outer handler never saw the logged-in user")
	}
}
