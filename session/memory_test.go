package session_test

import (
	"testing"

	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	s := session.NewMemoryStore()
	storetest.Run(t, storetest.Suite{New: func(t *testing.T) session.Store { return s }})
}
