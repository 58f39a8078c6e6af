package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// dialect holds what differs between the databases.
type dialect struct {
	name            string
	rebind          func(query string) string // '?' placeholders to the driver's form
	isUniqueViolate func(err error) bool
	lockMigrations  func(ctx context.Context, tx *sql.Tx) error // may be nil
}

// queries are prepared per dialect once, at open.
type queries struct {
	createUser, userByEmail, userByID, setPassword string
	createNote, note, notesByUser                  string
}

const userCols = "id, email, password_hash, created_at, password_changed_at"
const noteCols = "id, user_id, title, body, created_at"

func newQueries(d dialect) queries {
	return queries{
		createUser:  d.rebind("INSERT INTO users (email, email_key, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?) RETURNING id"),
		userByEmail: d.rebind("SELECT " + userCols + " FROM users WHERE email_key = ?"),
		userByID:    d.rebind("SELECT " + userCols + " FROM users WHERE id = ?"),
		setPassword: d.rebind("UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?"),
		createNote:  d.rebind("INSERT INTO notes (user_id, title, body, created_at) VALUES (?, ?, ?, ?) RETURNING id"),
		note:        d.rebind("SELECT " + noteCols + " FROM notes WHERE id = ? AND user_id = ?"),
		notesByUser: d.rebind("SELECT " + noteCols + " FROM notes WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?"),
	}
}

// sqlStore implements Store over database/sql.
type sqlStore struct {
	db *sql.DB
	d  dialect
	q  queries
}

var _ Store = (*sqlStore)(nil)

// now is the store's clock: UTC at microsecond precision, which both
// databases keep exactly.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func (s *sqlStore) CreateUser(ctx context.Context, email, passwordHash string) (User, error) {
	if !validText(email) {
		return User{}, fmt.Errorf("store: create user: email is not valid UTF-8 text")
	}
	u := User{Email: strings.TrimSpace(email), PasswordHash: passwordHash, CreatedAt: now()}
	u.PasswordChangedAt = u.CreatedAt
	err := s.db.QueryRowContext(ctx, s.q.createUser, u.Email, EmailKey(email), passwordHash, u.CreatedAt, u.PasswordChangedAt).Scan(&u.ID)
	if err != nil {
		if s.d.isUniqueViolate(err) {
			return User{}, ErrEmailTaken
		}
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return u, nil
}

func (s *sqlStore) scanUser(row *sql.Row) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.CreatedAt, &u.PasswordChangedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("store: read user: %w", err)
	}
	u.CreatedAt, u.PasswordChangedAt = u.CreatedAt.UTC(), u.PasswordChangedAt.UTC()
	return u, nil
}

func (s *sqlStore) UserByEmail(ctx context.Context, email string) (User, error) {
	if !validText(email) {
		return User{}, ErrNotFound // no stored email can hold it
	}
	return s.scanUser(s.db.QueryRowContext(ctx, s.q.userByEmail, EmailKey(email)))
}

func (s *sqlStore) UserByID(ctx context.Context, id int64) (User, error) {
	return s.scanUser(s.db.QueryRowContext(ctx, s.q.userByID, id))
}

func (s *sqlStore) SetPasswordHash(ctx context.Context, userID int64, passwordHash string) error {
	res, err := s.db.ExecContext(ctx, s.q.setPassword, passwordHash, now(), userID)
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *sqlStore) CreateNote(ctx context.Context, userID int64, title, body string) (Note, error) {
	if !validText(title) || !validText(body) {
		return Note{}, fmt.Errorf("store: create note: title or body is not valid UTF-8 text")
	}
	n := Note{UserID: userID, Title: title, Body: body, CreatedAt: now()}
	err := s.db.QueryRowContext(ctx, s.q.createNote, userID, title, body, n.CreatedAt).Scan(&n.ID)
	if err != nil {
		return Note{}, fmt.Errorf("store: create note: %w", err)
	}
	return n, nil
}

func (s *sqlStore) Note(ctx context.Context, userID, id int64) (Note, error) {
	var n Note
	err := s.db.QueryRowContext(ctx, s.q.note, id, userID).Scan(&n.ID, &n.UserID, &n.Title, &n.Body, &n.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Note{}, ErrNotFound
	}
	if err != nil {
		return Note{}, fmt.Errorf("store: read note: %w", err)
	}
	n.CreatedAt = n.CreatedAt.UTC()
	return n, nil
}

func (s *sqlStore) NotesByUser(ctx context.Context, userID int64, limit int) ([]Note, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, s.q.notesByUser, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list notes: %w", err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var n Note
		if err := rows.Scan(&n.ID, &n.UserID, &n.Title, &n.Body, &n.CreatedAt); err != nil {
			return nil, fmt.Errorf("store: list notes: %w", err)
		}
		n.CreatedAt = n.CreatedAt.UTC()
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list notes: %w", err)
	}
	return out, nil
}

func (s *sqlStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *sqlStore) Close() error { return s.db.Close() }

func (s *sqlStore) DB() *sql.DB { return s.db }
