package password

import (
	"context"
	"testing"
)

// Benchmarks use the default (OWASP) parameters: they measure what a login
// costs in production.

const benchPassword = "correct horse battery staple"

func benchHasher(b *testing.B) (*Hasher, string) {
	b.Helper()
	h := New(Config{})
	enc, err := h.Hash(context.Background(), benchPassword)
	if err != nil {
		b.Fatal(err)
	}
	return h, enc
}

func BenchmarkHash(b *testing.B) {
	h, _ := benchHasher(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, benchPassword); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h, enc := benchHasher(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := h.Verify(ctx, benchPassword, enc); !ok || err != nil {
			b.Fatal("verify failed")
		}
	}
}

// BenchmarkTimingParity is the pair to compare: a wrong password for an
// existing user versus the dummy verification for an unknown user. Their
// ns/op should agree within noise.
func BenchmarkTimingParity(b *testing.B) {
	h, enc := benchHasher(b)
	ctx := context.Background()
	b.Run("WrongPasswordExistingUser", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := h.Verify(ctx, "correct horse battery stapler", enc); ok || err != nil {
				b.Fatal("wrong password accepted")
			}
		}
	})
	b.Run("UnknownUserDummy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := h.VerifyDummy(ctx, "correct horse battery stapler"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkVerifyBcryptCost10(b *testing.B) {
	h := New(Config{})
	// bcrypt("bobs old password", cost 10), as imported from an old system.
	const enc = "$2a$10$jHUjzFbRGE26jer6Dq3UzOcoiWXJBgoqTFO5X0vw/4YdLcr2Si2GS"
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := h.Verify(ctx, "bobs old password", enc); !ok || err != nil {
			b.Fatal("verify failed")
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	h := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Check(benchPassword, "alice@example.com"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePHC(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parsePHC(validPHC); err != nil {
			b.Fatal(err)
		}
	}
}
