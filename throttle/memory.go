package throttle

import (
	"context"
	"hash/maphash"
	"math"
	"sync"
	"time"
)

// MemoryConfig configures a [MemoryStore]. Every field's doc ends with its
// default.
type MemoryConfig struct {
	// MaxEntries bounds the number of counters held, so that an attacker
	// rotating through addresses or account names cannot grow memory
	// without bound (about 150 bytes per entry). When full, expired
	// counters go first, then the least recently incremented of a small
	// random sample. Default 100000.
	MaxEntries int
}

const (
	memShards     = 64
	memSample     = 8    // entries examined per eviction
	memSweepEvery = 1024 // writes per shard between full sweeps of expired entries
)

// MemoryStore is the in-process [Store]: sharded maps with expiry and a
// bound on their size. It suits a single process; its counters vanish on
// restart and are not shared between instances. Safe for concurrent use.
type MemoryStore struct {
	seed     maphash.Seed
	perShard int
	shards   [memShards]memShard
}

type memShard struct {
	mu     sync.Mutex
	m      map[string]memEntry
	writes int
}

type memEntry struct {
	count         int
	last, expires int64 // unix nanoseconds
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore. A negative MaxEntries
// panics.
func NewMemoryStore(cfg MemoryConfig) *MemoryStore {
	if cfg.MaxEntries < 0 {
		panic("rampart/throttle: negative MemoryConfig.MaxEntries")
	}
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = 100000
	}
	s := &MemoryStore{seed: maphash.MakeSeed(), perShard: max(cfg.MaxEntries/memShards, 1)}
	for i := range s.shards {
		s.shards[i].m = make(map[string]memEntry)
	}
	return s
}

func (s *MemoryStore) shard(key string) *memShard {
	return &s.shards[maphash.String(s.seed, key)%memShards]
}

// Incr implements [Store].
func (s *MemoryStore) Incr(_ context.Context, key string, now time.Time, ttl time.Duration) (Counter, error) {
	t := now.UnixNano()
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.writes++
	if sh.writes >= memSweepEvery {
		sh.writes = 0
		sh.sweep(t)
	}
	e, ok := sh.m[key]
	var prev Counter
	if ok && e.expires > t {
		prev = Counter{Count: e.count, Last: unixTime(e.last)}
	} else {
		e = memEntry{}
		if !ok && len(sh.m) >= s.perShard {
			sh.evict(t)
		}
	}
	e.count++
	e.last = t
	e.expires = addSat(t, ttl)
	sh.m[key] = e
	return prev, nil
}

// Decr implements [Store].
func (s *MemoryStore) Decr(_ context.Context, key string, now time.Time) error {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e, ok := sh.m[key]; ok && e.expires > now.UnixNano() && e.count > 0 {
		e.count--
		sh.m[key] = e
	}
	return nil
}

// Get implements [Store].
func (s *MemoryStore) Get(_ context.Context, key string, now time.Time) (Counter, error) {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e, ok := sh.m[key]; ok && e.expires > now.UnixNano() {
		return Counter{Count: e.count, Last: unixTime(e.last)}, nil
	}
	return Counter{}, nil
}

// Reset implements [Store].
func (s *MemoryStore) Reset(_ context.Context, key string) error {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	delete(sh.m, key)
	return nil
}

// Len returns the number of counters held, including expired ones not yet
// swept.
func (s *MemoryStore) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// sweep deletes expired entries; it runs every memSweepEvery writes, so its
// cost is constant per write on average.
func (sh *memShard) sweep(now int64) {
	for k, e := range sh.m {
		if e.expires <= now {
			delete(sh.m, k)
		}
	}
}

// evict makes room for one entry: expired entries in a random sample go
// first, else the sampled entry incremented longest ago (approximate LRU,
// as Redis does). Map iteration order is randomised, which gives the sample.
func (sh *memShard) evict(now int64) {
	var (
		oldestKey string
		oldest    int64
		seen      int
		freed     bool
	)
	for k, e := range sh.m {
		if e.expires <= now {
			delete(sh.m, k)
			freed = true
		} else if seen == 0 || e.last < oldest {
			oldestKey, oldest = k, e.last
		}
		if seen++; seen >= memSample {
			break
		}
	}
	if !freed && seen > 0 {
		delete(sh.m, oldestKey)
	}
}

// addSat returns t+d, saturating instead of overflowing for huge TTLs.
func addSat(t int64, d time.Duration) int64 {
	if s := t + int64(d); s >= t {
		return s
	}
	return math.MaxInt64
}

func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
