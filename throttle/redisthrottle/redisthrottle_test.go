package redisthrottle_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/redisthrottle"
	"github.com/rampartgo/rampart/throttle/throttletest"
)

// connect returns a client to RAMPART_TEST_REDIS and a fresh key prefix
// whose keys are deleted when the test ends.
func connect(t testing.TB) (*redis.Client, string) {
	t.Helper()
	addr := os.Getenv("RAMPART_TEST_REDIS")
	if addr == "" {
		t.Skip("RAMPART_TEST_REDIS not set (e.g. 127.0.0.1:6379); skipping Redis tests")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	var b [6]byte
	rand.Read(b[:])
	prefix := "rampart-test:throttle:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("cleaning up %s*: %v", prefix, err)
		}
		rdb.Close()
	})
	return rdb, prefix
}

func TestConformance(t *testing.T) {
	rdb, prefix := connect(t)
	s := redisthrottle.New(rdb, redisthrottle.Config{Prefix: prefix})
	throttletest.Run(t, func(t *testing.T) throttle.Store { return s })
}

// Counters carry a TTL in Redis itself, so Redis frees them.
func TestKeysHaveTTL(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := connect(t)
	s := redisthrottle.New(rdb, redisthrottle.Config{Prefix: prefix})
	if _, err := s.Incr(ctx, "k", time.Now(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Decr(ctx, "k", time.Now()); err != nil {
		t.Fatal(err)
	}
	ttl, err := rdb.PTTL(ctx, prefix+"k").Result()
	if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("PTTL = %v, %v; want about 1h", ttl, err)
	}
	if _, err := s.Incr(ctx, "huge", time.Now(), 1<<63-1); err != nil {
		t.Errorf("Incr with a huge TTL: %v", err)
	}
}

// An unreachable server makes the limiter fail closed. It needs no Redis:
// nothing listens on port 1.
func TestUnreachableServerFailsClosed(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	l := throttle.New(redisthrottle.New(rdb, redisthrottle.Config{}), throttle.Config{})
	_, err := l.Begin(context.Background(), "bob@example.com", netip.MustParseAddr("203.0.113.7"))
	if !errors.Is(err, throttle.ErrUnavailable) {
		t.Fatalf("Begin with Redis down = %v, want ErrUnavailable", err)
	}
}
