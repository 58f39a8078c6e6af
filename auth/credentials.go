package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/password"
	"github.com/rampartgo/rampart/proxy"
	"github.com/rampartgo/rampart/throttle"
)

// Credentials gives the login manager access to the application's user
// table for password checks. Implementations must be safe for concurrent use.
type Credentials interface {
	// FindCredentials returns the user with the login identifier (an email
	// address, a user name) and the user's encoded password hash. It
	// returns an error wrapping ErrNoUser when there is no such user.
	FindCredentials(ctx context.Context, identifier string) (User, string, error)
	// SetPasswordHash replaces the user's encoded password hash.
	SetPasswordHash(ctx context.Context, user User, encoded string) error
}

func (m *Manager) needCredentials() {
	if m.cfg.Credentials == nil || m.cfg.Passwords == nil {
		panic("rampart/auth: Config.Credentials and Config.Passwords are required for password checks")
	}
}

// CheckCredentials verifies a login identifier and password, in this order:
//
//  1. the throttle admits the attempt, else its *throttle.LimitedError is
//     returned (answer 429 with Retry-After) and nothing is verified;
//  2. the user is looked up; an unknown identifier gets a dummy
//     verification, so it takes as long as a wrong password;
//  3. the password is verified in constant time;
//  4. on success, a hash with outdated parameters (or an imported bcrypt
//     hash) is replaced while the plain password is at hand.
//
// A failure returns ErrInvalidCredentials whatever was wrong, and emits
// authn_login_fail with the real reason for the log. Other errors are backend
// failures (answer 503). The caller then calls Login.
func (m *Manager) CheckCredentials(r *http.Request, identifier, pw string) (User, error) {
	m.needCredentials()
	ctx := r.Context()
	fail := func(reason string) {
		event.Emit(ctx, m.cfg.Logger, event.LoginFail,
			slog.String("reason", reason), slog.String("ip", proxy.ClientIP(r).String()),
			slog.String("identifier", truncate(identifier, 100)))
	}
	attempt, err := m.beginAttempt(r, identifier)
	if err != nil {
		// Refused attempts are not logged one by one: the throttle logs
		// the lockout once, and a flood must not flood the log.
		return nil, err
	}
	// abandon takes the attempt back when the credentials could not be
	// checked (hashing overloaded, the user store down): a server-side
	// failure must not count as the user's failed login, or a login flood
	// would lock real users out.
	abandon := func(err error) (User, error) {
		attempt.abandon(ctx)
		return nil, err
	}
	user, encoded, err := m.cfg.Credentials.FindCredentials(ctx, identifier)
	if errors.Is(err, ErrNoUser) {
		if err := m.cfg.Passwords.VerifyDummy(ctx, pw); err != nil {
			return abandon(err)
		}
		attempt.fail(ctx)
		fail("unknown user")
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return abandon(err)
	}
	ok, err := m.cfg.Passwords.Verify(ctx, pw, encoded)
	if err != nil && !ok && isMalformed(err) {
		// A stored hash that cannot be parsed (a disabled account's
		// placeholder) is a failed login, not an outage.
		err = nil
	}
	if err != nil {
		return abandon(err)
	}
	if !ok {
		attempt.fail(ctx)
		fail("wrong password")
		return nil, ErrInvalidCredentials
	}
	attempt.succeed(ctx)
	if m.cfg.Passwords.NeedsRehash(encoded) {
		if h, err := m.cfg.Passwords.Hash(ctx, pw); err == nil {
			if err := m.cfg.Credentials.SetPasswordHash(ctx, user, h); err != nil {
				m.cfg.Logger.LogAttrs(ctx, slog.LevelError, "rampart/auth: cannot store an upgraded password hash",
					slog.String("user", user.AuthID()), slog.String("error", err.Error()))
			}
		}
	}
	return user, nil
}

// ChangePassword changes the current user's password after checking the
// current one: the new password must satisfy the hasher's policy (a
// *password.PolicyError otherwise; userInputs such as the email address are
// rejected as passwords). On success every other session of the user ends,
// every remember-me token is revoked, this session gets a new id and a fresh
// login time, and authn_password_change is emitted. A wrong current password
// returns ErrInvalidCredentials. It returns how many other sessions ended.
//
// The current-password check is throttled like a login (see
// CheckCredentials), under identifier, so that a hijacked session cannot
// guess the password through this form: when Config.Throttle refuses the
// attempt, ChangePassword returns its *throttle.LimitedError (answer 429 with
// Retry-After) and checks nothing. A wrong current password counts as a
// failed attempt; a right one clears the failures, even when the new
// password is then refused by the policy; a server-side failure (the user
// store down, hashing overloaded) counts as neither. Other errors are backend
// failures (answer 503).
func (m *Manager) ChangePassword(w http.ResponseWriter, r *http.Request, identifier, current, newPassword string, userInputs ...string) (int, error) {
	m.needCredentials()
	user := CurrentUser(r.Context())
	if user == nil {
		return 0, ErrNoUser
	}
	attempt, err := m.beginAttempt(r, identifier)
	if err != nil {
		return 0, err
	}
	n, err := m.changePassword(w, r, user, identifier, current, newPassword, userInputs)
	var pe *password.PolicyError
	switch {
	case errors.Is(err, ErrInvalidCredentials):
		attempt.fail(r.Context())
	case err == nil, errors.As(err, &pe):
		attempt.succeed(r.Context())
	default:
		attempt.abandon(r.Context())
	}
	return n, err
}

