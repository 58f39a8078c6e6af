package throttle_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/throttletest"
)

var (
	ctx      = context.Background()
	t0       = time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	attacker = netip.MustParseAddr("203.0.113.7")
	userIP   = netip.MustParseAddr("198.51.100.20")
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newLimiter(t *testing.T, cfg throttle.Config) (*throttle.Limiter, *throttletest.Clock) {
	t.Helper()
	clock := throttletest.NewClock(t0)
	cfg.Now = clock.Now
	if cfg.Logger == nil {
		cfg.Logger = quiet()
	}
	return throttle.New(throttle.NewMemoryStore(throttle.MemoryConfig{}), cfg), clock
}

// try runs one attempt that fails. It returns Begin's error.
func try(l *throttle.Limiter, account string, ip netip.Addr) error {
	a, err := l.Begin(ctx, account, ip)
	if err == nil {
		a.Fail(ctx)
	}
	return err
}

func login(t *testing.T, l *throttle.Limiter, account string, ip netip.Addr) {
	t.Helper()
	a, err := l.Begin(ctx, account, ip)
	if err != nil {
		t.Fatalf("Begin(%s, %v) for a successful login: %v", account, ip, err)
	}
	if err := a.Succeed(ctx); err != nil {
		t.Fatalf("Succeed: %v", err)
	}
}

func limited(t *testing.T, err error) *throttle.LimitedError {
	t.Helper()
	var le *throttle.LimitedError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a *LimitedError", err)
	}
	if !errors.Is(err, throttle.ErrLimited) {
		t.Errorf("errors.Is(%v, ErrLimited) = false", err)
	}
	return le
}

func TestMemoryStoreConformance(t *testing.T) {
	throttletest.Run(t, func(t *testing.T) throttle.Store {
		return throttle.NewMemoryStore(throttle.MemoryConfig{})
	})
}

func TestBackoffDoublesUpToCap(t *testing.T) {
	l, clock := newLimiter(t, throttle.Config{})
	for i := range 5 {
		if err := try(l, "alice@example.com", attacker); err != nil {
			t.Fatalf("free failure %d: %v", i+1, err)
		}
	}
	wantDelays := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}
	for i := range wantDelays {
		wantDelays[i] *= time.Second
	}
	wantDelays = append(wantDelays, 15*time.Minute, 15*time.Minute, 15*time.Minute)
	for _, d := range wantDelays {
		le := limited(t, try(l, "alice@example.com", attacker))
		if le.RetryAfter != d || le.Scope != throttle.ScopeAccountIP {
			t.Fatalf("RetryAfter, Scope = %v, %s; want %v, account_ip", le.RetryAfter, le.Scope, d)
		}
		clock.Advance(d - time.Millisecond)
		limited(t, try(l, "alice@example.com", attacker)) // too early restarts the wait
		clock.Advance(d)
		if err := try(l, "alice@example.com", attacker); err != nil {
			t.Fatalf("after waiting %v: %v", d, err)
		}
	}
}

func TestBackoffOverflowStaysAtCap(t *testing.T) {
	l, clock := newLimiter(t, throttle.Config{FreeFailures: 1, BaseDelay: time.Nanosecond, MaxDelay: time.Hour, Window: 2 * time.Hour, AccountLimit: 1000, IPFreeFailures: 1000})
	try(l, "a", attacker)
	var last time.Duration
	for i := range 100 { // past 62 doublings, where a shift overflows
		le := limited(t, try(l, "a", attacker))
		if le.RetryAfter < last || le.RetryAfter > time.Hour {
			t.Fatalf("failure %d: RetryAfter %v after %v", i, le.RetryAfter, last)
		}
		last = le.RetryAfter
		clock.Advance(le.RetryAfter)
		if err := try(l, "a", attacker); err != nil {
			t.Fatalf("failure %d after waiting: %v", i, err)
		}
	}
	if last != time.Hour {
		t.Errorf("final delay %v, want the cap", last)
	}
}

