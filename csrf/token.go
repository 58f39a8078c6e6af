package csrf

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/rampartgo/rampart/keys"
)

const (
	macLen = sha256.Size
	// TokenLen is the length of an encoded token: base64url (no padding)
	// of a 32-byte pad and the 32-byte masked HMAC.
	TokenLen = (2*macLen*8 + 5) / 6
	// secretLen is the size of the built-in binder's secrets.
	secretLen = 32
	// minSecretLen is the shortest binding secret accepted from a Binder.
	minSecretLen = 32
	// maxMultipartMemory bounds the memory multipart parsing uses.
	maxMultipartMemory = 8 << 20
)

// Domain-separation labels, so a MAC made for one use is useless in another.
var (
	tokenLabel  = []byte("rampart/csrf token v1\x00")
	cookieLabel = []byte("rampart/csrf cookie v1\x00")
)

// macPool hands out HMAC-SHA256 states for one key, so the hot path
// allocates none.
type macPool struct{ pool sync.Pool }

type macWorker struct {
	h   hash.Hash
	sum [macLen]byte
	in  [64]byte // msg is copied here so callers' stack buffers stay there
}

// write feeds msg to the MAC through w.in: passing msg itself to the
// interface method would make every caller's buffer escape to the heap.
func (w *macWorker) write(label, msg []byte) {
	w.h.Reset()
	w.h.Write(label)
	for len(msg) > 0 {
		n := copy(w.in[:], msg)
		w.h.Write(w.in[:n])
		msg = msg[n:]
	}
	w.h.Sum(w.sum[:0])
}

func newMacPool(key []byte) *macPool {
	m := &macPool{}
	m.pool.New = func() any { return &macWorker{h: hmac.New(sha256.New, key)} }
	return m
}

func macPools(ring *keys.Ring, purpose string) []*macPool {
	all := ring.Purpose(purpose).All()
	out := make([]*macPool, len(all))
	for i, k := range all {
		out[i] = newMacPool(k.Bytes())
	}
	return out
}

// equal reports whether HMAC(key, label || msg) equals want, in constant time.
func (m *macPool) equal(label, msg, want []byte) bool {
	w := m.pool.Get().(*macWorker)
	w.write(label, msg)
	ok := subtle.ConstantTimeCompare(w.sum[:], want) == 1
	m.pool.Put(w)
	return ok
}

// xorInto sets dst[i] = src[i] ^ HMAC(key, label || msg)[i].
func (m *macPool) xorInto(dst, src []byte, label, msg []byte) {
	w := m.pool.Get().(*macWorker)
	w.write(label, msg)
	subtle.XORBytes(dst, src, w.sum[:])
	m.pool.Put(w)
}

// issue returns a fresh masked token for secret. buf is scratch space
// that crypto/rand may keep a reference to for the call's duration.
func (p *Protection) issue(buf *[2 * macLen]byte, secret []byte) string {
	pad, masked := buf[:macLen], buf[macLen:]
	rand.Read(pad) // never fails since Go 1.24; a failure crashes the program
	p.macs[0].xorInto(masked, pad, tokenLabel, secret)
	var out [TokenLen]byte
	base64.RawURLEncoding.Encode(out[:], buf[:])
	return string(out[:])
}

// verify reports why tok is not a valid token for secret, or "".
func (p *Protection) verify(tok string, secret []byte) string {
	var raw [2 * macLen]byte
	if !decodeToken(&raw, tok) {
		return "malformed token (" + strconv.Itoa(len(tok)) + " bytes)"
	}
	var want [macLen]byte
	subtle.XORBytes(want[:], raw[:macLen], raw[macLen:])
	for _, m := range p.macs {
		if m.equal(tokenLabel, secret, want[:]) {
			return ""
		}
	}
	return "token not bound to this client's binding secret (another session, a renewed session, a rotated-out key or tampering)"
}

// decodeToken decodes the canonical base64url (no padding) encoding of
// exactly 64 bytes into dst. Anything else — another length, a byte
// outside the alphabet, padding, non-zero trailing bits — is false.
func decodeToken(dst *[2 * macLen]byte, s string) bool {
	if len(s) != TokenLen {
		return false
	}
	var acc uint32
	var bits uint
	n := 0
	for i := 0; i < len(s); i++ {
		v := b64val(s[i])
		if v < 0 {
			return false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			dst[n] = byte(acc >> bits)
			n++
			acc &= 1<<bits - 1
		}
	}
	return n == len(dst) && acc == 0
}

