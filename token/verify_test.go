package token

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestVerifyAttacks puts forged and damaged tokens beside ordinary ones.
func TestVerifyAttacks(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	// A token whose base64url text uses '-' or '_', for the alphabet row.
	var good string
	for !strings.ContainsAny(good, "-_") {
		var err error
		if good, err = f.m.IssueAccess(ctx, "user-1"); err != nil {
			t.Fatal(err)
		}
	}
	pair, err := f.m.Issue(ctx, "user-1")
	if err != nil {
		t.Fatal(err)
	}
	h, c := f.stdHeader(), f.stdClaims()
	now := f.clock.Now().Unix()
	pub := edPublic(f.m)
	_, attackerKey, _ := ed25519.GenerateKey(nil)
	attackerPub := attackerKey.Public().(ed25519.PublicKey)
	attackerJWK := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64(attackerPub)}
	other := newFixture(t, Config{}, masterX)
	otherTok, _ := other.m.IssueAccess(ctx, "user-1")
	otherAud := New(f.ring, f.store, Config{Issuer: testIssuer, Audience: "https://billing.example", Now: f.clock.Now})
	otherAudTok, _ := otherAud.IssueAccess(ctx, "user-1")
	// A JWT signed with the same master's key for another purpose.
	sessKey := f.ring.Purpose("session").Current()
	sessSign, _, _ := deriveKey(EdDSA, sessKey.Bytes())
	otherPurpose := forge(t, with(h, "kid", sessKey.ID), c, jwt.SigningMethodEdDSA, sessSign)
	none := func(alg string) string { return forge(t, with(h, "alg", alg), c, nil, nil) }

	tests := []struct {
		name  string
		token string
		want  error // nil: accepted
	}{
		{"issued token", good, nil},
		{"issued with a pair", pair.AccessToken, nil},
		{"forged with our key and standard claims", f.signed(t, h, c), nil},
		{"typ application/at+jwt", f.signed(t, with(h, "typ", "application/at+jwt"), c), nil},
		{"expired within leeway", f.signed(t, h, with(c, "exp", now-20)), nil},
		{"nbf within leeway", f.signed(t, h, with(c, "nbf", now+20)), nil},
		{"aud as array", f.signed(t, h, with(c, "aud", []string{"x", testAudience})), nil},

		// The algorithm comes from our configuration, never from the token.
		{"alg none", none("none"), ErrInvalid},
		{"alg None", none("None"), ErrInvalid},
		{"alg NONE", none("NONE"), ErrInvalid},
		{"alg nOnE", none("nOnE"), ErrInvalid},
		{"alg none with our signature", replaceSegment(good, 0, b64([]byte(`{"alg":"none","typ":"at+jwt","kid":"`+f.m.kid+`"}`))), ErrInvalid},
		{"alg missing", forge(t, with(h, "alg", nil), c, nil, nil), ErrInvalid},
		{"HS256 signed with the public key (key confusion)", forge(t, with(h, "alg", "HS256"), c, jwt.SigningMethodHS256, []byte(pub)), ErrInvalid},
		{"HS256 signed with the public key as base64", forge(t, with(h, "alg", "HS256"), c, jwt.SigningMethodHS256, []byte(b64(pub))), ErrInvalid},
		{"HS256 signed with the key-ring key", forge(t, with(h, "alg", "HS256"), c, jwt.SigningMethodHS256, f.ring.Purpose("token").Current().Bytes()), ErrInvalid},
		{"alg EdDSA lower case", f.signed(t, with(h, "alg", "eddsa"), c), ErrInvalid},

		// kid is an exact lookup among our keys.
		{"kid path traversal", f.signed(t, with(h, "kid", "../../dev/null"), c), ErrInvalid},
		{"kid SQL fragment", f.signed(t, with(h, "kid", "' OR 1=1--"), c), ErrInvalid},
		{"kid with a suffix", f.signed(t, with(h, "kid", f.m.kid+" "), c), ErrInvalid},
		{"kid in other case", f.signed(t, with(h, "kid", strings.ToUpper(f.m.kid)), c), ErrInvalid},
		{"kid missing", f.signed(t, with(h, "kid", nil), c), ErrInvalid},
		{"kid not a string", f.signed(t, with(h, "kid", 7), c), ErrInvalid},
		{"another ring's token", otherTok, ErrInvalid},

		// Key-carrying headers are ignored: the token is judged on our key.
		{"jku ignored, signed by us", f.signed(t, with(h, "jku", "https://evil.example/jwks.json"), c), nil},
		{"x5u ignored, signed by us", f.signed(t, with(h, "x5u", "https://evil.example/cert.pem"), c), nil},
		{"jwk ignored, signed by us", f.signed(t, with(h, "jwk", attackerJWK), c), nil},
		{"x5c ignored, signed by us", f.signed(t, with(h, "x5c", []string{"MIIB"}), c), nil},
		{"jwk with the attacker's key, signed by it", forge(t, with(h, "jwk", attackerJWK), c, jwt.SigningMethodEdDSA, attackerKey), ErrInvalid},
		{"jku to the attacker's keys, signed by them", forge(t, with(h, "jku", "https://evil.example/jwks.json"), c, jwt.SigningMethodEdDSA, attackerKey), ErrInvalid},

		{"crit header", f.signed(t, with(h, "crit", []string{"exp"}), c), ErrInvalid},
		{"crit empty", f.signed(t, with(h, "crit", []string{}), c), ErrInvalid},
		{"b64 false with crit (RFC 7797)", f.signed(t, with(h, "crit", []string{"b64"}, "b64", false), c), ErrInvalid},

		// Token type and purpose.
		{"typ JWT", f.signed(t, with(h, "typ", "JWT"), c), ErrInvalid},
		{"typ missing", f.signed(t, with(h, "typ", nil), c), ErrInvalid},
		{"typ refresh", f.signed(t, with(h, "typ", "rt+jwt"), c), ErrInvalid},
		{"refresh token as access token", pair.RefreshToken, ErrInvalid},
		{"token of another audience (purpose) from the same keys", otherAudTok, ErrInvalid},
		{"signed with another purpose's key of the same master", otherPurpose, ErrInvalid},

		// Claims.
		{"wrong aud", f.signed(t, h, with(c, "aud", "https://evil.example")), ErrInvalid},
		{"aud missing", f.signed(t, h, with(c, "aud", nil)), ErrInvalid},
		{"wrong iss", f.signed(t, h, with(c, "iss", "https://evil.example")), ErrInvalid},
		{"iss missing", f.signed(t, h, with(c, "iss", nil)), ErrInvalid},
		{"expired", f.signed(t, h, with(c, "exp", now-31)), ErrExpired},
		{"exp missing", f.signed(t, h, with(c, "exp", nil)), ErrInvalid},
		{"not yet valid", f.signed(t, h, with(c, "nbf", now+60)), ErrInvalid},
		{"nbf missing", f.signed(t, h, with(c, "nbf", nil)), ErrInvalid},
		{"issued in the future", f.signed(t, h, with(c, "iat", now+60)), ErrInvalid},
		{"iat missing", f.signed(t, h, with(c, "iat", nil)), ErrInvalid},
		{"sub missing", f.signed(t, h, with(c, "sub", nil)), ErrInvalid},
		{"sub empty", f.signed(t, h, with(c, "sub", "")), ErrInvalid},
		{"jti missing", f.signed(t, h, with(c, "jti", nil)), ErrInvalid},

		// Damage.
		{"tampered payload", replaceSegment(good, 1, b64(mustJSON(t, with(c, "sub", "admin")))), ErrInvalid},
		{"tampered signature", flipLast(good), ErrInvalid},
		{"signature removed", replaceSegment(good, 2, ""), ErrInvalid},
		{"truncated by one byte", good[:len(good)-1], ErrInvalid},
		{"truncated to two segments", good[:strings.LastIndexByte(good, '.')], ErrInvalid},
		{"four segments", good + ".x", ErrInvalid},
		{"padded base64", replaceSegment(good, 2, strings.Split(good, ".")[2]+"=="), ErrInvalid},
		{"standard base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(good), ErrInvalid},
		{"whitespace around", " " + good, ErrInvalid},
		{"empty", "", ErrInvalid},
		{"oversized", f.signed(t, h, with(c, "pad", strings.Repeat("x", MaxTokenLen))), ErrInvalid},
		{"header not JSON", "bm90IGpzb24." + strings.SplitN(good, ".", 2)[1], ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			claims, err := f.m.Verify(ctx, tc.token)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want success", err)
				}
				if claims.Subject != "user-1" {
					t.Errorf("Subject = %q", claims.Subject)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify accepted %s", tc.name)
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			if claims != nil {
				t.Error("claims returned with an error")
			}
		})
	}
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyClaims(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	pair, err := f.m.Issue(ctx, "user-7")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.m.Verify(ctx, pair.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	if c.Subject != "user-7" || c.Issuer != testIssuer || len(c.Audience) != 1 || c.Audience[0] != testAudience ||
		c.Family == "" || len(c.ID) < 22 || !c.IssuedAt.Equal(now) || !c.NotBefore.Equal(now) ||
		!c.ExpiresAt.Equal(now.Add(15*time.Minute)) {
		t.Errorf("claims = %+v", c)
	}
	if pair.ExpiresIn != 900 || pair.TokenType != "Bearer" {
		t.Errorf("pair = %d %q", pair.ExpiresIn, pair.TokenType)
	}
	// The header is exactly what the package doc promises.
	var hdr map[string]any
	seg, _ := jwt.NewParser().DecodeSegment(strings.Split(pair.AccessToken, ".")[0])
	json.Unmarshal(seg, &hdr)
	if len(hdr) != 3 || hdr["alg"] != "EdDSA" || hdr["typ"] != "at+jwt" || hdr["kid"] != f.m.kid {
		t.Errorf("header = %v", hdr)
	}
	f.clock.Advance(15*time.Minute + 31*time.Second)
	if _, err := f.m.Verify(ctx, pair.AccessToken); !errors.Is(err, ErrExpired) {
		t.Errorf("after 15m31s: %v, want ErrExpired", err)
	}
}

func TestAlgorithms(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []Algorithm{EdDSA, ES256, HS256} {
		t.Run(string(alg), func(t *testing.T) {
			f := newFixture(t, Config{Algorithm: alg})
			tok, err := f.m.IssueAccess(ctx, "u")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.m.Verify(ctx, tok); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			// The same ring under another algorithm does not accept it.
			for _, other := range []Algorithm{EdDSA, ES256, HS256} {
				if other == alg {
					continue
				}
				g := New(f.ring, f.store, Config{Issuer: testIssuer, Audience: testAudience, Algorithm: other, Now: f.clock.Now})
				if _, err := g.Verify(ctx, tok); !errors.Is(err, ErrInvalid) {
					t.Errorf("%s manager accepted a %s token: %v", other, alg, err)
				}
			}
			// Keys are deterministic: a second Manager from the same ring
			// verifies the first one's tokens.
			g := New(keysRing(masterA), NewMemoryStore(), Config{Issuer: testIssuer, Audience: testAudience, Algorithm: alg, Now: f.clock.Now})
			if _, err := g.Verify(ctx, tok); err != nil {
				t.Errorf("second manager: %v", err)
			}
		})
	}
}
