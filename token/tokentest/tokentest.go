// Package tokentest is the conformance suite every [token.Store] runs.
//
// A store package's test calls [Run]:
//
//	func TestConformance(t *testing.T) {
//		tokentest.Run(t, func(t *testing.T) token.Store { return newTestStore(t) })
//	}
//
// Every subtest uses random family, user and token IDs, so newStore may
// return the same store each time and several runs may share one database
// or Redis. Times are near the real clock, so stores that also judge expiry
// by their own clock (Redis TTLs) agree with the now passed in.
package tokentest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rampartgo/rampart/token"
)

// Run runs the conformance suite against stores returned by newStore.
func Run(t *testing.T, newStore func(t *testing.T) token.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s token.Store)
	}{
		{"CreateAndRotate", testCreateAndRotate},
		{"RotateUnknown", testRotateUnknown},
		{"RotateSpentIsReuse", testRotateSpent},
		{"RotateExpired", testRotateExpired},
		{"RevokeFamily", testRevokeFamily},
		{"RevokeUser", testRevokeUser},
		{"RevokeToken", testRevokeToken},
		{"RevocationsExpire", testRevocationsExpire},
		{"RevokeTwice", testRevokeTwice},
		{"UnusualIDs", testUnusualIDs},
		{"ConcurrentRotateIsAtomic", testConcurrentRotate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

func rnd(t *testing.T, prefix string) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b[:])
}

func hash(t *testing.T) [32]byte {
	var h [32]byte
	if _, err := rand.Read(h[:]); err != nil {
		t.Fatal(err)
	}
	return h
}

// base is the current time at millisecond precision.
func base() time.Time { return time.Now().Truncate(time.Millisecond) }

func family(t *testing.T, user string, now time.Time, ttl time.Duration) token.Family {
	return token.Family{ID: rnd(t, "fam-"), UserID: user, Created: now, Expires: now.Add(ttl)}
}

func create(t *testing.T, s token.Store, f token.Family) [32]byte {
	t.Helper()
	h := hash(t)
	if err := s.Create(context.Background(), f, h); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return h
}

func sameFamily(t *testing.T, got, want token.Family) {
	t.Helper()
	if got.ID != want.ID || got.UserID != want.UserID || !got.Created.Equal(want.Created) || !got.Expires.Equal(want.Expires) {
		t.Fatalf("family = %+v, want %+v", got, want)
	}
}

func testCreateAndRotate(t *testing.T, s token.Store) {
	ctx, now := context.Background(), base()
	f := family(t, rnd(t, "user-"), now, time.Hour)
	h1 := create(t, s, f)
	h2, h3 := hash(t), hash(t)
	got, err := s.Rotate(ctx, h1, h2, now.Add(time.Second))
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	sameFamily(t, got, f)
	got, err = s.Rotate(ctx, h2, h3, now.Add(2*time.Second))
	if err != nil {
		t.Fatalf("second Rotate: %v", err)
	}
	sameFamily(t, got, f)
}

func testRotateUnknown(t *testing.T, s token.Store) {
	if _, err := s.Rotate(context.Background(), hash(t), hash(t), base()); !errors.Is(err, token.ErrNotFound) {
		t.Fatalf("Rotate(unknown) = %v, want ErrNotFound", err)
	}
}

func testRotateSpent(t *testing.T, s token.Store) {
	ctx, now := context.Background(), base()
	f := family(t, rnd(t, "user-"), now, time.Hour)
	h1 := create(t, s, f)
	h2, h3 := hash(t), hash(t)
	if _, err := s.Rotate(ctx, h1, h2, now); err != nil {
		t.Fatal(err)
	}
	got, err := s.Rotate(ctx, h1, h3, now)
	if !errors.Is(err, token.ErrReused) {
		t.Fatalf("Rotate(spent) = %v, want ErrReused", err)
	}
	sameFamily(t, got, f)
	// Nothing was stored for the reuse attempt.
	if _, err := s.Rotate(ctx, h3, hash(t), now); !errors.Is(err, token.ErrNotFound) {
		t.Fatalf("token stored by a reuse attempt: %v", err)
	}
	// The legitimate successor still works (revoking is the Manager's job).
	if _, err := s.Rotate(ctx, h2, hash(t), now); err != nil {
		t.Fatalf("successor: %v", err)
	}
}

