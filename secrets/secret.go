package secrets

import (
	"crypto/subtle"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
)

// Redacted is what every formatting, logging and encoding path prints in
// place of a secret's value.
const Redacted = "[REDACTED]"

// Secret holds a sensitive value (a key, a password, a token) and refuses to
// print it. Every way Go turns a value into text — fmt with any verb, log/slog,
// encoding/json, encoding.TextMarshaler — yields [Redacted]. [Secret.Reveal]
// is the one way out, so a reviewer can grep for every place a value escapes.
//
// The zero Secret is empty. A Secret is immutable and safe for concurrent use.
type Secret struct {
	// value is unexported and kept behind a pointer so that reflection-based
	// printers (%v on a struct holding a Secret) see only the pointer and a
	// Secret copied by value shares the same backing string.
	value *string
}

// New wraps value as a Secret.
func New(value string) Secret {
	return Secret{value: &value}
}

// Reveal returns the secret's value. It is the only method that does.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// Bytes returns a fresh copy of the secret's value as a byte slice.
func (s Secret) Bytes() []byte {
	return []byte(s.Reveal())
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool {
	return s.value == nil || *s.value == ""
}

// Len returns the length of the value in bytes. Lengths are not secret in
// rampart's threat model (they are visible on the wire anyway) and are needed
// for strength checks.
func (s Secret) Len() int {
	if s.value == nil {
		return 0
	}
	return len(*s.value)
}

// Equal reports whether s and other hold the same value, in time that
// depends only on the lengths of the values, never on their contents.
func (s Secret) Equal(other Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(other.Reveal())) == 1
}

// EqualString reports whether s holds value, in constant time (see Equal).
func (s Secret) EqualString(value string) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(value)) == 1
}

// String returns [Redacted].
func (Secret) String() string { return Redacted }

// GoString returns [Redacted], so %#v does not print the value either.
func (Secret) GoString() string { return Redacted }

// Format writes [Redacted] for every verb and flag (%v %+v %#v %s %q %x %X %d ...).
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// LogValue implements slog.LogValuer: log/slog records [Redacted].
func (Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON encodes the secret as the JSON string "[REDACTED]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler with [Redacted], which covers
// encoders such as encoding/xml and map keys in encoding/json.
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// UnmarshalText implements encoding.TextUnmarshaler, so configuration
// decoders (encoding/json for strings, flag.TextVar, env decoders) can fill
// a Secret field. It refuses the text [Redacted]: a value that went through
// a redacting encoder and back is a mistake, not a key.
func (s *Secret) UnmarshalText(text []byte) error {
	if string(text) == Redacted {
		return errors.New("secrets: refusing to decode " + Redacted + " as a secret value; it is the redaction marker")
	}
	*s = New(string(text))
	return nil
}

var (
	_ fmt.Stringer   = Secret{}
	_ fmt.GoStringer = Secret{}
	_ fmt.Formatter  = Secret{}
	_ slog.LogValuer = Secret{}

	_ encoding.TextMarshaler   = Secret{}
	_ encoding.TextUnmarshaler = (*Secret)(nil)
	_ json.Marshaler           = Secret{}
)
