package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/session"
)

// withHandleRoute adds GET /handle (the current session's handle) to the
// harness's routes.
func withHandleRoute(hs *harness) {
	mux := http.NewServeMux()
	mux.Handle("/", hs.routes())
	mux.HandleFunc("GET /handle", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, hs.sessions.Get(r).Handle())
	})
	hs.handler = hs.sessions.Handler(hs.auth.Handler(mux))
}

func (c *client) handle() string { return c.do("GET", "/handle", nil).Body.String() }

// rememberOnly is a fresh browser holding only c's remember-me cookie: a
// restarted browser whose session cookie is gone.
func rememberOnly(c *client) *client {
	b := c.hs.client()
	b.ip = c.ip
	for k, v := range c.cookies {
		if strings.Contains(k, "remember") {
			b.cookies[k] = v
		}
	}
	return b
}

// restoresAs presents the remember-me cookie that c holds now in a fresh
// browser and returns who that logs in ("anonymous" when none does). The
// token is single use: the rotated cookie is given back to c.
func restoresAs(c *client) string {
	b := rememberOnly(c)
	if len(b.cookies) == 0 {
		return "anonymous"
	}
	who := b.whoami()
	for k, v := range b.cookies {
		if strings.Contains(k, "remember") {
			c.cookies[k] = v
		}
	}
	return who
}

// snapshot is a copy of c as it is now, for replaying its cookies later.
func snapshot(c *client) *client {
	cp := *c
	cp.cookies = make(map[string]*http.Cookie, len(c.cookies))
	for k, v := range c.cookies {
		cp.cookies[k] = v
	}
	return &cp
}

// TestRevokeSession: revoking one device's session also revokes that
// device's remember-me token, so its cookie cannot log it back in; other
// devices, and other users, keep theirs. Another user's handle, a made-up
// one or an empty one is refused with session.ErrNotFound and changes
// nothing.
func TestRevokeSession(t *testing.T) {
	type devices struct{ laptop, phone, tablet, bob *client }
	tests := []struct {
		name string
		// victim returns the user id and handle passed to RevokeSession.
		victim  func(t *testing.T, d devices) (userID, handle string)
		wantErr error
		// revoked is the device that must end up logged out with a dead
		// remember-me cookie; nil when nothing may change.
		revoked func(d devices) *client
	}{
		{
			name:    "own session of a remembered device",
			victim:  func(t *testing.T, d devices) (string, string) { return "1", d.phone.handle() },
			revoked: func(d devices) *client { return d.phone },
		},
		{
			name: "own session restored from remember-me",
			victim: func(t *testing.T, d devices) (string, string) {
				// The phone restarts: its session comes from the cookie
				// and has a new handle, which the token must follow.
				restored := rememberOnly(d.phone)
				if restored.whoami() != "1" {
					t.Fatal("the remember-me cookie does not log in")
				}
				*d.phone = *restored
				return "1", d.phone.handle()
			},
			revoked: func(d devices) *client { return d.phone },
		},
		{
			name: "own session after a password login on a remembered device",
			victim: func(t *testing.T, d devices) (string, string) {
				// Logging in again without "remember me" keeps the token
				// the tablet holds; it must follow the renewed session.
				if w := d.tablet.login("alice@example.com", alicePassword, false); w.Code != http.StatusSeeOther {
					t.Fatalf("re-login: %d", w.Code)
				}
				return "1", d.tablet.handle()
			},
			revoked: func(d devices) *client { return d.tablet },
		},
		{
			name:    "another user's session",
			victim:  func(t *testing.T, d devices) (string, string) { return "1", d.bob.handle() },
			wantErr: session.ErrNotFound,
		},
		{
			name:    "another user's session, as that user's id",
			victim:  func(t *testing.T, d devices) (string, string) { return "2", d.phone.handle() },
			wantErr: session.ErrNotFound,
		},
		{
			name: "made-up handle",
			victim: func(t *testing.T, d devices) (string, string) {
				return "1", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			},
			wantErr: session.ErrNotFound,
		},
		{
			name:    "empty handle",
			victim:  func(t *testing.T, d devices) (string, string) { return "1", "" },
			wantErr: session.ErrNotFound,
		},
		{
			name:    "empty user",
			victim:  func(t *testing.T, d devices) (string, string) { return "", d.phone.handle() },
			wantErr: session.ErrNotFound,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			withHandleRoute(hs)
			d := devices{laptop: hs.client(), phone: hs.client(), tablet: hs.client(), bob: hs.client()}
			d.phone.ip, d.tablet.ip, d.bob.ip = "198.51.100.7:1", "198.51.100.8:1", "203.0.113.9:1"
			for _, c := range []*client{d.laptop, d.phone, d.tablet} {
				if w := c.login("alice@example.com", alicePassword, true); w.Code != http.StatusSeeOther {
					t.Fatalf("login: %d", w.Code)
				}
			}
			if w := d.bob.login("bob@example.com", alicePassword, true); w.Code != http.StatusSeeOther {
				t.Fatalf("bob login: %d", w.Code)
			}
			uid, handle := tc.victim(t, d)
			devs := []*client{d.laptop, d.phone, d.tablet, d.bob}
			names := map[*client]string{d.laptop: "laptop", d.phone: "phone", d.tablet: "tablet", d.bob: "bob"}
			owners := map[*client]string{d.laptop: "1", d.phone: "1", d.tablet: "1", d.bob: "2"}
			before := map[*client]*client{}
			for _, c := range devs {
				before[c] = snapshot(c)
			}

			err := hs.auth.RevokeSession(context.Background(), uid, handle)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("RevokeSession(%q, %q) = %v, want %v", uid, handle, err, tc.wantErr)
			}
			var revoked *client
			if tc.revoked != nil {
				revoked = tc.revoked(d)
			}
			for _, c := range devs {
				want := owners[c]
				if c == revoked {
					want = "anonymous"
				}
				if got := before[c].whoami(); got != want {
					t.Errorf("%s: its session is %q, want %q", names[c], got, want)
				}
				// The cookie as the device held it before the revocation,
				// replayed in a restarted browser.
				if got := restoresAs(before[c]); got != want {
					t.Errorf("%s: its remember-me cookie logs in %q, want %q", names[c], got, want)
				}
			}
			logs := hs.logs.String()
			if revoked != nil && !strings.Contains(logs, `"event":"authn_token_revoked"`) {
				t.Error("no authn_token_revoked event")
			}
			if revoked == nil && strings.Contains(logs, `"event":"authn_token_revoked"`) {
				t.Error("a refused revocation revoked a token")
			}
		})
	}
}

