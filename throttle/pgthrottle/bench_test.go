package pgthrottle_test

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampartgo/rampart/throttle"
	"github.com/rampartgo/rampart/throttle/pgthrottle"
)

// BenchmarkBeginFail is one admitted failed login against PostgreSQL:
// four statements in Begin.
func BenchmarkBeginFail(b *testing.B) {
	url := os.Getenv("RAMPART_TEST_POSTGRES")
	if url == "" {
		b.Skip("RAMPART_TEST_POSTGRES not set; skipping PostgreSQL benchmark")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	table := "throttle_bench_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	defer pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+table)
	s := pgthrottle.New(pool, pgthrottle.Config{Table: table})
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	l := throttle.New(s, throttle.Config{
		Now:    func() time.Time { now = now.Add(time.Hour); return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		a, err := l.Begin(ctx, "user"+strconv.Itoa(i%1024)+"@example.com", netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
		if err != nil {
			b.Fatal(err)
		}
		a.Fail(ctx)
	}
}
