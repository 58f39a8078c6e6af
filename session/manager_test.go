package session_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartgo/rampart/session"
	"github.com/rampartgo/rampart/session/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countingStore counts writes and can be made to fail.
type countingStore struct {
	session.Store
	finds, inserts, updates, deletes atomic.Int64
	fail                             atomic.Bool
	failWrites                       atomic.Bool
}

var errDown = errors.New("store down (test)")

func (s *countingStore) Find(ctx context.Context, h session.Hash) (*session.Record, error) {
	s.finds.Add(1)
	if s.fail.Load() {
		return nil, errDown
	}
	return s.Store.Find(ctx, h)
}

func (s *countingStore) Insert(ctx context.Context, rec *session.Record) error {
	s.inserts.Add(1)
	if s.fail.Load() || s.failWrites.Load() {
		return errDown
	}
	return s.Store.Insert(ctx, rec)
}

func (s *countingStore) Update(ctx context.Context, rec *session.Record) error {
	s.updates.Add(1)
	if s.fail.Load() || s.failWrites.Load() {
		return errDown
	}
	return s.Store.Update(ctx, rec)
}

func (s *countingStore) Delete(ctx context.Context, h session.Hash) error {
	s.deletes.Add(1)
	if s.fail.Load() || s.failWrites.Load() {
		return errDown
	}
	return s.Store.Delete(ctx, h)
}

func (s *countingStore) writes() int64 { return s.inserts.Load() + s.updates.Load() + s.deletes.Load() }

type fixture struct {
	t     *testing.T
	m     *session.Manager
	store *countingStore
	mem   *session.MemoryStore
	clock *clock
	logs  *bytes.Buffer
	mux   *http.ServeMux
	h     http.Handler
}

func newFixture(t *testing.T, cfg session.Config) *fixture {
	f := &fixture{t: t, mem: session.NewMemoryStore(), clock: newClock(), logs: new(bytes.Buffer), mux: http.NewServeMux()}
	f.store = &countingStore{Store: f.mem}
	cfg.Now = f.clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.m = session.NewManager(f.store, cfg)
	f.h = f.m.Handler(f.mux)
	f.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {})
	f.mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, f.m.Get(r).GetString("k"))
	})
	f.mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		f.m.Get(r).Put("k", r.URL.Query().Get("v"))
		io.WriteString(w, "ok")
	})
	f.mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := f.m.Get(r)
		if err := s.Renew(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		s.SetUserID(r.URL.Query().Get("user"))
		io.WriteString(w, s.Handle())
	})
	f.mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := f.m.Get(r).Destroy(); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	f.mux.HandleFunc("/handle", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, f.m.Get(r).Handle())
	})
	return f
}

// do serves a GET of path with the given Cookie header value.
func (f *fixture) do(path, cookie string) *http.Response {
	f.t.Helper()
	r := httptest.NewRequest("GET", "https://example.com"+path, nil)
	r.RemoteAddr = "192.0.2.9:1234"
	r.Header.Set("User-Agent", "test-agent")
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w.Result()
}

func body(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// cookieOf returns "name=value" of the response's session cookie, failing
// the test if there is none.
func (f *fixture) cookieOf(resp *http.Response) string {
	f.t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == f.m.CookieName() && c.MaxAge >= 0 {
			return c.Name + "=" + c.Value
		}
	}
	f.t.Fatalf("no session cookie in %q", resp.Header.Values("Set-Cookie"))
	return ""
}

func (f *fixture) login(user string) (cookie, handle string) {
	f.t.Helper()
	resp := f.do("/login?user="+user, "")
	return f.cookieOf(resp), body(resp)
}

func TestUntouchedVisitorGetsNothing(t *testing.T) {
	f := newFixture(t, session.Config{})
	for _, path := range []string{"/", "/read", "/handle"} {
		resp := f.do(path, "")
		if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("%s: Set-Cookie %q for a visitor who stored nothing", path, sc)
		}
		if got := resp.Header.Values("Vary"); len(got) != 1 || got[0] != "Cookie" {
			t.Errorf("%s: Vary = %q, want Cookie", path, got)
		}
	}
	if n := f.store.writes(); n != 0 || f.mem.Len() != 0 {
		t.Fatalf("store writes = %d, records = %d; want none", n, f.mem.Len())
	}
}

