package session_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/storetest"
)

// cachedApp is a Manager over a Cache over a counting memory store, with
// pages that create, read, renew and destroy sessions.
type cachedApp struct {
	t     *testing.T
	under *countingStore
	cache *session.Cache
	m     *session.Manager
	h     http.Handler
}

func newCachedApp(t *testing.T, max int) *cachedApp {
	a := &cachedApp{t: t, under: &countingStore{Store: session.NewMemoryStore()}}
	a.cache = session.NewCache(a.under, session.CacheConfig{TTL: time.Hour, MaxEntries: max})
	a.m = session.NewManager(a.cache, session.Config{Logger: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	// A page every visitor gets a session from (a cart, a flash message):
	// what a bot hits.
	mux.HandleFunc("GET /visit", func(w http.ResponseWriter, r *http.Request) {
		a.m.Get(r).Put("visited", true)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		s := a.m.Get(r)
		if err := s.Renew(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		s.SetUserID(r.FormValue("user"))
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, a.m.Get(r).UserID())
	})
	mux.HandleFunc("POST /renew", func(w http.ResponseWriter, r *http.Request) {
		if err := a.m.Get(r).Renew(); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := a.m.Get(r).Destroy(); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	a.h = a.m.Handler(mux)
	return a
}

// do sends a request with cookie (if not "") and returns the body and
// the session cookie set, or cookie again if none was.
func (a *cachedApp) do(method, target, cookie string) (body, newCookie string) {
	a.t.Helper()
	r := httptest.NewRequest(method, "https://example.com"+target, nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	if w.Code != 200 {
		a.t.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body)
	}
	newCookie = cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == a.m.CookieName() {
			newCookie = c.Name + "=" + c.Value
		}
	}
	return w.Body.String(), newCookie
}

func (a *cachedApp) login(user string) string {
	_, c := a.do("GET", "/visit", "")
	_, c = a.do("POST", "/login?user="+user, c)
	return c
}

func (a *cachedApp) wantUser(cookie, user string) {
	a.t.Helper()
	if got, _ := a.do("GET", "/me", cookie); got != user {
		a.t.Fatalf("GET /me = %q, want %q", got, user)
	}
}

// TestCacheFloodOfNewSessions is the attack the admission policy is
// for: bots hitting a page that creates a session must not push the
// sessions of users who are reading theirs out of the cache.
func TestCacheFloodOfNewSessions(t *testing.T) {
	const capacity = 100
	for _, bot := range []struct {
		name  string
		reads int // how often a bot comes back with its cookie
		live  int // users reading their sessions
		burst int // new sessions between two reads of each user's
	}{
		// Without a cookie jar: a new session per request.
		{"create only", 0, capacity, capacity / 4},
		// With one: read once more each, then gone.
		{"read once", 1, capacity / 2, capacity / 4},
		// Reading twice is the pattern of a user, and earns promotion. The
		// protected segment holds 80, 40 of them live: a burst of 35 is
		// more than probation holds (20), so a live session displaced
		// would be pushed off probation, but less than the clock hand must
		// pass to come back to a live session.
		{"read twice", 2, 40, 35},
	} {
		t.Run(bot.name, func(t *testing.T) {
			a := newCachedApp(t, capacity)
			live := make([]string, bot.live)
			for i := range live {
				live[i] = a.login(fmt.Sprint("user", i))
			}
			for range 3 {
				for i, c := range live {
					a.wantUser(c, fmt.Sprint("user", i))
				}
			}
			if n := a.under.finds.Load(); n > int64(3*bot.live) {
				t.Fatalf("warming up: %d store reads for %d users", n, bot.live)
			}
			a.under.finds.Store(0)
			// 10×capacity new sessions, in bursts between which the users
			// read their sessions.
			for range (10*capacity + bot.burst - 1) / bot.burst {
				for range bot.burst {
					_, c := a.do("GET", "/visit", "")
					for range bot.reads {
						a.do("GET", "/visit", c)
					}
				}
				botReads := a.under.finds.Load()
				for i, c := range live {
					a.wantUser(c, fmt.Sprint("user", i))
				}
				if n := a.under.finds.Load() - botReads; n != 0 {
					t.Fatalf("%d of %d live sessions were read from the store", n, bot.live)
				}
				a.under.finds.Store(0)
			}
		})
	}
}

// TestCacheFloodOfNewSessionsStore is the same at the Store level, with
// the live sessions filling the cache to capacity.
func TestCacheFloodOfNewSessionsStore(t *testing.T) {
	ctx := context.Background()
	const capacity = 50
	under := &countingStore{Store: session.NewMemoryStore()}
	c := session.NewCache(under, session.CacheConfig{TTL: time.Hour, MaxEntries: capacity})
	live := make([]*session.Record, capacity)
	for i := range live {
		live[i] = storetest.NewRecord("u")
		if err := c.Insert(ctx, live[i]); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		for _, rec := range live {
			if _, err := c.Find(ctx, rec.Hash); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Read in turn, more sessions than fit on probation: each is read from
	// the store once, pushed off probation by the others, read once more
	// and admitted to the protected segment by its ghost.
	if n := under.finds.Load(); n > 2*capacity {
		t.Fatalf("warming up: %d store reads for %d sessions", n, capacity)
	}
	for range 10 * capacity {
		if err := c.Insert(ctx, storetest.NewRecord("")); err != nil {
			t.Fatal(err)
		}
	}
	under.finds.Store(0)
	for _, rec := range live {
		if got, err := c.Find(ctx, rec.Hash); err != nil || got != rec {
			t.Fatalf("Find = %v, %v", got, err)
		}
	}
	if n := under.finds.Load(); n != 0 {
		t.Fatalf("after the flood %d of %d live sessions were read from the store", n, capacity)
	}
}

// TestCacheInvalidation checks that a session served from either segment
// of the cache stops authenticating at once when it is destroyed,
// renewed or revoked.
func TestCacheInvalidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(a *cachedApp, cookie string) (replacement string)
	}{
		{"Destroy", func(a *cachedApp, c string) string {
			a.do("POST", "/logout", c)
			return ""
		}},
		{"Renew", func(a *cachedApp, c string) string {
			_, n := a.do("POST", "/renew", c)
			if n == c {
				a.t.Fatal("Renew sent no new cookie")
			}
			return n
		}},
		{"DestroyForUser", func(a *cachedApp, c string) string {
			if n, err := a.m.DestroyForUser(context.Background(), "alice", ""); err != nil || n != 1 {
				a.t.Fatalf("DestroyForUser = %d, %v", n, err)
			}
			return ""
		}},
	} {
		for _, reads := range []int{1, 2, 5} { // on probation, promoted, used
			t.Run(fmt.Sprintf("%s/%d reads", tc.name, reads), func(t *testing.T) {
				a := newCachedApp(t, 10)
				c := a.login("alice")
				for range reads {
					a.wantUser(c, "alice")
				}
				n := tc.end(a, c)
				a.wantUser(c, "")
				if n != "" {
					a.wantUser(n, "alice")
					a.wantUser(n, "alice")
				}
			})
		}
	}
}

// gateStore holds a Find of one hash after it read the store, until
// released.
type gateStore struct {
	session.Store
	hash    session.Hash
	read    chan struct{} // closed once the held Find has read
	release chan struct{}
	once    sync.Once
}

func (s *gateStore) Find(ctx context.Context, h session.Hash) (*session.Record, error) {
	rec, err := s.Store.Find(ctx, h)
	if h == s.hash {
		s.once.Do(func() {
			close(s.read)
			<-s.release
		})
	}
	return rec, err
}

// TestCacheRacingWrite checks that a Find which read a record before a
// write through the cache does not cache what it read after the write.
func TestCacheRacingWrite(t *testing.T) {
	ctx := context.Background()
	for _, write := range []string{"Update", "Delete"} {
		t.Run(write, func(t *testing.T) {
			rec := storetest.NewRecord("alice")
			under := &gateStore{Store: session.NewMemoryStore(), hash: rec.Hash,
				read: make(chan struct{}), release: make(chan struct{})}
			c := session.NewCache(under, session.CacheConfig{TTL: time.Hour})
			if err := c.Insert(ctx, rec); err != nil {
				t.Fatal(err)
			}
			done := make(chan error)
			go func() {
				_, err := c.Find(ctx, rec.Hash) // reads version 1, then waits
				done <- err
			}()
			<-under.read
			next := *rec
			next.Version, next.UserID = 2, ""
			var err error
			if write == "Update" {
				err = c.Update(ctx, &next)
			} else {
				err = c.Delete(ctx, rec.Hash)
			}
			if err != nil {
				t.Fatal(err)
			}
			close(under.release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			for range 3 {
				got, err := c.Find(ctx, rec.Hash)
				switch {
				case write == "Delete" && !errors.Is(err, session.ErrNotFound):
					t.Fatalf("Find after Delete = %v, %v", got, err)
				case write == "Update" && (err != nil || got.Version != 2):
					t.Fatalf("Find after Update = %+v, %v; want version 2", got, err)
				}
			}
		})
	}
}

// TestCacheConcurrent runs readers, writers, deleters and a flood at
// once (for -race) and checks that a deleted session is never found.
func TestCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	c := session.NewCache(session.NewMemoryStore(), session.CacheConfig{TTL: time.Hour, MaxEntries: 20})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() { // the flood
		for {
			select {
			case <-stop:
				return
			default:
			}
			rec := storetest.NewRecord("")
			c.Insert(ctx, rec)
			c.Find(ctx, rec.Hash)
			c.Find(ctx, rec.Hash)
		}
	})
	var users sync.WaitGroup
	for range 4 {
		users.Go(func() {
			for range 200 {
				rec := storetest.NewRecord("u")
				if err := c.Insert(ctx, rec); err != nil {
					t.Error(err)
					return
				}
				for v := range 5 {
					if _, err := c.Find(ctx, rec.Hash); err != nil {
						t.Error(err)
						return
					}
					next := *rec
					next.Version = uint64(v + 2)
					if err := c.Update(ctx, &next); err != nil {
						t.Error(err)
						return
					}
					rec = &next
				}
				if got, err := c.Find(ctx, rec.Hash); err != nil || got.Version != rec.Version {
					t.Errorf("Find after own Update = %v, %v", got, err)
					return
				}
				if err := c.Delete(ctx, rec.Hash); err != nil {
					t.Error(err)
					return
				}
				if _, err := c.Find(ctx, rec.Hash); !errors.Is(err, session.ErrNotFound) {
					t.Errorf("Find after Delete = %v", err)
					return
				}
			}
		})
	}
	users.Wait()
	close(stop)
	wg.Wait()
}
