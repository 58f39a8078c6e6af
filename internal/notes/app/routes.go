package app

import (
	"net/http"
	"time"

	"github.com/rampartgo/rampart/headers"
)

// freshLoginMaxAge is how recent a password login must be to change the
// password (contract: re-authentication within 15 minutes).
const freshLoginMaxAge = 15 * time.Minute

// routes is the HTML route table (Go 1.22+ patterns: a method mismatch
// gets 405 with Allow, an unknown path 404). The contract
// (shared/contract/notes-app.md) lists the full surface.
//
// Every route's handler is wrapped in checked (the session, CSRF and
// current-user layers) on its own, so the mux matches a request once and a
// request no route takes gets the mux's 404 or 405 without passing
// through them.
func (a *App) routes(checked func(http.Handler) http.Handler) *http.ServeMux {
	page := func(h http.HandlerFunc) http.Handler { return checked(h) }
	need := func(h http.HandlerFunc) http.Handler { return checked(a.auth.RequireLogin(h)) }
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", page(a.home))
	mux.Handle("GET /register", page(a.registerForm))
	mux.Handle("POST /register", page(a.register))
	mux.Handle("GET /login", page(a.loginForm))
	mux.Handle("POST /login", page(a.login))
	mux.Handle("POST /logout", page(a.logout))
	mux.Handle("GET /protected", need(a.protected))
	mux.Handle("GET /notes", need(a.notes))
	mux.Handle("POST /notes", need(a.createNote))
	mux.Handle("GET /account", need(a.account))
	mux.Handle("GET /account/password", need(a.account))
	mux.Handle("POST /account/password", checked(a.auth.RequireFreshLogin(freshLoginMaxAge)(http.HandlerFunc(a.changePassword))))
	mux.Handle("POST /account/sessions/{id}/revoke", need(a.revokeSession))
	return mux
}

// publicRoutes need no session: static files, the health check, CSP
// reports and the token verification keys.
func (a *App) publicRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", a.tmpl.Static())
	mux.HandleFunc("GET "+healthzPath, a.healthz)
	mux.Handle(cspReportPath, headers.NewReportHandler(headers.ReportConfig{Logger: a.log}))
	mux.Handle(jwksPath, a.tokens.JWKS())
	return mux
}

// apiRoutes is the JSON API. Every route but the token endpoints needs a
// bearer access token; none reads a cookie.
func (a *App) apiRoutes() *http.ServeMux {
	bearer := func(h http.HandlerFunc) http.Handler { return a.tokens.Bearer(h) }
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/token", a.apiToken)
	mux.HandleFunc("POST /api/token/refresh", a.apiRefresh)
	mux.Handle("POST /api/token/revoke", bearer(a.apiRevoke))
	mux.Handle("GET /api/me", bearer(a.apiMe))
	mux.Handle("GET /api/notes", bearer(a.apiListNotes))
	mux.Handle("POST /api/notes", bearer(a.apiCreateNote))
	return mux
}
