package token_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
	"github.com/rampartgo/rampart/token"
)

func newManager() *token.Manager {
	ring := keys.MustNewRing(secrets.New("an-example-master-secret-of-at-least-32-bytes"))
	return token.New(ring, token.NewMemoryStore(), token.Config{
		Issuer:   "https://notes.example",
		Audience: "https://notes.example/api",
		Logger:   slog.New(slog.DiscardHandler), // events go to slog.Default() otherwise
	})
}

// A stolen refresh token is detected the first time both the thief and the
// client have used it: the whole family is revoked.
func Example() {
	tm := newManager()
	ctx := context.Background()

	login, _ := tm.Issue(ctx, "user-42") // after the password check
	next, err := tm.Refresh(ctx, login.RefreshToken)
	fmt.Println("refresh:", err)

	// Someone replays the refresh token the client already spent.
	_, err = tm.Refresh(ctx, login.RefreshToken)
	fmt.Println("replayed token is reuse:", errors.Is(err, token.ErrReused))

	// Both branches of the family are now dead.
	_, err = tm.Refresh(ctx, next.RefreshToken)
	fmt.Println("newest refresh token revoked:", errors.Is(err, token.ErrRevoked))
	_, err = tm.Verify(ctx, next.AccessToken)
	fmt.Println("its access token revoked:", errors.Is(err, token.ErrRevoked))
	// Output:
	// refresh: <nil>
	// replayed token is reuse: true
	// newest refresh token revoked: true
	// its access token revoked: true
}

// The Bearer middleware answers with RFC 6750 challenges and hands the
// verified subject to the handler.
func ExampleManager_Bearer() {
	tm := newManager()
	me := tm.Bearer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"user":%q}`, token.Subject(r.Context()))
	}))
	pair, _ := tm.Issue(context.Background(), "user-42")

	for _, auth := range []string{"", "Bearer not-a-token", "bearer " + pair.AccessToken} {
		r := httptest.NewRequest("GET", "/api/me", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		me.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"), w.Body)
	}
	// Output:
	// 401 Bearer realm="api" {"error":"missing bearer token"}
	// 401 Bearer realm="api", error="invalid_token", error_description="The access token is invalid" {"error":"invalid_token"}
	// 200  {"user":"user-42"}
}

// A token that claims "alg":"none" is refused whatever its casing: the
// algorithm comes from the Config, not from the token.
func ExampleManager_Verify() {
	tm := newManager()
	ctx := context.Background()
	real, _ := tm.IssueAccess(ctx, "user-42")

	// Keep the real claims, swap the header, drop the signature.
	payload := strings.Split(real, ".")[1]
	for _, alg := range []string{"none", "None", "nOnE"} {
		header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","typ":"at+jwt"}`))
		_, err := tm.Verify(ctx, header+"."+payload+".")
		fmt.Println(alg, "rejected:", errors.Is(err, token.ErrInvalid))
	}
	c, err := tm.Verify(ctx, real)
	fmt.Println("real token:", c.Subject, err)
	// Output:
	// none rejected: true
	// None rejected: true
	// nOnE rejected: true
	// real token: user-42 <nil>
}

// The JWKS lists the public keys of the current and the previous masters,
// so that tokens signed before a rotation stay verifiable.
func ExampleManager_JWKS() {
	ring := keys.MustNewRing(
		secrets.New("the-new-master-secret-of-at-least-32-bytes"),
		secrets.New("the-old-master-secret-of-at-least-32-bytes"),
	)
	tm := token.New(ring, token.NewMemoryStore(), token.Config{Issuer: "https://notes.example", Audience: "https://notes.example/api"})
	w := httptest.NewRecorder()
	tm.JWKS().ServeHTTP(w, httptest.NewRequest("GET", "/.well-known/jwks.json", nil))
	var set struct{ Keys []map[string]string }
	json.Unmarshal(w.Body.Bytes(), &set)
	fmt.Println(w.Header().Get("Cache-Control"))
	for i, k := range set.Keys {
		fmt.Println(k["kty"], k["crv"], k["use"], k["alg"], "kid matches ring:", k["kid"] == ring.Purpose(keys.Token).All()[i].ID)
	}
	// Output:
	// public, max-age=300
	// OKP Ed25519 sig EdDSA kid matches ring: true
	// OKP Ed25519 sig EdDSA kid matches ring: true
}

// Logging a user out everywhere rejects every access token issued to them so
// far and every refresh token of theirs.
func ExampleManager_RevokeUser() {
	tm := newManager()
	ctx := context.Background()
	laptop, _ := tm.Issue(ctx, "user-42")
	phone, _ := tm.Issue(ctx, "user-42")

	tm.RevokeUser(ctx, "user-42") // e.g. after a password change

	_, err1 := tm.Verify(ctx, laptop.AccessToken)
	_, err2 := tm.Refresh(ctx, phone.RefreshToken)
	fmt.Println(errors.Is(err1, token.ErrRevoked), errors.Is(err2, token.ErrRevoked))
	// Output: true true
}
