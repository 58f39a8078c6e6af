package throttle_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/throttletest"
)

// An attacker guessing Bob's password is slowed down; Bob, on his own
// network, is not.
func Example() {
	ctx := context.Background()
	clock := throttletest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	limiter := throttle.New(nil, throttle.Config{
		Now:    clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	attacker := netip.MustParseAddr("203.0.113.7")
	bob := netip.MustParseAddr("2001:db8:1:2::42")

	for i := 1; i <= 7; i++ {
		att, err := limiter.Begin(ctx, "bob@example.com", attacker)
		var limited *throttle.LimitedError
		if errors.As(err, &limited) {
			fmt.Printf("guess %d: 429, Retry-After: %s\n", i, limited.RetryAfterHeader())
			clock.Advance(limited.RetryAfter)
			continue
		}
		fmt.Printf("guess %d: wrong password\n", i)
		att.Fail(ctx)
	}

	att, err := limiter.Begin(ctx, "Bob@Example.com", bob)
	fmt.Println("bob from his network:", err)
	att.Succeed(ctx)
	// Output:
	// guess 1: wrong password
	// guess 2: wrong password
	// guess 3: wrong password
	// guess 4: wrong password
	// guess 5: wrong password
	// guess 6: 429, Retry-After: 1
	// guess 7: wrong password
	// bob from his network: <nil>
}

// A login handler: Begin before verifying, 429 with Retry-After when
// throttled, 503 when the store is down.
func ExampleLimiter_BeginRequest() {
	limiter := throttle.New(nil, throttle.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	verify := func(email, password string) bool { return password == "correct horse battery staple" }

	login := func(w http.ResponseWriter, r *http.Request) {
		email := r.PostFormValue("email")
		att, err := limiter.BeginRequest(r, email)
		var limited *throttle.LimitedError
		switch {
		case errors.As(err, &limited):
			w.Header().Set("Retry-After", limited.RetryAfterHeader())
			http.Error(w, "Too many attempts. Try again later.", http.StatusTooManyRequests)
			return
		case err != nil:
			http.Error(w, "Service unavailable", http.StatusServiceUnavailable)
			return
		}
		if !verify(email, r.PostFormValue("password")) {
			att.Fail(r.Context())
			http.Error(w, "Invalid email or password.", http.StatusUnauthorized)
			return
		}
		att.Succeed(r.Context())
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}

	for i := 0; i < 6; i++ {
		form := url.Values{"email": {"bob@example.com"}, "password": {"guess" + fmt.Sprint(i)}}
		r := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		login(w, r)
		if ra := w.Header().Get("Retry-After"); ra != "" {
			fmt.Println(w.Code, "Retry-After:", ra)
		} else {
			fmt.Println(w.Code)
		}
	}
	// Output:
	// 401
	// 401
	// 401
	// 401
	// 401
	// 429 Retry-After: 1
}
