package throttletest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/throttletest"
)

// A fake clock makes a backoff sequence deterministic.
func ExampleClock() {
	ctx := context.Background()
	clock := throttletest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := throttle.New(nil, throttle.Config{
		FreeFailures: 1,
		Now:          clock.Now,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ip := netip.MustParseAddr("203.0.113.7")
	for range 4 {
		att, err := l.Begin(ctx, "bob@example.com", ip)
		if err != nil {
			fmt.Println(err)
			clock.Advance(err.(*throttle.LimitedError).RetryAfter)
			continue
		}
		att.Fail(ctx)
		fmt.Println("failed at", clock.Now().Format(time.TimeOnly))
	}
	// Output:
	// failed at 00:00:00
	// rampart/throttle: too many failed attempts (account_ip); retry after 1s
	// failed at 00:00:01
	// rampart/throttle: too many failed attempts (account_ip); retry after 2s
}
