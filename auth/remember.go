package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/proxy"
)

// RememberToken is one stored remember-me token. The validator itself is
// never stored: only its SHA-256.
type RememberToken struct {
	Selector      string    // public lookup key, base64url of 16 random bytes
	ValidatorHash []byte    // SHA-256 of the current validator
	PrevHash      []byte    // SHA-256 of the validator it replaced, if any
	RotatedAt     time.Time // when PrevHash was replaced
	UserID        string    // the user it logs in
	Expires       time.Time // after this the token is worthless
	// Session is the handle (session.Info.Handle) of the session the token
	// last logged in on its device, so that revoking that session can
	// revoke the token too; "" when unknown. Only a RememberSessionStore
	// keeps it.
	Session string
}

// rotationGrace is how long after a rotation the replaced validator is
// taken for a benign race (two tabs restoring at once) rather than theft.
const rotationGrace = time.Minute

// ErrTokenNotFound is returned (wrapped) by RememberStore.Find when no live
// token has the selector.
var ErrTokenNotFound = errors.New("rampart/auth: remember-me token not found")

// RememberStore keeps remember-me tokens. Implementations must be safe for
// concurrent use.
type RememberStore interface {
	// Create stores a new token.
	Create(ctx context.Context, t RememberToken) error
	// Find returns the token with the selector, or an error wrapping
	// ErrTokenNotFound when there is none or it has expired.
	Find(ctx context.Context, selector string) (RememberToken, error)
	// Rotate replaces the token's validator hash with newHash if it is
	// still oldHash, keeping oldHash as PrevHash and recording now as
	// RotatedAt. It is atomic: of two concurrent calls with the same
	// oldHash at most one returns true.
	Rotate(ctx context.Context, selector string, oldHash, newHash []byte, now time.Time) (bool, error)
	// Delete deletes the token with the selector; deleting a missing token
	// is not an error.
	Delete(ctx context.Context, selector string) error
	// DeleteForUser deletes every token of the user.
	DeleteForUser(ctx context.Context, userID string) error
}

// RememberSessionStore is a RememberStore that also keeps which session
// each token logged in (RememberToken.Session), so that
// [Manager.RevokeSession] can revoke exactly the token of the device whose
// session it ends. MemoryRememberStore and SQLRememberStore implement it.
// With a RememberStore that does not, RevokeSession cannot tell which token
// is the device's and revokes all of the user's remember-me tokens (fail
// closed). Implementations must be safe for concurrent use.
type RememberSessionStore interface {
	RememberStore
	// SetSession records handle as the session of the token with the
	// selector, if that token belongs to userID. A selector that names no
	// token of userID is not an error and changes nothing: one user's
	// login cannot re-link another user's token.
	SetSession(ctx context.Context, selector, userID, handle string) error
	// DeleteForSession deletes userID's tokens whose session is handle,
	// and userID's tokens with no session (Session "", made before the
	// store kept links): any of those may be that session's device's, so
	// they go too (fail closed). It returns how many it deleted. It deletes
	// nothing when handle is "", and never another user's token.
	DeleteForSession(ctx context.Context, userID, handle string) (int, error)
}

const (
	selectorLen  = 16
	validatorLen = 32
	// encoded lengths (base64url, no padding)
	selectorEnc  = 22
	validatorEnc = 43
)

// issueRemember creates a token for userID, linked to the session handle,
// and sets its cookie.
func (m *Manager) issueRemember(w http.ResponseWriter, r *http.Request, userID, handle string, expires time.Time) error {
	var raw [selectorLen]byte
	_, _ = rand.Read(raw[:])
	sel := base64.RawURLEncoding.EncodeToString(raw[:])
	val, sum := newValidator()
	if err := m.cfg.Remember.Create(r.Context(), RememberToken{
		Selector: sel, ValidatorHash: sum, UserID: userID, Expires: expires, Session: handle,
	}); err != nil {
		return err
	}
	m.setRememberCookie(w, sel, val, expires)
	return nil
}

