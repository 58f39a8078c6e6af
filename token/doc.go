// Package token issues and checks API tokens: short-lived JWT access tokens,
// opaque rotating refresh tokens grouped in families with reuse detection,
// revocation (one token, one login, or every login of a user), a Bearer
// middleware and a JWKS handler.
//
// # Use
//
//	ring := keys.MustNewRing(master)              // from the secrets package
//	tm := token.New(ring, store, token.Config{
//		Issuer:   "https://notes.example",
//		Audience: "https://notes.example/api",
//	})
//	// POST /api/token, after checking the password:
//	pair, err := tm.Issue(ctx, userID)            // JSON-encode pair as the response
//	// POST /api/token/refresh:
//	pair, err = tm.Refresh(ctx, body.RefreshToken) // errors.Is(err, token.ErrInvalid) -> 401
//	// Protected routes:
//	mux.Handle("GET /api/me", tm.Bearer(me))      // token.Subject(r.Context()) in me
//	// POST /api/token/revoke (behind Bearer):
//	c, _ := token.ClaimsFrom(r.Context()); err = tm.Revoke(ctx, c) // 204
//	mux.Handle("GET /.well-known/jwks.json", tm.JWKS())
//
// Store is one of NewMemoryStore (one process), token/sqlitetoken,
// token/pgtoken or token/redistoken.
//
// # Wiring the JSON API
//
// The package has no opinion on request bodies; a typical mapping
// (RFC 6749 §5, RFC 6750 §3):
//
//   - POST /api/token: check the credentials (throttled like the HTML
//     login), then Issue; answer 200 with the Pair as JSON and
//     Cache-Control: no-store. Bad credentials: 401 {"error":...}.
//   - POST /api/token/refresh: Refresh(body.refresh_token). An error
//     matching ErrInvalid (unknown, expired, revoked, reused — reuse has
//     already revoked the family) is a 401 {"error":"invalid_grant"};
//     anything else is a server error (500). Answer success like
//     /api/token.
//   - POST /api/token/revoke, behind Bearer: Revoke(ctx, claims) with the
//     claims from ClaimsFrom, then 204.
//   - GET /api/me and the other API routes: wrap them in Bearer and read
//     Subject(r.Context()). Bearer writes every 401 itself.
//   - GET /.well-known/jwks.json: JWKS().
//   - On a password change or account takeover: RevokeUser.
//
// # Access tokens
//
// An access token is a JWS-signed JWT (RFC 7519) with the header
// {"alg","typ":"at+jwt","kid"} (the RFC 9068 type, so no other JWT signed
// with the same key passes as an access token) and the claims iss, sub,
// aud, exp, nbf, iat, jti and, when it came from a login, fid (the refresh
// family). All are required when verifying; exp, nbf and iat are checked
// with Config.Leeway (30 s) of clock skew. The lifetime is Config.AccessTTL,
// 15 minutes by default: short, because an access token is accepted without
// asking the store about it.
//
// The algorithm is fixed by Config.Algorithm: EdDSA (Ed25519, RFC 8037) by
// default, ES256 or HS256 on request. The "alg" header of a presented token
// is only compared with it (jwt.WithValidMethods), never used to choose a
// verifier, so "alg":"none" in any casing and the HS256-signed-with-the-
// public-key confusion fail. Other header checks follow RFC 8725 (JWT Best
// Current Practices): a token with a "crit" header is rejected (RFC 7515
// §4.1.11: we implement no extension); "jku", "x5u", "jwk" and "x5c" are
// never read, so a token cannot bring its own key; "kid" must name one of our
// keys exactly, a map lookup that a path like "../../dev/null" or a SQL
// fragment simply misses. A token longer than MaxTokenLen (8 KiB) is
// rejected before it is decoded, and base64url decoding is strict.
//
// # Keys and rotation
//
// Keys come from the keys package: ring.Purpose(keys.Token) yields one
// 32-byte key per master secret, with a stable kid. That key is the Ed25519
// seed (EdDSA), the HMAC key (HS256), or the input of an HMAC-based
// derivation of the P-256 scalar (ES256). Tokens are signed with the
// current master's key; verification accepts the keys of all masters in
// the ring. To rotate, make a new master current and keep the old one as
// previous until every token it signed has expired (AccessTTL + Leeway, plus
// JWKSMaxAge for verifiers caching the JWKS); tokens issued before the
// rotation stay valid meanwhile.
//
// # Refresh tokens
//
// A refresh token is 256 random bits (base64url, 43 characters), opaque: it
// means nothing without the store, which keeps only its SHA-256 hash, so a
// leaked database yields no usable token. Each login starts a family
// (Family: ID, user, creation, expiry after Config.RefreshTTL, 30 days).
// Refresh spends the presented token and returns a new pair in one atomic
// store operation: of two concurrent uses of one token at most one wins.
// Presenting a spent token means it was copied, so Refresh revokes the whole
// family and emits authn_token_reuse (OAuth 2.0 Security BCP, RFC 9700
// §4.14.2). Access tokens are never accepted as refresh tokens and refresh
// tokens, not being JWTs, never as access tokens.
//
// # Revocation without a database lookup per request
//
// Revoke (one access token and its family: API logout), RevokeFamily and
// RevokeUser ("log out everywhere": every family of the user, and every
// access token issued before that instant) write a Revocation to the store.
// A revocation matters to access tokens only until the tokens it could
// reject have expired, so the store's set of live revocations stays as
// small as the revocations of the last AccessTTL. Each Manager keeps an
// immutable in-memory copy of it and checks jti, fid and sub with map
// lookups, reloading the copy every Config.RevocationRefresh (5 s). A
// revocation made through a Manager applies to that Manager at once and to
// other instances sharing the store within RevocationRefresh. If the store
// cannot be read for 6 × RevocationRefresh, Verify fails closed with
// ErrUnavailable and Bearer answers 503. Refresh tokens are always checked
// against the store itself.
//
// # Bearer middleware
//
// Bearer reads the token from the Authorization header only (RFC 6750
// §2.1), never from the query string or a cookie, and answers failures with
// RFC 6750 §3 challenges: `WWW-Authenticate: Bearer realm="api",
// error="invalid_token", error_description="..."` and a JSON body
// {"error": "..."}; a request without a token gets a challenge without an
// error attribute. The verified claims are in the request context:
// ClaimsFrom and Subject.
//
// # Why golang-jwt
//
// github.com/golang-jwt/jwt/v5 does the JOSE parsing; this package writes
// none. It was chosen over lestrrat-go/jwx/v3 because it is smaller (no
// JWE, JWK-fetching or JWKS-cache machinery that this profile must not use),
// its v5 parser verifies the method against an allowlist before the key
// function runs and validates exp/nbf/iat/iss/aud with leeway, and its API
// lets this package own the one thing it must decide itself: which key, by
// exact kid. Its gaps — no "crit" check, no required sub/jti/typ, no JWKS —
// are filled here.
//
// # Security events
//
// authn_token_created on Issue, authn_token_revoked on revocations,
// authn_token_reuse on a spent refresh token, authn_token_invalid when
// Bearer rejects a token for anything but expiry.
package token
