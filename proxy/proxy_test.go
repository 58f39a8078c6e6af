package proxy

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

type req struct {
	remote  string
	tls     bool
	host    string
	headers map[string][]string
}

func (q req) build() *http.Request {
	r := httptest.NewRequest("GET", "http://placeholder/", nil)
	r.RemoteAddr = q.remote
	r.Host = q.host
	if r.Host == "" {
		r.Host = "app.example"
	}
	if q.tls {
		r.TLS = &tls.ConnectionState{}
	}
	for k, vs := range q.headers {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return r
}

func h(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

func TestResolveXForwarded(t *testing.T) {
	rs := New(Config{TrustedProxies: []string{"10.0.0.0/8", "2001:db8:ffff::1"}})
	tests := []struct {
		name   string
		req    req
		ip     string
		scheme string
		host   string
	}{
		{"direct client, no headers", req{remote: "198.51.100.7:5555"}, "198.51.100.7", "http", "app.example"},
		{"direct TLS client", req{remote: "198.51.100.7:5555", tls: true}, "198.51.100.7", "https", "app.example"},
		{"attack: spoofed XFF from untrusted peer", req{remote: "198.51.100.7:5555", headers: h("X-Forwarded-For", "1.2.3.4")}, "198.51.100.7", "http", "app.example"},
		{"attack: spoofed proto from untrusted peer", req{remote: "198.51.100.7:5555", headers: h("X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example")}, "198.51.100.7", "http", "app.example"},
		{"trusted proxy forwards client", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "Notes.Example")}, "203.0.113.9", "https", "notes.example"},
		{"client-prepended entries ignored", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "1.1.1.1, 203.0.113.9")}, "203.0.113.9", "http", "app.example"},
		{"two trusted hops", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.1.1.1", "X-Forwarded-Proto", "https")}, "203.0.113.9", "https", "app.example"},
		{"multiple header lines joined", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "203.0.113.9")}, "203.0.113.9", "http", "app.example"},
		{"client with port", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "203.0.113.9:4711")}, "203.0.113.9", "http", "app.example"},
		{"IPv6 client", req{remote: "[2001:db8:ffff::1]:443", headers: h("X-Forwarded-For", "2001:db8::7")}, "2001:db8::7", "http", "app.example"},
		{"IPv4-mapped client unmapped", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "::ffff:203.0.113.9")}, "203.0.113.9", "http", "app.example"},
		{"all hops trusted: leftmost is client", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "10.9.9.9")}, "10.9.9.9", "http", "app.example"},
		{"garbage address fails closed", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "203.0.113.9, not-an-ip", "X-Forwarded-Proto", "https")}, "10.0.0.2", "http", "app.example"},
		{"garbage behind trusted hop", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "bogus, 10.3.3.3", "X-Forwarded-Proto", "https")}, "10.3.3.3", "http", "app.example"},
		{"empty element fails closed", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "203.0.113.9,,")}, "10.0.0.2", "http", "app.example"},
		{"zoned address fails closed", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "fe80::1%eth0")}, "10.0.0.2", "http", "app.example"},
		{"bad proto ignored", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "javascript")}, "203.0.113.9", "http", "app.example"},
		{"bad host ignored", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "203.0.113.9", "X-Forwarded-Host", "evil.example/path", "X-Forwarded-Proto", "https")}, "203.0.113.9", "http", "app.example"},
		{"userinfo host ignored", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "203.0.113.9", "X-Forwarded-Host", "evil@app.example")}, "203.0.113.9", "http", "app.example"},
		{"misaligned proto list ignored", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "203.0.113.9, 10.1.1.1, 10.2.2.2", "X-Forwarded-Proto", "https, http")}, "203.0.113.9", "http", "app.example"},
		{"aligned proto list", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "203.0.113.9, 10.1.1.1", "X-Forwarded-Proto", "https, http")}, "203.0.113.9", "https", "app.example"},
		{"proto without XFF", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-Proto", "https")}, "10.0.0.2", "http", "app.example"},
		{"trusted proxy without headers", req{remote: "10.0.0.2:1"}, "10.0.0.2", "http", "app.example"},
		{"Forwarded ignored in XForwarded mode", req{remote: "10.0.0.2:1", headers: h("Forwarded", "for=1.2.3.4;proto=https")}, "10.0.0.2", "http", "app.example"},
		{"too many hops fails closed", req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", strings.Repeat("10.0.0.1, ", 40)+"203.0.113.9")}, "10.0.0.2", "http", "app.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info := rs.Resolve(tc.req.build())
			if info.ClientIP.String() != tc.ip || info.Scheme != tc.scheme || info.Host != tc.host {
				t.Fatalf("got ip=%s scheme=%s host=%s, want ip=%s scheme=%s host=%s",
					info.ClientIP, info.Scheme, info.Host, tc.ip, tc.scheme, tc.host)
			}
		})
	}
}

