package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/proxy"
)

// Session is one request's view of its session. Get it with
// [Manager.Get]. Its methods are safe for concurrent use by the
// goroutines of one request; it must not be used after the request's
// handler returns.
//
// Changes are saved when the response starts: only the keys this request
// changed are written, onto the latest stored version (see "Concurrent
// requests" in the package documentation).
type Session struct {
	m   *Manager
	ctx context.Context
	r   *http.Request
	mu  sync.Mutex

	rec       *Record // the stored record this request works from; nil if none
	tok       token
	hasTok    bool // tok is assigned (loaded, or generated for a new session)
	hadCookie bool // the request carried a session cookie
	setCookie bool // the client does not have tok yet
	clear     bool // expire the client's cookie (unless setCookie)

	handle  string    // for a session not stored yet
	created time.Time // for a session not stored yet

	vals    map[string]any // working copy of the values; nil means rec.Values
	changed []string       // keys put or removed by this request

	userID      string
	userChanged bool
	binding     []byte
	bindChanged bool
	forceSave   bool // Renew on a session not stored yet

	start     time.Time // when the request started, by the Manager's clock
	committed bool      // the response has started
}

// load reads the session named by r's cookie. It returns an error only
// when the store failed; a missing, malformed, unknown or expired cookie
// gives a new, empty session.
func (s *Session) load(r *http.Request) error {
	s.r = r
	v, ok := cookieValue(r.Header, s.m.cookieNameEq)
	if !ok {
		return nil
	}
	s.hadCookie = true
	s.clear = true // unless the cookie names a live session
	tok, ok := parseToken(v)
	if !ok {
		return nil
	}
	rec, err := s.m.store.Find(r.Context(), tok.hash())
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s.start = s.m.now()
	if exp, reason := s.m.expired(rec, s.start); exp {
		// The store still had it (its clock, or a shorter timeout
		// configured since): delete it. Best effort: it is dead to this
		// Manager either way.
		_ = s.m.store.Delete(r.Context(), rec.Hash)
		event.Emit(r.Context(), s.m.logger, event.SessionExpired, slog.String("userid", rec.UserID),
			slog.String("session", rec.Handle), slog.String("reason", reason))
		return nil
	}
	s.rec, s.tok, s.hasTok, s.clear = rec, tok, true, false
	return nil
}

// values returns the current values; the caller holds s.mu and must not
// modify the map.
func (s *Session) values() map[string]any {
	if s.vals != nil || s.rec == nil {
		return s.vals
	}
	return s.rec.Values
}

// Get returns the value stored under key.
func (s *Session) Get(key string) (any, bool) {
	s.mu.Lock()
	v, ok := s.values()[key]
	s.mu.Unlock()
	if b, isBytes := v.([]byte); isBytes {
		v = append([]byte(nil), b...) // stored values are shared: hand out a copy
	}
	return v, ok
}

// GetString returns the string stored under key, or "".
func (s *Session) GetString(key string) string {
	s.mu.Lock()
	v, _ := s.values()[key].(string)
	s.mu.Unlock()
	return v
}

// GetInt64 returns the integer stored under key (by Put of an int or
// int64), or 0.
func (s *Session) GetInt64(key string) int64 {
	s.mu.Lock()
	v, _ := s.values()[key].(int64)
	s.mu.Unlock()
	return v
}

// GetBool returns the bool stored under key, or false.
func (s *Session) GetBool(key string) bool {
	s.mu.Lock()
	v, _ := s.values()[key].(bool)
	s.mu.Unlock()
	return v
}

// GetTime returns the time stored under key (in UTC), or the zero time.
func (s *Session) GetTime(key string) time.Time {
	s.mu.Lock()
	v, _ := s.values()[key].(time.Time)
	s.mu.Unlock()
	return v
}

// Put stores v under key. v must be a string, int64, int (stored as
// int64), bool, time.Time (stored in UTC, without its monotonic reading)
// or []byte (copied); Put panics on any other type, nil included (use
// Remove).
func (s *Session) Put(key string, v any) {
	switch x := v.(type) {
	case string, int64, bool:
	case int:
		v = int64(x)
	case time.Time:
		v = x.Round(0).UTC()
	case []byte:
		v = append([]byte{}, x...)
	default:
		panic(fmt.Sprintf("rampart/session: Put(%q) of unsupported type %T", key, v))
	}
	s.mu.Lock()
	s.writable()[key] = v
	s.markChanged(key)
	s.mu.Unlock()
}

