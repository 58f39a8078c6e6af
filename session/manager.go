package session

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/internal/reqstate"
)

// Defaults; see the package documentation for the reasoning.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
	DefaultTouchInterval   = time.Minute
	DefaultCookieName      = "session"
)

// maxUserAgent is how many bytes of a User-Agent header a session keeps.
const maxUserAgent = 256

// maxCommitTries bounds the optimistic retries of one commit. Each round
// at least one of the racing requests succeeds, so this is room for that
// many requests of one session at once.
const maxCommitTries = 32

// Config configures a [Manager]. The zero Config is safe; every field's
// doc ends with its default.
type Config struct {
	// IdleTimeout ends a session that no request has used for this long.
	// Default 30 minutes (DefaultIdleTimeout).
	IdleTimeout time.Duration

	// AbsoluteTimeout ends a session this long after it was created or
	// last renewed (at login), however active. Default 12 hours
	// (DefaultAbsoluteTimeout).
	AbsoluteTimeout time.Duration

	// TouchInterval is how stale a session's LastSeen may get before a
	// request that only reads the session writes it back. Larger values
	// mean fewer store writes; the idle timeout is effectively shortened
	// by up to this much. Clamped to at most IdleTimeout/2. Default 1
	// minute (DefaultTouchInterval).
	TouchInterval time.Duration

	// CookieName is the session cookie's name, without the "__Host-"
	// prefix that is added unless InsecureDev is set. Default "session"
	// (so the cookie is "__Host-session").
	CookieName string

	// Persist gives the cookie a Max-Age equal to the session's remaining
	// absolute lifetime, so it survives a browser restart. Default false:
	// a browser-session cookie, gone when the browser closes (the idle
	// and absolute timeouts are enforced on the server either way).
	Persist bool

	// InsecureDev drops the cookie's Secure attribute and its "__Host-"
	// prefix so that sessions work over plain HTTP on localhost. Never set
	// it in production: the cookie would travel in clear text and could
	// be overwritten by a sibling subdomain. NewManager logs a warning
	// when it is set. Default false.
	InsecureDev bool

	// ErrorHandler answers a request whose session could not be loaded or
	// saved because the store failed. It must not expose err to the
	// client. Default: log err at Error level (Debug if the request's
	// context was cancelled) and reply 503 Service Unavailable.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// Logger receives security events and store errors. Default
	// slog.Default().
	Logger *slog.Logger

	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Manager loads, saves and lists sessions. Create one with [NewManager];
// it is safe for concurrent use.
type Manager struct {
	store        Store
	idle         time.Duration
	absolute     time.Duration
	touch        time.Duration
	cookieName   string
	cookieNameEq string // cookieName + "="
	secure       bool
	persist      bool
	errHandler   func(http.ResponseWriter, *http.Request, error)
	logger       *slog.Logger
	now          func() time.Time
}

// slot holds the request's sessions. Lookups match the manager: two
// managers in one handler chain do not see each other's sessions.
var slot = reqstate.NewSlot[reqState](reqstate.Session)

// NewManager returns a Manager over store. It panics if store is nil or
// a duration in cfg is negative.
func NewManager(store Store, cfg Config) *Manager {
	if store == nil {
		panic("rampart/session: NewManager with a nil Store")
	}
	if cfg.IdleTimeout < 0 || cfg.AbsoluteTimeout < 0 || cfg.TouchInterval < 0 {
		panic("rampart/session: negative timeout in Config")
	}
	m := &Manager{
		store:      store,
		idle:       cmp(cfg.IdleTimeout, DefaultIdleTimeout),
		absolute:   cmp(cfg.AbsoluteTimeout, DefaultAbsoluteTimeout),
		touch:      cmp(cfg.TouchInterval, DefaultTouchInterval),
		cookieName: cfg.CookieName,
		secure:     !cfg.InsecureDev,
		persist:    cfg.Persist,
		errHandler: cfg.ErrorHandler,
		logger:     cfg.Logger,
		now:        cfg.Now,
	}
	if m.cookieName == "" {
		m.cookieName = DefaultCookieName
	}
	if !validCookieName(m.cookieName) {
		panic("rampart/session: invalid CookieName " + `"` + m.cookieName + `"`)
	}
	if strings.HasPrefix(strings.ToLower(m.cookieName), "__host-") || strings.HasPrefix(strings.ToLower(m.cookieName), "__secure-") {
		panic("rampart/session: CookieName must not carry a prefix; __Host- is added unless InsecureDev")
	}
	if m.secure {
		m.cookieName = "__Host-" + m.cookieName
	}
	m.cookieNameEq = m.cookieName + "="
	m.touch = min(m.touch, m.idle/2)
	if m.logger == nil {
		m.logger = slog.Default()
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.errHandler == nil {
		m.errHandler = m.defaultErrorHandler
	}
	if cfg.InsecureDev {
		m.logger.Warn("rampart/session: InsecureDev is set: the session cookie is sent without Secure and without the __Host- prefix; use this only for plain-HTTP development on localhost")
	}
	return m
}

func cmp(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// validCookieName accepts an RFC 6265 token of at most 64 characters.
func validCookieName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

// CookieName returns the session cookie's full name, with its prefix.
func (m *Manager) CookieName() string { return m.cookieName }

func (m *Manager) defaultErrorHandler(w http.ResponseWriter, r *http.Request, err error) {
	level := slog.LevelError
	if r.Context().Err() != nil {
		level = slog.LevelDebug
	}
	m.logger.LogAttrs(r.Context(), level, "rampart/session: session store failed",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Retry-After", "5")
	http.Error(w, "503 Service Unavailable", http.StatusServiceUnavailable)
}

// Handler returns middleware that loads the request's session before
// calling next and saves it before the first byte of the response body
// (or after next returns, if next wrote nothing). A request whose session
// cannot be loaded because the store failed gets Config.ErrorHandler
// instead of next.
func (m *Manager) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("rampart/session: Handler(nil)")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqState{}
		s := &st.s
		s.m = m
		if err := s.load(r); err != nil {
			m.errHandler(w, r, err)
			return
		}
		h := w.Header()
		if v := h["Vary"]; len(v) == 0 {
			// Shared and capped at its length: an Add copies it first.
			h["Vary"] = varyCookie[:1:1]
		} else {
			h["Vary"] = append(v, "Cookie")
		}
		r = reqstate.Install(r, slot, st, &st.holder)
		s.ctx = r.Context()
		st.w.ResponseWriter = w
		st.w.s = s
		st.w.r = r
		next.ServeHTTP(&st.w, r)
		st.w.finish()
	})
}

// varyCookie is the Vary header of most responses, shared to save an
// allocation per request. http.Header's methods never write into a value
// slice in place (Set replaces it, Add appends to a copy since its
// capacity is full).
var varyCookie = []string{"Cookie"}

// reqState holds a request's session and writer in one allocation, with
// the holder that installs it when the manager is the outermost rampart
// layer.
type reqState struct {
	holder reqstate.Holder
	s      Session
	w      writer
}

// Get returns the request's session. It panics if r did not pass through
// m.Handler: that is a wiring mistake, not a runtime condition.
func (m *Manager) Get(r *http.Request) *Session {
	st := reqstate.Find(r.Context(), slot, func(st *reqState) bool { return st.s.m == m })
	if st == nil {
		panic("rampart/session: Manager.Get without Manager.Handler: wrap the handler with m.Handler")
	}
	return &st.s
}

// BindingSecret returns the 32 random bytes that CSRF tokens of r's
// session are bound to, creating them (and so the session) if needed.
// [Session.Renew] replaces them. It returns a copy, which the caller may
// modify. It implements csrf.Binder; w is unused (the session cookie is
// set by the middleware), and like [Manager.Get] it panics if r did not
// pass through m.Handler. Call it before the response body starts (as
// when rendering a form's token), or a new visitor's session cannot be
// saved.
func (m *Manager) BindingSecret(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return m.Get(r).bindingSecret(), nil
}

// expired reports whether rec is past its deadlines at now, as this
// Manager counts them (a shorter timeout configured since rec was written
// applies at once), and which deadline passed.
func (m *Manager) expired(rec *Record, now time.Time) (bool, string) {
	switch {
	case !now.Before(rec.Created.Add(m.absolute)):
		return true, "absolute_timeout"
	case !now.Before(rec.LastSeen.Add(m.idle)), !now.Before(rec.Expires):
		return true, "idle_timeout"
	}
	return false, ""
}

func (m *Manager) deadline(created, lastSeen time.Time) time.Time {
	a, i := created.Add(m.absolute), lastSeen.Add(m.idle)
	if a.Before(i) {
		return a
	}
	return i
}

// ListForUser returns userID's live sessions, most recently used first.
func (m *Manager) ListForUser(ctx context.Context, userID string) ([]Info, error) {
	if userID == "" {
		return nil, nil
	}
	recs, err := m.store.ListByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := m.now()
	infos := make([]Info, 0, len(recs))
	for _, rec := range recs {
		if exp, _ := m.expired(rec, now); exp || rec.UserID != userID {
			continue
		}
		infos = append(infos, Info{Handle: rec.Handle, Created: rec.Created, LastSeen: rec.LastSeen, IP: rec.IP, UserAgent: rec.UserAgent})
	}
	slices.SortFunc(infos, func(a, b Info) int { return b.LastSeen.Compare(a.LastSeen) })
	return infos, nil
}

// Revoke ends userID's session named handle. It returns an error wrapping
// ErrNotFound if handle does not name one of userID's live sessions, so
// that one user cannot end another's session by guessing handles. A
// request of the revoked session that is in flight cannot save it back.
func (m *Manager) Revoke(ctx context.Context, userID, handle string) error {
	if userID == "" || handle == "" {
		return ErrNotFound
	}
	recs, err := m.store.ListByUser(ctx, userID)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if rec.Handle == handle && rec.UserID == userID {
			if err := m.store.Delete(ctx, rec.Hash); err != nil {
				return err
			}
			event.Emit(ctx, m.logger, event.SessionRevoked, slog.String("userid", userID),
				slog.String("session", handle), slog.String("reason", "revoked"))
			return nil
		}
	}
	return ErrNotFound
}

