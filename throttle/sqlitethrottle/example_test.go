package sqlitethrottle_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/netip"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/sqlitethrottle"
)

func Example() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	ctx := context.Background()
	store := sqlitethrottle.New(db, sqlitethrottle.Config{})
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	limiter := throttle.New(store, throttle.Config{FreeFailures: 2})

	for range 3 {
		att, err := limiter.Begin(ctx, "bob@example.com", netip.MustParseAddr("203.0.113.7"))
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println("checking the password")
		att.Fail(ctx)
	}
	// Output:
	// checking the password
	// checking the password
	// rampart/throttle: too many failed attempts (account_ip); retry after 1s
}