func TestResolveForwarded(t *testing.T) {
	rs := New(Config{TrustedProxies: []string{"10.0.0.0/8"}, Header: Forwarded})
	tests := []struct {
		name   string
		fwd    []string
		ip     string
		scheme string
		host   string
	}{
		{"RFC 7239 example", []string{`for=192.0.2.60;proto=https;by=203.0.113.43;host=notes.example`}, "192.0.2.60", "https", "notes.example"},
		{"quoted IPv6 with port", []string{`For="[2001:db8:cafe::17]:4711"`}, "2001:db8:cafe::17", "http", "app.example"},
		{"client-forged element ignored", []string{`for=6.6.6.6;proto=https, for=192.0.2.60;proto=http`}, "192.0.2.60", "http", "app.example"},
		{"proto from the client's hop", []string{`for=192.0.2.60;proto=https, for=10.1.1.1;proto=http`}, "192.0.2.60", "https", "app.example"},
		{"unknown fails closed", []string{`for=unknown;proto=https`}, "10.0.0.2", "http", "app.example"},
		{"obfuscated fails closed", []string{`for=_hidden, for=10.3.3.3`}, "10.3.3.3", "http", "app.example"},
		{"malformed header fails closed", []string{`for=192.0.2.60;proto=https;`, `for="unterminated`}, "10.0.0.2", "http", "app.example"},
		{"duplicate parameter fails closed", []string{`for=192.0.2.60;for=6.6.6.6`}, "10.0.0.2", "http", "app.example"},
		{"bad proto ignored", []string{`for=192.0.2.60;proto=ftp`}, "192.0.2.60", "http", "app.example"},
		{"bad host ignored", []string{`for=192.0.2.60;proto=https;host="a b"`}, "192.0.2.60", "http", "app.example"},
		{"several lines", []string{`for=6.6.6.6`, `for=192.0.2.60;proto=https`}, "192.0.2.60", "https", "app.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := req{remote: "10.0.0.2:1", headers: map[string][]string{"Forwarded": tc.fwd, "X-Forwarded-For": {"7.7.7.7"}}}
			info := rs.Resolve(q.build())
			if info.ClientIP.String() != tc.ip || info.Scheme != tc.scheme || info.Host != tc.host {
				t.Fatalf("got ip=%s scheme=%s host=%s, want ip=%s scheme=%s host=%s",
					info.ClientIP, info.Scheme, info.Host, tc.ip, tc.scheme, tc.host)
			}
		})
	}
}

