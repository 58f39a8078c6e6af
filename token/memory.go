package token

import (
	"context"
	"sync"
	"time"
)

// MemoryStore is a Store in process memory, for a single server and tests.
// Everything is lost on restart, which logs every API client out. The zero
// value is not usable; use NewMemoryStore. Safe for concurrent use.
type MemoryStore struct {
	mu       sync.Mutex
	families map[string]*memFamily
	tokens   map[[32]byte]*memToken
	revs     map[revKey]Revocation
	ops      int
}

type memFamily struct {
	f       Family
	revoked bool
}

type memToken struct {
	family *memFamily
	spent  bool
}

type revKey struct {
	kind RevocationKind
	id   string
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		families: map[string]*memFamily{},
		tokens:   map[[32]byte]*memToken{},
		revs:     map[revKey]Revocation{},
	}
}

// Create implements Store.
func (s *MemoryStore) Create(_ context.Context, f Family, first [32]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(f.Created)
	mf := &memFamily{f: f}
	s.families[f.ID] = mf
	s.tokens[first] = &memToken{family: mf}
	return nil
}

// Rotate implements Store.
func (s *MemoryStore) Rotate(_ context.Context, old, next [32]byte, now time.Time) (Family, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[old]
	if !ok || !t.family.f.Expires.After(now) {
		return Family{}, ErrNotFound
	}
	f := t.family.f
	if t.spent {
		return f, ErrReused
	}
	if t.family.revoked {
		return f, ErrRevoked
	}
	t.spent = true
	s.tokens[next] = &memToken{family: t.family}
	return f, nil
}

// Revoke implements Store.
func (s *MemoryStore) Revoke(_ context.Context, r Revocation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Kind {
	case RevokedFamily:
		if mf, ok := s.families[r.ID]; ok {
			mf.revoked = true
		}
	case RevokedUser:
		for _, mf := range s.families {
			if mf.f.UserID == r.ID {
				mf.revoked = true
			}
		}
	}
	s.revs[revKey{r.Kind, r.ID}] = r
	return nil
}

// Revocations implements Store.
func (s *MemoryStore) Revocations(_ context.Context, now time.Time) ([]Revocation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Revocation, 0, len(s.revs))
	for _, r := range s.revs {
		if r.Expires.After(now) {
			out = append(out, r)
		}
	}
	return out, nil
}

// sweep deletes expired families, tokens and revocations every 1000
// creations. s.mu must be held.
func (s *MemoryStore) sweep(now time.Time) {
	s.ops++
	if s.ops%1000 != 0 {
		return
	}
	for h, t := range s.tokens {
		if !t.family.f.Expires.After(now) {
			delete(s.tokens, h)
		}
	}
	for id, mf := range s.families {
		if !mf.f.Expires.After(now) {
			delete(s.families, id)
		}
	}
	for k, r := range s.revs {
		if !r.Expires.After(now) {
			delete(s.revs, k)
		}
	}
}
