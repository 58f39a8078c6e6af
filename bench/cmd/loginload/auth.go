package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/password"
	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/throttle"
)

type user struct{ id string }

func (u user) AuthID() string { return u.id }

// users is a user table where every user has the same password hash.
type users struct{ encoded string }

func (db users) LoadUser(_ context.Context, id string) (auth.User, error) { return user{id}, nil }

func (db users) FindCredentials(_ context.Context, email string) (auth.User, string, error) {
	return user{email}, db.encoded, nil
}

func (db users) SetPasswordHash(context.Context, auth.User, string) error { return nil }

// authLogin returns a login through auth.Manager.CheckCredentials with the
// memory throttle: worker i logs in as user i from its own IPv4 address, as
// many users logging in at once would.
func authLogin(h *password.Hasher, encoded string, workers int) (func(context.Context, int) error, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	am := auth.NewManager(auth.Config{
		Sessions:    session.NewManager(session.NewMemoryStore(), session.Config{Logger: quiet}),
		Users:       users{encoded},
		Credentials: users{encoded},
		Passwords:   h,
		Throttle:    throttle.New(throttle.NewMemoryStore(throttle.MemoryConfig{}), throttle.Config{Logger: quiet}),
		Logger:      quiet,
	})
	reqs := make([]*http.Request, workers)
	for i := range reqs {
		reqs[i] = &http.Request{
			Method: http.MethodPost, URL: &url.URL{Path: "/login"}, Header: http.Header{},
			RemoteAddr: fmt.Sprintf("10.%d.%d.%d:40000", i>>16&255, i>>8&255, i&255),
		}
	}
	return func(ctx context.Context, i int) error {
		_, err := am.CheckCredentials(reqs[i].WithContext(ctx), fmt.Sprintf("user%d@example.com", i), pw)
		return err
	}, nil
}
