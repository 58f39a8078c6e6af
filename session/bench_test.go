package session_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rampartgo/rampart/session"
)

// discardWriter is a ResponseWriter reused across iterations, so the
// benchmarks count the middleware's allocations, not the recorder's.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchmark(b *testing.B, store session.Store, handler func(*session.Manager) http.HandlerFunc, withCookie bool) {
	b.Helper()
	m := session.NewManager(store, session.Config{Logger: slog.New(slog.DiscardHandler)})
	h := m.Handler(handler(m))
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	if withCookie {
		w := httptest.NewRecorder()
		m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := m.Get(r)
			s.SetUserID("alice")
			s.Put("flash", "")
		})).ServeHTTP(w, r)
		c := w.Result().Cookies()[0]
		r.Header.Set("Cookie", "theme=dark; "+c.Name+"="+c.Value)
	}
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkMemoryRead is a logged-in page: load, read the user id,
// commit (nothing to write within the touch interval).
func BenchmarkMemoryRead(b *testing.B) {
	benchmark(b, session.NewMemoryStore(), func(m *session.Manager) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if m.Get(r).UserID() == "" {
				panic("not logged in")
			}
			w.Write(nil)
		}
	}, true)
}

// BenchmarkMemoryWrite changes one value per request: load, merge,
// versioned update.
func BenchmarkMemoryWrite(b *testing.B) {
	benchmark(b, session.NewMemoryStore(), func(m *session.Manager) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			s := m.Get(r)
			s.Put("counter", s.GetInt64("counter")+1)
			w.Write(nil)
		}
	}, true)
}

// BenchmarkAnonymous is a visitor without a cookie who never touches the
// session.
func BenchmarkAnonymous(b *testing.B) {
	benchmark(b, session.NewMemoryStore(), func(m *session.Manager) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.Write(nil) }
	}, false)
}

// BenchmarkBare is the handler without the middleware, for comparison.
func BenchmarkBare(b *testing.B) {
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(nil) })
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}
