// Package sqlitetoken is a [token.Store] in SQLite, through database/sql and
// the pure-Go driver modernc.org/sqlite (no cgo).
//
// It suits a single server that keeps its data in SQLite anyway: refresh
// families and revocations survive restarts. Several servers need pgtoken
// or redistoken instead.
//
// # Opening the database
//
// Open the file with a busy timeout, so that concurrent writers wait instead
// of failing with SQLITE_BUSY, and preferably in WAL mode:
//
//	db, err := sql.Open("sqlite", "file:app.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
//
// Do not use ":memory:" with database/sql: every pooled connection would get
// its own empty database. Use token.NewMemoryStore for that.
//
// # Schema and cleanup
//
// [Store.Migrate] creates three tables named after Config.Table (default
// rampart_token): _family (one row per login), _refresh (one row per refresh
// token: its SHA-256 hash, never the token, and a spent flag) and
// _revocation. A rotation is one transaction whose first statement is
// "UPDATE ... SET spent = 1 WHERE hash = ? AND spent = 0", so of two
// concurrent uses of a token exactly one updates a row. Expired rows are
// invisible at once and deleted by [Store.DeleteExpired], which the store
// also runs by itself after every 1000 logins. All queries are
// parameterized; the table name is checked when the store is created.
package sqlitetoken

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/rampartgo/rampart/token"
)

// Config configures a [Store]. Every field's doc ends with its default.
type Config struct {
	// Table is the prefix of the three table names: an ASCII letter or
	// underscore, then letters, digits or underscores, at most 48 in all.
	// Default "rampart_token".
	Table string
}

