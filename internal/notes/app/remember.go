package app

import "net/http"

// The auth package links each remember-me token to the session it logged
// in (auth.RememberSessionStore), and /account revokes a device's session
// and token together with auth.Manager.RevokeSession. The app no longer
// reads auth's cookie format or records selectors in its sessions; what
// is left here is only what files outside this change still call.

// rememberCookieName is the auth package's remember-me cookie name. Only
// the App.rememberCookie field that New sets uses it; both can go.
func rememberCookieName(insecureDev bool) string {
	if insecureDev {
		return "remember"
	}
	return "__Host-remember"
}

// trackRemember returns next unchanged: auth keeps the token-to-session
// link itself. It stays only because the middleware chain names it.
func (a *App) trackRemember(next http.Handler) http.Handler { return next }

// recordIssuedRemember does nothing: auth links a token to its session
// when Login issues it. It stays only because the login handler calls it.
func (a *App) recordIssuedRemember(http.ResponseWriter, *http.Request) {}
