package blackbox_test

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
)

// tokenPair is the /api/token answer.
type tokenPair struct {
	Access    string  `json:"access_token"`
	Refresh   string  `json:"refresh_token"`
	Type      string  `json:"token_type"`
	ExpiresIn float64 `json:"expires_in"`
}

func decodePair(t *testing.T, r *resp) tokenPair {
	t.Helper()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s, want 200\n%.400s", r, r.Status, r.body)
	}
	var p tokenPair
	if err := json.Unmarshal([]byte(r.body), &p); err != nil {
		t.Fatalf("%s: %v\n%.400s", r, err, r.body)
	}
	return p
}

func (c *client) apiToken(u user) *resp {
	c.t.Helper()
	return c.postJSON("/api/token", map[string]string{"email": u.email, "password": u.password})
}

func (c *client) mustAPIToken(u user) tokenPair {
	c.t.Helper()
	return decodePair(c.t, c.apiToken(u))
}

func (c *client) refresh(tok string) *resp {
	c.t.Helper()
	return c.postJSON("/api/token/refresh", map[string]string{"refresh_token": tok})
}

// checkBearer401 asserts a 401 with a Bearer challenge.
func checkBearer401(t *testing.T, r *resp) {
	t.Helper()
	if r.StatusCode != http.StatusUnauthorized {
		t.Errorf("%s: %s, want 401\n%.300s", r, r.Status, r.body)
	}
	if wa := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(wa, "Bearer") {
		t.Errorf("%s: WWW-Authenticate = %q, want a Bearer challenge", r, wa)
	}
}

// apiClient is a client with no cookies: a plain API consumer.
func (a *app) apiClient(t *testing.T) *client { return a.newClient(t) }

// TestAPIToken: /api/token issues a Bearer pair for good credentials, a
// single 401 for bad ones, and 400 for malformed requests.
func TestAPIToken(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "api")
	c := a.apiClient(t)
	r := c.apiToken(u)
	p := decodePair(t, r)
	if p.Access == "" || p.Refresh == "" || !strings.EqualFold(p.Type, "Bearer") || p.ExpiresIn <= 0 {
		t.Errorf("token pair %+v: want access_token, refresh_token, token_type Bearer, expires_in > 0", p)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("token response Cache-Control = %q, want no-store (RFC 6749 §5.1)", cc)
	}
	for _, ck := range r.Cookies() {
		t.Errorf("the token endpoint sets cookie %s: the API must not use cookies", ck.Name)
	}
	if p.Access != "" {
		_, claims := jwtParts(t, p.Access)
		exp, _ := claims["exp"].(float64)
		iat, _ := claims["iat"].(float64)
		if d := exp - iat - p.ExpiresIn; d < -5 || d > 5 {
			t.Errorf("expires_in %v does not match the token's exp-iat %v", p.ExpiresIn, exp-iat)
		}
	}

	unknown := c.apiToken(user{newEmail("ghost-api"), newPassword()})
	wrong := c.apiToken(user{u.email, newPassword()})
	for _, rr := range []*resp{unknown, wrong} {
		if rr.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %s, want 401", rr, rr.Status)
			continue
		}
		if m := rr.json(t); m["error"] == nil {
			t.Errorf("%s: body %q has no \"error\"", rr, rr.body)
		}
	}
	if unknown.body != wrong.body {
		t.Errorf("unknown user and wrong password differ (user enumeration):\n%q\n%q", unknown.body, wrong.body)
	}

	for _, tc := range []struct {
		name, body string
		want       []int
	}{
		{"malformed JSON", `{"email":`, []int{400}},
		{"unknown field", `{"email":"` + u.email + `","password":"` + u.password + `","admin":true}`, []int{400}},
		{"trailing data", `{"email":"` + u.email + `","password":"` + u.password + `"}{}`, []int{400}},
		{"array", `[]`, []int{400}},
		{"wrong types", `{"email":1,"password":true}`, []int{400, 422}},
		{"empty body", ``, []int{400}},
		{"deep nesting", `{"email":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`, []int{400}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.postJSON("/api/token", tc.body)
			ok := false
			for _, w := range tc.want {
				ok = ok || r.StatusCode == w
			}
			if !ok {
				t.Errorf("%s: %s, want %v\n%.300s", r, r.Status, tc.want, r.body)
			}
		})
	}
	t.Run("form-encoded", func(t *testing.T) {
		r := c.postRaw("/api/token", "application/x-www-form-urlencoded", "email="+u.email+"&password="+u.password)
		if r.StatusCode < 400 || r.StatusCode >= 500 {
			t.Errorf("%s: %s, want 4xx (400 or 415)", r, r.Status)
		}
	})
}

