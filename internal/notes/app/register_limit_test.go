package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartgo/rampart/internal/notes/config"
	"github.com/rampartgo/rampart/throttle"
)

// regClient posts registration forms to an app from one connection
// address, each time as a new anonymous browser (a fresh session and CSRF
// token), the way a bot creating accounts would.
type regClient struct {
	t      *testing.T
	h      http.Handler
	remote string      // the connection's address
	header http.Header // sent with every request (a proxy's X-Forwarded-*)
	host   string      // default 127.0.0.1:8080
	// tls makes the connection TLS: dev mode serves plain HTTP to loopback
	// clients only.
	tls bool
}

func (c *regClient) request(method, path string, body io.Reader) *http.Request {
	host := c.host
	if host == "" {
		host = "127.0.0.1:8080"
	}
	scheme := "http://"
	if c.tls {
		scheme = "https://"
	}
	r := httptest.NewRequest(method, scheme+host+path, body)
	r.RemoteAddr = c.remote
	for k, v := range c.header {
		r.Header[k] = v
	}
	return r
}

// post sends vals (plus a fresh session's CSRF token) to path with
// content type ct ("" for a urlencoded form).
func (c *regClient) post(path, ct string, vals url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	get := httptest.NewRecorder()
	c.h.ServeHTTP(get, c.request("GET", "/register", nil))
	if get.Code != http.StatusOK {
		c.t.Fatalf("GET /register from %s: %d", c.remote, get.Code)
	}
	cookie := strings.Split(get.Header().Get("Set-Cookie"), ";")[0]
	tok := between(get.Body.String(), `name="csrf_token" value="`, `"`)
	v := url.Values{"csrf_token": {tok}}
	for k, vs := range vals {
		v[k] = vs
	}
	req := c.request("POST", path, strings.NewReader(v.Encode()))
	if ct == "" {
		ct = "application/x-www-form-urlencoded"
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Cookie", cookie)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	return rec
}

func (c *regClient) register(email, pw string) *httptest.ResponseRecorder {
	c.t.Helper()
	return c.post("/register", "", url.Values{"email": {email}, "password": {pw}, "password_confirm": {pw}})
}

// invalid posts a registration that fails validation (422 when allowed).
func (c *regClient) invalid() *httptest.ResponseRecorder {
	c.t.Helper()
	return c.post("/register", "", url.Values{"email": {"not an address"}, "password": {"x"}, "password_confirm": {"y"}})
}

const regPassword = "purple-otter-quartz-91"

// limitedApp returns an app (dev mode unless args say otherwise) allowing
// limit registrations per hour, and the buffer its log goes to.
func limitedApp(t *testing.T, limit int, d Deps, args ...string) (*App, *syncBuffer) {
	t.Helper()
	cfg, err := config.Parse(append([]string{"-store", "memory", "-db", filepath.Join(t.TempDir(), "notes.db")}, args...), nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs := new(syncBuffer)
	d.Config = cfg
	d.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	a, _ := newTestApp(t, d)
	a.registerRate.Limit = limit
	return a, logs
}

// wantLimited checks a refused registration: 429, Retry-After in whole
// seconds (at most two windows: the current one and the next, for a
// client that kept posting), the registration form again with the
// message, the email as typed and no password.
func wantLimited(t *testing.T, rec *httptest.ResponseRecorder, email string) {
	t.Helper()
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("POST /register: %d, want 429\n%.400s", rec.Code, rec.Body)
	}
	ra, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if err != nil || ra < 1 || ra > int(2*registerPer/time.Second) {
		t.Errorf("Retry-After %q, want whole seconds within 2×%v", rec.Header().Get("Retry-After"), registerPer)
	}
	body := rec.Body.String()
	for _, want := range []string{`action="/register"`, `name="csrf_token"`, "Too many registrations from your network. Try again in " + strconv.Itoa(ra) + " seconds."} {
		if !strings.Contains(body, want) {
			t.Errorf("429 page lacks %q", want)
		}
	}
	if email != "" && !strings.Contains(body, `value="`+email+`"`) {
		t.Errorf("429 page does not keep the email %q", email)
	}
	if strings.Contains(body, regPassword) {
		t.Error("429 page echoes the password")
	}
}

// TestRegisterLimit: every readable registration form counts, whatever
// its outcome; past the limit the client gets 429 and no account is
// created; one security event is logged however often it is refused.
func TestRegisterLimit(t *testing.T) {
	a, logs := limitedApp(t, 4, Deps{})
	c := &regClient{t: t, h: a.Handler(), remote: "127.0.0.1:40000"}
	if rec := c.register("first@example.com", regPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("first registration: %d, want 303", rec.Code)
	}
	if rec := c.invalid(); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid registration: %d, want 422", rec.Code)
	}
	if rec := c.register("first@example.com", regPassword); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate registration: %d, want 422", rec.Code)
	}
	// Unreadable forms get their own 4xx and are not counted.
	for range 3 {
		if rec := c.post("/register", "", url.Values{"email": {"a", "b"}}); rec.Code != http.StatusBadRequest {
			t.Fatalf("registration with two emails: %d, want 400", rec.Code)
		}
	}
	if rec := c.register("fourth@example.com", regPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("fourth registration: %d, want 303", rec.Code)
	}

	wantLimited(t, c.register("fifth@example.com", regPassword), "fifth@example.com")
	wantLimited(t, c.invalid(), "")
	wantLimited(t, c.register(`"><script>x</script>@example.com`, regPassword), "&#34;&gt;&lt;script&gt;x&lt;/script&gt;@example.com")
	// The refused registration created no account.
	login := c.post("/login", "", url.Values{"email": {"fifth@example.com"}, "password": {regPassword}})
	if login.Code != http.StatusUnauthorized {
		t.Errorf("login as the refused registration: %d, want 401", login.Code)
	}

	var events []string
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, `"event":"excess_use"`) {
			events = append(events, line)
		}
	}
	if len(events) != 1 {
		t.Fatalf("%d excess_use events for one burst of refusals, want 1:\n%s", len(events), logs)
	}
	for _, want := range []string{`"action":"register"`, `"network":"127.0.0.1/32"`, `"scope":"rate"`, `"limit":4`, `"level":"WARN"`} {
		if !strings.Contains(events[0], want) {
			t.Errorf("excess_use event lacks %s: %s", want, events[0])
		}
	}
	if strings.Contains(logs.String(), regPassword) {
		t.Error("the log contains a password")
	}
}

