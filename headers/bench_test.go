package headers

import (
	"crypto/tls"
	"net/http"
	"testing"
)

type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(int)             {}

// BenchmarkHandler is one GET over TLS: every header, a fresh nonce, HSTS.
func BenchmarkHandler(b *testing.B) {
	h := New(Config{}).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _ = Nonce(r) }))
	r, _ := http.NewRequest("GET", "https://notes.example/notes", nil)
	r.TLS = tlsState
	r.RemoteAddr = "203.0.113.9:5000"
	w := &benchWriter{h: make(http.Header, 16)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkRedirect is a plain-HTTP GET redirected to HTTPS.
func BenchmarkRedirect(b *testing.B) {
	h := New(Config{CanonicalHost: "notes.example"}).Handler(http.NotFoundHandler())
	r, _ := http.NewRequest("GET", "http://notes.example/notes?page=2", nil)
	r.RemoteAddr = "203.0.113.9:5000"
	w := &benchWriter{h: make(http.Header, 16)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

var tlsState = &tls.ConnectionState{}
