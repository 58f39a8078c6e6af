package auth

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"regexp"
	"time"
)

// SQLRememberStore is a RememberStore in a SQL database through
// database/sql. Its statements use $1-style placeholders and portable types
// (TEXT, BIGINT), which both SQLite (modernc.org/sqlite) and PostgreSQL (the
// pgx stdlib driver) accept.
type SQLRememberStore struct {
	db                                             *sql.DB
	create, find, rotate, del, delUser, sweep, ddl string
	now                                            func() time.Time
}

var _ RememberStore = (*SQLRememberStore)(nil)

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// NewSQLRememberStore returns a store using table (default
// "rampart_remember" when empty). It panics on a table name that is not a
// plain lower-case identifier. Call Migrate once at start-up.
func NewSQLRememberStore(db *sql.DB, table string) *SQLRememberStore {
	if table == "" {
		table = "rampart_remember"
	}
	if !identRE.MatchString(table) {
		panic("rampart/auth: invalid remember-me table name " + table)
	}
	return &SQLRememberStore{
		db: db,
		ddl: `CREATE TABLE IF NOT EXISTS ` + table + ` (
	selector TEXT PRIMARY KEY,
	validator_hash TEXT NOT NULL,
	prev_hash TEXT NOT NULL DEFAULT '',
	rotated_ms BIGINT NOT NULL DEFAULT 0,
	user_id TEXT NOT NULL,
	expires_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ` + table + `_user ON ` + table + ` (user_id)`,
		create:  `INSERT INTO ` + table + ` (selector, validator_hash, user_id, expires_ms) VALUES ($1, $2, $3, $4)`,
		find:    `SELECT validator_hash, prev_hash, rotated_ms, user_id, expires_ms FROM ` + table + ` WHERE selector = $1 AND expires_ms > $2`,
		rotate:  `UPDATE ` + table + ` SET prev_hash = validator_hash, validator_hash = $1, rotated_ms = $2 WHERE selector = $3 AND validator_hash = $4`,
		del:     `DELETE FROM ` + table + ` WHERE selector = $1`,
		delUser: `DELETE FROM ` + table + ` WHERE user_id = $1`,
		sweep:   `DELETE FROM ` + table + ` WHERE expires_ms <= $1`,
		now:     time.Now,
	}
}

// Migrate creates the table and index when they do not exist.
func (s *SQLRememberStore) Migrate(ctx context.Context) error {
	for _, stmt := range splitStatements(s.ddl) {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

func splitStatements(ddl string) []string {
	var out []string
	start := 0
	for i := 0; i < len(ddl); i++ {
		if ddl[i] == ';' {
			out = append(out, ddl[start:i])
			start = i + 1
		}
	}
	return append(out, ddl[start:])
}

// Create implements RememberStore.
func (s *SQLRememberStore) Create(ctx context.Context, t RememberToken) error {
	_, err := s.db.ExecContext(ctx, s.create, t.Selector, hex.EncodeToString(t.ValidatorHash), t.UserID, t.Expires.UnixMilli())
	return err
}

// Find implements RememberStore.
func (s *SQLRememberStore) Find(ctx context.Context, selector string) (RememberToken, error) {
	var h, prev, uid string
	var exp, rotated int64
	err := s.db.QueryRowContext(ctx, s.find, selector, s.now().UnixMilli()).Scan(&h, &prev, &rotated, &uid, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return RememberToken{}, ErrTokenNotFound
	}
	if err != nil {
		return RememberToken{}, err
	}
	hash, err := hex.DecodeString(h)
	if err != nil {
		return RememberToken{}, ErrTokenNotFound
	}
	prevHash, _ := hex.DecodeString(prev)
	return RememberToken{Selector: selector, ValidatorHash: hash, PrevHash: prevHash,
		RotatedAt: time.UnixMilli(rotated), UserID: uid, Expires: time.UnixMilli(exp)}, nil
}

// Rotate implements RememberStore: the UPDATE's row count decides which of
// concurrent callers won.
func (s *SQLRememberStore) Rotate(ctx context.Context, selector string, oldHash, newHash []byte, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.rotate, hex.EncodeToString(newHash), now.UnixMilli(), selector, hex.EncodeToString(oldHash))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Delete implements RememberStore.
func (s *SQLRememberStore) Delete(ctx context.Context, selector string) error {
	_, err := s.db.ExecContext(ctx, s.del, selector)
	return err
}

// DeleteForUser implements RememberStore.
func (s *SQLRememberStore) DeleteForUser(ctx context.Context, userID string) error {
	_, err := s.db.ExecContext(ctx, s.delUser, userID)
	return err
}

// Cleanup deletes expired tokens and returns how many it deleted.
func (s *SQLRememberStore) Cleanup(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.sweep, s.now().UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
