package throttle

import (
	"context"
	"time"
)

// Store keeps the counters a [Limiter] consults. Keys are short ASCII
// strings built by the limiter (at most ~100 bytes; account identifiers are
// hashed, never stored in clear). Implementations must be safe for
// concurrent use, and Incr must be atomic: two concurrent calls on the same
// key must each see a different previous count.
//
// Expiry: a counter expires ttl after its latest Incr. An expired counter is
// indistinguishable from an absent one. Stores with their own clock (Redis)
// may judge expiry by it instead of the now passed in; the now argument is
// always what Incr records as [Counter.Last].
//
// Errors mean the store could not answer (network, disk, cancelled
// context); "not found" is never an error.
type Store interface {
	// Incr adds one to the counter at key, records now as its Last time,
	// sets its expiry to now+ttl, and returns the counter as it was just
	// before this increment: the zero Counter if it was absent or expired.
	Incr(ctx context.Context, key string, now time.Time, ttl time.Duration) (Counter, error)

	// Decr subtracts one from an unexpired counter whose count is above
	// zero. It leaves Last and the expiry alone, and does nothing (and
	// returns nil) for an absent or expired counter.
	Decr(ctx context.Context, key string, now time.Time) error

	// Get returns the counter at key, or the zero Counter if it is absent
	// or expired.
	Get(ctx context.Context, key string, now time.Time) (Counter, error)

	// Reset deletes the counter at key. Deleting an absent key is not an
	// error.
	Reset(ctx context.Context, key string) error
}

// Counter is one counter's state.
type Counter struct {
	// Count is the number of increments since the counter was created
	// (minus decrements).
	Count int
	// Last is the now of the latest Incr; zero for an absent counter.
	Last time.Time
}