// Remove deletes the value stored under key, if any.
func (s *Session) Remove(key string) {
	s.mu.Lock()
	if _, ok := s.values()[key]; ok {
		delete(s.writable(), key)
		s.markChanged(key)
	}
	s.mu.Unlock()
}

func (s *Session) writable() map[string]any {
	if s.vals == nil {
		if s.rec != nil && len(s.rec.Values) > 0 {
			s.vals = maps.Clone(s.rec.Values)
		} else {
			s.vals = make(map[string]any, 4)
		}
	}
	return s.vals
}

func (s *Session) markChanged(key string) {
	for _, k := range s.changed {
		if k == key {
			return
		}
	}
	s.changed = append(s.changed, key)
}

// UserID returns the session's owner, "" for none.
func (s *Session) UserID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userIDLocked()
}

func (s *Session) userIDLocked() string {
	if s.userChanged || s.rec == nil {
		return s.userID
	}
	return s.rec.UserID
}

// SetUserID makes id ("" for none) the session's owner in the per-user
// index used by [Manager.ListForUser], [Manager.Revoke] and
// [Manager.DestroyForUser]. Call [Session.Renew] when the owner changes
// (at login): a new owner on an old id is session fixation.
func (s *Session) SetUserID(id string) {
	s.mu.Lock()
	s.userID, s.userChanged = id, true
	s.mu.Unlock()
}

// Handle returns the session's public name: random, unrelated to the
// cookie's token, safe to show and to put in URLs (as in a revocation
// form). It changes with Renew.
func (s *Session) Handle() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec != nil {
		return s.rec.Handle
	}
	if s.handle == "" {
		s.handle = newHandle()
	}
	return s.handle
}

// Created returns when the session was created or last renewed; for a
// session not saved yet, when it was first asked.
func (s *Session) Created() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec != nil {
		return s.rec.Created
	}
	if s.created.IsZero() {
		s.created = s.m.now()
	}
	return s.created
}

// IsNew reports whether the request came without a live session (so far
// nothing is stored for it).
func (s *Session) IsNew() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec == nil
}

func (s *Session) bindingSecret() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.binding
	if !s.bindChanged && s.rec != nil {
		b = s.rec.Binding
	}
	if len(b) == 0 {
		b = randomBinding()
		s.binding, s.bindChanged = b, true
	}
	return append([]byte(nil), b...)
}

// dirty reports whether the request changed anything to save.
func (s *Session) dirty() bool {
	return len(s.changed) > 0 || s.userChanged || s.bindChanged || s.forceSave
}

// merge returns a new record: base with this request's changes applied.
// base may be nil (a new session).
func (s *Session) merge(base *Record) *Record {
	rec := &Record{}
	if base != nil {
		*rec = *base
	}
	if len(s.changed) > 0 && base == s.rec && s.vals != nil {
		// s.vals is base's values with this request's changes applied:
		// hand it over. The Session never modifies it again (saved and
		// reset drop it; a failed write leaves it unstored).
		rec.Values = s.vals
	} else if len(s.changed) > 0 {
		var vals map[string]any
		if base != nil && len(base.Values) > 0 {
			vals = maps.Clone(base.Values)
		} else {
			vals = make(map[string]any, len(s.changed))
		}
		for _, k := range s.changed {
			if v, ok := s.vals[k]; ok {
				vals[k] = v
			} else {
				delete(vals, k)
			}
		}
		rec.Values = vals
	}
	if s.userChanged {
		rec.UserID = s.userID
	}
	if s.bindChanged {
		rec.Binding = s.binding
	}
	return rec
}

func (s *Session) stamp(rec *Record, now time.Time) {
	rec.LastSeen = now
	rec.Expires = s.m.deadline(rec.Created, now)
	rec.IP = proxy.ClientIP(s.r)
	rec.UserAgent = truncateUA(s.r.UserAgent())
}

// reset forgets the session: what follows starts a new one.
func (s *Session) reset() {
	s.rec, s.hasTok, s.setCookie = nil, false, false
	s.handle, s.created = "", time.Time{}
	s.vals, s.changed = nil, nil
	s.userID, s.userChanged = "", false
	s.binding, s.bindChanged = nil, false
	s.forceSave = false
}

