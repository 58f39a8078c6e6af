package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/internal/reqstate"
	"github.com/rampartgo/rampart/password"
	"github.com/rampartgo/rampart/proxy"
	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/throttle"
)

// User is an authenticated principal. The application owns its user type;
// rampart only needs a stable identifier.
type User interface {
	// AuthID returns the user's stable, non-secret identifier (a primary
	// key, never an email address that may change).
	AuthID() string
}

// UserLoader loads users by identifier: Flask-Login's user_loader.
type UserLoader interface {
	// LoadUser returns the user with the given AuthID. It returns an error
	// wrapping ErrNoUser when the user no longer exists (the session is then
	// treated as anonymous); any other error is a backend failure (503).
	LoadUser(ctx context.Context, id string) (User, error)
}

// UserLoaderFunc adapts a function to UserLoader.
type UserLoaderFunc func(ctx context.Context, id string) (User, error)

// LoadUser calls f.
func (f UserLoaderFunc) LoadUser(ctx context.Context, id string) (User, error) { return f(ctx, id) }

// Errors callers branch on.
var (
	// ErrNoUser is returned (wrapped) by loaders and credential stores when
	// no such user exists.
	ErrNoUser = errors.New("rampart/auth: no such user")
	// ErrInvalidCredentials is the one error a failed login returns, whatever
	// was wrong (unknown account, wrong password), so that the response does
	// not reveal which.
	ErrInvalidCredentials = errors.New("invalid email or password")
)

// Session keys used by the manager. They are namespaced so that they do not
// collide with the application's own keys.
const (
	keyUserID  = "auth.uid"
	keyLoginAt = "auth.login_at"
	keyFresh   = "auth.fresh"
)

// Config configures a Manager. Sessions and Users are required.
type Config struct {
	// Sessions is the session manager whose middleware runs before
	// Manager.Handler. Required.
	Sessions *session.Manager

	// Users loads the current user from the id stored in the session.
	// Required.
	Users UserLoader

	// Credentials gives CheckCredentials and ChangePassword access to
	// password hashes. Required for those two methods only.
	Credentials Credentials

	// Passwords hashes and verifies passwords. Required for CheckCredentials
	// and ChangePassword.
	Passwords *password.Hasher

	// Throttle limits failed logins per account and per client IP, and
	// the current-password checks of ChangePassword with them. Nil means
	// no throttling, which is unsafe for an Internet-facing login:
	// NewManager logs a warning. Default: nil.
	Throttle *throttle.Limiter

	// Remember stores remember-me tokens. Nil disables remember-me (Login
	// ignores LoginOptions.Remember). A RememberSessionStore (as both
	// stores in this package are) lets RevokeSession revoke one device's
	// token; with any other store it revokes all of the user's tokens.
	// Default: nil.
	Remember RememberStore

	// RememberFor is how long a remember-me token lasts. Default: 30 days.
	RememberFor time.Duration

	// LoginURL is where RequireLogin and RequireFreshLogin send browsers.
	// Default: "/login".
	LoginURL string

	// InsecureDev sends the remember-me cookie without the Secure attribute
	// and the __Host- prefix, for plain-HTTP development on localhost only.
	// Never set it in production. Default: false.
	InsecureDev bool

	// Logger receives security events. Default: slog.Default().
	Logger *slog.Logger

	// Now returns the current time; tests replace it. Default: time.Now.
	Now func() time.Time
}

// Manager is the login manager. It is safe for concurrent use.
type Manager struct {
	cfg          Config
	rememberName string
}

// NewManager returns a login manager. It panics when a required field is
// missing (a programmer mistake).
func NewManager(cfg Config) *Manager {
	if cfg.Sessions == nil {
		panic("rampart/auth: Config.Sessions is required")
	}
	if cfg.Users == nil {
		panic("rampart/auth: Config.Users is required")
	}
	if cfg.RememberFor <= 0 {
		cfg.RememberFor = 30 * 24 * time.Hour
	}
	if cfg.LoginURL == "" {
		cfg.LoginURL = "/login"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Manager{cfg: cfg, rememberName: "__Host-remember"}
	if cfg.InsecureDev {
		m.rememberName = "remember"
	}
	if cfg.Passwords != nil && cfg.Throttle == nil {
		cfg.Logger.Warn("rampart/auth: no Config.Throttle: failed logins are not limited")
	}
	return m
}

// slot holds the request's current user; the innermost Handler wins.
var slot = reqstate.NewSlot[current](reqstate.Auth)

// current is the request's user, with the holder that installs it when
// Handler is the outermost rampart layer. Login and Logout change the
// user during the request, hence the lock: other goroutines of the
// request may read it meanwhile.
type current struct {
	holder reqstate.Holder
	mu     sync.Mutex
	user   User
}

func (c *current) get() User {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user
}

func (c *current) set(u User) {
	c.mu.Lock()
	c.user = u
	c.mu.Unlock()
}

// setCurrent makes u the current user of the rest of r's request, when
// r passed through Handler.
func setCurrent(r *http.Request, u User) {
	if c := reqstate.Find(r.Context(), slot, nil); c != nil {
		c.set(u)
	}
}

// noStore is the Cache-Control value of logged-in pages, shared between
// responses: capped at its length, so Header.Add copies it and Set
// replaces it rather than writing into it.
var noStore = []string{"no-store"}[:1:1]

// CurrentUser returns the user Manager.Handler resolved for this request, or
// nil for an anonymous visitor.
func CurrentUser(ctx context.Context) User {
	if c := reqstate.Find(ctx, slot, nil); c != nil {
		return c.get()
	}
	return nil
}

// Handler resolves the current user before next runs: the session's user,
// else a valid remember-me cookie (which logs the user in with a non-fresh
// session). Install it inside the session middleware. A backend failure is a
// 503, never an anonymous or wrong user.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, err := m.resolve(w, r)
		if err != nil {
			m.unavailable(w, r, err)
			return
		}
		c := &current{user: user}
		if user != nil {
			// Pages of a logged-in user must not be cached (shared
			// computers, proxies); a handler may still override this.
			w.Header()["Cache-Control"] = noStore
		}
		next.ServeHTTP(w, reqstate.Install(r, slot, c, &c.holder))
	})
}