func TestCookieAttributes(t *testing.T) {
	for _, tt := range []struct {
		name     string
		cfg      session.Config
		want     []string
		wantName string
	}{
		{"secure default", session.Config{}, []string{"Path=/", "HttpOnly", "Secure", "SameSite=Lax"}, "__Host-session"},
		{"custom name", session.Config{CookieName: "sid"}, []string{"Path=/", "HttpOnly", "Secure", "SameSite=Lax"}, "__Host-sid"},
		{"insecure dev", session.Config{InsecureDev: true}, []string{"Path=/", "HttpOnly", "SameSite=Lax"}, "session"},
		{"persist", session.Config{Persist: true}, []string{"Path=/", "HttpOnly", "Secure", "SameSite=Lax", "Max-Age=43200"}, "__Host-session"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.cfg)
			resp := f.do("/put?v=1", "")
			sc := resp.Header.Values("Set-Cookie")
			if len(sc) != 1 {
				t.Fatalf("Set-Cookie = %q", sc)
			}
			if !strings.HasPrefix(sc[0], tt.wantName+"=") {
				t.Errorf("cookie %q, want name %s", sc[0], tt.wantName)
			}
			for _, attr := range tt.want {
				if !strings.Contains(sc[0], "; "+attr) {
					t.Errorf("cookie %q lacks %s", sc[0], attr)
				}
			}
			if tt.cfg.InsecureDev && strings.Contains(sc[0], "Secure") {
				t.Errorf("InsecureDev cookie %q is Secure", sc[0])
			}
			if !tt.cfg.Persist && (strings.Contains(sc[0], "Max-Age") || strings.Contains(sc[0], "Expires")) {
				t.Errorf("cookie %q is persistent", sc[0])
			}
			if strings.Contains(sc[0], "Domain") {
				t.Errorf("cookie %q has a Domain", sc[0])
			}
			if tt.cfg.InsecureDev != strings.Contains(f.logs.String(), "InsecureDev") {
				t.Errorf("InsecureDev warning logged = %v, want %v", !tt.cfg.InsecureDev, tt.cfg.InsecureDev)
			}
			// Deleting repeats the attributes.
			del := f.do("/logout", f.cookieOf(resp)).Header.Values("Set-Cookie")
			if len(del) != 1 || !strings.Contains(del[0], "Max-Age=0") {
				t.Fatalf("logout Set-Cookie = %q", del)
			}
			for _, attr := range tt.want {
				if strings.HasPrefix(attr, "Max-Age") {
					continue
				}
				if !strings.Contains(del[0], "; "+attr) {
					t.Errorf("deletion %q lacks %s", del[0], attr)
				}
			}
		})
	}
}

