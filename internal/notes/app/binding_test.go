package app

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampartgo/rampart/internal/notes/config"
	"github.com/rampartgo/rampart/internal/notes/store"
	"github.com/rampartgo/rampart/internal/notes/web"
	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/token"
)

// sharedStores are the stores two deployments share (one Redis, say).
type sharedStores struct {
	sessions *session.MemoryStore
	tokens   *token.MemoryStore
}

// deployment serves an app keyed by ring over the shared stores, with
// users and notes of its own.
func deployment(t *testing.T, ring *keys.Ring, sh sharedStores) *httptest.Server {
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
	tmpl, _ := web.Parse()
	h := New(Deps{Config: cfg, Store: st, Templates: tmpl, Keys: ring, Passwords: weakHasher(),
		SessionStore: sh.sessions, TokenStore: sh.tokens, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func ringOf(t *testing.T, current string, previous ...string) *keys.Ring {
	var prev []secrets.Secret
	for _, p := range previous {
		prev = append(prev, secrets.New(p))
	}
	r, err := keys.NewRing(secrets.New(current), prev...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// registerAndToken registers alice on srv and returns the browser and a
// refresh token.
func registerAndToken(t *testing.T, srv *httptest.Server) (*browser, string) {
	b := newBrowser(t, srv)
	expect(t, "register", b.submit("/register", "/register", url.Values{"email": {aliceEmail}, "password": {alicePass}, "password_confirm": {alicePass}}), 303, "/")
	req, _ := http.NewRequest("POST", srv.URL+"/api/token", strings.NewReader(`{"email":"`+aliceEmail+`","password":"`+alicePass+`"}`))
	req.Header.Set("Content-Type", "application/json")
	api := newBrowser(t, srv)
	api.do(req)
	var p struct {
		Refresh string `json:"refresh_token"`
	}
	json.Unmarshal([]byte(api.last), &p)
	if p.Refresh == "" {
		t.Fatalf("no refresh token: %s", api.last)
	}
	return b, p.Refresh
}

func refreshStatus(t *testing.T, srv *httptest.Server, tok string) int {
	req, _ := http.NewRequest("POST", srv.URL+"/api/token/refresh", strings.NewReader(`{"refresh_token":"`+tok+`"}`))
	req.Header.Set("Content-Type", "application/json")
	return newBrowser(t, srv).do(req).StatusCode
}

// withCookies returns a browser on srv holding b's cookies.
func withCookies(t *testing.T, srv *httptest.Server, b *browser) *browser {
	n := newBrowser(t, srv)
	from, _ := url.Parse(b.base)
	to, _ := url.Parse(srv.URL)
	n.hc.Jar.SetCookies(to, b.hc.Jar.Cookies(from))
	return n
}

const otherKey = "Zp4Tq8Lm2Xv6Rb0Nc3Wd7Hk1Jf5Gs9Ya8Ue2Io6Pl4"

// TestSharedStoreIsolation: two deployments with different keys sharing
// the session and token stores accept neither each other's session
// cookies nor each other's refresh tokens.
func TestSharedStoreIsolation(t *testing.T) {
	sh := sharedStores{session.NewMemoryStore(), token.NewMemoryStore()}
	a := deployment(t, ringOf(t, strongKey), sh)
	b := deployment(t, ringOf(t, otherKey), sh)
	aAlice, _ := registerAndToken(t, a) // alice is user 1 on A
	bAlice, bRefresh := registerAndToken(t, b)
	aAlice.get("/account")
	if n := strings.Count(aAlice.last, "/revoke\""); n != 1 {
		t.Errorf("A's /account lists %d sessions of user 1, want 1 (B's are not A's)", n)
	}
	if withCookies(t, a, bAlice).loggedIn() {
		t.Error("B's session cookie is logged in on A")
	}
	if s := refreshStatus(t, a, bRefresh); s != http.StatusUnauthorized {
		t.Errorf("B's refresh token on A: %d, want 401", s)
	}
	if !bAlice.loggedIn() {
		t.Error("B's own session no longer works on B")
	}
}

// TestRotationKeepsSessionsAndTokens: after the master key is rotated
// (the old one kept as previous), sessions and refresh tokens made under
// the old key keep working.
func TestRotationKeepsSessionsAndTokens(t *testing.T) {
	sh := sharedStores{session.NewMemoryStore(), token.NewMemoryStore()}
	before := deployment(t, ringOf(t, strongKey), sh)
	b, refresh := registerAndToken(t, before)
	after := deployment(t, ringOf(t, otherKey, strongKey), sh)
	// The users table is per deployment here: give the rotated one alice too.
	registerAndToken(t, after)
	if !withCookies(t, after, b).loggedIn() {
		t.Error("a session from before the rotation is not logged in after it")
	}
	if s := refreshStatus(t, after, refresh); s != http.StatusOK {
		t.Errorf("a refresh token from before the rotation: %d, want 200", s)
	}
}
