package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/form"
	"github.com/rampartgo/rampart/internal/notes/store"
	"github.com/rampartgo/rampart/internal/notes/web"
	"github.com/rampartgo/rampart/password"
	"github.com/rampartgo/rampart/proxy"
	"github.com/rampartgo/rampart/redirect"
	"github.com/rampartgo/rampart/throttle"
)

// healthzTimeout bounds the database ping, so a stuck database makes the
// health check fail fast instead of hanging the prober.
const healthzTimeout = 2 * time.Second

// maxNextLen bounds the `next` value carried into the login form.
const maxNextLen = redirect.MaxLength

// Messages shown to users. One message per failure class, whatever the
// cause, where telling causes apart would tell an attacker something.
const (
	msgRegisterFailed = "We could not create an account with these details. Check them and try again."
	// msgEmailUnusable is the email field's error for a malformed, overlong
	// or taken address alike, so that the page for a taken address is the
	// page for any other unusable one.
	msgEmailUnusable = "This email address cannot be used for a new account. Check it and try again."
	msgBadLogin      = "Invalid email or password."
)

func (a *App) home(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "home", a.page(r, false))
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

// bindFailed answers a form that could not be bound at all (400, 413,
// 415): there is nothing to re-render.
func (a *App) bindFailed(w http.ResponseWriter, r *http.Request, err error) {
	status := form.Status(err)
	msg := "The form could not be read."
	var re *form.RequestError
	if errors.As(err, &re) && re.Message != "" {
		msg = "The form could not be read: " + re.Message + "."
	}
	if status >= 500 {
		a.unavailable(w, r, "form: reading the request failed", err)
		return
	}
	a.errorPage(w, r, status, http.StatusText(status), msg)
}

// fieldErrors copies the field errors of err (a 422 from form) into a map
// the templates read, or returns an empty map.
func fieldErrors(err error) map[string]string {
	out := map[string]string{}
	for k, v := range form.Fields(err) {
		out[k] = v
	}
	return out
}

// ---- registration ----

// registerForm is the registration form. Passwords are form.Password so
// they are never rendered back.
type registerForm struct {
	Email           string        `form:"email" validate:"required,email,max=254"`
	Password        form.Password `form:"password" validate:"required"`
	PasswordConfirm form.Password `form:"password_confirm" validate:"required,eqfield=Password"`
}

// Normalize trims the email; passwords are taken as typed (the password
// package normalises them itself, NFC, and never truncates). The email is
// kept as typed for re-rendering; accountEmail gives the stored form.
func (f *registerForm) Normalize() {
	f.Email = strings.TrimSpace(f.Email)
}

// accountEmail returns the form an email address is stored in (NFC), and
// false when it holds characters no address should: control and format
// characters (zero-width spaces, soft hyphens, bidirectional overrides),
// other default-ignorable code points, white space or invalid UTF-8. They
// let an address display exactly like another user's.
func accountEmail(s string) (string, bool) {
	s = norm.NFC.String(strings.TrimSpace(s))
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) ||
			unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) {
			return s, false
		}
	}
	return s, true
}

// Registration limit: each client network (an IPv4 address, an IPv6 /64:
// see throttle.Network) may post Config.RegisterLimit (-register-limit,
// default config.DefaultRegisterLimit) readable registration forms per
// sliding registerPer, whether they create an account or fail validation.
// The default is generous on purpose: a school or an office behind one NAT
// address registers together, and the contract's black-box suite posts
// some 75 registrations from one address within seconds. What the limit
// stops is one client creating accounts, and making the server compute
// password hashes, by the thousand. Refused posts count too, so a client
// that ignores Retry-After stays refused.
const registerPer = time.Hour

