package app

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rampartgo/rampart/session"
)

// countingStore counts the Finds that reach the store.
type countingStore struct {
	session.Store
	mu    sync.Mutex
	finds int
}

func (s *countingStore) Find(ctx context.Context, h session.Hash) (*session.Record, error) {
	s.mu.Lock()
	s.finds++
	s.mu.Unlock()
	return s.Store.Find(ctx, h)
}

func (s *countingStore) count() int { s.mu.Lock(); defer s.mu.Unlock(); return s.finds }

func TestSessionCache(t *testing.T) {
	ctx := context.Background()
	inner := &countingStore{Store: session.NewMemoryStore()}
	c := newSessionCache(inner)
	now := time.Now()
	rec := &session.Record{Hash: session.Hash{1}, Handle: "h", UserID: "7", Version: 1, Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	if err := c.Insert(ctx, rec); err != nil {
		t.Fatal(err)
	}

	t.Run("reads are served from memory", func(t *testing.T) {
		for range 10 {
			if got, err := c.Find(ctx, rec.Hash); err != nil || got.Version != 1 {
				t.Fatalf("Find = %v, %v", got, err)
			}
		}
		if n := inner.count(); n != 1 {
			t.Errorf("%d finds reached the store, want 1 (the first read caches)", n)
		}
	})

	t.Run("an update replaces the cached record", func(t *testing.T) {
		next := *rec
		next.Version = 2
		if err := c.Update(ctx, &next); err != nil {
			t.Fatal(err)
		}
		if got, _ := c.Find(ctx, rec.Hash); got.Version != 2 {
			t.Errorf("after Update, Find gives version %d, want 2", got.Version)
		}
	})

	t.Run("a conflicting update drops the entry", func(t *testing.T) {
		stale := *rec
		stale.Version = 2 // the store holds 2: an update to 2 conflicts
		if err := c.Update(ctx, &stale); !errors.Is(err, session.ErrConflict) {
			t.Fatalf("Update = %v, want ErrConflict", err)
		}
		before := inner.count()
		if got, err := c.Find(ctx, rec.Hash); err != nil || got.Version != 2 {
			t.Fatalf("Find = %v, %v", got, err)
		}
		if inner.count() != before+1 {
			t.Errorf("after a conflict the next Find did not read the store")
		}
	})

	t.Run("deletion wins", func(t *testing.T) {
		if err := c.Delete(ctx, rec.Hash); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Find(ctx, rec.Hash); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Find after Delete = %v, want ErrNotFound", err)
		}
	})

	t.Run("a deletion by another process is seen within the TTL", func(t *testing.T) {
		r2 := &session.Record{Hash: session.Hash{2}, Handle: "h2", Version: 1, Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
		if err := c.Insert(ctx, r2); err != nil {
			t.Fatal(err)
		}
		if err := inner.Delete(ctx, r2.Hash); err != nil { // behind the cache's back
			t.Fatal(err)
		}
		time.Sleep(sessionCacheTTL + 50*time.Millisecond)
		if _, err := c.Find(ctx, r2.Hash); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Find %v after the TTL = %v, want ErrNotFound", sessionCacheTTL, err)
		}
	})

	t.Run("expired records are not served", func(t *testing.T) {
		r3 := &session.Record{Hash: session.Hash{3}, Handle: "h3", Version: 1, Created: now, LastSeen: now, Expires: time.Now().Add(20 * time.Millisecond)}
		if err := c.Insert(ctx, r3); err != nil {
			t.Fatal(err)
		}
		time.Sleep(40 * time.Millisecond)
		if _, err := c.Find(ctx, r3.Hash); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Find of an expired record = %v, want ErrNotFound", err)
		}
	})
}
