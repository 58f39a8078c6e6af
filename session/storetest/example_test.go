package storetest_test

import (
	"context"
	"fmt"

	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/storetest"
)

// NewRecord makes records for a store's own tests, beyond the suite.
func ExampleNewRecord() {
	store := session.NewMemoryStore()
	rec := storetest.NewRecord("alice")
	if err := store.Insert(context.Background(), rec); err != nil {
		panic(err)
	}
	got, err := store.Find(context.Background(), rec.Hash)
	fmt.Println(got.UserID, got.Version, len(got.Values), err)
	recs, _ := store.ListByUser(context.Background(), "alice")
	fmt.Println(len(recs))
	// Output:
	// alice 1 9 <nil>
	// 1
}
