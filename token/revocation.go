package token

import (
	"context"
	"fmt"
	"time"
)

// revocationSet is an immutable snapshot of the unexpired revocations, so
// that Verify checks them with map lookups instead of a store round trip.
type revocationSet struct {
	tokens   map[string]struct{}
	families map[string]struct{}
	users    map[string]int64 // user ID -> reject tokens with iat before this (Unix seconds)
	loaded   time.Time        // when the store was last read
}

func (s *revocationSet) revoked(c *jwtClaims) bool {
	if len(s.tokens) > 0 {
		if _, ok := s.tokens[c.ID]; ok {
			return true
		}
	}
	if len(s.families) > 0 && c.Family != "" {
		if _, ok := s.families[c.Family]; ok {
			return true
		}
	}
	if len(s.users) > 0 {
		if nb, ok := s.users[c.Subject]; ok && c.IssuedAt.Unix() < nb {
			return true
		}
	}
	return false
}

// with returns a copy of s with r added.
func (s *revocationSet) with(r Revocation) *revocationSet {
	n := &revocationSet{
		tokens:   make(map[string]struct{}, len(s.tokens)+1),
		families: make(map[string]struct{}, len(s.families)+1),
		users:    make(map[string]int64, len(s.users)+1),
		loaded:   s.loaded,
	}
	for k := range s.tokens {
		n.tokens[k] = struct{}{}
	}
	for k := range s.families {
		n.families[k] = struct{}{}
	}
	for k, v := range s.users {
		n.users[k] = v
	}
	n.add(r)
	return n
}

func (s *revocationSet) add(r Revocation) {
	switch r.Kind {
	case RevokedToken:
		s.tokens[r.ID] = struct{}{}
	case RevokedFamily:
		s.families[r.ID] = struct{}{}
	case RevokedUser:
		// "iat" has whole seconds, so round up: a token issued in the same
		// second as the revocation is rejected too (fail closed); a client
		// that logs in again at once retries a second later.
		nb := r.At.Unix()
		if r.At.After(time.Unix(nb, 0)) {
			nb++
		}
		if nb > s.users[r.ID] {
			s.users[r.ID] = nb
		}
	}
}

// revocations returns a snapshot no older than Config.RevocationRefresh,
// reloading it from the store when needed. One goroutine reloads while the
// others keep using the previous snapshot, unless that is older than
// staleLimit: then they wait, and fail closed with ErrUnavailable when the
// store cannot be read.
func (m *Manager) revocations(ctx context.Context) (*revocationSet, error) {
	now := m.cfg.Now()
	s := m.rev.Load()
	if s != nil && now.Sub(s.loaded) < m.cfg.RevocationRefresh {
		return s, nil
	}
	stale := s == nil || now.Sub(s.loaded) >= m.staleLimit()
	if !stale {
		if !m.revMu.TryLock() {
			return s, nil // someone else is reloading
		}
	} else {
		m.revMu.Lock()
	}
	defer m.revMu.Unlock()
	if s2 := m.rev.Load(); s2 != nil && now.Sub(s2.loaded) < m.cfg.RevocationRefresh {
		return s2, nil // reloaded while we waited
	}
	// After a failed reload, wait a second before hitting the store again.
	if retry := m.revRetry.Load(); retry != 0 && now.UnixNano() < retry {
		if stale {
			return nil, ErrUnavailable
		}
		return s, nil
	}
	fresh, err := m.load(ctx, now)
	if err != nil {
		m.revRetry.Store(now.Add(time.Second).UnixNano())
		if stale {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return s, nil
	}
	m.revRetry.Store(0)
	m.rev.Store(fresh)
	return fresh, nil
}

// staleLimit is the age beyond which a snapshot is not used at all.
func (m *Manager) staleLimit() time.Duration { return 6 * m.cfg.RevocationRefresh }

func (m *Manager) load(ctx context.Context, now time.Time) (*revocationSet, error) {
	list, err := m.store.Revocations(ctx, now)
	if err != nil {
		return nil, err
	}
	s := &revocationSet{
		tokens:   map[string]struct{}{},
		families: map[string]struct{}{},
		users:    map[string]int64{},
		loaded:   now,
	}
	for _, r := range list {
		s.add(r)
	}
	return s, nil
}

// revoke writes r to the store and adds it to this instance's snapshot at
// once; other instances see it within Config.RevocationRefresh.
func (m *Manager) revoke(ctx context.Context, r Revocation) error {
	if err := m.store.Revoke(ctx, r); err != nil {
		return err
	}
	m.revMu.Lock()
	defer m.revMu.Unlock()
	if s := m.rev.Load(); s != nil {
		m.rev.Store(s.with(r))
	}
	return nil
}
