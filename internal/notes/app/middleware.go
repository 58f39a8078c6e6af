package app

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/rampartgo/rampart/proxy"
)

// middleware wraps the routes in the application's middleware chain. This
// is the one place the chain is assembled. Outermost first:
//
//  1. recoverPanics: a panicking handler becomes a logged 500.
//  2. proxy: with -behind-proxy, the real client IP, scheme and host from
//     the trusted proxies' X-Forwarded-* headers; everyone else's are
//     ignored.
//  3. logRequests: one log line per request, with the real client IP.
//
// Rampart's request-scoped packages slot in after these, in this order
// (shared/DESIGN.md): headers (CSP nonce, HSTS, HTTPS redirect) → session
// → csrf → auth (current user). Each is a func(http.Handler) http.Handler
// or has a Handler method; add it to the list below and feed its accessor
// to Deps (Nonce, CSRFToken, CurrentUser).
func (a *App) middleware(h http.Handler) http.Handler {
	chain := []func(http.Handler) http.Handler{a.recoverPanics}
	if a.cfg.BehindProxy {
		chain = append(chain, proxy.New(proxy.Config{TrustedProxies: a.cfg.TrustedProxyStrings()}).Handler)
	}
	chain = append(chain, a.logRequests)
	for i := len(chain) - 1; i >= 0; i-- {
		h = chain[i](h)
	}
	return h
}

// recoverPanics turns a handler panic into a 500 and a log line, instead of
// net/http's connection reset. http.ErrAbortHandler is re-panicked: it is
// the deliberate way to abort a response.
func (a *App) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.ErrorContext(r.Context(), "handler panic", slog.Any("panic", v),
					slog.String("method", r.Method), slog.String("path", r.URL.Path))
				http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// logRequests logs each request's method, path, status, size and duration
// at Info level. The query string is left out: it may carry tokens.
func (a *App) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		a.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("client_ip", proxy.ClientIP(r).String()),
		)
	})
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