// TestRegisterLimitPerNetwork: the limit applies per client network, as
// the login throttle counts them, so rotating addresses within one IPv6
// /64, or sending X-Forwarded-For to a server not behind a proxy, does
// not escape it, while other clients are unaffected.
func TestRegisterLimitPerNetwork(t *testing.T) {
	tests := []struct {
		name          string
		first, second string // connection addresses
		header        http.Header
		wantLimited   bool
	}{
		{"another IPv4 address", "198.51.100.7:1000", "198.51.100.8:1000", nil, false},
		{"the same address, another port", "198.51.100.7:1000", "198.51.100.7:2000", nil, true},
		{"attack: another address in the same IPv6 /64", "[2001:db8::1]:1000", "[2001:db8::ffff:2]:1000", nil, true},
		{"another IPv6 /64", "[2001:db8::1]:1000", "[2001:db8:0:1::1]:1000", nil, false},
		{"attack: IPv4-mapped IPv6 form of the same address", "198.51.100.7:1000", "[::ffff:198.51.100.7]:1000", nil, true},
		{"attack: forged X-Forwarded-For without -behind-proxy", "198.51.100.7:1000", "198.51.100.7:1000",
			http.Header{"X-Forwarded-For": {"203.0.113.50"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := limitedApp(t, 2, Deps{})
			h := a.Handler()
			first := &regClient{t: t, h: h, remote: tt.first, tls: true}
			for range 2 {
				if rec := first.invalid(); rec.Code != http.StatusUnprocessableEntity {
					t.Fatalf("registration within the limit: %d, want 422", rec.Code)
				}
			}
			wantLimited(t, first.invalid(), "")
			second := &regClient{t: t, h: h, remote: tt.second, header: tt.header, tls: true}
			rec := second.invalid()
			if tt.wantLimited {
				wantLimited(t, rec, "")
			} else if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("another client's registration: %d, want 422", rec.Code)
			}
		})
	}
}

// TestRegisterLimitBehindProxy: behind a trusted proxy the limit counts
// the forwarded client address, not the proxy's.
func TestRegisterLimitBehindProxy(t *testing.T) {
	a, _ := limitedApp(t, 2, Deps{}, "-env", "production", "-behind-proxy")
	h := a.Handler()
	via := func(client string) *regClient {
		return &regClient{t: t, h: h, remote: "127.0.0.1:5000", host: "notes.example",
			header: http.Header{"X-Forwarded-For": {client}, "X-Forwarded-Proto": {"https"}}}
	}
	alice := via("198.51.100.7")
	if rec := alice.register("alice@example.com", regPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("registration through the proxy: %d, want 303\n%.400s", rec.Code, rec.Body)
	}
	if rec := alice.invalid(); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("second registration: %d, want 422", rec.Code)
	}
	wantLimited(t, alice.invalid(), "")
	if rec := via("198.51.100.8").register("bob@example.com", regPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("another client through the same proxy: %d, want 303", rec.Code)
	}
}

// TestRegisterLimitApartFromLogin: registration counts and the login
// throttle's counters live in one store under separate keys: neither
// uses up the other.
func TestRegisterLimitApartFromLogin(t *testing.T) {
	a, _ := limitedApp(t, 2, Deps{})
	h := a.Handler()
	c := &regClient{t: t, h: h, remote: "198.51.100.7:1000", tls: true}
	if rec := c.register("alice@example.com", regPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("registration: %d, want 303", rec.Code)
	}
	var last int
	for range 6 { // past the login throttle's free failures
		last = c.post("/login", "", url.Values{"email": {"alice@example.com"}, "password": {"wrong-password-1"}}).Code
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("sixth failed login: %d, want 429", last)
	}
	if rec := c.invalid(); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("registration after failed logins: %d, want 422 (failed logins must not count)", rec.Code)
	}
	wantLimited(t, c.invalid(), "")

	// A network over the registration limit still logs in.
	b := &regClient{t: t, h: h, remote: "198.51.100.9:1000", tls: true}
	if rec := b.register("carol@example.com", regPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("registration: %d, want 303", rec.Code)
	}
	b.invalid()
	wantLimited(t, b.invalid(), "")
	if rec := b.post("/login", "", url.Values{"email": {"carol@example.com"}, "password": {regPassword}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("login from a network over the registration limit: %d, want 303", rec.Code)
	}
}

