package auth

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// RequireLogin lets logged-in users through to next. Anonymous browsers are
// sent to the login page with a 303 and `next` set to the page they asked
// for; API clients (a request that prefers JSON) get a 401 JSON error.
func (m *Manager) RequireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if CurrentUser(r.Context()) == nil {
			m.deny(w, r, "authentication required")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireFreshLogin is RequireLogin that also asks for the password again
// when the login is older than maxAge or came from a remember-me cookie —
// for pages that change credentials or other sensitive settings. It panics
// when maxAge is not positive.
func (m *Manager) RequireFreshLogin(maxAge time.Duration) func(http.Handler) http.Handler {
	if maxAge <= 0 {
		panic("rampart/auth: RequireFreshLogin needs a positive maxAge")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if CurrentUser(r.Context()) == nil {
				m.deny(w, r, "authentication required")
				return
			}
			if !m.IsFresh(r, maxAge) {
				m.deny(w, r, "recent authentication required")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// IsFresh reports whether the current login was made with a password within
// maxAge.
func (m *Manager) IsFresh(r *http.Request, maxAge time.Duration) bool {
	at, fresh := m.LoginTime(r)
	if !fresh || at.IsZero() {
		return false
	}
	age := m.cfg.Now().Sub(at)
	return age >= 0 && age <= maxAge
}

func (m *Manager) deny(w http.ResponseWriter, r *http.Request, reason string) {
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"` + reason + `"}` + "\n"))
		return
	}
	http.Redirect(w, r, m.LoginRedirect(r), http.StatusSeeOther)
}

// LoginRedirect returns the login URL with `next` set to this request's
// path and query, e.g. /login?next=%2Fprotected.
func (m *Manager) LoginRedirect(r *http.Request) string {
	sep := "?"
	if strings.Contains(m.cfg.LoginURL, "?") {
		sep = "&"
	}
	return m.cfg.LoginURL + sep + url.Values{"next": {r.URL.RequestURI()}}.Encode()
}

// wantsJSON reports whether the client is an API client: it sent JSON or
// asks for JSON rather than HTML.
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}
