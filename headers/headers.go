package headers

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartgo/rampart/internal/reqstate"
	"github.com/rampartgo/rampart/proxy"
)

// NonceLen is the length of a nonce: 16 random bytes (128 bits), base64url
// without padding. base64url, not standard base64, because html/template
// escapes '+' in attributes.
const NonceLen = 22

// HSTS configures Strict-Transport-Security
// (https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Strict-Transport-Security).
// It is sent only over TLS, to the server or to a trusted TLS proxy: over
// plain HTTP browsers ignore it, and a client claiming https through a
// forged X-Forwarded-Proto must not get it.
type HSTS struct {
	// MaxAge is how long browsers remember to use HTTPS only. New panics
	// below one year, the minimum for the preload list and OWASP's advice.
	// Default: two years.
	MaxAge time.Duration
	// ExcludeSubDomains omits includeSubDomains. Set it only if some
	// subdomain still needs plain HTTP. Default: false
	// (includeSubDomains is sent).
	ExcludeSubDomains bool
	// Preload adds preload, consenting to inclusion in browsers' built-in
	// HSTS list (https://hstspreload.org/); hard to undo. Default: false.
	Preload bool
}

// Config configures [New]. The zero value is the secure default.
type Config struct {
	// Policy is the set of headers sent on every response.
	Policy Policy

	// HSTS configures Strict-Transport-Security.
	HSTS HSTS

	// CanonicalHost is the host[:port] to redirect plain-HTTP requests to,
	// such as "notes.example". Default: none.
	CanonicalHost string

	// AllowedHosts lists further hosts (without port) a plain-HTTP request
	// may be redirected to on the same host name, for sites served under
	// several names. Requests for any other host are redirected to
	// CanonicalHost, or refused with 400 when it is unset, so the redirect
	// never points at a host an attacker put in the Host header (cache
	// poisoning, password-reset links). Default: none.
	AllowedHosts []string

	// InsecureDev serves plain HTTP without redirecting, and omits HSTS,
	// for requests from a loopback address to a loopback host (localhost,
	// *.localhost, 127.0.0.1, [::1]) — local development only. Any other
	// request is still redirected, and logged as an error. New panics if
	// CanonicalHost or AllowedHosts name a non-local host, and logs a
	// warning. Default: false.
	InsecureDev bool

	// Logger receives configuration warnings. Default: slog.Default().
	Logger *slog.Logger
}

// Middleware sets security headers, redirects plain HTTP to HTTPS and
// supplies per-response nonces. It is immutable after [New] and safe for
// concurrent use.
type Middleware struct {
	policy    *compiled
	hsts      string
	canonical string
	allowed   map[string]struct{}
	dev       bool
	logger    *slog.Logger
	warned    atomic.Bool
}

// New returns the header middleware for cfg. It panics on an invalid
// policy, host or HSTS setting: programmer mistakes.
func New(cfg Config) *Middleware {
	m := &Middleware{
		policy:    compile(cfg.Policy.clone()),
		canonical: strings.ToLower(cfg.CanonicalHost),
		allowed:   make(map[string]struct{}),
		dev:       cfg.InsecureDev,
		logger:    cfg.Logger,
	}
	if m.logger == nil {
		m.logger = slog.Default()
	}
	m.hsts = hstsValue(cfg.HSTS)
	if m.canonical != "" {
		h := hostname(m.canonical)
		if !validHost(m.canonical) || h == "" {
			panic("rampart/headers: invalid CanonicalHost " + strconv.Quote(cfg.CanonicalHost) + ": want host[:port], such as notes.example")
		}
		m.allowed[h] = struct{}{}
	}
	for _, h := range cfg.AllowedHosts {
		h = strings.ToLower(h)
		if !validHost(h) || hostname(h) != h {
			panic("rampart/headers: invalid AllowedHosts entry " + strconv.Quote(h) + ": want a host name without scheme or port")
		}
		m.allowed[h] = struct{}{}
	}
	if m.dev {
		for h := range m.allowed {
			if !loopbackHost(h) {
				panic("rampart/headers: InsecureDev is for localhost only, but the configured host " + strconv.Quote(h) + " is not local: remove InsecureDev in production")
			}
		}
		m.logger.Warn("rampart/headers: InsecureDev is set: plain HTTP is served to localhost without HSTS; never use this in production")
	}
	return m
}

