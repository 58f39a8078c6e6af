package session

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// MemoryStore is a [Store] in process memory: for tests, development and
// single-process servers that accept losing every session on restart.
// Records are kept and returned as they are, without copying or encoding
// (they are immutable), so a request costs a map lookup. Expired records
// are deleted by [MemoryStore.DeleteExpired], which the store also runs
// itself after every 1000 inserts. Safe for concurrent use.
type MemoryStore struct {
	mu      sync.RWMutex
	byHash  map[Hash]*Record
	byUser  map[string]map[Hash]struct{}
	inserts atomic.Uint64
	now     func() time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		byHash: make(map[Hash]*Record),
		byUser: make(map[string]map[Hash]struct{}),
		now:    time.Now,
	}
}

func (s *MemoryStore) live(rec *Record, now time.Time) bool {
	return rec != nil && now.Before(rec.Expires)
}

// Find implements [Store].
func (s *MemoryStore) Find(ctx context.Context, h Hash) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	rec := s.byHash[h]
	s.mu.RUnlock()
	if !s.live(rec, s.now()) {
		return nil, ErrNotFound
	}
	return rec, nil
}

// Insert implements [Store].
func (s *MemoryStore) Insert(ctx context.Context, rec *Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	if old := s.byHash[rec.Hash]; old != nil {
		if s.live(old, now) {
			s.mu.Unlock()
			return ErrConflict
		}
		s.removeLocked(old)
	}
	s.byHash[rec.Hash] = rec
	s.indexLocked(rec)
	s.mu.Unlock()
	if s.inserts.Add(1)%1000 == 0 {
		s.DeleteExpired(now)
	}
	return nil
}

// Update implements [Store].
func (s *MemoryStore) Update(ctx context.Context, rec *Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.byHash[rec.Hash]
	if !s.live(old, now) {
		return ErrNotFound
	}
	if old.Version+1 != rec.Version {
		return ErrConflict
	}
	if old.UserID != rec.UserID {
		s.unindexLocked(old)
		s.indexLocked(rec)
	}
	s.byHash[rec.Hash] = rec
	return nil
}

// Delete implements [Store].
func (s *MemoryStore) Delete(ctx context.Context, h Hash) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if rec := s.byHash[h]; rec != nil {
		s.removeLocked(rec)
	}
	s.mu.Unlock()
	return nil
}

// ListByUser implements [Store].
func (s *MemoryStore) ListByUser(ctx context.Context, userID string) ([]*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var recs []*Record
	for h := range s.byUser[userID] {
		if rec := s.byHash[h]; s.live(rec, now) {
			recs = append(recs, rec)
		}
	}
	return recs, nil
}

// DeleteExpired deletes the records expired at now and returns how many.
func (s *MemoryStore) DeleteExpired(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, rec := range s.byHash {
		if !s.live(rec, now) {
			s.removeLocked(rec)
			n++
		}
	}
	return n
}

// Len returns how many records the store holds, expired ones included.
func (s *MemoryStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.byHash)
}

func (s *MemoryStore) removeLocked(rec *Record) {
	delete(s.byHash, rec.Hash)
	s.unindexLocked(rec)
}

func (s *MemoryStore) indexLocked(rec *Record) {
	if rec.UserID == "" {
		return
	}
	set := s.byUser[rec.UserID]
	if set == nil {
		set = make(map[Hash]struct{})
		s.byUser[rec.UserID] = set
	}
	set[rec.Hash] = struct{}{}
}

func (s *MemoryStore) unindexLocked(rec *Record) {
	if rec.UserID == "" {
		return
	}
	if set := s.byUser[rec.UserID]; set != nil {
		delete(set, rec.Hash)
		if len(set) == 0 {
			delete(s.byUser, rec.UserID)
		}
	}
}
