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
	link, delSession, probe, addSession            string
	now                                            func() time.Time
}

var _ RememberSessionStore = (*SQLRememberStore)(nil)

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
	expires_ms BIGINT NOT NULL,
	session_handle TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS ` + table + `_user ON ` + table + ` (user_id)`,
		create:     `INSERT INTO ` + table + ` (selector, validator_hash, user_id, expires_ms, session_handle) VALUES ($1, $2, $3, $4, $5)`,
		find:       `SELECT validator_hash, prev_hash, rotated_ms, user_id, expires_ms, session_handle FROM ` + table + ` WHERE selector = $1 AND expires_ms > $2`,
		rotate:     `UPDATE ` + table + ` SET prev_hash = validator_hash, validator_hash = $1, rotated_ms = $2 WHERE selector = $3 AND validator_hash = $4`,
		del:        `DELETE FROM ` + table + ` WHERE selector = $1`,
		delUser:    `DELETE FROM ` + table + ` WHERE user_id = $1`,
		sweep:      `DELETE FROM ` + table + ` WHERE expires_ms <= $1`,
		link:       `UPDATE ` + table + ` SET session_handle = $1 WHERE selector = $2 AND user_id = $3`,
		delSession: `DELETE FROM ` + table + ` WHERE user_id = $1 AND (session_handle = $2 OR session_handle = '')`,
		probe:      `SELECT session_handle FROM ` + table + ` WHERE 1 = 0`,
		addSession: `ALTER TABLE ` + table + ` ADD COLUMN session_handle TEXT NOT NULL DEFAULT ''`,
		now:        time.Now,
	}
}

// Migrate creates the table and index when they do not exist, and adds the
// session_handle column (RememberToken.Session) to a table created by an
// earlier version. It is safe to run from several instances at once.
func (s *SQLRememberStore) Migrate(ctx context.Context) error {
	for _, stmt := range splitStatements(s.ddl) {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if s.hasSessionColumn(ctx) {
		return nil
	}
	// SQLite has no ADD COLUMN IF NOT EXISTS: probe, add, and probe again
	// in case another instance added it meanwhile.
	if _, err := s.db.ExecContext(ctx, s.addSession); err != nil && !s.hasSessionColumn(ctx) {
		return err
	}
	return nil
}

func (s *SQLRememberStore) hasSessionColumn(ctx context.Context) bool {
	rows, err := s.db.QueryContext(ctx, s.probe)
	if err != nil {
		return false
	}
	return rows.Close() == nil
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
	_, err := s.db.ExecContext(ctx, s.create, t.Selector, hex.EncodeToString(t.ValidatorHash), t.UserID, t.Expires.UnixMilli(), t.Session)
	return err
}

// Find implements RememberStore.
func (s *SQLRememberStore) Find(ctx context.Context, selector string) (RememberToken, error) {
	var h, prev, uid, handle string
	var exp, rotated int64
	err := s.db.QueryRowContext(ctx, s.find, selector, s.now().UnixMilli()).Scan(&h, &prev, &rotated, &uid, &exp, &handle)
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
		RotatedAt: time.UnixMilli(rotated), UserID: uid, Expires: time.UnixMilli(exp), Session: handle}, nil
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

// SetSession implements RememberSessionStore.
func (s *SQLRememberStore) SetSession(ctx context.Context, selector, userID, handle string) error {
	_, err := s.db.ExecContext(ctx, s.link, handle, selector, userID)
	return err
}

// DeleteForSession implements RememberSessionStore.
func (s *SQLRememberStore) DeleteForSession(ctx context.Context, userID, handle string) (int, error) {
	if handle == "" {
		return 0, nil
	}
	res, err := s.db.ExecContext(ctx, s.delSession, userID, handle)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Cleanup deletes expired tokens and returns how many it deleted.
func (s *SQLRememberStore) Cleanup(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.sweep, s.now().UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