func testRotateExpired(t *testing.T, s token.Store) {
	ctx, now := context.Background(), base()
	f := family(t, rnd(t, "user-"), now, time.Minute)
	h1 := create(t, s, f)
	h2 := hash(t)
	if _, err := s.Rotate(ctx, h1, h2, now.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	// The successor expires with the family, not a full TTL later.
	if _, err := s.Rotate(ctx, h2, hash(t), now.Add(time.Minute)); !errors.Is(err, token.ErrNotFound) {
		t.Fatalf("Rotate at family expiry = %v, want ErrNotFound", err)
	}
}

func testRevokeFamily(t *testing.T, s token.Store) {
	ctx, now := context.Background(), base()
	user := rnd(t, "user-")
	f, g := family(t, user, now, time.Hour), family(t, user, now, time.Hour)
	h1, hg := create(t, s, f), create(t, s, g)
	h2 := hash(t)
	if _, err := s.Rotate(ctx, h1, h2, now); err != nil {
		t.Fatal(err)
	}
	r := token.Revocation{Kind: token.RevokedFamily, ID: f.ID, At: now, Expires: now.Add(20 * time.Minute)}
	if err := s.Revoke(ctx, r); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	got, err := s.Rotate(ctx, h2, hash(t), now)
	if !errors.Is(err, token.ErrRevoked) {
		t.Fatalf("Rotate in a revoked family = %v, want ErrRevoked", err)
	}
	sameFamily(t, got, f)
	// A spent token of a revoked family is still reported as reuse.
	if _, err := s.Rotate(ctx, h1, hash(t), now); !errors.Is(err, token.ErrReused) {
		t.Fatalf("spent token in a revoked family = %v, want ErrReused", err)
	}
	if _, err := s.Rotate(ctx, hg, hash(t), now); err != nil {
		t.Fatalf("other family: %v", err)
	}
	wantListed(t, s, now, r)
}

func testRevokeUser(t *testing.T, s token.Store) {
	ctx, now := context.Background(), base()
	user, other := rnd(t, "user-"), rnd(t, "user-")
	h1 := create(t, s, family(t, user, now, time.Hour))
	h2 := create(t, s, family(t, user, now, 2*time.Hour))
	ho := create(t, s, family(t, other, now, time.Hour))
	r := token.Revocation{Kind: token.RevokedUser, ID: user, At: now, Expires: now.Add(20 * time.Minute)}
	if err := s.Revoke(ctx, r); err != nil {
		t.Fatal(err)
	}
	for i, h := range [][32]byte{h1, h2} {
		if _, err := s.Rotate(ctx, h, hash(t), now); !errors.Is(err, token.ErrRevoked) {
			t.Errorf("family %d of the user: %v, want ErrRevoked", i+1, err)
		}
	}
	if _, err := s.Rotate(ctx, ho, hash(t), now); err != nil {
		t.Errorf("other user: %v", err)
	}
	// A login after the revocation is unaffected.
	later := now.Add(time.Second)
	hn := create(t, s, family(t, user, later, time.Hour))
	if _, err := s.Rotate(ctx, hn, hash(t), later); err != nil {
		t.Errorf("family created after RevokeUser: %v", err)
	}
	wantListed(t, s, now, r)
}

func testRevokeToken(t *testing.T, s token.Store) {
	now := base()
	r := token.Revocation{Kind: token.RevokedToken, ID: rnd(t, "jti-"), At: now, Expires: now.Add(15 * time.Minute)}
	if err := s.Revoke(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	wantListed(t, s, now, r)
}

func testRevocationsExpire(t *testing.T, s token.Store) {
	ctx, now := context.Background(), base()
	short := token.Revocation{Kind: token.RevokedToken, ID: rnd(t, "jti-"), At: now, Expires: now.Add(time.Minute)}
	long := token.Revocation{Kind: token.RevokedToken, ID: rnd(t, "jti-"), At: now, Expires: now.Add(time.Hour)}
	for _, r := range []token.Revocation{short, long} {
		if err := s.Revoke(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	list := listed(t, s, now.Add(time.Minute))
	if _, ok := list[key(short)]; ok {
		t.Error("revocation listed at its expiry")
	}
	if _, ok := list[key(long)]; !ok {
		t.Error("unexpired revocation missing")
	}
}

func testRevokeTwice(t *testing.T, s token.Store) {
	ctx, now := context.Background(), base()
	user := rnd(t, "user-")
	r1 := token.Revocation{Kind: token.RevokedUser, ID: user, At: now, Expires: now.Add(time.Minute)}
	r2 := token.Revocation{Kind: token.RevokedUser, ID: user, At: now.Add(time.Second), Expires: now.Add(time.Hour)}
	for _, r := range []token.Revocation{r1, r2} {
		if err := s.Revoke(ctx, r); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
	}
	got := listed(t, s, now.Add(2*time.Minute))
	r, ok := got[key(r2)]
	if !ok || !r.At.Equal(r2.At) {
		t.Fatalf("after two revocations: %+v (%v), want the later one", r, ok)
	}
	// Revoking a family that does not exist is not an error.
	if err := s.Revoke(ctx, token.Revocation{Kind: token.RevokedFamily, ID: rnd(t, "nofam-"), At: now, Expires: now.Add(time.Minute)}); err != nil {
		t.Fatalf("Revoke(unknown family): %v", err)
	}
}

func testUnusualIDs(t *testing.T, s token.Store) {
	ctx, now := context.Background(), base()
	for _, user := range []string{"' OR 1=1--", "user:with:colons|and|bars", "ünïcødé 👤", "*"} {
		user = user + rnd(t, "")
		f := family(t, user, now, time.Hour)
		h := create(t, s, f)
		got, err := s.Rotate(ctx, h, hash(t), now)
		if err != nil {
			t.Fatalf("user %q: %v", user, err)
		}
		sameFamily(t, got, f)
		r := token.Revocation{Kind: token.RevokedUser, ID: user, At: now, Expires: now.Add(time.Hour)}
		if err := s.Revoke(ctx, r); err != nil {
			t.Fatal(err)
		}
		wantListed(t, s, now, r)
	}
}

func testConcurrentRotate(t *testing.T, s token.Store) {
	ctx, now := context.Background(), base()
	f := family(t, rnd(t, "user-"), now, time.Hour)
	h := create(t, s, f)
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		next := hash(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Rotate(ctx, h, next, now)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, token.ErrReused):
		default:
			t.Errorf("concurrent Rotate: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent rotations of one token succeeded, want exactly 1", ok, n)
	}
}

type revKey struct {
	kind token.RevocationKind
	id   string
}

func key(r token.Revocation) revKey { return revKey{r.Kind, r.ID} }

func listed(t *testing.T, s token.Store, now time.Time) map[revKey]token.Revocation {
	t.Helper()
	list, err := s.Revocations(context.Background(), now)
	if err != nil {
		t.Fatalf("Revocations: %v", err)
	}
	m := make(map[revKey]token.Revocation, len(list))
	for _, r := range list {
		m[key(r)] = r
	}
	return m
}

func wantListed(t *testing.T, s token.Store, now time.Time, want token.Revocation) {
	t.Helper()
	got, ok := listed(t, s, now)[key(want)]
	if !ok {
		t.Fatalf("revocation %+v not listed", want)
	}
	if !got.At.Equal(want.At) || !got.Expires.Equal(want.Expires) {
		t.Fatalf("revocation = %+v, want %+v", got, want)
	}
}

// BenchmarkRotate measures one refresh-token rotation (the store's share of
// Manager.Refresh) against stores returned by newStore.
func BenchmarkRotate(b *testing.B, newStore func(b *testing.B) token.Store) {
	s := newStore(b)
	ctx, now := context.Background(), base()
	var cur [32]byte
	if _, err := rand.Read(cur[:]); err != nil {
		b.Fatal(err)
	}
	var id [8]byte
	rand.Read(id[:])
	f := token.Family{ID: "bench-" + hex.EncodeToString(id[:]), UserID: "bench-user", Created: now, Expires: now.Add(time.Hour)}
	if err := s.Create(ctx, f, cur); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var next [32]byte
		rand.Read(next[:])
		if _, err := s.Rotate(ctx, cur, next, now); err != nil {
			b.Fatal(err)
		}
		cur = next
	}
}

// BenchmarkRevocations measures loading the live revocations, which a
// Manager does once per Config.RevocationRefresh, with n records present.
func BenchmarkRevocations(b *testing.B, newStore func(b *testing.B) token.Store, n int) {
	s := newStore(b)
	ctx, now := context.Background(), base()
	var id [8]byte
	rand.Read(id[:])
	for i := range n {
		r := token.Revocation{Kind: token.RevokedToken, ID: hex.EncodeToString(id[:]) + "-" + strconv.Itoa(i), At: now, Expires: now.Add(time.Hour)}
		if err := s.Revoke(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Revocations(ctx, now); err != nil {
			b.Fatal(err)
		}
	}
}
