package secrets

import (
	"crypto/rand"
	"encoding/base64"
)

// GenerateKey returns a new random 256-bit key from crypto/rand, encoded as
// unpadded base64url text (43 characters). Base64url, not standard base64:
// it has no '+' or '/', so it survives URLs, shells and html/template
// unchanged. It passes [Require] with the default requirements and is the
// value `rampart keys generate` prints for SECRET_KEY.
func GenerateKey() Secret {
	b := make([]byte, 32)
	for {
		_, _ = rand.Read(b) // never fails: crypto/rand crashes the program instead
		s := base64.RawURLEncoding.EncodeToString(b)
		// About one key in a million spells a placeholder marker such as
		// "fixme"; draw again rather than fail Require at some startup.
		if !isPlaceholder(s) && !isPattern(s) {
			return New(s)
		}
	}
}
