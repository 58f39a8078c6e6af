package reqstate

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

type layerA struct {
	holder Holder
	name   string
}

type layerB struct {
	holder Holder
	name   string
}

var (
	slotA = NewSlot[layerA](Headers)
	slotB = NewSlot[layerB](Session)
)

func name[T any](p *T) string {
	switch v := any(p).(type) {
	case *layerA:
		if v != nil {
			return v.name
		}
	case *layerB:
		if v != nil {
			return v.name
		}
	}
	return "<nil>"
}

func TestInstallSharesOneHolder(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	a := &layerA{name: "a"}
	r1 := Install(r, slotA, a, &a.holder)
	if r1 == r {
		t.Fatal("the first layer must install a holder with WithContext")
	}
	if got := Find(r.Context(), slotA, nil); got != nil {
		t.Fatalf("the original request sees %s", got.name)
	}
	b := &layerB{name: "b"}
	r2 := Install(r1, slotB, b, &b.holder)
	if r2 != r1 {
		t.Fatal("a second layer must fill the holder and pass the same request on")
	}
	if got := Find(r2.Context(), slotA, nil); got != a {
		t.Errorf("slot A: %s, want a", name(got))
	}
	if got := Find(r2.Context(), slotB, nil); got != b {
		t.Errorf("slot B: %s, want b", name(got))
	}
	if b.holder.Context != nil {
		t.Error("the unused spare holder was initialised")
	}
}

func TestSameSlotTwiceNests(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	outer := &layerA{name: "outer"}
	r1 := Install(r, slotA, outer, &outer.holder)
	inner := &layerA{name: "inner"}
	r2 := Install(r1, slotA, inner, &inner.holder)
	if r2 == r1 {
		t.Fatal("a taken slot must get a new holder")
	}
	if got := Find(r2.Context(), slotA, nil); got != inner {
		t.Errorf("innermost: %s, want inner", name(got))
	}
	if got := Find(r2.Context(), slotA, func(s *layerA) bool { return s.name == "outer" }); got != outer {
		t.Errorf("match walks outward: %s, want outer", name(got))
	}
	if got := Find(r1.Context(), slotA, nil); got != outer {
		t.Errorf("the outer request: %s, want outer", name(got))
	}
	// A layer after the nested one fills the innermost holder.
	b := &layerB{name: "b"}
	r3 := Install(r2, slotB, b, &b.holder)
	if r3 != r2 || Find(r1.Context(), slotB, nil) != nil {
		t.Error("slot B went to the outer holder")
	}
}

func TestSubRequestGetsItsOwnHolder(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	a := &layerA{name: "a"}
	r1 := Install(r, slotA, a, &a.holder)
	for _, tc := range []struct {
		name string
		sub  func() *http.Request
	}{
		{"Clone", func() *http.Request { return r1.Clone(r1.Context()) }},
		{"NewRequestWithContext", func() *http.Request {
			s, err := http.NewRequestWithContext(r1.Context(), "GET", "/other", nil)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"no header map", func() *http.Request { s := r1.WithContext(r1.Context()); s.Header = nil; return s }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := tc.sub()
			b := &layerB{name: "sub"}
			if Install(sub, slotB, b, &b.holder) == sub {
				t.Fatal("the sub-request filled the parent request's holder")
			}
			if got := Find(r1.Context(), slotB, nil); got != nil {
				t.Fatalf("the parent request sees the sub-request's %s", got.name)
			}
		})
	}
	// A shallow copy is the same request: it shares the holder.
	b := &layerB{name: "b"}
	if c := r1.WithContext(context.WithValue(r1.Context(), struct{}{}, 1)); Install(c, slotB, b, &b.holder) != c {
		t.Error("a WithContext copy of the request did not share its holder")
	}
}

func TestHolderIsAContext(t *testing.T) {
	type k struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), k{}, "v"))
	r := httptest.NewRequestWithContext(ctx, "GET", "/", nil)
	a := &layerA{}
	r1 := Install(r, slotA, a, &a.holder)
	if r1.Context().Value(k{}) != "v" {
		t.Error("the parent's values are lost")
	}
	cancel()
	<-r1.Context().Done()
	if r1.Context().Err() == nil {
		t.Error("the parent's cancellation is lost")
	}
}

// Under -race: an outer goroutine reads while an inner layer fills its
// slot, and two goroutines pass one request through the same layer.
func TestConcurrentInstall(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	a := &layerA{name: "a"}
	r1 := Install(r, slotA, a, &a.holder)
	var wg sync.WaitGroup
	states := make([]*layerB, 8)
	for i := range states {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_ = Find(r1.Context(), slotB, nil)
		}()
		go func() {
			defer wg.Done()
			b := &layerB{name: "b"}
			if got := Find(Install(r1, slotB, b, &b.holder).Context(), slotB, nil); got != b {
				t.Errorf("a goroutine got %s, not its own state", name(got))
			}
			states[i] = b
		}()
	}
	wg.Wait()
	if got := Find(r1.Context(), slotB, nil); got == nil {
		t.Error("no goroutine filled the shared slot")
	}
}

func TestNewSlotOutOfRange(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	NewSlot[layerA](numSlots)
}
