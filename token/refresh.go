package token

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"time"

	"github.com/rampartgo/rampart/event"
)

// refreshLen is the length of a refresh token: 32 random bytes (256 bits),
// base64url without padding.
const refreshLen = 43

// Pair is what a login or a refresh returns. It marshals to the JSON of an
// OAuth 2.0 token response (RFC 6749 §5.1):
// {"access_token","refresh_token","token_type":"Bearer","expires_in"}.
//
// Its String, GoString and Format print no token, so a Pair that reaches a
// log line leaks nothing; only encoding/json writes the tokens.
type Pair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	// ExpiresIn is the access token's lifetime in seconds.
	ExpiresIn int `json:"expires_in"`
}

// String describes the pair without its tokens.
func (p Pair) String() string { return "token.Pair{[REDACTED]}" }

// GoString is String.
func (p Pair) GoString() string { return p.String() }

// LogValue implements slog.LogValuer without the tokens.
func (p Pair) LogValue() slog.Value { return slog.StringValue(p.String()) }

// Issue starts a new refresh family for userID, after the caller has checked
// the user's credentials, and returns its first token pair.
func (m *Manager) Issue(ctx context.Context, userID string) (Pair, error) {
	if userID == "" {
		panic("rampart/token: empty user ID")
	}
	now := m.cfg.Now()
	rt, hash := newRefresh()
	f := Family{ID: randomID(), UserID: userID, Created: now, Expires: now.Add(m.cfg.RefreshTTL)}
	if err := m.store.Create(ctx, f, hash); err != nil {
		return Pair{}, err
	}
	at, err := m.issueAccess(userID, f.ID, now)
	if err != nil {
		return Pair{}, err
	}
	event.Emit(ctx, m.cfg.Logger, event.TokenCreated, slog.String("user_id", userID), slog.String("family", f.ID))
	return m.pair(at, rt), nil
}

// Refresh spends refreshToken and returns a new pair from the same family
// (RFC 9700 §4.14.2, refresh token rotation).
//
// A refresh token that was already spent means that two parties hold it:
// the legitimate client and a thief, and Refresh cannot tell which one is
// calling. So it revokes the whole family — every refresh token descending
// from that login and the access tokens issued from it — emits
// authn_token_reuse, and returns ErrReused. An unknown, expired or revoked
// token returns an error matching ErrInvalid. Other errors come from the
// store.
//
// Of two concurrent calls with the same token one succeeds and the other
// counts as reuse, which revokes the family, the winner's new pair
// included: a client must not refresh from two places at once. Safe for
// concurrent use.
func (m *Manager) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	old, ok := hashRefresh(refreshToken)
	if !ok {
		return Pair{}, errMalformed
	}
	now := m.cfg.Now()
	rt, next := newRefresh()
	f, err := m.store.Rotate(ctx, old, next, now)
	switch {
	case errors.Is(err, ErrReused):
		event.Emit(ctx, m.cfg.Logger, event.TokenReuse, slog.String("user_id", f.UserID), slog.String("family", f.ID))
		if rerr := m.revokeFamily(ctx, f, now); rerr != nil {
			return Pair{}, rerr
		}
		return Pair{}, ErrReused
	case errors.Is(err, ErrRevoked):
		return Pair{}, ErrRevoked
	case errors.Is(err, ErrNotFound):
		return Pair{}, &rejection{reason: errUnknownRefresh}
	case err != nil:
		return Pair{}, err
	}
	at, err := m.issueAccess(f.UserID, f.ID, now)
	if err != nil {
		return Pair{}, err
	}
	return m.pair(at, rt), nil
}

func (m *Manager) pair(access, refresh string) Pair {
	return Pair{
		AccessToken:  access,
		RefreshToken: refresh,
		TokenType:    "Bearer",
		ExpiresIn:    int(m.cfg.AccessTTL / time.Second),
	}
}

// accessHorizon is how long after now an access token issued up to now can
// still be accepted: a revocation record is useless after that.
func (m *Manager) accessHorizon(now time.Time) time.Time {
	return now.Add(m.cfg.AccessTTL + 2*m.cfg.Leeway)
}

// Revoke revokes the access token c (by its jti) and, when it came from a
// refresh family, the whole family: the client's refresh token stops
// working and so does every other access token of that login. This is
// "log out" for an API client. c must come from Verify or ClaimsFrom.
func (m *Manager) Revoke(ctx context.Context, c *Claims) error {
	now := m.cfg.Now()
	if err := m.revoke(ctx, Revocation{Kind: RevokedToken, ID: c.ID, At: now, Expires: c.ExpiresAt.Add(m.cfg.Leeway)}); err != nil {
		return err
	}
	if c.Family != "" {
		if err := m.revokeFamily(ctx, Family{ID: c.Family, UserID: c.Subject}, now); err != nil {
			return err
		}
	} else {
		event.Emit(ctx, m.cfg.Logger, event.TokenRevoked, slog.String("user_id", c.Subject), slog.String("jti", c.ID))
	}
	return nil
}

// RevokeFamily revokes the refresh family with the given ID and the access
// tokens issued from it.
func (m *Manager) RevokeFamily(ctx context.Context, familyID string) error {
	return m.revokeFamily(ctx, Family{ID: familyID}, m.cfg.Now())
}

func (m *Manager) revokeFamily(ctx context.Context, f Family, now time.Time) error {
	if err := m.revoke(ctx, Revocation{Kind: RevokedFamily, ID: f.ID, At: now, Expires: m.accessHorizon(now)}); err != nil {
		return err
	}
	attrs := []slog.Attr{slog.String("family", f.ID)}
	if f.UserID != "" {
		attrs = append(attrs, slog.String("user_id", f.UserID))
	}
	event.Emit(ctx, m.cfg.Logger, event.TokenRevoked, attrs...)
	return nil
}

// RevokeUser logs userID out everywhere: every refresh family of the user is
// revoked, and every access token issued to the user up to now is rejected
// (tokens issued within the same second too, since "iat" has whole
// seconds). Call it on a password change or an account compromise.
func (m *Manager) RevokeUser(ctx context.Context, userID string) error {
	now := m.cfg.Now()
	if err := m.revoke(ctx, Revocation{Kind: RevokedUser, ID: userID, At: now, Expires: m.accessHorizon(now)}); err != nil {
		return err
	}
	event.Emit(ctx, m.cfg.Logger, event.TokenRevoked, slog.String("user_id", userID), slog.String("scope", "user"))
	return nil
}

// newRefresh returns a fresh refresh token and its hash.
func newRefresh() (string, [32]byte) {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	s := base64.RawURLEncoding.EncodeToString(b[:])
	return s, sha256.Sum256([]byte(s))
}

// hashRefresh checks the shape of a presented refresh token and hashes it.
// The hash is what the store looks up, so the lookup reveals nothing about
// the token through timing.
func hashRefresh(s string) ([32]byte, bool) {
	if len(s) != refreshLen {
		return [32]byte{}, false
	}
	var b [32]byte
	if n, err := base64.RawURLEncoding.Strict().Decode(b[:], []byte(s)); err != nil || n != 32 {
		return [32]byte{}, false
	}
	return sha256.Sum256([]byte(s)), true
}
