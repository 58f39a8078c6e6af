// Package app is the notes application: its HTTP handlers, routes and
// middleware chain, and [Main], the whole program behind cmd/notes.
//
// # Structure
//
//   - [Main] and [Run] (main.go) parse the configuration, resolve secrets,
//     open the stores, start the server and shut it down gracefully.
//   - [App] (this file) holds the dependencies; handlers are its methods.
//   - routes.go is the one route table; middleware.go is the one place the
//     middleware chain is assembled, in the order package rampart's design
//     fixes: proxy → headers → session → csrf → auth → routes.
//   - backends.go opens the stores -store names.
//
// Security logic lives in rampart's packages; this package only wires them.
package app

import (
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/csrf"
	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/form"
	"github.com/rampartgo/rampart/headers"
	"github.com/rampartgo/rampart/internal/notes/config"
	"github.com/rampartgo/rampart/internal/notes/store"
	"github.com/rampartgo/rampart/internal/notes/web"
	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/password"
	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/token"
)

// Token claims: the issuer and audience of the notes API's access tokens.
const (
	tokenIssuer   = "urn:rampart:notes"
	tokenAudience = "urn:rampart:notes:api"
)

// Deps are the application's dependencies. Config, Store, Templates and
// Keys are required; the rest default as documented.
type Deps struct {
	// Config is the parsed configuration. Required.
	Config config.Config
	// Logger receives request logs and security events. Default: slog.Default().
	Logger *slog.Logger
	// Store holds users and notes. Required.
	Store store.Store
	// Templates renders pages. Required.
	Templates *web.Templates
	// Keys is the key ring derived from SECRET_KEY; csrf and token take
	// their purpose keys from it. Required.
	Keys *keys.Ring

	// SessionStore keeps sessions. Default: a session.MemoryStore.
	SessionStore session.Store
	// ThrottleStore keeps failed-login counters and the per-network
	// registration counts. Default: a throttle.MemoryStore.
	ThrottleStore throttle.Store
	// TokenStore keeps API refresh-token families and revocations.
	// Default: a token.MemoryStore.
	TokenStore token.Store
	// RememberStore keeps remember-me tokens. Default: an
	// auth.MemoryRememberStore.
	RememberStore auth.RememberStore
	// Passwords hashes and verifies passwords. Default: password.New with
	// the zero Config (OWASP argon2id parameters, the default policy).
	Passwords *password.Hasher

	// Nonce returns the response's CSP nonce. Default: headers.Nonce.
	Nonce func(*http.Request) string
	// CSRFToken returns the masked CSRF token for forms. Default:
	// csrf.Token.
	CSRFToken func(*http.Request) string
	// CurrentUser returns the logged-in user, or ok=false when anonymous.
	// Default: the user the login manager resolved.
	CurrentUser func(*http.Request) (u store.User, ok bool)
}

// App is the notes application. Build it with [New]; serve [App.Handler].
type App struct {
	cfg   config.Config
	log   *slog.Logger
	store store.Store
	tmpl  *web.Templates
	keys  *keys.Ring

	users         *userCache
	sessions      *session.Manager
	auth          *auth.Manager
	csrf          *csrf.Protection
	headers       *headers.Middleware
	tokens        *token.Manager
	limiter       *throttle.Limiter
	throttleStore throttle.Store
	registerRate  throttle.RateConfig // POST /register per client network; see allowRegistration
	passwords     *password.Hasher
	forms         *form.Binder

	// busyRefused counts requests refused with password.ErrBusy since
	// busyLogged, the Unix second of the last excess_use event for them.
	busyRefused atomic.Int64
	busyLogged  atomic.Int64

	nonce       func(*http.Request) string
	csrfToken   func(*http.Request) string
	currentUser func(*http.Request) (store.User, bool)
}

