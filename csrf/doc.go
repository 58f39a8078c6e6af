// Package csrf protects state-changing requests against cross-site request
// forgery with two independent layers, both on by default for every unsafe
// method (anything but GET, HEAD, OPTIONS and TRACE):
//
//  1. a cross-origin check on the request's Fetch Metadata, Origin and
//     Referer headers, compared with the request's real origin from the
//     proxy package;
//  2. a token bound to the client's session (or, before sessions exist, to a
//     signed pre-session cookie), masked per response, that the form field
//     csrf_token or the X-CSRF-Token header must carry.
//
// Install it after the proxy, headers and session middleware:
//
//	p := csrf.New(ring, csrf.Config{Binder: sessions})
//	http.ListenAndServe(addr, resolver.Handler(hdrs.Handler(sessions.Handler(p.Handler(mux)))))
//
// and put the token in every form with {{ csrfField }} bound to
// [TemplateField], or in a <meta> tag ([MetaTag]) for scripts that send
// the X-CSRF-Token header. See the OWASP Cross-Site Request Forgery
// Prevention Cheat Sheet:
// https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
//
// # The cross-origin check
//
// The check follows net/http's CrossOriginProtection (Go 1.25), which
// reads Sec-Fetch-Site first: same-origin and none pass; same-site and
// cross-site fail unless the request's Origin is one of
// [Config.TrustedOrigins]. Without Sec-Fetch-Site (browsers before 2023),
// the Origin header must equal the request's origin exactly, scheme
// included. rampart does not call CrossOriginProtection itself, because it
// leaves open what this package closes:
//
//   - it compares the Origin's host with r.Host, ignoring the scheme (an
//     http:// page may post to the https:// site) and the proxy in front of
//     the server: behind a TLS-terminating proxy r.Host and the scheme are
//     the proxy's. rampart compares with [proxy.Origin], which honours
//     X-Forwarded-* only from trusted proxies — the CVEs of gorilla/csrf
//     (CVE-2025-24358) and nosurf (CVE-2025-46721) came from getting this
//     wrong;
//   - it parses the Origin with url.Parse, so "Origin: http://evil@your.host"
//     counts as your host (golang/go#78563). rampart compares the header
//     byte for byte with the serialized origin, so userinfo, paths and
//     uppercase never match;
//   - "Origin: null" (sandboxed frames, data: URLs, some redirects) is
//     refused;
//   - with neither Sec-Fetch-Site nor Origin, it lets the request through.
//     rampart then compares the Referer's origin when there is one.
//
// A request with none of the three headers passes this layer: browsers have
// sent Origin on every cross-origin POST since 2020, so such a request comes
// from a non-browser client (curl, a script, a server), which has no
// victim's cookies to abuse unless it stole them. The token layer still
// decides: without a valid token the request fails.
//
// # Tokens
//
// A client's token is HMAC-SHA256 under the keys.CSRF key of the ring
// over the client's binding secret (>= 32 random bytes from a [Binder]).
// Each response gets it XOR-masked with a fresh 32-byte one-time pad, sent
// as pad || masked, base64url: the token differs in every response, so
// compression side channels (BREACH, http://breachattack.com/) cannot
// recover it byte by byte, while every issued token stays valid for as long
// as the binding secret lives. Verification unmasks, recomputes the HMAC
// under each key of the ring (current first, so tokens survive a key
// rotation) and compares in constant time.
//
// The binding secret comes from [Config.Binder]. The session package's
// Manager implements [Binder] and gives each session its own secret, renewed
// with the session id at login, so a token stolen before login is useless
// after it. Until a session exists the default [CookieBinder] keeps the
// secret in a signed __Host-csrf cookie (HttpOnly, Secure, SameSite=Lax).
//
// # Where the token is read
//
// The X-CSRF-Token header (or X-CSRFToken) first; else the csrf_token
// field of an application/x-www-form-urlencoded or multipart/form-data body.
// Reading the field consumes the body: it is parsed, bounded by
// [Config.MaxBodyBytes] (413 beyond), into r.PostForm or r.MultipartForm,
// where r.FormValue, r.PostFormValue and the form package find it later; do
// not read r.Body again in the handler. A text/plain body (which an HTML
// form can send cross-site without a preflight) is never parsed, so it can
// satisfy the check only through the header.
//
// Method-override parameters (_method, X-HTTP-Method-Override) are ignored:
// the check is decided by r.Method alone, so a POST that claims to be a GET
// is still checked.
//
// # Bearer APIs
//
// Requests that carry no Cookie header at all and authenticate with an
// Authorization: Bearer token have no ambient authority for an attacker to
// borrow, so CSRF does not apply to them. They are exempt only when
// [Config.ExemptBearerWithoutCookies] is set; otherwise they need a token
// like any other request.
//
// # Rejections
//
// A rejected request gets a 403 with a short plain-text reason (413 when
// the body is over the limit); the full reason goes to the log as a
// malicious_csrf security event with the path, method and client IP.
// [Config.DenyHandler] replaces the response and can read the reason with
// [Reason].
package csrf
