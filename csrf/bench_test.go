package csrf

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/rampartgo/rampart/headers"
)

// benchWriter is a ResponseWriter that costs nothing, so the benchmarks
// measure the middleware rather than httptest.
type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(int)             {}

// body is a reusable request body.
type body struct{ strings.Reader }

func (*body) Close() error { return nil }

func BenchmarkGET(b *testing.B) {
	p := New(testRing(b), Config{Logger: slog.New(slog.DiscardHandler)})
	is := visitB(b, p)
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, string(TemplateField(r)))
	}))
	r, _ := http.NewRequest("GET", site+"/notes/new", nil)
	r.Header.Set("Cookie", is.cookie.String())
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func BenchmarkPOST(b *testing.B) {
	p := New(testRing(b), Config{Logger: slog.New(slog.DiscardHandler)})
	is := visitB(b, p)
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, bm := range []struct {
		name  string
		field bool
	}{{"Form", true}, {"Header", false}} {
		b.Run(bm.name, func(b *testing.B) {
			payload := "title=hello&body=world"
			r, _ := http.NewRequest("POST", site+"/notes", nil)
			r.Header.Set("Cookie", is.cookie.String())
			r.Header.Set("Sec-Fetch-Site", "same-origin")
			r.Header.Set("Origin", site)
			if bm.field {
				payload += "&csrf_token=" + is.token
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				r.Header.Set(HeaderName, is.token)
			}
			var rb body
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				rb.Reset(payload)
				r.Body, r.PostForm, r.Form = &rb, nil, nil
				h.ServeHTTP(w, r)
			}
		})
	}
}

func visitB(b *testing.B, p *Protection) issued {
	var is issued
	r, _ := http.NewRequest("GET", site+"/", nil)
	w := &benchWriter{h: http.Header{}}
	p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { is.token = Token(r) })).ServeHTTP(w, r)
	c, err := http.ParseSetCookie(w.h.Get("Set-Cookie"))
	if err != nil || is.token == "" {
		b.Fatal(err)
	}
	is.cookie = c
	return is
}

// BenchmarkWithHeaders is the page cycle through both layers, headers
// outermost as in production: a GET that renders a token, then the POST
// of that form (valid token, same-origin), over TLS.
func BenchmarkWithHeaders(b *testing.B) {
	p := New(testRing(b), Config{Logger: slog.New(slog.DiscardHandler)})
	is := visitB(b, p)
	hdrs := headers.New(headers.Config{})
	h := hdrs.Handler(p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			_ = headers.Nonce(r)
			_ = TemplateField(r)
		}
	})))
	get, _ := http.NewRequest("GET", site+"/notes/new", nil)
	get.TLS = &tls.ConnectionState{}
	get.Header.Set("Cookie", is.cookie.String())
	post, _ := http.NewRequest("POST", site+"/notes", nil)
	post.TLS = get.TLS
	post.Header.Set("Cookie", is.cookie.String())
	post.Header.Set("Sec-Fetch-Site", "same-origin")
	post.Header.Set("Origin", site)
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	payload := "title=hello&body=world&csrf_token=" + is.token
	var rb body
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, get)
		clear(w.h)
		rb.Reset(payload)
		post.Body, post.PostForm, post.Form = &rb, nil, nil
		h.ServeHTTP(w, post)
	}
}