// linkRemember records this request's session as the session of userID's
// remember-me token sel, when the store keeps links (RememberSessionStore).
// A token of another user is left alone. When the link cannot be recorded,
// the login just made on this session is undone and the error returned:
// RevokeSession could not find this device's token, so the session must not
// outlive the error (fail closed). The device's cookie still logs it in on
// the next request, which records the link again.
func (m *Manager) linkRemember(r *http.Request, sel, userID string) error {
	ls, ok := m.cfg.Remember.(RememberSessionStore)
	if !ok {
		return nil
	}
	s := m.cfg.Sessions.Get(r)
	err := ls.SetSession(r.Context(), sel, userID, s.Handle())
	if err == nil {
		return nil
	}
	if derr := s.Destroy(); derr != nil {
		m.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "rampart/auth: cannot undo a login whose remember-me token could not be linked",
			slog.String("user", userID), slog.String("error", derr.Error()))
	}
	setCurrent(r, nil)
	return err
}

func newValidator() (val, sum []byte) {
	val = make([]byte, validatorLen)
	_, _ = rand.Read(val)
	h := sha256.Sum256(val)
	return val, h[:]
}

func (m *Manager) setRememberCookie(w http.ResponseWriter, sel string, val []byte, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name:     m.rememberName,
		Value:    sel + "." + base64.RawURLEncoding.EncodeToString(val),
		Path:     "/",
		Expires:  expires,
		MaxAge:   max(int(expires.Sub(m.cfg.Now()).Seconds()), 1),
		Secure:   !m.cfg.InsecureDev,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

func (m *Manager) clearRememberCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name:     m.rememberName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		Secure:   !m.cfg.InsecureDev,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// readRememberCookie parses the cookie strictly: selector "." validator,
// both base64url of the expected lengths.
func (m *Manager) readRememberCookie(r *http.Request) (selector string, validator []byte, ok bool) {
	c, err := r.Cookie(m.rememberName)
	if err != nil {
		return "", nil, false
	}
	return parseRememberValue(c.Value)
}

func parseRememberValue(v string) (selector string, validator []byte, ok bool) {
	if len(v) != selectorEnc+1+validatorEnc || v[selectorEnc] != '.' {
		return "", nil, false
	}
	sel, err := base64.RawURLEncoding.Strict().DecodeString(v[:selectorEnc])
	if err != nil || len(sel) != selectorLen {
		return "", nil, false
	}
	val, err := base64.RawURLEncoding.Strict().DecodeString(v[selectorEnc+1:])
	if err != nil || len(val) != validatorLen {
		return "", nil, false
	}
	return v[:selectorEnc], val, true
}

// loginFromRemember logs the user in from a valid remember-me cookie and
// replaces the token. Invalid cookies are cleared and the visitor stays
// anonymous; only backend failures are errors.
func (m *Manager) loginFromRemember(w http.ResponseWriter, r *http.Request) (User, error) {
	sel, val, ok := m.readRememberCookie(r)
	if !ok {
		if _, err := r.Cookie(m.rememberName); err == nil {
			m.clearRememberCookie(w)
		}
		return nil, nil
	}
	ctx := r.Context()
	tok, err := m.cfg.Remember.Find(ctx, sel)
	if errors.Is(err, ErrTokenNotFound) {
		m.clearRememberCookie(w)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(val)
	now := m.cfg.Now()
	if subtle.ConstantTimeCompare(sum[:], tok.ValidatorHash) != 1 {
		if len(tok.PrevHash) > 0 && subtle.ConstantTimeCompare(sum[:], tok.PrevHash) == 1 &&
			now.Sub(tok.RotatedAt) < rotationGrace {
			// Two requests restored the login at once and the other one
			// rotated first: a race, not theft. Its response carries the
			// session; this request stays anonymous.
			return nil, nil
		}
		// The selector is genuine but the validator is not current: the
		// cookie was copied and one copy has already been used. Revoke all
		// of the user's tokens (Barry Jaspan's theft detection).
		m.clearRememberCookie(w)
		event.Emit(ctx, m.cfg.Logger, event.TokenReuse,
			slog.String("token", "remember"), slog.String("user", tok.UserID),
			slog.String("ip", proxy.ClientIP(r).String()))
		return nil, m.cfg.Remember.DeleteForUser(ctx, tok.UserID)
	}
	if !now.Before(tok.Expires) {
		m.clearRememberCookie(w)
		return nil, m.cfg.Remember.Delete(ctx, sel)
	}
	// Single use: the validator is replaced atomically, so of concurrent
	// requests with the same cookie exactly one continues.
	newVal, newSum := newValidator()
	won, err := m.cfg.Remember.Rotate(ctx, sel, tok.ValidatorHash, newSum, now)
	if err != nil || !won {
		return nil, err
	}
	user, err := m.cfg.Users.LoadUser(ctx, tok.UserID)
	if errors.Is(err, ErrNoUser) {
		m.clearRememberCookie(w)
		return nil, m.cfg.Remember.DeleteForUser(ctx, tok.UserID)
	}
	if err != nil {
		return nil, err
	}
	if err := m.startSession(r, user, false); err != nil {
		return nil, err
	}
	// The device keeps its (rotated) token whatever happens next, so that a
	// retry after a failed link is not taken for a copied cookie.
	m.setRememberCookie(w, sel, newVal, tok.Expires)
	if err := m.linkRemember(r, sel, tok.UserID); err != nil {
		return nil, err
	}
	event.Emit(ctx, m.cfg.Logger, event.LoginSuccess,
		slog.String("user", tok.UserID), slog.String("ip", proxy.ClientIP(r).String()),
		slog.String("method", "remember-me"))
	return user, nil
}

// MemoryRememberStore is a RememberStore in process memory, for tests and
// single-instance development. Tokens are lost on restart.
type MemoryRememberStore struct {
	mu     sync.Mutex
	tokens map[string]RememberToken
	now    func() time.Time
}

var _ RememberSessionStore = (*MemoryRememberStore)(nil)

// NewMemoryRememberStore returns an empty in-memory store.
func NewMemoryRememberStore() *MemoryRememberStore {
	return &MemoryRememberStore{tokens: make(map[string]RememberToken), now: time.Now}
}

// Create implements RememberStore. Expired tokens are swept as it goes.
func (s *MemoryRememberStore) Create(_ context.Context, t RememberToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, v := range s.tokens {
		if !now.Before(v.Expires) {
			delete(s.tokens, k)
		}
	}
	t.ValidatorHash = append([]byte(nil), t.ValidatorHash...)
	s.tokens[t.Selector] = t
	return nil
}

// Find implements RememberStore.
func (s *MemoryRememberStore) Find(_ context.Context, selector string) (RememberToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[selector]
	if !ok || !s.now().Before(t.Expires) {
		return RememberToken{}, ErrTokenNotFound
	}
	return t, nil
}

// Rotate implements RememberStore.
func (s *MemoryRememberStore) Rotate(_ context.Context, selector string, oldHash, newHash []byte, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[selector]
	if !ok || subtle.ConstantTimeCompare(t.ValidatorHash, oldHash) != 1 {
		return false, nil
	}
	t.PrevHash, t.ValidatorHash, t.RotatedAt = t.ValidatorHash, append([]byte(nil), newHash...), now
	s.tokens[selector] = t
	return true, nil
}

// Delete implements RememberStore.
func (s *MemoryRememberStore) Delete(_ context.Context, selector string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, selector)
	return nil
}

// DeleteForUser implements RememberStore.
func (s *MemoryRememberStore) DeleteForUser(_ context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.tokens {
		if v.UserID == userID {
			delete(s.tokens, k)
		}
	}
	return nil
}

// SetSession implements RememberSessionStore.
func (s *MemoryRememberStore) SetSession(_ context.Context, selector, userID, handle string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[selector]; ok && t.UserID == userID {
		t.Session = handle
		s.tokens[selector] = t
	}
	return nil
}

// DeleteForSession implements RememberSessionStore.
func (s *MemoryRememberStore) DeleteForSession(_ context.Context, userID, handle string) (int, error) {
	if handle == "" {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.tokens {
		if v.UserID == userID && (v.Session == handle || v.Session == "") {
			delete(s.tokens, k)
			n++
		}
	}
	return n, nil
}
