package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite"
)

// A session stack under test. The middleware is installed around a handler
// that, on /login, stores a user id (as a login does), and on every other
// request reads it back (a logged-in page view); with write set it also
// stores a new value on every request, so that every request commits a
// changed session to the store.
type sessionStack struct {
	wrap  func(http.Handler) http.Handler
	get   func(r *http.Request) string
	put   func(r *http.Request, key, value string)
	close func()
}

func sessionPage(s sessionStack, write bool) http.Handler {
	var n int
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			s.put(r, "uid", "42")
			io.WriteString(w, "logged in")
			return
		}
		uid := s.get(r)
		if uid == "" {
			http.Error(w, "anonymous", http.StatusUnauthorized)
			return
		}
		if write {
			n++
			s.put(r, "n", strconv.Itoa(n))
		}
		io.WriteString(w, "hello "+uid)
	})
}

var loginURL = urlMust("https://example.com/login")

func urlMust(s string) *browserRequest {
	r := newGET("")
	u := *pageURL
	u.Path = s[len("https://example.com"):]
	r.url = &u
	return r
}

// benchSession logs in once, then benchmarks page views with the session
// cookie.
func benchSession(b *testing.B, s sessionStack, write bool) {
	if s.close != nil {
		b.Cleanup(s.close)
	}
	h := s.wrap(sessionPage(s, write))
	w := serve(h, loginURL.request())
	if w.Code != http.StatusOK {
		b.Fatalf("login: %d %s", w.Code, w.Body)
	}
	loop(b, h, newGET(cookieHeader(w, "")), http.StatusOK)
}

// scsStack wraps an scs SessionManager. idle sets scs's IdleTimeout, which
// makes scs rewrite the session on every request (the semantics rampart's
// idle timeout has, which rampart coalesces).
func scsStack(store scs.Store, idle bool) sessionStack {
	sm := scs.New()
	sm.Store = store
	sm.Lifetime = 12 * time.Hour
	if idle {
		sm.IdleTimeout = 30 * time.Minute
	}
	sm.Cookie.Secure = true
	return sessionStack{
		wrap: sm.LoadAndSave,
		get:  func(r *http.Request) string { return sm.GetString(r.Context(), "uid") },
		put:  func(r *http.Request, k, v string) { sm.Put(r.Context(), k, v) },
	}
}

// Store back ends, shared by rampart's stores and scs's.
type backends struct {
	sqliteDB *sql.DB
	pgPool   *pgxpool.Pool
	pgSchema string
	redis    *redis.Pool
	prefix   string
}

func suffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// openSQLite opens a SQLite file in WAL mode as an application would.
func openSQLite(tb testing.TB) *sql.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "bench.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func scsSQLite(tb testing.TB, idle bool) sessionStack {
	db := openSQLite(tb)
	for _, q := range []string{
		`CREATE TABLE sessions (token TEXT PRIMARY KEY, data BLOB NOT NULL, expiry REAL NOT NULL)`,
		`CREATE INDEX sessions_expiry_idx ON sessions(expiry)`,
	} {
		if _, err := db.Exec(q); err != nil {
			tb.Fatal(err)
		}
	}
	return scsStack(sqlite3store.NewWithCleanupInterval(db, 0), idle)
}

// postgresURL returns RAMPART_TEST_POSTGRES or skips.
func postgresURL(tb testing.TB) string {
	u := os.Getenv("RAMPART_TEST_POSTGRES")
	if u == "" {
		tb.Skip("set RAMPART_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to benchmark the PostgreSQL stores")
	}
	return u
}

// redisAddr returns RAMPART_TEST_REDIS or skips.
func redisAddr(tb testing.TB) string {
	a := os.Getenv("RAMPART_TEST_REDIS")
	if a == "" {
		tb.Skip("set RAMPART_TEST_REDIS (e.g. 127.0.0.1:6379) to benchmark the Redis stores")
	}
	return a
}

