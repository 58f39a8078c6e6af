package token

import "errors"

var (
	// ErrInvalid is the error every rejected token matches with errors.Is:
	// malformed, wrongly signed, of the wrong type, audience or issuer,
	// expired, revoked or reused.
	ErrInvalid = errors.New("rampart/token: invalid token")
	// ErrExpired means the token was well formed and signed by us but has
	// expired (beyond the leeway). It matches ErrInvalid.
	ErrExpired error = errExpired
	// ErrUnavailable means the revocation state could not be loaded from the
	// Store, so no token is accepted until it can be (fail closed).
	ErrUnavailable = errors.New("rampart/token: revocation store unavailable")
)

// invalidError is a reason a token is rejected; it matches ErrInvalid.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return "rampart/token: " + e.msg }

// Is makes every reason match ErrInvalid.
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// reasons for rejection that callers do not branch on; they match ErrInvalid
// and name the failed check for the server log.
var (
	errMalformed = &invalidError{"malformed token"}
	errTooLong   = &invalidError{"token longer than MaxTokenLen"}
	errCrit      = &invalidError{"crit header not supported"}
	errType      = &invalidError{"not an access token (typ)"}
	errKid       = &invalidError{"unknown kid"}
	errClaims    = &invalidError{"missing or invalid claims"}
)

// rejection pairs an invalidError reason with the library's detail for logs.
type rejection struct {
	reason *invalidError
	detail error
}

func (r *rejection) Error() string {
	if r.detail == nil {
		return r.reason.Error()
	}
	return r.reason.Error() + ": " + r.detail.Error()
}

func (r *rejection) Unwrap() []error {
	if r.detail == nil {
		return []error{r.reason}
	}
	return []error{r.reason, r.detail}
}

var (
	errSignature = &invalidError{"bad signature or algorithm"}
	errExpired   = &invalidError{"token expired"}
	errReused    = &invalidError{"refresh token reused"}
	errRevoked   = &invalidError{"token revoked"}
)

var errUnknownRefresh = &invalidError{"unknown, expired or revoked refresh token"}
