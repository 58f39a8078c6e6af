// Package secretsfile is the private wire format of rampart's encrypted
// secrets file.
//
// # Envelope
//
// The file on disk is an age file (https://age-encryption.org/v1) in binary
// form, encrypted to one or more X25519 recipients. See [Seal] and [Open].
//
// # Plaintext
//
// The decrypted plaintext is a header line followed by a JSON object whose
// members are secret names and string values:
//
//	rampart-secrets/v1
//	{
//	  "DATABASE_PASSWORD": "…",
//	  "SECRET_KEY": "…"
//	}
//
// The header names the format and its version, so a stray age file is never
// mistaken for a secrets file. The parser is strict: exactly one JSON object,
// only string values, no duplicate names, names matching [ValidName], values
// that are non-empty valid UTF-8 without control characters other than tab,
// CR and LF, and nothing after the object. [Encode] writes the canonical form
// (sorted names, two-space indentation), and Parse(Encode(m)) == m.
//
// Error messages name secrets and line numbers but never quote values.
package secretsfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"filippo.io/age"
)

// Header is the first line of every plaintext.
const Header = "rampart-secrets/v1\n"

// Limits on what Parse accepts. They bound memory and keep the file a
// list of secrets rather than a data store.
const (
	MaxPlaintext = 1 << 20 // bytes of plaintext
	MaxNameLen   = 128     // bytes per name
	MaxEntries   = 1000    // secrets per file
)

// ErrWrongKey is returned by Open when the file was not encrypted to the
// given identity.
var ErrWrongKey = errors.New("not encrypted to this master key")

// ErrCorrupt is returned by Open when the envelope is damaged, truncated or
// not an age file.
var ErrCorrupt = errors.New("not a valid encrypted secrets file (corrupted or truncated)")

