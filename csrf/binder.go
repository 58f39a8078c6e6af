package csrf

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/rampartgo/rampart/keys"
)

// Binder supplies the secret a client's CSRF tokens are bound to. The
// session package's Manager implements it, so that each session has its own
// secret and renewing the session at login invalidates earlier tokens.
type Binder interface {
	// BindingSecret returns the secret that CSRF tokens for this request's
	// client are bound to (>= 32 random bytes), creating it if needed.
	BindingSecret(w http.ResponseWriter, r *http.Request) ([]byte, error)
}

var _ Binder = (*CookieBinder)(nil)

// CookieConfig configures [NewCookieBinder].
type CookieConfig struct {
	// InsecureDev names the cookie "csrf" instead of "__Host-csrf" and
	// drops the Secure attribute, so it works over plain HTTP on
	// localhost. Default: false.
	InsecureDev bool
}

// CookieBinder is the pre-session [Binder]: it keeps a random 32-byte secret
// in a cookie signed with the ring's keys.CSRF key (HMAC-SHA256; previous
// keys still verify). The cookie is HttpOnly, SameSite=Lax, Path=/, lasts
// until the browser closes, and is named __Host-csrf, so a sibling
// subdomain cannot plant one (cookie tossing). To rotate the secret at
// login before sessions exist, create it yourself, pass it as
// [Config.Binder] and call [CookieBinder.Renew]. It is immutable and safe
// for concurrent use.
type CookieBinder struct {
	name   string
	secure bool
	macs   []*macPool
}

var zeros [macLen]byte

// cookieLen is the encoded length of secret || MAC.
const cookieLen = ((secretLen+macLen)*8 + 5) / 6

// NewCookieBinder returns a CookieBinder keyed from ring. It panics on a
// nil ring.
func NewCookieBinder(ring *keys.Ring, cfg CookieConfig) *CookieBinder {
	if ring == nil {
		panic("rampart/csrf: nil keys.Ring")
	}
	b := &CookieBinder{name: "__Host-csrf", secure: true, macs: macPools(ring, keys.CSRF)}
	if cfg.InsecureDev {
		b.name, b.secure = "csrf", false
	}
	return b
}

// BindingSecret returns the secret in the request's cookie, or sets a new
// cookie and returns its secret. Within one request behind
// [Protection.Handler] it returns the same secret every time.
func (b *CookieBinder) BindingSecret(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	s, err := b.secret(stateOf(r), w, r, true)
	if s == nil || err != nil {
		return nil, err
	}
	return append([]byte(nil), s...), nil
}

// Renew replaces the client's secret with a new one, invalidating every
// token issued before; call it at login and logout while the pre-session
// binder is in use. Behind [Protection.Handler], [Token] returns tokens for
// the new secret from then on.
func (b *CookieBinder) Renew(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	st := stateOf(r)
	var buf [secretLen]byte
	b.mint(st, w, buf[:])
	return append([]byte(nil), buf[:]...), nil
}

// secret returns the secret, memoized in st. The slice may alias st.
func (b *CookieBinder) secret(st *state, w http.ResponseWriter, r *http.Request, create bool) ([]byte, error) {
	if st == nil {
		dst := make([]byte, secretLen)
		if b.read(r.Header["Cookie"], dst) {
			return dst, nil
		}
		if !create {
			return nil, nil
		}
		b.mintLocked(nil, w, dst)
		return dst, nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.haveCookie && st.cookieOf == b {
		return st.cookieSec[:], nil
	}
	if b.read(r.Header["Cookie"], st.cookieSec[:]) {
		st.haveCookie, st.cookieOf = true, b
		return st.cookieSec[:], nil
	}
	if !create {
		return nil, nil
	}
	b.mintLocked(st, w, st.cookieSec[:])
	return st.cookieSec[:], nil
}

// mint makes a new secret in dst, sets the cookie and records it in st.
func (b *CookieBinder) mint(st *state, w http.ResponseWriter, dst []byte) {
	if st != nil {
		st.mu.Lock()
		defer st.mu.Unlock()
	}
	b.mintLocked(st, w, dst)
}

func (b *CookieBinder) mintLocked(st *state, w http.ResponseWriter, dst []byte) {
	var raw [secretLen + macLen]byte
	rand.Read(raw[:secretLen])
	b.macs[0].xorInto(raw[secretLen:], zeros[:], cookieLabel, raw[:secretLen])
	copy(dst, raw[:secretLen])
	if st != nil {
		copy(st.cookieSec[:], raw[:secretLen])
		st.haveCookie, st.cookieOf = true, b
	}
	http.SetCookie(w, &http.Cookie{
		Name:     b.name,
		Value:    base64.RawURLEncoding.EncodeToString(raw[:]),
		Path:     "/",
		Secure:   b.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// read finds a validly signed cookie among the Cookie headers and decodes
// its secret into dst, without allocating.
func (b *CookieBinder) read(headers []string, dst []byte) bool {
	for _, line := range headers {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.TrimSpace(part)
			name, val, ok := strings.Cut(part, "=")
			if !ok || name != b.name || len(val) != cookieLen {
				continue
			}
			var raw [secretLen + macLen]byte
			if !decodeCookie(&raw, val) {
				continue
			}
			for _, m := range b.macs {
				if m.equal(cookieLabel, raw[:secretLen], raw[secretLen:]) {
					copy(dst, raw[:secretLen])
					return true
				}
			}
		}
	}
	return false
}

func decodeCookie(dst *[secretLen + macLen]byte, s string) bool {
	// Same shape as a token: 64 bytes, canonical base64url.
	return decodeToken((*[2 * macLen]byte)(dst), s)
}
