package token

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rampartgo/rampart/event"
)

// Bearer is middleware that requires a valid access token in the
// Authorization header (RFC 6750 §2.1) and puts its claims in the request
// context for ClaimsFrom and Subject.
//
// Only "Authorization: Bearer <token>" counts, the scheme matched without
// regard to case. A token in the query string (access_token) or in a cookie
// is never read: URLs end up in logs and Referer headers, and a cookie would
// be sent by the browser on cross-site requests (CSRF).
//
// Responses (RFC 6750 §3), each with a JSON body {"error": "..."}:
//   - no Authorization header, or another scheme: 401 with
//     `WWW-Authenticate: Bearer realm="..."` and no error attribute;
//   - more than one Authorization header: 400, error="invalid_request";
//   - an invalid, expired or revoked token: 401, error="invalid_token"
//     and an error_description;
//   - the revocation store unreachable: 503 (fail closed).
func (m *Manager) Bearer(next http.Handler) http.Handler {
	if next == nil {
		panic("rampart/token: Bearer with nil handler")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vals := r.Header["Authorization"]
		if len(vals) == 0 {
			m.deny(w, http.StatusUnauthorized, "", "missing bearer token")
			return
		}
		if len(vals) > 1 {
			m.deny(w, http.StatusBadRequest, "invalid_request", "more than one Authorization header")
			return
		}
		tok, ok := bearerToken(vals[0])
		if !ok {
			m.deny(w, http.StatusUnauthorized, "", "missing bearer token")
			return
		}
		c, err := m.Verify(r.Context(), tok)
		if err != nil {
			m.reject(r.Context(), w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, c)))
	})
}

// bearerToken extracts the token of a Bearer credential. ok is false when
// the scheme is not Bearer.
func bearerToken(h string) (tok string, ok bool) {
	const scheme = "bearer"
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	rest := h[len(scheme):]
	if rest == "" {
		return "", true // "Bearer" alone: a Bearer request with an empty token
	}
	if rest[0] != ' ' {
		return "", false // e.g. "BearerX"
	}
	return strings.TrimLeft(rest, " "), true
}

func (m *Manager) reject(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrUnavailable):
		m.cfg.logger().ErrorContext(ctx, "rampart/token: revocations unavailable", slog.String("error", err.Error()))
		w.Header().Set("Retry-After", "5")
		writeJSONError(w, http.StatusServiceUnavailable, "temporarily_unavailable")
		return
	case errors.Is(err, ErrExpired):
		m.deny(w, http.StatusUnauthorized, "invalid_token", "The access token expired")
		return
	case errors.Is(err, ErrRevoked):
		m.deny(w, http.StatusUnauthorized, "invalid_token", "The access token was revoked")
	default:
		m.deny(w, http.StatusUnauthorized, "invalid_token", "The access token is invalid")
	}
	event.Emit(ctx, m.cfg.Logger, event.TokenInvalid, slog.String("reason", err.Error()),
		slog.String("path", r.URL.Path))
}

// deny writes a Bearer challenge. With errCode "" the challenge has no error
// attribute (RFC 6750 §3.1: the request carried no token).
func (m *Manager) deny(w http.ResponseWriter, status int, errCode, desc string) {
	w.Header().Set("WWW-Authenticate", m.challenge(errCode, desc))
	body := errCode
	if body == "" {
		body = desc
	}
	writeJSONError(w, status, body)
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// msg is one of our constant strings: no escaping needed.
	w.Write([]byte(`{"error":"` + msg + `"}`))
}