// changePassword is ChangePassword once the throttle admitted the attempt.
func (m *Manager) changePassword(w http.ResponseWriter, r *http.Request, user User, identifier, current, newPassword string, userInputs []string) (int, error) {
	ctx := r.Context()
	failed := func(reason string) {
		event.Emit(ctx, m.cfg.Logger, event.PasswordChangeFail,
			slog.String("user", user.AuthID()), slog.String("reason", reason),
			slog.String("ip", proxy.ClientIP(r).String()))
	}
	// The identifier must name the logged-in user: no changing someone
	// else's password with their current one.
	found, encoded, err := m.cfg.Credentials.FindCredentials(ctx, identifier)
	if errors.Is(err, ErrNoUser) || (err == nil && found.AuthID() != user.AuthID()) {
		failed("identifier mismatch")
		return 0, ErrInvalidCredentials
	}
	if err != nil {
		return 0, err
	}
	ok, err := m.cfg.Passwords.Verify(ctx, current, encoded)
	if err != nil && !isMalformed(err) {
		return 0, err
	}
	if !ok {
		failed("wrong current password")
		return 0, ErrInvalidCredentials
	}
	hash, err := m.cfg.Passwords.Hash(ctx, newPassword, append(userInputs, identifier)...)
	if err != nil {
		if pe := (*password.PolicyError)(nil); errors.As(err, &pe) {
			failed("policy")
		}
		return 0, err
	}
	if err := m.cfg.Credentials.SetPasswordHash(ctx, user, hash); err != nil {
		return 0, err
	}
	s := m.cfg.Sessions.Get(r)
	n, err := m.cfg.Sessions.DestroyForUser(ctx, user.AuthID(), s.Handle())
	if err != nil {
		return 0, err
	}
	if m.cfg.Remember != nil {
		if err := m.cfg.Remember.DeleteForUser(ctx, user.AuthID()); err != nil {
			return n, err
		}
		m.clearRememberCookie(w)
	}
	if err := m.startSession(r, user, true); err != nil {
		return n, err
	}
	event.Emit(ctx, m.cfg.Logger, event.PasswordChange,
		slog.String("user", user.AuthID()), slog.Int("sessions_ended", n),
		slog.String("ip", proxy.ClientIP(r).String()))
	return n, nil
}

// DestroyOtherSessions ends every session of the current user except this
// one and revokes their remember-me tokens ("log out other devices").
func (m *Manager) DestroyOtherSessions(w http.ResponseWriter, r *http.Request) (int, error) {
	user := CurrentUser(r.Context())
	if user == nil {
		return 0, ErrNoUser
	}
	n, err := m.cfg.Sessions.DestroyForUser(r.Context(), user.AuthID(), m.cfg.Sessions.Get(r).Handle())
	if err != nil {
		return 0, err
	}
	if m.cfg.Remember != nil {
		if err := m.cfg.Remember.DeleteForUser(r.Context(), user.AuthID()); err != nil {
			return n, err
		}
		m.clearRememberCookie(w)
	}
	return n, nil
}

// attempt is a login attempt admitted by Config.Throttle, or a nil *attempt
// when there is no throttle: its methods then do nothing.
type attempt struct {
	m *Manager
	a *throttle.Attempt
}

// beginAttempt asks Config.Throttle to admit an attempt for identifier. It
// returns the throttle's *throttle.LimitedError when the attempt must wait,
// or an error wrapping throttle.ErrUnavailable.
func (m *Manager) beginAttempt(r *http.Request, identifier string) (*attempt, error) {
	if m.cfg.Throttle == nil {
		return nil, nil
	}
	a, err := m.cfg.Throttle.BeginRequest(r, identifier)
	if err != nil {
		return nil, err
	}
	return &attempt{m: m, a: a}, nil
}

// fail records that the password was wrong.
func (at *attempt) fail(ctx context.Context) {
	if at != nil {
		at.a.Fail(ctx)
	}
}

// succeed records that the password was right; the caller goes on even if
// the throttle cannot record it.
func (at *attempt) succeed(ctx context.Context) {
	if at == nil {
		return
	}
	if err := at.a.Succeed(ctx); err != nil {
		at.m.cfg.Logger.LogAttrs(ctx, slog.LevelError, "rampart/auth: throttle could not record a successful login",
			slog.String("error", err.Error()))
	}
}

// abandon takes the attempt back: the password could not be checked.
func (at *attempt) abandon(ctx context.Context) {
	if at == nil {
		return
	}
	if err := at.a.Abandon(ctx); err != nil {
		at.m.cfg.Logger.LogAttrs(ctx, slog.LevelError, "rampart/auth: throttle could not take back an unchecked login",
			slog.String("error", err.Error()))
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func isMalformed(err error) bool { return errors.Is(err, password.ErrMalformedHash) }