const cleanupEvery = 1000

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,47}$`)

// Store is a [token.Store] in SQLite. Safe for concurrent use.
type Store struct {
	db      *sql.DB
	fam     string
	ref     string
	rev     string
	creates atomic.Uint64
}

var _ token.Store = (*Store)(nil)

// New returns a Store over db. It panics if cfg.Table is not a valid name.
// Call [Store.Migrate] once before use.
func New(db *sql.DB, cfg Config) *Store {
	if db == nil {
		panic("rampart/token/sqlitetoken: nil *sql.DB")
	}
	t := cfg.Table
	if t == "" {
		t = "rampart_token"
	}
	if !tableName.MatchString(t) {
		panic("rampart/token/sqlitetoken: invalid table name " + `"` + t + `"`)
	}
	// Table names are validated above; values are always parameters.
	return &Store{db: db, fam: t + "_family", ref: t + "_refresh", rev: t + "_revocation"}
}

// Migrate creates the tables and indexes if they do not exist.
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `
CREATE TABLE IF NOT EXISTS `+s.fam+` (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL,
	created_ns INTEGER NOT NULL,
	expires_ns INTEGER NOT NULL,
	revoked INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS `+s.fam+`_user ON `+s.fam+` (user_id);
CREATE INDEX IF NOT EXISTS `+s.fam+`_expires ON `+s.fam+` (expires_ns);
CREATE TABLE IF NOT EXISTS `+s.ref+` (
	hash BLOB PRIMARY KEY,
	family TEXT NOT NULL,
	expires_ns INTEGER NOT NULL,
	spent INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS `+s.ref+`_expires ON `+s.ref+` (expires_ns);
CREATE TABLE IF NOT EXISTS `+s.rev+` (
	kind TEXT NOT NULL,
	id TEXT NOT NULL,
	at_ns INTEGER NOT NULL,
	expires_ns INTEGER NOT NULL,
	PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS `+s.rev+`_expires ON `+s.rev+` (expires_ns);`)
	return err
}

// Create implements [token.Store].
func (s *Store) Create(ctx context.Context, f token.Family, first [32]byte) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.fam+` (id, user_id, created_ns, expires_ns) VALUES (?1, ?2, ?3, ?4)`,
		f.ID, f.UserID, f.Created.UnixNano(), f.Expires.UnixNano()); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.ref+` (hash, family, expires_ns) VALUES (?1, ?2, ?3)`,
		first[:], f.ID, f.Expires.UnixNano()); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if s.creates.Add(1)%cleanupEvery == 0 {
		// Best effort: expired rows are already invisible.
		_, _ = s.DeleteExpired(ctx, f.Created)
	}
	return nil
}

// Rotate implements [token.Store].
func (s *Store) Rotate(ctx context.Context, old, next [32]byte, now time.Time) (token.Family, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return token.Family{}, err
	}
	defer tx.Rollback()
	ns := now.UnixNano()
	// The UPDATE takes SQLite's write lock first, so concurrent rotations
	// of one token serialize here and only one sees spent = 0.
	var famID string
	err = tx.QueryRowContext(ctx, `UPDATE `+s.ref+` SET spent = 1 WHERE hash = ?1 AND spent = 0 AND expires_ns > ?2 RETURNING family`,
		old[:], ns).Scan(&famID)
	spent := false
	if errors.Is(err, sql.ErrNoRows) {
		spent = true
		err = tx.QueryRowContext(ctx, `SELECT family FROM `+s.ref+` WHERE hash = ?1 AND expires_ns > ?2`, old[:], ns).Scan(&famID)
		if errors.Is(err, sql.ErrNoRows) {
			return token.Family{}, token.ErrNotFound
		}
	}
	if err != nil {
		return token.Family{}, err
	}
	var f token.Family
	var created, expires int64
	var revoked bool
	err = tx.QueryRowContext(ctx, `SELECT user_id, created_ns, expires_ns, revoked FROM `+s.fam+` WHERE id = ?1 AND expires_ns > ?2`,
		famID, ns).Scan(&f.UserID, &created, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return token.Family{}, token.ErrNotFound
	}
	if err != nil {
		return token.Family{}, err
	}
	f.ID, f.Created, f.Expires = famID, time.Unix(0, created), time.Unix(0, expires)
	switch {
	case spent:
		return f, token.ErrReused
	case revoked:
		return f, token.ErrRevoked
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.ref+` (hash, family, expires_ns) VALUES (?1, ?2, ?3)`,
		next[:], famID, expires); err != nil {
		return token.Family{}, err
	}
	return f, tx.Commit()
}

// Revoke implements [token.Store].
func (s *Store) Revoke(ctx context.Context, r token.Revocation) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	switch r.Kind {
	case token.RevokedFamily:
		_, err = tx.ExecContext(ctx, `UPDATE `+s.fam+` SET revoked = 1 WHERE id = ?1`, r.ID)
	case token.RevokedUser:
		_, err = tx.ExecContext(ctx, `UPDATE `+s.fam+` SET revoked = 1 WHERE user_id = ?1`, r.ID)
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.rev+` (kind, id, at_ns, expires_ns) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (kind, id) DO UPDATE SET at_ns = excluded.at_ns, expires_ns = excluded.expires_ns`,
		string(r.Kind), r.ID, r.At.UnixNano(), r.Expires.UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}

// Revocations implements [token.Store].
func (s *Store) Revocations(ctx context.Context, now time.Time) ([]token.Revocation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, id, at_ns, expires_ns FROM `+s.rev+` WHERE expires_ns > ?1`, now.UnixNano())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []token.Revocation
	for rows.Next() {
		var r token.Revocation
		var kind string
		var at, exp int64
		if err := rows.Scan(&kind, &r.ID, &at, &exp); err != nil {
			return nil, err
		}
		r.Kind, r.At, r.Expires = token.RevocationKind(kind), time.Unix(0, at), time.Unix(0, exp)
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteExpired deletes the families, refresh tokens and revocations that
// expired at now, and returns how many rows it deleted.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, t := range []string{s.ref, s.fam, s.rev} {
		res, err := s.db.ExecContext(ctx, `DELETE FROM `+t+` WHERE expires_ns <= ?1`, now.UnixNano())
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
