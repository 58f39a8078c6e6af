// Package sqlitestore is a [session.Store] in SQLite, through
// database/sql and the pure-Go driver modernc.org/sqlite (no cgo): the
// embedded default for a single server.
//
// # Opening the database
//
// Open the file with a busy timeout, so that concurrent writers wait
// instead of failing with SQLITE_BUSY, and in WAL mode, so that readers
// do not wait for writers:
//
//	db, err := sql.Open("sqlite", "file:app.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
//
// Do not use ":memory:" with database/sql: every pooled connection would
// get its own empty database. Use session.MemoryStore for that.
//
// A read is one SELECT (about 10 µs). For a single server, put a
// session.Cache in front so that requests that only read their session
// cost no query:
//
//	store := session.NewCache(sqlitestore.New(db, sqlitestore.Config{}), session.CacheConfig{})
//
// # Schema
//
// [Store.Migrate] creates the table (default rampart_sessions) with an
// index on the owner (for the per-user list) and one on the expiry time
// (for cleanup), if they do not exist. The key is the SHA-256 of the
// session token; the token itself is never stored. Values are encoded
// with [session.EncodeValues]. Times are Unix nanoseconds of the
// application's clock. Every query is a static, parameterized statement
// built once in [New] from the validated table name; the hot one (Find)
// is prepared on first use.
//
// # Cleanup
//
// Expired rows are invisible at once. [Store.Cleanup] deletes them; the
// store runs it itself after every 1000 inserts, and every
// Config.CleanupInterval in a background goroutine if that is set
// ([Store.Stop] ends it).
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartgo/rampart/session"
)

// Config configures a [Store]. Every field's doc ends with its default.
type Config struct {
	// Table is the name of the sessions table: an ASCII letter or
	// underscore, then letters, digits or underscores, at most 63 in all.
	// Default "rampart_sessions".
	Table string

	// CleanupInterval, if positive, starts a goroutine that deletes
	// expired sessions this often until [Store.Stop]. Default 0: no
	// goroutine (the store still cleans up after every 1000 inserts).
	CleanupInterval time.Duration
}

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

const cleanupEvery = 1000

// Store is a [session.Store] in one SQLite table. Safe for concurrent use.
type Store struct {
	db      *sql.DB
	table   string
	inserts atomic.Uint64

	mu       sync.Mutex
	findStmt atomic.Pointer[sql.Stmt]
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	qFind, qInsert, qUpdate, qVersion, qDelete, qList, qCleanup string
}

var _ session.Store = (*Store)(nil)

const columns = `hash, handle, user_id, version, created_ns, last_seen_ns, expires_ns, ip, user_agent, binding, data`

// New returns a Store over db. It panics if cfg.Table is not a valid
// name. Call [Store.Migrate] once before use.
func New(db *sql.DB, cfg Config) *Store {
	if db == nil {
		panic("rampart/session/sqlitestore: nil *sql.DB")
	}
	t := cfg.Table
	if t == "" {
		t = "rampart_sessions"
	}
	if !tableName.MatchString(t) {
		panic("rampart/session/sqlitestore: invalid table name " + `"` + t + `"`)
	}
	if cfg.CleanupInterval < 0 {
		panic("rampart/session/sqlitestore: negative CleanupInterval")
	}
	// The table name is validated above; values are always parameters.
	s := &Store{
		db:    db,
		table: t,
		qFind: `SELECT ` + columns + ` FROM ` + t + ` WHERE hash = ?1 AND expires_ns > ?2`,
		// An expired row under the same hash may be replaced; a live one
		// may not (the upsert's WHERE leaves it, and no row changes).
		qInsert: `INSERT INTO ` + t + ` (` + columns + `) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (hash) DO UPDATE SET handle = excluded.handle, user_id = excluded.user_id, version = excluded.version,
	created_ns = excluded.created_ns, last_seen_ns = excluded.last_seen_ns, expires_ns = excluded.expires_ns,
	ip = excluded.ip, user_agent = excluded.user_agent, binding = excluded.binding, data = excluded.data
WHERE ` + t + `.expires_ns <= ?12`,
		qUpdate: `UPDATE ` + t + ` SET handle = ?2, user_id = ?3, version = ?4, created_ns = ?5, last_seen_ns = ?6,
	expires_ns = ?7, ip = ?8, user_agent = ?9, binding = ?10, data = ?11
WHERE hash = ?1 AND version = ?12 AND expires_ns > ?13`,
		qVersion: `SELECT version FROM ` + t + ` WHERE hash = ?1 AND expires_ns > ?2`,
		qDelete:  `DELETE FROM ` + t + ` WHERE hash = ?1`,
		qList:    `SELECT ` + columns + ` FROM ` + t + ` WHERE user_id = ?1 AND expires_ns > ?2`,
		qCleanup: `DELETE FROM ` + t + ` WHERE expires_ns <= ?1`,
	}
	if cfg.CleanupInterval > 0 {
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.cleanupLoop(cfg.CleanupInterval)
	}
	return s
}