// TestAPITokenThrottle: repeated failures on /api/token give 429 with
// Retry-After, like the HTML login. Own instance: own failure budget.
func TestAPITokenThrottle(t *testing.T) {
	t.Parallel() // its own instance: runs beside the others
	a := startApp(t, appOptions{})
	_, u := a.newUser(t, "api-throttle")
	c := a.apiClient(t)
	var last *resp
	for i := 0; i < 12; i++ {
		last = c.apiToken(user{u.email, newPassword()})
		if last.StatusCode == http.StatusTooManyRequests {
			break
		}
		if last.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %s, want 401 or 429", i+1, last.Status)
		}
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Fatal("12 failed token requests never gave 429")
	}
	checkRetryAfter(t, last)
	if r := c.apiToken(u); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while throttled: %s, want 429", r.Status)
	}
}

// TestAPIRefresh: refresh rotates; reusing a spent refresh token revokes
// the whole family (its refresh and access tokens), not other logins.
func TestAPIRefresh(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "refresh")
	c := a.apiClient(t)
	p1 := c.mustAPIToken(u)
	p2 := decodePair(t, c.refresh(p1.Refresh))
	if p2.Refresh == p1.Refresh || p2.Access == p1.Access || p2.Refresh == "" || p2.Access == "" {
		t.Fatalf("refresh did not return a new pair")
	}
	if r := c.get("/api/me", bearer(p2.Access)); r.StatusCode != http.StatusOK {
		t.Fatalf("/api/me with the refreshed access token: %s", r.Status)
	}
	other := c.mustAPIToken(u) // another login: another family

	if r := c.refresh(p1.Refresh); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("reusing a spent refresh token: %s, want 401", r.Status)
	}
	if r := c.refresh(p2.Refresh); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("after reuse, the family's current refresh token: %s, want 401 (family revoked)", r.Status)
	}
	checkBearer401(t, c.get("/api/me", bearer(p2.Access)))
	if r := c.refresh(other.Refresh); r.StatusCode != http.StatusOK {
		t.Errorf("another login's refresh token after a reuse elsewhere: %s, want 200", r.Status)
	}

	for _, tc := range []struct{ name, body string }{
		{"garbage", `{"refresh_token":"` + randHex(32) + `"}`},
		{"access token as refresh token", `{"refresh_token":"` + other.Access + `"}`},
		{"empty", `{"refresh_token":""}`},
		{"missing field", `{}`},
		{"unknown field", `{"refresh_token":"x","scope":"admin"}`},
		{"malformed", `{"refresh_token":`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.postJSON("/api/token/refresh", tc.body)
			if r.StatusCode != http.StatusUnauthorized && r.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: %s, want 401 (or 400 for a malformed request)", r, r.Status)
			}
		})
	}
}

