package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/rampartgo/rampart/internal/notes/app"
	"github.com/rampartgo/rampart/internal/notes/config"
	"github.com/rampartgo/rampart/internal/notes/store"
	"github.com/rampartgo/rampart/internal/notes/web"
	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
)

// The whole application in process: a page gets the security headers, and
// a cross-site form post is refused before it reaches a handler.
func Example() {
	dir, _ := os.MkdirTemp("", "notes-example-")
	defer os.RemoveAll(dir)
	cfg, _ := config.Parse([]string{"-db", filepath.Join(dir, "notes.db"), "-store", "memory"}, nil, io.Discard)
	st, _ := store.OpenSQLite(context.Background(), cfg.DB)
	defer st.Close()
	tmpl, _ := web.Parse()
	ring, _ := keys.NewRing(secrets.New("q3Vw9Zx0Lr7TbN2mYc5KfH8jD1sPaE4gU6iWoXvRtQk"))
	h := app.New(app.Deps{Config: cfg, Store: st, Templates: tmpl, Keys: ring,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler()

	get := httptest.NewRequest("GET", "http://127.0.0.1:8080/", nil)
	get.RemoteAddr = "127.0.0.1:50000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, get)
	fmt.Println(rec.Code, rec.Header().Get("X-Frame-Options"), strings.Contains(rec.Header().Get("Content-Security-Policy"), "'nonce-"))

	post := httptest.NewRequest("POST", "http://127.0.0.1:8080/login", strings.NewReader(url.Values{"email": {"a@example.com"}, "password": {"x"}}.Encode()))
	post.RemoteAddr = "127.0.0.1:50000"
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Origin", "https://evil.example")
	post.Header.Set("Sec-Fetch-Site", "cross-site")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, post)
	fmt.Println(rec.Code)
	// Output:
	// 200 DENY true
	// 403
}