// Renew gives the session a new token, a new handle and a new CSRF
// binding secret, keeping its values and owner, and deletes the old token
// from the store at once: call it at login and at any change of
// privilege, so that a token planted or seen before (session fixation)
// is worthless afterwards. The absolute lifetime restarts. Call it before
// the response starts: afterwards the new cookie cannot be sent, and
// Renew returns ErrResponseStarted without changing anything. If the
// session was deleted meanwhile (revoked), Renew returns ErrNotFound and
// the session is empty.
func (s *Session) Renew() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		// The new cookie could not be sent: renewing now would log the
		// client out. Keep the session as it is.
		return ErrResponseStarted
	}
	now := s.m.now()
	if s.rec == nil {
		// Nothing stored yet: a new token suffices, and the session must be
		// saved even if nothing else changes.
		s.tok, s.hasTok, s.setCookie = newToken(), true, true
		s.handle, s.created = newHandle(), now
		s.binding, s.bindChanged = randomBinding(), true
		s.forceSave = true
		return nil
	}
	old := s.rec
	// Re-read the stored version so that a session revoked since this
	// request loaded it is not brought back under a new token.
	latest, err := s.m.store.Find(s.ctx, old.Hash)
	if errors.Is(err, ErrNotFound) {
		s.reset()
		s.clear = s.hadCookie
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	rec := s.merge(latest)
	tok := newToken()
	rec.Hash = tok.hash()
	rec.Handle = newHandle()
	rec.Version = 1
	rec.Created = now
	rec.Binding = randomBinding()
	s.stamp(rec, now)
	if err := s.m.store.Insert(s.ctx, rec); err != nil {
		return err
	}
	if err := s.m.store.Delete(s.ctx, old.Hash); err != nil {
		// The old token must not outlive the renewal: undo, report.
		_ = s.m.store.Delete(context.WithoutCancel(s.ctx), rec.Hash)
		return err
	}
	s.rec, s.tok, s.hasTok, s.setCookie, s.clear = rec, tok, true, true, false
	s.vals, s.changed = nil, nil
	s.userChanged, s.bindChanged, s.binding = false, false, nil
	event.Emit(s.ctx, s.m.logger, event.SessionRenewed, slog.String("userid", rec.UserID),
		slog.String("session", rec.Handle), slog.String("previous", old.Handle))
	return nil
}

// Destroy deletes the session from the store at once and expires the
// client's cookie (with the attributes it was set with). Values put
// afterwards start a new session with a new token.
func (s *Session) Destroy() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec != nil {
		if err := s.m.store.Delete(s.ctx, s.rec.Hash); err != nil {
			return err
		}
		event.Emit(s.ctx, s.m.logger, event.SessionRevoked, slog.String("userid", s.rec.UserID),
			slog.String("session", s.rec.Handle), slog.String("reason", "destroyed"))
	}
	s.reset()
	s.clear = s.hadCookie
	return nil
}

// commit saves the session and sets the cookie headers on w. It is called
// once, before the response's header is written.
func (s *Session) commit(w http.ResponseWriter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.committed = true
	ctx := s.ctx
	if ctx.Err() != nil {
		// The client went away, but what the handler did (a login, a
		// logout) should still be saved: finish with a deadline of our own.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
	}
	// The request's start time stands for "now" (one clock reading per
	// request), except for a session created or changed, whose times
	// should be exact.
	now := s.start
	if s.dirty() || now.IsZero() {
		now = s.m.now()
	}
	switch {
	case s.rec == nil:
		if !s.dirty() {
			break
		}
		if !s.hasTok {
			s.tok, s.hasTok, s.setCookie = newToken(), true, true
		}
		if s.handle == "" {
			s.handle = newHandle()
		}
		if s.created.IsZero() {
			s.created = now
		}
		rec := s.merge(nil)
		rec.Hash, rec.Handle, rec.Version, rec.Created = s.tok.hash(), s.handle, 1, s.created
		s.stamp(rec, now)
		if err := s.m.store.Insert(ctx, rec); err != nil {
			return err
		}
		s.saved(rec)
		event.Emit(ctx, s.m.logger, event.SessionCreated, slog.String("userid", rec.UserID),
			slog.String("session", rec.Handle))
	case s.dirty():
		if err := s.update(ctx, now); err != nil {
			return err
		}
	case now.Sub(s.rec.LastSeen) >= s.m.touch:
		rec := new(Record)
		*rec = *s.rec
		rec.Version++
		s.stamp(rec, now)
		switch err := s.m.store.Update(ctx, rec); {
		case err == nil, errors.Is(err, ErrConflict):
			// A conflict means another request wrote the session just now,
			// and its write carried a fresh LastSeen.
		case errors.Is(err, ErrNotFound):
			s.gone()
		default:
			// Losing one LastSeen update only brings the idle deadline a
			// little closer: log it and serve the response.
			s.m.logger.LogAttrs(ctx, slog.LevelWarn, "rampart/session: updating last-seen time failed", slog.Any("err", err))
		}
	}
	s.writeCookie(w, now)
	return nil
}