// TestAPIRevoke: revoke ends the access token and its refresh family.
func TestAPIRevoke(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "revoke")
	c := a.apiClient(t)
	p := c.mustAPIToken(u)
	other := c.mustAPIToken(u) // another login: another family
	checkBearer401(t, c.postJSON("/api/token/revoke", `{}`))
	checkBearer401(t, c.postJSON("/api/token/revoke", `{}`, bearer(p.Refresh)))
	r := c.postJSON("/api/token/revoke", `{}`, bearer(p.Access))
	if r.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %s, want 204", r.Status)
	}
	checkBearer401(t, c.get("/api/me", bearer(p.Access)))
	if r := c.refresh(p.Refresh); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("refresh after revoke: %s, want 401", r.Status)
	}
	checkBearer401(t, c.postJSON("/api/token/revoke", `{}`, bearer(p.Access)))
	if r := c.get("/api/me", bearer(other.Access)); r.StatusCode != http.StatusOK {
		t.Errorf("another login's access token after a revoke: %s, want 200 (revoke is per family)", r.Status)
	}
	if r := c.refresh(other.Refresh); r.StatusCode != http.StatusOK {
		t.Errorf("another login's refresh token after a revoke: %s, want 200", r.Status)
	}
}

// b64 is unpadded base64url.
var b64 = base64.RawURLEncoding

// jwtParts splits a compact JWS and decodes its header and claims.
func jwtParts(t *testing.T, tok string) (hdr, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a compact JWS: %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&hdr, &claims} {
		raw, err := b64.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("access token part %d: %v", i, err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatalf("access token part %d: %v", i, err)
		}
	}
	return hdr, claims
}

func encodeJWT(hdr, claims map[string]any, sign func(input []byte) []byte) string {
	h, _ := json.Marshal(hdr)
	c, _ := json.Marshal(claims)
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	return input + "." + b64.EncodeToString(sign([]byte(input)))
}

