package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/rampartgo/rampart/session"
	"github.com/redis/go-redis/v9"

	"github.com/rampartgo/rampart/session/pgstore"
	"github.com/rampartgo/rampart/session/redisstore"
	"github.com/rampartgo/rampart/session/sqlitestore"
)

// rampartSession wraps a rampart session.Manager over store with its
// defaults (30 min idle timeout, 12 h absolute, "last seen" written back at
// most once a minute, __Host- cookie).
func rampartSession(store session.Store) sessionStack {
	m := session.NewManager(store, session.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return sessionStack{
		wrap: m.Handler,
		get:  func(r *http.Request) string { return m.Get(r).GetString("uid") },
		put:  func(r *http.Request, k, v string) { m.Get(r).Put(k, v) },
	}
}

func rampartSessionImpls(store string) []sessionImpl {
	switch store {
	case "memory":
		return []sessionImpl{{"rampart", func(testing.TB) sessionStack { return rampartSession(session.NewMemoryStore()) }}}
	case "sqlite":
		return []sessionImpl{{"rampart", func(tb testing.TB) sessionStack {
			st := sqlitestore.New(openSQLite(tb), sqlitestore.Config{})
			if err := st.Migrate(context.Background()); err != nil {
				tb.Fatal(err)
			}
			s := rampartSession(st)
			s.close = st.Stop
			return s
		}}}
	case "postgres":
		return []sessionImpl{{"rampart", func(tb testing.TB) sessionStack {
			st := pgstore.New(pgPoolInSchema(tb), pgstore.Config{})
			if err := st.Migrate(context.Background()); err != nil {
				tb.Fatal(err)
			}
			s := rampartSession(st)
			s.close = st.Stop
			return s
		}}}
	case "redis":
		return []sessionImpl{{"rampart", func(tb testing.TB) sessionStack {
			rdb := redis.NewClient(&redis.Options{Addr: redisAddr(tb)})
			prefix := "bench:" + suffix() + ":rampart:"
			tb.Cleanup(func() {
				ctx := context.Background()
				iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
				for iter.Next(ctx) {
					rdb.Del(ctx, iter.Val())
				}
				rdb.Close()
			})
			return rampartSession(redisstore.New(rdb, redisstore.Config{Prefix: prefix}))
		}}}
	}
	return nil
}
