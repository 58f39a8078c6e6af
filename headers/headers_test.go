package headers

import (
	"bytes"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/rampartgo/rampart/proxy"
)

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(Nonce(r))) })

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

var nonceRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

func TestDefaults(t *testing.T) {
	m := New(Config{})
	w := serve(m.Handler(ok), httptest.NewRequest("GET", "https://notes.example/", nil))
	nonce := w.Body.String()
	if !nonceRE.MatchString(nonce) {
		t.Fatalf("nonce %q", nonce)
	}
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self' 'nonce-" + nonce + "'; style-src 'self' 'nonce-" + nonce +
			"'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Referrer-Policy":              "strict-origin-when-cross-origin",
		"Permissions-Policy":           DefaultPermissionsPolicy,
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
		"X-Xss-Protection":             "0",
		"Strict-Transport-Security":    "max-age=63072000; includeSubDomains",
	}
	for k, v := range want {
		if got := w.Header().Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(w.Header()) != len(want)+1 { // + Content-Type from the recorder
		t.Errorf("unexpected headers: %v", w.Header())
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(w.Header().Get("Content-Security-Policy"), bad) {
			t.Errorf("CSP contains %s", bad)
		}
	}
	for _, feature := range []string{"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"} {
		if !strings.Contains(DefaultPermissionsPolicy, feature) {
			t.Errorf("Permissions-Policy allows %s", feature)
		}
	}
	if Nonce(httptest.NewRequest("GET", "/", nil)) != "" {
		t.Error("Nonce without middleware")
	}
}

func TestLegacyXSSFilter(t *testing.T) {
	w := serve(New(Config{Policy: Policy{LegacyXSSFilter: true}}).Handler(ok), httptest.NewRequest("GET", "https://notes.example/", nil))
	if got := w.Header().Get("X-XSS-Protection"); got != "1; mode=block" {
		t.Fatalf("X-XSS-Protection %q", got)
	}
}

func TestNonceUnique(t *testing.T) {
	h := New(Config{}).Handler(ok)
	seen := make(map[string]bool)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 250 {
				w := serve(h, httptest.NewRequest("GET", "https://notes.example/", nil))
				n := w.Body.String()
				if !nonceRE.MatchString(n) || strings.Count(w.Header().Get("Content-Security-Policy"), "'nonce-"+n+"'") != 2 {
					t.Errorf("nonce %q, CSP %q", n, w.Header().Get("Content-Security-Policy"))
				}
				mu.Lock()
				if seen[n] {
					t.Errorf("nonce %q repeated", n)
				}
				seen[n] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// The nonce goes through html/template unchanged (no &#43; as with
// standard base64).
func TestNonceInTemplate(t *testing.T) {
	tpl := template.Must(template.New("").Parse(`<script nonce="{{ . }}" src="/app.js"></script>`))
	h := New(Config{}).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tpl.Execute(w, Nonce(r))
	}))
	for range 50 {
		w := serve(h, httptest.NewRequest("GET", "https://notes.example/", nil))
		n := strings.TrimSuffix(strings.TrimPrefix(w.Body.String(), `<script nonce="`), `" src="/app.js"></script>`)
		if !strings.Contains(w.Header().Get("Content-Security-Policy"), "'nonce-"+n+"'") {
			t.Fatalf("template wrote %q", w.Body)
		}
	}
}

