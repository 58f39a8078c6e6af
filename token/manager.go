package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartgo/rampart/keys"
)

// Algorithm is a JWS signature algorithm (RFC 7518 §3.1, RFC 8037 §3.1).
type Algorithm string

// Supported algorithms. The one a Manager uses is fixed by its Config; the
// "alg" header of a presented token is only compared with it.
const (
	// EdDSA is Ed25519 (RFC 8037): small, fast, deterministic signatures
	// and public verification keys published by the JWKS handler. Default.
	EdDSA Algorithm = "EdDSA"
	// ES256 is ECDSA on P-256 with SHA-256 (RFC 7518 §3.4), for clients
	// whose JOSE libraries lack EdDSA.
	ES256 Algorithm = "ES256"
	// HS256 is HMAC-SHA256 (RFC 7518 §3.2): the same secret signs and
	// verifies, so only this service can verify its tokens, and the JWKS
	// handler publishes no key.
	HS256 Algorithm = "HS256"
)

// MaxTokenLen is the longest access token Verify parses, in bytes. Ours are
// about 400; anything longer is rejected before any decoding.
const MaxTokenLen = 8 << 10

// AccessTokenType is the "typ" header of every access token (RFC 9068 §2.1).
// Verify requires it, so that no other JWT signed with the same key passes
// as an access token.
const AccessTokenType = "at+jwt"

// Config configures a Manager. Every field's doc ends with its default;
// Issuer and Audience have none and must be set.
type Config struct {
	// Issuer is the "iss" claim written and required, usually the service's
	// HTTPS origin. Required.
	Issuer string
	// Audience is the "aud" claim written and required: the API the tokens
	// are for. Required.
	Audience string
	// Algorithm signs new tokens and is the only one accepted. Default EdDSA.
	Algorithm Algorithm
	// AccessTTL is the lifetime of an access token. Keep it short: an access
	// token is checked without a store round trip. Default 15 minutes.
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of a refresh family, counted from the
	// login; rotation does not extend it. Default 30 days.
	RefreshTTL time.Duration
	// Leeway is the clock skew tolerated on exp, nbf and iat; at most
	// 5 minutes. Default 30 seconds.
	Leeway time.Duration
	// Realm is the realm of WWW-Authenticate challenges; printable ASCII
	// without quotes or backslashes. Default "api".
	Realm string
	// RevocationRefresh is how often the in-memory copy of the store's
	// revocations is reloaded: the longest a revocation made by another
	// instance takes to reach this one. Default 5 seconds.
	RevocationRefresh time.Duration
	// JWKSMaxAge is the Cache-Control max-age of the JWKS handler. Default
	// 5 minutes.
	JWKSMaxAge time.Duration
	// Logger receives security events. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Manager issues, refreshes, verifies and revokes tokens. It is safe for
// concurrent use.
type Manager struct {
	cfg    Config
	store  Store
	method jwt.SigningMethod
	kid    string
	sign   any            // signing key of the current kid
	verify map[string]any // verification key by kid, current and previous
	parser *jwt.Parser
	jwks   []byte

	rev      atomic.Pointer[revocationSet]
	revMu    sync.Mutex // serializes reloads and local additions
	revRetry atomic.Int64
}

// New returns a Manager whose signing keys are derived from ring (purpose
// keys.Token) and whose refresh families and revocations live in store.
// It panics if ring or store is nil or cfg is invalid (programmer mistakes).
func New(ring *keys.Ring, store Store, cfg Config) *Manager {
	if ring == nil {
		panic("rampart/token: nil *keys.Ring")
	}
	if store == nil {
		panic("rampart/token: nil Store")
	}
	cfg = withDefaults(cfg)
	m := &Manager{cfg: cfg, store: store, verify: map[string]any{}}
	set := ring.Purpose(keys.Token)
	var jwks []jwk
	for i, k := range set.All() {
		signKey, verifyKey, pub := deriveKey(cfg.Algorithm, k.Bytes())
		if i == 0 {
			m.kid, m.sign = k.ID, signKey
		}
		m.verify[k.ID] = verifyKey
		if pub != nil {
			pub.Kid = k.ID
			jwks = append(jwks, *pub)
		}
	}
	m.method = jwt.GetSigningMethod(string(cfg.Algorithm))
	m.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{string(cfg.Algorithm)}),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
		jwt.WithExpirationRequired(),
		jwt.WithNotBeforeRequired(),
		jwt.WithIssuedAt(),
		jwt.WithStrictDecoding(),
	)
	if jwks == nil {
		jwks = []jwk{}
	}
	m.jwks, _ = json.Marshal(struct {
		Keys []jwk `json:"keys"`
	}{jwks})
	return m
}

