// Package pgstore is a [session.Store] in PostgreSQL through pgx/v5, so
// that several application servers share their sessions.
//
// Pass a *pgxpool.Pool (anything with pgx's Exec, Query and QueryRow).
// pgx prepares and caches each statement per connection by itself; every
// statement here is a static, parameterized string built once in [New]
// from the validated table name. Each operation is a single statement:
// an update is one UPDATE ... WHERE version = $n, atomic without an
// explicit transaction.
//
// Each read is a network round trip. session.NewCache in front of the
// store serves repeated reads from memory for up to a second; with
// several servers that is also how late another server's reads notice a
// revocation (writes are checked against the store at once).
//
// # Schema and cleanup
//
// [Store.Migrate] creates the table (default rampart_sessions) with an
// index on the owner and one on the expiry time, if they do not exist.
// The key is the SHA-256 of the session token; the token itself is never
// stored. Values are encoded with [session.EncodeValues]. Times are Unix
// nanoseconds of the application's clock, so servers' clocks should agree
// (NTP) to well within a second. Expired rows are invisible at once;
// [Store.Cleanup] deletes them, the store runs it itself after every 1000
// inserts made through it, and every Config.CleanupInterval in a
// background goroutine if that is set ([Store.Stop] ends it).
package pgstore

import (
	"context"
	"errors"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rampartgo/rampart/session"
)

// DB is the part of *pgxpool.Pool (or *pgx.Conn, for a single goroutine)
// the store uses.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Config configures a [Store]. Every field's doc ends with its default.
type Config struct {
	// Table is the name of the sessions table, optionally qualified by a
	// schema ("schema.table"); each part an ASCII letter or underscore,
	// then letters, digits or underscores, at most 63 in all. Unquoted,
	// so PostgreSQL folds it to lower case. Default "rampart_sessions".
	Table string

	// CleanupInterval, if positive, starts a goroutine that deletes
	// expired sessions this often until [Store.Stop]. With several
	// servers, one running it is enough. Default 0: no goroutine (the
	// store still cleans up after every 1000 inserts).
	CleanupInterval time.Duration
}

var tableName = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$`)

const cleanupEvery = 1000

// Store is a [session.Store] in one PostgreSQL table. Safe for concurrent
// use when its DB is (a pool is).
type Store struct {
	db       DB
	table    string
	base     string // the table name without its schema, for index names
	inserts  atomic.Uint64
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	qFind, qInsert, qUpdate, qVersion, qDelete, qList, qCleanup string
}

var _ session.Store = (*Store)(nil)

const columns = `hash, handle, user_id, version, created_ns, last_seen_ns, expires_ns, ip, user_agent, binding, data`

// New returns a Store over db. It panics if cfg.Table is not a valid
// name. Call [Store.Migrate] once before use.
func New(db DB, cfg Config) *Store {
	if db == nil {
		panic("rampart/session/pgstore: nil DB")
	}
	t := cfg.Table
	if t == "" {
		t = "rampart_sessions"
	}
	if !tableName.MatchString(t) {
		panic("rampart/session/pgstore: invalid table name " + `"` + t + `"`)
	}
	if cfg.CleanupInterval < 0 {
		panic("rampart/session/pgstore: negative CleanupInterval")
	}
	base := t
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		base = t[i+1:] // an index lives in its table's schema
	}
	// The table name is validated above; values are always parameters.
	s := &Store{
		db:    db,
		table: t,
		base:  base,
		qFind: `SELECT ` + columns + ` FROM ` + t + ` WHERE hash = $1 AND expires_ns > $2`,
		// An expired row under the same hash may be replaced; a live one
		// may not (the upsert's WHERE leaves it, and no row changes).
		qInsert: `INSERT INTO ` + t + ` AS s (` + columns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (hash) DO UPDATE SET handle = excluded.handle, user_id = excluded.user_id, version = excluded.version,
	created_ns = excluded.created_ns, last_seen_ns = excluded.last_seen_ns, expires_ns = excluded.expires_ns,
	ip = excluded.ip, user_agent = excluded.user_agent, binding = excluded.binding, data = excluded.data
WHERE s.expires_ns <= $12`,
		qUpdate: `UPDATE ` + t + ` SET handle = $2, user_id = $3, version = $4, created_ns = $5, last_seen_ns = $6,
	expires_ns = $7, ip = $8, user_agent = $9, binding = $10, data = $11
WHERE hash = $1 AND version = $12 AND expires_ns > $13`,
		qVersion: `SELECT version FROM ` + t + ` WHERE hash = $1 AND expires_ns > $2`,
		qDelete:  `DELETE FROM ` + t + ` WHERE hash = $1`,
		qList:    `SELECT ` + columns + ` FROM ` + t + ` WHERE user_id = $1 AND expires_ns > $2`,
		qCleanup: `DELETE FROM ` + t + ` WHERE expires_ns <= $1`,
	}
	if cfg.CleanupInterval > 0 {
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.cleanupLoop(cfg.CleanupInterval)
	}
	return s
}