func TestCookieAttacks(t *testing.T) {
	f := newFixture(t, session.Config{})
	good := f.cookieOf(f.do("/put?v=secret", ""))
	name, tok, _ := strings.Cut(good, "=")
	flip := []byte(tok)
	if flip[0] == 'A' {
		flip[0] = 'B'
	} else {
		flip[0] = 'A'
	}
	// The last character carries 4 bits of data and 2 zero bits; setting
	// one of those gives a non-canonical spelling of the same bytes.
	last := tok[len(tok)-1]
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	nc := tok[:len(tok)-1] + string(alphabet[strings.IndexByte(alphabet, last)|1])

	for _, tt := range []struct {
		name, cookie, want string
	}{
		{"ordinary", good, "secret"},
		{"quoted value", name + `="` + tok + `"`, "secret"},
		{"among other cookies", "a=b; " + good + "; c=d", "secret"},
		{"no cookie", "", ""},
		{"empty value", name + "=", ""},
		{"too short", name + "=" + tok[:42], ""},
		{"too long", name + "=" + tok + "A", ""},
		{"padded", name + "=" + tok + "=", ""},
		{"std base64 alphabet", name + "=" + strings.NewReplacer("-", "+", "_", "/").Replace(tok) + strings.Repeat("+", boolInt(!strings.ContainsAny(tok, "-_"))), ""},
		{"non-canonical last char", name + "=" + nc, ""},
		{"unknown token", name + "=" + string(flip), ""},
		{"the hash instead of the token", name + "=" + strings.Repeat("a", 43), ""},
		{"other name", "session=" + tok, ""},
		{"unprefixed name", strings.TrimPrefix(name, "__Host-") + "=" + tok, ""},
		{"NUL in value", name + "=" + tok[:20] + "\x00" + tok[21:], ""},
		{"huge header", name + "=" + strings.Repeat("A", 1<<16), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.do("/read", tt.cookie)
			if got := body(resp); got != tt.want {
				t.Fatalf("read = %q, want %q", got, tt.want)
			}
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestStaleCookieIsCleared(t *testing.T) {
	f := newFixture(t, session.Config{})
	c := f.cookieOf(f.do("/put?v=1", ""))
	f.do("/logout", c)
	sc := f.do("/read", c).Header.Values("Set-Cookie")
	if len(sc) != 1 || !strings.Contains(sc[0], "Max-Age=0") || !strings.Contains(sc[0], "Secure") {
		t.Fatalf("replaying a dead cookie: Set-Cookie = %q, want a deletion", sc)
	}
}

func TestRenew(t *testing.T) {
	f := newFixture(t, session.Config{})
	// An attacker plants a session (fixation) and the victim logs in.
	planted := f.cookieOf(f.do("/put?v=cart", ""))
	oldHandle := body(f.do("/handle", planted))
	resp := f.do("/login?user=alice", planted)
	fresh := f.cookieOf(resp)
	if fresh == planted {
		t.Fatal("login kept the session token")
	}
	if h := body(resp); h == oldHandle {
		t.Error("login kept the session handle")
	}
	if got := body(f.do("/read", fresh)); got != "cart" {
		t.Errorf("value after Renew = %q, want cart", got)
	}
	if got := body(f.do("/read", planted)); got != "" {
		t.Errorf("the planted token still reads %q after login", got)
	}
	infos, _ := f.m.ListForUser(context.Background(), "alice")
	if len(infos) != 1 {
		t.Fatalf("alice has %d sessions, want 1", len(infos))
	}
	if !strings.Contains(f.logs.String(), "session_renewed") {
		t.Error("no session_renewed event")
	}
	if strings.Contains(f.logs.String(), strings.SplitN(fresh, "=", 2)[1]) || strings.Contains(f.logs.String(), strings.SplitN(planted, "=", 2)[1]) {
		t.Error("a session token was logged")
	}
}

func TestBindingSecret(t *testing.T) {
	f := newFixture(t, session.Config{})
	var got []byte
	f.mux.HandleFunc("/bind", func(w http.ResponseWriter, r *http.Request) {
		b, err := f.m.BindingSecret(w, r)
		if err != nil {
			t.Fatal(err)
		}
		got = b
		b[0] ^= 0xff // callers may scribble on their copy
	})
	c := f.cookieOf(f.do("/bind", ""))
	first := bytes.Clone(got)
	if len(first) != 32 {
		t.Fatalf("binding secret of %d bytes", len(first))
	}
	f.do("/bind", c)
	if !bytes.Equal(got, first) {
		t.Fatal("binding secret changed between requests")
	}
	c2 := f.cookieOf(f.do("/login?user=u", c))
	f.do("/bind", c2)
	if bytes.Equal(got, first) {
		t.Fatal("Renew kept the binding secret")
	}
}

func TestDestroy(t *testing.T) {
	f := newFixture(t, session.Config{})
	c, _ := f.login("bob")
	f.do("/put?v=x", c)
	resp := f.do("/logout", c)
	if sc := resp.Header.Values("Set-Cookie"); len(sc) != 1 || !strings.Contains(sc[0], "Max-Age=0") {
		t.Fatalf("logout Set-Cookie = %q", sc)
	}
	if got := body(f.do("/read", c)); got != "" {
		t.Fatalf("old cookie after logout reads %q", got)
	}
	if infos, _ := f.m.ListForUser(context.Background(), "bob"); len(infos) != 0 {
		t.Fatalf("bob still has %d sessions", len(infos))
	}
	// Destroy then Put: a new session with a new token.
	f.mux.HandleFunc("/logout-flash", func(w http.ResponseWriter, r *http.Request) {
		s := f.m.Get(r)
		s.Destroy()
		s.Put("flash", "bye")
	})
	c2, _ := f.login("bob")
	resp = f.do("/logout-flash", c2)
	c3 := f.cookieOf(resp)
	if c3 == c2 {
		t.Fatal("Destroy then Put reused the token")
	}
	if len(resp.Header.Values("Set-Cookie")) != 1 {
		t.Fatalf("Set-Cookie = %q, want only the new cookie", resp.Header.Values("Set-Cookie"))
	}
}

func TestTimeouts(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		f := newFixture(t, session.Config{IdleTimeout: 10 * time.Minute, TouchInterval: time.Minute})
		c := f.cookieOf(f.do("/put?v=x", ""))
		for range 5 { // active for 40 minutes: still alive
			f.clock.Advance(8 * time.Minute)
			if got := body(f.do("/read", c)); got != "x" {
				t.Fatalf("active session lost: %q", got)
			}
		}
		f.clock.Advance(10 * time.Minute)
		if got := body(f.do("/read", c)); got != "" {
			t.Fatalf("idle session still reads %q", got)
		}
		if !strings.Contains(f.logs.String(), "session_expired") || !strings.Contains(f.logs.String(), "idle_timeout") {
			t.Error("no session_expired event with reason idle_timeout")
		}
	})
	t.Run("absolute", func(t *testing.T) {
		f := newFixture(t, session.Config{IdleTimeout: 10 * time.Minute, AbsoluteTimeout: 30 * time.Minute})
		c := f.cookieOf(f.do("/put?v=x", ""))
		for range 3 {
			f.clock.Advance(9 * time.Minute)
			if got := body(f.do("/read", c)); got != "x" {
				t.Fatalf("session lost early: %q", got)
			}
		}
		f.clock.Advance(4 * time.Minute)
		if got := body(f.do("/read", c)); got != "" {
			t.Fatalf("session past its absolute lifetime reads %q", got)
		}
		if !strings.Contains(f.logs.String(), "absolute_timeout") {
			t.Error("no absolute_timeout event")
		}
	})
}

func TestTouchIsCoalesced(t *testing.T) {
	f := newFixture(t, session.Config{})
	c, _ := f.login("carol")
	base := f.store.writes()
	for range 50 {
		f.clock.Advance(time.Second)
		f.do("/read", c)
	}
	if n := f.store.writes() - base; n != 0 {
		t.Fatalf("%d store writes for 50 reads within a minute, want 0", n)
	}
	f.clock.Advance(11 * time.Second)
	f.do("/", c)
	if n := f.store.writes() - base; n != 1 {
		t.Fatalf("%d store writes after a minute, want 1 (LastSeen)", n)
	}
	infos, _ := f.m.ListForUser(context.Background(), "carol")
	if len(infos) != 1 || !infos[0].LastSeen.Equal(f.clock.Now()) {
		t.Fatalf("LastSeen = %v, want %v", infos, f.clock.Now())
	}
	if infos[0].IP.String() != "192.0.2.9" || infos[0].UserAgent != "test-agent" {
		t.Fatalf("device = %v %q", infos[0].IP, infos[0].UserAgent)
	}
}

func TestUserIndex(t *testing.T) {
	f := newFixture(t, session.Config{})
	ctx := context.Background()
	a1, h1 := f.login("alice")
	a2, h2 := f.login("alice")
	b1, hb := f.login("bob")
	infos, err := f.m.ListForUser(ctx, "alice")
	if err != nil || len(infos) != 2 {
		t.Fatalf("ListForUser = %v, %v", infos, err)
	}
	// Bob cannot revoke Alice's session by its handle.
	if err := f.m.Revoke(ctx, "bob", h1); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Revoke of another user's handle = %v, want ErrNotFound", err)
	}
	for _, bad := range []string{"", "nope", hb} {
		if err := f.m.Revoke(ctx, "alice", bad); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Revoke(alice, %q) = %v, want ErrNotFound", bad, err)
		}
	}
	if err := f.m.Revoke(ctx, "", h1); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Revoke with no user = %v", err)
	}
	if err := f.m.Revoke(ctx, "alice", h1); err != nil {
		t.Fatal(err)
	}
	if body(f.do("/handle", a1)) == h1 {
		t.Fatal("revoked session still works")
	}
	if body(f.do("/handle", b1)) != hb {
		t.Fatal("bob's session was hit")
	}
	a3, h3 := f.login("alice")
	n, err := f.m.DestroyForUser(ctx, "alice", h3)
	if err != nil || n != 1 {
		t.Fatalf("DestroyForUser = %d, %v; want 1", n, err)
	}
	if body(f.do("/handle", a2)) == h2 {
		t.Fatal("session survived DestroyForUser")
	}
	if body(f.do("/handle", a3)) != h3 {
		t.Fatal("DestroyForUser ended the excepted session")
	}
	if n, _ := f.m.DestroyForUser(ctx, "", ""); n != 0 {
		t.Fatal("DestroyForUser of no user destroyed something")
	}
}

