// Package throttletest is the conformance suite every [throttle.Store]
// runs, and a fake clock for tests of code that uses a [throttle.Limiter].
//
// A store package's test calls [Run]:
//
//	func TestConformance(t *testing.T) {
//		throttletest.Run(t, func(t *testing.T) throttle.Store { return newTestStore(t) })
//	}
//
// Every subtest uses keys with a random prefix, so newStore may return the
// same store each time and several runs may share one database or Redis.
package throttletest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartgo/rampart/throttle"
)

// Clock is a settable clock for Config.Now. The zero Clock starts at the
// zero time; use [NewClock]. Safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock set to start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Run runs the conformance suite against stores returned by newStore.
func Run(t *testing.T, newStore func(t *testing.T) throttle.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s throttle.Store, prefix string)
	}{
		{"GetAbsent", testGetAbsent},
		{"IncrReturnsPrevious", testIncrReturnsPrevious},
		{"Decr", testDecr},
		{"Reset", testReset},
		{"KeysIndependent", testKeysIndependent},
		{"UnusualKeys", testUnusualKeys},
		{"Expiry", testExpiry},
		{"ConcurrentIncrIsAtomic", testConcurrentIncr},
		{"LimiterBackoff", testLimiterBackoff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t), randomPrefix(t))
		})
	}
}

func randomPrefix(t *testing.T) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "t" + hex.EncodeToString(b[:]) + ":"
}

// base is a fixed instant near the real time, so that stores which judge
// expiry by their own clock (Redis) agree with the now passed in.
func base() time.Time { return time.Now().Truncate(time.Millisecond) }

func mustIncr(t *testing.T, s throttle.Store, key string, now time.Time, ttl time.Duration) throttle.Counter {
	t.Helper()
	c, err := s.Incr(context.Background(), key, now, ttl)
	if err != nil {
		t.Fatalf("Incr(%q): %v", key, err)
	}
	return c
}

func mustGet(t *testing.T, s throttle.Store, key string, now time.Time) throttle.Counter {
	t.Helper()
	c, err := s.Get(context.Background(), key, now)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return c
}

func mustDecr(t *testing.T, s throttle.Store, key string, now time.Time) {
	t.Helper()
	if err := s.Decr(context.Background(), key, now); err != nil {
		t.Fatalf("Decr(%q): %v", key, err)
	}
}

func same(a, b throttle.Counter) bool {
	return a.Count == b.Count && a.Last.Equal(b.Last)
}

func want(t *testing.T, what string, got, exp throttle.Counter) {
	t.Helper()
	if !same(got, exp) {
		t.Errorf("%s = {Count: %d, Last: %v}, want {Count: %d, Last: %v}", what, got.Count, got.Last, exp.Count, exp.Last)
	}
}

func testGetAbsent(t *testing.T, s throttle.Store, p string) {
	want(t, "Get(absent)", mustGet(t, s, p+"absent", base()), throttle.Counter{})
}

func testIncrReturnsPrevious(t *testing.T, s throttle.Store, p string) {
	k, t0 := p+"k", base()
	t1, t2 := t0.Add(time.Second), t0.Add(2*time.Second)
	want(t, "first Incr", mustIncr(t, s, k, t0, time.Hour), throttle.Counter{})
	want(t, "second Incr", mustIncr(t, s, k, t1, time.Hour), throttle.Counter{Count: 1, Last: t0})
	want(t, "third Incr", mustIncr(t, s, k, t2, time.Hour), throttle.Counter{Count: 2, Last: t1})
	want(t, "Get", mustGet(t, s, k, t2), throttle.Counter{Count: 3, Last: t2})
}

func testDecr(t *testing.T, s throttle.Store, p string) {
	k, t0 := p+"k", base()
	t1 := t0.Add(time.Second)
	mustIncr(t, s, k, t0, time.Hour)
	mustIncr(t, s, k, t1, time.Hour)
	mustDecr(t, s, k, t1)
	want(t, "after one Decr", mustGet(t, s, k, t1), throttle.Counter{Count: 1, Last: t1})
	mustDecr(t, s, k, t1)
	mustDecr(t, s, k, t1) // must not go below zero
	want(t, "after Decr past zero", mustGet(t, s, k, t1), throttle.Counter{Count: 0, Last: t1})
	want(t, "Incr after Decr", mustIncr(t, s, k, t1, time.Hour), throttle.Counter{Count: 0, Last: t1})

	mustDecr(t, s, p+"absent", t1)
	want(t, "Get after Decr of absent key", mustGet(t, s, p+"absent", t1), throttle.Counter{})
}

func testReset(t *testing.T, s throttle.Store, p string) {
	k, t0 := p+"k", base()
	mustIncr(t, s, k, t0, time.Hour)
	mustIncr(t, s, k, t0, time.Hour)
	if err := s.Reset(context.Background(), k); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	want(t, "Get after Reset", mustGet(t, s, k, t0), throttle.Counter{})
	want(t, "Incr after Reset", mustIncr(t, s, k, t0, time.Hour), throttle.Counter{})
	if err := s.Reset(context.Background(), p+"absent"); err != nil {
		t.Errorf("Reset(absent) = %v, want nil", err)
	}
}