// Migrate creates the table and its indexes if they do not exist.
func (s *Store) Migrate(ctx context.Context) error {
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS ` + s.table + ` (
	hash BYTEA PRIMARY KEY,
	handle TEXT NOT NULL,
	user_id TEXT NOT NULL,
	version BIGINT NOT NULL,
	created_ns BIGINT NOT NULL,
	last_seen_ns BIGINT NOT NULL,
	expires_ns BIGINT NOT NULL,
	ip TEXT NOT NULL,
	user_agent TEXT NOT NULL,
	binding BYTEA,
	data BYTEA NOT NULL
)`,
		`CREATE INDEX IF NOT EXISTS ` + s.base + `_user ON ` + s.table + ` (user_id) WHERE user_id <> ''`,
		`CREATE INDEX IF NOT EXISTS ` + s.base + `_expires ON ` + s.table + ` (expires_ns)`,
	} {
		if _, err := s.db.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func scanRecord(row pgx.Row) (*session.Record, error) {
	var (
		hash, binding, data        []byte
		rec                        session.Record
		version                    int64
		created, lastSeen, expires int64
		ip                         string
	)
	if err := row.Scan(&hash, &rec.Handle, &rec.UserID, &version, &created, &lastSeen, &expires,
		&ip, &rec.UserAgent, &binding, &data); err != nil {
		return nil, err
	}
	if len(hash) != len(rec.Hash) {
		return nil, errors.New("rampart/session/pgstore: corrupt hash column")
	}
	copy(rec.Hash[:], hash)
	rec.Version = uint64(version)
	rec.Created, rec.LastSeen, rec.Expires = time.Unix(0, created), time.Unix(0, lastSeen), time.Unix(0, expires)
	if ip != "" {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return nil, errors.New("rampart/session/pgstore: corrupt ip column")
		}
		rec.IP = addr
	}
	if len(binding) > 0 {
		rec.Binding = binding
	}
	vals, err := session.DecodeValues(data)
	if err != nil {
		return nil, err
	}
	rec.Values = vals
	return &rec, nil
}

func ipText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// Find implements [session.Store].
func (s *Store) Find(ctx context.Context, h session.Hash) (*session.Record, error) {
	rec, err := scanRecord(s.db.QueryRow(ctx, s.qFind, h[:], time.Now().UnixNano()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, session.ErrNotFound
	}
	return rec, err
}

func args(rec *session.Record, extra ...any) []any {
	return append([]any{rec.Hash[:], rec.Handle, rec.UserID, int64(rec.Version), rec.Created.UnixNano(),
		rec.LastSeen.UnixNano(), rec.Expires.UnixNano(), ipText(rec.IP), rec.UserAgent, rec.Binding,
		session.EncodeValues(rec.Values)}, extra...)
}

// Insert implements [session.Store].
func (s *Store) Insert(ctx context.Context, rec *session.Record) error {
	tag, err := s.db.Exec(ctx, s.qInsert, args(rec, time.Now().UnixNano())...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return session.ErrConflict
	}
	if s.inserts.Add(1)%cleanupEvery == 0 {
		// Best effort: expired rows are already invisible.
		_, _ = s.Cleanup(ctx)
	}
	return nil
}

// Update implements [session.Store].
func (s *Store) Update(ctx context.Context, rec *session.Record) error {
	now := time.Now().UnixNano()
	tag, err := s.db.Exec(ctx, s.qUpdate, args(rec, int64(rec.Version-1), now)...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	// Nothing changed: tell a missing record from a newer version.
	var v int64
	err = s.db.QueryRow(ctx, s.qVersion, rec.Hash[:], now).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return session.ErrNotFound
	case err != nil:
		return err
	}
	return session.ErrConflict
}

// Delete implements [session.Store].
func (s *Store) Delete(ctx context.Context, h session.Hash) error {
	_, err := s.db.Exec(ctx, s.qDelete, h[:])
	return err
}

// ListByUser implements [session.Store].
func (s *Store) ListByUser(ctx context.Context, userID string) ([]*session.Record, error) {
	rows, err := s.db.Query(ctx, s.qList, userID, time.Now().UnixNano())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var recs []*session.Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, rows.Err()
}

// Cleanup deletes the expired sessions and returns how many it deleted.
func (s *Store) Cleanup(ctx context.Context) (int64, error) {
	tag, err := s.db.Exec(ctx, s.qCleanup, time.Now().UnixNano())
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (s *Store) cleanupLoop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			_, _ = s.Cleanup(ctx) // best effort; the next tick retries
			cancel()
		}
	}
}

// Stop ends the cleanup goroutine, if any, and waits for it. It does not
// close the pool. The Store remains usable.
func (s *Store) Stop() {
	s.stopOnce.Do(func() {
		if s.stop != nil {
			close(s.stop)
			<-s.done
		}
	})
}