// TestConcurrentRequests runs requests of one session at once, each
// putting its own key; none may be lost.
func TestConcurrentRequests(t *testing.T) {
	f := newFixture(t, session.Config{})
	f.mux.HandleFunc("/own", func(w http.ResponseWriter, r *http.Request) {
		f.m.Get(r).Put(r.URL.Query().Get("k"), true)
	})
	c := f.cookieOf(f.do("/put?v=x", ""))
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.do("/own?k=k"+string(rune('A'+i)), c)
		}()
	}
	wg.Wait()
	f.mux.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) {
		s := f.m.Get(r)
		n := 0
		for i := range 40 {
			if s.GetBool("k" + string(rune('A'+i))) {
				n++
			}
		}
		io.WriteString(w, string(rune('0'+n/10))+string(rune('0'+n%10)))
	})
	if got := body(f.do("/count", c)); got != "40" {
		t.Fatalf("%s of 40 concurrent writes survived", got)
	}
	if got := body(f.do("/read", c)); got != "x" {
		t.Fatalf("earlier value = %q", got)
	}
}

// TestRevokeWinsOverInFlight: a request that loaded the session before it
// was revoked cannot write it back.
func TestRevokeWinsOverInFlight(t *testing.T) {
	f := newFixture(t, session.Config{})
	c, h := f.login("dave")
	loaded, release := make(chan struct{}), make(chan struct{})
	f.mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		s := f.m.Get(r)
		close(loaded)
		<-release
		s.Put("k", "resurrected")
		s.SetUserID("dave")
	})
	done := make(chan *http.Response)
	go func() { done <- f.do("/slow", c) }()
	<-loaded
	if err := f.m.Revoke(context.Background(), "dave", h); err != nil {
		t.Fatal(err)
	}
	close(release)
	resp := <-done
	if sc := resp.Header.Values("Set-Cookie"); len(sc) != 1 || !strings.Contains(sc[0], "Max-Age=0") {
		t.Errorf("in-flight request of a revoked session: Set-Cookie %q, want a deletion", sc)
	}
	if got := body(f.do("/read", c)); got != "" {
		t.Fatalf("revoked session came back: %q", got)
	}
	if infos, _ := f.m.ListForUser(context.Background(), "dave"); len(infos) != 0 {
		t.Fatalf("dave has %d sessions after revoke", len(infos))
	}
}