func TestAttacksAndOrdinaryLogins(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, l *throttle.Limiter, clock *throttletest.Clock)
	}{
		{"ordinary user mistypes twice then logs in", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			try(l, "bob@example.com", userIP)
			try(l, "bob@example.com", userIP)
			login(t, l, "bob@example.com", userIP)
		}},
		{"guessing one account from one network is slowed down", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for range 5 {
				try(l, "bob@example.com", attacker)
			}
			limited(t, try(l, "bob@example.com", attacker))
		}},
		{"case and space variants of the account share a counter", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for _, acct := range []string{"bob@example.com", "BOB@example.com", " Bob@Example.COM", "bob@EXAMPLE.com\t", "bOb@example.com"} {
				try(l, acct, attacker)
			}
			limited(t, try(l, "Bob@example.com", attacker))
		}},
		{"NFD spelling of the account shares the NFC counter", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for range 5 {
				try(l, "jos\u00e9@example.com", attacker)
			}
			limited(t, try(l, "jose\u0301@example.com", attacker))
		}},
		{"attacker's failures do not slow the real user on another network", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for range 30 {
				try(l, "bob@example.com", attacker)
			}
			login(t, l, "bob@example.com", userIP)
		}},
		{"rotating IPv6 addresses inside one /64 does not help", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for i := range 5 {
				ip := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, byte(i + 1)})
				try(l, "bob@example.com", ip)
			}
			limited(t, try(l, "bob@example.com", netip.MustParseAddr("2001:db8:1:2:ffff::9")))
		}},
		{"IPv4-mapped IPv6 address counts as the IPv4 address", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for range 5 {
				try(l, "bob@example.com", attacker)
			}
			limited(t, try(l, "bob@example.com", netip.MustParseAddr("::ffff:203.0.113.7")))
		}},
		{"logging in to an own account does not clear the network's failures", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for i := range 100 {
				try(l, "victim"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+"@example.com", attacker)
				if i%10 == 0 {
					login(t, l, "mallory@example.com", attacker)
				}
			}
			le := limited(t, try(l, "new-victim@example.com", attacker))
			if le.Scope != throttle.ScopeIP {
				t.Errorf("Scope = %s, want ip", le.Scope)
			}
		}},
		{"password spraying from one network hits the network limit", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for i := range 100 {
				if err := try(l, "user"+itoa(i)+"@example.com", attacker); err != nil {
					t.Fatalf("spray %d: %v", i, err)
				}
			}
			le := limited(t, try(l, "user100@example.com", attacker))
			if le.Scope != throttle.ScopeIP || le.RetryAfter != time.Second {
				t.Errorf("got %v, want 1s on scope ip", le)
			}
		}},
		{"user who logged in from a sprayed network before is exempt", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			login(t, l, "colleague@example.com", attacker) // same office NAT
			for i := range 150 {
				try(l, "user"+itoa(i)+"@example.com", attacker)
			}
			login(t, l, "colleague@example.com", attacker)
		}},
		{"botnet spread over many networks hits the account limit", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for i := range 100 {
				if err := try(l, "bob@example.com", botIP(i)); err != nil {
					t.Fatalf("bot %d: %v", i, err)
				}
			}
			le := limited(t, try(l, "bob@example.com", botIP(1000)))
			if le.Scope != throttle.ScopeAccount || le.RetryAfter != 24*time.Hour {
				t.Errorf("got %v, want 24h on scope account", le)
			}
		}},
		{"botnet cannot lock the user out of a network they used before", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			login(t, l, "bob@example.com", userIP)
			for i := range 300 {
				try(l, "bob@example.com", botIP(i))
			}
			login(t, l, "bob@example.com", userIP)
			// Success starts a new run of consecutive failures.
			if err := try(l, "bob@example.com", botIP(1000)); err != nil {
				t.Fatalf("after the user's success: %v", err)
			}
		}},
		{"account limit lifts after a quiet window", func(t *testing.T, l *throttle.Limiter, clock *throttletest.Clock) {
			for i := range 100 {
				try(l, "bob@example.com", botIP(i))
			}
			clock.Advance(23 * time.Hour)
			le := limited(t, try(l, "bob@example.com", userIP))
			if le.RetryAfter != time.Hour {
				t.Errorf("RetryAfter = %v, want 1h (refused attempts must not extend the lock)", le.RetryAfter)
			}
			clock.Advance(time.Hour)
			login(t, l, "bob@example.com", userIP)
		}},
		{"ResetAccount lifts the account limit", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for i := range 100 {
				try(l, "bob@example.com", botIP(i))
			}
			if err := l.ResetAccount(ctx, "BOB@example.com"); err != nil {
				t.Fatal(err)
			}
			login(t, l, "bob@example.com", userIP)
		}},
		{"attempt that never reports its outcome counts as a failure", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for range 5 {
				if _, err := l.Begin(ctx, "bob@example.com", attacker); err != nil {
					t.Fatal(err)
				}
			}
			limited(t, try(l, "bob@example.com", attacker))
		}},
		{"calling Fail twice counts once", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			a, _ := l.Begin(ctx, "bob@example.com", attacker)
			a.Fail(ctx)
			a.Fail(ctx)
			if err := a.Succeed(ctx); err != nil {
				t.Fatal(err)
			}
			for range 4 {
				try(l, "bob@example.com", attacker)
			}
			limited(t, try(l, "bob@example.com", attacker))
		}},
		{"clients with unknown address share one network counter", func(t *testing.T, l *throttle.Limiter, _ *throttletest.Clock) {
			for range 5 {
				try(l, "bob@example.com", netip.Addr{})
			}
			limited(t, try(l, "bob@example.com", netip.Addr{}))
			login(t, l, "bob@example.com", userIP)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, clock := newLimiter(t, throttle.Config{})
			tc.run(t, l, clock)
		})
	}
}

