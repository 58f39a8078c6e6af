package throttle_test

import (
	"net/netip"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rampartgo/rampart/throttle"
)

// FuzzAccountAndAddress feeds attacker-chosen account names and addresses
// through normalisation and a full Begin/Fail: no panic, idempotent
// normalisation, and variants that normalise alike share one counter.
func FuzzAccountAndAddress(f *testing.F) {
	f.Add("alice@example.com", "203.0.113.7")
	f.Add("  ALICE@Example.com\t", "::ffff:203.0.113.7")
	f.Add("jose\u0301@example.com", "2001:db8::1%eth0")
	f.Add("\xff\xfe\x00bad utf8", "not an ip")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, account, addr string) {
		n := throttle.NormalizeAccount(account)
		if throttle.NormalizeAccount(n) != n {
			t.Fatalf("NormalizeAccount not idempotent on %q", account)
		}
		if utf8.ValidString(account) && !utf8.ValidString(n) {
			t.Fatalf("NormalizeAccount(%q) made invalid UTF-8", account)
		}
		ip, _ := netip.ParseAddr(addr)
		if p := throttle.Network(ip); ip.IsValid() && !p.Contains(ip.Unmap().WithZone("")) {
			t.Fatalf("Network(%v) = %v does not contain it", ip, p)
		}
		l := throttle.New(nil, throttle.Config{Now: func() time.Time { return t0 }, Logger: quiet(), FreeFailures: 1})
		a, err := l.Begin(ctx, account, ip)
		if err != nil {
			t.Fatal(err)
		}
		a.Fail(ctx)
		if _, err := l.Begin(ctx, n, ip); err == nil {
			t.Fatalf("normalised %q escaped the counter of %q", n, account)
		}
	})
}
