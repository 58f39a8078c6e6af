package app

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/form"
	"github.com/rampartgo/rampart/internal/notes/web"
	"github.com/rampartgo/rampart/password"
	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/throttle"
)

// account shows the user's sessions, each with a revoke button, and the
// password form.
func (a *App) account(w http.ResponseWriter, r *http.Request) {
	a.renderAccount(w, r, http.StatusOK, &web.Form{})
}

func (a *App) renderAccount(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	u := auth.CurrentUser(r.Context())
	infos, err := a.sessions.ListForUser(r.Context(), u.AuthID())
	if err != nil {
		a.unavailable(w, r, "account: listing sessions failed", err)
		return
	}
	current := a.sessions.Get(r).Handle()
	views := make([]web.SessionView, len(infos))
	for i, in := range infos {
		device := in.UserAgent
		if device == "" {
			device = "Unknown device"
		}
		ip := ""
		if in.IP.IsValid() {
			ip = in.IP.String()
		}
		views[i] = web.SessionView{ID: in.Handle, Device: device, IP: ip, LastSeen: in.LastSeen, Current: in.Handle == current}
	}
	p := a.page(r, true)
	p.Form = f
	p.Data = web.AccountData{Sessions: views}
	a.render(w, r, status, "account", p)
}

// validHandle reports whether id has the shape of a session handle
// (base64url, at most 64 characters), so junk never reaches the store.
func validHandle(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// revokeSession ends one of the current user's sessions and the
// remember-me token of its device (auth.Manager.RevokeSession), so that
// the device's cookie cannot log it straight back in. A handle that is not
// one of theirs is a 404, whoever owns it.
func (a *App) revokeSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validHandle(id) {
		a.errorPage(w, r, http.StatusNotFound, "Not found", "There is no such session.")
		return
	}
	err := a.auth.RevokeSession(r.Context(), auth.CurrentUser(r.Context()).AuthID(), id)
	switch {
	case errors.Is(err, session.ErrNotFound):
		a.errorPage(w, r, http.StatusNotFound, "Not found", "There is no such session.")
		return
	case err != nil:
		a.unavailable(w, r, "account: revoking a session failed", err)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// passwordForm is the change-password form.
type passwordForm struct {
	Current form.Password `form:"current_password" validate:"required"`
	New     form.Password `form:"new_password" validate:"required"`
	Confirm form.Password `form:"new_password_confirm" validate:"required,eqfield=New"`
}

// changePassword runs behind RequireFreshLogin: the password was typed
// within the last 15 minutes. The current password is checked again,
// throttled like a login by auth.Manager.ChangePassword; on success every
// other session of the user ends, remember-me tokens and API tokens are
// revoked, and this session gets a new id.
func (a *App) changePassword(w http.ResponseWriter, r *http.Request) {
	var f passwordForm
	_, err := a.forms.Submitted(r, &f)
	if err != nil {
		if form.Status(err) != http.StatusUnprocessableEntity {
			a.bindFailed(w, r, err)
			return
		}
		a.passwordFailed(w, r, http.StatusUnprocessableEntity, fieldErrors(err))
		return
	}
	ctx := r.Context()
	u := auth.CurrentUser(ctx).(*appUser)
	_, err = a.auth.ChangePassword(w, r, u.email, string(f.Current), string(f.New))
	var limited *throttle.LimitedError
	var pe *password.PolicyError
	switch {
	case errors.As(err, &limited):
		w.Header().Set("Retry-After", limited.RetryAfterHeader())
		a.passwordFailed(w, r, http.StatusTooManyRequests, map[string]string{
			web.FormErrorKey: "Too many failed attempts. Try again in " + strconv.Itoa(limited.RetryAfterSeconds()) + " seconds."})
		return
	case errors.Is(err, auth.ErrInvalidCredentials):
		a.passwordFailed(w, r, http.StatusUnprocessableEntity, map[string]string{"current_password": "The current password is not correct."})
		return
	case errors.As(err, &pe):
		a.passwordFailed(w, r, http.StatusUnprocessableEntity, map[string]string{"new_password": pe.Error()})
		return
	case err != nil: // throttle.ErrUnavailable, password.ErrBusy, the database
		a.unavailable(w, r, "password change failed", err)
		return
	}
	if err := a.tokens.RevokeUser(ctx, u.AuthID()); err != nil {
		a.log.ErrorContext(ctx, "password change: revoking API tokens failed", "err", err)
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (a *App) passwordFailed(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) {
	if errs[web.FormErrorKey] == "" {
		errs[web.FormErrorKey] = "The password was not changed."
	}
	a.renderAccount(w, r, status, &web.Form{Errors: errs})
}
