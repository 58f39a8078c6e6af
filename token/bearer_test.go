package token

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampartgo/rampart/event"
)

func TestBearer(t *testing.T) {
	f := newFixture(t, Config{Realm: "notes"})
	ctx := context.Background()
	good, _ := f.m.IssueAccess(ctx, "user-1")
	revoked, _ := f.m.IssueAccess(ctx, "user-1")
	rc, _ := f.m.Verify(ctx, revoked)
	f.m.Revoke(ctx, rc)
	pair, _ := f.m.Issue(ctx, "user-1")
	expired := f.signed(t, f.stdHeader(), with(f.stdClaims(), "exp", f.clock.Now().Unix()-60))
	none := forge(t, with(f.stdHeader(), "alg", "none"), f.stdClaims(), nil, nil)

	h := f.m.Bearer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := ClaimsFrom(r.Context())
		if !ok || c.Subject != Subject(r.Context()) {
			t.Error("claims missing in the handler")
		}
		io.WriteString(w, "hello "+Subject(r.Context()))
	}))

	const noErr = `Bearer realm="notes"`
	invalid := `Bearer realm="notes", error="invalid_token", error_description="The access token is invalid"`
	tests := []struct {
		name      string
		header    []string // Authorization values
		query     string
		cookie    string
		status    int
		challenge string
		body      string
	}{
		{"valid", []string{"Bearer " + good}, "", "", 200, "", "hello user-1"},
		{"scheme lower case", []string{"bearer " + good}, "", "", 200, "", "hello user-1"},
		{"scheme upper case", []string{"BEARER " + good}, "", "", 200, "", "hello user-1"},
		{"several spaces", []string{"Bearer   " + good}, "", "", 200, "", "hello user-1"},
		{"no header", nil, "", "", 401, noErr, `{"error":"missing bearer token"}`},
		{"token in the query string", nil, "access_token=" + good, "", 401, noErr, ""},
		{"token in a cookie", nil, "", "access_token=" + good, 401, noErr, ""},
		{"Basic scheme", []string{"Basic dXNlcjpwYXNz"}, "", "", 401, noErr, ""},
		{"scheme without space", []string{"Bearer" + good}, "", "", 401, noErr, ""},
		{"two headers", []string{"Bearer " + good, "Bearer " + good}, "", "", 400,
			`Bearer realm="notes", error="invalid_request", error_description="more than one Authorization header"`, `{"error":"invalid_request"}`},
		{"empty token", []string{"Bearer "}, "", "", 401, invalid, `{"error":"invalid_token"}`},
		{"scheme only", []string{"Bearer"}, "", "", 401, invalid, ""},
		{"garbage", []string{"Bearer abc"}, "", "", 401, invalid, ""},
		{"two tokens", []string{"Bearer " + good + " " + good}, "", "", 401, invalid, ""},
		{"alg none", []string{"Bearer " + none}, "", "", 401, invalid, ""},
		{"refresh token", []string{"Bearer " + pair.RefreshToken}, "", "", 401, invalid, ""},
		{"expired", []string{"Bearer " + expired}, "", "", 401,
			`Bearer realm="notes", error="invalid_token", error_description="The access token expired"`, ""},
		{"revoked", []string{"Bearer " + revoked}, "", "", 401,
			`Bearer realm="notes", error="invalid_token", error_description="The access token was revoked"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/me?"+tc.query, nil)
			for _, v := range tc.header {
				r.Header.Add("Authorization", v)
			}
			if tc.cookie != "" {
				r.Header.Set("Cookie", tc.cookie)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
			if tc.body != "" && w.Body.String() != tc.body {
				t.Errorf("body = %q, want %q", w.Body, tc.body)
			}
			if w.Code != 200 {
				var body map[string]string
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["error"] == "" || len(body) != 1 {
					t.Errorf("body %q is not {\"error\":...}", w.Body)
				}
				if w.Header().Get("Content-Type") != "application/json" {
					t.Errorf("Content-Type = %q", w.Header().Get("Content-Type"))
				}
			}
		})
	}
	if f.events.count(event.TokenInvalid) == 0 {
		t.Error("no authn_token_invalid event for rejected tokens")
	}
}

func TestBearerStoreDown(t *testing.T) {
	f := newFixture(t, Config{})
	broken := &countingStore{Store: f.store, failing: true}
	m := New(f.ring, broken, Config{Issuer: testIssuer, Audience: testAudience, Now: f.clock.Now, Logger: slog.New(slog.DiscardHandler)})
	tok, _ := m.IssueAccess(context.Background(), "u")
	h := m.Bearer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("handler ran with the store down") }))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 503 || strings.Contains(w.Body.String(), "refused") {
		t.Fatalf("status %d body %q, want 503 without detail", w.Code, w.Body)
	}
}

func TestClaimsFromWithoutBearer(t *testing.T) {
	if c, ok := ClaimsFrom(context.Background()); ok || c != nil {
		t.Error("claims in an empty context")
	}
	if s := Subject(context.Background()); s != "" {
		t.Errorf("Subject = %q", s)
	}
	ctx := context.WithValue(context.Background(), struct{}{}, &Claims{Subject: "x"})
	if Subject(ctx) != "" {
		t.Error("another package's key was read")
	}
}

func TestJWKS(t *testing.T) {
	for _, tc := range []struct {
		alg      Algorithm
		kty, crv string
		keys     int
	}{
		{EdDSA, "OKP", "Ed25519", 2},
		{ES256, "EC", "P-256", 2},
		{HS256, "", "", 0},
	} {
		t.Run(string(tc.alg), func(t *testing.T) {
			f := newFixture(t, Config{Algorithm: tc.alg, JWKSMaxAge: time.Hour}, masterB, masterA)
			w := httptest.NewRecorder()
			f.m.JWKS().ServeHTTP(w, httptest.NewRequest("GET", "/.well-known/jwks.json", nil))
			if w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=3600" || w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("%d %v", w.Code, w.Header())
			}
			var set struct {
				Keys []map[string]string `json:"keys"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &set); err != nil || set.Keys == nil {
				t.Fatalf("body %s: %v", w.Body, err)
			}
			if len(set.Keys) != tc.keys {
				t.Fatalf("%d keys, want %d", len(set.Keys), tc.keys)
			}
			for i, k := range set.Keys {
				if k["kty"] != tc.kty || k["crv"] != tc.crv || k["use"] != "sig" || k["alg"] != string(tc.alg) || k["kid"] != f.ring.Purpose("token").All()[i].ID || k["d"] != "" {
					t.Errorf("key %d = %v", i, k)
				}
			}
			head := httptest.NewRecorder()
			f.m.JWKS().ServeHTTP(head, httptest.NewRequest("HEAD", "/.well-known/jwks.json", nil))
			if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Length") != strconv.Itoa(w.Body.Len()) {
				t.Errorf("HEAD: %d, %d bytes, Content-Length %q", head.Code, head.Body.Len(), head.Header().Get("Content-Length"))
			}
			for _, m := range []string{"POST", "PUT", "DELETE"} {
				w := httptest.NewRecorder()
				f.m.JWKS().ServeHTTP(w, httptest.NewRequest(m, "/.well-known/jwks.json", nil))
				if w.Code != 405 {
					t.Errorf("%s: %d", m, w.Code)
				}
			}
		})
	}
}

