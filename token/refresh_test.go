package token

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartgo/rampart/event"
)

func TestRefreshRotates(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	p1, err := f.m.Issue(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.RefreshToken) != 43 {
		t.Errorf("refresh token length %d", len(p1.RefreshToken))
	}
	f.clock.Advance(time.Minute)
	p2, err := f.m.Refresh(ctx, p1.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if p2.RefreshToken == p1.RefreshToken || p2.AccessToken == p1.AccessToken {
		t.Fatal("refresh returned the same tokens")
	}
	c1, _ := f.m.Verify(ctx, p1.AccessToken)
	c2, err := f.m.Verify(ctx, p2.AccessToken)
	if err != nil || c2.Subject != "alice" || c2.Family != c1.Family {
		t.Fatalf("refreshed access token: %v %+v", err, c2)
	}
	p3, err := f.m.Refresh(ctx, p2.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if f.events.count(event.TokenCreated) != 1 {
		t.Errorf("token_created events = %d", f.events.count(event.TokenCreated))
	}

	// p1's refresh token is spent: presenting it is reuse.
	if _, err := f.m.Refresh(ctx, p1.RefreshToken); !errors.Is(err, ErrReused) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("reuse: %v, want ErrReused", err)
	}
	if n := f.events.count(event.TokenReuse); n != 1 {
		t.Errorf("authn_token_reuse events = %d, want 1", n)
	}
	// The whole family is revoked: the newest refresh token and every
	// access token of the family.
	if _, err := f.m.Refresh(ctx, p3.RefreshToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("latest refresh token after reuse: %v, want ErrRevoked", err)
	}
	for i, at := range []string{p1.AccessToken, p2.AccessToken, p3.AccessToken} {
		if _, err := f.m.Verify(ctx, at); !errors.Is(err, ErrRevoked) {
			t.Errorf("access token %d after reuse: %v, want ErrRevoked", i+1, err)
		}
	}
	// Another login of the same user is untouched.
	other, _ := f.m.Issue(ctx, "alice")
	if _, err := f.m.Refresh(ctx, other.RefreshToken); err != nil {
		t.Errorf("other family: %v", err)
	}
}

func TestRefreshRejects(t *testing.T) {
	f := newFixture(t, Config{RefreshTTL: time.Hour})
	ctx := context.Background()
	p, _ := f.m.Issue(ctx, "bob")
	for _, tc := range []struct{ name, token string }{
		{"empty", ""},
		{"unknown", strings.Repeat("A", 43)},
		{"access token as refresh token", p.AccessToken},
		{"too short", p.RefreshToken[:42]},
		{"too long", p.RefreshToken + "A"},
		{"not base64url", p.RefreshToken[:42] + "+"},
		{"non-canonical last char", p.RefreshToken[:42] + nonCanonical(p.RefreshToken[42])},
		{"SQL fragment", "' OR 1=1--" + strings.Repeat("A", 33)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.m.Refresh(ctx, tc.token); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Refresh = %v, want ErrInvalid", err)
			}
		})
	}
	// The real token still works after all those attempts.
	p2, err := f.m.Refresh(ctx, p.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	if _, err := f.m.Refresh(ctx, p2.RefreshToken); !errors.Is(err, ErrInvalid) {
		t.Fatalf("after RefreshTTL: %v, want ErrInvalid", err)
	}
}

// nonCanonical returns a base64url character that decodes to the same
// bytes as c in the last position of a 43-character token but has non-zero
// padding bits.
func nonCanonical(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i|1])
}

// Two clients presenting the same refresh token at once: at most one wins.
func TestRefreshConcurrent(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	p, _ := f.m.Issue(ctx, "carol")
	const n = 16
	var wg sync.WaitGroup
	results := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.m.Refresh(ctx, p.RefreshToken)
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	ok := 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrReused), errors.Is(err, ErrRevoked):
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent refreshes succeeded, want exactly 1", ok)
	}
}

