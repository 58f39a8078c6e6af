package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/internal/notes/config"
	"github.com/rampartgo/rampart/internal/notes/store"
	"github.com/rampartgo/rampart/internal/notes/web"
)

// flakyStore is the notes store whose user lookups and password writes can
// fail like a database outage.
type flakyStore struct {
	store.Store
	down atomic.Bool
}

func (s *flakyStore) UserByEmail(ctx context.Context, email string) (store.User, error) {
	if s.down.Load() {
		return store.User{}, errors.New("database is down")
	}
	return s.Store.UserByEmail(ctx, email)
}

func (s *flakyStore) SetPasswordHash(ctx context.Context, id int64, h string) error {
	if s.down.Load() {
		return errors.New("database is down")
	}
	return s.Store.SetPasswordHash(ctx, id, h)
}

// accountServer serves the app in dev mode over plain HTTP, with
// remember-me tokens in memory or (sqlRemember) in the notes database as
// cmd/notes keeps them.
func accountServer(t *testing.T, sqlRemember bool) (*httptest.Server, *flakyStore) {
	t.Helper()
	cfg, err := config.Parse([]string{"-db", filepath.Join(t.TempDir(), "notes.db"), "-store", "memory"}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(t.Context(), cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tmpl, err := web.Parse()
	if err != nil {
		t.Fatal(err)
	}
	fs := &flakyStore{Store: st}
	d := Deps{Config: cfg, Store: fs, Templates: tmpl, Keys: testRing(t), Passwords: weakHasher(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if sqlRemember {
		rem := auth.NewSQLRememberStore(st.DB(), "")
		if err := rem.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		d.RememberStore = rem
	}
	srv := httptest.NewServer(New(d).Handler())
	t.Cleanup(srv.Close)
	return srv, fs
}

func registerUser(t *testing.T, b *browser, email, pw string) {
	t.Helper()
	expect(t, "register "+email, b.submit("/register", "/register",
		url.Values{"email": {email}, "password": {pw}, "password_confirm": {pw}}), http.StatusSeeOther, "/")
}

var retryIn = regexp.MustCompile(`Try again in (\d+) seconds`)

// TestPasswordChangeThrottledByAuth: the current-password check is
// throttled by auth.Manager.ChangePassword: the sixth wrong password gets
// 429 with a Retry-After that the page repeats, even with the right
// password; a database outage meanwhile answers 503 and counts as no
// failure.
func TestPasswordChangeThrottledByAuth(t *testing.T) {
	change := func(b *browser, current, next string) *http.Response {
		return b.submit("/account", "/account/password", url.Values{
			"current_password": {current}, "new_password": {next}, "new_password_confirm": {next}})
	}
	t.Run("wrong current password", func(t *testing.T) {
		srv, _ := accountServer(t, false)
		b := newBrowser(t, srv)
		registerUser(t, b, aliceEmail, alicePass)
		for i := range 5 {
			r := change(b, "wrong-"+strconv.Itoa(i)+"-"+alicePass, "n3w-"+alicePass)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b.last, "The current password is not correct.") {
				t.Fatalf("wrong password %d: %d, want 422 naming the current password", i+1, r.StatusCode)
			}
		}
		for _, pw := range []string{"wrong-6-" + alicePass, alicePass} {
			r := change(b, pw, "n3w-"+alicePass)
			if r.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("after 5 failures: %d, want 429", r.StatusCode)
			}
			m := retryIn.FindStringSubmatch(b.last)
			if ra := r.Header.Get("Retry-After"); m == nil || m[1] != ra {
				t.Errorf("Retry-After %q, page says %v; want the same whole seconds", ra, m)
			}
		}
	})
	t.Run("database outage", func(t *testing.T) {
		srv, fs := accountServer(t, false)
		b := newBrowser(t, srv)
		registerUser(t, b, aliceEmail, alicePass)
		for i := range 4 {
			if r := change(b, "wrong-"+strconv.Itoa(i)+"-"+alicePass, "n3w-"+alicePass); r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("wrong password %d: %d, want 422", i+1, r.StatusCode)
			}
		}
		tok := b.token("/account") // the outage hits user lookups, not the page
		fs.down.Store(true)
		for i := range 10 {
			r := b.post("/account/password", url.Values{"csrf_token": {tok}, "current_password": {alicePass},
				"new_password": {"n3w-" + alicePass}, "new_password_confirm": {"n3w-" + alicePass}})
			if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
				t.Fatalf("during the outage, try %d: %d, want 503 with Retry-After", i+1, r.StatusCode)
			}
		}
		fs.down.Store(false)
		if r := change(b, alicePass, "n3w-"+alicePass); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the outage: %d, want 303 (the outage counted as failed attempts)", r.StatusCode)
		}
	})
}
