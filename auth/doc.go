// Package auth is rampart's login manager: Flask-Login's user_loader,
// login_user, logout_user and login_required, with the parts Flask-Login
// leaves to the application done for you.
//
// # What it does
//
//   - [Manager.Handler] resolves the current user on every request: from the
//     session, or — when the session is anonymous — from a remember-me cookie.
//     [CurrentUser] reads it back. Pages served to a logged-in user get
//     `Cache-Control: no-store` so a shared computer's back button or a proxy
//     cache does not show them to the next person.
//   - [Manager.Login] renews the session id (session fixation, OWASP Session
//     Management Cheat Sheet), records the login time for freshness and emits
//     authn_login_success. [Manager.Logout] destroys the session server-side
//     and revokes the remember-me token.
//   - [Manager.RequireLogin] sends anonymous browsers to the login page with
//     a `next` parameter (303) and answers API clients 401.
//     [Manager.RequireFreshLogin] asks for the password again when the login
//     is older than a limit or came from a remember-me cookie (Flask-Login's
//     "fresh" flag has no age limit; this one does).
//   - [Manager.CheckCredentials] runs throttling, the password check (with a
//     dummy hash for unknown accounts so that timing does not reveal who has
//     one) and rehash-on-login in the right order, and returns one error,
//     [ErrInvalidCredentials], whatever was wrong.
//   - [Manager.ChangePassword] checks the current password (throttled like a
//     login, so a hijacked session cannot guess it), enforces the policy,
//     ends every other session of the user and revokes their remember-me
//     tokens.
//   - [Manager.RevokeSession] ends one of a user's sessions ("log out this
//     device") together with the remember-me token of that device, and
//     refuses a session of another user; [Manager.DestroyOtherSessions]
//     ends all but the current one.
//
// # Remember-me
//
// Remember-me tokens follow the split-token design (Paragon Initiative,
// "Implementing Secure User Authentication in PHP Applications with
// Long-Term Persistence"): the cookie holds a selector and a validator; the
// store keeps the selector and a SHA-256 of the validator, so a leaked table
// logs nobody in. A token is single use: each use replaces it with a new one
// (same expiry — a stolen cookie cannot be kept alive forever). A known
// selector presented with a wrong validator means the token was copied: all
// of that user's remember-me tokens are revoked. Logins from a remember-me
// cookie are never fresh.
//
// Each token records the session it last logged in (a
// [RememberSessionStore] keeps the link; both stores here do), so revoking
// that session revokes the device's token too, while other devices stay
// remembered. The link is the session's public handle, never a secret.
//
// # Events
//
// Every outcome is logged through the event package with the OWASP logging
// vocabulary: authn_login_success, authn_login_fail, authn_login_lock (from
// throttle), authn_logout, authn_password_change, authn_password_change_fail,
// authn_token_reuse (a copied remember-me cookie), authn_token_revoked (a
// remember-me token revoked with its session; the session package emits
// session_revoked).
package auth