func TestStoreOutage(t *testing.T) {
	f := newFixture(t, session.Config{})
	c := f.cookieOf(f.do("/put?v=x", ""))
	ran := false
	f.mux.HandleFunc("/ran", func(w http.ResponseWriter, r *http.Request) { ran = true })

	f.store.fail.Store(true)
	resp := f.do("/ran", c)
	if resp.StatusCode != 503 || ran {
		t.Fatalf("load failure: status %d, handler ran %v; want 503 and not run", resp.StatusCode, ran)
	}
	if !strings.Contains(f.logs.String(), "store down (test)") {
		t.Error("the cause was not logged")
	}
	if strings.Contains(body(f.do("/ran", c)), "store down") {
		t.Error("the cause reached the client")
	}
	// A visitor without a cookie does not need the store.
	if resp := f.do("/ran", ""); resp.StatusCode != 200 || !ran {
		t.Fatalf("cookieless request during an outage: %d", resp.StatusCode)
	}
	f.store.fail.Store(false)

	// A failed save replaces the response, which must not go out as if
	// the change had been made.
	f.store.failWrites.Store(true)
	resp = f.do("/put?v=y", c)
	if resp.StatusCode != 503 || strings.Contains(body(resp), "ok") {
		t.Fatalf("save failure: status %d", resp.StatusCode)
	}
	resp = f.do("/put?v=y", "")
	if resp.StatusCode != 503 || len(resp.Cookies()) != 0 {
		t.Fatalf("new session save failure: status %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	f.store.failWrites.Store(false)
	if got := body(f.do("/read", c)); got != "x" {
		t.Fatalf("after the outage: %q", got)
	}
}

func TestCustomErrorHandler(t *testing.T) {
	var got error
	f := newFixture(t, session.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(599)
	}})
	c := f.cookieOf(f.do("/put?v=x", ""))
	f.store.fail.Store(true)
	if resp := f.do("/read", c); resp.StatusCode != 599 || !errors.Is(got, errDown) {
		t.Fatalf("status %d, err %v", resp.StatusCode, got)
	}
}

