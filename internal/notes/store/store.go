// Package store persists the notes application's users and notes.
//
// [Store] is the interface the handlers use; [Open] returns the SQLite
// implementation (modernc.org/sqlite, pure Go) for a file path and the
// PostgreSQL one (pgx/v5) for a postgres:// URL. Both share one
// implementation over database/sql and differ only in their [dialect].
//
// # Decisions
//
//   - Queries are parameterized, always; no SQL is built from input.
//   - Emails are unique case-insensitively: the store keeps the email as
//     entered and a unique key, [EmailKey], that normalises it to NFC and
//     lower-cases it with Go's Unicode rules, the same on both databases
//     (SQLite's NOCASE and lower() fold ASCII only).
//   - Migrations are embedded and applied at start, each version once,
//     recorded in schema_migrations, inside a transaction; PostgreSQL
//     takes an advisory lock so instances starting together do not race.
//   - SQLite runs in WAL mode with a busy timeout, foreign keys on and
//     write transactions that take the write lock up front (BEGIN
//     IMMEDIATE), so concurrent writers wait instead of failing with
//     SQLITE_BUSY halfway through. See https://www.sqlite.org/wal.html.
//   - Note bodies are stored as given: the caller sanitizes HTML before it
//     reaches the store (package sanitize), and templates escape the rest.
package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Errors callers branch on.
var (
	// ErrNotFound is returned when the user or note does not exist, or the
	// note belongs to another user (so ids of others' notes are not probed).
	ErrNotFound = errors.New("store: not found")
	// ErrEmailTaken is returned by CreateUser when the email is in use,
	// compared case-insensitively.
	ErrEmailTaken = errors.New("store: email already registered")
)

// User is a registered account.
type User struct {
	ID                int64
	Email             string // as entered at registration
	PasswordHash      string // a PHC string from package password
	CreatedAt         time.Time
	PasswordChangedAt time.Time
}

// Note is one user's note.
type Note struct {
	ID        int64
	UserID    int64
	Title     string
	Body      string // sanitized HTML
	CreatedAt time.Time
}

// Store persists users and notes. Implementations are safe for concurrent
// use. Methods that find one record return ErrNotFound when there is none.
type Store interface {
	// CreateUser adds a user; ErrEmailTaken if the email is in use.
	CreateUser(ctx context.Context, email, passwordHash string) (User, error)
	// UserByEmail finds a user by email, case-insensitively.
	UserByEmail(ctx context.Context, email string) (User, error)
	// UserByID finds a user by id.
	UserByID(ctx context.Context, id int64) (User, error)
	// SetPasswordHash replaces a user's password hash and sets
	// PasswordChangedAt to now; ErrNotFound if there is no such user.
	SetPasswordHash(ctx context.Context, userID int64, passwordHash string) error

	// CreateNote adds a note owned by userID.
	CreateNote(ctx context.Context, userID int64, title, body string) (Note, error)
	// Note returns the note with id if userID owns it, else ErrNotFound.
	Note(ctx context.Context, userID, id int64) (Note, error)
	// NotesByUser returns up to limit of the user's notes, newest first.
	NotesByUser(ctx context.Context, userID int64, limit int) ([]Note, error)

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// DB returns the underlying database handle, so that other tables of
	// the application (remember-me tokens, sessions on SQLite) can live in
	// the same database. Callers must not close it.
	DB() *sql.DB
	// Close releases the database.
	Close() error
}

// EmailKey is the case-insensitive identity of an email address: trimmed,
// in Unicode Normalization Form C and lower-cased with Unicode rules, so
// that "José" typed with a precomposed é and with e + combining acute, or
// in another case, is one account. Two emails with the same key are the
// same account.
func EmailKey(email string) string {
	return norm.NFC.String(strings.ToLower(norm.NFC.String(strings.TrimSpace(email))))
}

// validText reports whether s can be stored as text by both databases:
// PostgreSQL refuses invalid UTF-8 and NUL bytes with an error, which a
// lookup must not turn into a server error.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// IsPostgresURL reports whether dsn selects the PostgreSQL backend.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens and migrates the store dsn names: a postgres:// URL selects
// PostgreSQL, anything else is a SQLite file path.
func Open(ctx context.Context, dsn string) (Store, error) {
	if IsPostgresURL(dsn) {
		return OpenPostgres(ctx, dsn)
	}
	return OpenSQLite(ctx, dsn)
}
