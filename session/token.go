package session

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// tokenLen is the length of an encoded token: 32 bytes (256 bits) in
// unpadded base64url.
const tokenLen = 43

// token is a session token: 32 bytes from crypto/rand.
type token [32]byte

func newToken() token {
	var t token
	rand.Read(t[:]) // never returns an error (crypto/rand, Go 1.24+)
	return t
}

func (t *token) hash() Hash { return sha256.Sum256(t[:]) }

func (t *token) String() string { return base64.RawURLEncoding.EncodeToString(t[:]) }

// newHandle returns a public session handle: 128 random bits, unrelated
// to the token, in base64url.
func newHandle() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// parseToken decodes an encoded token. It accepts exactly 43 characters
// of the base64url alphabet and refuses non-canonical encodings (stray
// bits in the last character), so every token has exactly one spelling.
// It decodes by hand to avoid the []byte(s) copy that base64's Decode
// needs.
func parseToken(s string) (token, bool) {
	var t token
	if len(s) != tokenLen {
		return t, false
	}
	var bad byte
	j := 0
	for i := 0; i+4 <= 40; i += 4 {
		a, b, c, d := b64(s[i]), b64(s[i+1]), b64(s[i+2]), b64(s[i+3])
		bad |= a | b | c | d
		t[j] = a<<2 | b>>4
		t[j+1] = b<<4 | c>>2
		t[j+2] = c<<6 | d
		j += 3
	}
	a, b, c := b64(s[40]), b64(s[41]), b64(s[42])
	bad |= a | b | c
	t[30] = a<<2 | b>>4
	t[31] = b<<4 | c>>2
	if bad&0x80 != 0 || c&3 != 0 {
		return token{}, false
	}
	return t, true
}

// b64 returns the 6-bit value of a base64url character, or 0xff.
func b64(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A'
	case 'a' <= c && c <= 'z':
		return c - 'a' + 26
	case '0' <= c && c <= '9':
		return c - '0' + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return 0xff
}

// cookieValue returns the value of the first cookie called name in the
// Cookie header lines h, without the allocations of r.Cookie (which
// parses every cookie). nameEq is name + "=". Browsers send the most
// specific cookie first.
func cookieValue(h http.Header, nameEq string) (string, bool) {
	for _, line := range h["Cookie"] {
		for i := 0; i < len(line); {
			j := strings.Index(line[i:], nameEq)
			if j < 0 {
				break
			}
			j += i
			// The name must start a cookie-pair: at the start of the line,
			// or after ";" and optional whitespace.
			k := j
			for k > 0 && (line[k-1] == ' ' || line[k-1] == '\t') {
				k--
			}
			if k == 0 || line[k-1] == ';' {
				v := line[j+len(nameEq):]
				if e := strings.IndexByte(v, ';'); e >= 0 {
					v = v[:e]
				}
				v = strings.TrimRight(v, " \t")
				if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
					v = v[1 : len(v)-1]
				}
				return v, true
			}
			i = j + 1
		}
	}
	return "", false
}
