package store

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// migrationLockKey is the pg_advisory_xact_lock key that serializes
// migrations between instances starting at once ("notes" in ASCII).
const migrationLockKey = 0x6e6f746573

var postgresDialect = dialect{
	name:   "postgres",
	rebind: rebindDollar,
	isUniqueViolate: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
	lockMigrations: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLockKey))
		return err
	},
}

// rebindDollar turns '?' placeholders into $1, $2, ... Our queries contain
// no '?' inside literals.
func rebindDollar(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// OpenPostgres connects to the PostgreSQL database at url (a postgres://
// URL; connection parameters such as sslmode and search_path may be given
// in its query) through pgx/v5 and applies migrations.
func OpenPostgres(ctx context.Context, url string) (Store, error) {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		// pgconn's parse errors can quote the URL, password included.
		return nil, errors.New("store: invalid PostgreSQL URL")
	}
	db := stdlib.OpenDB(*cc)
	n := max(4, 4*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n / 2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	s := &sqlStore{db: db, d: postgresDialect, q: newQueries(postgresDialect)}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
