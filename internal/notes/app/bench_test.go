package app

import (
	"context"
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
)

// BenchmarkProtectedSQLite measures a logged-in GET /protected through the
// whole chain with sessions in SQLite, the default: the request the
// end-to-end target (bench/e2e.sh) is about.
func BenchmarkProtectedSQLite(b *testing.B) {
	dir := b.TempDir()
	cfg, err := config.Parse([]string{"-db", filepath.Join(dir, "notes.db")}, nil, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.OpenSQLite(b.Context(), cfg.DB)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	be, err := OpenBackends(context.Background(), cfg, st, log)
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	tmpl, err := web.Parse()
	if err != nil {
		b.Fatal(err)
	}
	h := New(Deps{Config: cfg, Store: st, Templates: tmpl, Keys: testRing(b), Logger: log, Passwords: weakHasher(),
		SessionStore: be.Sessions, ThrottleStore: be.Throttle, TokenStore: be.Tokens, RememberStore: be.Remember}).Handler()
	cookie := benchLogin(b, h)
	req := localRequest("GET", "/protected", nil)
	req.Header.Set("Cookie", cookie)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// benchLogin registers a user and returns its session cookie header.
func benchLogin(b *testing.B, h http.Handler) string {
	get := localRequest("GET", "/register", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, get)
	cookie := strings.Split(rec.Header().Get("Set-Cookie"), ";")[0]
	tok := between(rec.Body.String(), `name="csrf_token" value="`, `"`)
	form := url.Values{"email": {"bench@example.com"}, "password": {"purple-otter-quartz-91"}, "password_confirm": {"purple-otter-quartz-91"}, "csrf_token": {tok}}
	post := localRequest("POST", "/register", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Cookie", cookie)
	post.Header.Set("Sec-Fetch-Site", "same-origin")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, post)
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	return strings.Split(rec.Header().Get("Set-Cookie"), ";")[0]
}

func between(s, start, end string) string {
	_, after, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(after, end)
	return v
}

// BenchmarkProtectedBare renders the same page with no middleware, as
// bench/cmd/bareserver does: the baseline BenchmarkProtectedSQLite is
// compared with.
func BenchmarkProtectedBare(b *testing.B) {
	tmpl, err := web.Parse()
	if err != nil {
		b.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := &web.Page{Nonce: strings.Repeat("n", 22), CSRFToken: strings.Repeat("t", 86), User: &web.User{Email: "bench@example.com"}}
		tmpl.Render(w, http.StatusOK, "protected", p)
	})
	req := localRequest("GET", "/protected", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
	}
}
