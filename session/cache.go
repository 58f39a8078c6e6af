package session

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
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

	// MaxEntries bounds the number of cached records: a fifth of them (at
	// least one) on probation, the rest protected; see [Cache] for which
	// record makes way for which. Default 10000.
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
//
// # Admission and eviction
//
// Any client can create sessions as fast as it can send requests, so a
// new session must not push out the sessions of users who are reading
// theirs. The Cache follows 2Q (Johnson and Shasha, VLDB 1994), with a
// CLOCK for the protected part:
//
//   - Insert caches nothing: most new sessions (a bot without a cookie
//     jar makes one per request) are never read.
//   - A Find that misses reads the store and puts the record on
//     probation, a first-in-first-out segment of a fifth of MaxEntries.
//     A flood of sessions read once each only churns probation. A record
//     pushed off probation leaves a ghost: 8 bytes of its hash, no data,
//     MaxEntries of them.
//   - A Find that hits a record on probation, or misses one that left a
//     ghost, moves it to the protected segment (the rest of MaxEntries).
//     When that is full, the record takes the place of one chosen by the
//     CLOCK algorithm: expired (past TTL), or not read since the clock
//     hand last passed it. The one displaced goes back on probation.
//   - Update refreshes a cached record but caches no new one.
//
// So only a session read at least twice can displace a protected one,
// and then only one that was not read during a full turn of the clock
// hand. A client that keeps many sessions and reads each repeatedly
// behaves like that many users and competes with them on equal terms;
// what it wins is cache space, never a wrong answer: an evicted session
// is read from the store. A cache hit takes a read lock and allocates
// nothing.
type Cache struct {
	store Store
	ttl   time.Duration

	mu        sync.RWMutex
	index     map[Hash]slotRef
	probation []cacheSlot // first in, first out
	protected []cacheSlot // CLOCK
	probHand  int         // the oldest slot on probation once it is full
	clockHand int
	ghosts    map[uint64]int32 // fingerprint → position in ghostRing
	ghostRing []uint64
	ghostHand int

	probationCap, protectedCap, ghostCap int

	// gens count evictions and updates, in buckets by the hash's first
	// byte. A Find caches what it read only if neither happened in its
	// bucket meanwhile, so that a record deleted or rewritten while it was
	// being read is not cached after the delete, or over the newer
	// version. (Buckets keep the writes of other sessions, which any
	// client can cause, from stopping admissions.)
	gens [64]uint64
}

type cacheSlot struct {
	hash    Hash
	rec     *Record   // nil: an empty slot
	expires time.Time // when the entry must be re-read
	// used is 1 if the record was read since the clock hand last passed
	// (protected slots only). Readers set it under the read lock, hence
	// atomically.
	used uint32
}

// slotRef says where a hash is cached.
type slotRef struct {
	i         int32
	protected bool
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
	c := &Cache{store: store, ttl: cfg.TTL, index: make(map[Hash]slotRef), ghosts: make(map[uint64]int32)}
	if c.ttl == 0 {
		c.ttl = time.Second
	}
	n := cfg.MaxEntries
	if n == 0 {
		n = 10000
	}
	c.probationCap = max(1, n/5)
	c.protectedCap = n - c.probationCap
	if c.protectedCap > 0 {
		c.ghostCap = n
	}
	return c
}

func bucket(h Hash) int { return int(h[0] % 64) }

// fingerprint is what a ghost keeps of a hash. The hashes of tokens the
// server made are uniformly random, so a collision only admits one
// record early.
func fingerprint(h Hash) uint64 { return binary.LittleEndian.Uint64(h[:8]) }

func (c *Cache) slot(ref slotRef) *cacheSlot {
	if ref.protected {
		return &c.protected[ref.i]
	}
	return &c.probation[ref.i]
}

// Find implements [Store].
func (c *Cache) Find(ctx context.Context, h Hash) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := time.Now()
	var (
		rec         *Record
		expires     time.Time
		onProbation bool
	)
	c.mu.RLock()
	ref, ok := c.index[h]
	if ok {
		s := c.slot(ref)
		rec, expires, onProbation = s.rec, s.expires, !ref.protected
		if ref.protected && atomic.LoadUint32(&s.used) == 0 {
			atomic.StoreUint32(&s.used, 1)
		}
	}
	gen := c.gens[bucket(h)]
	c.mu.RUnlock()
	if ok && now.Before(expires) && now.Before(rec.Expires) {
		if onProbation && c.protectedCap > 0 {
			c.promote(h, now)
		}
		return rec, nil
	}
	rec, err := c.store.Find(ctx, h)
	if err != nil {
		if ok {
			c.evict(h)
		}
		return nil, err
	}
	c.admit(rec, now, gen)
	return rec, nil
}