func TestCancelledContext(t *testing.T) {
	f := newFixture(t, session.Config{})
	c := f.cookieOf(f.do("/put?v=x", ""))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/read", nil).WithContext(ctx)
	r.Header.Set("Cookie", c)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	if w.Code != 503 {
		t.Fatalf("cancelled load: status %d, want 503", w.Code)
	}
	// A handler whose client went away mid-request still gets its
	// logout saved.
	ctx2, cancel2 := context.WithCancel(context.Background())
	f.mux.HandleFunc("/hangup", func(w http.ResponseWriter, r *http.Request) {
		cancel2()
		f.m.Get(r).Put("k", "saved")
	})
	r = httptest.NewRequest("GET", "/hangup", nil).WithContext(ctx2)
	r.Header.Set("Cookie", c)
	f.h.ServeHTTP(httptest.NewRecorder(), r)
	if got := body(f.do("/read", c)); got != "saved" {
		t.Fatalf("write after the client hung up: %q", got)
	}
}

func TestCommitBeforeBody(t *testing.T) {
	f := newFixture(t, session.Config{})
	f.mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		f.m.Get(r).Put("k", "v")
		io.WriteString(w, "first")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush through the wrapper: %v", err)
		}
		io.WriteString(w, "second")
	})
	f.mux.HandleFunc("/flush-first", func(w http.ResponseWriter, r *http.Request) {
		f.m.Get(r).Put("k", "v")
		w.(http.Flusher).Flush()
	})
	f.mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		f.m.Get(r).Put("k", "v")
		w.WriteHeader(201)
	})
	for _, path := range []string{"/stream", "/flush-first", "/status"} {
		resp := f.do(path, "")
		c := f.cookieOf(resp)
		if got := body(f.do("/read", c)); got != "v" {
			t.Errorf("%s: value not saved: %q", path, got)
		}
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/stream", nil)
	f.h.ServeHTTP(w, r)
	if !w.Flushed || w.Body.String() != "firstsecond" {
		t.Fatalf("flushed %v, body %q", w.Flushed, w.Body.String())
	}
}

func TestEarlyHints(t *testing.T) {
	f := newFixture(t, session.Config{})
	f.mux.HandleFunc("/hints", func(w http.ResponseWriter, r *http.Request) {
		f.m.Get(r).Put("k", "v")
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "body")
	})
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/hints")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || body(resp) != "body" {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := body(f.do("/read", f.cookieOf(resp))); got != "v" {
		t.Fatalf("value not saved: %q", got)
	}
}

func TestHijack(t *testing.T) {
	f := newFixture(t, session.Config{})
	f.mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		f.m.Get(r).Put("k", "hijacked")
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack through the wrapper: %v", err)
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
		buf.Flush()
		conn.Close()
	})
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/ws", nil)
	c := f.cookieOf(f.do("/put?v=x", ""))
	req.Header.Set("Cookie", c)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if got := body(resp); got != "hi" {
		t.Fatalf("hijacked body %q", got)
	}
	if got := body(f.do("/read", c)); got != "hijacked" {
		t.Fatalf("value before hijack not saved: %q", got)
	}
}

func TestValues(t *testing.T) {
	f := newFixture(t, session.Config{})
	when := time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	f.mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		s := f.m.Get(r)
		s.Put("s", "str")
		s.Put("i", 42)
		s.Put("i64", int64(-7))
		s.Put("b", true)
		s.Put("t", when)
		raw := []byte("bytes")
		s.Put("raw", raw)
		raw[0] = 'X' // Put copied it
		s.Put("gone", "x")
		s.Remove("gone")
	})
	f.mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		s := f.m.Get(r)
		if s.GetString("s") != "str" || s.GetInt64("i") != 42 || s.GetInt64("i64") != -7 || !s.GetBool("b") {
			t.Errorf("scalars: %q %d %d %v", s.GetString("s"), s.GetInt64("i"), s.GetInt64("i64"), s.GetBool("b"))
		}
		if got := s.GetTime("t"); !got.Equal(when) || got.Location() != time.UTC {
			t.Errorf("time = %v", got)
		}
		v, ok := s.Get("raw")
		if b, _ := v.([]byte); !ok || string(b) != "bytes" {
			t.Errorf("raw = %v %v", v, ok)
		} else {
			b[0] = 'Y' // Get returned a copy
		}
		if _, ok := s.Get("gone"); ok {
			t.Error("removed key present")
		}
		// Wrong types read as zero values.
		if s.GetString("i") != "" || s.GetInt64("s") != 0 || s.GetBool("s") || !s.GetTime("s").IsZero() {
			t.Error("mistyped reads are not zero")
		}
		if s.IsNew() || s.UserID() != "" || s.Created().IsZero() {
			t.Errorf("IsNew %v UserID %q Created %v", s.IsNew(), s.UserID(), s.Created())
		}
	})
	c := f.cookieOf(f.do("/set", ""))
	f.do("/get", c)
	f.do("/get", c)
}

