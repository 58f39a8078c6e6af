package csrf

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/internal/reqstate"
	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/proxy"
)

// FieldName is the form field that carries the token.
const FieldName = "csrf_token"

// HeaderName is the request header that carries the token. The header
// X-CSRFToken (Django's name) is accepted too.
const HeaderName = "X-CSRF-Token"

// Canonical forms of the accepted token headers.
const (
	headerKey    = "X-Csrf-Token"
	altHeaderKey = "X-Csrftoken"
)

// DefaultMaxBodyBytes is the default of [Config.MaxBodyBytes]; it matches
// the form package's default body limit.
const DefaultMaxBodyBytes = 1 << 20

// Sentinel errors, wrapped by every [*Error]. Branch on them with errors.Is.
var (
	// ErrCrossOrigin: the cross-origin check failed.
	ErrCrossOrigin = errors.New("cross-origin request")
	// ErrMissingToken: no token in the header or form field.
	ErrMissingToken = errors.New("missing CSRF token")
	// ErrInvalidToken: a token was sent but is malformed or not bound to
	// this client's binding secret.
	ErrInvalidToken = errors.New("invalid CSRF token")
	// ErrBodyTooLarge: the body was over [Config.MaxBodyBytes] while
	// looking for the form field.
	ErrBodyTooLarge = errors.New("request body too large")
	// ErrBinder: the [Binder] failed (a server-side problem, such as the
	// session store being down).
	ErrBinder = errors.New("CSRF binding secret unavailable")
)

// Error is a rejection. Its Error text is safe to log, never to show a
// client in full: Reason may quote request headers. It never contains a
// token, a key or a binding secret.
type Error struct {
	// Err is one of the package's sentinel errors.
	Err error
	// Reason explains the rejection in detail.
	Reason string
}

// Error returns "csrf: <sentinel>: <reason>".
func (e *Error) Error() string { return "csrf: " + e.Err.Error() + ": " + e.Reason }

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

func reject(sentinel error, reason string) error { return &Error{Err: sentinel, Reason: reason} }

// Config configures [New]. The zero value is the secure default.
type Config struct {
	// Binder supplies the per-client secret tokens are bound to. Set it to
	// the session Manager once sessions are installed, so tokens rotate
	// with the session at login. Default: a [CookieBinder] keeping the
	// secret in a signed pre-session cookie, made from the same ring and
	// InsecureDev.
	Binder Binder

	// TrustedOrigins lists origins, exactly as browsers send them
	// ("https://app.example" or "https://app.example:8443": lower case,
	// no path, no default port), whose cross-origin requests pass the
	// cross-origin check. They still need a valid token. New panics on a
	// malformed entry. Default: none.
	TrustedOrigins []string

	// ExemptBearerWithoutCookies exempts from both layers every request
	// that carries no Cookie header at all and an "Authorization: Bearer"
	// header: a bearer API has no ambient credentials to forge with. Set
	// it only if every cookie-less route authenticates by bearer token
	// alone. Default: false (such requests need a CSRF token).
	ExemptBearerWithoutCookies bool

	// DenyHandler writes the response for a rejected request; [Reason]
	// returns why. Default: a plain-text 403 naming the sentinel
	// ("Forbidden: cross-origin request"), 413 for ErrBodyTooLarge and
	// 503 for ErrBinder (the session store is down: retry later).
	DenyHandler http.Handler

	// MaxBodyBytes bounds the body read while looking for the form field;
	// a larger body is refused with ErrBodyTooLarge. Multipart file parts
	// beyond 8 MiB in memory spill to temporary files, as with
	// r.ParseMultipartForm. Default: DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64

	// InsecureDev names the default CookieBinder's cookie "csrf" instead of
	// "__Host-csrf" and drops its Secure attribute, for plain-HTTP
	// development on localhost. It weakens nothing else. New logs a
	// warning when it is set. Default: false.
	InsecureDev bool

	// Logger receives the malicious_csrf security events. Default:
	// slog.Default().
	Logger *slog.Logger
}

