package app

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampartgo/rampart/internal/notes/config"
	"github.com/rampartgo/rampart/internal/notes/store"
	"github.com/rampartgo/rampart/internal/notes/web"
	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/password"
	"github.com/rampartgo/rampart/secrets"
)

func newTestApp(t testing.TB, d Deps) (*App, store.Store) {
	t.Helper()
	st, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "notes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tmpl, err := web.Parse()
	if err != nil {
		t.Fatal(err)
	}
	d.Store, d.Templates = st, tmpl
	if d.Keys == nil {
		d.Keys = testRing(t)
	}
	if d.Passwords == nil {
		d.Passwords = weakHasher()
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return New(d), st
}

// testRing returns a key ring from a fixed test master secret.
func testRing(t testing.TB) *keys.Ring {
	ring, err := keys.NewRing(secrets.New(strongKey))
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

// weakHasher hashes with cheap parameters: tests would otherwise spend
// most of their time in argon2id.
func weakHasher() *password.Hasher {
	return password.New(password.Config{
		Params:             password.Params{Memory: 64, Iterations: 1, Parallelism: 1},
		InsecureWeakParams: true,
	})
}

// localRequest is a request from and to the loopback interface, which dev
// mode serves over plain HTTP.
func localRequest(method, target string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Host = "127.0.0.1:8080"
	return r
}

func serve(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, localRequest(method, target, nil))
	return rec
}

func TestHooksReachTemplates(t *testing.T) {
	a, _ := newTestApp(t, Deps{
		Nonce:     func(*http.Request) string { return "nonce-xyz" },
		CSRFToken: func(*http.Request) string { return "csrf-abc" },
		CurrentUser: func(*http.Request) (store.User, bool) {
			return store.User{ID: 1, Email: `<script>alert("x")</script>@example.com`}, true
		},
	})
	h := a.Handler()
	for _, path := range []string{"/", "/register", "/login"} {
		body := serve(h, "GET", path).Body.String()
		if !strings.Contains(body, `nonce="nonce-xyz"`) || !strings.Contains(body, `name="csrf_token" value="csrf-abc"`) {
			t.Errorf("%s: nonce or csrf token missing", path)
		}
		if strings.Contains(body, `<script>alert`) || !strings.Contains(body, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;@example.com`) {
			t.Errorf("%s: user email not shown escaped", path)
		}
	}
}

func TestLoginNext(t *testing.T) {
	a, _ := newTestApp(t, Deps{})
	h := a.Handler()
	tests := []struct{ name, query, want string }{
		{"local path kept", "?next=%2Fnotes%3Fa%3D1", `name="next" value="/notes?a=1"`},
		{"attribute breakout escaped", `?next=%22%3E%3Cscript%3E`, `name="next" value="&#34;&gt;&lt;script&gt;"`},
		{"oversized dropped", "?next=/" + strings.Repeat("a", maxNextLen), `name="next" value="">`},
		{"absent", "", `name="next" value="">`},
	}
	for _, tt := range tests {
		body := serve(h, "GET", "/login"+tt.query).Body.String()
		if !strings.Contains(body, tt.want) {
			t.Errorf("%s: body lacks %s", tt.name, tt.want)
		}
	}
}

func TestHealthzFailsWhenDatabaseIsDown(t *testing.T) {
	a, st := newTestApp(t, Deps{})
	h := a.Handler()
	if rec := serve(h, "GET", "/healthz"); rec.Code != 200 {
		t.Fatalf("healthy: %d", rec.Code)
	}
	st.Close()
	rec := serve(h, "GET", "/healthz")
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "sql") {
		t.Fatalf("down: %d %q", rec.Code, rec.Body.String())
	}
}

func TestRecoverPanics(t *testing.T) {
	a, _ := newTestApp(t, Deps{})
	h := a.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	if rec := serve(h, "GET", "/"); rec.Code != 500 || strings.Contains(rec.Body.String(), "boom") {
		t.Fatalf("panic: %d %q", rec.Code, rec.Body.String())
	}
}

func TestProxyOnlyWhenBehindProxy(t *testing.T) {
	for _, tt := range []struct {
		name        string
		behindProxy bool
		remote      string
		wantIP      string
	}{
		{"direct: forwarded header ignored", false, "127.0.0.1:1234", "127.0.0.1"},
		{"behind trusted proxy: header believed", true, "127.0.0.1:1234", "203.0.113.7"},
		{"behind proxy, untrusted peer spoofs", true, "198.51.100.9:1234", "198.51.100.9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs strings.Builder
			cfg, err := config.Parse([]string{"-behind-proxy=" + map[bool]string{true: "true", false: "false"}[tt.behindProxy]}, nil, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := newTestApp(t, Deps{Config: cfg, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.remote
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			a.Handler().ServeHTTP(httptest.NewRecorder(), req)
			if !strings.Contains(logs.String(), "client_ip="+tt.wantIP) {
				t.Fatalf("log lacks client_ip=%s:\n%s", tt.wantIP, logs.String())
			}
		})
	}
}

func TestNewPanicsWithoutRequiredDeps(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "rampart/notes/app: ") {
			t.Fatalf("recover() = %v", r)
		}
	}()
	New(Deps{})
}

// BenchmarkHome measures a page through the whole current middleware
// chain (recover, request log) and template rendering.
func BenchmarkHome(b *testing.B) {
	st, err := store.OpenSQLite(b.Context(), filepath.Join(b.TempDir(), "notes.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	tmpl, err := web.Parse()
	if err != nil {
		b.Fatal(err)
	}
	h := New(Deps{Store: st, Templates: tmpl, Keys: testRing(b), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler()
	req := localRequest("GET", "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