func TestRevoke(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	p, _ := f.m.Issue(ctx, "dave")
	keep, _ := f.m.Issue(ctx, "dave")
	loose, _ := f.m.IssueAccess(ctx, "dave")
	c, err := f.m.Verify(ctx, p.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.m.Revoke(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Verify(ctx, p.AccessToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked access token: %v", err)
	}
	if _, err := f.m.Refresh(ctx, p.RefreshToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("refresh token of a revoked family: %v", err)
	}
	if _, err := f.m.Verify(ctx, keep.AccessToken); err != nil {
		t.Errorf("other login: %v", err)
	}
	// A token without a family is revoked by its jti alone.
	lc, _ := f.m.Verify(ctx, loose)
	if err := f.m.Revoke(ctx, lc); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Verify(ctx, loose); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked family-less token: %v", err)
	}
	if _, err := f.m.Refresh(ctx, keep.RefreshToken); err != nil {
		t.Errorf("other login's refresh: %v", err)
	}
	// By family ID.
	kc, _ := f.m.Verify(ctx, keep.AccessToken)
	if err := f.m.RevokeFamily(ctx, kc.Family); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Verify(ctx, keep.AccessToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("after RevokeFamily: %v", err)
	}
	if f.events.count(event.TokenRevoked) != 3 {
		t.Errorf("token_revoked events = %d, want 3", f.events.count(event.TokenRevoked))
	}
}

func TestRevokeUser(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	f.clock.Advance(500 * time.Millisecond)
	a1, _ := f.m.Issue(ctx, "erin")
	a2, _ := f.m.Issue(ctx, "erin")
	a3, _ := f.m.IssueAccess(ctx, "erin")
	other, _ := f.m.Issue(ctx, "frank")
	if err := f.m.RevokeUser(ctx, "erin"); err != nil {
		t.Fatal(err)
	}
	for i, at := range []string{a1.AccessToken, a2.AccessToken, a3} {
		if _, err := f.m.Verify(ctx, at); !errors.Is(err, ErrRevoked) {
			t.Errorf("access token %d: %v, want ErrRevoked", i+1, err)
		}
	}
	for i, rt := range []string{a1.RefreshToken, a2.RefreshToken} {
		if _, err := f.m.Refresh(ctx, rt); !errors.Is(err, ErrRevoked) {
			t.Errorf("refresh token %d: %v, want ErrRevoked", i+1, err)
		}
	}
	if _, err := f.m.Verify(ctx, other.AccessToken); err != nil {
		t.Errorf("other user: %v", err)
	}
	// A login in the same second is rejected too (iat has whole seconds);
	// from the next second on, new logins work.
	same, _ := f.m.Issue(ctx, "erin")
	if _, err := f.m.Verify(ctx, same.AccessToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("same-second login: %v, want ErrRevoked", err)
	}
	f.clock.Advance(time.Second)
	next, _ := f.m.Issue(ctx, "erin")
	if _, err := f.m.Verify(ctx, next.AccessToken); err != nil {
		t.Errorf("login after log-out-everywhere: %v", err)
	}
	if _, err := f.m.Refresh(ctx, next.RefreshToken); err != nil {
		t.Errorf("refresh after log-out-everywhere: %v", err)
	}
}

// Two instances share a store: a revocation through one reaches the other
// within RevocationRefresh, with no store read per request meanwhile.
func TestRevocationAcrossInstances(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	counting := &countingStore{Store: f.store}
	other := New(f.ring, counting, Config{Issuer: testIssuer, Audience: testAudience, Now: f.clock.Now, Logger: slog.New(f.events)})
	p, _ := f.m.Issue(ctx, "gina")
	for range 100 {
		if _, err := other.Verify(ctx, p.AccessToken); err != nil {
			t.Fatal(err)
		}
	}
	if n := counting.reads(); n != 1 {
		t.Errorf("100 verifications read the store %d times, want 1", n)
	}
	c, _ := f.m.Verify(ctx, p.AccessToken)
	f.m.Revoke(ctx, c)
	if _, err := f.m.Verify(ctx, p.AccessToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoking instance: %v", err)
	}
	f.clock.Advance(5 * time.Second)
	if _, err := other.Verify(ctx, p.AccessToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("other instance after RevocationRefresh: %v", err)
	}
}

// When the store cannot be read, stale revocation state is used for a while
// and then every token is refused.
func TestRevocationsUnavailable(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	broken := &countingStore{Store: f.store}
	m := New(f.ring, broken, Config{Issuer: testIssuer, Audience: testAudience, Now: f.clock.Now, Logger: slog.New(f.events)})
	tok, _ := m.IssueAccess(ctx, "hank")
	if _, err := m.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	broken.fail(true)
	f.clock.Advance(6 * time.Second)
	if _, err := m.Verify(ctx, tok); err != nil {
		t.Errorf("slightly stale: %v, want the old snapshot used", err)
	}
	f.clock.Advance(30 * time.Second)
	if _, err := m.Verify(ctx, tok); !errors.Is(err, ErrUnavailable) {
		t.Errorf("stale beyond the limit: %v, want ErrUnavailable", err)
	}
	broken.fail(false)
	f.clock.Advance(time.Second)
	if _, err := m.Verify(ctx, tok); err != nil {
		t.Errorf("store back: %v", err)
	}
}

type countingStore struct {
	Store
	mu      sync.Mutex
	n       int
	failing bool
}

func (s *countingStore) Revocations(ctx context.Context, now time.Time) ([]Revocation, error) {
	s.mu.Lock()
	s.n++
	failing := s.failing
	s.mu.Unlock()
	if failing {
		return nil, fmt.Errorf("connection refused")
	}
	return s.Store.Revocations(ctx, now)
}

func (s *countingStore) reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *countingStore) fail(b bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = b
}