// A token verifies with the key published in the JWKS, as a third party
// would do it.
func TestJWKSVerifiesTokens(t *testing.T) {
	for _, alg := range []Algorithm{EdDSA, ES256} {
		f := newFixture(t, Config{Algorithm: alg})
		tok, _ := f.m.IssueAccess(context.Background(), "u")
		var set struct {
			Keys []jwk `json:"keys"`
		}
		json.Unmarshal(f.m.jwks, &set)
		pub := publicFromJWK(t, set.Keys[0])
		i := strings.LastIndexByte(tok, '.')
		if err := f.m.method.Verify(tok[:i], unb64(t, tok[i+1:]), pub); err != nil {
			t.Errorf("%s: token does not verify with the published key: %v", alg, err)
		}
	}
}

func TestNewPanics(t *testing.T) {
	ring := keysRing(masterA)
	ok := Config{Issuer: "i", Audience: "a"}
	for _, tc := range []struct {
		name  string
		store Store
		cfg   Config
	}{
		{"nil store", nil, ok},
		{"no issuer", NewMemoryStore(), Config{Audience: "a"}},
		{"no audience", NewMemoryStore(), Config{Issuer: "i"}},
		{"alg none", NewMemoryStore(), Config{Issuer: "i", Audience: "a", Algorithm: "none"}},
		{"alg RS256", NewMemoryStore(), Config{Issuer: "i", Audience: "a", Algorithm: "RS256"}},
		{"huge leeway", NewMemoryStore(), Config{Issuer: "i", Audience: "a", Leeway: time.Hour}},
		{"negative TTL", NewMemoryStore(), Config{Issuer: "i", Audience: "a", AccessTTL: -time.Second}},
		{"realm with quote", NewMemoryStore(), Config{Issuer: "i", Audience: "a", Realm: `a"b`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r, _ := recover().(string); !strings.HasPrefix(r, "rampart/token: ") {
					t.Errorf("panic = %q", r)
				}
			}()
			New(ring, tc.store, tc.cfg)
		})
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("nil ring did not panic")
			}
		}()
		New(nil, NewMemoryStore(), ok)
	}()
	m := New(ring, NewMemoryStore(), ok)
	if m.cfg.AccessTTL != 15*time.Minute || m.cfg.Leeway != 30*time.Second || m.cfg.Algorithm != EdDSA {
		t.Errorf("defaults = %+v", m.cfg)
	}
	if _, err := m.Verify(context.Background(), strings.Repeat("a", MaxTokenLen+1)); !errors.Is(err, ErrInvalid) {
		t.Error(err)
	}
}