func b64val(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 26
	case '0' <= c && c <= '9':
		return int(c-'0') + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return -1
}

// checkToken is the token layer.
func (p *Protection) checkToken(st *state, w http.ResponseWriter, r *http.Request) error {
	tok, err := p.submitted(w, r)
	if err != nil {
		return err
	}
	if tok == "" {
		return reject(ErrMissingToken, "no "+HeaderName+" header and no "+FieldName+" form field")
	}
	secret, err := p.bindingSecret(st, w, r, false)
	if err != nil {
		return err
	}
	if secret == nil {
		return reject(ErrInvalidToken, "the client has no CSRF binding cookie")
	}
	if why := p.verify(tok, secret); why != "" {
		return reject(ErrInvalidToken, why)
	}
	return nil
}

// bindingSecret asks the binder, through the fast path for the built-in one.
// create says whether the built-in binder may mint a new secret.
func (p *Protection) bindingSecret(st *state, w http.ResponseWriter, r *http.Request, create bool) ([]byte, error) {
	if p.cookie != nil {
		return p.cookie.secret(st, w, r, create)
	}
	s, err := p.binder.BindingSecret(w, r)
	if err != nil {
		return nil, &Error{Err: ErrBinder, Reason: err.Error()}
	}
	if len(s) < minSecretLen {
		return nil, &Error{Err: ErrBinder, Reason: "the Binder returned a secret shorter than 32 bytes"}
	}
	return s, nil
}

// submitted returns the token from the headers or the form body.
func (p *Protection) submitted(w http.ResponseWriter, r *http.Request) (string, error) {
	if v := first(r.Header[headerKey]); v != "" {
		return v, nil
	}
	if v := first(r.Header[altHeaderKey]); v != "" {
		return v, nil
	}
	ct := first(r.Header["Content-Type"])
	switch {
	case r.PostForm != nil:
		// Already parsed earlier in the chain.
	case hasMediaType(ct, "application/x-www-form-urlencoded"):
		if err := parseURLEncoded(w, r, p.maxBody); err != nil {
			return "", err
		}
	case hasMediaType(ct, "multipart/form-data"):
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, p.maxBody)
		}
		if err := r.ParseMultipartForm(min(p.maxBody, maxMultipartMemory)); err != nil {
			return "", bodyErr(err)
		}
	default:
		// text/plain, JSON and anything else are never parsed: a
		// cross-site text/plain form must not satisfy the check.
		return "", nil
	}
	if vs := r.PostForm[FieldName]; len(vs) > 0 {
		return vs[0], nil
	}
	if r.MultipartForm != nil {
		if vs := r.MultipartForm.Value[FieldName]; len(vs) > 0 {
			return vs[0], nil
		}
	}
	return "", nil
}

// parseURLEncoded reads the body into r.PostForm, as r.ParseForm would,
// but leaves r.Form nil: net/http fills it from r.PostForm and the URL on
// the app's first r.FormValue, so the copy is not paid when unused.
func parseURLEncoded(w http.ResponseWriter, r *http.Request, limit int64) error {
	if r.Body == nil || r.Body == http.NoBody {
		r.PostForm = url.Values{}
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return bodyErr(err)
	}
	vs, err := url.ParseQuery(string(b))
	if err != nil {
		return bodyErr(err)
	}
	r.PostForm = vs
	return nil
}

func bodyErr(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return reject(ErrBodyTooLarge, err.Error())
	}
	return reject(ErrMissingToken, "unreadable form body: "+err.Error())
}

// hasMediaType reports whether the Content-Type ct names want. The fast
// path avoids mime.ParseMediaType for the common exact values.
func hasMediaType(ct, want string) bool {
	if len(ct) >= len(want) && strings.EqualFold(ct[:len(want)], want) &&
		(len(ct) == len(want) || ct[len(want)] == ';' || ct[len(want)] == ' ') {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == want
}
