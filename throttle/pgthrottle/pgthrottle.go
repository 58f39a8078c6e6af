// Package pgthrottle is a [throttle.Store] in PostgreSQL through pgx/v5, so
// that several application servers share their login counters.
//
// Pass a *pgxpool.Pool (anything with pgx's Exec and QueryRow). Every
// operation is one statement; an increment is a single
// INSERT ... ON CONFLICT DO UPDATE ... RETURNING, atomic under concurrency
// without explicit transactions.
//
// # Schema and cleanup
//
// [Store.Migrate] creates the table (default rampart_throttle, UNLOGGED
// unless Config.Logged: see there) and an index on the expiry time if they
// do not exist. Expired rows are invisible at
// once and deleted by [Store.DeleteExpired], which the store also runs by
// itself after every 1000 increments made through it. All queries are
// parameterized; the table name is checked when the store is created.
// Times are stored as Unix nanoseconds of the application's clock, so
// servers' clocks should agree (NTP) to within a small fraction of a
// second.
package pgthrottle

import (
	"context"
	"errors"
	"math"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rampartgo/rampart/throttle"
)

// DB is the part of *pgxpool.Pool (or *pgx.Conn, for a single goroutine)
// the store uses.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Config configures a [Store]. Every field's doc ends with its default.
type Config struct {
	// Table is the name of the counters table, optionally qualified by a
	// schema ("schema.table"); each part an ASCII letter or underscore,
	// then letters, digits or underscores, at most 63 in all. Unquoted,
	// so PostgreSQL folds it to lower case. Default "rampart_throttle".
	Table string

	// Logged makes Migrate create a regular, WAL-logged table instead of an
	// UNLOGGED one. Unlogged tables skip the write-ahead log, which makes
	// each counter update about twenty times cheaper (no fsync per commit),
	// but PostgreSQL empties them after a crash and does not replicate them
	// to standbys, so counters restart from zero after a crash or a
	// failover. Set Logged when that matters more than login latency. It
	// has no effect on a table that already exists. Default false.
	Logged bool
}

const cleanupEvery = 1000

var tableName = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Store is a [throttle.Store] in one PostgreSQL table. Safe for concurrent
// use when its DB is (a pool is).
type Store struct {
	db     DB
	table  string
	index  string
	logged bool
	incrs  atomic.Uint64
	qIncr  string
	qDecr  string
	qGet   string
	qReset string
	qSweep string
}

var _ throttle.Store = (*Store)(nil)

// New returns a Store over db. It panics if cfg.Table is not a valid name.
// Call [Store.Migrate] once before use.
func New(db DB, cfg Config) *Store {
	if db == nil {
		panic("rampart/throttle/pgthrottle: nil DB")
	}
	t := cfg.Table
	if t == "" {
		t = "rampart_throttle"
	}
	if !tableName.MatchString(t) {
		panic("rampart/throttle/pgthrottle: invalid table name " + `"` + t + `"`)
	}
	index := t + "_expires"
	if i := lastDot(t); i >= 0 {
		index = t[i+1:] + "_expires" // an index lives in its table's schema
	}
	// The table name is validated above; values are always parameters.
	return &Store{
		db:     db,
		table:  t,
		index:  index,
		logged: cfg.Logged,
		qIncr: `INSERT INTO ` + t + ` AS c (k, n, last_ns, prev_ns, expires_ns) VALUES ($1, 1, $2, 0, $3)
ON CONFLICT (k) DO UPDATE SET
	n = CASE WHEN c.expires_ns <= $2 THEN 1 ELSE c.n + 1 END,
	prev_ns = CASE WHEN c.expires_ns <= $2 THEN 0 ELSE c.last_ns END,
	last_ns = $2,
	expires_ns = $3
RETURNING n, prev_ns`,
		qDecr:  `UPDATE ` + t + ` SET n = n - 1 WHERE k = $1 AND n > 0 AND expires_ns > $2`,
		qGet:   `SELECT n, last_ns FROM ` + t + ` WHERE k = $1 AND expires_ns > $2`,
		qReset: `DELETE FROM ` + t + ` WHERE k = $1`,
		qSweep: `DELETE FROM ` + t + ` WHERE expires_ns <= $1`,
	}
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// Migrate creates the table (UNLOGGED unless Config.Logged) and its index if
// they do not exist.
func (s *Store) Migrate(ctx context.Context) error {
	kind := "UNLOGGED TABLE"
	if s.logged {
		kind = "TABLE"
	}
	if _, err := s.db.Exec(ctx, `CREATE `+kind+` IF NOT EXISTS `+s.table+` (
	k TEXT PRIMARY KEY,
	n BIGINT NOT NULL,
	last_ns BIGINT NOT NULL,
	prev_ns BIGINT NOT NULL,
	expires_ns BIGINT NOT NULL
)`); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `CREATE INDEX IF NOT EXISTS `+s.index+` ON `+s.table+` (expires_ns)`)
	return err
}

// Incr implements [throttle.Store].
func (s *Store) Incr(ctx context.Context, key string, now time.Time, ttl time.Duration) (throttle.Counter, error) {
	t := now.UnixNano()
	var n, prev int64
	if err := s.db.QueryRow(ctx, s.qIncr, key, t, addSat(t, ttl)).Scan(&n, &prev); err != nil {
		return throttle.Counter{}, err
	}
	if s.incrs.Add(1)%cleanupEvery == 0 {
		// Best effort: expired rows are already invisible; the next round
		// retries.
		_, _ = s.DeleteExpired(ctx, now)
	}
	return throttle.Counter{Count: int(n - 1), Last: unixTime(prev)}, nil
}

// Decr implements [throttle.Store].
func (s *Store) Decr(ctx context.Context, key string, now time.Time) error {
	_, err := s.db.Exec(ctx, s.qDecr, key, now.UnixNano())
	return err
}

// Get implements [throttle.Store].
func (s *Store) Get(ctx context.Context, key string, now time.Time) (throttle.Counter, error) {
	var n, last int64
	err := s.db.QueryRow(ctx, s.qGet, key, now.UnixNano()).Scan(&n, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return throttle.Counter{}, nil
	}
	if err != nil {
		return throttle.Counter{}, err
	}
	return throttle.Counter{Count: int(n), Last: unixTime(last)}, nil
}

// Reset implements [throttle.Store].
func (s *Store) Reset(ctx context.Context, key string) error {
	_, err := s.db.Exec(ctx, s.qReset, key)
	return err
}

// DeleteExpired deletes the rows expired at now and returns how many it
// deleted.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.db.Exec(ctx, s.qSweep, now.UnixNano())
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

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
