// Package pgtoken is a [token.Store] in PostgreSQL through pgx/v5, so that
// several application servers share refresh families and revocations.
//
// Pass a *pgxpool.Pool (anything with pgx's Exec, QueryRow, Query and
// Begin).
//
// # Schema and atomicity
//
// [Store.Migrate] creates three tables named after Config.Table (default
// rampart_token): _family (one row per login), _refresh (one row per refresh
// token: its SHA-256 hash, never the token, and a spent flag) and
// _revocation. A rotation is one transaction whose first statement is
// "UPDATE ... SET spent = true WHERE hash = $1 AND NOT spent": PostgreSQL
// locks the row, and a concurrent rotation of the same token re-checks the
// condition after the first commits, finds it spent and reports reuse. So of
// two concurrent uses exactly one wins, at the default READ COMMITTED
// isolation.
//
// # Cleanup
//
// Expired rows are invisible at once and deleted by [Store.DeleteExpired],
// which the store also runs by itself after every 1000 logins made through
// it. All queries are parameterized; the table name is checked when the
// store is created. Times are Unix nanoseconds of the application's clock,
// so servers' clocks should agree (NTP).
package pgtoken

import (
	"context"
	"errors"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rampartgo/rampart/token"
)

// DB is the part of *pgxpool.Pool (or *pgx.Conn, for a single goroutine)
// the store uses.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Config configures a [Store]. Every field's doc ends with its default.
type Config struct {
	// Table is the prefix of the three table names: an ASCII letter or
	// underscore, then letters, digits or underscores, at most 48 in all.
	// Unquoted, so PostgreSQL folds it to lower case. Default
	// "rampart_token".
	Table string
}

const cleanupEvery = 1000

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,47}$`)

// Store is a [token.Store] in PostgreSQL. Safe for concurrent use when its
// DB is (a pool is).
type Store struct {
	db      DB
	fam     string
	ref     string
	rev     string
	creates atomic.Uint64
}

var _ token.Store = (*Store)(nil)

// New returns a Store over db. It panics if cfg.Table is not a valid name.
// Call [Store.Migrate] once before use.
func New(db DB, cfg Config) *Store {
	if db == nil {
		panic("rampart/token/pgtoken: nil DB")
	}
	t := cfg.Table
	if t == "" {
		t = "rampart_token"
	}
	if !tableName.MatchString(t) {
		panic("rampart/token/pgtoken: invalid table name " + `"` + t + `"`)
	}
	// Table names are validated above; values are always parameters.
	return &Store{db: db, fam: t + "_family", ref: t + "_refresh", rev: t + "_revocation"}
}

// Migrate creates the tables and indexes if they do not exist.
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.db.Exec(ctx, `
CREATE TABLE IF NOT EXISTS `+s.fam+` (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL,
	created_ns BIGINT NOT NULL,
	expires_ns BIGINT NOT NULL,
	revoked BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS `+s.fam+`_user ON `+s.fam+` (user_id);
CREATE INDEX IF NOT EXISTS `+s.fam+`_expires ON `+s.fam+` (expires_ns);
CREATE TABLE IF NOT EXISTS `+s.ref+` (
	hash BYTEA PRIMARY KEY,
	family TEXT NOT NULL,
	expires_ns BIGINT NOT NULL,
	spent BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS `+s.ref+`_expires ON `+s.ref+` (expires_ns);
CREATE TABLE IF NOT EXISTS `+s.rev+` (
	kind TEXT NOT NULL,
	id TEXT NOT NULL,
	at_ns BIGINT NOT NULL,
	expires_ns BIGINT NOT NULL,
	PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS `+s.rev+`_expires ON `+s.rev+` (expires_ns);`)
	return err
}

// Create implements [token.Store].
func (s *Store) Create(ctx context.Context, f token.Family, first [32]byte) error {
	// One statement: both rows or neither.
	if _, err := s.db.Exec(ctx, `WITH f AS (
	INSERT INTO `+s.fam+` (id, user_id, created_ns, expires_ns) VALUES ($1, $2, $3, $4) RETURNING id
)
INSERT INTO `+s.ref+` (hash, family, expires_ns) SELECT $5, id, $4 FROM f`,
		f.ID, f.UserID, f.Created.UnixNano(), f.Expires.UnixNano(), first[:]); err != nil {
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
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return token.Family{}, err
	}
	defer tx.Rollback(ctx)
	ns := now.UnixNano()
	var famID string
	err = tx.QueryRow(ctx, `UPDATE `+s.ref+` SET spent = true WHERE hash = $1 AND NOT spent AND expires_ns > $2 RETURNING family`,
		old[:], ns).Scan(&famID)
	spent := false
	if errors.Is(err, pgx.ErrNoRows) {
		spent = true
		err = tx.QueryRow(ctx, `SELECT family FROM `+s.ref+` WHERE hash = $1 AND expires_ns > $2`, old[:], ns).Scan(&famID)
		if errors.Is(err, pgx.ErrNoRows) {
			return token.Family{}, token.ErrNotFound
		}
	}
	if err != nil {
		return token.Family{}, err
	}
	var f token.Family
	var created, expires int64
	var revoked bool
	err = tx.QueryRow(ctx, `SELECT user_id, created_ns, expires_ns, revoked FROM `+s.fam+` WHERE id = $1 AND expires_ns > $2`,
		famID, ns).Scan(&f.UserID, &created, &expires, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
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
	if _, err := tx.Exec(ctx, `INSERT INTO `+s.ref+` (hash, family, expires_ns) VALUES ($1, $2, $3)`,
		next[:], famID, expires); err != nil {
		return token.Family{}, err
	}
	return f, tx.Commit(ctx)
}

// Revoke implements [token.Store].
func (s *Store) Revoke(ctx context.Context, r token.Revocation) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	switch r.Kind {
	case token.RevokedFamily:
		_, err = tx.Exec(ctx, `UPDATE `+s.fam+` SET revoked = true WHERE id = $1`, r.ID)
	case token.RevokedUser:
		_, err = tx.Exec(ctx, `UPDATE `+s.fam+` SET revoked = true WHERE user_id = $1`, r.ID)
	}
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+s.rev+` (kind, id, at_ns, expires_ns) VALUES ($1, $2, $3, $4)
ON CONFLICT (kind, id) DO UPDATE SET at_ns = excluded.at_ns, expires_ns = excluded.expires_ns`,
		string(r.Kind), r.ID, r.At.UnixNano(), r.Expires.UnixNano()); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Revocations implements [token.Store].
func (s *Store) Revocations(ctx context.Context, now time.Time) ([]token.Revocation, error) {
	rows, err := s.db.Query(ctx, `SELECT kind, id, at_ns, expires_ns FROM `+s.rev+` WHERE expires_ns > $1`, now.UnixNano())
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
		tag, err := s.db.Exec(ctx, `DELETE FROM `+t+` WHERE expires_ns <= $1`, now.UnixNano())
		if err != nil {
			return total, err
		}
		total += tag.RowsAffected()
	}
	return total, nil
}
