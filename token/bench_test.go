package token

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func BenchmarkIssueAccess(b *testing.B) {
	for _, alg := range []Algorithm{EdDSA, ES256, HS256} {
		b.Run(string(alg), func(b *testing.B) {
			f := newFixture(b, Config{Algorithm: alg})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.m.IssueAccess(ctx, "user-1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIssue is a login: a new family in the memory store and a pair.
func BenchmarkIssue(b *testing.B) {
	f := newFixture(b, Config{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.m.Issue(ctx, "user-1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, alg := range []Algorithm{EdDSA, ES256, HS256} {
		b.Run(string(alg), func(b *testing.B) {
			f := newFixture(b, Config{Algorithm: alg})
			ctx := context.Background()
			tok, _ := f.m.IssueAccess(ctx, "user-1")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.m.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEd25519Verify is the bare signature check inside
// BenchmarkVerify/EdDSA, for comparison.
func BenchmarkEd25519Verify(b *testing.B) {
	f := newFixture(b, Config{})
	tok, _ := f.m.IssueAccess(context.Background(), "user-1")
	i := strings.LastIndexByte(tok, '.')
	input, sig := []byte(tok[:i]), make([]byte, 64)
	copy(sig, unb64(nil, tok[i+1:]))
	pub := edPublic(f.m)
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(pub, input, sig) {
			b.Fatal("bad signature")
		}
	}
}

// BenchmarkBearer is a request through the middleware to a trivial
// handler; compare with BenchmarkVerify for the middleware's own cost.
func BenchmarkBearer(b *testing.B) {
	for _, alg := range []Algorithm{EdDSA, ES256, HS256} {
		b.Run(string(alg), func(b *testing.B) {
			f := newFixture(b, Config{Algorithm: alg})
			tok, _ := f.m.IssueAccess(context.Background(), "user-1")
			h := f.m.Bearer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if Subject(r.Context()) == "" {
					b.Fatal("no subject")
				}
			}))
			r := httptest.NewRequest("GET", "/api/me", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		})
	}
}

// BenchmarkRefresh is one rotation in the memory store.
func BenchmarkRefresh(b *testing.B) {
	f := newFixture(b, Config{})
	ctx := context.Background()
	p, _ := f.m.Issue(ctx, "user-1")
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if p, err = f.m.Refresh(ctx, p.RefreshToken); err != nil {
			b.Fatal(err)
		}
	}
}
