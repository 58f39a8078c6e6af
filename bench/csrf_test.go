package bench

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"testing"

	gorilla "github.com/gorilla/csrf"
	"github.com/justinas/nosurf"
	"github.com/unrolled/secure"
)

// A browser-defence stack under test: the middleware chain and how a page
// reads the token for its form (nil when the stack has no token).
type defenceStack struct {
	name  string
	wrap  func(http.Handler) http.Handler
	token func(*http.Request) string
	field string // form field carrying the token
}

// page is the handler behind every stack: it renders the token (as a form
// would) on GET and accepts POSTs.
func page(token func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if token != nil && r.Method == http.MethodGet {
			io.WriteString(w, `<input type="hidden" name="csrf_token" value="`+token(r)+`">`)
			return
		}
		io.WriteString(w, "ok")
	})
}

var tokenInPage = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// secureOptions configures unrolled/secure with the header set rampart's
// headers package sends by default (LESSONS.md: its cost is mostly setting
// the headers), including a per-response CSP nonce.
func secureOptions() secure.Options {
	return secure.Options{
		ContentSecurityPolicy: "default-src 'self'; script-src 'self' $NONCE; object-src 'none'; " +
			"base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
		ContentTypeNosniff:        true,
		FrameDeny:                 true,
		ReferrerPolicy:            "strict-origin-when-cross-origin",
		PermissionsPolicy:         "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginResourcePolicy: "same-origin",
		CustomBrowserXssValue:     "0",
		STSSeconds:                63072000,
		STSIncludeSubdomains:      true,
	}
}

var csrfKey = bytes.Repeat([]byte{0x42}, 32)

func peerStacks() []defenceStack {
	return []defenceStack{
		{
			name: "secure+gorilla",
			wrap: func(h http.Handler) http.Handler {
				return secure.New(secureOptions()).Handler(
					gorilla.Protect(csrfKey, gorilla.FieldName("csrf_token"), gorilla.Path("/"))(h))
			},
			token: gorilla.Token, field: "csrf_token",
		},
		{
			name: "nosurf",
			wrap: func(h http.Handler) http.Handler {
				n := nosurf.New(h)
				n.SetIsTLSFunc(func(r *http.Request) bool { return r.TLS != nil })
				return n
			},
			token: nosurf.Token, field: "csrf_token",
		},
		{
			name: "crossoriginprotection",
			wrap: func(h http.Handler) http.Handler { return http.NewCrossOriginProtection().Handler(h) },
		},
		{
			name: "bare",
			wrap: func(h http.Handler) http.Handler { return h },
		},
	}
}

// prepare returns the stack's handler and a valid same-origin POST: the
// cookies and token a browser would have after loading the form.
func (s defenceStack) prepare(tb testing.TB) (http.Handler, *browserRequest) {
	tb.Helper()
	h := s.wrap(page(s.token))
	w := serve(h, newGET("").request())
	if w.Code != http.StatusOK {
		tb.Fatalf("%s: GET status %d: %s", s.name, w.Code, w.Body)
	}
	if s.token == nil {
		return h, newPOST("", "csrf_token", "")
	}
	m := tokenInPage.FindStringSubmatch(w.Body.String())
	if m == nil {
		tb.Fatalf("%s: no token in the page %q", s.name, w.Body)
	}
	return h, newPOST(cookieHeader(w, ""), s.field, m[1])
}

func defenceStacks() []defenceStack { return append(rampartStacks(), peerStacks()...) }

// BenchmarkDefenceGET is issue 3's GET of a page through each stack: headers
// and the token the page renders into its form.
func BenchmarkDefenceGET(b *testing.B) {
	for _, s := range defenceStacks() {
		b.Run("impl="+s.name, func(b *testing.B) {
			h, post := s.prepare(b)
			loop(b, h, newGET(post.header.Get("Cookie")), http.StatusOK)
		})
	}
}

// BenchmarkDefencePOST is issue 3's same-origin POST of a form with a valid
// token through each stack.
func BenchmarkDefencePOST(b *testing.B) {
	for _, s := range defenceStacks() {
		b.Run("impl="+s.name, func(b *testing.B) {
			h, post := s.prepare(b)
			loop(b, h, post, http.StatusOK)
		})
	}
}

// TestDefenceStacks checks that every stack accepts the benchmark's
// same-origin POST and refuses it without the token or from another site, so
// that the benchmark times stacks that really check.
func TestDefenceStacks(t *testing.T) {
	for _, s := range defenceStacks() {
		t.Run(s.name, func(t *testing.T) {
			h, post := s.prepare(t)
			if w := serve(h, post.request()); w.Code != http.StatusOK {
				t.Fatalf("valid POST: %d %s", w.Code, w.Body)
			}
			if s.name == "bare" {
				return
			}
			evil := *post
			evil.header = post.header.Clone()
			evil.header.Set("Sec-Fetch-Site", "cross-site")
			evil.header.Set("Origin", "https://evil.example")
			evil.header.Set("Referer", "https://evil.example/")
			if w := serve(h, evil.request()); w.Code != http.StatusForbidden && w.Code != http.StatusBadRequest {
				t.Errorf("cross-site POST: %d, want 403 (nosurf: 400)", w.Code)
			}
			if s.token == nil {
				return
			}
			bad := *post
			bad.body = "title=Shopping&body=eggs"
			if w := serve(h, bad.request()); w.Code != http.StatusForbidden && w.Code != http.StatusBadRequest {
				t.Errorf("POST without a token: %d, want 403 (nosurf: 400)", w.Code)
			}
		})
	}
}
