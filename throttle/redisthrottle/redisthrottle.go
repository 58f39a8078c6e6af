// Package redisthrottle is a [throttle.Store] in Redis through go-redis/v9,
// so that several application servers share their login counters.
//
// Each counter is one hash (fields n and l) under Config.Prefix plus the
// limiter's key. An increment is one Lua script (HINCRBY, HSET, PEXPIRE),
// so it is atomic and the key always carries a TTL; Redis deletes expired
// counters itself and judges expiry by its own clock. Every key is a single
// slot, so a Redis Cluster works too.
package redisthrottle

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampartgo/rampart/throttle"
)

// Config configures a [Store]. Every field's doc ends with its default.
type Config struct {
	// Prefix is prepended to every key, to share a Redis database with
	// other data. Default "rampart:throttle:".
	Prefix string
}

// Store is a [throttle.Store] in Redis. Safe for concurrent use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ throttle.Store = (*Store)(nil)

// incrScript returns the count before the increment and the previous last
// time (as a string: nanoseconds do not fit Lua's doubles).
var incrScript = redis.NewScript(`
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local prev = redis.call('HGET', KEYS[1], 'l')
redis.call('HSET', KEYS[1], 'l', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {n - 1, prev or '0'}
`)

var decrScript = redis.NewScript(`
local n = tonumber(redis.call('HGET', KEYS[1], 'n'))
if n and n > 0 then
	redis.call('HINCRBY', KEYS[1], 'n', -1)
end
return 0
`)

// maxTTL keeps PEXPIRE's argument sane for huge Config.Window values.
const maxTTL = 100 * 365 * 24 * time.Hour

// New returns a Store over rdb (a *redis.Client, *redis.ClusterClient or
// *redis.Ring).
func New(rdb redis.UniversalClient, cfg Config) *Store {
	if rdb == nil {
		panic("rampart/throttle/redisthrottle: nil client")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "rampart:throttle:"
	}
	return &Store{rdb: rdb, prefix: cfg.Prefix}
}

// Incr implements [throttle.Store].
func (s *Store) Incr(ctx context.Context, key string, now time.Time, ttl time.Duration) (throttle.Counter, error) {
	ms := min(max(ttl, time.Millisecond), maxTTL).Milliseconds()
	res, err := incrScript.Run(ctx, s.rdb, []string{s.prefix + key}, strconv.FormatInt(now.UnixNano(), 10), ms).Slice()
	if err != nil {
		return throttle.Counter{}, err
	}
	if len(res) != 2 {
		return throttle.Counter{}, errors.New("rampart/throttle/redisthrottle: unexpected script reply")
	}
	n, ok := res[0].(int64)
	last, ok2 := res[1].(string)
	if !ok || !ok2 {
		return throttle.Counter{}, errors.New("rampart/throttle/redisthrottle: unexpected script reply")
	}
	lastNs, err := strconv.ParseInt(last, 10, 64)
	if err != nil {
		return throttle.Counter{}, errors.New("rampart/throttle/redisthrottle: corrupt counter")
	}
	return throttle.Counter{Count: int(n), Last: unixTime(lastNs)}, nil
}

// Decr implements [throttle.Store].
func (s *Store) Decr(ctx context.Context, key string, _ time.Time) error {
	return decrScript.Run(ctx, s.rdb, []string{s.prefix + key}).Err()
}

// Get implements [throttle.Store].
func (s *Store) Get(ctx context.Context, key string, _ time.Time) (throttle.Counter, error) {
	vals, err := s.rdb.HMGet(ctx, s.prefix+key, "n", "l").Result()
	if err != nil {
		return throttle.Counter{}, err
	}
	ns, ok := vals[0].(string)
	ls, ok2 := vals[1].(string)
	if !ok || !ok2 {
		return throttle.Counter{}, nil // absent or expired
	}
	n, err := strconv.Atoi(ns)
	lastNs, err2 := strconv.ParseInt(ls, 10, 64)
	if err != nil || err2 != nil {
		return throttle.Counter{}, errors.New("rampart/throttle/redisthrottle: corrupt counter")
	}
	return throttle.Counter{Count: n, Last: unixTime(lastNs)}, nil
}

// Reset implements [throttle.Store].
func (s *Store) Reset(ctx context.Context, key string) error {
	return s.rdb.Del(ctx, s.prefix+key).Err()
}

func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
