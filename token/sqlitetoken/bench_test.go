package sqlitetoken_test

import (
	"testing"

	"github.com/rampartgo/rampart/token"
	"github.com/rampartgo/rampart/token/tokentest"
)

func newBenchStore(b *testing.B) token.Store { return newStore(b, openDB(b), "") }

func BenchmarkRotate(b *testing.B) { tokentest.BenchmarkRotate(b, newBenchStore) }

func BenchmarkRevocations100(b *testing.B) { tokentest.BenchmarkRevocations(b, newBenchStore, 100) }
