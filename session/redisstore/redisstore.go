// Package redisstore is a [session.Store] in Redis through go-redis/v9, so
// that several application servers share their sessions.
//
// Each read is a network round trip. session.NewCache in front of the
// store serves repeated reads from memory for up to a second; with
// several servers that is also how late another server's reads notice a
// revocation (writes are checked against the store at once).
//
// # Layout
//
// Each session is one hash under Config.Prefix + "s:" + the hex SHA-256
// of its token (the token itself is never stored), with fields v (the
// version), u (the owner) and d (the rest of the record, and the values
// encoded with [session.EncodeValues]). The key expires, by Redis's own
// clock, when the session does (PEXPIREAT), so Redis deletes expired
// sessions itself and needs no cleanup job.
//
// Each user's sessions are indexed in a set under Config.Prefix + "u:" +
// the user id, holding the hex hashes, whose TTL is stretched to cover
// the longest-lived member. Members whose session has expired are pruned
// as ListByUser meets them. ListByUser walks the set with SSCAN, never
// KEYS, and the store issues no command that scans the keyspace.
//
// Writes are Lua scripts, so each is atomic: an update checks the
// version and moves the session between users' sets in one step. The
// scripts touch a user's set named from data they read, which Redis
// Cluster does not allow: use a single Redis server (with replicas or
// Sentinel for failover).
package redisstore

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampartgo/rampart/session"
)

// Config configures a [Store]. Every field's doc ends with its default.
type Config struct {
	// Prefix is prepended to every key, to share a Redis database with
	// other data. Default "rampart:session:".
	Prefix string
}

// Store is a [session.Store] in Redis. Safe for concurrent use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ session.Store = (*Store)(nil)

// New returns a Store over rdb (a *redis.Client, or a failover client).
func New(rdb redis.UniversalClient, cfg Config) *Store {
	if rdb == nil {
		panic("rampart/session/redisstore: nil client")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "rampart:session:"
	}
	return &Store{rdb: rdb, prefix: cfg.Prefix}
}

// index adds ARGV member to the user set KEYS and makes the set live at
// least ARGV ttl milliseconds.
const indexLua = `
local function index(ukey, member, ttl)
	redis.call('SADD', ukey, member)
	local cur = redis.call('PTTL', ukey)
	if cur < tonumber(ttl) then
		redis.call('PEXPIRE', ukey, ttl)
	end
end
`

// insertScript: KEYS[1] session key. ARGV: version, user, data,
// expire-at (ms), ttl (ms), member, user key.
var insertScript = redis.NewScript(indexLua + `
if redis.call('EXISTS', KEYS[1]) == 1 then
	return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'u', ARGV[2], 'd', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
if ARGV[2] ~= '' and tonumber(ARGV[5]) > 0 then
	index(ARGV[7], ARGV[6], ARGV[5])
end
return 1
`)

// updateScript: KEYS[1] session key. ARGV: expected version, new version,
// user, data, expire-at (ms), ttl (ms), member, user-key prefix.
var updateScript = redis.NewScript(indexLua + `
local cur = redis.call('HMGET', KEYS[1], 'v', 'u')
if not cur[1] then
	return -1
end
if cur[1] ~= ARGV[1] then
	return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'u', ARGV[3], 'd', ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
if cur[2] and cur[2] ~= '' and cur[2] ~= ARGV[3] then
	redis.call('SREM', ARGV[8] .. cur[2], ARGV[7])
end
if ARGV[3] ~= '' and tonumber(ARGV[6]) > 0 then
	index(ARGV[8] .. ARGV[3], ARGV[7], ARGV[6])
end
return 1
`)

// deleteScript: KEYS[1] session key. ARGV: member, user-key prefix.
var deleteScript = redis.NewScript(`
local u = redis.call('HGET', KEYS[1], 'u')
redis.call('DEL', KEYS[1])
if u and u ~= '' then
	redis.call('SREM', ARGV[2] .. u, ARGV[1])
end
return 1
`)

func (s *Store) sessionKey(member string) string { return s.prefix + "s:" + member }

func (s *Store) userPrefix() string { return s.prefix + "u:" }

func member(h session.Hash) string { return hex.EncodeToString(h[:]) }

// Find implements [session.Store].
func (s *Store) Find(ctx context.Context, h session.Hash) (*session.Record, error) {
	res, err := s.rdb.HMGet(ctx, s.sessionKey(member(h)), "v", "u", "d").Result()
	if err != nil {
		return nil, err
	}
	return decodeReply(h, res)
}

func decodeReply(h session.Hash, res []any) (*session.Record, error) {
	if len(res) != 3 || res[0] == nil {
		return nil, session.ErrNotFound
	}
	v, ok1 := res[0].(string)
	u, ok2 := res[1].(string)
	d, ok3 := res[2].(string)
	if !ok1 || !ok2 || !ok3 {
		return nil, errCorrupt
	}
	version, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return nil, errCorrupt
	}
	rec, err := decodeRecord([]byte(d))
	if err != nil {
		return nil, err
	}
	rec.Hash, rec.Version, rec.UserID = h, version, u
	if !time.Now().Before(rec.Expires) {
		// Redis has not deleted it yet (its clock, or a lag of a few ms).
		return nil, session.ErrNotFound
	}
	return rec, nil
}

// ttl returns the milliseconds until t (the scripts index nothing when
// it is not positive) and t as Unix milliseconds.
func ttl(t time.Time) (ms, at int64) {
	return time.Until(t).Milliseconds(), t.UnixMilli()
}

