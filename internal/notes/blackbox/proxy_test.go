package blackbox_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBehindProxy: in production behind a TLS proxy, X-Forwarded-* is
// believed only from trusted proxies. A plain-HTTP request (or one whose
// X-Forwarded-Proto comes from an untrusted peer) is never served as a
// page: it is redirected to HTTPS on the configured host or refused, never
// sent to a host the request named.
func TestBehindProxy(t *testing.T) {
	t.Parallel() // its own instance: runs beside the others
	check := func(t *testing.T, a *app, opts []reqOpt, wantServed bool) {
		t.Helper()
		c := a.newClient(t)
		r := c.get("/login", opts...)
		hsts := r.Header.Get("Strict-Transport-Security")
		if wantServed {
			if r.StatusCode != http.StatusOK {
				t.Errorf("%s via a trusted TLS proxy: %s, want 200", r, r.Status)
			}
			if hsts == "" {
				t.Errorf("%s via a trusted TLS proxy: no HSTS", r)
			}
			return
		}
		if r.StatusCode == http.StatusOK {
			t.Errorf("%s: a page is served over plain HTTP in production", r)
		}
		checkSecurityHeaders(t, r)
		if hsts != "" {
			t.Errorf("%s: HSTS %q on a plain-HTTP answer (the forwarded scheme was believed)", r, hsts)
		}
		if loc := r.Header.Get("Location"); loc != "" {
			u, err := url.Parse(loc)
			if err != nil || u.Scheme != "https" || strings.Contains(u.Host, "evil") {
				t.Errorf("%s: redirect to %q, want https:// on the configured host", r, loc)
			}
		}
	}
	spoof := []reqOpt{
		header("X-Forwarded-Proto", "https"), header("X-Forwarded-Host", "evil.example"),
		header("X-Forwarded-For", "203.0.113.9"), header("Forwarded", "for=203.0.113.9;proto=https;host=evil.example"),
	}

	t.Run("trusted loopback proxy", func(t *testing.T) {
		a := startApp(t, appOptions{productionPlain: true, args: []string{"-behind-proxy", "-host", "notes.example"}})
		// What a real TLS proxy sends: the client address and the scheme.
		check(t, a, []reqOpt{header("X-Forwarded-For", "203.0.113.9"), header("X-Forwarded-Proto", "https")}, true)
		check(t, a, nil, false)
	})
	t.Run("untrusted peer", func(t *testing.T) {
		a := startApp(t, appOptions{productionPlain: true, args: []string{"-behind-proxy", "-trusted-proxies", "10.0.0.0/8", "-host", "notes.example"}})
		check(t, a, spoof, false)
		check(t, a, nil, false)
	})
	t.Run("untrusted peer, no -host", func(t *testing.T) {
		a := startApp(t, appOptions{productionPlain: true, args: []string{"-behind-proxy", "-trusted-proxies", "10.0.0.0/8"}})
		check(t, a, spoof, false)
	})
}

// TestLoginThrottleSpraying: one network failing on many accounts is
// throttled (password spraying), while a user who logged in from that
// network before is not locked out by the sprayer.
func TestLoginThrottleSpraying(t *testing.T) {
	t.Parallel() // its own instance: runs beside the others
	a := startApp(t, appOptions{})
	_, u := a.newUser(t, "regular")
	a.newClient(t).mustLogin(u) // this network is now known for u
	sprayer := a.newClient(t)
	tok := sprayer.token("/login")
	var limited *resp
	for i := 0; i < 130; i++ {
		r := sprayer.post("/login", url.Values{"email": {newEmail("spray")}, "password": {"Winter2026!"}, "csrf_token": {tok}})
		if r.StatusCode == http.StatusTooManyRequests {
			limited = r
			break
		}
		if r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("spray attempt %d: %s, want 401 or 429", i+1, r.Status)
		}
	}
	if limited == nil {
		t.Fatal("130 failed logins on distinct accounts from one network were never throttled")
	}
	checkRetryAfter(t, limited)
	if r := a.newClient(t).login(u, ""); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a user known on this network, during the spray: %s, want 303 (the sprayer must not lock real users out)", r.Status)
	}
}

// waitRetryAfter sleeps for r's Retry-After when it is short, and reports
// whether it did.
func waitRetryAfter(t *testing.T, r *resp, max int) bool {
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || n > max {
		t.Logf("Retry-After %q is longer than this test waits (%ds)", r.Header.Get("Retry-After"), max)
		return false
	}
	time.Sleep(time.Duration(n)*time.Second + 200*time.Millisecond)
	return true
}
