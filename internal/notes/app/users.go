package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/internal/notes/store"
)

// appUser is the login manager's view of a user: the id it stores in the
// session and the email pages show.
type appUser struct {
	id    int64
	email string
}

// AuthID implements auth.User.
func (u *appUser) AuthID() string { return strconv.FormatInt(u.id, 10) }

// Cache bounds. Users never change their email and are never deleted in
// this app, so a cached user is never wrong; the TTL bounds how long a
// user deleted by hand in the database keeps being served.
const (
	userCacheTTL = time.Minute
	userCacheMax = 10000
)

// userCache loads users for the login manager, remembering them for
// userCacheTTL, so that a logged-in request costs no user query.
type userCache struct {
	store store.Store
	mu    sync.RWMutex
	users map[string]cachedUser
}

type cachedUser struct {
	u   *appUser
	exp time.Time
}

func newUserCache(st store.Store) *userCache {
	return &userCache{store: st, users: make(map[string]cachedUser)}
}

// LoadUser implements auth.UserLoader.
func (c *userCache) LoadUser(ctx context.Context, id string) (auth.User, error) {
	now := time.Now()
	c.mu.RLock()
	e, ok := c.users[id]
	c.mu.RUnlock()
	if ok && now.Before(e.exp) {
		return e.u, nil
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("user id %q: %w", id, auth.ErrNoUser)
	}
	su, err := c.store.UserByID(ctx, n)
	if errors.Is(err, store.ErrNotFound) {
		c.forget(id)
		return nil, fmt.Errorf("user %d: %w", n, auth.ErrNoUser)
	}
	if err != nil {
		return nil, err
	}
	u := &appUser{id: su.ID, email: su.Email}
	c.put(u)
	return u, nil
}

func (c *userCache) put(u *appUser) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.users) >= userCacheMax {
		clear(c.users) // crude but bounded; the next requests refill it
	}
	c.users[u.AuthID()] = cachedUser{u: u, exp: time.Now().Add(userCacheTTL)}
}

func (c *userCache) forget(id string) {
	c.mu.Lock()
	delete(c.users, id)
	c.mu.Unlock()
}

// credentials gives the login manager the password hashes (auth.Credentials).
type credentials struct {
	store store.Store
	cache *userCache
}

// FindCredentials implements auth.Credentials: the user with the email,
// compared case-insensitively, and its password hash.
func (c credentials) FindCredentials(ctx context.Context, email string) (auth.User, string, error) {
	su, err := c.store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", auth.ErrNoUser
	}
	if err != nil {
		return nil, "", err
	}
	u := &appUser{id: su.ID, email: su.Email}
	c.cache.put(u)
	return u, su.PasswordHash, nil
}

// SetPasswordHash implements auth.Credentials.
func (c credentials) SetPasswordHash(ctx context.Context, u auth.User, encoded string) error {
	au, ok := u.(*appUser)
	if !ok {
		return fmt.Errorf("notes: unexpected user type %T", u)
	}
	return c.store.SetPasswordHash(ctx, au.id, encoded)
}
