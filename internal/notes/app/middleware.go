package app

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rampartgo/rampart/csrf"
	"github.com/rampartgo/rampart/headers"
	"github.com/rampartgo/rampart/proxy"
)

// Paths served outside the session, CSRF and login layers.
const (
	cspReportPath = "/csp-report"
	jwksPath      = "/.well-known/jwks.json"
	healthzPath   = "/healthz"
)

// middleware returns the routes wrapped in the application's middleware
// chain. This is the one place the chain is assembled. Outermost first:
//
//  1. recoverPanics: a panicking handler becomes a logged 500.
//  2. proxy: with -behind-proxy, the real client IP, scheme and host from
//     the trusted proxies' X-Forwarded-* headers; everyone else's are
//     ignored.
//  3. logRequests: one debug-level line per request, with the real client
//     IP (free when debug logging is off).
//  4. plainHTTP and headers: the security headers and a fresh CSP nonce
//     on every response, HSTS over TLS, the redirect of plain HTTP to
//     HTTPS (dev mode serves plain HTTP to localhost only), with a
//     locked-down policy on the redirects too (set by the headers layer).
//  5. a split by path:
//     - /api/: the JSON API. Bearer tokens only: it is mounted outside the
//     session and CSRF layers, so a cookie never authenticates an API
//     request, and so CSRF (which needs ambient cookies) cannot apply.
//     - /static/, /healthz, /csp-report, /.well-known/jwks.json: public
//     resources that need no session (browsers send CSP reports without
//     a CSRF token).
//     - everything else, the HTML pages: session (bound to this
//     deployment's key, binding.go) → csrf → auth (the current user, from
//     the session or a remember-me cookie) → routes; requests no route
//     takes get their 404 or 405 straight away.
func (a *App) middleware() http.Handler {
	// Each page route is wrapped on its own (see routes), so a request no
	// route takes (404, or 405 for a known path) is answered by the mux at
	// once: no session to load, nothing for CSRF to protect, and the
	// client learns the method is wrong rather than that its token is
	// missing.
	pages := a.routes(func(h http.Handler) http.Handler {
		return a.sessions.Handler(a.csrf.Handler(a.auth.Handler(h)))
	})
	api := a.apiRoutes()
	public := a.publicRoutes()
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case strings.HasPrefix(p, "/api/"):
			api.ServeHTTP(w, r)
		case strings.HasPrefix(p, "/static/"), p == healthzPath, p == cspReportPath, p == jwksPath:
			public.ServeHTTP(w, r)
		default:
			pages.ServeHTTP(w, r)
		}
	})
	h = a.headers.Handler(h)
	h = a.plainHTTP(h)
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

// baselineHeaders are set on the one response served over plain HTTP
// outside the headers layer: the production health check (plainHTTP). The
// headers layer gives every other response its full policy, and its own
// redirects and refusals a locked-down one (headers.RedirectCSP). The
// slices are shared between responses; each has len == cap, so an Add
// copies instead of writing into them.
var baselineHeaders = []struct {
	key string
	val []string
}{
	{"Content-Security-Policy", []string{headers.RedirectCSP}},
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"X-Frame-Options", []string{"DENY"}},
	{"Referrer-Policy", []string{"no-referrer"}},
	{"Permissions-Policy", []string{headers.DefaultPermissionsPolicy}},
	{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
	{"Cross-Origin-Resource-Policy", []string{"same-origin"}},
	{"X-Xss-Protection", []string{"0"}},
}

// plainHTTP handles plain-HTTP requests in production: they are marked
// no-store (the headers layer then redirects them to HTTPS), and health
// checks that reach the server over plain HTTP (a load balancer probing
// the instance behind the TLS proxy) get a bare "ok" with the baseline
// headers, since the headers layer would redirect them. In dev mode, and
// for TLS requests, it does nothing.
func (a *App) plainHTTP(next http.Handler) http.Handler {
	prod, behindProxy := a.cfg.IsProduction(), a.cfg.BehindProxy
	if !prod {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Without -behind-proxy only the connection can be TLS, and asking
		// it directly spares parsing the client address on the hot path.
		if r.TLS != nil || (behindProxy && proxy.IsTLS(r)) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		if r.URL.Path == healthzPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			for _, b := range baselineHeaders {
				h[b.key] = b.val
			}
			a.healthz(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// csrfDenied answers a request the CSRF layer refused (the csrf package has
// logged the full reason as a malicious_csrf event): 403 with a short
// page, 413 for an oversize body, 503 when the session store could not
// supply the binding secret.
func (a *App) csrfDenied(w http.ResponseWriter, r *http.Request) {
	reason := csrf.Reason(r)
	switch {
	case errors.Is(reason, csrf.ErrBodyTooLarge):
		a.errorPage(w, r, http.StatusRequestEntityTooLarge, "Request too large", "The form you sent is too large.")
	case errors.Is(reason, csrf.ErrBinder):
		a.unavailable(w, r, "csrf: binding secret unavailable", reason)
	default:
		a.errorPage(w, r, http.StatusForbidden, "Forbidden",
			"The request could not be verified as coming from this site. Reload the page and try again.")
	}
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
// at Debug level. The query string is left out: it may carry tokens. When
// debug logging is off, it costs one Enabled check.
func (a *App) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		a.serveLogged(next, w, r)
	})
}

// serveLogged serves r through next and logs it. It is its own function,
// never inlined, so that the log call's attributes (about 600 bytes of
// stack frame) are not on every request's stack when debug logging is
// off. The stack matters here: a page runs the whole chain and then a
// template, and a connection's goroutine whose stack the garbage
// collector has shrunk between requests pays to grow it again.
//
//go:noinline
func (a *App) serveLogged(next http.Handler, w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	next.ServeHTTP(sw, r)
	a.log.LogAttrs(r.Context(), slog.LevelDebug, "request",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", sw.status),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", time.Since(start)),
		slog.String("client_ip", proxy.ClientIP(r).String()),
	)
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