func TestHTTPS(t *testing.T) {
	resolver := proxy.New(proxy.Config{TrustedProxies: []string{"10.0.0.0/8"}})
	hsts := func(cfg HSTS) string { return hstsValue(cfg) }
	tests := []struct {
		name     string
		cfg      Config
		method   string
		url      string
		remote   string
		xfp, xfh string
		status   int
		location string
		hsts     string
	}{
		{"TLS: headers and HSTS", Config{}, "GET", "https://notes.example/", "", "", "", 200, "", hsts(HSTS{})},
		{"HSTS preload", Config{HSTS: HSTS{Preload: true}}, "GET", "https://notes.example/", "", "", "", 200, "", "max-age=63072000; includeSubDomains; preload"},
		{"HSTS without subdomains", Config{HSTS: HSTS{ExcludeSubDomains: true, MaxAge: 366 * 24 * 3600e9}}, "GET", "https://notes.example/", "", "", "", 200, "", "max-age=31622400"},
		{"plain GET redirected, 301", Config{CanonicalHost: "notes.example"}, "GET", "http://notes.example/a/b?q=1", "", "", "", 301, "https://notes.example/a/b?q=1", ""},
		{"plain POST redirected, 308", Config{CanonicalHost: "notes.example"}, "POST", "http://notes.example/notes", "", "", "", 308, "https://notes.example/notes", ""},
		{"OPTIONS * redirected to the root", Config{CanonicalHost: "notes.example"}, "OPTIONS", "*", "", "", "", 308, "https://notes.example/", ""},
		{"HEAD redirected, 301", Config{CanonicalHost: "notes.example"}, "HEAD", "http://notes.example/", "", "", "", 301, "https://notes.example/", ""},
		{"port dropped for an allowed host", Config{AllowedHosts: []string{"notes.example"}}, "GET", "http://notes.example:8080/x", "", "", "", 301, "https://notes.example/x", ""},
		{"canonical port kept", Config{CanonicalHost: "notes.example:8443"}, "GET", "http://notes.example:8080/x", "", "", "", 301, "https://notes.example:8443/x", ""},
		{"second allowed name keeps its name", Config{CanonicalHost: "notes.example", AllowedHosts: []string{"www.notes.example"}}, "GET", "http://www.notes.example/", "", "", "", 301, "https://www.notes.example/", ""},
		{"attacker Host goes to the canonical host", Config{CanonicalHost: "notes.example"}, "GET", "http://evil.example/x", "", "", "", 301, "https://notes.example/x", ""},
		{"attacker Host, no configured host: refused", Config{}, "GET", "http://evil.example/x", "", "", "", 400, "", ""},
		{"protocol-relative path stays on our host", Config{CanonicalHost: "notes.example"}, "GET", "http://notes.example//evil.example/", "", "", "", 301, "https://notes.example//evil.example/", ""},
		{"trusted TLS proxy: HSTS, no redirect", Config{CanonicalHost: "notes.example"}, "GET", "http://app:8080/", "10.0.0.2:1000", "https", "notes.example", 200, "", hsts(HSTS{})},
		{"trusted proxy over plain HTTP: redirect to its host", Config{AllowedHosts: []string{"notes.example"}}, "GET", "http://app:8080/p", "10.0.0.2:1000", "http", "notes.example", 301, "https://notes.example/p", ""},
		{"trusted proxy forwards an attacker host", Config{CanonicalHost: "notes.example"}, "GET", "http://app:8080/p", "10.0.0.2:1000", "http", "evil.example", 301, "https://notes.example/p", ""},
		{"untrusted peer forges X-Forwarded-Proto: no HSTS", Config{CanonicalHost: "notes.example"}, "GET", "http://notes.example/", "198.51.100.7:1000", "https", "", 301, "https://notes.example/", ""},
		{"untrusted peer forges X-Forwarded-Host", Config{AllowedHosts: []string{"notes.example", "evil.example"}}, "GET", "http://notes.example/", "198.51.100.7:1000", "http", "evil.example", 301, "https://notes.example/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, nil)
			if tt.remote != "" {
				r.RemoteAddr = tt.remote
				r.Header.Set("X-Forwarded-For", "203.0.113.9")
			}
			if tt.xfp != "" {
				r.Header.Set("X-Forwarded-Proto", tt.xfp)
			}
			if tt.xfh != "" {
				r.Header.Set("X-Forwarded-Host", tt.xfh)
			}
			w := serve(resolver.Handler(New(tt.cfg).Handler(ok)), r)
			if w.Code != tt.status || w.Header().Get("Location") != tt.location {
				t.Fatalf("%d %q, want %d %q", w.Code, w.Header().Get("Location"), tt.status, tt.location)
			}
			if got := w.Header().Get("Strict-Transport-Security"); got != tt.hsts {
				t.Fatalf("HSTS %q, want %q", got, tt.hsts)
			}
		})
	}
}

