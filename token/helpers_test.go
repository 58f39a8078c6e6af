package token

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
)

const (
	testIssuer   = "https://notes.example"
	testAudience = "https://notes.example/api"
)

var (
	masterA = secrets.New("master-secret-A-0123456789abcdef-0123456789")
	masterB = secrets.New("master-secret-B-0123456789abcdef-0123456789")
	masterX = secrets.New("attacker-master-0123456789abcdef-0123456789")
)

// clock is a settable clock for Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Unix(1_800_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// events records the security events emitted through a logger.
type events struct {
	mu    sync.Mutex
	names []string
}

func (e *events) Enabled(context.Context, slog.Level) bool { return true }
func (e *events) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "event" {
			e.mu.Lock()
			e.names = append(e.names, a.Value.String())
			e.mu.Unlock()
		}
		return true
	})
	return nil
}
func (e *events) WithAttrs([]slog.Attr) slog.Handler { return e }
func (e *events) WithGroup(string) slog.Handler      { return e }
func (e *events) count(name string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, x := range e.names {
		if x == name {
			n++
		}
	}
	return n
}

type fixture struct {
	m      *Manager
	store  *MemoryStore
	clock  *clock
	events *events
	ring   *keys.Ring
}

func newFixture(t testing.TB, cfg Config, masters ...secrets.Secret) *fixture {
	t.Helper()
	if len(masters) == 0 {
		masters = []secrets.Secret{masterA}
	}
	f := &fixture{store: NewMemoryStore(), clock: newClock(), events: &events{}}
	f.ring = keys.MustNewRing(masters[0], masters[1:]...)
	if cfg.Issuer == "" {
		cfg.Issuer = testIssuer
	}
	if cfg.Audience == "" {
		cfg.Audience = testAudience
	}
	if cfg.Now == nil {
		cfg.Now = f.clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(f.events)
	}
	f.m = New(f.ring, f.store, cfg)
	return f
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// forge builds a compact JWS from raw header and claims, signed with method
// and key (an empty signature for method nil).
func forge(t testing.TB, header, claims map[string]any, method jwt.SigningMethod, key any) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := b64(h) + "." + b64(c)
	if method == nil {
		return input + "."
	}
	sig, err := method.Sign(input, key)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

// stdHeader and stdClaims are what Issue would produce at now.
func (f *fixture) stdHeader() map[string]any {
	return map[string]any{"alg": string(f.m.cfg.Algorithm), "typ": "at+jwt", "kid": f.m.kid}
}

func (f *fixture) stdClaims() map[string]any {
	now := f.clock.Now().Unix()
	return map[string]any{
		"iss": testIssuer, "sub": "user-1", "aud": testAudience,
		"exp": now + 900, "nbf": now, "iat": now, "jti": "jti-forged-1",
	}
}

// signed signs header and claims with the Manager's own key.
func (f *fixture) signed(t testing.TB, header, claims map[string]any) string {
	return forge(t, header, claims, f.m.method, f.m.sign)
}

func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m)+len(kv)/2)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, k)
		} else {
			out[k] = kv[i+1]
		}
	}
	return out
}

func edPublic(m *Manager) ed25519.PublicKey { return m.verify[m.kid].(ed25519.PublicKey) }

func flipLast(s string) string {
	c := s[len(s)-2] // not the last char: its low bits may be padding
	r := byte('A')
	if c == 'A' {
		r = 'B'
	}
	return s[:len(s)-2] + string(r) + s[len(s)-1:]
}

func replaceSegment(tok string, i int, seg string) string {
	parts := strings.Split(tok, ".")
	parts[i] = seg
	return strings.Join(parts, ".")
}

func keysRing(m ...secrets.Secret) *keys.Ring { return keys.MustNewRing(m[0], m[1:]...) }

func publicFromJWK(t *testing.T, k jwk) any {
	t.Helper()
	switch k.Kty {
	case "OKP":
		return ed25519.PublicKey(unb64(t, k.X))
	case "EC":
		return &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(unb64(t, k.X)), Y: new(big.Int).SetBytes(unb64(t, k.Y))}
	}
	t.Fatalf("kty %q", k.Kty)
	return nil
}
