package headers_test

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rampartgo/rampart/headers"
	"github.com/rampartgo/rampart/proxy"
)

// The template's own script carries the response's nonce and runs; a
// script injected into the page has no nonce and is blocked by the CSP.
func Example() {
	page := template.Must(template.New("").Parse(
		`<script nonce="{{ .Nonce }}" src="/static/app.js"></script>{{ .Comment }}`))
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page.Execute(w, map[string]string{
			"Nonce":   headers.Nonce(r),
			"Comment": `<script>steal()</script>`, // escaped by html/template anyway
		})
	})
	h := headers.New(headers.Config{CanonicalHost: "notes.example"}).Handler(app)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "https://notes.example/", nil))
	nonce := strings.Split(w.Body.String(), `"`)[1]
	csp := w.Header().Get("Content-Security-Policy")
	fmt.Println(strings.ReplaceAll(csp, nonce, "<nonce>"))
	fmt.Println("X-Frame-Options:", w.Header().Get("X-Frame-Options"))
	fmt.Println("X-XSS-Protection:", w.Header().Get("X-XSS-Protection"))
	fmt.Println("HSTS:", w.Header().Get("Strict-Transport-Security"))
	// Output:
	// default-src 'self'; script-src 'self' 'nonce-<nonce>'; style-src 'self' 'nonce-<nonce>'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'
	// X-Frame-Options: DENY
	// X-XSS-Protection: 0
	// HSTS: max-age=63072000; includeSubDomains
}

// Plain HTTP is redirected to the configured host only: a forged Host
// header or X-Forwarded-Proto from an untrusted client changes nothing.
func Example_redirect() {
	resolver := proxy.New(proxy.Config{TrustedProxies: []string{"10.0.0.0/8"}})
	h := resolver.Handler(headers.New(headers.Config{CanonicalHost: "notes.example"}).Handler(http.NotFoundHandler()))
	show := func(method, url, remote, proto string) {
		r := httptest.NewRequest(method, url, nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		r.Header.Set("X-Forwarded-Proto", proto)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("Location")+w.Header().Get("Strict-Transport-Security"))
	}
	show("GET", "http://notes.example/notes?page=2", "203.0.113.9:5000", "")
	show("POST", "http://notes.example/notes", "203.0.113.9:5000", "")
	show("GET", "http://evil.example/", "203.0.113.9:5000", "https") // forged
	show("GET", "http://app:8080/", "10.0.0.2:5000", "https")        // our TLS proxy
	// Output:
	// 301 https://notes.example/notes?page=2
	// 308 https://notes.example/notes
	// 301 https://notes.example/
	// 404 max-age=63072000; includeSubDomains
}

// One page may be framed by the site itself; every other page stays
// unframeable.
func ExampleOverrideHandler() {
	mux := http.NewServeMux()
	mux.Handle("/embed", headers.OverrideHandler(func(p *headers.Policy) {
		p.CSP.FrameAncestors = []string{headers.Self}
	}, http.NotFoundHandler()))
	mux.Handle("/", http.NotFoundHandler())
	h := headers.New(headers.Config{}).Handler(mux)
	for _, path := range []string{"/embed", "/notes"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "https://notes.example"+path, nil))
		fmt.Println(path, w.Header().Get("X-Frame-Options"))
	}
	// Output:
	// /embed SAMEORIGIN
	// /notes DENY
}