func TestParseForwarded(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		want []ForwardedElement
	}{
		{`for="_gazonk"`, true, []ForwardedElement{{For: "_gazonk"}}},
		{`For="[2001:db8:cafe::17]:4711"`, true, []ForwardedElement{{For: "[2001:db8:cafe::17]:4711"}}},
		{`for=192.0.2.60;proto=http;by=203.0.113.43`, true, []ForwardedElement{{For: "192.0.2.60", Proto: "http", By: "203.0.113.43"}}},
		{`for=192.0.2.43, for=198.51.100.17`, true, []ForwardedElement{{For: "192.0.2.43"}, {For: "198.51.100.17"}}},
		{`for="a\"b"`, true, []ForwardedElement{{For: `a"b`}}},
		{`ext=1;for=1.2.3.4`, true, []ForwardedElement{{For: "1.2.3.4"}}},
		{``, true, []ForwardedElement{{}}},
		{`for=`, false, nil},
		{`for`, false, nil},
		{`=x`, false, nil},
		{`for="x`, false, nil},
		{`for=a b`, false, nil},
		{`for=1;for=2`, false, nil},
		{"for=\"a\x00b\"", false, nil},
		{`for=1.2.3.4 ; proto=https`, true, []ForwardedElement{{For: "1.2.3.4", Proto: "https"}}},
	}
	for _, tc := range tests {
		got, ok := ParseForwarded(tc.in)
		if ok != tc.ok {
			t.Errorf("ParseForwarded(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("ParseForwarded(%q) = %+v, want %+v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ParseForwarded(%q)[%d] = %+v, want %+v", tc.in, i, got[i], tc.want[i])
			}
		}
	}
}

func TestHandlerAndAccessors(t *testing.T) {
	rs := New(Config{TrustedProxies: []string{"127.0.0.1"}})
	var got Info
	var origin string
	srv := rs.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = FromRequest(r)
		origin = Origin(r)
		if ClientIP(r) != got.ClientIP || Scheme(r) != got.Scheme || Host(r) != got.Host || IsTLS(r) != (got.Scheme == "https") {
			t.Error("accessors disagree with FromRequest")
		}
	}))
	r := req{remote: "127.0.0.1:9", host: "x", headers: h("X-Forwarded-For", "203.0.113.5", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "Notes.Example:443")}.build()
	srv.ServeHTTP(httptest.NewRecorder(), r)
	if got.ClientIP != netip.MustParseAddr("203.0.113.5") || !got.ViaProxy {
		t.Fatalf("got %+v", got)
	}
	if origin != "https://notes.example" {
		t.Fatalf("Origin = %q", origin)
	}
	// Without the middleware the accessors read the connection.
	plain := req{remote: "192.0.2.1:9", host: "Localhost:8080", headers: h("X-Forwarded-Proto", "https")}.build()
	if Origin(plain) != "http://localhost:8080" || ClientIP(plain).String() != "192.0.2.1" {
		t.Fatalf("direct: origin %q ip %s", Origin(plain), ClientIP(plain))
	}
}

// TestDirectAccessorsMatchFromRequest: without the middleware, each
// accessor works out its own field; all must agree with FromRequest.
func TestDirectAccessorsMatchFromRequest(t *testing.T) {
	for _, q := range []req{
		{remote: "192.0.2.1:9", host: "Localhost:8080"},
		{remote: "[::ffff:192.0.2.1]:443", tls: true, host: "APP.example"},
		{remote: "[fe80::1%eth0]:80", host: "[::1]:8080"},
		{remote: "192.0.2.7", host: "x"},
		{remote: "", host: "x"},
		{remote: "not an address", tls: true, host: "x"},
		{remote: "@", host: "Ünïcode.example"},
	} {
		r := q.build()
		got := FromRequest(r)
		if ClientIP(r) != got.ClientIP || Scheme(r) != got.Scheme || Host(r) != got.Host || IsTLS(r) != (got.Scheme == "https") {
			t.Errorf("%+v: accessors (%v %q %q %v) disagree with FromRequest %+v",
				q, ClientIP(r), Scheme(r), Host(r), IsTLS(r), got)
		}
	}
}