func hstsValue(h HSTS) string {
	age := h.MaxAge
	if age == 0 {
		age = 2 * 365 * 24 * time.Hour
	}
	if age < 365*24*time.Hour {
		panic("rampart/headers: HSTS.MaxAge must be at least one year")
	}
	if h.Preload && h.ExcludeSubDomains {
		panic("rampart/headers: HSTS.Preload requires includeSubDomains")
	}
	v := "max-age=" + strconv.FormatInt(int64(age/time.Second), 10)
	if !h.ExcludeSubDomains {
		v += "; includeSubDomains"
	}
	if h.Preload {
		v += "; preload"
	}
	return v
}

// validHost reports whether h is a plausible host[:port] without scheme,
// userinfo, path or odd characters.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// hostname strips the port.
func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
}

func loopbackHost(h string) bool {
	h = hostname(h)
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsLoopback()
}

// redirectCSP is RedirectCSP as a header value; len == cap, so an Add
// copies rather than writing into it.
var redirectCSP = []string{RedirectCSP}

// slot holds the per-response state; the accessors take only the request.
var slot = reqstate.NewSlot[state](reqstate.Headers)

// state is the per-response state. It embeds the holder that installs it
// when the middleware is the outermost rampart layer, so installing it
// costs one allocation, and it holds the header value slices, so setting
// them costs none.
type state struct {
	holder reqstate.Holder
	w      http.ResponseWriter
	nonce  string
	mu     sync.Mutex
	policy *compiled
	vals   [maxHeaders]string
	rnd    [16]byte
}

func stateOf(r *http.Request) *state {
	return reqstate.Find(r.Context(), slot, nil)
}

// Nonce returns the response's CSP nonce for <script nonce="..."> and
// <style nonce="...">, or "" when the middleware is not installed. It is
// base64url, so html/template leaves it unchanged.
func Nonce(r *http.Request) string {
	if s := stateOf(r); s != nil {
		return s.nonce
	}
	return ""
}

// Handler returns middleware that redirects plain HTTP to HTTPS (see
// [Config.AllowedHosts]) and sets the policy's headers, a fresh nonce and,
// over TLS, HSTS on every response before next runs.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("rampart/headers: Handler(nil)")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tls := proxy.IsTLS(r)
		local := m.dev && m.localDev(r)
		if !tls && !local {
			m.redirect(w, r)
			return
		}
		st := &state{w: w, policy: m.policy}
		rand.Read(st.rnd[:]) // never fails since Go 1.24
		var enc [NonceLen]byte
		base64.RawURLEncoding.Encode(enc[:], st.rnd[:])
		csp := m.policy.renderCSP(string(enc[:]))
		if i := len(m.policy.cspParts[0]); len(m.policy.cspParts) > 1 {
			st.nonce = csp[i : i+NonceLen] // shares the CSP's bytes
		}
		h := w.Header()
		st.vals[0] = csp
		h[m.policy.cspKey] = st.vals[0:1:1]
		n := 1
		for _, f := range m.policy.fields {
			st.vals[n] = f.value
			h[f.key] = st.vals[n : n+1 : n+1]
			n++
		}
		if tls && !local {
			st.vals[n] = m.hsts
			h[hHSTS] = st.vals[n : n+1 : n+1]
		}
		next.ServeHTTP(w, reqstate.Install(r, slot, st, &st.holder))
	})
}

// localDev reports whether r qualifies for InsecureDev, and logs once when
// a request arrives that does not.
func (m *Middleware) localDev(r *http.Request) bool {
	if loopbackHost(proxy.Host(r)) && proxy.ClientIP(r).IsLoopback() {
		return true
	}
	if !proxy.IsTLS(r) && m.warned.CompareAndSwap(false, true) {
		m.logger.ErrorContext(r.Context(), "rampart/headers: InsecureDev is set but a plain-HTTP request arrived for a non-local host or from a non-local client; it is being redirected to HTTPS. Remove InsecureDev in production.",
			"host", proxy.Host(r), "ip", proxy.ClientIP(r).String())
	}
	return false
}

