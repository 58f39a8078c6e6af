package app

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/form"
	"github.com/rampartgo/rampart/internal/notes/store"
	"github.com/rampartgo/rampart/password"
	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/token"
)

// writeJSON writes v with status; API answers are never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// isJSON reports whether the request body is declared as JSON.
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// bindJSON binds a JSON body for the token endpoints, where a body of the
// wrong shape is a malformed request (400), not a validation failure.
func (a *App) bindJSON(w http.ResponseWriter, r *http.Request, dst any) bool {
	if !isJSON(r) {
		jsonError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return false
	}
	if err := a.forms.Bind(r, dst); err != nil {
		status := form.Status(err)
		msg := "malformed request"
		var re *form.RequestError
		if errors.As(err, &re) && re.Message != "" && status != http.StatusUnprocessableEntity {
			msg = re.Message
		}
		switch {
		case status == http.StatusUnprocessableEntity:
			status = http.StatusBadRequest
		case status >= 500:
			a.log.ErrorContext(r.Context(), "api: reading the request failed", "err", err)
			status, msg = http.StatusBadRequest, "malformed request"
		}
		jsonError(w, status, msg)
		return false
	}
	return true
}

// apiToken exchanges an email and password for a token pair, through the
// same throttled credential check as the HTML login.
func (a *App) apiToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if !a.bindJSON(w, r, &body) {
		return
	}
	u, err := a.auth.CheckCredentials(r, body.Email, body.Password)
	var limited *throttle.LimitedError
	switch {
	case errors.As(err, &limited):
		w.Header().Set("Retry-After", limited.RetryAfterHeader())
		jsonError(w, http.StatusTooManyRequests, "too many failed attempts")
		return
	case errors.Is(err, auth.ErrInvalidCredentials):
		jsonError(w, http.StatusUnauthorized, "invalid email or password")
		return
	case err != nil:
		a.apiUnavailable(w, r, "api token: checking credentials failed", err)
		return
	}
	pair, err := a.tokens.Issue(r.Context(), u.AuthID())
	if err != nil {
		a.apiUnavailable(w, r, "api token: issuing failed", err)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, pair)
}

// apiRefresh rotates a refresh token. A spent one revokes its family (the
// token package does that and logs authn_token_reuse).
func (a *App) apiRefresh(w http.ResponseWriter, r *http.Request) {
	var body struct {
		RefreshToken string `json:"refresh_token"`
	}
	if !a.bindJSON(w, r, &body) {
		return
	}
	if body.RefreshToken == "" {
		jsonError(w, http.StatusBadRequest, "refresh_token is required")
		return
	}
	pair, err := a.tokens.Refresh(r.Context(), body.RefreshToken)
	switch {
	case errors.Is(err, token.ErrInvalid):
		jsonError(w, http.StatusUnauthorized, "invalid_grant")
		return
	case err != nil:
		a.apiUnavailable(w, r, "api refresh failed", err)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, pair)
}

// apiRevoke revokes the presented access token and its refresh family.
func (a *App) apiRevoke(w http.ResponseWriter, r *http.Request) {
	c, ok := token.ClaimsFrom(r.Context())
	if !ok {
		jsonError(w, http.StatusUnauthorized, "invalid_token")
		return
	}
	if err := a.tokens.Revoke(r.Context(), c); err != nil {
		a.apiUnavailable(w, r, "api revoke failed", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiUser returns the user the bearer token names, or answers 401 when the
// account no longer exists.
func (a *App) apiUser(w http.ResponseWriter, r *http.Request) (*appUser, bool) {
	u, err := a.users.LoadUser(r.Context(), token.Subject(r.Context()))
	switch {
	case errors.Is(err, auth.ErrNoUser):
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token", error_description="unknown subject"`)
		jsonError(w, http.StatusUnauthorized, "invalid_token")
		return nil, false
	case err != nil:
		a.apiUnavailable(w, r, "api: loading the user failed", err)
		return nil, false
	}
	return u.(*appUser), true
}

func (a *App) apiMe(w http.ResponseWriter, r *http.Request) {
	if u, ok := a.apiUser(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]string{"email": u.email})
	}
}

// noteJSON is a note as the API shows it.
type noteJSON struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

func toJSON(n store.Note) noteJSON {
	return noteJSON{ID: n.ID, Title: n.Title, Body: n.Body, CreatedAt: n.CreatedAt}
}

func (a *App) apiListNotes(w http.ResponseWriter, r *http.Request) {
	u, ok := a.apiUser(w, r)
	if !ok {
		return
	}
	list, err := a.store.NotesByUser(r.Context(), u.id, notesShown)
	if err != nil {
		a.apiUnavailable(w, r, "api notes: listing failed", err)
		return
	}
	out := make([]noteJSON, len(list))
	for i, n := range list {
		out[i] = toJSON(n)
	}
	writeJSON(w, http.StatusOK, map[string]any{"notes": out})
}

// apiCreateNote creates a note: 201, 422 {"errors":{...}}, 400 for unknown
// fields or malformed JSON, 413 over the size limit, 415 for other types.
func (a *App) apiCreateNote(w http.ResponseWriter, r *http.Request) {
	u, ok := a.apiUser(w, r)
	if !ok {
		return
	}
	if !isJSON(r) {
		jsonError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return
	}
	var f noteForm
	if err := a.forms.Bind(r, &f); err != nil {
		if form.Status(err) >= 500 {
			a.apiUnavailable(w, r, "api notes: reading the request failed", err)
			return
		}
		form.WriteJSONError(w, err)
		return
	}
	n, err := a.store.CreateNote(r.Context(), u.id, f.Title, f.Body)
	if err != nil {
		a.apiUnavailable(w, r, "api notes: saving failed", err)
		return
	}
	writeJSON(w, http.StatusCreated, toJSON(n))
}

func (a *App) apiUnavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, password.ErrBusy) {
		a.hashersBusy(r, what, err)
		w.Header().Set("Retry-After", busyRetryAfter)
		jsonError(w, http.StatusTooManyRequests, "too many requests; try again in a few seconds")
		return
	}
	a.log.ErrorContext(r.Context(), what, "err", err, "path", r.URL.Path)
	w.Header().Set("Retry-After", "5")
	jsonError(w, http.StatusServiceUnavailable, "service temporarily unavailable")
}