func copyMap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestAPIMe: the principal for a good token; 401 with a Bearer challenge
// for every missing, forged, expired, misplaced or wrong-type token.
func TestAPIMe(t *testing.T) {
	a := sharedApp(t)
	browser, u := a.newUser(t, "me")
	c := a.apiClient(t)
	p := c.mustAPIToken(u)

	r := c.get("/api/me", bearer(p.Access))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("/api/me: %s, want 200", r.Status)
	}
	if m := r.json(t); m["email"] != u.email {
		t.Errorf("/api/me = %v, want email %s", m, u.email)
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") && !strings.Contains(cc, "private") {
		t.Errorf("/api/me: Cache-Control = %q, want no-store (personal data)", cc)
	}

	hdr, claims := jwtParts(t, p.Access)
	jwks := a.newClient(t).get("/.well-known/jwks.json").json(t)
	var pub ed25519.PublicKey
	if ks, _ := jwks["keys"].([]any); len(ks) > 0 {
		if k, _ := ks[0].(map[string]any); k != nil {
			x, _ := k["x"].(string)
			pub, _ = b64.DecodeString(x)
		}
	}
	pemPub := []byte{}
	if len(pub) == ed25519.PublicKeySize {
		der, _ := x509.MarshalPKIXPublicKey(pub)
		pemPub = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	hs256 := func(key []byte) func([]byte) []byte {
		return func(in []byte) []byte { m := hmac.New(sha256.New, key); m.Write(in); return m.Sum(nil) }
	}
	noSig := func([]byte) []byte { return nil }
	with := func(m map[string]any, k string, v any) map[string]any { m = copyMap(m); m[k] = v; return m }
	parts := strings.Split(p.Access, ".")

	// A token signed with the real key (derived from the SECRET_KEY this
	// test gave the process, as package keys and token document), to tell
	// "expired" from "forged".
	ring, err := keys.NewRing(secrets.New(a.secret))
	if err != nil {
		t.Fatal(err)
	}
	k := ring.Purpose(keys.Token).Current()
	priv := ed25519.NewKeyFromSeed(k.Bytes())
	realSign := func(in []byte) []byte { return ed25519.Sign(priv, in) }
	now := time.Now().Unix()
	expired := with(with(with(claims, "exp", now-3600), "iat", now-7200), "nbf", now-7200)
	future := with(with(claims, "iat", now+3600), "nbf", now+3600)
	future["exp"] = now + 7200

	t.Run("control: a token minted with the real key is accepted", func(t *testing.T) {
		tok := encodeJWT(hdr, with(claims, "jti", randHex(16)), realSign)
		if r := c.get("/api/me", bearer(tok)); r.StatusCode != http.StatusOK {
			t.Fatalf("a token minted with the derived key is refused (%s): the expired/not-yet-valid rows below prove nothing", r.Status)
		}
	})

	cases := []struct {
		name string
		opts []reqOpt
	}{
		{"missing", nil},
		{"garbage", []reqOpt{bearer("not-a-token")}},
		{"empty bearer", []reqOpt{header("Authorization", "Bearer ")}},
		{"basic auth", []reqOpt{header("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.email+":"+u.password)))}},
		{"truncated", []reqOpt{bearer(p.Access[:len(p.Access)-10])}},
		{"signature stripped", []reqOpt{bearer(parts[0] + "." + parts[1] + ".")}},
		{"tampered payload", []reqOpt{bearer(parts[0] + "." + b64.EncodeToString(mustJSON(with(claims, "sub", "1"))) + "." + parts[2])}},
		{"alg none", []reqOpt{bearer(encodeJWT(with(hdr, "alg", "none"), claims, noSig))}},
		{"alg NoNe", []reqOpt{bearer(encodeJWT(with(hdr, "alg", "NoNe"), claims, noSig))}},
		{"HS256 with the raw public key", []reqOpt{bearer(encodeJWT(with(hdr, "alg", "HS256"), claims, hs256(pub)))}},
		{"HS256 with the PEM public key", []reqOpt{bearer(encodeJWT(with(hdr, "alg", "HS256"), claims, hs256(pemPub)))}},
		{"kid path traversal", []reqOpt{bearer(encodeJWT(with(hdr, "kid", "../../../../dev/null"), claims, hs256(nil)))}},
		{"jwk header with own key", []reqOpt{bearer(func() string {
			_, epriv, _ := ed25519.GenerateKey(nil)
			epub := epriv.Public().(ed25519.PublicKey)
			h := with(hdr, "jwk", map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(epub)})
			return encodeJWT(h, claims, func(in []byte) []byte { return ed25519.Sign(epriv, in) })
		}())}},
		{"crit header", []reqOpt{bearer(encodeJWT(with(hdr, "crit", []string{"exp"}), claims, realSign))}},
		{"expired (real key)", []reqOpt{bearer(encodeJWT(hdr, expired, realSign))}},
		{"not yet valid (real key)", []reqOpt{bearer(encodeJWT(hdr, future, realSign))}},
		{"wrong audience (real key)", []reqOpt{bearer(encodeJWT(hdr, with(claims, "aud", "https://other.example"), realSign))}},
		{"wrong issuer (real key)", []reqOpt{bearer(encodeJWT(hdr, with(claims, "iss", "https://other.example"), realSign))}},
		{"no exp (real key)", []reqOpt{bearer(func() string { m := copyMap(claims); delete(m, "exp"); return encodeJWT(hdr, m, realSign) }())}},
		{"wrong typ (real key)", []reqOpt{bearer(encodeJWT(with(hdr, "typ", "JWT"), claims, realSign))}},
		{"refresh token as access token", []reqOpt{bearer(p.Refresh)}},
		{"oversized", []reqOpt{bearer(strings.Repeat("A", 20000))}},
		{"valid token plus a second Authorization header", []reqOpt{func(r *http.Request) {
			r.Header["Authorization"] = []string{"Bearer garbage", "Bearer " + p.Access}
		}}},
		{"token in the query string", nil},
		{"session cookie instead of a token", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r *resp
			switch tc.name {
			case "token in the query string":
				r = c.get("/api/me?access_token=" + p.Access)
			case "session cookie instead of a token":
				r = browser.get("/api/me")
			default:
				r = c.get("/api/me", tc.opts...)
			}
			if tc.name == "valid token plus a second Authorization header" && r.StatusCode == http.StatusBadRequest {
				// RFC 6750 §3.1: a malformed request is invalid_request, 400.
				if wa := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(wa, "Bearer") {
					t.Errorf("%s: WWW-Authenticate = %q, want a Bearer challenge", r, wa)
				}
				return
			}
			checkBearer401(t, r)
		})
	}
	t.Run("invalid token names the error", func(t *testing.T) {
		r := c.get("/api/me", bearer("not-a-token"))
		if wa := r.Header.Get("WWW-Authenticate"); !strings.Contains(wa, `error="invalid_token"`) {
			t.Errorf("WWW-Authenticate = %q, want error=\"invalid_token\" (RFC 6750 §3.1)", wa)
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestJWKS: the public keys, with kid, and nothing private.
func TestJWKS(t *testing.T) {
	a := sharedApp(t)
	c := a.newClient(t)
	r := c.get("/.well-known/jwks.json")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /.well-known/jwks.json: %s", r.Status)
	}
	if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
	ks, _ := r.json(t)["keys"].([]any)
	if len(ks) == 0 {
		t.Fatalf("JWKS has no keys: %s", r.body)
	}
	kids := map[string]bool{}
	for _, k := range ks {
		m, _ := k.(map[string]any)
		kid, _ := m["kid"].(string)
		if kid == "" || m["kty"] == nil {
			t.Errorf("JWKS key without kid or kty: %v", m)
		}
		kids[kid] = true
		for _, priv := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := m[priv]; ok {
				t.Errorf("JWKS key %s publishes private member %q", kid, priv)
			}
		}
	}
	_, u := a.newUser(t, "jwks")
	hdr, _ := jwtParts(t, c.mustAPIToken(u).Access)
	if kid, _ := hdr["kid"].(string); !kids[kid] {
		t.Errorf("access token kid %q is not in the JWKS %v", kid, kids)
	}
}

// TestAPINotes: create 201, list, 422 with field errors, 400 for unknown
// fields and malformed or deeply nested JSON, 413 over the limit, 401
// without a token, sanitized bodies, per-user isolation.
func TestAPINotes(t *testing.T) {
	a := sharedApp(t)
	_, u := a.newUser(t, "apinotes")
	c := a.apiClient(t)
	tok := c.mustAPIToken(u).Access
	title := "api note " + randHex(4)
	r := c.postJSON("/api/notes", map[string]string{"title": title, "body": "<b>hi</b><script>alert(1)</script><img src=x onerror=alert(2)>"}, bearer(tok))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/notes: %s, want 201\n%.400s", r.Status, r.body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("201 Content-Type = %q, want application/json", ct)
	}
	list := c.get("/api/notes", bearer(tok))
	if list.StatusCode != http.StatusOK || !strings.Contains(list.body, title) {
		t.Fatalf("GET /api/notes: %s, want 200 listing %q\n%.400s", list.Status, title, list.body)
	}
	if cc := list.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") && !strings.Contains(cc, "private") {
		t.Errorf("GET /api/notes: Cache-Control = %q, want no-store (personal data)", cc)
	}
	for _, bad := range []string{"<script", "onerror"} {
		if strings.Contains(list.body, bad) || strings.Contains(list.body, strings.ReplaceAll(bad, "<", `\u003c`)) {
			t.Errorf("GET /api/notes returns the unsanitized body (contains %q): %.400s", bad, list.body)
		}
	}

	t.Run("stored XSS through the API, viewed in HTML", func(t *testing.T) {
		html, u2 := a.newUser(t, "apinotes-html")
		tok2 := c.mustAPIToken(u2).Access
		for i, p := range xssPayloads {
			r := c.postJSON("/api/notes", map[string]string{"title": "<script>alert('t')</script>" + strings.Repeat("x", i), "body": p}, bearer(tok2))
			if r.StatusCode != http.StatusCreated && r.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("POST /api/notes %q: %s", p, r.Status)
			}
		}
		page := html.get("/notes")
		if strings.Contains(page.body, "<script>alert('t')") {
			t.Errorf("an API-created title is rendered as markup")
		}
		checkNoActiveContent(t, "GET /notes after API notes", page.html(t))
	})

	_, bob := a.newUser(t, "apinotes-bob")
	bobTok := c.mustAPIToken(bob).Access
	if r := c.get("/api/notes", bearer(bobTok)); r.StatusCode != http.StatusOK || strings.Contains(r.body, title) {
		t.Errorf("bob's GET /api/notes: %s; shows alice's note: %v", r.Status, strings.Contains(r.body, title))
	}

	checkBearer401(t, c.get("/api/notes"))
	browser, _ := a.newUser(t, "apinotes-cookie")
	checkBearer401(t, browser.postJSON("/api/notes", map[string]string{"title": "via cookie", "body": "b"}))
	checkBearer401(t, c.postJSON("/api/notes", map[string]string{"title": "t", "body": "b"}))

	for _, tc := range []struct {
		name   string
		body   any
		fields []string // for 422: the keys of "errors"
	}{
		{"empty title", map[string]string{"title": "", "body": "b"}, []string{"title"}},
		{"title 201 chars", map[string]string{"title": strings.Repeat("t", 201), "body": "b"}, []string{"title"}},
		{"empty body", map[string]string{"title": "t", "body": ""}, []string{"body"}},
		{"body 10001 chars", map[string]string{"title": "t", "body": strings.Repeat("b", 10001)}, []string{"body"}},
		{"both missing", `{}`, []string{"title", "body"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.postJSON("/api/notes", tc.body, bearer(tok))
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %s, want 422\n%.300s", r, r.Status, r.body)
			}
			errs, _ := r.json(t)["errors"].(map[string]any)
			for _, f := range tc.fields {
				if msg, _ := errs[f].(string); msg == "" {
					t.Errorf("422 body %s: no message for %q in \"errors\"", r.body, f)
				}
			}
		})
	}
	t.Run("boundaries accepted", func(t *testing.T) {
		r := c.postJSON("/api/notes", map[string]string{"title": strings.Repeat("t", 200), "body": strings.Repeat("b", 10000)}, bearer(tok))
		if r.StatusCode != http.StatusCreated {
			t.Errorf("title 200 / body 10000: %s, want 201", r.Status)
		}
	})

	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	deeper := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	for _, tc := range []struct {
		name string
		body string
		want []int
	}{
		{"unknown field", `{"title":"t","body":"b","owner":"admin"}`, []int{400}},
		{"malformed", `{"title":"t",`, []int{400}},
		{"trailing data", `{"title":"t","body":"b"} {"title":"u","body":"c"}`, []int{400}},
		{"not an object", `"title"`, []int{400}},
		{"null", `null`, []int{400, 422}},
		{"wrong types", `{"title":["t"],"body":{"x":1}}`, []int{400, 422}},
		{"invalid UTF-8", "{\"title\":\"\xff\xfe\",\"body\":\"b\"}", []int{201, 400, 422}},
		{"deep nesting in a field", `{"title":` + deep + `,"body":"b"}`, []int{400}},
		{"deep nesting at the top", deep, []int{400}},
		{"very deep nesting", deeper, []int{400, 413}},
		{"duplicate keys", `{"title":"t","title":"u","body":"b"}`, []int{201, 400}},
		{"oversize", `{"title":"t","body":"` + strings.Repeat("b", 4<<20) + `"}`, []int{413}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.postJSON("/api/notes", tc.body, bearer(tok))
			ok := false
			for _, w := range tc.want {
				ok = ok || r.StatusCode == w
			}
			if !ok {
				t.Errorf("%s: %s, want %v\n%.300s", r, r.Status, tc.want, r.body)
			}
		})
	}
	t.Run("wrong content type", func(t *testing.T) {
		r := c.postRaw("/api/notes", "text/plain", `{"title":"t","body":"b"}`, bearer(tok), noHeader("Origin"), noHeader("Sec-Fetch-Site"))
		if r.StatusCode < 400 || r.StatusCode >= 500 {
			t.Errorf("%s: %s, want 4xx (415 or 400)", r, r.Status)
		}
	})
}