// linklessStore is a RememberStore that keeps no session links: only the
// RememberStore methods of the memory store are visible.
type linklessStore struct{ auth.RememberStore }

// TestRevokeSessionWithoutLinks: with a store that cannot say which token is
// the device's, RevokeSession revokes all of the user's tokens (fail
// closed), and still refuses another user's session without changing
// anything.
func TestRevokeSessionWithoutLinks(t *testing.T) {
	hs := newHarness(t)
	hs.auth = auth.NewManager(auth.Config{Sessions: hs.sessions, Users: hs.users, Credentials: hs.users,
		Passwords: cheapHasher(), Remember: linklessStore{auth.NewMemoryRememberStore()},
		InsecureDev: true, Logger: testLogger(), Now: hs.clock.Now})
	withHandleRoute(hs)
	laptop, phone, bob := hs.client(), hs.client(), hs.client()
	laptop.login("alice@example.com", alicePassword, true)
	phone.login("alice@example.com", alicePassword, true)
	bob.login("bob@example.com", alicePassword, true)

	if err := hs.auth.RevokeSession(context.Background(), "1", bob.handle()); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("another user's session: %v, want ErrNotFound", err)
	}
	if bob.whoami() != "2" || restoresAs(bob) != "2" || restoresAs(laptop) != "1" {
		t.Fatal("a refused revocation changed something")
	}
	laptopBefore, phoneBefore, bobBefore := snapshot(laptop), snapshot(phone), snapshot(bob)
	if err := hs.auth.RevokeSession(context.Background(), "1", phone.handle()); err != nil {
		t.Fatal(err)
	}
	if phone.whoami() != "anonymous" || restoresAs(phoneBefore) != "anonymous" {
		t.Error("the revoked device is still logged in")
	}
	if restoresAs(laptopBefore) != "anonymous" {
		t.Error("without links, the user's other remember-me tokens must be revoked too (fail closed)")
	}
	if laptop.whoami() != "1" {
		t.Error("the other session ended")
	}
	if restoresAs(bobBefore) != "2" {
		t.Error("another user's remember-me token was revoked")
	}
}