func withDefaults(cfg Config) Config {
	if cfg.Issuer == "" {
		panic("rampart/token: Config.Issuer is required")
	}
	if cfg.Audience == "" {
		panic("rampart/token: Config.Audience is required")
	}
	switch cfg.Algorithm {
	case "":
		cfg.Algorithm = EdDSA
	case EdDSA, ES256, HS256:
	default:
		panic("rampart/token: unsupported Config.Algorithm " + strconv.Quote(string(cfg.Algorithm)))
	}
	if cfg.AccessTTL == 0 {
		cfg.AccessTTL = 15 * time.Minute
	}
	if cfg.RefreshTTL == 0 {
		cfg.RefreshTTL = 30 * 24 * time.Hour
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	if cfg.AccessTTL < time.Second || cfg.RefreshTTL < time.Second {
		panic("rampart/token: Config.AccessTTL and RefreshTTL must be at least 1s")
	}
	if cfg.Leeway < 0 || cfg.Leeway > 5*time.Minute {
		panic("rampart/token: Config.Leeway must be between 0 and 5 minutes")
	}
	if cfg.Realm == "" {
		cfg.Realm = "api"
	}
	for _, c := range cfg.Realm {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			panic("rampart/token: Config.Realm must be printable ASCII without quotes or backslashes")
		}
	}
	if cfg.RevocationRefresh <= 0 {
		cfg.RevocationRefresh = 5 * time.Second
	}
	if cfg.JWKSMaxAge <= 0 {
		cfg.JWKSMaxAge = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// jwk is a public JSON Web Key (RFC 7517 §4, RFC 8037 §2, RFC 7518 §6.2).
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y,omitempty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// deriveKey turns one 32-byte purpose key into the algorithm's signing key,
// verification key and public JWK (nil for HS256).
func deriveKey(alg Algorithm, key []byte) (sign, verify any, pub *jwk) {
	b64 := base64.RawURLEncoding.EncodeToString
	switch alg {
	case EdDSA:
		priv := ed25519.NewKeyFromSeed(key)
		p := priv.Public().(ed25519.PublicKey)
		return priv, p, &jwk{Kty: "OKP", Crv: "Ed25519", X: b64(p), Use: "sig", Alg: string(EdDSA)}
	case ES256:
		// A P-256 scalar must be in [1, n-1]; a 32-byte HMAC output is
		// outside that range with probability about 2^-32, so try a counter.
		for i := 0; ; i++ {
			mac := hmac.New(sha256.New, key)
			mac.Write([]byte("rampart/token ES256 scalar " + strconv.Itoa(i)))
			priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), mac.Sum(nil))
			if err != nil {
				continue
			}
			point, err := priv.PublicKey.Bytes() // 0x04 || X || Y
			if err != nil {
				panic("rampart/token: " + err.Error())
			}
			return priv, &priv.PublicKey, &jwk{Kty: "EC", Crv: "P-256", X: b64(point[1:33]), Y: b64(point[33:]), Use: "sig", Alg: string(ES256)}
		}
	default: // HS256
		return key, key, nil
	}
}

// challenge is the WWW-Authenticate value for a request without a token.
func (m *Manager) challenge(errCode, desc string) string {
	var b strings.Builder
	b.WriteString(`Bearer realm="`)
	b.WriteString(m.cfg.Realm)
	b.WriteByte('"')
	if errCode != "" {
		b.WriteString(`, error="` + errCode + `", error_description="` + desc + `"`)
	}
	return b.String()
}

func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}
