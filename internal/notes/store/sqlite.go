package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqlitePragmas are applied by the driver to every new connection.
// busy_timeout makes a writer wait up to 5 s for the lock instead of
// failing; _txlock=immediate takes the write lock at BEGIN so a read
// transaction never has to upgrade (which cannot wait and fails at once).
const sqlitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"

var sqliteDialect = dialect{
	name:   "sqlite",
	rebind: func(q string) string { return q },
	isUniqueViolate: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	},
}

// OpenSQLiteDB opens (creating if needed) the SQLite database file at path
// with the settings this package uses (WAL, busy timeout, foreign keys,
// immediate write transactions), without migrating it: for the session
// store when it lives in a file of its own.
func OpenSQLiteDB(path string) (*sql.DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") || path == ":memory:" {
		return nil, fmt.Errorf("store: SQLite path %q: want a file path without '?' or '#'", path)
	}
	db, err := sql.Open("sqlite", path+"?"+sqlitePragmas)
	if err != nil {
		return nil, fmt.Errorf("store: open SQLite: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	return db, nil
}

// OpenSQLite opens (creating if needed) the SQLite database file at path,
// configures it (WAL, busy timeout, foreign keys) and applies migrations.
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	// WAL allows many readers beside one writer; writers queue on the busy
	// timeout. A few connections per CPU keep readers from waiting behind
	// a writer without opening a file handle per request.
	db, err := OpenSQLiteDB(path)
	if err != nil {
		return nil, err
	}
	s := &sqlStore{db: db, d: sqliteDialect, q: newQueries(sqliteDialect)}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *sqlStore) init(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: connect %s: %w", s.d.name, err)
	}
	return migrate(ctx, s.db, s.d)
}