// TestRevokeSessionConcurrent revokes every session of a user at once, with
// -race: each call ends exactly its own device.
func TestRevokeSessionConcurrent(t *testing.T) {
	hs := newHarness(t)
	withHandleRoute(hs)
	const n = 8
	devs := make([]*client, n)
	handles := make([]string, n)
	for i := range devs {
		devs[i] = hs.client()
		devs[i].ip = fmt.Sprintf("198.51.100.%d:1", i+1)
		devs[i].login("alice@example.com", alicePassword, true)
		handles[i] = devs[i].handle()
	}
	keep := hs.client()
	keep.login("alice@example.com", alicePassword, true)
	before := make([]*client, n)
	for i, c := range devs {
		before[i] = snapshot(c)
	}
	keepBefore := snapshot(keep)
	var wg sync.WaitGroup
	for _, h := range handles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := hs.auth.RevokeSession(context.Background(), "1", h); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := range devs {
		if before[i].whoami() != "anonymous" || restoresAs(before[i]) != "anonymous" {
			t.Errorf("device %d survived its revocation", i)
		}
	}
	if infos, _ := hs.sessions.ListForUser(context.Background(), "1"); len(infos) != 1 {
		t.Errorf("%d sessions left, want 1", len(infos))
	}
	if keep.whoami() != "1" || restoresAs(keepBefore) != "1" {
		t.Error("the device nobody revoked was logged out")
	}
}

// TestRevokeSessionRevokesUnlinkedTokens: a token issued before the store
// kept links (as after an upgrade) may be the revoked device's, so it goes
// too; linked tokens of other devices stay.
func TestRevokeSessionRevokesUnlinkedTokens(t *testing.T) {
	hs := newHarness(t)
	withHandleRoute(hs)
	old, laptop := hs.client(), hs.client()
	old.login("alice@example.com", alicePassword, true)
	laptop.login("alice@example.com", alicePassword, true)
	for name, ck := range old.cookies {
		if strings.Contains(name, "remember") {
			sel, _, _ := strings.Cut(ck.Value, ".")
			// Forget the link, as a token from before the upgrade has none.
			if err := hs.remember.SetSession(context.Background(), sel, "1", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	oldBefore, laptopBefore := snapshot(old), snapshot(laptop)
	if err := hs.auth.RevokeSession(context.Background(), "1", old.handle()); err != nil {
		t.Fatal(err)
	}
	if old.whoami() != "anonymous" || restoresAs(oldBefore) != "anonymous" {
		t.Error("the device with an unlinked token is logged back in after its session was revoked")
	}
	if laptop.whoami() != "1" || restoresAs(laptopBefore) != "1" {
		t.Error("the other device lost its linked token")
	}
}

// unlinkableStore is a memory store whose links cannot be recorded.
type unlinkableStore struct {
	*auth.MemoryRememberStore
	fail atomic.Bool
}

func (s *unlinkableStore) SetSession(ctx context.Context, selector, userID, handle string) error {
	if s.fail.Load() {
		return errors.New("database is down")
	}
	return s.MemoryRememberStore.SetSession(ctx, selector, userID, handle)
}

// TestRememberLoginFailsClosedWithoutLink: when the restored session cannot
// be linked to the token, the restore fails (503) and leaves no logged-in
// session that RevokeSession could not revoke with its token; the rotated
// cookie still works once the store is back.
func TestRememberLoginFailsClosedWithoutLink(t *testing.T) {
	hs := newHarness(t)
	store := &unlinkableStore{MemoryRememberStore: auth.NewMemoryRememberStore()}
	hs.auth = auth.NewManager(auth.Config{Sessions: hs.sessions, Users: hs.users, Credentials: hs.users,
		Passwords: cheapHasher(), Remember: store, InsecureDev: true, Logger: testLogger(), Now: hs.clock.Now})
	withHandleRoute(hs)
	c := hs.client()
	c.login("alice@example.com", alicePassword, true)

	b := rememberOnly(c)
	store.fail.Store(true)
	if w := b.do("GET", "/whoami", nil); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("restore without a link: %d %q, want 503", w.Code, w.Body)
	}
	if infos, _ := hs.sessions.ListForUser(context.Background(), "1"); len(infos) != 1 {
		t.Fatalf("%d sessions after the failed restore, want only the original one", len(infos))
	}
	store.fail.Store(false)
	if got := b.whoami(); got != "1" {
		t.Fatalf("the rotated cookie after the outage: %q, want 1", got)
	}
	before := snapshot(b)
	if err := hs.auth.RevokeSession(context.Background(), "1", b.handle()); err != nil {
		t.Fatal(err)
	}
	if restoresAs(before) != "anonymous" {
		t.Error("the restored device's token survived the revocation of its session")
	}
}
