package token_test

import (
	"testing"

	"github.com/rampartgo/rampart/token"
	"github.com/rampartgo/rampart/token/tokentest"
)

func TestMemoryStoreConformance(t *testing.T) {
	tokentest.Run(t, func(t *testing.T) token.Store { return token.NewMemoryStore() })
}
