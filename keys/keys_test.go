package keys

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/rampartgo/rampart/secrets"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHKDFVectors runs the SHA-256 test cases of RFC 5869 appendix A
// through derive, the function every purpose key comes from.
func TestHKDFVectors(t *testing.T) {
	tests := []struct {
		name, ikm, salt, info, okm string
		l                          int
	}{
		{
			name: "A.1 basic",
			ikm:  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
			salt: "000102030405060708090a0b0c",
			info: "f0f1f2f3f4f5f6f7f8f9",
			l:    42,
			okm:  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
		},
		{
			name: "A.2 longer inputs",
			ikm:  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
			salt: "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
			info: "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
			l:    82,
			okm:  "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
		},
		{
			name: "A.3 zero-length salt and info",
			ikm:  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
			salt: "",
			info: "",
			l:    42,
			okm:  "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := derive(unhex(t, tc.ikm), unhex(t, tc.salt), unhex(t, tc.info), tc.l)
			if want := unhex(t, tc.okm); !bytes.Equal(got, want) {
				t.Fatalf("OKM = %x, want %x", got, want)
			}
		})
	}
}

var (
	masterA = secrets.New("aaaaaaaa-this-is-master-A-0123456789abcdef")
	masterB = secrets.New("bbbbbbbb-this-is-master-B-0123456789abcdef")
)

func TestNewRingRejectsWeakMasters(t *testing.T) {
	tests := []struct {
		name     string
		current  secrets.Secret
		previous []secrets.Secret
		where    string
	}{
		{"empty current", secrets.Secret{}, nil, "current"},
		{"short current", secrets.New(strings.Repeat("x", MinMasterLen-1)), nil, "current"},
		{"short previous", masterA, []secrets.Secret{secrets.New("short-but-secret-value")}, "previous master #1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRing(tc.current, tc.previous...)
			if !errors.Is(err, ErrWeakMaster) {
				t.Fatalf("err = %v, want ErrWeakMaster", err)
			}
			if !strings.Contains(err.Error(), tc.where) {
				t.Errorf("error %q does not say which master (%s)", err, tc.where)
			}
			if strings.Contains(err.Error(), "short-but-secret-value") {
				t.Errorf("error leaks the secret: %q", err)
			}
		})
	}
	if _, err := NewRing(secrets.New(strings.Repeat("x", MinMasterLen))); err != nil {
		t.Fatalf("exactly MinMasterLen bytes: %v", err)
	}
}

func TestPurposesAreSeparated(t *testing.T) {
	r := MustNewRing(masterA)
	seen := map[string]string{}
	for _, p := range []string{Session, CSRF, Remember, Token, "app"} {
		k := r.Purpose(p).Current()
		if len(k.Bytes()) != KeyLen {
			t.Fatalf("%s: key length %d", p, len(k.Bytes()))
		}
		if other, dup := seen[string(k.Bytes())]; dup {
			t.Fatalf("purposes %s and %s share a key", p, other)
		}
		seen[string(k.Bytes())] = p
		if k.Purpose != p {
			t.Errorf("Purpose = %q, want %q", k.Purpose, p)
		}
	}
	msg := []byte("value")
	if r.Purpose(CSRF).Verify(msg, r.Purpose(Session).Sign(msg)) {
		t.Fatal("a session tag verified as a csrf tag")
	}
}

func TestDerivationIsStable(t *testing.T) {
	a1 := MustNewRing(masterA).Purpose(Session).Current()
	a2 := MustNewRing(masterA).Purpose(Session).Current()
	if a1.ID != a2.ID || !bytes.Equal(a1.Bytes(), a2.Bytes()) {
		t.Fatal("same master and purpose gave different keys")
	}
	b := MustNewRing(masterB).Purpose(Session).Current()
	if a1.ID == b.ID || bytes.Equal(a1.Bytes(), b.Bytes()) {
		t.Fatal("different masters gave the same key")
	}
}

