package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/internal/notes/config"
	"github.com/rampartgo/rampart/internal/notes/store"
	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/pgstore"
	"github.com/rampartgo/rampart/session/redisstore"
	"github.com/rampartgo/rampart/session/sqlitestore"
	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/pgthrottle"
	"github.com/rampartgo/rampart/throttle/redisthrottle"
	"github.com/rampartgo/rampart/throttle/sqlitethrottle"
	"github.com/rampartgo/rampart/token"
	"github.com/rampartgo/rampart/token/pgtoken"
	"github.com/rampartgo/rampart/token/redistoken"
	"github.com/rampartgo/rampart/token/sqlitetoken"
)

// cleanupInterval is how often expired rows are deleted from the SQL
// stores (sessions, throttle counters, refresh families, remember-me
// tokens). Expired rows are invisible at once; this only reclaims space.
const cleanupInterval = 10 * time.Minute

// Backends are the stores behind sessions, login throttling, API tokens
// and remember-me, chosen by -store (see [OpenBackends]).
type Backends struct {
	// Sessions keeps the sessions (Deps.SessionStore).
	Sessions session.Store
	// Throttle keeps the failed-login counters (Deps.ThrottleStore).
	Throttle throttle.Store
	// Tokens keeps API refresh families and revocations (Deps.TokenStore).
	Tokens token.Store
	// Remember keeps remember-me tokens, in the application database
	// (Deps.RememberStore).
	Remember auth.RememberStore

	cleanups []func(ctx context.Context) (int64, error)
	closers  []func()
	stop     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once
}

// OpenBackends opens the stores cfg.Store names, migrates them and starts
// the cleanup goroutine for the SQL ones; Close stops it and releases
// every connection it opened.
//
//   - sqlite: sessions, throttle counters and token families in the SQLite
//     file -store-url (the -db file by default, sharing its connection
//     pool); session reads go through a one-second session.Cache;
//   - postgres: the same in PostgreSQL at -store-url (the -db URL by
//     default), through a pgx pool;
//   - redis: the same in Redis at -store-url (redis://host:port/db or
//     host:port), keys expiring by Redis's own clock;
//   - memory: in process memory, lost on restart (one instance only).
//
// Remember-me tokens always live in the application database (st), next to
// the users they log in.
func OpenBackends(ctx context.Context, cfg config.Config, st store.Store, log *slog.Logger) (b *Backends, err error) {
	b = &Backends{stop: make(chan struct{})}
	defer func() {
		if err != nil {
			b.Close()
			b = nil
		}
	}()
	switch cfg.Store {
	case config.StoreMemory:
		b.Sessions = session.NewMemoryStore()
		b.Throttle = throttle.NewMemoryStore(throttle.MemoryConfig{})
		b.Tokens = token.NewMemoryStore()
	case config.StoreSQLite:
		db := st.DB()
		if cfg.DBIsPostgres() || cfg.StoreURL != cfg.DB {
			if db, err = store.OpenSQLiteDB(cfg.StoreURL); err != nil {
				return b, fmt.Errorf("session store: %w", err)
			}
			b.closers = append(b.closers, func() { db.Close() })
			if err = db.PingContext(ctx); err != nil {
				return b, fmt.Errorf("session store: SQLite %s: %w", cfg.StoreURL, err)
			}
		}
		if err = b.openSQLite(ctx, db); err != nil {
			return b, err
		}
	case config.StorePostgres:
		if err = b.openPostgres(ctx, cfg.StoreURL); err != nil {
			return b, err
		}
	case config.StoreRedis:
		if err = b.openRedis(ctx, cfg.StoreURL); err != nil {
			return b, err
		}
	default:
		return b, fmt.Errorf("session store %q: want sqlite, postgres, redis or memory", cfg.Store)
	}
	rem := auth.NewSQLRememberStore(st.DB(), "")
	if err = rem.Migrate(ctx); err != nil {
		return b, fmt.Errorf("remember-me store: %w", err)
	}
	b.Remember = rem
	b.cleanups = append(b.cleanups, rem.Cleanup)
	b.startCleanup(log)
	return b, nil
}