func TestInsecureDev(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	m := New(Config{InsecureDev: true, Logger: logger})
	if !strings.Contains(logs.String(), "InsecureDev") {
		t.Fatal("InsecureDev not announced")
	}
	for _, tt := range []struct {
		name, url, remote string
		status            int
	}{
		{"localhost", "http://localhost:8080/", "127.0.0.1:5000", 200},
		{"127.0.0.1", "http://127.0.0.1:8080/", "127.0.0.1:5000", 200},
		{"[::1]", "http://[::1]:8080/", "[::1]:5000", 200},
		{"app.localhost", "http://app.localhost/", "127.0.0.1:5000", 200},
		{"public host", "http://notes.example/", "127.0.0.1:5000", 400},
		{"remote client with Host: localhost", "http://localhost:8080/", "192.0.2.1:5000", 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.url, nil)
			r.RemoteAddr = tt.remote
			w := serve(m.Handler(ok), r)
			if w.Code != tt.status {
				t.Fatalf("status %d", w.Code)
			}
			if w.Header().Get("Strict-Transport-Security") != "" {
				t.Fatal("HSTS in dev mode")
			}
			if tt.status == 200 && w.Header().Get("Content-Security-Policy") == "" {
				t.Fatal("dev mode dropped the CSP")
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "level=ERROR") {
		t.Fatal("non-local request under InsecureDev not logged as an error")
	}
	// Over TLS on localhost: no HSTS (it would pin every local project).
	r := httptest.NewRequest("GET", "https://localhost/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	w := serve(m.Handler(ok), r)
	if w.Code != 200 || w.Header().Get("Strict-Transport-Security") != "" {
		t.Fatalf("localhost over TLS: %d %v", w.Code, w.Header())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestOverride(t *testing.T) {
	m := New(Config{})
	frameSelf := func(p *Policy) { p.CSP.FrameAncestors = []string{Self} }
	for _, tt := range []struct {
		name string
		h    http.Handler
		xfo  string
		fa   string
	}{
		{"default", ok, "DENY", "frame-ancestors 'none'"},
		{"Override to self", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			Override(r, frameSelf)
			ok(w, r)
		}), "SAMEORIGIN", "frame-ancestors 'self'"},
		{"OverrideHandler to self", OverrideHandler(frameSelf, ok), "SAMEORIGIN", "frame-ancestors 'self'"},
		{"another origin: no X-Frame-Options", OverrideHandler(func(p *Policy) {
			p.CSP.FrameAncestors = []string{"https://partner.example"}
		}, ok), "", "frame-ancestors https://partner.example"},
		{"two overrides compose", OverrideHandler(frameSelf, OverrideHandler(func(p *Policy) { p.ReferrerPolicy = "no-referrer" }, ok)), "SAMEORIGIN", "frame-ancestors 'self'"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second run uses OverrideHandler's cache
				w := serve(m.Handler(tt.h), httptest.NewRequest("GET", "https://notes.example/", nil))
				csp := w.Header().Get("Content-Security-Policy")
				if got := w.Header().Values("X-Frame-Options"); strings.Join(got, ",") != tt.xfo {
					t.Fatalf("X-Frame-Options %q", got)
				}
				if !strings.Contains(csp, tt.fa) || !strings.Contains(csp, "'nonce-"+w.Body.String()+"'") {
					t.Fatalf("CSP %q (nonce %q)", csp, w.Body)
				}
				if len(w.Header().Values("Content-Security-Policy")) != 1 || w.Header().Get("Strict-Transport-Security") == "" {
					t.Fatalf("headers %v", w.Header())
				}
			}
		})
	}
	// The base policy is untouched.
	w := serve(m.Handler(ok), httptest.NewRequest("GET", "https://notes.example/", nil))
	if w.Header().Get("X-Frame-Options") != "DENY" {
		t.Fatal("an override leaked into the base policy")
	}
}

func TestCSPBuilder(t *testing.T) {
	m := New(Config{Policy: Policy{CSP: CSP{
		ScriptSrc:               []string{Self, StrictDynamic},
		ImgSrc:                  []string{Self, Data, "https://img.example"},
		ConnectSrc:              []string{Self, "wss://live.example"},
		UpgradeInsecureRequests: true,
		ReportURI:               "/csp-report",
		ReportOnly:              true,
	}, ReferrerPolicy: "no-referrer"}})
	w := serve(m.Handler(ok), httptest.NewRequest("GET", "https://notes.example/", nil))
	n := w.Body.String()
	want := "default-src 'self'; script-src 'self' 'strict-dynamic' 'nonce-" + n + "'; style-src 'self' 'nonce-" + n +
		"'; img-src 'self' data: https://img.example; connect-src 'self' wss://live.example; object-src 'none'; base-uri 'none'" +
		"; frame-ancestors 'none'; form-action 'self'; upgrade-insecure-requests; report-uri /csp-report; report-to csp-endpoint"
	if got := w.Header().Get("Content-Security-Policy-Report-Only"); got != want {
		t.Fatalf("CSP\n got %s\nwant %s", got, want)
	}
	if w.Header().Get("Content-Security-Policy") != "" {
		t.Fatal("report-only also enforced")
	}
	if got := w.Header().Get("Reporting-Endpoints"); got != `csp-endpoint="/csp-report"` {
		t.Fatalf("Reporting-Endpoints %q", got)
	}
	if w.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Fatal("Referrer-Policy not applied")
	}
}

