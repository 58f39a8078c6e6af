package redistoken_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampartgo/rampart/token"
	"github.com/rampartgo/rampart/token/redistoken"
	"github.com/rampartgo/rampart/token/tokentest"
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
	prefix := "rampart-test:token:" + hex.EncodeToString(b[:]) + ":"
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
	s := redistoken.New(rdb, redistoken.Config{Prefix: prefix})
	tokentest.Run(t, func(t *testing.T) token.Store { return s })
}

// Keys carry TTLs, and only hashes of refresh tokens are stored.
func TestKeysExpire(t *testing.T) {
	rdb, prefix := connect(t)
	s := redistoken.New(rdb, redistoken.Config{Prefix: prefix})
	ctx := context.Background()
	now := time.Now()
	if err := s.Create(ctx, token.Family{ID: "f1", UserID: "u1", Created: now, Expires: now.Add(time.Hour)}, [32]byte{0xab}); err != nil {
		t.Fatal(err)
	}
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) != 3 {
		t.Fatalf("keys = %v, %v", keys, err)
	}
	for _, k := range keys {
		ttl, err := rdb.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 || ttl > time.Hour {
			t.Errorf("%s: TTL %v, %v", k, ttl, err)
		}
	}
	if n, _ := rdb.Exists(ctx, prefix+"rt:ab"+hexZeros(31)).Result(); n != 1 {
		t.Error("refresh token not stored under its hash")
	}
}

func hexZeros(n int) string { return hex.EncodeToString(make([]byte, n)) }

func TestNilClientPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	redistoken.New(nil, redistoken.Config{})
}
