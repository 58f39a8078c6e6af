package throttle_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/rampartgo/rampart/throttle"
)

// An attacker rotating through keys cannot grow the store past its bound,
// and cannot push out a counter that is in active use.
func TestMemoryStoreBounded(t *testing.T) {
	st := throttle.NewMemoryStore(throttle.MemoryConfig{MaxEntries: 6400})
	now := t0
	for i := range 100000 {
		now = now.Add(time.Millisecond)
		if _, err := st.Incr(ctx, "spray:"+strconv.Itoa(i), now, time.Hour); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			if _, err := st.Incr(ctx, "victim", now, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := st.Len(); n > 6400 {
		t.Errorf("Len = %d after 100000 distinct keys, want at most 6400", n)
	}
	if c, _ := st.Get(ctx, "victim", now); c.Count != 2000 {
		t.Errorf("active counter evicted or reset: Count = %d, want 2000", c.Count)
	}
}

func TestMemoryStoreSweepsExpired(t *testing.T) {
	st := throttle.NewMemoryStore(throttle.MemoryConfig{})
	for i := range 5000 {
		st.Incr(ctx, "old:"+strconv.Itoa(i), t0, time.Minute)
	}
	later := t0.Add(time.Hour)
	for i := range 512 * 1024 {
		st.Incr(ctx, "new:"+strconv.Itoa(i%1000), later, time.Minute)
	}
	if n := st.Len(); n != 1000 {
		t.Errorf("Len = %d after the old entries expired, want 1000", n)
	}
}

func TestMemoryStoreNegativeMaxEntriesPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	throttle.NewMemoryStore(throttle.MemoryConfig{MaxEntries: -1})
}