// New returns the application. It panics when a required dependency is
// missing: that is a wiring mistake, not a runtime condition.
func New(d Deps) *App {
	if d.Store == nil || d.Templates == nil || d.Keys == nil {
		panic("rampart/notes/app: Deps.Store, Deps.Templates and Deps.Keys are required")
	}
	a := &App{cfg: d.Config, log: d.Logger, store: d.Store, tmpl: d.Templates, keys: d.Keys,
		nonce: d.Nonce, csrfToken: d.CSRFToken, currentUser: d.CurrentUser, passwords: d.Passwords}
	if a.log == nil {
		a.log = slog.Default()
	}
	if d.SessionStore == nil {
		d.SessionStore = session.NewMemoryStore()
	}
	if d.ThrottleStore == nil {
		d.ThrottleStore = throttle.NewMemoryStore(throttle.MemoryConfig{})
	}
	if d.TokenStore == nil {
		d.TokenStore = token.NewMemoryStore()
	}
	if d.RememberStore == nil {
		d.RememberStore = auth.NewMemoryRememberStore()
	}
	if a.passwords == nil {
		a.passwords = password.New(password.Config{})
	}
	// Plain HTTP is allowed in dev mode only, and only when this server
	// does not terminate TLS itself: then cookies drop Secure and the
	// __Host- prefix, and localhost gets no HTTPS redirect.
	insecureDev := !a.cfg.IsProduction() && !a.cfg.ServeTLS()

	a.users = newUserCache(a.store)
	d.SessionStore = newTaggedSessions(d.SessionStore, a.keys)
	a.sessions = session.NewManager(d.SessionStore, session.Config{InsecureDev: insecureDev, Logger: a.log})
	a.limiter = throttle.New(d.ThrottleStore, throttle.Config{Logger: a.log})
	a.throttleStore = d.ThrottleStore
	registerLimit := a.cfg.RegisterLimit
	if registerLimit < 1 { // a Config not made by config.Parse
		registerLimit = config.DefaultRegisterLimit
	}
	a.registerRate = throttle.RateConfig{Limit: registerLimit, Per: registerPer}
	a.auth = auth.NewManager(auth.Config{
		Sessions:    a.sessions,
		Users:       a.users,
		Credentials: credentials{a.store, a.users},
		Passwords:   a.passwords,
		Throttle:    a.limiter,
		Remember:    d.RememberStore,
		InsecureDev: insecureDev,
		Logger:      a.log,
	})
	a.csrf = csrf.New(a.keys, csrf.Config{Binder: a.sessions, DenyHandler: http.HandlerFunc(a.csrfDenied), Logger: a.log})
	hc := headers.Config{InsecureDev: insecureDev, Logger: a.log}
	hc.Policy.CSP.ReportURI = cspReportPath
	if a.cfg.IsProduction() {
		hc.CanonicalHost = a.cfg.Host
	}
	a.headers = headers.New(hc)
	a.tokens = token.New(a.keys, keyedTokens{Store: d.TokenStore, set: a.keys.Purpose(purposeRefresh)}, token.Config{Issuer: tokenIssuer, Audience: tokenAudience, Logger: a.log})
	a.forms = form.New(form.Config{Logger: a.log})

	if a.nonce == nil {
		a.nonce = headers.Nonce
	}
	if a.csrfToken == nil {
		a.csrfToken = csrf.Token
	}
	if a.currentUser == nil {
		a.currentUser = func(r *http.Request) (store.User, bool) {
			if u, ok := auth.CurrentUser(r.Context()).(*appUser); ok {
				return store.User{ID: u.id, Email: u.email}, true
			}
			return store.User{}, false
		}
	}
	return a
}

// Handler returns the application with its whole middleware chain.
func (a *App) Handler() http.Handler {
	return a.middleware()
}

// page returns the data every template needs for r. The CSRF token is
// rendered for logged-in users (every page has the logout form) and on
// pages with forms (withForm), so an anonymous visitor reading public
// pages gets no session and costs no store write.
func (a *App) page(r *http.Request, withForm bool) *web.Page {
	// The page and its user in one allocation.
	pu := &struct {
		p web.Page
		u web.User
	}{p: web.Page{Nonce: a.nonce(r)}}
	p := &pu.p
	if u, ok := a.currentUser(r); ok {
		pu.u.Email = u.Email
		p.User = &pu.u
		withForm = true
	}
	if withForm {
		p.CSRFToken = a.csrfToken(r)
	}
	return p
}

// render writes page name; a template failure is logged and the client
// gets a bare 500 (from Templates.Render).
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, name string, p *web.Page) {
	if err := a.tmpl.Render(w, status, name, p); err != nil {
		a.log.ErrorContext(r.Context(), "render failed", slog.String("page", name), slog.Any("err", err))
	}
}

// errorPage renders the error page with status.
func (a *App) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	p := a.page(r, false)
	p.Data = web.ErrorData{Title: title, Message: msg}
	a.render(w, r, status, "error", p)
}

// unavailable answers 503 for a backend failure, which is logged; or 429
// when err is password.ErrBusy (see hashersBusy).
func (a *App) unavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, password.ErrBusy) {
		a.hashersBusy(r, what, err)
		w.Header().Set("Retry-After", busyRetryAfter)
		http.Error(w, msgBusy, http.StatusTooManyRequests)
		return
	}
	a.log.ErrorContext(r.Context(), what, slog.Any("err", err), slog.String("path", r.URL.Path))
	w.Header().Set("Retry-After", "5")
	http.Error(w, "Service temporarily unavailable", http.StatusServiceUnavailable)
}

// Every password hashing slot stayed taken for the hasher's MaxWait
// (password.ErrBusy): more logins, registrations or password changes
// arrived at once than the CPUs can hash. That is a flood of requests,
// not a broken backend, so the answer is 429 with a short Retry-After (as
// the contract has for too many login attempts) rather than a 5xx, and
// the log says so at Warn level with the event vocabulary's excess_use.
const (
	busyRetryAfter = "2"
	msgBusy        = "The server is busy checking other passwords. Try again in a few seconds."
)

// hashersBusy logs an excess_use event for a request refused because every
// hashing slot was busy: at most one a second (busyLogged), so that a flood
// cannot flood the log too; the event carries how many were refused since
// the last one.
func (a *App) hashersBusy(r *http.Request, what string, err error) {
	n := a.busyRefused.Add(1)
	now := time.Now().Unix()
	last := a.busyLogged.Load()
	if now <= last || !a.busyLogged.CompareAndSwap(last, now) {
		return
	}
	a.busyRefused.Add(-n)
	event.Emit(r.Context(), a.log, event.ExcessUse, slog.String("action", what),
		slog.String("cause", "password hashing saturated"), slog.Int64("refused", n),
		slog.Any("err", err), slog.String("path", r.URL.Path))
}