// admit caches rec, just read from the store, or refreshes its entry,
// unless a write or eviction in its bucket since gen may have made it
// stale.
func (c *Cache) admit(rec *Record, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gens[bucket(rec.Hash)] {
		return
	}
	s := cacheSlot{hash: rec.Hash, rec: rec, expires: now.Add(c.ttl)}
	if ref, ok := c.index[rec.Hash]; ok {
		e := c.slot(ref)
		if e.rec.Version <= rec.Version {
			e.rec = rec
		}
		e.expires = s.expires
		return
	}
	if c.takeGhost(rec.Hash) {
		if d := c.protect(s, now); d.rec != nil {
			c.addProbation(d)
		}
		return
	}
	c.addProbation(s)
}

// promote moves h from probation to the protected segment.
func (c *Cache) promote(h Hash, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ref, ok := c.index[h]
	if !ok || ref.protected {
		return // evicted or promoted meanwhile
	}
	p := &c.probation[ref.i]
	d := c.protect(*p, now)
	// The displaced record, if any, takes the promoted one's place on
	// probation.
	*p = d
	if d.rec != nil {
		c.index[d.hash] = ref
	}
}

// protect puts s in the protected segment and returns the record it
// displaced there, if any, unindexed.
func (c *Cache) protect(s cacheSlot, now time.Time) (displaced cacheSlot) {
	s.used = 0 // it must be read again before the hand comes round
	if len(c.protected) < c.protectedCap {
		c.index[s.hash] = slotRef{i: int32(len(c.protected)), protected: true}
		c.protected = append(c.protected, s)
		return cacheSlot{}
	}
	// CLOCK: advance the hand to a slot that is empty, expired, or not
	// read since the hand last passed, clearing the used bits on the way.
	// It stops within one turn and a slot.
	for {
		i := c.clockHand
		c.clockHand = (i + 1) % len(c.protected)
		e := &c.protected[i]
		if e.rec != nil && now.Before(e.expires) && atomic.LoadUint32(&e.used) != 0 {
			atomic.StoreUint32(&e.used, 0)
			continue
		}
		displaced, *e = *e, s
		c.index[s.hash] = slotRef{i: int32(i), protected: true}
		if displaced.rec != nil {
			delete(c.index, displaced.hash)
			displaced.used = 0
		}
		return displaced
	}
}

// addProbation puts s on probation, where it takes the place of the
// oldest record once probation is full; that one leaves a ghost.
func (c *Cache) addProbation(s cacheSlot) {
	if len(c.probation) < c.probationCap {
		c.index[s.hash] = slotRef{i: int32(len(c.probation))}
		c.probation = append(c.probation, s)
		return
	}
	i := c.probHand
	c.probHand = (i + 1) % c.probationCap
	if old := &c.probation[i]; old.rec != nil {
		delete(c.index, old.hash)
		c.addGhost(old.hash)
	}
	c.probation[i] = s
	c.index[s.hash] = slotRef{i: int32(i)}
}

func (c *Cache) addGhost(h Hash) {
	if c.ghostCap == 0 {
		return
	}
	fp := fingerprint(h)
	if len(c.ghostRing) < c.ghostCap {
		c.ghosts[fp] = int32(len(c.ghostRing))
		c.ghostRing = append(c.ghostRing, fp)
		return
	}
	i := c.ghostHand
	c.ghostHand = (i + 1) % c.ghostCap
	if old := c.ghostRing[i]; c.ghosts[old] == int32(i) {
		delete(c.ghosts, old)
	}
	c.ghostRing[i] = fp
	c.ghosts[fp] = int32(i)
}

// takeGhost reports whether h left a ghost, and removes it.
func (c *Cache) takeGhost(h Hash) bool {
	fp := fingerprint(h)
	if _, ok := c.ghosts[fp]; !ok {
		return false
	}
	delete(c.ghosts, fp)
	return true
}

func (c *Cache) evict(h Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ref, ok := c.index[h]; ok {
		*c.slot(ref) = cacheSlot{}
		delete(c.index, h)
	}
	c.gens[bucket(h)]++
}

// Insert implements [Store]. It does not cache rec: see [Cache].
func (c *Cache) Insert(ctx context.Context, rec *Record) error {
	if err := c.store.Insert(ctx, rec); err != nil {
		c.evict(rec.Hash)
		return err
	}
	return nil
}

// Update implements [Store].
func (c *Cache) Update(ctx context.Context, rec *Record) error {
	if err := c.store.Update(ctx, rec); err != nil {
		c.evict(rec.Hash)
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A Find that read the previous version before this write may be about
	// to cache it: make it drop that.
	c.gens[bucket(rec.Hash)]++
	// If the entry is there, no Delete of this record has finished since
	// the write (a Delete evicts after the store deleted), so refreshing it
	// cannot bring a deleted session back. Caching a record not yet cached
	// is left to Find.
	if ref, ok := c.index[rec.Hash]; ok {
		if s := c.slot(ref); s.rec.Version < rec.Version {
			s.rec, s.expires = rec, time.Now().Add(c.ttl)
		}
	}
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