func TestPanics(t *testing.T) {
	mustPanic := func(name string, fn func()) {
		t.Helper()
		defer func() {
			r := recover()
			if s, _ := r.(string); !strings.HasPrefix(s, "rampart/session: ") {
				t.Errorf("%s: panic %v, want a rampart/session panic", name, r)
			}
		}()
		fn()
	}
	mustPanic("nil store", func() { session.NewManager(nil, session.Config{}) })
	mustPanic("negative idle", func() { session.NewManager(session.NewMemoryStore(), session.Config{IdleTimeout: -1}) })
	mustPanic("bad cookie name", func() { session.NewManager(session.NewMemoryStore(), session.Config{CookieName: "a b"}) })
	mustPanic("prefixed cookie name", func() { session.NewManager(session.NewMemoryStore(), session.Config{CookieName: "__Host-x"}) })
	m := session.NewManager(session.NewMemoryStore(), session.Config{})
	mustPanic("Get without Handler", func() { m.Get(httptest.NewRequest("GET", "/", nil)) })
	mustPanic("nil handler", func() { m.Handler(nil) })
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mustPanic("Put of a float", func() { m.Get(r).Put("f", 1.5) })
		mustPanic("Put of nil", func() { m.Get(r).Put("f", nil) })
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// Another Manager's session is not visible.
	m2 := session.NewManager(session.NewMemoryStore(), session.Config{})
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mustPanic("other Manager", func() { m2.Get(r) })
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestLateChanges(t *testing.T) {
	f := newFixture(t, session.Config{})
	f.mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "body first")
		f.m.Get(r).Put("k", "late")
		if err := f.m.Get(r).Renew(); !errors.Is(err, session.ErrResponseStarted) {
			t.Errorf("Renew after the body = %v, want ErrResponseStarted", err)
		}
	})
	f.mux.HandleFunc("/late-bind", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "body first")
		f.m.BindingSecret(w, r)
	})
	c := f.cookieOf(f.do("/put?v=early", ""))
	f.do("/late", c)
	if got := body(f.do("/read", c)); got != "late" {
		t.Fatalf("a value put after the body started was not saved: %q", got)
	}
	resp := f.do("/late-bind", "")
	if len(resp.Cookies()) != 0 {
		t.Fatal("cookie after the body")
	}
	if !strings.Contains(f.logs.String(), "after the response started") {
		t.Fatal("no warning for a session created after the response started")
	}
}

func TestSetCookieIsNotCached(t *testing.T) {
	f := newFixture(t, session.Config{})
	resp := f.do("/put?v=1", "")
	if got := resp.Header.Values("Cache-Control"); len(got) != 1 || got[0] != `no-cache="Set-Cookie"` {
		t.Fatalf("Cache-Control = %q", got)
	}
	if got := f.do("/read", f.cookieOf(resp)).Header.Values("Cache-Control"); len(got) != 0 {
		t.Fatalf("Cache-Control without Set-Cookie = %q", got)
	}
}