// Rotation: a token signed before the new master became current stays
// valid while the old master is still in the ring, and only then.
func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	before := newFixture(t, Config{}, masterA)
	old, _ := before.m.IssueAccess(ctx, "ivy")

	during := New(keysRing(masterB, masterA), before.store, Config{Issuer: testIssuer, Audience: testAudience, Now: before.clock.Now})
	if _, err := during.Verify(ctx, old); err != nil {
		t.Fatalf("old token after rotation: %v", err)
	}
	fresh, _ := during.IssueAccess(ctx, "ivy")
	if during.kid == before.m.kid || !strings.Contains(string(during.jwks), before.m.kid) || !strings.Contains(string(during.jwks), during.kid) {
		t.Errorf("JWKS during rotation = %s", during.jwks)
	}
	if _, err := before.m.Verify(ctx, fresh); !errors.Is(err, ErrInvalid) {
		t.Errorf("an instance without the new master accepted its token: %v", err)
	}
	// The old token still expires on schedule.
	before.clock.Advance(14 * time.Minute)
	if _, err := during.Verify(ctx, old); err != nil {
		t.Errorf("old token at 14 min: %v", err)
	}
	before.clock.Advance(time.Minute + 31*time.Second)
	if _, err := during.Verify(ctx, old); !errors.Is(err, ErrExpired) {
		t.Errorf("old token past its exp: %v, want ErrExpired", err)
	}
	before.clock.Advance(-15*time.Minute - 31*time.Second)

	after := New(keysRing(masterB), before.store, Config{Issuer: testIssuer, Audience: testAudience, Now: before.clock.Now})
	if _, err := after.Verify(ctx, old); !errors.Is(err, ErrInvalid) {
		t.Errorf("old token after the old master was dropped: %v", err)
	}
	if _, err := after.Verify(ctx, fresh); err != nil {
		t.Errorf("new token: %v", err)
	}
}

func TestPairPrintsNoTokens(t *testing.T) {
	f := newFixture(t, Config{})
	p, _ := f.m.Issue(context.Background(), "jo")
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("issued", "pair", p)
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p), fmt.Sprintf("%v", &p), logged.String()} {
		if strings.Contains(s, p.RefreshToken) || strings.Contains(s, p.AccessToken) {
			t.Errorf("printed a token: %s", s)
		}
	}
}
