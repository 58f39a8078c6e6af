package auth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/password"
	"github.com/rampartgo/rampart/throttle"
)

// flakyCreds is the harness's user table whose writes can fail like a
// database outage.
type flakyCreds struct {
	*users
	failWrites atomic.Bool
}

func (c *flakyCreds) SetPasswordHash(ctx context.Context, u auth.User, h string) error {
	if c.failWrites.Load() {
		return errors.New("database is down")
	}
	return c.users.SetPasswordHash(ctx, u, h)
}

// newChangeHarness is the harness with a manager over flakyCreds (and,
// when throttled, a throttle on the harness's clock) and POST /change,
// which answers ChangePassword's outcomes the way an application should:
// 429 with Retry-After, 422, 503 or 200.
func newChangeHarness(t *testing.T, throttled bool) (*harness, *flakyCreds) {
	hs := newHarness(t)
	creds := &flakyCreds{users: hs.users}
	cfg := auth.Config{Sessions: hs.sessions, Users: hs.users, Credentials: creds, Passwords: cheapHasher(),
		Remember: hs.remember, InsecureDev: true, Logger: testLogger(), Now: hs.clock.Now}
	if throttled {
		cfg.Throttle = throttle.New(throttle.NewMemoryStore(throttle.MemoryConfig{}), throttle.Config{Now: hs.clock.Now, Logger: testLogger()})
	}
	hs.auth = auth.NewManager(cfg)
	mux := http.NewServeMux()
	mux.Handle("/", hs.routes())
	mux.Handle("POST /change", hs.auth.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.FormValue("identifier")
		if id == "" {
			id = auth.CurrentUser(r.Context()).(*user).email
		}
		_, err := hs.auth.ChangePassword(w, r, id, r.FormValue("current"), r.FormValue("new"))
		var limited *throttle.LimitedError
		var pe *password.PolicyError
		switch {
		case errors.As(err, &limited):
			w.Header().Set("Retry-After", limited.RetryAfterHeader())
			http.Error(w, "too many attempts", http.StatusTooManyRequests)
		case errors.Is(err, auth.ErrInvalidCredentials):
			http.Error(w, "wrong password", http.StatusUnprocessableEntity)
		case errors.As(err, &pe):
			http.Error(w, "policy", http.StatusUnprocessableEntity)
		case err != nil:
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		}
	})))
	hs.handler = hs.sessions.Handler(hs.auth.Handler(mux))
	return hs, creds
}

func (c *client) change(current, newPassword string, extra ...string) *httptest.ResponseRecorder {
	f := url.Values{"current": {current}, "new": {newPassword}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return c.do("POST", "/change", f)
}

func testLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func cheapHasher() *password.Hasher {
	return password.New(password.Config{
		Params:             password.Params{Memory: 64, Iterations: 1, Parallelism: 1},
		InsecureWeakParams: true,
	})
}

const newPassphrase = "a brand new passphrase 42"

func (hs *harness) setUsersDown(down bool) {
	hs.users.mu.Lock()
	hs.users.down = down
	hs.users.mu.Unlock()
}

// TestChangePasswordThrottled: wrong current passwords are throttled like
// failed logins, with a Retry-After; while the wait lasts even the right
// password is refused and not checked; afterwards it works.
func TestChangePasswordThrottled(t *testing.T) {
	hs, _ := newChangeHarness(t, true)
	c := hs.client()
	if w := c.login("alice@example.com", alicePassword, false); w.Code != http.StatusSeeOther {
		t.Fatalf("login: %d", w.Code)
	}
	var last *httptest.ResponseRecorder
	n := 0
	for n < 20 {
		n++
		if last = c.change("guess number "+strconv.Itoa(n), newPassphrase); last.Code != http.StatusUnprocessableEntity {
			break
		}
	}
	if last.Code != http.StatusTooManyRequests || n != 6 {
		t.Fatalf("guess %d: %d, want 429 at the 6th (5 free failures)", n, last.Code)
	}
	ra, err := strconv.Atoi(last.Header().Get("Retry-After"))
	if err != nil || ra < 1 {
		t.Fatalf("Retry-After = %q, want whole seconds ≥ 1", last.Header().Get("Retry-After"))
	}
	if w := c.change(alicePassword, newPassphrase); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("the right password while throttled: %d, want 429 with Retry-After", w.Code)
	}
	elsewhere := hs.client()
	elsewhere.ip = "198.51.100.20:999" // another network, not throttled
	if w := elsewhere.login("alice@example.com", newPassphrase, false); w.Code != http.StatusUnauthorized {
		t.Fatalf("login with the new password: %d, want 401: a throttled change went through", w.Code)
	}
	hs.clock.Add(time.Duration(ra) * time.Second)
	if w := c.change(alicePassword, newPassphrase); w.Code != http.StatusOK {
		t.Fatalf("after Retry-After: %d %s, want 200", w.Code, w.Body)
	}
}