// DestroyForUser ends every session of userID except the one named
// exceptHandle ("" for none), for "log out everywhere else" and after a
// password change, and returns how many it ended.
func (m *Manager) DestroyForUser(ctx context.Context, userID, exceptHandle string) (int, error) {
	if userID == "" {
		return 0, nil
	}
	recs, err := m.store.ListByUser(ctx, userID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rec := range recs {
		if rec.UserID != userID || (exceptHandle != "" && rec.Handle == exceptHandle) {
			continue
		}
		if err := m.store.Delete(ctx, rec.Hash); err != nil {
			return n, err
		}
		n++
	}
	if n > 0 {
		event.Emit(ctx, m.logger, event.SessionRevoked, slog.String("userid", userID),
			slog.Int("count", n), slog.String("reason", "destroy_for_user"))
	}
	return n, nil
}

// truncateUA keeps at most maxUserAgent bytes of valid UTF-8.
func truncateUA(ua string) string {
	if len(ua) > maxUserAgent {
		i := maxUserAgent
		for i > 0 && !utf8.RuneStart(ua[i]) {
			i--
		}
		ua = ua[:i]
	}
	if !utf8.ValidString(ua) {
		ua = strings.ToValidUTF8(ua, "\uFFFD")
	}
	return ua
}

func randomBinding() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// errCommitFailed is what writes return after the session could not be
// saved and the ErrorHandler answered instead.
var errCommitFailed = errors.New("rampart/session: session not saved; response replaced by ErrorHandler")
