// Package app is the notes application: its HTTP handlers, routes and
// middleware chain, and [Main], the whole program behind cmd/notes.
//
// # Structure
//
//   - [Main] and [Run] (main.go) parse the configuration, resolve secrets,
//     open the store, start the server and shut it down gracefully.
//   - [App] (this file) holds the dependencies; handlers are its methods.
//   - routes.go is the one route table; middleware.go is the one place the
//     middleware chain is assembled, in the order package rampart's design
//     fixes: proxy → headers → session → csrf → auth → routes.
//
// Security logic lives in rampart's packages; this package only wires them.
package app

import (
	"log/slog"
	"net/http"

	"github.com/rampartgo/rampart/internal/notes/config"
	"github.com/rampartgo/rampart/internal/notes/store"
	"github.com/rampartgo/rampart/internal/notes/web"
	"github.com/rampartgo/rampart/keys"
)

// Deps are the application's dependencies. Config, Store and Templates are
// required; the rest default as documented.
type Deps struct {
	// Config is the parsed configuration. Required.
	Config config.Config
	// Logger receives request logs and security events. Default: slog.Default().
	Logger *slog.Logger
	// Store holds users and notes. Required.
	Store store.Store
	// Templates renders pages. Required.
	Templates *web.Templates
	// Keys is the key ring derived from SECRET_KEY; session, csrf, remember
	// and token take their purpose keys from it. Default: nil (nothing
	// that signs is wired yet).
	Keys *keys.Ring

	// Nonce returns the response's CSP nonce (headers.Nonce once the
	// headers middleware is wired). Default: no nonce.
	Nonce func(*http.Request) string
	// CSRFToken returns the masked CSRF token for forms (csrf.Token once
	// the csrf middleware is wired). Default: an empty token.
	CSRFToken func(*http.Request) string
	// CurrentUser returns the logged-in user, or ok=false when anonymous
	// (auth's current-user accessor once auth is wired). Default: anonymous.
	CurrentUser func(*http.Request) (u store.User, ok bool)
}

// App is the notes application. Build it with [New]; serve [App.Handler].
type App struct {
	cfg   config.Config
	log   *slog.Logger
	store store.Store
	tmpl  *web.Templates
	keys  *keys.Ring

	nonce       func(*http.Request) string
	csrfToken   func(*http.Request) string
	currentUser func(*http.Request) (store.User, bool)
}

// New returns the application. It panics when a required dependency is
// missing: that is a wiring mistake, not a runtime condition.
func New(d Deps) *App {
	if d.Store == nil || d.Templates == nil {
		panic("rampart/notes/app: Deps.Store and Deps.Templates are required")
	}
	a := &App{cfg: d.Config, log: d.Logger, store: d.Store, tmpl: d.Templates, keys: d.Keys,
		nonce: d.Nonce, csrfToken: d.CSRFToken, currentUser: d.CurrentUser}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.nonce == nil {
		a.nonce = func(*http.Request) string { return "" }
	}
	if a.csrfToken == nil {
		a.csrfToken = func(*http.Request) string { return "" }
	}
	if a.currentUser == nil {
		a.currentUser = func(*http.Request) (store.User, bool) { return store.User{}, false }
	}
	return a
}

// Handler returns the application with its whole middleware chain.
func (a *App) Handler() http.Handler {
	return a.middleware(a.routes())
}

// page returns the data every template needs for r.
func (a *App) page(r *http.Request) *web.Page {
	p := &web.Page{Nonce: a.nonce(r), CSRFToken: a.csrfToken(r)}
	if u, ok := a.currentUser(r); ok {
		p.User = &web.User{Email: u.Email}
	}
	return p
}

// render writes page name; a template failure is logged and the client
// gets a bare 500 (from Templates.Render).
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, name string, p *web.Page) {
	if err := a.tmpl.Render(w, status, name, p); err != nil {
		a.log.ErrorContext(r.Context(), "render failed", slog.String("page", name), slog.Any("err", err))
	}
}
