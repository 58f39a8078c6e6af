package auth

import (
	"context"
	"log/slog"

	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/session"
)

// RevokeSession ends userID's session named handle (a session.Info.Handle
// from session.Manager.ListForUser, as listed on a "your devices" page)
// and revokes the remember-me token of that session's device, so that its
// cookie cannot log it straight back in. The user's other sessions and
// their devices' remember-me tokens are untouched.
//
// A handle that does not name one of userID's live sessions returns an
// error wrapping session.ErrNotFound and changes nothing: pass the current
// user's id (CurrentUser), and one user cannot end another's session by
// guessing handles (answer 404). Other errors are backend failures (answer
// 503); calling again is safe.
//
// The device's token is the one whose RememberToken.Session is handle:
// Login and every use of the token link it to the session they start. The
// user's tokens with no link (issued before the store kept links) are
// revoked too, since any of them may be that device's. With a RememberStore
// that is not a RememberSessionStore, which keeps no links, every
// remember-me token of the user is revoked instead (fail closed). A session
// renewed by the application itself (session.Session.Renew) loses its
// token's link until the token is next used. To end the current request's
// own session, use Logout, which also clears the cookie.
//
// It emits authn_token_revoked for the revoked token; the session package
// emits session_revoked. It is safe for concurrent use.
func (m *Manager) RevokeSession(ctx context.Context, userID, handle string) error {
	if userID == "" || handle == "" {
		return session.ErrNotFound
	}
	// Ownership is checked before anything is deleted, so that a guessed
	// handle changes nothing at all.
	infos, err := m.cfg.Sessions.ListForUser(ctx, userID)
	if err != nil {
		return err
	}
	owned := false
	for _, in := range infos {
		if in.Handle == handle {
			owned = true
			break
		}
	}
	if !owned {
		return session.ErrNotFound
	}
	// The token goes first: had the session gone first and the token's
	// revocation then failed, a retry would find no session (404) and the
	// token would log the device back in.
	if m.cfg.Remember != nil {
		if err := m.revokeRememberOf(ctx, userID, handle); err != nil {
			return err
		}
	}
	return m.cfg.Sessions.Revoke(ctx, userID, handle)
}

// revokeRememberOf revokes the remember-me token linked to userID's session
// handle, or every token of userID when the store keeps no links.
func (m *Manager) revokeRememberOf(ctx context.Context, userID, handle string) error {
	ls, ok := m.cfg.Remember.(RememberSessionStore)
	if !ok {
		if err := m.cfg.Remember.DeleteForUser(ctx, userID); err != nil {
			return err
		}
		event.Emit(ctx, m.cfg.Logger, event.TokenRevoked,
			slog.String("token", "remember"), slog.String("user", userID),
			slog.String("session", handle), slog.String("scope", "user"),
			slog.String("reason", "session revoked; the store cannot tell which token is the device's"))
		return nil
	}
	n, err := ls.DeleteForSession(ctx, userID, handle)
	if err != nil {
		return err
	}
	if n > 0 {
		event.Emit(ctx, m.cfg.Logger, event.TokenRevoked,
			slog.String("token", "remember"), slog.String("user", userID),
			slog.String("session", handle), slog.Int("count", n), slog.String("reason", "session revoked"))
	}
	return nil
}