func TestRotation(t *testing.T) {
	msg := []byte("user=42")
	old := MustNewRing(masterA).Purpose(Remember)
	oldTag := old.Sign(msg)

	rotated := MustNewRing(masterB, masterA).Purpose(Remember)
	newTag := rotated.Sign(msg)

	if !rotated.Verify(msg, oldTag) {
		t.Fatal("a tag made before rotation no longer verifies")
	}
	if !rotated.Verify(msg, newTag) {
		t.Fatal("a tag made after rotation does not verify")
	}
	if bytes.Equal(oldTag[:8], newTag[:8]) {
		t.Fatal("new tags are still signed by the old key")
	}
	if old.Verify(msg, newTag) {
		t.Fatal("a ring without the new master accepted its tag")
	}
	if k, ok := rotated.Lookup(old.Current().ID); !ok || !bytes.Equal(k.Bytes(), old.Current().Bytes()) {
		t.Fatal("Lookup by the previous kid failed")
	}
	if got := len(rotated.All()); got != 2 {
		t.Fatalf("All() has %d keys, want 2", got)
	}
	dropped := MustNewRing(masterB).Purpose(Remember)
	if dropped.Verify(msg, oldTag) {
		t.Fatal("a tag of a dropped master still verifies")
	}
}

func TestVerifyRejectsForgeries(t *testing.T) {
	s := MustNewRing(masterA).Purpose(Token)
	msg := []byte("payload")
	tag := s.Sign(msg)
	flip := func(i int) []byte {
		b := bytes.Clone(tag)
		b[i] ^= 1
		return b
	}
	tests := []struct {
		name string
		msg  []byte
		tag  []byte
	}{
		{"other message", []byte("payload!"), tag},
		{"kid flipped", msg, flip(0)},
		{"mac flipped", msg, flip(TagLen - 1)},
		{"truncated", msg, tag[:TagLen-1]},
		{"extended", msg, append(bytes.Clone(tag), 0)},
		{"empty", msg, nil},
		{"zero tag", msg, make([]byte, TagLen)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s.Verify(tc.msg, tc.tag) {
				t.Fatal("forged tag accepted")
			}
		})
	}
	if !s.Verify(msg, tag) {
		t.Fatal("genuine tag rejected")
	}
}

func TestKeyNeverPrintsMaterial(t *testing.T) {
	k := MustNewRing(masterA).Purpose(Session).Current()
	raw := string(k.Bytes())
	hexed := hex.EncodeToString(k.Bytes())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		out := fmt.Sprintf(verb, k)
		if strings.Contains(out, raw) || strings.Contains(out, hexed) {
			t.Fatalf("%s printed key material: %s", verb, out)
		}
	}
}

func TestPurposeConcurrent(t *testing.T) {
	r := MustNewRing(masterA, masterB)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := r.Purpose(fmt.Sprint("p", i%4))
			if !s.Verify([]byte("m"), s.Sign([]byte("m"))) {
				t.Error("round trip failed")
			}
		}(i)
	}
	wg.Wait()
}

func TestEmptyPurposePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for an empty purpose")
		}
	}()
	MustNewRing(masterA).Purpose("")
}

func BenchmarkSign(b *testing.B) {
	s := MustNewRing(masterA).Purpose(CSRF)
	msg := []byte("session-binding-secret-32-bytes!")
	buf := make([]byte, 0, TagLen)
	b.ReportAllocs()
	for b.Loop() {
		buf = s.AppendSign(buf[:0], msg)
	}
}

func BenchmarkVerify(b *testing.B) {
	s := MustNewRing(masterB, masterA).Purpose(CSRF)
	msg := []byte("session-binding-secret-32-bytes!")
	tag := MustNewRing(masterA).Purpose(CSRF).Sign(msg)
	b.ReportAllocs()
	for b.Loop() {
		if !s.Verify(msg, tag) {
			b.Fatal("verify failed")
		}
	}
}