// Protection is the CSRF middleware. It is immutable after [New] and safe
// for concurrent use.
type Protection struct {
	binder  Binder
	cookie  *CookieBinder // the binder, when it is the built-in one
	macs    []*macPool    // token MACs, one per ring key, current first
	trusted map[string]struct{}
	bearer  bool
	deny    http.Handler
	maxBody int64
	logger  *slog.Logger
	dev     bool
	warned  atomic.Bool
}

// New returns CSRF protection whose tokens are keyed from ring (purpose
// keys.CSRF). It panics on a nil ring, a malformed trusted origin or a
// negative MaxBodyBytes: programmer mistakes.
func New(ring *keys.Ring, cfg Config) *Protection {
	if ring == nil {
		panic("rampart/csrf: nil keys.Ring")
	}
	if cfg.MaxBodyBytes < 0 {
		panic("rampart/csrf: negative Config.MaxBodyBytes")
	}
	p := &Protection{
		binder:  cfg.Binder,
		macs:    macPools(ring, keys.CSRF),
		trusted: make(map[string]struct{}, len(cfg.TrustedOrigins)),
		bearer:  cfg.ExemptBearerWithoutCookies,
		deny:    cfg.DenyHandler,
		maxBody: cfg.MaxBodyBytes,
		logger:  cfg.Logger,
		dev:     cfg.InsecureDev,
	}
	if p.maxBody == 0 {
		p.maxBody = DefaultMaxBodyBytes
	}
	if p.deny == nil {
		p.deny = http.HandlerFunc(defaultDeny)
	}
	for _, o := range cfg.TrustedOrigins {
		if err := validOrigin(o); err != "" {
			panic("rampart/csrf: trusted origin " + strconv.Quote(o) + " " + err)
		}
		p.trusted[o] = struct{}{}
	}
	if p.binder == nil {
		p.cookie = NewCookieBinder(ring, CookieConfig{InsecureDev: cfg.InsecureDev})
		p.binder = p.cookie
	} else if cb, ok := p.binder.(*CookieBinder); ok {
		p.cookie = cb
	}
	if cfg.InsecureDev {
		logger := p.logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.Warn("rampart/csrf: InsecureDev is set: the CSRF cookie is not Secure and has no __Host- prefix; never use this in production")
	}
	if cfg.ExemptBearerWithoutCookies {
		logger := p.logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.Info("rampart/csrf: ExemptBearerWithoutCookies is set: requests with Authorization: Bearer and no cookies skip CSRF checks")
	}
	return p
}

// validOrigin returns why o is not an origin as browsers serialize it, or "".
func validOrigin(o string) string {
	u, err := url.Parse(o)
	switch {
	case err != nil:
		return "does not parse: want scheme://host[:port]"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must start with http:// or https://"
	case u.User != nil:
		return "must not contain userinfo"
	case u.Host == "":
		return "has no host"
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || u.Opaque != "":
		return "must not have a path, query or fragment (not even a trailing slash)"
	case proxy.OriginOf(u.Scheme, u.Host) != o:
		return "is not in canonical form: use lower case and omit the default port (" + proxy.OriginOf(u.Scheme, u.Host) + ")"
	}
	return ""
}

// safeMethod reports whether m is exempt from checks. TRACE is included
// because net/http servers answer it like any handler would; it must not
// change state.
func safeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// slot holds the per-request state. One slot serves every Protection: the
// accessors take only the request, and the innermost middleware wins.
var slot = reqstate.NewSlot[state](reqstate.CSRF)

// state is the per-request state, with the holder that installs it when
// the middleware is the outermost rampart layer, so installing it costs
// one allocation.
type state struct {
	holder     reqstate.Holder
	p          *Protection
	w          http.ResponseWriter
	mu         sync.Mutex // guards what follows: other goroutines of the request may read it
	reason     error
	cookieOf   *CookieBinder // which binder set cookieSec
	cookieSec  [secretLen]byte
	haveCookie bool
	pad        [2 * macLen]byte // scratch for issuing tokens, under mu
}

func stateOf(r *http.Request) *state {
	return reqstate.Find(r.Context(), slot, nil)
}