func botIP(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}

func itoa(i int) string {
	return string(rune('a'+i/100)) + string(rune('a'+i/10%10)) + string(rune('a'+i%10))
}

// A burst of concurrent guesses must not all pass while the count is low.
func TestConcurrentBurstAdmitsOnlyFreeFailures(t *testing.T) {
	l, _ := newLimiter(t, throttle.Config{})
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if a, err := l.Begin(ctx, "bob@example.com", attacker); err == nil {
				admitted.Add(1)
				a.Fail(ctx)
			}
		})
	}
	wg.Wait()
	if n := admitted.Load(); n != 5 {
		t.Errorf("admitted %d of 64 concurrent attempts, want exactly FreeFailures = 5", n)
	}
}

func TestConcurrentUse(t *testing.T) {
	l := throttle.New(nil, throttle.Config{Logger: quiet()})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				a, err := l.Begin(ctx, "user"+itoa(i%7)+"@example.com", botIP(g))
				if err != nil {
					continue
				}
				if i%3 == 0 {
					_ = a.Succeed(ctx)
				} else {
					a.Fail(ctx)
				}
			}
		})
	}
	wg.Wait()
}

// brokenStore fails every call while down is set.
type brokenStore struct {
	throttle.Store
	down atomic.Bool
}

var errDown = errors.New("dial tcp 10.0.0.5:6379: connection refused")

func (s *brokenStore) Incr(ctx context.Context, key string, now time.Time, ttl time.Duration) (throttle.Counter, error) {
	if s.down.Load() {
		return throttle.Counter{}, errDown
	}
	return s.Store.Incr(ctx, key, now, ttl)
}

func (s *brokenStore) Decr(ctx context.Context, key string, now time.Time) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Decr(ctx, key, now)
}

func (s *brokenStore) Get(ctx context.Context, key string, now time.Time) (throttle.Counter, error) {
	if s.down.Load() {
		return throttle.Counter{}, errDown
	}
	return s.Store.Get(ctx, key, now)
}

func (s *brokenStore) Reset(ctx context.Context, key string) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Reset(ctx, key)
}

// getFailsStore fails only Get, so Begin fails after its increments.
type getFailsStore struct{ throttle.Store }

func (getFailsStore) Get(context.Context, string, time.Time) (throttle.Counter, error) {
	return throttle.Counter{}, errDown
}

