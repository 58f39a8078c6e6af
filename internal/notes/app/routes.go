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
func (a *App) routes() *http.ServeMux {
	need := func(h http.HandlerFunc) http.Handler { return a.auth.RequireLogin(h) }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /register", a.registerForm)
	mux.HandleFunc("POST /register", a.register)
	mux.HandleFunc("GET /login", a.loginForm)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)
	mux.Handle("GET /protected", need(a.protected))
	mux.Handle("GET /notes", need(a.notes))
	mux.Handle("POST /notes", need(a.createNote))
	mux.Handle("GET /account", need(a.account))
	mux.Handle("GET /account/password", need(a.account))
	mux.Handle("POST /account/password", a.auth.RequireFreshLogin(freshLoginMaxAge)(http.HandlerFunc(a.changePassword)))
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
