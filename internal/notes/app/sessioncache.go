package app

import (
	"context"
	"sync"
	"time"

	"github.com/rampartgo/rampart/session"
)

// Session cache bounds.
const (
	// sessionCacheTTL is how long a session record read from the store is
	// served from memory: the longest this process takes to notice that
	// another process sharing the SQLite file deleted a session.
	sessionCacheTTL = time.Second
	sessionCacheMax = 20000
)

// sessionCache is a read-through cache in front of the SQLite session
// store, so that a logged-in page does not cost a SQLite query per
// request: with the cache a busy session is read from the file about once
// a second.
//
// It is coherent for this process: every write and delete goes through it
// and updates or drops the entry, and a read that raced with a delete is
// not cached (deletion wins, as the session package promises). Records are
// immutable (session.Record's contract), so cached pointers are shared
// safely. It is used only with the SQLite store, which serves one host;
// the PostgreSQL and Redis stores, shared by several instances, are always
// read directly so that a revocation anywhere applies everywhere at once.
type sessionCache struct {
	inner session.Store
	mu    sync.Mutex
	gen   uint64 // incremented by every delete and failed update
	recs  map[session.Hash]cachedSession
}

type cachedSession struct {
	rec     *session.Record
	fetched time.Time
}

var _ session.Store = (*sessionCache)(nil)

func newSessionCache(inner session.Store) *sessionCache {
	return &sessionCache{inner: inner, recs: make(map[session.Hash]cachedSession)}
}

// Find implements session.Store.
func (c *sessionCache) Find(ctx context.Context, h session.Hash) (*session.Record, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.recs[h]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Sub(e.fetched) < sessionCacheTTL && now.Before(e.rec.Expires) {
		return e.rec, nil
	}
	rec, err := c.inner.Find(ctx, h)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		delete(c.recs, h)
		return nil, err
	}
	if c.gen == gen { // no delete happened meanwhile: the record may be stale otherwise
		c.store(rec, now)
	}
	return rec, nil
}

// store caches rec; c.mu is held. A full cache is emptied: crude, but
// bounded, and the sessions in use come back on their next read.
func (c *sessionCache) store(rec *session.Record, now time.Time) {
	if e, ok := c.recs[rec.Hash]; ok && e.rec.Version > rec.Version {
		return // a read that an update of this process overtook
	}
	if len(c.recs) >= sessionCacheMax {
		clear(c.recs)
	}
	c.recs[rec.Hash] = cachedSession{rec: rec, fetched: now}
}

func (c *sessionCache) forget(h session.Hash) {
	c.mu.Lock()
	c.gen++
	delete(c.recs, h)
	c.mu.Unlock()
}

// Insert implements session.Store. New sessions are not cached: most are
// an anonymous visitor's (a CSRF token for the login form) that may never
// come back, and a flood of them must not evict the sessions in use. The
// first read caches the ones that are used.
func (c *sessionCache) Insert(ctx context.Context, rec *session.Record) error {
	c.forget(rec.Hash)
	return c.inner.Insert(ctx, rec)
}

// Update implements session.Store. A failed update (a conflict, a
// deleted session) drops the entry, so the session package's retry reads
// the stored version.
func (c *sessionCache) Update(ctx context.Context, rec *session.Record) error {
	if err := c.inner.Update(ctx, rec); err != nil {
		c.forget(rec.Hash)
		return err
	}
	c.mu.Lock()
	c.store(rec, time.Now())
	c.mu.Unlock()
	return nil
}

// Delete implements session.Store.
func (c *sessionCache) Delete(ctx context.Context, h session.Hash) error {
	c.forget(h)
	err := c.inner.Delete(ctx, h)
	c.forget(h)
	return err
}

// ListByUser implements session.Store; it always asks the store.
func (c *sessionCache) ListByUser(ctx context.Context, userID string) ([]*session.Record, error) {
	return c.inner.ListByUser(ctx, userID)
}