// Insert implements [session.Store].
func (s *Store) Insert(ctx context.Context, rec *session.Record) error {
	m := member(rec.Hash)
	ms, at := ttl(rec.Expires)
	n, err := insertScript.Run(ctx, s.rdb, []string{s.sessionKey(m)},
		strconv.FormatUint(rec.Version, 10), rec.UserID, encodeRecord(rec), at, ms, m, s.userPrefix()+rec.UserID).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return session.ErrConflict
	}
	return nil
}

// Update implements [session.Store].
func (s *Store) Update(ctx context.Context, rec *session.Record) error {
	m := member(rec.Hash)
	ms, at := ttl(rec.Expires)
	n, err := updateScript.Run(ctx, s.rdb, []string{s.sessionKey(m)},
		strconv.FormatUint(rec.Version-1, 10), strconv.FormatUint(rec.Version, 10), rec.UserID,
		encodeRecord(rec), at, ms, m, s.userPrefix()).Int()
	if err != nil {
		return err
	}
	switch n {
	case 1:
		return nil
	case 0:
		return session.ErrConflict
	}
	return session.ErrNotFound
}

// Delete implements [session.Store].
func (s *Store) Delete(ctx context.Context, h session.Hash) error {
	m := member(h)
	return deleteScript.Run(ctx, s.rdb, []string{s.sessionKey(m)}, m, s.userPrefix()).Err()
}

// ListByUser implements [session.Store].
func (s *Store) ListByUser(ctx context.Context, userID string) ([]*session.Record, error) {
	ukey := s.userPrefix() + userID
	var recs []*session.Record
	var stale []any
	var cursor uint64
	for {
		members, next, err := s.rdb.SScan(ctx, ukey, cursor, "", 100).Result()
		if err != nil {
			return nil, err
		}
		if len(members) > 0 {
			pipe := s.rdb.Pipeline()
			cmds := make([]*redis.SliceCmd, len(members))
			for i, m := range members {
				cmds[i] = pipe.HMGet(ctx, s.sessionKey(m), "v", "u", "d")
			}
			if _, err := pipe.Exec(ctx); err != nil {
				return nil, err
			}
			for i, m := range members {
				var h session.Hash
				if len(m) != 2*len(h) {
					stale = append(stale, m)
					continue
				}
				if _, err := hex.Decode(h[:], []byte(m)); err != nil {
					stale = append(stale, m)
					continue
				}
				rec, err := decodeReply(h, cmds[i].Val())
				switch {
				case errors.Is(err, session.ErrNotFound):
					stale = append(stale, m)
				case err != nil:
					return nil, err
				case rec.UserID == userID:
					recs = append(recs, rec)
				}
			}
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	if len(stale) > 0 {
		// Best effort: a stale member only costs a lookup next time.
		_ = s.rdb.SRem(ctx, ukey, stale...).Err()
	}
	return recs, nil
}

var errCorrupt = errors.New("rampart/session/redisstore: corrupt session entry")

// The d field: a format byte (1), then the handle, created, last seen
// and expiry times (Unix ns, varints), the IP (text), the user agent and
// the binding secret (each uvarint length + bytes), then the values in
// session.EncodeValues form to the end.
const recordFormat = 1

func encodeRecord(rec *session.Record) []byte {
	b := make([]byte, 0, 128)
	b = append(b, recordFormat)
	b = appendString(b, rec.Handle)
	b = binary.AppendVarint(b, rec.Created.UnixNano())
	b = binary.AppendVarint(b, rec.LastSeen.UnixNano())
	b = binary.AppendVarint(b, rec.Expires.UnixNano())
	ip := ""
	if rec.IP.IsValid() {
		ip = rec.IP.String()
	}
	b = appendString(b, ip)
	b = appendString(b, rec.UserAgent)
	b = appendString(b, string(rec.Binding))
	return session.AppendValues(b, rec.Values)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func decodeRecord(b []byte) (*session.Record, error) {
	if len(b) == 0 || b[0] != recordFormat {
		return nil, errCorrupt
	}
	b = b[1:]
	rec := &session.Record{}
	var ok bool
	var created, lastSeen, expires int64
	var ip, binding string
	if rec.Handle, b, ok = readString(b); !ok {
		return nil, errCorrupt
	}
	for _, p := range []*int64{&created, &lastSeen, &expires} {
		v, n := binary.Varint(b)
		if n <= 0 || (n > 1 && b[n-1] == 0) {
			return nil, errCorrupt
		}
		*p, b = v, b[n:]
	}
	rec.Created, rec.LastSeen, rec.Expires = time.Unix(0, created), time.Unix(0, lastSeen), time.Unix(0, expires)
	if ip, b, ok = readString(b); !ok {
		return nil, errCorrupt
	}
	if ip != "" {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return nil, errCorrupt
		}
		rec.IP = addr
	}
	if rec.UserAgent, b, ok = readString(b); !ok {
		return nil, errCorrupt
	}
	if binding, b, ok = readString(b); !ok {
		return nil, errCorrupt
	}
	if binding != "" {
		rec.Binding = []byte(binding)
	}
	vals, err := session.DecodeValues(b)
	if err != nil {
		return nil, err
	}
	rec.Values = vals
	return rec, nil
}

func readString(b []byte) (string, []byte, bool) {
	n, m := binary.Uvarint(b)
	if m <= 0 || (m > 1 && b[m-1] == 0) || n > uint64(len(b)-m) {
		return "", b, false
	}
	b = b[m:]
	return string(b[:n]), b[n:], true
}