// RedirectCSP is the Content-Security-Policy of the responses the
// middleware answers itself (the redirect to HTTPS and its 400 refusal):
// they have no content, so nothing may load, run, frame them or be
// submitted from them.
const RedirectCSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// redirect sends a plain-HTTP request to HTTPS: 301 for GET and HEAD, 308
// for other methods so browsers repeat the method and body. The response
// carries the policy's headers other than the CSP, and [RedirectCSP], so
// that even a refusal is not frameable or sniffable.
func (m *Middleware) redirect(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h[hCSP] = redirectCSP
	for _, f := range m.policy.fields {
		h[f.key] = f.values
	}
	host := proxy.Host(r)
	target := ""
	if _, ok := m.allowed[hostname(host)]; ok && validHost(host) {
		target = hostname(host)
		if strings.Contains(target, ":") {
			target = "[" + target + "]"
		}
		if hostname(m.canonical) == hostname(host) {
			target = m.canonical
		}
	} else if m.canonical != "" {
		target = m.canonical
	}
	if target == "" {
		// No configured host to send the client to: refuse rather than
		// redirect to whatever the Host header says.
		w.Header().Set(hCache, "no-store")
		http.Error(w, "This site is served over HTTPS only.", http.StatusBadRequest)
		return
	}
	code := http.StatusPermanentRedirect
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		code = http.StatusMovedPermanently
	}
	uri := r.URL.RequestURI()
	if !strings.HasPrefix(uri, "/") {
		uri = "/" // OPTIONS * and other non-path targets
	}
	w.Header().Set("Location", "https://"+target+uri)
	w.WriteHeader(code)
}

// Override changes the policy for this one response, such as allowing one
// page to be framed:
//
//	headers.Override(r, func(p *headers.Policy) {
//		p.CSP.FrameAncestors = []string{headers.Self}
//	})
//
// fn receives a copy of the current policy; the nonce stays the same. Call
// it before the response's first byte. It panics when the middleware is not
// installed or the changed policy is invalid: programmer mistakes. Prefer
// [OverrideHandler] for a fixed per-route change: it compiles the policy
// once.
func Override(r *http.Request, fn func(*Policy)) {
	st := stateOf(r)
	if st == nil {
		panic("rampart/headers: Override called on a request that did not pass through Middleware.Handler")
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.policy.src.clone()
	fn(&p)
	st.apply(compile(p))
}

// apply replaces the headers of st.policy with those of c.
func (st *state) apply(c *compiled) {
	h := st.w.Header()
	for _, k := range st.policy.keys() {
		delete(h, k)
	}
	h[c.cspKey] = []string{c.renderCSP(st.nonce)}
	for _, f := range c.fields {
		h[f.key] = []string{f.value}
	}
	st.policy = c
}

// OverrideHandler wraps next so its responses use the policy as changed by
// fn (see [Override]). The changed policy is compiled once per base policy.
// It panics, on first use, if the changed policy is invalid.
func OverrideHandler(fn func(*Policy), next http.Handler) http.Handler {
	var cache sync.Map // *compiled (base) -> *compiled (changed)
	var cached atomic.Int32
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		if st == nil {
			panic("rampart/headers: OverrideHandler used without Middleware.Handler")
		}
		st.mu.Lock()
		base := st.policy
		c, ok := cache.Load(base)
		if !ok {
			p := base.src.clone()
			fn(&p)
			c = compile(p)
			// Bases are few (the middleware's policy); one made by an
			// earlier Override is per request and not worth keeping.
			if cached.Add(1) <= 16 {
				c, _ = cache.LoadOrStore(base, c)
			}
		}
		st.apply(c.(*compiled))
		st.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// NoStore wraps next so its responses carry Cache-Control: no-store. Use it
// on every page for a logged-in user, so shared computers and proxies keep
// no copy (OWASP Session Management Cheat Sheet).
func NoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetNoStore(w)
		next.ServeHTTP(w, r)
	})
}

// SetNoStore sets Cache-Control: no-store on w, for handlers that decide
// per request (for example, only when a user is logged in).
func SetNoStore(w http.ResponseWriter) {
	w.Header()[hCache] = []string{"no-store"}
}
