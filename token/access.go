package token

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the verified claims of an access token.
type Claims struct {
	// Subject is the user ID ("sub").
	Subject string
	// Issuer is the "iss" claim; always Config.Issuer.
	Issuer string
	// Audience is the "aud" claim; it contains Config.Audience.
	Audience []string
	// ID is the token's unique "jti", the handle for revoking it alone.
	ID string
	// Family is the refresh family the token was issued from ("fid"); empty
	// for tokens from IssueAccess.
	Family string
	// IssuedAt, NotBefore and ExpiresAt are "iat", "nbf" and "exp".
	IssuedAt, NotBefore, ExpiresAt time.Time
}

// jwtClaims is the wire form of an access token's payload.
type jwtClaims struct {
	jwt.RegisteredClaims
	Family string `json:"fid,omitempty"`
}

// Validate implements jwt.ClaimsValidator: the claims golang-jwt does not
// require by itself.
func (c *jwtClaims) Validate() error {
	if c.Subject == "" || c.ID == "" || len(c.ID) > 64 || c.IssuedAt == nil || c.NotBefore == nil {
		return errClaims
	}
	return nil
}

// IssueAccess returns a signed access token for userID that belongs to no
// refresh family (for service accounts or tests; use Issue for logins). It
// can be revoked by its jti or with RevokeUser.
func (m *Manager) IssueAccess(ctx context.Context, userID string) (string, error) {
	return m.issueAccess(userID, "", m.cfg.Now())
}

func (m *Manager) issueAccess(userID, family string, now time.Time) (string, error) {
	if userID == "" {
		panic("rampart/token: empty user ID")
	}
	iat := jwt.NewNumericDate(now)
	c := &jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    m.cfg.Issuer,
			Subject:   userID,
			Audience:  jwt.ClaimStrings{m.cfg.Audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(m.cfg.AccessTTL)),
			NotBefore: iat,
			IssuedAt:  iat,
			ID:        randomID(),
		},
		Family: family,
	}
	return m.signClaims(c)
}

func (m *Manager) signClaims(c *jwtClaims) (string, error) {
	t := &jwt.Token{
		Header: map[string]any{"alg": m.method.Alg(), "typ": AccessTokenType, "kid": m.kid},
		Claims: c,
		Method: m.method,
	}
	return t.SignedString(m.sign)
}

// Verify checks an access token and returns its claims. Every failure
// matches ErrInvalid (ErrExpired, ErrRevoked for those cases), except
// ErrUnavailable when the revocation state cannot be loaded.
//
// Checks, in order: length at most MaxTokenLen; compact JWS syntax with
// strict base64url; "alg" equal to Config.Algorithm; no "crit" header;
// "typ" at+jwt; "kid" naming one of our keys exactly; the signature; "iss",
// "aud", "exp", "nbf", "iat" (within Config.Leeway), "sub" and "jti"
// present; then the revocations of its jti, its family and its user. The
// "jku", "x5u", "jwk" and "x5c" headers are never read.
func (m *Manager) Verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > MaxTokenLen {
		return nil, errTooLong
	}
	if token == "" {
		return nil, errMalformed
	}
	var c jwtClaims
	if _, err := m.parser.ParseWithClaims(token, &c, m.keyFor); err != nil {
		return nil, classify(err)
	}
	revs, err := m.revocations(ctx)
	if err != nil {
		return nil, err
	}
	if revs.revoked(&c) {
		return nil, ErrRevoked
	}
	return &Claims{
		Subject:   c.Subject,
		Issuer:    c.Issuer,
		Audience:  c.Audience,
		ID:        c.ID,
		Family:    c.Family,
		IssuedAt:  c.IssuedAt.Time,
		NotBefore: c.NotBefore.Time,
		ExpiresAt: c.ExpiresAt.Time,
	}, nil
}

// keyFor is the jwt.Keyfunc. golang-jwt has already compared "alg" with
// our one algorithm (WithValidMethods), so the key type always matches it:
// an HS256 token signed with our public key never reaches a key here.
func (m *Manager) keyFor(t *jwt.Token) (any, error) {
	// RFC 7515 §4.1.11: a recipient that does not understand every listed
	// extension must reject the JWS. We understand none.
	if _, ok := t.Header["crit"]; ok {
		return nil, errCrit
	}
	typ, _ := t.Header["typ"].(string)
	if !strings.EqualFold(typ, AccessTokenType) && !strings.EqualFold(typ, "application/"+AccessTokenType) {
		return nil, errType
	}
	// An exact map lookup: a kid such as "../../dev/null" or "' OR 1=1--"
	// is just not found; it never reaches a file system or a query.
	kid, _ := t.Header["kid"].(string)
	key, ok := m.verify[kid]
	if !ok {
		return nil, errKid
	}
	return key, nil
}

// classify maps a golang-jwt error to our reasons, keeping the library's
// text for logs.
func classify(err error) error {
	var inv *invalidError
	switch {
	case errors.As(err, &inv):
		return &rejection{reason: inv}
	case errors.Is(err, jwt.ErrTokenExpired):
		return &rejection{reason: errExpired, detail: err}
	case errors.Is(err, jwt.ErrTokenMalformed):
		return &rejection{reason: errMalformed, detail: err}
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return &rejection{reason: errSignature, detail: err}
	}
	return &rejection{reason: errClaims, detail: err}
}

// randomID returns 16 random bytes (128 bits), base64url encoded.
func randomID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