func TestFailedSaveDropsHandlerHeaders(t *testing.T) {
	f := newFixture(t, session.Config{})
	f.mux.HandleFunc("/login-redirect", func(w http.ResponseWriter, r *http.Request) {
		s := f.m.Get(r)
		s.Renew()
		s.SetUserID("eve")
		http.SetCookie(w, &http.Cookie{Name: "remember", Value: "token"})
		http.Redirect(w, r, "/home", http.StatusSeeOther)
	})
	f.store.failWrites.Store(true)
	resp := f.do("/login-redirect", "")
	if resp.StatusCode != 503 || resp.Header.Get("Location") != "" || len(resp.Cookies()) != 0 {
		t.Fatalf("failed login save: %d, Location %q, cookies %v", resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
	}
}

func TestReadFrom(t *testing.T) {
	f := newFixture(t, session.Config{})
	f.mux.HandleFunc("/copy", func(w http.ResponseWriter, r *http.Request) {
		f.m.Get(r).Put("k", "copied")
		if _, err := io.Copy(w, strings.NewReader("payload")); err != nil {
			t.Error(err)
		}
	})
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/copy")
	if err != nil {
		t.Fatal(err)
	}
	if got := body(resp); got != "payload" {
		t.Fatalf("body %q", got)
	}
	if got := body(f.do("/read", f.cookieOf(resp))); got != "copied" {
		t.Fatalf("value %q", got)
	}
	// And through a writer without ReadFrom.
	resp = f.do("/copy", "")
	if got := body(resp); got != "payload" {
		t.Fatalf("recorder body %q", got)
	}
}

// TestSessionSharedByGoroutines uses one request's session from several
// goroutines at once (run with -race).
func TestSessionSharedByGoroutines(t *testing.T) {
	f := newFixture(t, session.Config{})
	f.mux.HandleFunc("/fanout", func(w http.ResponseWriter, r *http.Request) {
		s := f.m.Get(r)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := string(rune('a' + i))
				s.Put(key, int64(i))
				_ = s.GetInt64(key)
				_, _ = f.m.BindingSecret(w, r)
				_ = s.Handle()
				_ = s.UserID()
				s.Remove("nothing")
			}()
		}
		wg.Wait()
		io.WriteString(w, "done")
	})
	c := f.cookieOf(f.do("/fanout", ""))
	f.mux.HandleFunc("/sum", func(w http.ResponseWriter, r *http.Request) {
		s := f.m.Get(r)
		sum := int64(0)
		for i := range 8 {
			sum += s.GetInt64(string(rune('a' + i)))
		}
		io.WriteString(w, strconv.FormatInt(sum, 10))
	})
	if got := body(f.do("/sum", c)); got != "28" {
		t.Fatalf("sum = %s, want 28", got)
	}
}

func TestMemoryStoreDeleteExpired(t *testing.T) {
	ctx := context.Background()
	s := session.NewMemoryStore()
	live, dead := storetest.NewRecord("u"), storetest.NewRecord("u")
	dead.Expires = time.Now().Add(-time.Second)
	s.Insert(ctx, live)
	s.Insert(ctx, dead)
	if n := s.DeleteExpired(time.Now()); n != 1 || s.Len() != 1 {
		t.Fatalf("DeleteExpired = %d, Len = %d; want 1, 1", n, s.Len())
	}
	if recs, _ := s.ListByUser(ctx, "u"); len(recs) != 1 || recs[0] != live {
		t.Fatalf("ListByUser after cleanup = %v", recs)
	}
}

func TestVaryIsNotShared(t *testing.T) {
	f := newFixture(t, session.Config{})
	f.mux.HandleFunc("/vary", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
	})
	r1 := f.do("/vary", "")
	r2 := f.do("/", "")
	if got := r1.Header.Values("Vary"); len(got) != 2 || got[0] != "Cookie" || got[1] != "Accept-Encoding" {
		t.Fatalf("Vary = %q", got)
	}
	if got := r2.Header.Values("Vary"); len(got) != 1 || got[0] != "Cookie" {
		t.Fatalf("another response's Vary leaked: %q", got)
	}
	// A Vary set before the middleware is kept.
	w := httptest.NewRecorder()
	w.Header().Set("Vary", "Origin")
	f.h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if got := w.Result().Header.Values("Vary"); len(got) != 2 || got[0] != "Origin" {
		t.Fatalf("Vary = %q", got)
	}
}

// Two managers on one chain (an app and a mounted sub-app, each with its
// own cookie) keep their sessions apart: each Get finds its own manager's
// session, whichever is inner.
func TestTwoManagersOneChain(t *testing.T) {
	outer := session.NewManager(session.NewMemoryStore(), session.Config{InsecureDev: true, CookieName: "outer", Logger: slog.New(slog.DiscardHandler)})
	inner := session.NewManager(session.NewMemoryStore(), session.Config{InsecureDev: true, CookieName: "inner", Logger: slog.New(slog.DiscardHandler)})
	h := outer.Handler(inner.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		outer.Get(r).Put("who", "outer")
		inner.Get(r).Put("who", "inner")
		if outer.Get(r) == inner.Get(r) {
			t.Error("both managers returned the same session")
		}
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	var cookies []string
	for _, c := range rec.Result().Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	if len(cookies) != 2 {
		t.Fatalf("cookies %v, want one per manager", cookies)
	}
	check := outer.Handler(inner.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := outer.Get(r).GetString("who"); got != "outer" {
			t.Errorf("outer session holds %q", got)
		}
		if got := inner.Get(r).GetString("who"); got != "inner" {
			t.Errorf("inner session holds %q", got)
		}
	})))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", strings.Join(cookies, "; "))
	check.ServeHTTP(httptest.NewRecorder(), req)
}
