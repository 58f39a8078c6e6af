package token

import (
	"context"
	"errors"
	"time"
)

// Store keeps refresh-token families and revocations. Implementations are in
// this package (MemoryStore) and in token/sqlitetoken, token/pgtoken and
// token/redistoken; every one runs the conformance suite in token/tokentest.
//
// Refresh tokens reach a Store only as SHA-256 hashes; a Store never sees a
// token itself. User, family and token IDs are UTF-8 strings without NUL
// bytes (SQL text columns cannot hold NUL). All methods must be safe for
// concurrent use.
type Store interface {
	// Create stores a new family and its first refresh token (by hash),
	// unspent, expiring with the family.
	Create(ctx context.Context, f Family, first [32]byte) error

	// Rotate atomically spends the refresh token old and stores next, unspent,
	// in the same family and expiring with it. It returns the family.
	//
	// When old is unknown, or its family expired at now, Rotate returns
	// ErrNotFound. When old was already spent, it returns the family and
	// ErrReused, and stores nothing. When the family is revoked, it returns
	// the family and ErrRevoked, and stores nothing. Of any number of
	// concurrent Rotate calls with the same old, at most one succeeds; the
	// others return ErrReused.
	Rotate(ctx context.Context, old, next [32]byte, now time.Time) (Family, error)

	// Revoke records r. For RevokedFamily it also marks that family revoked,
	// so its refresh tokens stop working; for RevokedUser it marks every
	// family of the user revoked. Revoking twice is not an error; the later
	// record wins.
	Revoke(ctx context.Context, r Revocation) error

	// Revocations returns every recorded revocation whose Expires is after
	// now, in any order.
	Revocations(ctx context.Context, now time.Time) ([]Revocation, error)
}

// Family is a chain of refresh tokens descending from one login. Every
// token of a family expires with it, however often it is rotated.
type Family struct {
	// ID is the family's public, non-secret identifier; access tokens carry
	// it in their "fid" claim.
	ID string
	// UserID is the subject the family was issued to.
	UserID string
	// Created is when the login that started the family happened.
	Created time.Time
	// Expires is when every token of the family stops working.
	Expires time.Time
}

// RevocationKind says what a Revocation applies to.
type RevocationKind string

// Revocation kinds.
const (
	// RevokedToken revokes one access token by its jti.
	RevokedToken RevocationKind = "jti"
	// RevokedFamily revokes a refresh family and the access tokens issued
	// from it.
	RevokedFamily RevocationKind = "family"
	// RevokedUser rejects every token of a user issued before At
	// ("log out everywhere").
	RevokedUser RevocationKind = "user"
)

// Revocation is one revocation record.
type Revocation struct {
	// Kind is what ID names.
	Kind RevocationKind
	// ID is a jti, a family ID or a user ID, according to Kind.
	ID string
	// At is when the revocation was made. For RevokedUser, access tokens
	// issued before At are rejected.
	At time.Time
	// Expires is when the record can be forgotten: no access token it
	// could reject is still valid by then.
	Expires time.Time
}

// Errors returned by a Store's Rotate.
var (
	// ErrNotFound means no unexpired refresh token has that hash.
	ErrNotFound = errors.New("rampart/token: refresh token not found")
	// ErrReused means the refresh token was already spent: the family has
	// been stolen or replayed, and Manager.Refresh revokes it.
	ErrReused error = errReused
	// ErrRevoked means the token, its family or its user was revoked.
	ErrRevoked error = errRevoked
)
