package redistoken_test

import (
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
	"github.com/rampartgo/rampart/token"
	"github.com/rampartgo/rampart/token/redistoken"
)

// API tokens shared by several servers. (Not run: it needs a Redis server.)
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	ring := keys.MustNewRing(secrets.New(os.Getenv("SECRET_KEY")))
	tm := token.New(ring, redistoken.New(rdb, redistoken.Config{}), token.Config{
		Issuer:   "https://notes.example",
		Audience: "https://notes.example/api",
	})
	_ = tm // tm.Issue in POST /api/token, tm.Bearer around the API routes
}
