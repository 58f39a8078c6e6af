package session_test

import (
	"context"
	"errors"
	"net/http"
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
	// Insert does not cache (see TestCacheFloodOfNewSessions): the first
	// read goes to the store, the others do not.
	if n := under.finds.Load(); n != 1 {
		t.Fatalf("%d reads reached the store, want 1", n)
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

// BenchmarkCacheHit is one Find served from the cache.
func BenchmarkCacheHit(b *testing.B) {
	ctx := context.Background()
	c := session.NewCache(session.NewMemoryStore(), session.CacheConfig{TTL: time.Hour})
	rec := storetest.NewRecord("alice")
	if err := c.Insert(ctx, rec); err != nil {
		b.Fatal(err)
	}
	// Warm up: whatever the admission policy, a session read a few times
	// is cached.
	for range 3 {
		c.Find(ctx, rec.Hash)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Find(ctx, rec.Hash); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCacheHitParallel is BenchmarkCacheHit from all CPUs at once,
// over many sessions.
func BenchmarkCacheHitParallel(b *testing.B) {
	ctx := context.Background()
	c := session.NewCache(session.NewMemoryStore(), session.CacheConfig{TTL: time.Hour})
	recs := make([]*session.Record, 1000)
	for i := range recs {
		recs[i] = storetest.NewRecord("u")
		if err := c.Insert(ctx, recs[i]); err != nil {
			b.Fatal(err)
		}
		for range 3 {
			c.Find(ctx, recs[i].Hash)
		}
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.Find(ctx, recs[i%len(recs)].Hash); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkCacheManagerRead is a logged-in page through the middleware
// with the session served from the cache.
func BenchmarkCacheManagerRead(b *testing.B) {
	benchmark(b, session.NewCache(session.NewMemoryStore(), session.CacheConfig{TTL: time.Hour}), func(m *session.Manager) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if m.Get(r).UserID() == "" {
				panic("not logged in")
			}
			w.Write(nil)
		}
	}, true)
}