func (b *Backends) openSQLite(ctx context.Context, db *sql.DB) error {
	ss := sqlitestore.New(db, sqlitestore.Config{CleanupInterval: cleanupInterval})
	b.closers = append(b.closers, ss.Stop)
	if err := ss.Migrate(ctx); err != nil {
		return fmt.Errorf("session store: %w", err)
	}
	ts := sqlitethrottle.New(db, sqlitethrottle.Config{})
	if err := ts.Migrate(ctx); err != nil {
		return fmt.Errorf("throttle store: %w", err)
	}
	tk := sqlitetoken.New(db, sqlitetoken.Config{})
	if err := tk.Migrate(ctx); err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	// A one-second read cache: a logged-in page then costs no SQLite query
	// for its session. SQLite serves one host, where every write passes
	// through this cache; PostgreSQL and Redis, shared by several
	// instances, are read directly so a revocation applies everywhere at
	// once.
	b.Sessions, b.Throttle, b.Tokens = session.NewCache(ss, session.CacheConfig{}), ts, tk
	b.cleanups = append(b.cleanups,
		func(ctx context.Context) (int64, error) { return ts.DeleteExpired(ctx, time.Now()) },
		func(ctx context.Context) (int64, error) { return tk.DeleteExpired(ctx, time.Now()) })
	return nil
}

func (b *Backends) openPostgres(ctx context.Context, url string) error {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors can quote the URL, password included.
		return errors.New("session store: invalid PostgreSQL URL")
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return fmt.Errorf("session store: PostgreSQL: %w", err)
	}
	b.closers = append(b.closers, pool.Close)
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("session store: PostgreSQL: %w", err)
	}
	ss := pgstore.New(pool, pgstore.Config{CleanupInterval: cleanupInterval})
	b.closers = append(b.closers, ss.Stop)
	if err := ss.Migrate(ctx); err != nil {
		return fmt.Errorf("session store: %w", err)
	}
	ts := pgthrottle.New(pool, pgthrottle.Config{})
	if err := ts.Migrate(ctx); err != nil {
		return fmt.Errorf("throttle store: %w", err)
	}
	tk := pgtoken.New(pool, pgtoken.Config{})
	if err := tk.Migrate(ctx); err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	b.Sessions, b.Throttle, b.Tokens = ss, ts, tk
	b.cleanups = append(b.cleanups,
		func(ctx context.Context) (int64, error) { return ts.DeleteExpired(ctx, time.Now()) },
		func(ctx context.Context) (int64, error) { return tk.DeleteExpired(ctx, time.Now()) })
	return nil
}

func (b *Backends) openRedis(ctx context.Context, loc string) error {
	var opts *redis.Options
	if strings.Contains(loc, "://") {
		o, err := redis.ParseURL(loc)
		if err != nil {
			// The URL may carry a password: do not quote it.
			return errors.New("session store: invalid Redis URL")
		}
		opts = o
	} else {
		opts = &redis.Options{Addr: loc}
	}
	rdb := redis.NewClient(opts)
	b.closers = append(b.closers, func() { rdb.Close() })
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("session store: Redis at %s: %w", opts.Addr, err)
	}
	b.Sessions = redisstore.New(rdb, redisstore.Config{})
	b.Throttle = redisthrottle.New(rdb, redisthrottle.Config{})
	b.Tokens = redistoken.New(rdb, redistoken.Config{})
	return nil
}

// startCleanup runs the cleanups every cleanupInterval until Close.
func (b *Backends) startCleanup(log *slog.Logger) {
	if len(b.cleanups) == 0 {
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		t := time.NewTicker(cleanupInterval)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
			}
			for _, c := range b.cleanups {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				if _, err := c(ctx); err != nil {
					log.Warn("cleanup of expired records failed", slog.Any("err", err))
				}
				cancel()
			}
		}
	}()
}

// Close stops the cleanup goroutines and closes what OpenBackends opened,
// in reverse order. It is safe to call more than once.
func (b *Backends) Close() {
	b.once.Do(func() {
		close(b.stop)
		b.wg.Wait()
		for i := len(b.closers) - 1; i >= 0; i-- {
			b.closers[i]()
		}
	})
}
