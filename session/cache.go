package session

import (
	"context"
	"sync"
	"time"
)

// CacheConfig configures a [Cache]. Every field's doc ends with its
// default.
type CacheConfig struct {
	// TTL is how long a record read from the store may be served from
	// memory. It bounds how late this process notices a change made by
	// another process (a revocation on another server); changes made
	// through the Cache itself are seen at once. Default 1 second.
	TTL time.Duration

	// MaxEntries bounds the number of cached records; when it is reached
	// the cache is emptied and starts over. Default 10000.
	MaxEntries int
}

// Cache is a [Store] that keeps recently read records in memory in front
// of another store, so that a request which only reads its session (most
// of them) costs no database round trip. Writes go to the underlying
// store at once; a write or delete made through the Cache updates or
// evicts its entry, and a failed versioned update evicts it too, so the
// Manager's retry reads the store.
//
// With one server, or one process per database, a Cache changes nothing
// but speed: every write passes through it. With several servers, a
// session revoked on one is still served by another's cache for up to
// CacheConfig.TTL (but not written back: updates are checked against the
// store). Safe for concurrent use.
type Cache struct {
	store Store
	ttl   time.Duration
	max   int

	mu      sync.RWMutex
	entries map[Hash]cacheEntry
	// gen counts evictions. A Find caches what it read only if no
	// eviction happened meanwhile, so that a record deleted while it was
	// being read is not cached after the delete.
	gen uint64
}

type cacheEntry struct {
	rec     *Record
	expires time.Time // when the entry must be re-read
}

var _ Store = (*Cache)(nil)

// NewCache returns a Cache in front of store. It panics if store is nil
// or a field of cfg is negative.
func NewCache(store Store, cfg CacheConfig) *Cache {
	if store == nil {
		panic("rampart/session: NewCache with a nil Store")
	}
	if cfg.TTL < 0 || cfg.MaxEntries < 0 {
		panic("rampart/session: negative CacheConfig field")
	}
	c := &Cache{store: store, ttl: cfg.TTL, max: cfg.MaxEntries, entries: make(map[Hash]cacheEntry)}
	if c.ttl == 0 {
		c.ttl = time.Second
	}
	if c.max == 0 {
		c.max = 10000
	}
	return c
}

func (c *Cache) put(rec *Record, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[rec.Hash] = cacheEntry{rec: rec, expires: now.Add(c.ttl)}
}

func (c *Cache) evict(h Hash) {
	c.mu.Lock()
	delete(c.entries, h)
	c.gen++
	c.mu.Unlock()
}

// Find implements [Store].
func (c *Cache) Find(ctx context.Context, h Hash) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := time.Now()
	c.mu.RLock()
	e, ok := c.entries[h]
	gen := c.gen
	c.mu.RUnlock()
	if ok && now.Before(e.expires) && now.Before(e.rec.Expires) {
		return e.rec, nil
	}
	rec, err := c.store.Find(ctx, h)
	if err != nil {
		if ok {
			c.evict(h)
		}
		return nil, err
	}
	c.put(rec, now, gen)
	return rec, nil
}

// Insert implements [Store].
func (c *Cache) Insert(ctx context.Context, rec *Record) error {
	gen := c.generation()
	if err := c.store.Insert(ctx, rec); err != nil {
		c.evict(rec.Hash)
		return err
	}
	c.put(rec, time.Now(), gen)
	return nil
}

func (c *Cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// Update implements [Store].
func (c *Cache) Update(ctx context.Context, rec *Record) error {
	gen := c.generation()
	if err := c.store.Update(ctx, rec); err != nil {
		c.evict(rec.Hash)
		return err
	}
	// Cache what was written unless something was evicted meanwhile (a
	// Delete of this record racing with the write, say).
	c.put(rec, time.Now(), gen)
	return nil
}

// Delete implements [Store].
func (c *Cache) Delete(ctx context.Context, h Hash) error {
	// Evict first and again after: a Find racing with the delete must not
	// leave the deleted record cached.
	c.evict(h)
	err := c.store.Delete(ctx, h)
	c.evict(h)
	return err
}

// ListByUser implements [Store]; it always asks the underlying store.
func (c *Cache) ListByUser(ctx context.Context, userID string) ([]*Record, error) {
	return c.store.ListByUser(ctx, userID)
}
