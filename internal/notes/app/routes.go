package app

import "net/http"

// routes is the application's route table (Go 1.22+ patterns: a method
// mismatch gets 405 with Allow, an unknown path 404). The contract
// (shared/contract/notes-app.md) lists the full surface; routes whose
// packages are not wired yet are absent, so they answer 404/405 rather
// than pretend.
func (a *App) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.Handle("GET /static/", a.tmpl.Static())

	mux.HandleFunc("GET /register", a.registerForm)
	mux.HandleFunc("GET /login", a.loginForm)
	return mux
}