// allowRegistration counts a registration attempt from r's client network
// (proxy.ClientIP, so behind a trusted proxy the forwarded address). It
// returns nil, a *throttle.LimitedError, or an error wrapping
// throttle.ErrUnavailable: the store is down, and registration fails
// closed like login.
func (a *App) allowRegistration(r *http.Request) error {
	network := "unknown" // every client without an address shares one count
	if p := throttle.Network(proxy.ClientIP(r)); p.IsValid() {
		network = p.String()
	}
	// A Rate keeps no state of its own (the counts are in the store), so
	// one per request costs little, and the excess_use event it logs at
	// the first refusal of a burst (not at every refusal, which would let
	// a flood flood the log) then names the action and the network.
	cfg := a.registerRate
	cfg.Logger = a.log.With(slog.String("action", "register"), slog.String("network", network))
	// The key is hashed into the Rate's own namespace, apart from the
	// login limiter's counters in the same store.
	return throttle.NewRate(a.throttleStore, cfg).Allow(r.Context(), "register-ip:"+network)
}

func (a *App) registerForm(w http.ResponseWriter, r *http.Request) {
	p := a.page(r, true)
	p.Form = &web.Form{}
	a.render(w, r, http.StatusOK, "register", p)
}

// register creates the account and logs it in (303 to /). Every failure is
// a 422 with the same form-level message; a taken email gets that message
// alone, after the same password hashing as a success, so its page and its
// timing match other failures as far as a form that logs in on success
// allows. A client network over the registration limit gets 429 with
// Retry-After, decided before the form's contents are looked at, so it
// tells nothing about the address.
func (a *App) register(w http.ResponseWriter, r *http.Request) {
	var f registerForm
	_, err := a.forms.Submitted(r, &f)
	if err != nil && form.Status(err) != http.StatusUnprocessableEntity {
		// Not counted: an unreadable form costs no hash and no query.
		a.bindFailed(w, r, err)
		return
	}
	var limited *throttle.LimitedError
	switch limitErr := a.allowRegistration(r); {
	case errors.As(limitErr, &limited):
		w.Header().Set("Retry-After", limited.RetryAfterHeader())
		msg := "Too many registrations from your network. Try again in " + strconv.Itoa(limited.RetryAfterSeconds()) + " seconds."
		a.renderRegister(w, r, http.StatusTooManyRequests, f.Email, map[string]string{web.FormErrorKey: msg})
		return
	case limitErr != nil:
		a.unavailable(w, r, "register: rate limit store failed", limitErr)
		return
	}
	errs := fieldErrors(err)
	email, clean := accountEmail(f.Email)
	if (errs["email"] != "" && f.Email != "") || (errs["email"] == "" && !clean) {
		errs["email"] = msgEmailUnusable
	}
	if errs["password"] == "" && f.Password != "" {
		var pe *password.PolicyError
		if err := a.passwords.Check(string(f.Password), f.Email); errors.As(err, &pe) {
			errs["password"] = pe.Error()
		}
	}
	if len(errs) > 0 {
		a.registerFailed(w, r, f.Email, errs)
		return
	}
	ctx := r.Context()
	hash, err := a.passwords.Hash(ctx, string(f.Password), email)
	var pe *password.PolicyError
	switch {
	case errors.As(err, &pe):
		a.registerFailed(w, r, f.Email, map[string]string{"password": pe.Error()})
		return
	case err != nil:
		a.unavailable(w, r, "register: hashing failed", err)
		return
	}
	su, err := a.store.CreateUser(ctx, email, hash)
	switch {
	case errors.Is(err, store.ErrEmailTaken):
		a.log.InfoContext(ctx, "registration refused: email taken")
		a.registerFailed(w, r, f.Email, map[string]string{"email": msgEmailUnusable})
		return
	case err != nil:
		a.unavailable(w, r, "register: creating the user failed", err)
		return
	}
	u := &appUser{id: su.ID, email: su.Email}
	a.users.put(u)
	if err := a.auth.Login(w, r, u, auth.LoginOptions{}); err != nil {
		a.unavailable(w, r, "register: login failed", err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *App) registerFailed(w http.ResponseWriter, r *http.Request, email string, errs map[string]string) {
	errs[web.FormErrorKey] = msgRegisterFailed
	a.renderRegister(w, r, http.StatusUnprocessableEntity, email, errs)
}

// renderRegister re-renders the registration form with the email as typed
// (escaped by the template) and errs; passwords are never echoed.
func (a *App) renderRegister(w http.ResponseWriter, r *http.Request, status int, email string, errs map[string]string) {
	p := a.page(r, true)
	p.Form = &web.Form{Values: map[string]string{"email": email}, Errors: errs}
	a.render(w, r, status, "register", p)
}

// ---- login and logout ----

// loginForm is the login form. It has no validation rules: whatever is
// wrong with the credentials, the answer is the same 401.
type loginForm struct {
	Email    string        `form:"email"`
	Password form.Password `form:"password"`
	Remember bool          `form:"remember"`
	Next     string        `form:"next"`
}

// loginForm carries `next` from the query into the form. It is only
// echoed (escaped) here; POST /login decides whether it is a safe local
// path before redirecting to it.
func (a *App) loginForm(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if len(next) > maxNextLen {
		next = ""
	}
	p := a.page(r, true)
	p.Form = &web.Form{Values: map[string]string{"next": next}}
	a.render(w, r, http.StatusOK, "login", p)
}

// login checks the credentials through the login manager (throttling
// first, a dummy hash for unknown accounts), then logs in on a renewed
// session and redirects to a safe `next` or /.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	var f loginForm
	_, err := a.forms.Submitted(r, &f)
	if err != nil && form.Status(err) != http.StatusUnprocessableEntity {
		a.bindFailed(w, r, err)
		return
	}
	if len(f.Next) > maxNextLen {
		f.Next = ""
	}
	u, err := a.auth.CheckCredentials(r, f.Email, string(f.Password))
	var limited *throttle.LimitedError
	switch {
	case errors.As(err, &limited):
		w.Header().Set("Retry-After", limited.RetryAfterHeader())
		a.loginFailed(w, r, &f, http.StatusTooManyRequests,
			"Too many failed attempts. Try again in "+strconv.Itoa(limited.RetryAfterSeconds())+" seconds.")
		return
	case errors.Is(err, auth.ErrInvalidCredentials):
		a.loginFailed(w, r, &f, http.StatusUnauthorized, msgBadLogin)
		return
	case errors.Is(err, password.ErrBusy):
		a.hashersBusy(r, "login", err)
		w.Header().Set("Retry-After", busyRetryAfter)
		a.loginFailed(w, r, &f, http.StatusTooManyRequests, msgBusy)
		return
	case err != nil: // throttle.ErrUnavailable, the database
		a.unavailable(w, r, "login: checking credentials failed", err)
		return
	}
	if err := a.auth.Login(w, r, u, auth.LoginOptions{Remember: f.Remember}); err != nil {
		a.unavailable(w, r, "login: starting the session failed", err)
		return
	}
	next, ok := redirect.SafeNext(f.Next)
	if !ok {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (a *App) loginFailed(w http.ResponseWriter, r *http.Request, f *loginForm, status int, msg string) {
	p := a.page(r, true)
	vals := map[string]string{"email": f.Email, "next": f.Next}
	if f.Remember {
		vals["remember"] = "1"
	}
	p.Form = &web.Form{Values: vals, Errors: map[string]string{web.FormErrorKey: msg}}
	a.render(w, r, status, "login", p)
}

// logout destroys the session server-side and revokes the remember-me
// token. It is POST only (and CSRF-checked), so a link or an <img> cannot
// log anyone out.
func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.auth.Logout(w, r); err != nil {
		a.unavailable(w, r, "logout failed", err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *App) protected(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "protected", a.page(r, false))
}

// currentID returns the logged-in user's id; RequireLogin guarantees one.
func currentID(r *http.Request) int64 {
	if u, ok := auth.CurrentUser(r.Context()).(*appUser); ok {
		return u.id
	}
	return 0
}
