// Package keys derives purpose-bound keys from one master secret and rotates
// them.
//
// An application has one master secret (SECRET_KEY). Every component that
// signs or encrypts asks this package for a key bound to its purpose —
// [Session], [CSRF], [Remember], [Token] — so the same master never serves
// two purposes and a key leaked from one component cannot forge another's
// values.
//
// # Derivation
//
// Each purpose key is HKDF-SHA256 (RFC 5869) of the master secret with the
// fixed salt "rampart/keys v1" and the info string "rampart purpose=" +
// purpose, 32 bytes long. HKDF is the extract-then-expand construction NIST
// SP 800-56C and RFC 5869 recommend for deriving several keys from one
// secret; the purpose in the info string is what separates the keys.
//
// # Rotation
//
// A [Ring] has one current master and any number of previous masters. For
// each purpose it derives one key per master. [Set.Sign] always uses the
// current key; [Set.Verify] accepts tags made with any key of the ring, so
// values signed before a rotation stay valid until the previous master is
// dropped from the ring. To rotate: generate a new master (`rampart keys
// generate`), make it current, list the old one as previous, and remove the
// old one once everything it signed has expired.
//
// Every key has a stable, non-secret identifier, its kid: the first 8 bytes
// of HMAC-SHA256(key, "rampart kid"), base64url encoded. A kid reveals
// nothing about the key and lets verifiers pick the right key without trying
// them all.
//
// # Minimum strength
//
// A master secret must be at least [MinMasterLen] bytes. Use `rampart keys
// generate` (256 bits from crypto/rand); the secrets package rejects
// placeholders and low-entropy values before they reach this package.
package keys

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"github.com/rampartgo/rampart/secrets"
)

// Purposes used by rampart's own packages. Applications may use any other
// non-empty label for their own keys.
const (
	Session  = "session"
	CSRF     = "csrf"
	Remember = "remember"
	Token    = "token"
)

// MinMasterLen is the minimum length of a master secret in bytes.
const MinMasterLen = 32

// KeyLen is the length in bytes of every derived key.
const KeyLen = 32

// TagLen is the length in bytes of a tag made by [Set.Sign]: an 8-byte kid
// followed by a 32-byte HMAC-SHA256.
const TagLen = kidLen + sha256.Size

const (
	kidLen = 8
	salt   = "rampart/keys v1"
	info   = "rampart purpose="
)

// ErrWeakMaster is returned by [NewRing] when a master secret is shorter than
// [MinMasterLen].
var ErrWeakMaster = errors.New("rampart/keys: master secret is shorter than 32 bytes; generate one with `rampart keys generate`")

// Key is one derived key. Its zero value is not a usable key.
type Key struct {
	// ID is the key's stable, non-secret identifier (kid).
	ID string
	// Purpose is the label the key was derived for.
	Purpose string

	raw    []byte
	kidRaw [kidLen]byte
}

// Bytes returns the key material. The slice is shared: do not modify it.
func (k Key) Bytes() []byte { return k.raw }

// String returns the key's purpose and kid, never its material.
func (k Key) String() string { return "keys.Key{purpose=" + k.Purpose + " kid=" + k.ID + "}" }

// GoString is String, so %#v prints no key material.
func (k Key) GoString() string { return k.String() }

// Format prints the key's purpose and kid for every verb, never its material.
func (k Key) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// Ring holds the current master secret and previous ones, and derives
// purpose keys from them. It is safe for concurrent use.
type Ring struct {
	masters [][]byte // current first

	mu   sync.RWMutex
	sets map[string]*Set
}

// NewRing returns a ring whose current master is current and which still
// verifies values signed under each of previous. It returns [ErrWeakMaster]
// (naming which master, never its value) when any secret is too short.
func NewRing(current secrets.Secret, previous ...secrets.Secret) (*Ring, error) {
	all := append([]secrets.Secret{current}, previous...)
	r := &Ring{sets: make(map[string]*Set)}
	for i, s := range all {
		if s.Len() < MinMasterLen {
			if i == 0 {
				return nil, fmt.Errorf("current master: %w", ErrWeakMaster)
			}
			return nil, fmt.Errorf("previous master #%d: %w", i, ErrWeakMaster)
		}
		r.masters = append(r.masters, s.Bytes())
	}
	return r, nil
}

