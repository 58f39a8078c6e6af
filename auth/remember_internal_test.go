package auth

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseRememberValue(t *testing.T) {
	sel := base64.RawURLEncoding.EncodeToString(make([]byte, selectorLen))
	val := base64.RawURLEncoding.EncodeToString(make([]byte, validatorLen))
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"well formed", sel + "." + val, true},
		{"empty", "", false},
		{"no separator", sel + val, false},
		{"wrong separator", sel + ":" + val, false},
		{"std base64 alphabet", strings.Replace(sel, "A", "+", 1) + "." + val, false},
		{"padded", sel + "." + val + "=", false},
		{"short validator", sel + "." + val[:42], false},
		{"non-canonical trailing bits", sel[:21] + "B" + "." + val, false},
		{"path traversal", "../../../../etc/passwd/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"sql fragment", "' OR 1=1--aaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, v, ok := parseRememberValue(tc.in)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && (s != sel || len(v) != validatorLen) {
				t.Fatalf("got %q %x", s, v)
			}
		})
	}
}

// FuzzParseRememberValue: no panic, and anything accepted re-encodes to
// exactly the input (one canonical form per token).
func FuzzParseRememberValue(f *testing.F) {
	f.Add(base64.RawURLEncoding.EncodeToString(make([]byte, selectorLen)) + "." + base64.RawURLEncoding.EncodeToString(make([]byte, validatorLen)))
	f.Add("x.y")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		s, v, ok := parseRememberValue(in)
		if !ok {
			return
		}
		if got := s + "." + base64.RawURLEncoding.EncodeToString(v); got != in {
			t.Fatalf("accepted %q, which re-encodes as %q", in, got)
		}
	})
}