// TestRegisterLimitWindow: the count slides out of the window; a client
// that keeps posting while refused is refused for longer.
func TestRegisterLimitWindow(t *testing.T) {
	a, _ := limitedApp(t, 3, Deps{})
	var mu sync.Mutex
	now := time.Now()
	a.registerRate.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
	}
	c := &regClient{t: t, h: a.Handler(), remote: "198.51.100.7:1000", tls: true}
	for range 3 {
		if rec := c.invalid(); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("within the limit: %d", rec.Code)
		}
	}
	first := c.invalid()
	wantLimited(t, first, "")
	retry, _ := strconv.Atoi(first.Header().Get("Retry-After"))
	for range 5 {
		c.invalid()
	}
	again := c.invalid()
	wantLimited(t, again, "")
	if r, _ := strconv.Atoi(again.Header().Get("Retry-After")); r <= retry {
		t.Errorf("Retry-After after more refused posts = %d, want more than %d", r, retry)
	}
	advance(3 * registerPer)
	if rec := c.invalid(); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("after the window: %d, want 422", rec.Code)
	}
}

// failingThrottle is a throttle store that is down.
type failingThrottle struct{}

var errThrottleDown = errors.New("throttle store down (test)")

func (failingThrottle) Incr(context.Context, string, time.Time, time.Duration) (throttle.Counter, error) {
	return throttle.Counter{}, errThrottleDown
}
func (failingThrottle) Decr(context.Context, string, time.Time) error { return errThrottleDown }
func (failingThrottle) Get(context.Context, string, time.Time) (throttle.Counter, error) {
	return throttle.Counter{}, errThrottleDown
}
func (failingThrottle) Reset(context.Context, string) error { return errThrottleDown }

// TestRegisterLimitStoreDown: registration fails closed, like login, when
// the counts cannot be kept.
func TestRegisterLimitStoreDown(t *testing.T) {
	a, logs := limitedApp(t, config.DefaultRegisterLimit, Deps{ThrottleStore: failingThrottle{}})
	c := &regClient{t: t, h: a.Handler(), remote: "198.51.100.7:1000", tls: true}
	rec := c.register("alice@example.com", regPassword)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("registration with the throttle store down: %d Retry-After %q, want 503 with Retry-After",
			rec.Code, rec.Header().Get("Retry-After"))
	}
	if strings.Contains(rec.Body.String(), errThrottleDown.Error()) {
		t.Error("the 503 page shows the store error")
	}
	if !strings.Contains(logs.String(), errThrottleDown.Error()) {
		t.Error("the store error is not logged")
	}
	if rec := c.post("/login", "", url.Values{"email": {"alice@example.com"}, "password": {regPassword}}); rec.Code == http.StatusSeeOther {
		t.Error("the refused registration created an account")
	}
}

// TestRegisterLimitDefault: the default is generous: a burst of 100
// registrations from one address (more than the contract's black-box
// suite makes) all go through.
func TestRegisterLimitDefault(t *testing.T) {
	a, _ := newTestApp(t, Deps{})
	if a.registerRate.Limit != config.DefaultRegisterLimit || a.registerRate.Per != registerPer {
		t.Fatalf("registration limit %d per %v, want %d per %v", a.registerRate.Limit, a.registerRate.Per, config.DefaultRegisterLimit, registerPer)
	}
	c := &regClient{t: t, h: a.Handler(), remote: "127.0.0.1:40000"}
	for i := range 100 {
		if rec := c.invalid(); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("registration %d: %d, want 422", i+1, rec.Code)
		}
	}
}

// TestRegisterLimitFlag: -register-limit sets the limit: with 3, the
// fourth registration from one network within the hour is refused.
func TestRegisterLimitFlag(t *testing.T) {
	cfg, err := config.Parse([]string{"-store", "memory", "-db", filepath.Join(t.TempDir(), "notes.db"), "-register-limit", "3"}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := newTestApp(t, Deps{Config: cfg})
	if a.registerRate.Limit != 3 {
		t.Fatalf("registration limit %d, want 3 from -register-limit", a.registerRate.Limit)
	}
	c := &regClient{t: t, h: a.Handler(), remote: "127.0.0.1:40000"}
	for i := range 3 {
		if rec := c.invalid(); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("registration %d: %d, want 422", i+1, rec.Code)
		}
	}
	wantLimited(t, c.register("late@example.com", regPassword), "late@example.com")
}
