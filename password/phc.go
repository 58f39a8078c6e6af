package password

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// ErrMalformedHash is matched (with errors.Is) by every error about a stored
// hash that cannot be parsed: an unknown algorithm, a corrupted string, or
// parameters outside the package's bounds. It indicates bad data on the
// server side, never a wrong password. Its text never contains the hash.
var ErrMalformedHash = errors.New("password: malformed or unsupported password hash")

func malformed(reason string) error {
	return fmt.Errorf("%w: %s", ErrMalformedHash, reason)
}

const argon2idPrefix = "$argon2id$"

// argon2Version is the only Argon2 version golang.org/x/crypto implements
// (0x13, RFC 9106). Hashes without "v=" are version 0x10 and are rejected.
const argon2Version = 19

// b64 is the PHC string format's base64: standard alphabet, no padding.
// Strict rejects non-zero trailing bits, so every salt and tag has exactly
// one accepted spelling.
var b64 = base64.RawStdEncoding.Strict()

// phcHash is a parsed argon2id PHC string.
type phcHash struct {
	params Params // SaltLength and KeyLength are those of salt and key
	salt   []byte
	key    []byte
}

// encodePHC formats an argon2id hash. The result parses back to the same
// values with parsePHC.
func encodePHC(p Params, salt, key []byte) string {
	var b strings.Builder
	b.Grow(64 + b64.EncodedLen(len(salt)) + b64.EncodedLen(len(key)))
	b.WriteString(argon2idPrefix)
	b.WriteString("v=")
	b.WriteString(strconv.Itoa(argon2Version))
	b.WriteString("$m=")
	b.WriteString(strconv.FormatUint(uint64(p.Memory), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(p.Iterations), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(p.Parallelism), 10))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(salt))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(key))
	return b.String()
}

// parsePHC parses an argon2id PHC string strictly. It checks every bound
// before it allocates or computes anything that depends on the values.
func parsePHC(s string) (phcHash, error) {
	var h phcHash
	if len(s) > maxEncodedLength {
		return h, malformed("hash too long")
	}
	rest, ok := strings.CutPrefix(s, argon2idPrefix)
	if !ok {
		return h, malformed("not an argon2id hash")
	}
	// Exactly four fields remain: version, parameters, salt, tag.
	fields := strings.Split(rest, "$")
	if len(fields) != 4 {
		return h, malformed("wrong number of fields")
	}
	v, ok := cutParam(fields[0], "v")
	if !ok {
		return h, malformed("bad version field")
	}
	if version, err := parseDecimal(v, 10); err != nil || version != argon2Version {
		return h, malformed("unsupported argon2 version")
	}
	ps := strings.Split(fields[1], ",")
	if len(ps) != 3 {
		return h, malformed("parameters must be m, t and p")
	}
	var vals [3]uint64
	for i, name := range [3]string{"m", "t", "p"} {
		raw, ok := cutParam(ps[i], name)
		if !ok {
			return h, malformed("parameters must be m, t and p in that order")
		}
		n, err := parseDecimal(raw, 10)
		if err != nil {
			return h, malformed("bad " + name + " parameter")
		}
		vals[i] = n
	}
	if vals[0] > MaxMemory || vals[1] > MaxIterations || vals[2] > MaxParallelism {
		return h, malformed("parameters above limits")
	}
	// The bounds above keep these conversions exact.
	h.params = Params{Memory: uint32(vals[0]), Iterations: uint32(vals[1]), Parallelism: uint8(vals[2])}
	if len(fields[2]) > b64.EncodedLen(maxSaltLength) || len(fields[3]) > b64.EncodedLen(maxKeyLength) {
		return h, malformed("salt or tag too long")
	}
	// encoding/base64 skips \r and \n; only the alphabet itself is allowed.
	if !isB64(fields[2]) || !isB64(fields[3]) {
		return h, malformed("bad base64 character")
	}
	var err error
	if h.salt, err = b64.DecodeString(fields[2]); err != nil {
		return h, malformed("bad salt encoding")
	}
	if h.key, err = b64.DecodeString(fields[3]); err != nil {
		return h, malformed("bad tag encoding")
	}
	h.params.SaltLength = uint32(len(h.salt))
	h.params.KeyLength = uint32(len(h.key))
	if err := h.params.validate(); err != nil {
		return h, malformed(err.Error())
	}
	return h, nil
}

// cutParam returns v from "name=v".
func cutParam(s, name string) (string, bool) {
	k, v, ok := strings.Cut(s, "=")
	return v, ok && k == name
}

// parseDecimal parses a PHC decimal: digits only, no sign, no leading zero
// (so each value has one spelling), at most maxDigits digits.
func parseDecimal(s string, maxDigits int) (uint64, error) {
	if s == "" || len(s) > maxDigits || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("bad decimal")
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, errors.New("bad decimal")
		}
		n = n*10 + uint64(c-'0')
	}
	return n, nil
}

// isBcrypt reports whether s looks like a bcrypt hash this package verifies.
func isBcrypt(s string) bool {
	return len(s) == 60 && (strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$"))
}

// checkBcrypt validates an imported bcrypt hash's shape and cost.
func checkBcrypt(s string) error {
	if !isBcrypt(s) {
		return malformed("not a bcrypt hash")
	}
	// Parse the cost ourselves first: bcrypt.Cost accepts up to 31.
	if s[6] != '$' {
		return malformed("bad bcrypt cost")
	}
	cost, err := parseDecimalPadded(s[4:6])
	if err != nil || cost < bcrypt.MinCost || cost > MaxBcryptCost {
		return malformed("bcrypt cost outside limits")
	}
	for i := 7; i < len(s); i++ {
		if !isBcryptBase64(s[i]) {
			return malformed("bad bcrypt encoding")
		}
	}
	if _, err := bcrypt.Cost([]byte(s)); err != nil {
		return malformed("bad bcrypt hash")
	}
	return nil
}

// parseDecimalPadded parses bcrypt's two-digit, zero-padded cost.
func parseDecimalPadded(s string) (int, error) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, errors.New("bad cost")
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), nil
}

// isBcryptBase64 reports whether c is in bcrypt's base64 alphabet.
func isBcryptBase64(c byte) bool {
	return c == '.' || c == '/' || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9')
}

// isB64 reports whether s uses only the standard base64 alphabet.
func isB64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '+' || c == '/') {
			return false
		}
	}
	return true
}