func TestStoreDownFailsClosed(t *testing.T) {
	st := &brokenStore{Store: throttle.NewMemoryStore(throttle.MemoryConfig{})}
	var logs bytes.Buffer
	l := throttle.New(st, throttle.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	a, err := l.Begin(ctx, "bob@example.com", userIP)
	if err != nil {
		t.Fatal(err)
	}
	st.down.Store(true)
	if err := a.Succeed(ctx); !errors.Is(err, throttle.ErrUnavailable) {
		t.Errorf("Succeed with the store down = %v, want ErrUnavailable", err)
	}
	_, err = l.Begin(ctx, "bob@example.com", userIP)
	if !errors.Is(err, throttle.ErrUnavailable) || errors.Is(err, throttle.ErrLimited) {
		t.Fatalf("Begin with the store down = %v, want ErrUnavailable only", err)
	}
	if !errors.Is(err, errDown) {
		t.Errorf("Begin error %v does not wrap the store error", err)
	}
	if strings.Contains(err.Error(), "bob") {
		t.Errorf("error %q names the account", err)
	}
	if err := l.ResetAccount(ctx, "bob@example.com"); !errors.Is(err, throttle.ErrUnavailable) {
		t.Errorf("ResetAccount = %v, want ErrUnavailable", err)
	}
	if logs.Len() != 0 {
		t.Errorf("fail-closed path logged %q", logs.String())
	}

	// A store failing half-way through Begin takes back what it counted.
	mem := throttle.NewMemoryStore(throttle.MemoryConfig{})
	lh := throttle.New(getFailsStore{mem}, throttle.Config{Now: func() time.Time { return t0 }})
	for range 10 {
		if _, err := lh.Begin(ctx, "bob@example.com", attacker); !errors.Is(err, throttle.ErrUnavailable) {
			t.Fatalf("Begin with Get failing = %v", err)
		}
	}
	for _, k := range []string{"ip:203.0.113.7/32"} {
		if c, _ := mem.Incr(ctx, k, t0, time.Hour); c.Count != 0 {
			t.Errorf("%s counted %d failed Begins, want 0", k, c.Count)
		}
	}
}

func TestStoreDownInsecureFailOpen(t *testing.T) {
	st := &brokenStore{Store: throttle.NewMemoryStore(throttle.MemoryConfig{})}
	st.down.Store(true)
	var logs bytes.Buffer
	l := throttle.New(st, throttle.Config{InsecureFailOpen: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	a, err := l.Begin(ctx, "bob@example.com", userIP)
	if err != nil {
		t.Fatalf("Begin with InsecureFailOpen = %v, want nil", err)
	}
	a.Fail(ctx)
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "InsecureFailOpen") {
		t.Errorf("fail-open was not logged loudly: %q", logs.String())
	}
	if strings.Contains(logs.String(), "bob") {
		t.Errorf("log names the account: %q", logs.String())
	}
}

func TestEvents(t *testing.T) {
	var logs bytes.Buffer
	l, clock := newLimiter(t, throttle.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	for range 4 {
		try(l, "Bob@Example.com", attacker)
	}
	if logs.Len() != 0 {
		t.Fatalf("free failures logged events: %s", logs.String())
	}
	try(l, "Bob@Example.com", attacker)
	got := logs.String()
	for _, want := range []string{`"event":"authn_login_lock"`, `"scope":"account_ip"`, `"failures":5`, `"account":"bob@example.com"`, `"network":"203.0.113.7/32"`, `"level":"WARN"`} {
		if !strings.Contains(got, want) {
			t.Errorf("lock event %s lacks %s", got, want)
		}
	}
	logs.Reset()
	for range 50 {
		try(l, "bob@example.com", attacker) // refused: not logged
	}
	if logs.Len() != 0 {
		t.Errorf("refused attempts logged: %s", logs.String())
	}

	for i := range 95 {
		clock.Advance(time.Hour)
		try(l, "u"+itoa(i), attacker)
	}
	if !strings.Contains(logs.String(), `"event":"excess_use","scope":"ip","failures":100`) {
		t.Errorf("no excess_use event at the 100th failure from one network: %s", logs.String())
	}

	logs.Reset()
	for i := range 100 {
		try(l, "carol@example.com", botIP(i))
	}
	if n := strings.Count(logs.String(), `"scope":"account"`); n != 1 {
		t.Errorf("account lock events = %d, want 1: %s", n, logs.String())
	}
}

func TestBeginRequestUsesClientIP(t *testing.T) {
	l, _ := newLimiter(t, throttle.Config{})
	for range 5 {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = "[2001:db8:5:6::1]:40000"
		a, err := l.BeginRequest(r, "bob@example.com")
		if err != nil {
			t.Fatal(err)
		}
		a.Fail(ctx)
	}
	limited(t, try(l, "bob@example.com", netip.MustParseAddr("2001:db8:5:6::abcd")))
}

func TestLimitedError(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "1"}, {time.Millisecond, "1"}, {time.Second, "1"}, {1200 * time.Millisecond, "2"},
		{15 * time.Minute, "900"}, {24 * time.Hour, "86400"},
	}
	for _, tc := range tests {
		e := &throttle.LimitedError{RetryAfter: tc.d, Scope: throttle.ScopeAccountIP}
		if got := e.RetryAfterHeader(); got != tc.want {
			t.Errorf("RetryAfterHeader(%v) = %s, want %s", tc.d, got, tc.want)
		}
	}
	e := &throttle.LimitedError{RetryAfter: 2 * time.Second, Scope: throttle.ScopeIP}
	if got := e.Error(); got != "rampart/throttle: too many failed attempts (ip); retry after 2s" {
		t.Errorf("Error() = %q", got)
	}
}

func TestNormalizeAccount(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice@example.com", "alice@example.com"},
		{"  Alice@Example.COM\t\n", "alice@example.com"},
		{"jose\u0301@example.com", "jos\u00e9@example.com"},
		{"ÉLODIE", "élodie"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := throttle.NormalizeAccount(tc.in); got != tc.want {
			t.Errorf("NormalizeAccount(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNetwork(t *testing.T) {
	tests := []struct{ in, want string }{
		{"203.0.113.7", "203.0.113.7/32"},
		{"::ffff:203.0.113.7", "203.0.113.7/32"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
	}
	for _, tc := range tests {
		if got := throttle.Network(netip.MustParseAddr(tc.in)).String(); got != tc.want {
			t.Errorf("Network(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if p := throttle.Network(netip.Addr{}); p.IsValid() {
		t.Errorf("Network(zero) = %v, want invalid", p)
	}
}

func TestConfigPanics(t *testing.T) {
	tests := map[string]throttle.Config{
		"negative FreeFailures":  {FreeFailures: -1},
		"negative Window":        {Window: -time.Second},
		"MaxDelay below Base":    {BaseDelay: time.Minute, MaxDelay: time.Second},
		"negative AccountLimit":  {AccountLimit: -5},
		"negative IPFreeFailure": {IPFreeFailures: -1},
		"MaxDelay above Window":  {MaxDelay: 48 * time.Hour},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r, _ := recover().(string); !strings.HasPrefix(r, "rampart/throttle: ") {
					t.Errorf("panic = %q, want a rampart/throttle: panic", r)
				}
			}()
			throttle.New(nil, cfg)
		})
	}
}

func TestRefusedBeginReturnsNoAttempt(t *testing.T) {
	l, _ := newLimiter(t, throttle.Config{})
	for range 5 {
		try(l, "bob@example.com", attacker)
	}
	a, err := l.Begin(ctx, "bob@example.com", attacker)
	if a != nil || err == nil {
		t.Fatalf("Begin when limited = %v, %v; want nil Attempt and an error", a, err)
	}
	st := &brokenStore{Store: throttle.NewMemoryStore(throttle.MemoryConfig{})}
	st.down.Store(true)
	if a, err := throttle.New(st, throttle.Config{}).Begin(ctx, "bob@example.com", attacker); a != nil || err == nil {
		t.Fatalf("Begin with the store down = %v, %v; want nil Attempt and an error", a, err)
	}
}

// cancelStore cancels the request context during Begin's account lookup and
// then honours cancellation like a network store would.
type cancelStore struct {
	throttle.Store
	cancel context.CancelFunc
}

func (s cancelStore) Get(ctx context.Context, key string, now time.Time) (throttle.Counter, error) {
	c, err := s.Store.Get(ctx, key, now)
	s.cancel()
	return c, err
}

func (s cancelStore) Decr(ctx context.Context, key string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.Store.Decr(ctx, key, now)
}

// A client that hangs up while being refused must not inflate its counters.
func TestRefusedAttemptsOfGoneClientsAreNotCounted(t *testing.T) {
	clock := throttletest.NewClock(t0)
	mem := throttle.NewMemoryStore(throttle.MemoryConfig{})
	plain := throttle.New(mem, throttle.Config{Now: clock.Now, Logger: quiet()})
	for range 5 {
		try(plain, "bob@example.com", attacker)
	}
	for range 10 {
		rctx, cancel := context.WithCancel(ctx)
		l := throttle.New(cancelStore{mem, cancel}, throttle.Config{Now: clock.Now, Logger: quiet()})
		if _, err := l.Begin(rctx, "bob@example.com", attacker); !errors.Is(err, throttle.ErrLimited) {
			t.Fatalf("Begin = %v, want ErrLimited", err)
		}
	}
	clock.Advance(time.Second)
	if err := try(plain, "bob@example.com", attacker); err != nil {
		t.Fatalf("after 1s: %v (refused attempts were counted)", err)
	}
}

// TestAbandonIsNotAFailure: attempts whose credentials could not be checked
// (overload, a store outage) must not back off the real user.
func TestAbandonIsNotAFailure(t *testing.T) {
	l := throttle.New(throttle.NewMemoryStore(throttle.MemoryConfig{}), throttle.Config{})
	ctx := context.Background()
	ip := netip.MustParseAddr("192.0.2.1")
	for i := 0; i < 20; i++ {
		a, err := l.Begin(ctx, "alice@example.com", ip)
		if err != nil {
			t.Fatalf("abandoned attempt %d refused: %v", i, err)
		}
		if err := a.Abandon(ctx); err != nil {
			t.Fatal(err)
		}
		a.Fail(ctx) // after Abandon: does nothing
	}
	// Real failures still count from zero: the sixth is refused.
	for i := 0; i < 5; i++ {
		a, err := l.Begin(ctx, "alice@example.com", ip)
		if err != nil {
			t.Fatalf("failure %d refused early: %v", i+1, err)
		}
		a.Fail(ctx)
	}
	if _, err := l.Begin(ctx, "alice@example.com", ip); !errors.Is(err, throttle.ErrLimited) {
		t.Fatalf("after 5 real failures: %v, want ErrLimited", err)
	}
}
