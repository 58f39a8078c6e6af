package app

import (
	"context"
	"net/http"
	"strings"

	"github.com/rampartgo/rampart/auth"
)

// keyRememberSelector is the session value holding the selector of the
// remember-me token the session's device holds, so that revoking that
// session on /account can revoke its remember-me token too: otherwise the
// device would be logged straight back in by its cookie.
//
// The auth package keeps the token-to-session link to itself (it revokes
// the token at logout and every token at a password change, but offers no
// way to revoke the token of another session), so the app records the
// selector: the public half of the cookie, "selector.validator", never the
// validator.
const keyRememberSelector = "notes.remember"

// rememberCookieName is the auth package's remember-me cookie name.
func rememberCookieName(insecureDev bool) string {
	if insecureDev {
		return "remember"
	}
	return "__Host-remember"
}

// selectorOf returns the selector part of a remember-me cookie value.
func selectorOf(v string) string {
	sel, _, ok := strings.Cut(v, ".")
	if !ok || len(sel) > 64 {
		return ""
	}
	return sel
}

// trackRemember records, for a logged-in request that carries a
// remember-me cookie, the cookie's selector in the session (written only
// when it changes, so it costs no store write per request).
func (a *App) trackRemember(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The substring test spares the cookie parse on the hot path (a
		// logged-in page without a remember-me cookie).
		if auth.CurrentUser(r.Context()) != nil && a.mayHaveRememberCookie(r) {
			if c, err := r.Cookie(a.rememberCookie); err == nil {
				if sel := selectorOf(c.Value); sel != "" {
					if s := a.sessions.Get(r); s.GetString(keyRememberSelector) != sel {
						s.Put(keyRememberSelector, sel)
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// mayHaveRememberCookie reports whether a Cookie header of r mentions the
// remember-me cookie's name.
func (a *App) mayHaveRememberCookie(r *http.Request) bool {
	for _, v := range r.Header["Cookie"] {
		if strings.Contains(v, a.rememberCookie) && strings.Contains(v, a.rememberCookie+"=") {
			return true
		}
	}
	return false
}

// recordIssuedRemember records the selector of a remember-me cookie this
// response sets (a login with "remember me").
func (a *App) recordIssuedRemember(w http.ResponseWriter, r *http.Request) {
	for _, line := range w.Header().Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Name != a.rememberCookie || c.MaxAge < 0 {
			continue
		}
		if sel := selectorOf(c.Value); sel != "" {
			a.sessions.Get(r).Put(keyRememberSelector, sel)
		}
	}
}

// rememberSelectorOf returns the remember-me selector recorded in the
// user's session named handle, or "".
func (a *App) rememberSelectorOf(ctx context.Context, userID, handle string) (string, error) {
	recs, err := a.sessionStore.ListByUser(ctx, userID)
	if err != nil {
		return "", err
	}
	for _, rec := range recs {
		if rec.Handle == handle {
			sel, _ := rec.Values[keyRememberSelector].(string)
			return sel, nil
		}
	}
	return "", nil
}
