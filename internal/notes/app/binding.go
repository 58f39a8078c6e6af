package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/token"
)

// Binding sessions and refresh tokens to this deployment's key.
//
// The session and token stores find records by a plain SHA-256 of the
// cookie or refresh token. Two deployments with different SECRET_KEYs that
// share a store (one Redis database, one PostgreSQL schema) would therefore
// accept each other's session cookies and refresh tokens, as whichever of
// their own users has the same id, and list and end each other's sessions
// of a user id on /account. The packages offer no keyed lookup, so the app
// binds both to its key ring:
//
//   - every session record it writes carries a tag, an HMAC of a fixed
//     label under the ring's "notes-session" key; a record without a tag
//     that verifies under the ring (current or previous master) is, to this
//     deployment, not there: a cookie naming it is anonymous (and gets a new
//     session of its own, never that record), and it is not listed, so it
//     cannot be revoked from here either;
//   - refresh tokens reach the token store as an HMAC of their hash under
//     the ring's "notes-refresh" key (looked up under the current key first,
//     then the previous ones, so a master rotation keeps them working).
const (
	keySessionTag  = "notes.tag"
	purposeSession = "notes-session"
	purposeRefresh = "notes-refresh"
)

var sessionTagLabel = []byte("rampart notes session")

// taggedSessions is a session.Store that tags what it writes and hides
// what it did not tag (see above).
type taggedSessions struct {
	session.Store
	set *keys.Set
	tag string // under the current key
}

var _ session.Store = (*taggedSessions)(nil)

func newTaggedSessions(inner session.Store, ring *keys.Ring) *taggedSessions {
	set := ring.Purpose(purposeSession)
	return &taggedSessions{Store: inner, set: set, tag: base64.RawURLEncoding.EncodeToString(set.Sign(sessionTagLabel))}
}

// ours reports whether rec was written by this deployment (under any key
// of its ring).
func (s *taggedSessions) ours(rec *session.Record) bool {
	tag, _ := rec.Values[keySessionTag].(string)
	if tag == s.tag {
		return true
	}
	b, err := base64.RawURLEncoding.DecodeString(tag)
	return err == nil && tag != "" && s.set.Verify(sessionTagLabel, b)
}

// tagged returns rec with the current tag: rec itself when it has it,
// else a copy (records are immutable).
func (s *taggedSessions) tagged(rec *session.Record) *session.Record {
	if tag, _ := rec.Values[keySessionTag].(string); tag == s.tag {
		return rec
	}
	c := *rec
	c.Values = make(map[string]any, len(rec.Values)+1)
	maps.Copy(c.Values, rec.Values)
	c.Values[keySessionTag] = s.tag
	return &c
}

// Find implements session.Store: another deployment's record is not found.
func (s *taggedSessions) Find(ctx context.Context, h session.Hash) (*session.Record, error) {
	rec, err := s.Store.Find(ctx, h)
	if err != nil {
		return nil, err
	}
	if !s.ours(rec) {
		return nil, fmt.Errorf("notes: a session of another deployment: %w", session.ErrNotFound)
	}
	return rec, nil
}

// Insert implements session.Store.
func (s *taggedSessions) Insert(ctx context.Context, rec *session.Record) error {
	return s.Store.Insert(ctx, s.tagged(rec))
}

// Update implements session.Store.
func (s *taggedSessions) Update(ctx context.Context, rec *session.Record) error {
	return s.Store.Update(ctx, s.tagged(rec))
}

// ListByUser implements session.Store: only this deployment's records.
func (s *taggedSessions) ListByUser(ctx context.Context, userID string) ([]*session.Record, error) {
	recs, err := s.Store.ListByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := recs[:0:0]
	for _, rec := range recs {
		if s.ours(rec) {
			out = append(out, rec)
		}
	}
	return out, nil
}

// keyedTokens is a token.Store that keys refresh tokens by an HMAC of
// their hash under the ring's notes-refresh keys (see above).
type keyedTokens struct {
	token.Store
	set *keys.Set
}

var _ token.Store = keyedTokens{}

func mac(k keys.Key, h [32]byte) (out [32]byte) {
	m := hmac.New(sha256.New, k.Bytes())
	m.Write(h[:])
	copy(out[:], m.Sum(nil))
	return out
}

// Create implements token.Store.
func (s keyedTokens) Create(ctx context.Context, f token.Family, first [32]byte) error {
	return s.Store.Create(ctx, f, mac(s.set.Current(), first))
}

// Rotate implements token.Store. The old token is looked up under each
// key, current first; the new one is stored under the current key.
func (s keyedTokens) Rotate(ctx context.Context, old, next [32]byte, now time.Time) (token.Family, error) {
	n := mac(s.set.Current(), next)
	var f token.Family
	err := token.ErrNotFound
	for _, k := range s.set.All() {
		f, err = s.Store.Rotate(ctx, mac(k, old), n, now)
		if !errors.Is(err, token.ErrNotFound) {
			return f, err
		}
	}
	return f, err
}
