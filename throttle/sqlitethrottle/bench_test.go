package sqlitethrottle_test

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/rampartgo/rampart/throttle"
)

// BenchmarkBeginFail is one admitted failed login against SQLite: four
// statements in Begin.
func BenchmarkBeginFail(b *testing.B) {
	ctx := context.Background()
	now := time.Now()
	l := throttle.New(newStore(b, openDB(b), ""), throttle.Config{
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
