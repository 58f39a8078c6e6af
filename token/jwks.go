package token

import (
	"net/http"
	"strconv"
)

// JWKS returns a handler for /.well-known/jwks.json: the JSON Web Key Set
// (RFC 7517 §5) of the public keys that verify this Manager's tokens, the
// current one and those of the previous masters still in the key ring, each
// with its "kid", "use":"sig" and "alg". Ed25519 keys are OKP JWKs (RFC 8037
// §2), P-256 keys EC JWKs (RFC 7518 §6.2).
//
// With HS256 the set is empty ({"keys":[]}): an HMAC key cannot be
// published, and only this service can verify its tokens.
//
// Responses carry Cache-Control: public, max-age=Config.JWKSMaxAge. When
// rotating, add the new master as current and keep the old one as previous
// for at least AccessTTL + Leeway + JWKSMaxAge, so that verifiers with a
// cached set keep working. Only GET and HEAD are allowed.
func (m *Manager) JWKS() http.Handler {
	cache := "public, max-age=" + strconv.Itoa(int(m.cfg.JWKSMaxAge.Seconds()))
	length := strconv.Itoa(len(m.jwks))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSONError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", cache)
		h.Set("Content-Length", length)
		if r.Method == http.MethodHead {
			return
		}
		w.Write(m.jwks)
	})
}
