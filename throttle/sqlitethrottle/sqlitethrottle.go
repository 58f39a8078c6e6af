// Package sqlitethrottle is a [throttle.Store] in SQLite, through
// database/sql and the pure-Go driver modernc.org/sqlite (no cgo).
//
// It suits a single server that keeps its data in SQLite anyway: counters
// survive restarts and are shared by every process using the same file.
// Several servers need pgthrottle or redisthrottle instead.
//
// # Opening the database
//
// Open the file with a busy timeout, so that concurrent writers wait
// instead of failing with SQLITE_BUSY, and preferably in WAL mode with
// synchronous=NORMAL, which cuts the cost of each counter update by about
// three (a power cut may then lose the last few updates, never corrupt the
// file):
//
//	db, err := sql.Open("sqlite", "file:app.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
//
// Do not use ":memory:" with database/sql: every pooled connection would
// get its own empty database. Use throttle.MemoryStore for that.
//
// # Schema and cleanup
//
// [Store.Migrate] creates the table (default rampart_throttle) and an index
// on the expiry time if they do not exist. Expired rows are invisible at
// once and deleted by [Store.DeleteExpired], which the store also runs by
// itself after every 1000 increments. All queries are parameterized; the
// table name is checked when the store is created.
package sqlitethrottle

import (
	"context"
	"database/sql"
	"math"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/rampartgo/rampart/throttle"
)

// Config configures a [Store]. Every field's doc ends with its default.
type Config struct {
	// Table is the name of the counters table: an ASCII letter or
	// underscore, then letters, digits or underscores, at most 63 in all.
	// Default "rampart_throttle".
	Table string
}

// cleanupEvery is how many increments pass between automatic deletions of
// expired rows.
const cleanupEvery = 1000

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Store is a [throttle.Store] in one SQLite table. Safe for concurrent use.
type Store struct {
	db     *sql.DB
	table  string
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
func New(db *sql.DB, cfg Config) *Store {
	if db == nil {
		panic("rampart/throttle/sqlitethrottle: nil *sql.DB")
	}
	t := cfg.Table
	if t == "" {
		t = "rampart_throttle"
	}
	if !tableName.MatchString(t) {
		panic("rampart/throttle/sqlitethrottle: invalid table name " + `"` + t + `"`)
	}
	// The table name is validated above; values are always parameters.
	return &Store{
		db:    db,
		table: t,
		qIncr: `INSERT INTO ` + t + ` (k, n, last_ns, prev_ns, expires_ns) VALUES (?1, 1, ?2, 0, ?3)
ON CONFLICT (k) DO UPDATE SET
	n = CASE WHEN ` + t + `.expires_ns <= ?2 THEN 1 ELSE ` + t + `.n + 1 END,
	prev_ns = CASE WHEN ` + t + `.expires_ns <= ?2 THEN 0 ELSE ` + t + `.last_ns END,
	last_ns = ?2,
	expires_ns = ?3
RETURNING n, prev_ns`,
		qDecr:  `UPDATE ` + t + ` SET n = n - 1 WHERE k = ?1 AND n > 0 AND expires_ns > ?2`,
		qGet:   `SELECT n, last_ns FROM ` + t + ` WHERE k = ?1 AND expires_ns > ?2`,
		qReset: `DELETE FROM ` + t + ` WHERE k = ?1`,
		qSweep: `DELETE FROM ` + t + ` WHERE expires_ns <= ?1`,
	}
}

// Migrate creates the table and its index if they do not exist.
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+s.table+` (
	k TEXT PRIMARY KEY,
	n INTEGER NOT NULL,
	last_ns INTEGER NOT NULL,
	prev_ns INTEGER NOT NULL,
	expires_ns INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS `+s.table+`_expires ON `+s.table+` (expires_ns);`)
	return err
}

// Incr implements [throttle.Store].
func (s *Store) Incr(ctx context.Context, key string, now time.Time, ttl time.Duration) (throttle.Counter, error) {
	t := now.UnixNano()
	var n, prev int64
	if err := s.db.QueryRowContext(ctx, s.qIncr, key, t, addSat(t, ttl)).Scan(&n, &prev); err != nil {
		return throttle.Counter{}, err
	}
	if s.incrs.Add(1)%cleanupEvery == 0 {
		// Best effort: a failed cleanup leaves rows that are already
		// invisible, and the next round retries.
		_, _ = s.DeleteExpired(ctx, now)
	}
	return throttle.Counter{Count: int(n - 1), Last: unixTime(prev)}, nil
}

// Decr implements [throttle.Store].
func (s *Store) Decr(ctx context.Context, key string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, s.qDecr, key, now.UnixNano())
	return err
}

// Get implements [throttle.Store].
func (s *Store) Get(ctx context.Context, key string, now time.Time) (throttle.Counter, error) {
	var n, last int64
	err := s.db.QueryRowContext(ctx, s.qGet, key, now.UnixNano()).Scan(&n, &last)
	if err == sql.ErrNoRows {
		return throttle.Counter{}, nil
	}
	if err != nil {
		return throttle.Counter{}, err
	}
	return throttle.Counter{Count: int(n), Last: unixTime(last)}, nil
}

// Reset implements [throttle.Store].
func (s *Store) Reset(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, s.qReset, key)
	return err
}

// DeleteExpired deletes the rows expired at now and returns how many it
// deleted.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.qSweep, now.UnixNano())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
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
