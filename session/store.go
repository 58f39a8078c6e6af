package session

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// Hash is the SHA-256 digest of a session token. Stores key sessions by
// it and never see the token itself, so a copy of the store holds no
// session an attacker could use.
type Hash [32]byte

// Record is one session as a [Store] keeps it.
//
// A Record handed to a store, or returned by one, is immutable: neither
// side modifies it (or its Values map, or its Binding slice) afterwards.
// That lets the memory store keep and return the very same record without
// copying, and lets the [Manager] share an unchanged Values map between
// successive versions of a session.
type Record struct {
	// Hash is the SHA-256 of the session token: the record's key.
	Hash Hash
	// Handle is a public, random identifier of the session, unrelated to
	// its token: the session's name in lists and revocation URLs.
	Handle string
	// UserID owns the session in the per-user index; "" for none.
	UserID string
	// Version counts writes: 1 after Insert, one more after each Update.
	Version uint64
	// Created is when the session was created or last renewed.
	Created time.Time
	// LastSeen is when a request last used the session, to within
	// Config.TouchInterval.
	LastSeen time.Time
	// Expires is when the session ends: the earlier of the idle and the
	// absolute deadline. A store never returns a record whose Expires is
	// not after its own clock's now and may delete it at any time.
	Expires time.Time
	// IP is the client address last seen using the session.
	IP netip.Addr
	// UserAgent is the client's User-Agent header, truncated.
	UserAgent string
	// Binding is the session's CSRF binding secret (nil until created).
	Binding []byte
	// Values are the application's values: string, int64, bool,
	// time.Time (UTC, no monotonic reading) or []byte.
	Values map[string]any
}

// Store keeps session records. Implementations must be safe for
// concurrent use and must honour ctx: a cancelled or expired context makes
// an operation fail with an error wrapping ctx.Err() (or, for an
// operation already done, succeed). Stores judge expiry by their own
// clock (time.Now, or the server's clock for Redis).
//
// The conformance suite in package storetest checks all of this.
type Store interface {
	// Find returns the unexpired record stored under h, or an error
	// wrapping ErrNotFound if there is none.
	Find(ctx context.Context, h Hash) (*Record, error)
	// Insert stores rec, whose Version is 1, under rec.Hash. It fails
	// with an error wrapping ErrConflict if a record is stored there.
	Insert(ctx context.Context, rec *Record) error
	// Update replaces the record stored under rec.Hash, atomically and
	// only if the stored record's Version is rec.Version-1. It fails with
	// an error wrapping ErrNotFound if there is no (unexpired) record, so
	// an update never brings back a deleted session, and with ErrConflict
	// if another write came first.
	Update(ctx context.Context, rec *Record) error
	// Delete removes the record stored under h, if any. Deleting a
	// missing record is not an error.
	Delete(ctx context.Context, h Hash) error
	// ListByUser returns the unexpired records whose UserID is userID, in
	// any order.
	ListByUser(ctx context.Context, userID string) ([]*Record, error)
}

var (
	// ErrNotFound means there is no such session (none was stored, it
	// expired, or it was deleted), or, from [Manager.Revoke], that the
	// handle does not name one of that user's sessions.
	ErrNotFound = errors.New("rampart/session: session not found")
	// ErrConflict means another write to the same session came first.
	ErrConflict = errors.New("rampart/session: concurrent write to session")
	// ErrResponseStarted is returned by [Session.Renew] once the response
	// has started, when the new cookie can no longer be sent.
	ErrResponseStarted = errors.New("rampart/session: Renew after the response started")
)

// Info describes one of a user's sessions, for a "your devices" page.
type Info struct {
	// Handle names the session in revocation requests; it is not a
	// credential.
	Handle string
	// Created is when the session was created (or last renewed, as at
	// login).
	Created time.Time
	// LastSeen is when the session was last used, to within
	// Config.TouchInterval.
	LastSeen time.Time
	// IP is the client address last seen using the session.
	IP netip.Addr
	// UserAgent is the client's User-Agent, truncated.
	UserAgent string
}