func TestOriginOf(t *testing.T) {
	tests := []struct{ scheme, host, want string }{
		{"https", "a.example:443", "https://a.example"},
		{"http", "a.example:80", "http://a.example"},
		{"https", "a.example:80", "https://a.example:80"},
		{"http", "[::1]:80", "http://[::1]"},
		{"http", "[::1]:8080", "http://[::1]:8080"},
		{"https", "A.Example", "https://a.example"},
	}
	for _, tc := range tests {
		if got := OriginOf(tc.scheme, tc.host); got != tc.want {
			t.Errorf("OriginOf(%q, %q) = %q, want %q", tc.scheme, tc.host, got, tc.want)
		}
	}
}

func TestNewPanicsOnBadConfig(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "example.com", "", "10.0.0.1/"} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.HasPrefix(r.(string), "rampart/proxy: ") {
					t.Errorf("New(%q): panic %v", bad, r)
				}
			}()
			New(Config{TrustedProxies: []string{bad}})
		}()
	}
}

func TestNoTrustedProxiesIsPassThrough(t *testing.T) {
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if got := New(Config{}).Handler(next); got == nil {
		t.Fatal("nil handler")
	}
}

func FuzzParseForwarded(f *testing.F) {
	for _, s := range []string{`for=192.0.2.60;proto=https;by=203.0.113.43`, `For="[2001:db8:cafe::17]:4711"`, `for=a, for=b`, `for="\"`, `;;,,`} {
		f.Add(s)
	}
	rs := New(Config{TrustedProxies: []string{"10.0.0.0/8"}, Header: Forwarded})
	f.Fuzz(func(t *testing.T, v string) {
		elems, ok := ParseForwarded(v)
		if !ok && elems != nil {
			t.Fatal("elements returned with ok=false")
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.0.2:1"
		r.Header.Set("Forwarded", v)
		info := rs.Resolve(r)
		if !info.ClientIP.IsValid() {
			t.Fatal("no client IP")
		}
		if info.Scheme != "http" && info.Scheme != "https" {
			t.Fatalf("scheme %q", info.Scheme)
		}
		if _, ok := parseHost(info.Host); !ok && info.Host != "app.example" && info.Host != "example.com" {
			t.Fatalf("host %q", info.Host)
		}
	})
}

func FuzzXForwarded(f *testing.F) {
	f.Add("203.0.113.9, 10.1.1.1", "https", "notes.example")
	f.Add("garbage", "https,http", "a b")
	rs := New(Config{TrustedProxies: []string{"10.0.0.0/8"}})
	f.Fuzz(func(t *testing.T, xff, proto, host string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.0.2:1"
		r.Header.Set("X-Forwarded-For", xff)
		r.Header.Set("X-Forwarded-Proto", proto)
		r.Header.Set("X-Forwarded-Host", host)
		info := rs.Resolve(r)
		if !info.ClientIP.IsValid() || (info.Scheme != "http" && info.Scheme != "https") {
			t.Fatalf("info %+v", info)
		}
		if info.Scheme == "https" && !strings.Contains(strings.ToLower(proto), "https") {
			t.Fatal("https invented")
		}
		if rs.Trusts(info.ClientIP) && info.ClientIP.String() != "10.0.0.2" {
			// Only when every hop is trusted may the client be a proxy.
			for _, e := range splitList([]string{xff}) {
				if a := parseAddr(e); a.IsValid() && !rs.Trusts(a) {
					t.Fatalf("client %s is a proxy although %s is untrusted", info.ClientIP, a)
				}
			}
		}
	})
}

func BenchmarkResolveTrusted(b *testing.B) {
	rs := New(Config{TrustedProxies: []string{"10.0.0.0/8"}})
	r := req{remote: "10.0.0.2:1", headers: h("X-Forwarded-For", "203.0.113.9, 10.1.1.1", "X-Forwarded-Proto", "https")}.build()
	b.ReportAllocs()
	for b.Loop() {
		_ = rs.Resolve(r)
	}
}

func BenchmarkOriginDirect(b *testing.B) {
	r := req{remote: "192.0.2.1:9"}.build()
	b.ReportAllocs()
	for b.Loop() {
		_ = Origin(r)
	}
}
