// Package redistoken is a [token.Store] in Redis through go-redis/v9, so
// that several application servers share refresh families and revocations.
//
// # Layout
//
// Under Config.Prefix: a hash per family (fam:<id>) and per refresh token
// (rt:<hex SHA-256>; the token itself is never stored), both expiring with
// the family; a set of family IDs per user (user:<id>) for "log out
// everywhere"; and the revocation records in one hash (rev) indexed by
// expiry in a sorted set (revexp). Redis deletes expired families and
// tokens itself; expired revocation records are trimmed on each Revoke.
//
// # Atomicity
//
// Create, Rotate and Revoke are each one Lua script, so a rotation checks and
// spends a token atomically: of two concurrent uses exactly one wins. The
// scripts build family and user keys from the prefix, so on a Redis Cluster
// the prefix must contain a hash tag (for example "rampart:{token}:") to keep
// every key in one slot. Expiry is judged by the application's clock, with
// Redis TTLs as the backstop.
package redistoken

import (
	"context"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampartgo/rampart/token"
)

// Config configures a [Store]. Every field's doc ends with its default.
type Config struct {
	// Prefix is prepended to every key, to share a Redis database with
	// other data. Default "rampart:token:".
	Prefix string
}

// Store is a [token.Store] in Redis. Safe for concurrent use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ token.Store = (*Store)(nil)

// New returns a Store over rdb (a *redis.Client, *redis.ClusterClient or
// *redis.Ring).
func New(rdb redis.UniversalClient, cfg Config) *Store {
	if rdb == nil {
		panic("rampart/token/redistoken: nil client")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "rampart:token:"
	}
	return &Store{rdb: rdb, prefix: cfg.Prefix}
}

var createScript = redis.NewScript(`
redis.call('HSET', KEYS[1], 'u', ARGV[1], 'c', ARGV[2], 'e', ARGV[3], 'x', ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('HSET', KEYS[2], 'f', ARGV[5])
redis.call('PEXPIREAT', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[5])
local ttl = redis.call('PTTL', KEYS[3])
if ttl < 0 or tonumber(ARGV[6]) + ttl < tonumber(ARGV[4]) then
	redis.call('PEXPIREAT', KEYS[3], ARGV[4])
end
return 0
`)

// rotateScript returns {status, family, user, created, expires}; status 0
// not found, 1 rotated, 2 reused, 3 revoked.
var rotateScript = redis.NewScript(`
local f = redis.call('HGET', KEYS[1], 'f')
if not f then return {0} end
local v = redis.call('HMGET', ARGV[1] .. 'fam:' .. f, 'u', 'c', 'e', 'x', 'r')
if not v[1] or tonumber(v[4]) <= tonumber(ARGV[2]) then return {0} end
local res = {1, f, v[1], v[2], v[3]}
if redis.call('HGET', KEYS[1], 's') == '1' then
	res[1] = 2
	return res
end
if v[5] == '1' then
	res[1] = 3
	return res
end
redis.call('HSET', KEYS[1], 's', '1')
redis.call('HSET', KEYS[2], 'f', f)
redis.call('PEXPIREAT', KEYS[2], v[4])
return res
`)

var revokeScript = redis.NewScript(`
local p = ARGV[7]
local function revoke(f)
	local fk = p .. 'fam:' .. f
	if redis.call('EXISTS', fk) == 1 then
		redis.call('HSET', fk, 'r', '1')
		return true
	end
	return false
end
if ARGV[1] == 'family' then
	revoke(ARGV[2])
elseif ARGV[1] == 'user' then
	local uk = p .. 'user:' .. ARGV[2]
	for _, f in ipairs(redis.call('SMEMBERS', uk)) do
		if not revoke(f) then redis.call('SREM', uk, f) end
	end
end
local field = ARGV[1] .. ':' .. ARGV[2]
redis.call('HSET', KEYS[1], field, ARGV[3] .. ' ' .. ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], field)
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[6], 'LIMIT', 0, 100)
for _, m in ipairs(old) do
	redis.call('HDEL', KEYS[1], m)
	redis.call('ZREM', KEYS[2], m)
end
return 0
`)

func ms(t time.Time) string  { return strconv.FormatInt(t.UnixMilli(), 10) }
func nsS(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func (s *Store) rt(h [32]byte) string { return s.prefix + "rt:" + hex.EncodeToString(h[:]) }

// Create implements [token.Store].
func (s *Store) Create(ctx context.Context, f token.Family, first [32]byte) error {
	keys := []string{s.prefix + "fam:" + f.ID, s.rt(first), s.prefix + "user:" + f.UserID}
	return createScript.Run(ctx, s.rdb, keys, f.UserID, nsS(f.Created), nsS(f.Expires), ms(f.Expires), f.ID, ms(time.Now())).Err()
}

var errReply = errors.New("rampart/token/redistoken: unexpected script reply")

// Rotate implements [token.Store].
func (s *Store) Rotate(ctx context.Context, old, next [32]byte, now time.Time) (token.Family, error) {
	res, err := rotateScript.Run(ctx, s.rdb, []string{s.rt(old), s.rt(next)}, s.prefix, ms(now)).Slice()
	if err != nil {
		return token.Family{}, err
	}
	status, ok := res[0].(int64)
	if !ok {
		return token.Family{}, errReply
	}
	if status == 0 {
		return token.Family{}, token.ErrNotFound
	}
	if len(res) != 5 {
		return token.Family{}, errReply
	}
	var str [4]string
	for i := range str {
		if str[i], ok = res[i+1].(string); !ok {
			return token.Family{}, errReply
		}
	}
	created, err1 := strconv.ParseInt(str[2], 10, 64)
	expires, err2 := strconv.ParseInt(str[3], 10, 64)
	if err1 != nil || err2 != nil {
		return token.Family{}, errReply
	}
	f := token.Family{ID: str[0], UserID: str[1], Created: time.Unix(0, created), Expires: time.Unix(0, expires)}
	switch status {
	case 2:
		return f, token.ErrReused
	case 3:
		return f, token.ErrRevoked
	}
	return f, nil
}

// Revoke implements [token.Store].
func (s *Store) Revoke(ctx context.Context, r token.Revocation) error {
	keys := []string{s.prefix + "rev", s.prefix + "revexp"}
	return revokeScript.Run(ctx, s.rdb, keys, string(r.Kind), r.ID, nsS(r.At), nsS(r.Expires), ms(r.Expires), ms(time.Now()), s.prefix).Err()
}

// Revocations implements [token.Store].
func (s *Store) Revocations(ctx context.Context, now time.Time) ([]token.Revocation, error) {
	all, err := s.rdb.HGetAll(ctx, s.prefix+"rev").Result()
	if err != nil {
		return nil, err
	}
	out := make([]token.Revocation, 0, len(all))
	for field, v := range all {
		kind, id, ok1 := strings.Cut(field, ":")
		at, exp, ok2 := strings.Cut(v, " ")
		atNs, err1 := strconv.ParseInt(at, 10, 64)
		expNs, err2 := strconv.ParseInt(exp, 10, 64)
		if !ok1 || !ok2 || err1 != nil || err2 != nil {
			return nil, errors.New("rampart/token/redistoken: corrupt revocation record")
		}
		if expNs <= now.UnixNano() {
			continue
		}
		out = append(out, token.Revocation{Kind: token.RevocationKind(kind), ID: id, At: time.Unix(0, atNs), Expires: time.Unix(0, expNs)})
	}
	return out, nil
}
