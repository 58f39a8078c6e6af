package bench

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// browserRequest is what a browser sends to https://example.com: a GET of a
// page or a same-origin POST of a urlencoded form. It is built by hand rather
// than with httptest.NewRequest (which parses a URL each time) so that the
// benchmarks measure the middleware; every implementation gets the same one.
type browserRequest struct {
	method string
	url    *url.URL
	header http.Header
	body   string
}

var pageURL = &url.URL{Scheme: "https", Host: "example.com", Path: "/notes"}

func newGET(cookies string) *browserRequest {
	h := http.Header{
		"Accept":         {"text/html"},
		"Sec-Fetch-Site": {"same-origin"},
		"Sec-Fetch-Mode": {"navigate"},
		"User-Agent":     {"Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"},
	}
	if cookies != "" {
		h.Set("Cookie", cookies)
	}
	return &browserRequest{method: http.MethodGet, url: pageURL, header: h}
}

func newPOST(cookies, field, token string) *browserRequest {
	r := newGET(cookies)
	r.method = http.MethodPost
	r.header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.header.Set("Origin", "https://example.com")
	r.header.Set("Referer", "https://example.com/notes")
	r.body = url.Values{"title": {"Shopping"}, "body": {"eggs, milk"}, field: {token}}.Encode()
	return r
}

var tlsState = &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true}

// request returns a fresh *http.Request (headers shared, read-only).
func (b *browserRequest) request() *http.Request {
	r := &http.Request{
		Method: b.method, URL: b.url, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: b.header, Host: b.url.Host, RemoteAddr: "192.0.2.1:1234", RequestURI: b.url.Path,
		TLS: tlsState, Body: http.NoBody,
	}
	if b.body != "" {
		r.Body = io.NopCloser(strings.NewReader(b.body))
		r.ContentLength = int64(len(b.body))
	}
	return r
}

// serve runs h on one request and returns the recorder.
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// cookieHeader turns a response's Set-Cookie headers into a Cookie header.
func cookieHeader(w *httptest.ResponseRecorder, prev string) string {
	jar := map[string]string{}
	var order []string
	for _, c := range strings.Split(prev, "; ") {
		if name, v, ok := strings.Cut(c, "="); ok {
			jar[name] = v
			order = append(order, name)
		}
	}
	for _, c := range w.Result().Cookies() {
		if _, ok := jar[c.Name]; !ok {
			order = append(order, c.Name)
		}
		jar[c.Name] = c.Value
		if c.MaxAge < 0 {
			delete(jar, c.Name)
		}
	}
	var parts []string
	for _, name := range order {
		if v, ok := jar[name]; ok {
			parts = append(parts, name+"="+v)
		}
	}
	return strings.Join(parts, "; ")
}

// loop runs h on fresh requests until the benchmark ends, failing on the
// first response whose status is not want.
func loop(b *testing.B, h http.Handler, req *browserRequest, want int) {
	b.Helper()
	if w := serve(h, req.request()); w.Code != want {
		b.Fatalf("status %d, want %d: %s", w.Code, want, w.Body)
	}
	// Warm up (caches, pools, prepared statements) outside the timed loop.
	for range 200 {
		serve(h, req.request())
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req.request())
		if w.Code != want {
			b.Fatalf("status %d, want %d", w.Code, want)
		}
	}
}
