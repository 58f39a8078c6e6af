package throttle_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/throttletest"
)

func newRate(t *testing.T, cfg throttle.RateConfig) (*throttle.Rate, *throttletest.Clock) {
	t.Helper()
	clock := throttletest.NewClock(t0) // t0 is on a minute boundary
	cfg.Now = clock.Now
	if cfg.Logger == nil {
		cfg.Logger = quiet()
	}
	return throttle.NewRate(nil, cfg), clock
}

func TestRateFixedBurst(t *testing.T) {
	r, clock := newRate(t, throttle.RateConfig{Limit: 10, Per: time.Minute})
	for i := range 10 {
		if err := r.Allow(ctx, "k"); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	le := limited(t, r.Allow(ctx, "k"))
	// 11 counted; next window at 60s, then 11*(1-s/60) < 10 after s > 5.45s.
	frac := 1 - 10.0/11
	want := time.Minute + time.Duration(float64(time.Minute)*frac)
	if le.Scope != throttle.ScopeRate || le.RetryAfter < want-time.Millisecond || le.RetryAfter > want+time.Millisecond {
		t.Errorf("got %v (%s), want about %v", le.RetryAfter, le.Scope, want)
	}
	if err := r.Allow(ctx, "other"); err != nil {
		t.Errorf("another key: %v", err)
	}
	clock.Advance(le.RetryAfter + time.Millisecond)
	if err := r.Allow(ctx, "k"); err != nil {
		t.Errorf("after Retry-After: %v", err)
	}
}

// A client cannot get 2×Limit through by straddling a window boundary.
func TestRateWindowBoundary(t *testing.T) {
	r, clock := newRate(t, throttle.RateConfig{Limit: 10, Per: time.Minute})
	clock.Advance(59 * time.Second)
	for range 10 {
		if err := r.Allow(ctx, "k"); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(2 * time.Second) // 1s into the next window
	allowed := 0
	for range 10 {
		if r.Allow(ctx, "k") == nil {
			allowed++
		}
	}
	if allowed > 1 {
		t.Errorf("%d requests allowed just after the boundary, want at most 1", allowed)
	}
	// Half-way through, half the previous window still counts.
	clock.Advance(29 * time.Second)
	if err := r.Allow(ctx, "k"); err == nil {
		t.Errorf("allowed at 30s with 10 previous + %d current", allowed+9)
	}
}

func TestRateRetryAfterWithinWindow(t *testing.T) {
	r, clock := newRate(t, throttle.RateConfig{Limit: 10, Per: time.Minute})
	for range 10 {
		r.Allow(ctx, "k")
	}
	clock.Advance(time.Minute) // all 10 now in the previous window, weight 1
	le := limited(t, r.Allow(ctx, "k"))
	// c = 1 counted now; allowed once 10*(1-s/60) < 9: s > 6s.
	if le.RetryAfter != 6*time.Second {
		t.Errorf("RetryAfter = %v, want 6s", le.RetryAfter)
	}
	clock.Advance(6*time.Second + time.Millisecond)
	if err := r.Allow(ctx, "k"); err != nil {
		t.Errorf("after Retry-After: %v", err)
	}
}

func TestRateHandler(t *testing.T) {
	var logs bytes.Buffer
	r, _ := newRate(t, throttle.RateConfig{Limit: 3, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	h := r.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	do := func(remote string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api", nil)
		req.RemoteAddr = remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	for i := range 3 {
		if w := do("[2001:db8:1:2::1]:1000"); w.Code != http.StatusNoContent {
			t.Fatalf("request %d: %d", i+1, w.Code)
		}
	}
	for _, remote := range []string{"[2001:db8:1:2::1]:1000", "[2001:db8:1:2:ffff::9]:2000"} { // same /64
		w := do(remote)
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %d, Retry-After %q; want 429 with Retry-After", remote, w.Code, w.Header().Get("Retry-After"))
		}
	}
	if w := do("192.0.2.1:1000"); w.Code != http.StatusNoContent {
		t.Errorf("other client: %d", w.Code)
	}
	if n := strings.Count(logs.String(), "event=excess_use"); n != 1 {
		t.Errorf("excess_use events = %d, want 1 per burst: %s", n, logs.String())
	}
}

func TestRateStoreDown(t *testing.T) {
	st := &brokenStore{Store: throttle.NewMemoryStore(throttle.MemoryConfig{})}
	st.down.Store(true)
	r := throttle.NewRate(st, throttle.RateConfig{Logger: quiet()})
	if err := r.Allow(ctx, "k"); !errors.Is(err, throttle.ErrUnavailable) {
		t.Errorf("Allow with the store down = %v, want ErrUnavailable", err)
	}
	w := httptest.NewRecorder()
	r.Handler(http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("Handler with the store down = %d, want 503", w.Code)
	}
	open := throttle.NewRate(st, throttle.RateConfig{Logger: quiet(), InsecureFailOpen: true})
	if err := open.Allow(ctx, "k"); err != nil {
		t.Errorf("InsecureFailOpen Allow = %v, want nil", err)
	}
}

func BenchmarkRateAllow(b *testing.B) {
	r := throttle.NewRate(nil, throttle.RateConfig{Limit: 1 << 30, Logger: quiet()})
	keys := benchAccounts(1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := r.Allow(ctx, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
	}
}