// pgPoolInSchema opens a pool whose connections use a fresh schema, so that
// the benchmark's tables never meet another test's; the schema is dropped
// at cleanup.
func pgPoolInSchema(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	ctx := context.Background()
	schema := "bench_" + suffix()
	admin, err := pgxpool.New(ctx, postgresURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		tb.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(postgresURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		pool.Close()
		admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	return pool
}

func scsPostgres(tb testing.TB, idle bool) sessionStack {
	pool := pgPoolInSchema(tb)
	for _, q := range []string{
		`CREATE TABLE sessions (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)`,
		`CREATE INDEX sessions_expiry_idx ON sessions (expiry)`,
	} {
		if _, err := pool.Exec(context.Background(), q); err != nil {
			tb.Fatal(err)
		}
	}
	return scsStack(pgxstore.NewWithCleanupInterval(pool, 0), idle)
}

func scsRedis(tb testing.TB, idle bool) sessionStack {
	addr := redisAddr(tb)
	pool := &redis.Pool{MaxIdle: 10, IdleTimeout: time.Minute,
		Dial: func() (redis.Conn, error) { return redis.Dial("tcp", addr) }}
	prefix := "bench:" + suffix() + ":scs:"
	tb.Cleanup(func() {
		c := pool.Get()
		defer c.Close()
		for cursor := 0; ; {
			v, err := redis.Values(c.Do("SCAN", cursor, "MATCH", prefix+"*", "COUNT", 100))
			if err != nil || len(v) != 2 {
				break
			}
			cursor, _ = redis.Int(v[0], nil)
			keys, _ := redis.Strings(v[1], nil)
			for _, k := range keys {
				c.Do("DEL", k)
			}
			if cursor == 0 {
				break
			}
		}
		pool.Close()
	})
	return scsStack(redisstore.NewWithPrefix(pool, prefix), idle)
}

// sessionImpls lists, per store, the implementations to compare.
type sessionImpl struct {
	name  string
	stack func(testing.TB) sessionStack
}

func sessionImpls(store string) []sessionImpl {
	var impls []sessionImpl
	impls = append(impls, rampartSessionImpls(store)...)
	switch store {
	case "memory":
		impls = append(impls,
			sessionImpl{"scs", func(testing.TB) sessionStack { return scsStack(memstore.NewWithCleanupInterval(0), false) }},
			sessionImpl{"scs-idle", func(testing.TB) sessionStack { return scsStack(memstore.NewWithCleanupInterval(0), true) }},
		)
	case "sqlite":
		impls = append(impls,
			sessionImpl{"scs", func(tb testing.TB) sessionStack { return scsSQLite(tb, false) }},
			sessionImpl{"scs-idle", func(tb testing.TB) sessionStack { return scsSQLite(tb, true) }},
		)
	case "postgres":
		impls = append(impls,
			sessionImpl{"scs", func(tb testing.TB) sessionStack { return scsPostgres(tb, false) }},
			sessionImpl{"scs-idle", func(tb testing.TB) sessionStack { return scsPostgres(tb, true) }},
		)
	case "redis":
		impls = append(impls,
			sessionImpl{"scs", func(tb testing.TB) sessionStack { return scsRedis(tb, false) }},
			sessionImpl{"scs-idle", func(tb testing.TB) sessionStack { return scsRedis(tb, true) }},
		)
	}
	return impls
}

var sessionStores = []string{"memory", "sqlite", "postgres", "redis"}

// BenchmarkSession is issue 4's per-request cost of a logged-in page view:
// load the session, read the user id, commit. op=read changes nothing (a
// store write only when the coalesced "last seen" is due); op=write stores
// a new value each request, so every request writes to the store.
func BenchmarkSession(b *testing.B) {
	for _, store := range sessionStores {
		for _, op := range []string{"read", "write"} {
			b.Run("store="+store+"/op="+op, func(b *testing.B) {
				if store == "memory" && op == "read" {
					// The same handler with no session at all: the user id
					// is a constant. rampart − bare is the session's cost.
					b.Run("impl=bare", func(b *testing.B) {
						h := sessionPage(sessionStack{get: func(*http.Request) string { return "42" }}, false)
						loop(b, h, newGET("__Host-session=x"), http.StatusOK)
					})
				}
				for _, impl := range sessionImpls(store) {
					b.Run("impl="+impl.name, func(b *testing.B) {
						benchSession(b, impl.stack(b), op == "write")
					})
				}
			})
		}
	}
}

// TestSessionStacks checks that each stack really keeps the session: the
// logged-in request sees the user id, a request without the cookie does not.
func TestSessionStacks(t *testing.T) {
	for _, store := range sessionStores {
		for _, impl := range sessionImpls(store) {
			t.Run(store+"/"+impl.name, func(t *testing.T) {
				s := impl.stack(t)
				if s.close != nil {
					t.Cleanup(s.close)
				}
				h := s.wrap(sessionPage(s, true))
				w := serve(h, loginURL.request())
				ck := cookieHeader(w, "")
				for range 3 {
					w = serve(h, newGET(ck).request())
					if w.Code != http.StatusOK || w.Body.String() != "hello 42" {
						t.Fatalf("logged-in GET: %d %q", w.Code, w.Body)
					}
					ck = cookieHeader(w, ck)
				}
				if w := serve(h, newGET("").request()); w.Code != http.StatusUnauthorized {
					t.Fatalf("anonymous GET: %d", w.Code)
				}
			})
		}
	}
}
