// Package reqstate carries the per-request state of rampart's middleware
// (headers, session, csrf, auth) in one context value.
//
// # Why
//
// Each layer used to install its state with r.WithContext, and each
// WithContext copies the whole http.Request (256 bytes on amd64): four
// copies per page request in an app that uses every layer. A [Holder]
// has a slot per layer. The first layer on a request installs a holder
// (one WithContext); the layers inside it fill their slot of that
// holder and pass the same *http.Request on.
//
// # Semantics
//
// Accessors find the innermost state, as with separate context values:
//
//   - A layer whose slot is already taken in the innermost holder (the
//     same kind of layer twice on one chain: two session managers, a
//     handler that serves the same request through the chain again)
//     installs a new holder whose parent is that one; lookups walk from
//     the innermost holder outward.
//   - A holder belongs to the request it was installed for. A request
//     made from another one's context (a sub-request built with r.Clone
//     or http.NewRequestWithContext(r.Context(), ...)) has its own header
//     map, so it never fills a slot of the other request's holder: its
//     layers install a holder of its own.
//   - Slots are written once, with compare-and-swap, and read with atomic
//     loads, so a goroutine of an outer handler that reads an accessor
//     while an inner layer fills its slot does not race; two goroutines
//     that pass one request through a layer at once get one slot each
//     (the loser installs its own holder).
//   - Unlike separate context values, an outer handler that reads an
//     accessor after next returned sees the state of the layers inside
//     it. Slots are never cleared: a context kept after the response (a
//     background job started with context.WithoutCancel) keeps its
//     values, as it did before.
package reqstate

import (
	"context"
	"net/http"
	"sync/atomic"
	"unsafe"
)

// Index numbers the slots; each layer owns one.
type Index uint8

// The slots. Each package declares its [Slot] with its own state type.
const (
	Headers Index = iota
	Session
	CSRF
	Auth
	numSlots
)

// Slot is slot i holding a *T. Only the package that owns slot i makes a
// Slot for it, so a slot only ever holds one type and the conversions
// below are sound.
type Slot[T any] struct{ i Index }

// NewSlot returns the slot i for states of type T. Call it once per
// package, for the package's own index.
func NewSlot[T any](i Index) Slot[T] {
	if i >= numSlots {
		panic("rampart/internal/reqstate: slot index out of range")
	}
	return Slot[T]{i}
}

type key struct{}

// Holder is the context value. Layers embed one in their own state so that
// the layer that installs it needs no extra allocation; a Holder must not
// be copied after [Install] has used it.
type Holder struct {
	context.Context
	parent *Holder
	owner  unsafe.Pointer // the owning request's header map, see owner
	slots  [numSlots]unsafe.Pointer
}

// owner identifies r across r.WithContext: the shallow copies share the
// header map, a clone or a new request has its own. A request without
// headers owns nothing, so its layers always install their own holder.
func owner(r *http.Request) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&r.Header))
}

// Value answers the package's key with the holder and defers to the
// parent context otherwise.
func (h *Holder) Value(k any) any {
	if _, ok := k.(key); ok {
		return h
	}
	return h.Context.Value(k)
}

func innermost(ctx context.Context) *Holder {
	h, _ := ctx.Value(key{}).(*Holder)
	return h
}

// Install records v as s's state for the handlers r is passed to and
// returns the request to pass them: r itself when r's innermost holder has
// s free (no allocation), else r.WithContext(spare), with spare (which
// must be unused, typically embedded in v) installed as the new innermost
// holder.
func Install[T any](r *http.Request, s Slot[T], v *T, spare *Holder) *http.Request {
	ctx := r.Context()
	parent := innermost(ctx)
	o := owner(r)
	if parent != nil && o != nil && parent.owner == o &&
		atomic.CompareAndSwapPointer(&parent.slots[s.i], nil, unsafe.Pointer(v)) {
		return r
	}
	spare.Context = ctx
	spare.parent = parent
	spare.owner = o
	// Not yet visible to anyone: a plain store is enough.
	spare.slots[s.i] = unsafe.Pointer(v)
	return r.WithContext(spare)
}

// Find returns the innermost state in s for which match reports true (any
// state when match is nil), or nil.
func Find[T any](ctx context.Context, s Slot[T], match func(*T) bool) *T {
	for h := innermost(ctx); h != nil; h = h.parent {
		if p := (*T)(atomic.LoadPointer(&h.slots[s.i])); p != nil && (match == nil || match(p)) {
			return p
		}
	}
	return nil
}