// MustNewRing is NewRing that panics on error, for tests and examples.
func MustNewRing(current secrets.Secret, previous ...secrets.Secret) *Ring {
	r, err := NewRing(current, previous...)
	if err != nil {
		panic(err)
	}
	return r
}

// Purpose returns the keys for purpose: one per master, current first. It
// panics if purpose is empty (a programmer mistake). The result is cached.
func (r *Ring) Purpose(purpose string) *Set {
	if purpose == "" {
		panic("rampart/keys: empty purpose")
	}
	r.mu.RLock()
	s := r.sets[purpose]
	r.mu.RUnlock()
	if s != nil {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s = r.sets[purpose]; s != nil {
		return s
	}
	s = &Set{byID: make(map[string]int)}
	for _, m := range r.masters {
		raw := derive(m, []byte(salt), []byte(info+purpose), KeyLen)
		k := Key{Purpose: purpose, raw: raw}
		mac := hmac.New(sha256.New, raw)
		mac.Write([]byte("rampart kid"))
		copy(k.kidRaw[:], mac.Sum(nil))
		k.ID = base64.RawURLEncoding.EncodeToString(k.kidRaw[:])
		if _, dup := s.byID[k.ID]; dup {
			continue // the same master listed twice
		}
		s.byID[k.ID] = len(s.keys)
		s.keys = append(s.keys, k)
	}
	r.sets[purpose] = s
	return s
}

// derive is HKDF-SHA256 (RFC 5869). Lengths here are constants well under the
// 255*32-byte limit, so an error is a programmer mistake.
func derive(secret, salt, info []byte, n int) []byte {
	out, err := hkdf.Key(sha256.New, secret, salt, string(info), n)
	if err != nil {
		panic("rampart/keys: " + err.Error())
	}
	return out
}

// Set is the keys of one purpose across a ring's masters. It is immutable
// and safe for concurrent use.
type Set struct {
	keys []Key // current first
	byID map[string]int
}

// Current returns the key that signs.
func (s *Set) Current() Key { return s.keys[0] }

// All returns every key, current first. The slice must not be modified.
func (s *Set) All() []Key { return s.keys }

// Lookup returns the key with the given kid.
func (s *Set) Lookup(kid string) (Key, bool) {
	i, ok := s.byID[kid]
	if !ok {
		return Key{}, false
	}
	return s.keys[i], true
}

// Sign returns a [TagLen]-byte tag over msg: the current key's raw kid
// followed by HMAC-SHA256(key, msg).
func (s *Set) Sign(msg []byte) []byte {
	return s.AppendSign(make([]byte, 0, TagLen), msg)
}

// AppendSign appends the tag Sign would return to dst.
func (s *Set) AppendSign(dst, msg []byte) []byte {
	k := s.keys[0]
	dst = append(dst, k.kidRaw[:]...)
	mac := hmac.New(sha256.New, k.raw)
	mac.Write(msg)
	return mac.Sum(dst)
}

// Verify reports whether tag is a valid tag over msg under any key of the
// set. The MAC comparison is constant time; which key was tried depends only
// on the tag's public kid.
func (s *Set) Verify(msg, tag []byte) bool {
	if len(tag) != TagLen {
		return false
	}
	for i := range s.keys {
		k := &s.keys[i]
		if !hmac.Equal(k.kidRaw[:], tag[:kidLen]) {
			continue
		}
		mac := hmac.New(sha256.New, k.raw)
		mac.Write(msg)
		var sum [sha256.Size]byte
		return hmac.Equal(mac.Sum(sum[:0]), tag[kidLen:])
	}
	return false
}