// update writes this request's changes onto the latest stored version,
// retrying when another request wrote in between.
func (s *Session) update(ctx context.Context, now time.Time) error {
	base := s.rec
	for try := range maxCommitTries {
		rec := s.merge(base)
		rec.Version = base.Version + 1
		s.stamp(rec, now)
		err := s.m.store.Update(ctx, rec)
		switch {
		case err == nil:
			s.saved(rec)
			return nil
		case errors.Is(err, ErrNotFound):
			s.gone()
			return nil
		case !errors.Is(err, ErrConflict):
			return err
		}
		if try >= 2 {
			// Many requests of one session at once: step aside briefly,
			// randomly, so that they stop colliding.
			d := time.Duration(rand.Int64N(int64(min(try, 20)) * int64(500*time.Microsecond)))
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		base, err = s.m.store.Find(ctx, base.Hash)
		if errors.Is(err, ErrNotFound) {
			s.gone()
			return nil
		}
		if err != nil {
			return err
		}
	}
	return fmt.Errorf("session update lost %d races in a row: %w", maxCommitTries, ErrConflict)
}

// saved makes rec, just written, the session's state: reads now see
// the merged values, and nothing is pending.
func (s *Session) saved(rec *Record) {
	s.rec = rec
	s.vals, s.changed = nil, nil
	s.userChanged, s.bindChanged, s.binding, s.forceSave = false, false, nil, false
}

// finish runs after the handler returned, when the response had already
// started: changes made since (a value put while the body was written)
// are saved now if the session exists. They cannot create a session: the
// cookie can no longer be sent.
func (s *Session) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty() {
		return
	}
	ctx := context.WithoutCancel(s.ctx)
	if s.rec == nil {
		s.m.logger.LogAttrs(ctx, slog.LevelWarn, "rampart/session: session changed after the response started; a new session cannot be created then, so the change is lost (write to the session, or call BindingSecret, before writing the body)",
			slog.String("path", s.r.URL.Path))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.update(ctx, s.m.now()); err != nil {
		s.m.logger.LogAttrs(ctx, slog.LevelError, "rampart/session: saving a change made after the response started failed", slog.Any("err", err))
	}
}

// gone handles a session deleted (revoked, destroyed elsewhere, expired)
// while this request ran: its changes are dropped, never written back,
// and the cookie is expired.
func (s *Session) gone() {
	s.reset()
	s.clear = true
}

func (s *Session) writeCookie(w http.ResponseWriter, now time.Time) {
	if (s.setCookie && s.rec != nil) || s.clear {
		// A shared cache must not store this response with its cookie
		// and hand the session to everyone (RFC 9111 §5.2.2.4).
		w.Header().Add("Cache-Control", `no-cache="Set-Cookie"`)
	}
	switch {
	case s.setCookie && s.rec != nil:
		c := &http.Cookie{
			Name:     s.m.cookieName,
			Value:    s.tok.String(),
			Path:     "/",
			Secure:   s.m.secure,
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		}
		if s.m.persist {
			c.MaxAge = max(1, int(s.rec.Created.Add(s.m.absolute).Sub(now)/time.Second))
		}
		http.SetCookie(w, c)
		s.setCookie = false
	case s.clear:
		http.SetCookie(w, &http.Cookie{
			Name:     s.m.cookieName,
			Value:    "",
			Path:     "/",
			Secure:   s.m.secure,
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
			MaxAge:   -1,
			Expires:  time.Unix(0, 0),
		})
		s.clear = false
	}
}