// SyntaxError reports a malformed plaintext. It carries a line number and a
// description that never includes the value being parsed.
type SyntaxError struct {
	Line int    // 1-based line of the plaintext where the problem was found; 0 if unknown
	Msg  string // what is wrong
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// ValidName reports whether name can be used as a secret name: 1 to
// MaxNameLen bytes of ASCII letters, digits and underscores, not starting
// with a digit. These names are valid environment variable names and safe
// file names (no path separators, no dots).
func ValidName(name string) bool {
	if name == "" || len(name) > MaxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// ValidValue reports whether value can be stored: non-empty valid UTF-8 with
// no control characters other than tab, CR and LF (PEM blocks are fine),
// and no U+FFFD replacement character.
func ValidValue(value string) bool {
	if value == "" || !utf8.ValidString(value) {
		return false
	}
	for _, r := range value {
		// U+FFFD is what decoders put in place of invalid input (a lone
		// surrogate in a JSON escape): refuse it rather than store a
		// silently altered value.
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// Parse parses a plaintext: the header line followed by a JSON object.
func Parse(b []byte) (map[string]string, error) {
	if len(b) > MaxPlaintext {
		return nil, &SyntaxError{Msg: fmt.Sprintf("plaintext larger than %d bytes", MaxPlaintext)}
	}
	if !bytes.HasPrefix(b, []byte(Header)) {
		return nil, &SyntaxError{Line: 1, Msg: fmt.Sprintf("missing header %q", strings.TrimSuffix(Header, "\n"))}
	}
	m, err := ParseJSON(b[len(Header):])
	if se, ok := errors.AsType[*SyntaxError](err); ok && se.Line > 0 {
		se.Line++ // account for the header line
	}
	return m, err
}

// ParseJSON parses the JSON object alone, without the header line. It is
// what a user edits.
func ParseJSON(b []byte) (map[string]string, error) {
	if len(b) > MaxPlaintext {
		return nil, &SyntaxError{Msg: fmt.Sprintf("plaintext larger than %d bytes", MaxPlaintext)}
	}
	if !utf8.Valid(b) {
		// encoding/json would silently replace invalid bytes with U+FFFD.
		return nil, &SyntaxError{Line: lineAt(b, firstInvalidUTF8(b)), Msg: "invalid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	syntax := func(msg string) error {
		return &SyntaxError{Line: lineAt(b, int(dec.InputOffset())), Msg: msg}
	}
	// tokenErr turns a decoder error into a SyntaxError without the
	// decoder's message, which can quote a character of a value.
	tokenErr := func(err error) error {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			return &SyntaxError{Line: lineAt(b, int(se.Offset)), Msg: "invalid JSON"}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &SyntaxError{Line: lineAt(b, len(b)), Msg: "unexpected end of input"}
		}
		return syntax("invalid JSON")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, tokenErr(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, syntax("expected a JSON object of NAME: \"value\" pairs")
	}
	m := make(map[string]string)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, tokenErr(err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, syntax("expected a secret name")
		}
		if !ValidName(name) {
			return nil, syntax(fmt.Sprintf("invalid secret name (not shown, in case it holds a value): use letters, digits and _, not starting with a digit, at most %d bytes", MaxNameLen))
		}
		if _, dup := m[name]; dup {
			return nil, syntax(fmt.Sprintf("duplicate secret name %q", name))
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, tokenErr(err)
		}
		value, ok := tok.(string)
		if !ok {
			if d, isDelim := tok.(json.Delim); isDelim && (d == '{' || d == '[') {
				return nil, syntax(fmt.Sprintf("value of %s must be a string, not a nested object or array", name))
			}
			return nil, syntax(fmt.Sprintf("value of %s must be a JSON string", name))
		}
		if !ValidValue(value) {
			return nil, syntax(fmt.Sprintf("value of %s is empty or contains control characters", name))
		}
		if len(m) == MaxEntries {
			return nil, syntax(fmt.Sprintf("more than %d secrets", MaxEntries))
		}
		m[name] = value
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, tokenErr(err)
	}
	// Only whitespace may follow the object.
	rest := b[dec.InputOffset():]
	if i := bytes.IndexFunc(rest, func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) }); i >= 0 {
		return nil, &SyntaxError{Line: lineAt(b, int(dec.InputOffset())+i), Msg: "unexpected data after the JSON object"}
	}
	return m, nil
}

// Encode returns the canonical plaintext for m: the header line and
// [EncodeJSON]. It panics if m holds an invalid name or value (callers
// validate with ValidName and ValidValue first).
func Encode(m map[string]string) []byte {
	return append([]byte(Header), EncodeJSON(m)...)
}

// EncodeJSON returns the canonical JSON object for m: names sorted, one
// member per line, two-space indentation, a final newline.
func EncodeJSON(m map[string]string) []byte {
	names := make([]string, 0, len(m))
	for name, value := range m {
		if !ValidName(name) || !ValidValue(value) {
			panic("rampart/secretsfile: invalid name or value")
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	if len(names) == 0 {
		buf.WriteString("{}\n")
		return buf.Bytes()
	}
	buf.WriteString("{\n")
	for i, name := range names {
		buf.WriteString("  ")
		writeString(&buf, name)
		buf.WriteString(": ")
		writeString(&buf, m[name])
		if i < len(names)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("}\n")
	return buf.Bytes()
}

func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	buf.Truncate(buf.Len() - 1)
}

// Seal encrypts the canonical plaintext of m to the recipients.
func Seal(m map[string]string, recipients ...age.Recipient) ([]byte, error) {
	var out bytes.Buffer
	w, err := age.Encrypt(&out, recipients...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(Encode(m)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Open decrypts ciphertext with identity and parses the plaintext. It
// returns an error wrapping ErrWrongKey, ErrCorrupt or a *SyntaxError.
func Open(ciphertext []byte, identity age.Identity) (map[string]string, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), identity)
	if err != nil {
		if _, ok := errors.AsType[*age.NoIdentityMatchError](err); ok {
			return nil, ErrWrongKey
		}
		// age's message may describe the header; it holds no secret,
		// but ErrCorrupt says all a user can act on.
		return nil, ErrCorrupt
	}
	plain, err := io.ReadAll(io.LimitReader(r, MaxPlaintext+1))
	if err != nil {
		return nil, ErrCorrupt
	}
	return Parse(plain)
}

func lineAt(b []byte, off int) int {
	if off > len(b) {
		off = len(b)
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(b[:off], []byte("\n")) + 1
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}