// TestChangePasswordAttemptOutcome: what each outcome does to the
// throttle. Four wrong passwords come first, so that one more counted
// failure makes the next attempt wait: a failure is counted, a server-side
// error is taken back (not the user's failure), and a right current
// password clears the failures, even when the new one is refused.
func TestChangePasswordAttemptOutcome(t *testing.T) {
	const (
		counted   = "counted as a failure"
		abandoned = "not counted"
		cleared   = "failures cleared"
	)
	tests := []struct {
		name    string
		breakIt func(hs *harness, creds *flakyCreds)
		current string
		extra   []string
		code    int
		effect  string
	}{
		{"wrong current password", nil, "not the password", nil, http.StatusUnprocessableEntity, counted},
		{"user store down", func(hs *harness, _ *flakyCreds) { hs.setUsersDown(true) }, alicePassword, nil, http.StatusServiceUnavailable, abandoned},
		{"user store down, wrong password", func(hs *harness, _ *flakyCreds) { hs.setUsersDown(true) }, "not the password", nil, http.StatusServiceUnavailable, abandoned},
		{"new hash cannot be stored", func(_ *harness, c *flakyCreds) { c.failWrites.Store(true) }, alicePassword, nil, http.StatusServiceUnavailable, abandoned},
		{"new password refused by the policy", nil, alicePassword, []string{"new", "password123"}, http.StatusUnprocessableEntity, cleared},
		{"right current password", nil, alicePassword, nil, http.StatusOK, cleared},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs, creds := newChangeHarness(t, true)
			c := hs.client()
			if w := c.login("alice@example.com", alicePassword, false); w.Code != http.StatusSeeOther {
				t.Fatalf("login: %d", w.Code)
			}
			for i := range 4 {
				if w := c.change("wrong "+strconv.Itoa(i), newPassphrase); w.Code != http.StatusUnprocessableEntity {
					t.Fatalf("wrong password %d: %d", i, w.Code)
				}
			}
			if tc.breakIt != nil {
				tc.breakIt(hs, creds)
			}
			if w := c.change(tc.current, newPassphrase, tc.extra...); w.Code != tc.code {
				t.Fatalf("the attempt: %d %q, want %d", w.Code, w.Body, tc.code)
			}
			hs.setUsersDown(false)
			creds.failWrites.Store(false)

			first := c.change("wrong again", newPassphrase).Code
			second := c.change("and again", newPassphrase).Code
			var got string
			switch {
			case first == http.StatusTooManyRequests:
				got = counted
			case first == http.StatusUnprocessableEntity && second == http.StatusTooManyRequests:
				got = abandoned
			case first == http.StatusUnprocessableEntity && second == http.StatusUnprocessableEntity:
				got = cleared
			default:
				t.Fatalf("probes: %d then %d", first, second)
			}
			if got != tc.effect {
				t.Errorf("the attempt was %s, want %s", got, tc.effect)
			}
		})
	}
}

// TestChangePasswordUnthrottled: without Config.Throttle nothing limits
// the change (the application was warned at NewManager), and the right
// password still works after many wrong ones.
func TestChangePasswordUnthrottled(t *testing.T) {
	hs, _ := newChangeHarness(t, false)
	c := hs.client()
	c.login("alice@example.com", alicePassword, false)
	for i := range 10 {
		if w := c.change("wrong "+strconv.Itoa(i), newPassphrase); w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("wrong password %d: %d, want 422", i, w.Code)
		}
	}
	if w := c.change(alicePassword, newPassphrase); w.Code != http.StatusOK {
		t.Fatalf("right password: %d", w.Code)
	}
}
