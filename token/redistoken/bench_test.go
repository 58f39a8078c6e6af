package redistoken_test

import (
	"testing"

	"github.com/rampartgo/rampart/token"
	"github.com/rampartgo/rampart/token/redistoken"
	"github.com/rampartgo/rampart/token/tokentest"
)

func newBenchStore(b *testing.B) token.Store {
	rdb, prefix := connect(b)
	return redistoken.New(rdb, redistoken.Config{Prefix: prefix})
}

func BenchmarkRotate(b *testing.B) { tokentest.BenchmarkRotate(b, newBenchStore) }

func BenchmarkRevocations100(b *testing.B) { tokentest.BenchmarkRevocations(b, newBenchStore, 100) }
