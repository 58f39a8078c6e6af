package session_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/storetest"
)

func TestCacheConformance(t *testing.T) {
	c := session.NewCache(session.NewMemoryStore(), session.CacheConfig{})
	storetest.Run(t, storetest.Suite{New: func(t *testing.T) session.Store { return c }})
}

func TestCacheServesReadsFromMemory(t *testing.T) {
	ctx := context.Background()
	under := &countingStore{Store: session.NewMemoryStore()}
	c := session.NewCache(under, session.CacheConfig{TTL: time.Hour, MaxEntries: 3})
	rec := storetest.NewRecord("u")
	if err := c.Insert(ctx, rec); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := c.Find(ctx, rec.Hash); err != nil {
			t.Fatal(err)
		}
	}
	if n := under.finds.Load(); n != 0 {
		t.Fatalf("%d reads reached the store, want 0", n)
	}
	// Another process deletes the session behind the cache's back: a
	// versioned update still fails, and evicts.
	under.Store.Delete(ctx, rec.Hash)
	next := *rec
	next.Version++
	if err := c.Update(ctx, &next); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Update of a session deleted elsewhere = %v", err)
	}
	if _, err := c.Find(ctx, rec.Hash); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Find after the failed update = %v, want ErrNotFound", err)
	}
	// A delete through the cache is seen at once.
	rec2 := storetest.NewRecord("u")
	c.Insert(ctx, rec2)
	c.Delete(ctx, rec2.Hash)
	if _, err := c.Find(ctx, rec2.Hash); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Find after Delete = %v", err)
	}
	// The size bound holds.
	for range 10 {
		c.Insert(ctx, storetest.NewRecord(""))
	}
}

func TestCacheTTL(t *testing.T) {
	ctx := context.Background()
	under := &countingStore{Store: session.NewMemoryStore()}
	c := session.NewCache(under, session.CacheConfig{TTL: 50 * time.Millisecond})
	rec := storetest.NewRecord("u")
	c.Insert(ctx, rec)
	under.Store.Delete(ctx, rec.Hash) // elsewhere
	time.Sleep(80 * time.Millisecond)
	if _, err := c.Find(ctx, rec.Hash); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Find after TTL of a session deleted elsewhere = %v", err)
	}
}
