package app

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampartgo/rampart/password"
)

// TestHashersBusyIs429: when every password hashing slot stays taken
// (password.ErrBusy), login and the token API answer 429 with Retry-After,
// as for any other flood of sign-ins, never a 5xx; the refusal is logged as
// excess_use; and it does not count as a failed attempt.
func TestHashersBusyIs429(t *testing.T) {
	// One slot, no waiting: while a slow verification holds the slot,
	// every other hash fails at once with ErrBusy.
	h := password.New(password.Config{
		Params:             password.Params{Memory: 64, Iterations: 1, Parallelism: 1},
		InsecureWeakParams: true,
		MaxConcurrent:      1,
		MaxWait:            -1,
	})
	var logs syncBuffer
	srv := testServerWith(t, false, func(d *Deps) {
		d.Passwords = h
		d.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})

	reg := newBrowser(t, srv)
	expect(t, "register", reg.submit("/register", "/register",
		url.Values{"email": {aliceEmail}, "password": {alicePass}, "password_confirm": {alicePass}}), 303, "/")

	// A stored hash with real parameters and many passes: verifying it
	// holds h's only slot for a good fraction of a second.
	slow, err := password.New(password.Config{Params: password.Params{Memory: 64 * 1024, Iterations: 16}}).Hash(t.Context(), "a slow enough password", "")
	if err != nil {
		t.Fatal(err)
	}
	c := newBrowser(t, srv)
	tok := c.token("/login")
	login := func() *http.Response {
		return c.post("/login", url.Values{"email": {aliceEmail}, "password": {"not-the-password"}, "csrf_token": {tok}})
	}
	apiToken := func() *http.Response {
		req, _ := http.NewRequest("POST", srv.URL+"/api/token",
			strings.NewReader(`{"email":"`+aliceEmail+`","password":"not-the-password"}`))
		req.Header.Set("Content-Type", "application/json")
		return c.do(req)
	}

	// The slot must still be held when the answers arrive; on a machine
	// slow enough to free it first, try again.
	var held bool
	for attempt := 0; attempt < 3 && !held; attempt++ {
		started, done := make(chan struct{}), make(chan struct{})
		go func() {
			close(started)
			h.Verify(t.Context(), "guess", slow)
			close(done)
		}()
		<-started
		time.Sleep(20 * time.Millisecond) // let it take the slot
		r1, body1 := login(), c.last
		r2, body2 := apiToken(), c.last
		select {
		case <-done:
			continue // freed too soon: the answers prove nothing
		default:
		}
		held = true
		if r1.StatusCode != http.StatusTooManyRequests || r1.Header.Get("Retry-After") != busyRetryAfter ||
			!strings.Contains(body1, "Try again in a few seconds") {
			t.Errorf("login while hashing is saturated: %d Retry-After %q, want 429 %q and the busy message; body %.200q",
				r1.StatusCode, r1.Header.Get("Retry-After"), busyRetryAfter, body1)
		}
		if r2.StatusCode != http.StatusTooManyRequests || r2.Header.Get("Retry-After") != busyRetryAfter ||
			!strings.HasPrefix(r2.Header.Get("Content-Type"), "application/json") {
			t.Errorf("api token while hashing is saturated: %d Retry-After %q %s, want a JSON 429; body %q",
				r2.StatusCode, r2.Header.Get("Retry-After"), r2.Header.Get("Content-Type"), body2)
		}
		<-done
	}
	if !held {
		t.Fatal("the slow verification never outlasted two requests")
	}
	if n := strings.Count(logs.String(), `"event":"excess_use"`); n < 1 || n > 2 {
		t.Errorf("%d excess_use events for the refusals, want 1 (or 2 across a second boundary); logs:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), `"event":"authn_login_fail"`) {
		t.Errorf("a refusal for saturation was logged as a failed login:\n%s", logs.String())
	}
	// With the slot free again, five wrong guesses are still checked
	// (401): the refusals did not use up the free failures.
	for i := 0; i < 5; i++ {
		if r := login(); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d after the flood: %d, want 401", i+1, r.StatusCode)
		}
	}
}
