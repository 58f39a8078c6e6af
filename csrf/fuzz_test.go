package csrf

import (
	"bytes"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDecodeToken checks the token decoder against encoding/base64's strict
// decoder, and that verification of arbitrary input never passes or panics.
func FuzzDecodeToken(f *testing.F) {
	p := New(testRing(f), Config{})
	secret := bytes.Repeat([]byte{7}, 32)
	// A token with an all-zero pad, so every fuzz worker agrees on it.
	var buf [2 * macLen]byte
	p.macs[0].xorInto(buf[macLen:], zeros[:], tokenLabel, secret)
	valid := base64.RawURLEncoding.EncodeToString(buf[:])
	f.Add(valid)
	f.Add(valid[:TokenLen-1])
	f.Add(valid[:TokenLen-1] + "B") // non-zero trailing bits
	f.Add(strings.Repeat("A", TokenLen))
	f.Add(strings.Repeat("/", TokenLen))
	f.Add(strings.Repeat("=", TokenLen))
	f.Add(valid + "==")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		var got [2 * macLen]byte
		ok := decodeToken(&got, s)
		want, err := base64.RawURLEncoding.Strict().DecodeString(s)
		// encoding/base64 skips \r and \n; tokens never contain them.
		stdOK := err == nil && len(want) == len(got) && !strings.ContainsAny(s, "\r\n")
		if ok != stdOK {
			t.Fatalf("decodeToken(%q) = %v, encoding/base64 says %v (%v)", s, ok, stdOK, err)
		}
		if ok && !bytes.Equal(got[:], want) {
			t.Fatalf("decodeToken(%q) decoded differently", s)
		}
		if ok && base64.RawURLEncoding.EncodeToString(got[:]) != s {
			t.Fatalf("decodeToken(%q) accepted a non-canonical encoding", s)
		}
		if why := p.verify(s, secret); (why == "") != (s == valid) {
			// Only tokens issued for secret verify; a random string
			// verifying would be a 2^-256 event or a bug.
			t.Fatalf("verify(%q) passed", s)
		}
		// The cookie reader sees attacker input too.
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", "__Host-csrf="+s+"; a=b")
		var dst [secretLen]byte
		if p.cookie.read(r.Header["Cookie"], dst[:]) {
			t.Fatalf("forged cookie %q accepted", s)
		}
	})
}