// Handler returns middleware that checks every unsafe request and rejects
// failures through the deny handler, and makes [Token], [TemplateField]
// and [MetaTag] work in next. With the built-in [CookieBinder] it also sets
// the pre-session cookie on safe requests that lack one, before next runs.
func (p *Protection) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("rampart/csrf: Handler(nil)")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{p: p, w: w}
		r = reqstate.Install(r, slot, st, &st.holder)
		if p.dev {
			p.warnDev(r)
		}
		if safeMethod(r.Method) {
			if p.cookie != nil {
				// Eagerly, so the Set-Cookie precedes any body byte even
				// when a template calls Token halfway through the page.
				if _, err := p.cookie.secret(st, w, r, true); err != nil {
					p.logger2().ErrorContext(r.Context(), "rampart/csrf: setting the CSRF cookie failed", "err", err)
				}
			}
			next.ServeHTTP(w, r)
			return
		}
		if err := p.check(st, w, r); err != nil {
			st.mu.Lock()
			st.reason = err
			st.mu.Unlock()
			p.log(r, err)
			p.deny.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// warnDev logs, once, an InsecureDev request that is not local development.
func (p *Protection) warnDev(r *http.Request) {
	if p.warned.Load() {
		return
	}
	host := proxy.Host(r)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	a, err := netip.ParseAddr(host)
	local := host == "localhost" || strings.HasSuffix(host, ".localhost") || (err == nil && a.IsLoopback())
	if !local && p.warned.CompareAndSwap(false, true) {
		p.logger2().ErrorContext(r.Context(), "rampart/csrf: InsecureDev is set but a request arrived for a non-local host; the CSRF cookie is not Secure. Remove InsecureDev in production.", "host", host)
	}
}

// Check applies both layers to r without writing a response or logging, and
// returns nil or an [*Error]. Safe methods pass. Check may parse the body
// (see the package doc) and, with a Binder that creates secrets on demand,
// create one that is then discarded.
func (p *Protection) Check(r *http.Request) error {
	return p.check(stateOf(r), discard{}, r)
}

func (p *Protection) check(st *state, w http.ResponseWriter, r *http.Request) error {
	if safeMethod(r.Method) {
		return nil
	}
	if p.bearer && bearerWithoutCookies(r.Header) {
		return nil
	}
	if err := p.checkOrigin(r); err != nil {
		return err
	}
	return p.checkToken(st, w, r)
}

// bearerWithoutCookies: no Cookie header at all, Authorization: Bearer x.
func bearerWithoutCookies(h http.Header) bool {
	if len(h["Cookie"]) != 0 {
		return false
	}
	a := h["Authorization"]
	return len(a) == 1 && len(a[0]) > 7 && strings.EqualFold(a[0][:7], "bearer ")
}

// Reason returns why the request was rejected, for use in a
// [Config.DenyHandler]; nil outside one.
func Reason(r *http.Request) error {
	if st := stateOf(r); st != nil {
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.reason
	}
	return nil
}

func (p *Protection) logger2() *slog.Logger {
	if p.logger != nil {
		return p.logger
	}
	return slog.Default()
}

func (p *Protection) log(r *http.Request, err error) {
	name := event.MaliciousCSRF
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		name = event.InputValidationFail
	case errors.Is(err, ErrBinder):
		p.logger2().ErrorContext(r.Context(), "rampart/csrf: "+err.Error(), "path", r.URL.Path)
		return
	}
	event.Emit(r.Context(), p.logger, name,
		slog.String("reason", err.Error()),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("ip", proxy.ClientIP(r).String()))
}

// defaultDeny answers with the sentinel's text only.
func defaultDeny(w http.ResponseWriter, r *http.Request) {
	err := Reason(r)
	status, msg := http.StatusForbidden, "Forbidden"
	var e *Error
	if errors.As(err, &e) {
		msg += ": " + e.Err.Error()
	}
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		status, msg = http.StatusRequestEntityTooLarge, "Request body too large"
	case errors.Is(err, ErrBinder):
		// The binding lives in the session store: an outage, not a bug.
		w.Header().Set("Retry-After", "5")
		status, msg = http.StatusServiceUnavailable, "Service temporarily unavailable"
	}
	http.Error(w, msg, status)
}

// discard is the ResponseWriter Check gives the Binder.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