func testKeysIndependent(t *testing.T, s throttle.Store, p string) {
	t0 := base()
	mustIncr(t, s, p+"a", t0, time.Hour)
	mustIncr(t, s, p+"a", t0, time.Hour)
	mustIncr(t, s, p+"b", t0, time.Hour)
	mustDecr(t, s, p+"b", t0)
	want(t, "Get(a)", mustGet(t, s, p+"a", t0), throttle.Counter{Count: 2, Last: t0})
	if err := s.Reset(context.Background(), p+"a"); err != nil {
		t.Fatal(err)
	}
	want(t, "Get(b)", mustGet(t, s, p+"b", t0), throttle.Counter{Count: 0, Last: t0})
	want(t, "Get(ab)", mustGet(t, s, p+"ab", t0), throttle.Counter{})
}

func testUnusualKeys(t *testing.T, s throttle.Store, p string) {
	t0 := base()
	keys := []string{
		p + "pair:0123456789abcdef0123456789abcdef|2001:db8:1:2::/64",
		p + "spaces and 'quotes' \"double\" ; DROP TABLE x; --",
		p + "ünïcödé ✓",
		p + "*?[glob]\\",
		p + strings.Repeat("x", 200),
	}
	for i, k := range keys {
		for range i + 1 {
			mustIncr(t, s, k, t0, time.Hour)
		}
	}
	for i, k := range keys {
		want(t, fmt.Sprintf("Get(%.40q)", k), mustGet(t, s, k, t0), throttle.Counter{Count: i + 1, Last: t0})
	}
}

// testExpiry uses the real clock, with margins, because Redis judges expiry
// by its own clock.
func testExpiry(t *testing.T, s throttle.Store, p string) {
	const ttl = 500 * time.Millisecond
	k := p + "k"
	start := time.Now()
	mustIncr(t, s, k, start, ttl)
	time.Sleep(300 * time.Millisecond)
	mustIncr(t, s, k, time.Now(), ttl) // extends the expiry
	time.Sleep(300 * time.Millisecond)
	if c := mustGet(t, s, k, time.Now()); c.Count != 2 {
		t.Fatalf("Get before the extended expiry: Count = %d, want 2 (Incr must extend the expiry)", c.Count)
	}
	time.Sleep(600 * time.Millisecond)
	now := time.Now()
	want(t, "Get after expiry", mustGet(t, s, k, now), throttle.Counter{})
	mustDecr(t, s, k, now)
	want(t, "Incr after expiry", mustIncr(t, s, k, now, ttl), throttle.Counter{})
}

func testConcurrentIncr(t *testing.T, s throttle.Store, p string) {
	const workers, each = 8, 25
	k, t0 := p+"k", base()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = make(map[int]bool)
		errs = make(chan error, workers)
	)
	for range workers {
		wg.Go(func() {
			for range each {
				c, err := s.Incr(context.Background(), k, t0, time.Hour)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				seen[c.Count] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if c := mustGet(t, s, k, t0); c.Count != workers*each {
		t.Errorf("Count after %d concurrent Incr = %d", workers*each, c.Count)
	}
	if len(seen) != workers*each {
		t.Errorf("concurrent Incr returned %d distinct previous counts, want %d (Incr is not atomic)", len(seen), workers*each)
	}
}

// testLimiterBackoff drives a Limiter over the store with a fake clock: the
// backoff sequence, its per-network scope, and reset on success.
func testLimiterBackoff(t *testing.T, s throttle.Store, p string) {
	ctx := context.Background()
	clock := NewClock(base())
	l := throttle.New(s, throttle.Config{Now: clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	account := p + "victim@example.com"
	attacker := netip.MustParseAddr("203.0.113.7")
	user := netip.MustParseAddr("2001:db8:aa:bb::1")

	fail := func(ip netip.Addr) {
		t.Helper()
		a, err := l.Begin(ctx, account, ip)
		if err != nil {
			t.Fatalf("Begin at +%v: %v", clock.Now().Sub(base()).Round(time.Second), err)
		}
		a.Fail(ctx)
	}
	refused := func(ip netip.Addr, retry time.Duration) {
		t.Helper()
		_, err := l.Begin(ctx, account, ip)
		var le *throttle.LimitedError
		if !errors.As(err, &le) || le.RetryAfter != retry || le.Scope != throttle.ScopeAccountIP {
			t.Fatalf("Begin = %v, want LimitedError{RetryAfter: %v, Scope: account_ip}", err, retry)
		}
	}
	for range 5 {
		fail(attacker)
	}
	refused(attacker, time.Second)
	clock.Advance(time.Second)
	fail(attacker)
	refused(attacker, 2*time.Second)
	clock.Advance(2 * time.Second)
	fail(attacker)
	refused(attacker, 4*time.Second)

	// The real user on another network is not slowed down.
	a, err := l.Begin(ctx, account, user)
	if err != nil {
		t.Fatalf("Begin from the user's network: %v", err)
	}
	if err := a.Succeed(ctx); err != nil {
		t.Fatalf("Succeed: %v", err)
	}
	// Success clears the user's own counters, not the attacker's.
	clock.Advance(time.Second)
	refused(attacker, 3*time.Second)
}
