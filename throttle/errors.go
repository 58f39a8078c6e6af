package throttle

import (
	"errors"
	"strconv"
	"time"
)

// ErrLimited matches every [*LimitedError] with [errors.Is].
var ErrLimited = errors.New("rampart/throttle: too many failed attempts")

// ErrUnavailable wraps errors from the [Store]. [Limiter.Begin] returns it
// (fail closed) when it cannot read or update the counters; an HTTP handler
// answers 503 Service Unavailable. The wrapped store error is for the log,
// not for the client.
var ErrUnavailable = errors.New("rampart/throttle: store unavailable")

// Scope names the limit that refused an attempt.
type Scope string

// Scopes, as reported by [LimitedError] and in security events.
const (
	// ScopeAccountIP is one account from one client network: the
	// exponential backoff a password guesser hits first.
	ScopeAccountIP Scope = "account_ip"
	// ScopeAccount is one account from all networks together: the hard
	// limit on consecutive failures (NIST SP 800-63B), which networks where
	// the account logged in before do not hit.
	ScopeAccount Scope = "account"
	// ScopeIP is one client network across all accounts: backoff against
	// password spraying.
	ScopeIP Scope = "ip"
	// ScopeRate is a [Rate] limit on requests, whatever their outcome.
	ScopeRate Scope = "rate"
)

// LimitedError is returned by [Limiter.Begin] when an attempt must wait. An
// HTTP handler answers 429 Too Many Requests with a Retry-After header set
// to [LimitedError.RetryAfterHeader] (RFC 9110 §10.2.3, RFC 6585 §4).
type LimitedError struct {
	// RetryAfter is how long the client must wait before the next attempt
	// can be accepted.
	RetryAfter time.Duration
	// Scope is the limit that applied (the one with the longest wait).
	Scope Scope
}

// Error says that the attempt was refused and for how long, in whole
// seconds. It names no account or address.
func (e *LimitedError) Error() string {
	return "rampart/throttle: too many failed attempts (" + string(e.Scope) + "); retry after " +
		e.RetryAfterHeader() + "s"
}

// Is reports whether target is [ErrLimited].
func (e *LimitedError) Is(target error) bool { return target == ErrLimited }

// RetryAfterSeconds returns RetryAfter rounded up to whole seconds, at
// least 1: the value for a Retry-After header.
func (e *LimitedError) RetryAfterSeconds() int {
	s := int((e.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

// RetryAfterHeader returns [LimitedError.RetryAfterSeconds] formatted for
// the Retry-After header (delay-seconds).
func (e *LimitedError) RetryAfterHeader() string {
	return strconv.Itoa(e.RetryAfterSeconds())
}
