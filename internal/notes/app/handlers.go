package app

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/rampartgo/rampart/internal/notes/web"
)

// healthzTimeout bounds the database ping, so a stuck database makes the
// health check fail fast instead of hanging the prober.
const healthzTimeout = 2 * time.Second

// maxNextLen bounds the `next` value carried into the login form.
const maxNextLen = 2048

func (a *App) home(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "home", a.page(r))
}

// healthz answers 200 when the database answers a ping, else 503. It
// reveals nothing else: the cause goes to the log.
func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthzTimeout)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.store.Ping(ctx); err != nil {
		a.log.ErrorContext(r.Context(), "health check: database ping failed", slog.Any("err", err))
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

func (a *App) registerForm(w http.ResponseWriter, r *http.Request) {
	p := a.page(r)
	p.Form = &web.Form{}
	a.render(w, r, http.StatusOK, "register", p)
}

// loginForm carries `next` from the query into the form. It is only
// echoed (escaped) here; POST /login decides whether it is a safe local
// path before redirecting to it.
func (a *App) loginForm(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if len(next) > maxNextLen {
		next = ""
	}
	p := a.page(r)
	p.Form = &web.Form{Values: map[string]string{"next": next}}
	a.render(w, r, http.StatusOK, "login", p)
}