// Migrate creates the table and its indexes if they do not exist.
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+s.table+` (
	hash BLOB PRIMARY KEY,
	handle TEXT NOT NULL,
	user_id TEXT NOT NULL,
	version INTEGER NOT NULL,
	created_ns INTEGER NOT NULL,
	last_seen_ns INTEGER NOT NULL,
	expires_ns INTEGER NOT NULL,
	ip TEXT NOT NULL,
	user_agent TEXT NOT NULL,
	binding BLOB,
	data BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS `+s.table+`_user ON `+s.table+` (user_id) WHERE user_id <> '';
CREATE INDEX IF NOT EXISTS `+s.table+`_expires ON `+s.table+` (expires_ns);`)
	return err
}

type scanner interface{ Scan(dest ...any) error }

func scanRecord(row scanner) (*session.Record, error) {
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
		return nil, errors.New("rampart/session/sqlitestore: corrupt hash column")
	}
	copy(rec.Hash[:], hash)
	rec.Version = uint64(version)
	rec.Created, rec.LastSeen, rec.Expires = time.Unix(0, created), time.Unix(0, lastSeen), time.Unix(0, expires)
	if ip != "" {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return nil, errors.New("rampart/session/sqlitestore: corrupt ip column")
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

func (s *Store) findStatement(ctx context.Context) *sql.Stmt {
	if st := s.findStmt.Load(); st != nil {
		return st
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.findStmt.Load(); st != nil {
		return st
	}
	st, err := s.db.PrepareContext(ctx, s.qFind)
	if err != nil {
		return nil // the plain query reports the error
	}
	s.findStmt.Store(st)
	return st
}

// Find implements [session.Store].
func (s *Store) Find(ctx context.Context, h session.Hash) (*session.Record, error) {
	var row *sql.Row
	if st := s.findStatement(ctx); st != nil {
		row = st.QueryRowContext(ctx, h[:], time.Now().UnixNano())
	} else {
		row = s.db.QueryRowContext(ctx, s.qFind, h[:], time.Now().UnixNano())
	}
	rec, err := scanRecord(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, session.ErrNotFound
	}
	return rec, err
}

func args(rec *session.Record) []any {
	return []any{rec.Hash[:], rec.Handle, rec.UserID, int64(rec.Version), rec.Created.UnixNano(),
		rec.LastSeen.UnixNano(), rec.Expires.UnixNano(), ipText(rec.IP), rec.UserAgent, rec.Binding,
		session.EncodeValues(rec.Values)}
}

// Insert implements [session.Store].
func (s *Store) Insert(ctx context.Context, rec *session.Record) error {
	now := time.Now()
	res, err := s.db.ExecContext(ctx, s.qInsert, append(args(rec), now.UnixNano())...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
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
	res, err := s.db.ExecContext(ctx, s.qUpdate, append(args(rec), int64(rec.Version-1), now)...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	// Nothing changed: tell a missing record from a newer version.
	var v int64
	err = s.db.QueryRowContext(ctx, s.qVersion, rec.Hash[:], now).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return session.ErrNotFound
	case err != nil:
		return err
	}
	return session.ErrConflict
}

// Delete implements [session.Store].
func (s *Store) Delete(ctx context.Context, h session.Hash) error {
	_, err := s.db.ExecContext(ctx, s.qDelete, h[:])
	return err
}

// ListByUser implements [session.Store].
func (s *Store) ListByUser(ctx context.Context, userID string) ([]*session.Record, error) {
	rows, err := s.db.QueryContext(ctx, s.qList, userID, time.Now().UnixNano())
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
	res, err := s.db.ExecContext(ctx, s.qCleanup, time.Now().UnixNano())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
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
// close the database (which releases the prepared statement). The Store
// remains usable.
func (s *Store) Stop() {
	s.stopOnce.Do(func() {
		if s.stop != nil {
			close(s.stop)
			<-s.done
		}
	})
}