func TestConstructionPanics(t *testing.T) {
	for name, cfg := range map[string]Config{
		"source with semicolon":        {Policy: Policy{CSP: CSP{ImgSrc: []string{"https://a.example; script-src *"}}}},
		"source with space":            {Policy: Policy{CSP: CSP{ImgSrc: []string{"a b"}}}},
		"empty source":                 {Policy: Policy{CSP: CSP{ImgSrc: []string{""}}}},
		"unquoted keyword quote":       {Policy: Policy{CSP: CSP{ImgSrc: []string{"'self"}}}},
		"listed nonce":                 {Policy: Policy{CSP: CSP{ScriptSrc: []string{"'nonce-abc'"}}}},
		"none with others":             {Policy: Policy{CSP: CSP{ImgSrc: []string{None, Self}}}},
		"script-src none":              {Policy: Policy{CSP: CSP{ScriptSrc: []string{None}}}},
		"newline in header":            {Policy: Policy{ReferrerPolicy: "no-referrer\r\nSet-Cookie: a=b"}},
		"report URI with quote":        {Policy: Policy{CSP: CSP{ReportURI: `/r"x`}}},
		"bad report-to name":           {Policy: Policy{CSP: CSP{ReportTo: "a b"}}},
		"short HSTS":                   {HSTS: HSTS{MaxAge: 3600e9}},
		"preload without subdomains":   {HSTS: HSTS{Preload: true, ExcludeSubDomains: true}},
		"canonical host with scheme":   {CanonicalHost: "https://notes.example"},
		"canonical host with path":     {CanonicalHost: "notes.example/x"},
		"allowed host with port":       {AllowedHosts: []string{"notes.example:80"}},
		"InsecureDev with public host": {InsecureDev: true, CanonicalHost: "notes.example", Logger: slog.New(slog.DiscardHandler)},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if v, _ := recover().(string); !strings.HasPrefix(v, "rampart/headers: ") {
					t.Fatalf("panic %v", v)
				}
			}()
			New(cfg)
		})
	}
	t.Run("invalid Override", func(t *testing.T) {
		h := New(Config{}).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v, _ := recover().(string); !strings.HasPrefix(v, "rampart/headers: ") {
					t.Fatalf("panic %v", v)
				}
			}()
			Override(r, func(p *Policy) { p.CSP.FrameAncestors = []string{"x;y"} })
		}))
		serve(h, httptest.NewRequest("GET", "https://notes.example/", nil))
	})
	t.Run("Override without middleware", func(t *testing.T) {
		defer func() {
			if v, _ := recover().(string); !strings.HasPrefix(v, "rampart/headers: ") {
				t.Fatalf("panic %v", v)
			}
		}()
		Override(httptest.NewRequest("GET", "/", nil), func(*Policy) {})
	})
}

func TestNoStore(t *testing.T) {
	w := serve(NoStore(ok), httptest.NewRequest("GET", "/", nil))
	if got := w.Header().Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
		t.Fatalf("Cache-Control %q", got)
	}
	w = httptest.NewRecorder()
	w.Header().Set("Cache-Control", "public, max-age=3600")
	SetNoStore(w)
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Fatal("SetNoStore did not replace a caching header")
	}
}

// The responses the middleware answers itself (the redirect to HTTPS, the
// 400 for an unknown host) carry the policy's headers and a CSP that
// allows nothing, not a bare response a page could frame or sniff.
func TestRedirectHasBaselineHeaders(t *testing.T) {
	for _, tt := range []struct {
		name   string
		cfg    Config
		url    string
		status int
	}{
		{"redirect", Config{CanonicalHost: "notes.example"}, "http://notes.example/x", 301},
		{"refusal", Config{}, "http://evil.example/x", 400},
		{"report-only policy still enforces the redirect CSP", Config{CanonicalHost: "notes.example", Policy: Policy{CSP: CSP{ReportOnly: true}}}, "http://notes.example/", 301},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := New(tt.cfg).Handler(ok)
			w := serve(h, httptest.NewRequest("GET", tt.url, nil))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			want := map[string]string{
				"Content-Security-Policy":      RedirectCSP,
				"X-Content-Type-Options":       "nosniff",
				"X-Frame-Options":              "DENY",
				"Referrer-Policy":              "strict-origin-when-cross-origin",
				"Cross-Origin-Opener-Policy":   "same-origin",
				"Cross-Origin-Resource-Policy": "same-origin",
				"Strict-Transport-Security":    "",
			}
			for k, v := range want {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if w.Header().Get("Permissions-Policy") == "" {
				t.Error("no Permissions-Policy")
			}
		})
	}
}
