// Package rampart wires rampart's packages together in the right order for
// the common case — the Go counterpart of Flask's CSRFProtect(app),
// Talisman(app) and LoginManager(app) in one call:
//
//	kit, err := rampart.New(rampart.Config{
//		SecretKey: secretKey,              // from the secrets package
//		Users:     userLoader,             // your user table
//	})
//	if err != nil { ... }                  // one line that says what to fix
//	http.ListenAndServeTLS(addr, cert, key, kit.Protect(mux))
//
// Protect installs, outermost first: proxy (the real client IP, scheme and
// host) → headers (CSP with nonces, HSTS, HTTPS redirect, the rest) →
// session (server-side, loaded before and committed before the first
// byte) → csrf (origin checks and session-bound tokens on unsafe methods)
// → auth (the current user) → your routes. Each layer is also available
// on its own (kit.Sessions, kit.Auth, kit.CSRF, kit.Headers), and each
// package can be used without this one.
//
// The layers keep their per-request state (the nonce, the session, the CSRF
// state, the current user) in one context value, installed by the first of
// them that a request meets, so a request is copied once (r.WithContext)
// rather than once per layer. The accessors (headers.Nonce,
// Manager.Get, csrf.Token, auth.CurrentUser) return the innermost layer's
// state, as with separate context values. One difference: a handler
// outside a layer may see that layer's state once next has run. A request
// built from another's context (r.Clone, a sub-request) that passes
// through a layer gets its own state from it and leaves the other
// request's alone. Reading an accessor from another goroutine of the
// request is safe.
//
// The zero Config is safe: every weakening is a named field (InsecureDev).
package rampart

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/csrf"
	"github.com/rampartgo/rampart/headers"
	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/proxy"
	"github.com/rampartgo/rampart/secrets"
	"github.com/rampartgo/rampart/session"
)

// Config configures a Kit. SecretKey and Users are required.
type Config struct {
	// SecretKey is the master secret every key is derived from (at least
	// 32 bytes; `rampart keys generate` makes one). Required.
	SecretKey secrets.Secret

	// PreviousSecretKeys still verify what was signed before a rotation.
	// Default: none.
	PreviousSecretKeys []secrets.Secret

	// Users loads the current user by id. Required.
	Users auth.UserLoader

	// SessionStore keeps sessions. Default: an in-memory store, which
	// loses sessions on restart and is not shared between instances —
	// use session/sqlitestore, pgstore or redisstore in production.
	SessionStore session.Store

	// TrustedProxies lists the proxies whose forwarding headers are
	// believed (see proxy.Config). Default: none.
	TrustedProxies []string

	// TrustedOrigins are other origins allowed to send unsafe requests
	// (exact scheme://host[:port]). Default: none.
	TrustedOrigins []string

	// InsecureDev allows plain HTTP on localhost for development: cookies
	// lose Secure and the __Host- prefix, and no HTTPS redirect happens for
	// loopback requests. Never set it in production. Default: false.
	InsecureDev bool

	// Session, Headers, CSRF and Auth override the defaults of each
	// layer; the Kit fills in the fields it wires (stores, binder, keys,
	// InsecureDev, Logger) only where they are zero.
	Session session.Config
	Headers headers.Config
	CSRF    csrf.Config
	Auth    auth.Config

	// Logger receives security events. Default: slog.Default().
	Logger *slog.Logger
}

// Kit holds the configured layers.
type Kit struct {
	Keys     *keys.Ring
	Proxy    *proxy.Resolver
	Headers  *headers.Middleware
	Sessions *session.Manager
	CSRF     *csrf.Protection
	Auth     *auth.Manager
}

// New builds a Kit. Errors are configuration mistakes, one line each,
// saying what to fix; the secret key never appears in them.
func New(cfg Config) (*Kit, error) {
	var errs []error
	if cfg.SecretKey.IsZero() {
		errs = append(errs, errors.New("rampart: Config.SecretKey is empty; generate one with `rampart keys generate`"))
	}
	if cfg.Users == nil {
		errs = append(errs, errors.New("rampart: Config.Users is nil; pass your user loader (auth.UserLoader)"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	ring, err := keys.NewRing(cfg.SecretKey, cfg.PreviousSecretKeys...)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	store := cfg.SessionStore
	if store == nil {
		store = session.NewMemoryStore()
	}

	sc := cfg.Session
	sc.InsecureDev = sc.InsecureDev || cfg.InsecureDev
	if sc.Logger == nil {
		sc.Logger = logger
	}
	sessions := session.NewManager(store, sc)

	hc := cfg.Headers
	hc.InsecureDev = hc.InsecureDev || cfg.InsecureDev
	if hc.Logger == nil {
		hc.Logger = logger
	}

	cc := cfg.CSRF
	if cc.Binder == nil {
		cc.Binder = sessions
	}
	cc.InsecureDev = cc.InsecureDev || cfg.InsecureDev
	cc.TrustedOrigins = append(cc.TrustedOrigins, cfg.TrustedOrigins...)
	if cc.Logger == nil {
		cc.Logger = logger
	}

	ac := cfg.Auth
	ac.Sessions = sessions
	if ac.Users == nil {
		ac.Users = cfg.Users
	}
	ac.InsecureDev = ac.InsecureDev || cfg.InsecureDev
	if ac.Logger == nil {
		ac.Logger = logger
	}

	return &Kit{
		Keys:     ring,
		Proxy:    proxy.New(proxy.Config{TrustedProxies: cfg.TrustedProxies}),
		Headers:  headers.New(hc),
		Sessions: sessions,
		CSRF:     csrf.New(ring, cc),
		Auth:     auth.NewManager(ac),
	}, nil
}

// Protect wraps h in every layer, outermost first: proxy → headers →
// session → csrf → auth.
func (k *Kit) Protect(h http.Handler) http.Handler {
	h = k.Auth.Handler(h)
	h = k.CSRF.Handler(h)
	h = k.Sessions.Handler(h)
	h = k.Headers.Handler(h)
	return k.Proxy.Handler(h)
}
