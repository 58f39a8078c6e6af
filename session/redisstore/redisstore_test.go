package redisstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/redisstore"
	"github.com/rampartgo/rampart/session/storetest"
)

// connect returns a client for RAMPART_TEST_REDIS and a fresh key prefix
// whose keys are deleted when the test ends.
func connect(t testing.TB) (*redis.Client, string) {
	t.Helper()
	addr := os.Getenv("RAMPART_TEST_REDIS")
	if addr == "" {
		t.Skip("RAMPART_TEST_REDIS not set (e.g. 127.0.0.1:6379); skipping Redis tests")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	var b [6]byte
	rand.Read(b[:])
	prefix := "rampart-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		for _, k := range keys(t, rdb, prefix) {
			rdb.Del(context.Background(), k)
		}
	})
	return rdb, prefix
}

// keys lists the keys under prefix with SCAN.
func keys(t testing.TB, rdb *redis.Client, prefix string) []string {
	t.Helper()
	var all []string
	iter := rdb.Scan(context.Background(), 0, prefix+"*", 100).Iterator()
	for iter.Next(context.Background()) {
		all = append(all, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return all
}

func TestConformance(t *testing.T) {
	rdb, prefix := connect(t)
	s := redisstore.New(rdb, redisstore.Config{Prefix: prefix})
	storetest.Run(t, storetest.Suite{
		New: func(t *testing.T) session.Store { return s },
		Dump: func(t *testing.T) []byte {
			ctx := context.Background()
			var buf bytes.Buffer
			for _, k := range keys(t, rdb, prefix) {
				buf.WriteString(k + "\n")
				switch rdb.Type(ctx, k).Val() {
				case "hash":
					for f, v := range rdb.HGetAll(ctx, k).Val() {
						buf.WriteString(f + "=" + v + "\n")
					}
				case "set":
					for _, m := range rdb.SMembers(ctx, k).Val() {
						buf.WriteString(m + "\n")
					}
				}
			}
			return buf.Bytes()
		},
	})
}

func TestKeysExpireInRedis(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := connect(t)
	s := redisstore.New(rdb, redisstore.Config{Prefix: prefix})
	rec := storetest.NewRecord("alice")
	rec.Expires = time.Now().Add(10 * time.Minute)
	if err := s.Insert(ctx, rec); err != nil {
		t.Fatal(err)
	}
	ks := keys(t, rdb, prefix)
	if len(ks) != 2 {
		t.Fatalf("keys = %q, want a session and a user set", ks)
	}
	for _, k := range ks {
		ttl := rdb.PTTL(ctx, k).Val()
		if ttl <= 9*time.Minute || ttl > 10*time.Minute {
			t.Errorf("%s has TTL %v, want about 10m", k, ttl)
		}
		if strings.Contains(k, "alice") != strings.HasPrefix(k, prefix+"u:") {
			t.Errorf("unexpected key %s", k)
		}
	}
	// A longer-lived session stretches the user set's TTL.
	rec2 := storetest.NewRecord("alice")
	rec2.Expires = time.Now().Add(time.Hour)
	if err := s.Insert(ctx, rec2); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.PTTL(ctx, prefix+"u:alice").Val(); ttl <= 59*time.Minute {
		t.Errorf("user set TTL %v, want about 1h", ttl)
	}
}

func TestStaleIndexMembersArePruned(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := connect(t)
	s := redisstore.New(rdb, redisstore.Config{Prefix: prefix})
	rec := storetest.NewRecord("bob")
	if err := s.Insert(ctx, rec); err != nil {
		t.Fatal(err)
	}
	// The session key vanishes behind the index's back (say, evicted).
	rdb.Del(ctx, prefix+"s:"+hex.EncodeToString(rec.Hash[:]))
	rdb.SAdd(ctx, prefix+"u:bob", "not-a-hash")
	recs, err := s.ListByUser(ctx, "bob")
	if err != nil || len(recs) != 0 {
		t.Fatalf("ListByUser = %d, %v", len(recs), err)
	}
	if n := rdb.SCard(ctx, prefix+"u:bob").Val(); n != 0 {
		t.Fatalf("%d stale members left", n)
	}
}

func TestManyUserSessions(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := connect(t)
	s := redisstore.New(rdb, redisstore.Config{Prefix: prefix})
	for range 250 { // more than one SSCAN page
		if err := s.Insert(ctx, storetest.NewRecord("carol")); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := s.ListByUser(ctx, "carol")
	if err != nil || len(recs) != 250 {
		t.Fatalf("ListByUser = %d, %v; want 250", len(recs), err)
	}
}

func TestCorruptEntry(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := connect(t)
	s := redisstore.New(rdb, redisstore.Config{Prefix: prefix})
	rec := storetest.NewRecord("u")
	if err := s.Insert(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rdb.HSet(ctx, prefix+"s:"+hex.EncodeToString(rec.Hash[:]), "d", "\x01garbage")
	if _, err := s.Find(ctx, rec.Hash); err == nil || err == session.ErrNotFound {
		t.Fatalf("Find of a corrupt entry = %v, want an error that is not ErrNotFound", err)
	}
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkManagerRead is a logged-in page through the middleware: load,
// read the owner, commit (no write within the touch interval).
func BenchmarkManagerRead(b *testing.B) {
	rdb, prefix := connect(b)
	s := redisstore.New(rdb, redisstore.Config{Prefix: prefix})
	m := session.NewManager(s, session.Config{Logger: slog.New(slog.DiscardHandler)})
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	rec := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).SetUserID("alice")
		m.Get(r).Put("theme", "dark")
	})).ServeHTTP(rec, r)
	c := rec.Result().Cookies()[0]
	r.Header.Set("Cookie", c.Name+"="+c.Value)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.Get(r).UserID() != "alice" {
			panic("not logged in")
		}
	}))
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkUpdate is one versioned write (a Lua script).
func BenchmarkUpdate(b *testing.B) {
	rdb, prefix := connect(b)
	s := redisstore.New(rdb, redisstore.Config{Prefix: prefix})
	ctx := context.Background()
	rec := storetest.NewRecord("alice")
	if err := s.Insert(ctx, rec); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		next := *rec
		next.Version++
		if err := s.Update(ctx, &next); err != nil {
			b.Fatal(err)
		}
		rec = &next
	}
}

// BenchmarkFind is one read.
func BenchmarkFind(b *testing.B) {
	rdb, prefix := connect(b)
	s := redisstore.New(rdb, redisstore.Config{Prefix: prefix})
	ctx := context.Background()
	rec := storetest.NewRecord("alice")
	if err := s.Insert(ctx, rec); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Find(ctx, rec.Hash); err != nil {
			b.Fatal(err)
		}
	}
}
