package token

import (
	"context"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzVerify feeds arbitrary strings to the verifier: it must never panic,
// and anything it accepts must be byte for byte the token our issuer
// produces for the accepted claims (Ed25519 signatures are deterministic and
// not malleable, and base64url decoding is strict). Seeds are tokens issued
// by a Manager with the same keys and clock.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f, Config{})
	ctx := context.Background()
	for _, sub := range []string{"user-1", "user-2"} {
		tok, err := fx.m.IssueAccess(ctx, sub)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
	}
	h, c := fx.stdHeader(), fx.stdClaims()
	f.Add(forge(f, with(h, "alg", "none"), c, nil, nil))
	f.Add(forge(f, with(h, "crit", []string{"exp"}), c, nil, nil))
	f.Add(forge(f, with(h, "kid", "../../dev/null"), c, nil, nil))
	f.Add("eyJhbGciOiJFZERTQSJ9.e30.")
	f.Add("a.b.c")
	f.Add("..")
	f.Add("")
	f.Add(strings.Repeat("A", 100) + "." + strings.Repeat("B", 100) + "." + strings.Repeat("C", 86))
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := fx.m.Verify(ctx, tok)
		if err == nil {
			want, err := fx.m.signClaims(&jwtClaims{
				RegisteredClaims: jwt.RegisteredClaims{
					Issuer: c.Issuer, Subject: c.Subject, Audience: c.Audience,
					ExpiresAt: jwt.NewNumericDate(c.ExpiresAt), NotBefore: jwt.NewNumericDate(c.NotBefore),
					IssuedAt: jwt.NewNumericDate(c.IssuedAt), ID: c.ID,
				},
				Family: c.Family,
			})
			if err != nil || want != tok {
				t.Fatalf("accepted a token we would not issue: %q", tok)
			}
			if c.Subject != "user-1" && c.Subject != "user-2" {
				t.Fatalf("subject %q", c.Subject)
			}
		}
		fx.m.Refresh(ctx, tok) // must not panic either
	})
}