// unavailable logs a failure to resolve the current user and answers 503.
// It is kept out of Handler (not inlined) so that the log call's frame is
// not on the stack of every request.
//
//go:noinline
func (m *Manager) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	m.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "rampart/auth: cannot load the current user",
		slog.String("error", err.Error()), slog.String("path", r.URL.Path))
	http.Error(w, "Service temporarily unavailable", http.StatusServiceUnavailable)
}

func (m *Manager) resolve(w http.ResponseWriter, r *http.Request) (User, error) {
	s := m.cfg.Sessions.Get(r)
	if id := s.GetString(keyUserID); id != "" {
		u, err := m.cfg.Users.LoadUser(r.Context(), id)
		if errors.Is(err, ErrNoUser) {
			// The account is gone: end the session rather than keep a
			// dangling login.
			return nil, s.Destroy()
		}
		return u, err
	}
	if m.cfg.Remember == nil {
		return nil, nil
	}
	return m.loginFromRemember(w, r)
}

// LoginOptions are the options of Manager.Login.
type LoginOptions struct {
	// Remember issues a remember-me token (when Config.Remember is set).
	Remember bool
}

// Login logs user in on this request's session: it renews the session id
// (so an id planted before login is worthless), records the login time for
// freshness and emits authn_login_success. The user is also current for the
// rest of this request.
func (m *Manager) Login(w http.ResponseWriter, r *http.Request, user User, opts LoginOptions) error {
	if err := m.startSession(r, user, true); err != nil {
		return err
	}
	if m.cfg.Remember != nil {
		if opts.Remember {
			if err := m.issueRemember(w, r, user.AuthID(), m.cfg.Sessions.Get(r).Handle(), m.cfg.Now().Add(m.cfg.RememberFor)); err != nil {
				return err
			}
		} else if sel, _, ok := m.readRememberCookie(r); ok {
			// The device stays remembered by the token it already holds:
			// that token now belongs with the renewed session, so that
			// RevokeSession of this session revokes it too.
			if err := m.linkRemember(r, sel, user.AuthID()); err != nil {
				return err
			}
		}
	}
	event.Emit(r.Context(), m.cfg.Logger, event.LoginSuccess,
		slog.String("user", user.AuthID()), slog.String("ip", proxy.ClientIP(r).String()),
		slog.Bool("remember", opts.Remember && m.cfg.Remember != nil))
	return nil
}

func (m *Manager) startSession(r *http.Request, user User, fresh bool) error {
	s := m.cfg.Sessions.Get(r)
	if err := s.Renew(); err != nil {
		return err
	}
	s.SetUserID(user.AuthID())
	s.Put(keyUserID, user.AuthID())
	s.Put(keyLoginAt, m.cfg.Now())
	s.Put(keyFresh, fresh)
	setCurrent(r, user)
	return nil
}

// Logout ends the login: the remember-me token is revoked and its cookie
// cleared, and the session is destroyed server-side, so replaying the old
// session cookie afterwards is anonymous.
func (m *Manager) Logout(w http.ResponseWriter, r *http.Request) error {
	s := m.cfg.Sessions.Get(r)
	uid := s.GetString(keyUserID)
	if m.cfg.Remember != nil {
		if sel, _, ok := m.readRememberCookie(r); ok {
			if err := m.cfg.Remember.Delete(r.Context(), sel); err != nil {
				return err
			}
		}
		m.clearRememberCookie(w)
	}
	if err := s.Destroy(); err != nil {
		return err
	}
	setCurrent(r, nil)
	if uid != "" {
		event.Emit(r.Context(), m.cfg.Logger, event.Logout,
			slog.String("user", uid), slog.String("ip", proxy.ClientIP(r).String()))
	}
	return nil
}

// LoginTime returns when the current session's user logged in, and whether
// that login was fresh (a password, not a remember-me cookie). It returns the
// zero time for an anonymous session.
func (m *Manager) LoginTime(r *http.Request) (at time.Time, fresh bool) {
	s := m.cfg.Sessions.Get(r)
	if s.GetString(keyUserID) == "" {
		return time.Time{}, false
	}
	return s.GetTime(keyLoginAt), s.GetBool(keyFresh)
}
