package redisthrottle_test

import (
	"github.com/redis/go-redis/v9"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/redisthrottle"
)

// Shared login throttling for several servers. (Not run: it needs a Redis
// server.)
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	limiter := throttle.New(redisthrottle.New(rdb, redisthrottle.Config{}), throttle.Config{})
	_ = limiter // limiter.BeginRequest(r, email) in the login handler
}
