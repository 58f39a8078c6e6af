package throttle_test

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/throttletest"
)

func benchAccounts(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = "user" + strconv.Itoa(i) + "@example.com"
	}
	return s
}

// BenchmarkBeginFail is the memory path of a failed login that is admitted:
// Begin (three store operations) and Fail.
func BenchmarkBeginFail(b *testing.B) {
	clock := throttletest.NewClock(t0)
	l := throttle.New(nil, throttle.Config{Now: clock.Now, Logger: quiet()})
	accounts := benchAccounts(1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		clock.Advance(time.Hour) // past every delay: measure the admitted path
		a, err := l.Begin(ctx, accounts[i%len(accounts)], botIP(i%4096))
		if err != nil {
			b.Fatal(err)
		}
		a.Fail(ctx)
	}
}

// BenchmarkBeginRefused is an attacker hammering a throttled pair.
func BenchmarkBeginRefused(b *testing.B) {
	l := throttle.New(nil, throttle.Config{Now: func() time.Time { return t0 }, Logger: quiet()})
	for range 5 {
		try(l, "bob@example.com", attacker)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Begin(ctx, "bob@example.com", attacker); err == nil {
			b.Fatal("admitted")
		}
	}
}

// BenchmarkBeginSucceed is an ordinary successful login.
func BenchmarkBeginSucceed(b *testing.B) {
	l := throttle.New(nil, throttle.Config{Logger: quiet()})
	accounts := benchAccounts(1024)
	ip := netip.MustParseAddr("2001:db8::1")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		a, err := l.Begin(ctx, accounts[i%len(accounts)], ip)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Succeed(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBeginFailParallel(b *testing.B) {
	l := throttle.New(nil, throttle.Config{Logger: quiet(), FreeFailures: 1 << 30, IPFreeFailures: 1 << 30, AccountLimit: 1 << 30})
	accounts := benchAccounts(1024)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			a, err := l.Begin(ctx, accounts[i%len(accounts)], botIP(i%4096))
			if err != nil {
				b.Fatal(err)
			}
			a.Fail(ctx)
		}
	})
}
