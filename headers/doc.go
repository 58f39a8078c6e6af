// Package headers sets secure HTTP response headers with safe defaults,
// a Content-Security-Policy with a fresh nonce per response, HSTS and the
// redirect to HTTPS.
//
//	hdrs := headers.New(headers.Config{CanonicalHost: "notes.example"})
//	http.ListenAndServeTLS(addr, cert, key, resolver.Handler(hdrs.Handler(app)))
//
// and in templates: <script nonce="{{ nonce }}" src="/static/app.js">,
// with nonce bound to [Nonce].
//
// # Defaults
//
// With the zero [Config] every response gets (see the OWASP HTTP Headers
// Cheat Sheet,
// https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html):
//
//	Content-Security-Policy: default-src 'self'; script-src 'self' 'nonce-…';
//	    style-src 'self' 'nonce-…'; object-src 'none'; base-uri 'none';
//	    frame-ancestors 'none'; form-action 'self'
//	X-Content-Type-Options: nosniff
//	X-Frame-Options: DENY
//	Referrer-Policy: strict-origin-when-cross-origin
//	Permissions-Policy: accelerometer=(), autoplay=(), camera=(), … (DefaultPermissionsPolicy)
//	Cross-Origin-Opener-Policy: same-origin
//	Cross-Origin-Resource-Policy: same-origin
//	X-XSS-Protection: 0
//	Strict-Transport-Security: max-age=63072000; includeSubDomains   (over TLS only)
//
// # The nonce
//
// Each response gets 128 bits from crypto/rand, base64url encoded (22
// characters): standard base64 would contain '+', which html/template
// writes as &#43; inside attributes. Only script and style elements that
// carry the nonce run, so an injected <script> does not, and there is no
// 'unsafe-inline' or 'unsafe-eval' by default
// (https://web.dev/articles/strict-csp). Inline event handlers (onclick=)
// and javascript: URLs are blocked; attach handlers from a nonce'd script.
//
// # X-XSS-Protection
//
// The seed's example sends "X-XSS-Protection: 1; mode=block". This package
// sends "0", which turns off what is left of the browsers' XSS auditor:
// the auditor was removed from Chrome (2019) and never existed in Firefox,
// and where it ran, its block mode let a page's scripts be selectively
// disabled by an attacker and leaked information across origins. The CSP
// is the real defence. [Policy.LegacyXSSFilter] sends the old value for
// auditors that insist on it.
//
// # HTTPS
//
// A request is secure when [proxy.IsTLS] says so: TLS to this server, or a
// trusted proxy's X-Forwarded-Proto/Forwarded. HSTS is sent only then: a
// client forging X-Forwarded-Proto from an untrusted address gets neither
// HSTS nor the benefit of the doubt. Plain-HTTP requests are redirected to
// https:// — 301 for GET and HEAD, 308 otherwise so the method and body
// survive — but only to a host the configuration names
// ([Config.CanonicalHost], [Config.AllowedHosts]); with none configured
// they are refused with 400 instead of redirected to whatever Host the
// client sent. The MDN Observatory scores a site without this redirect
// below A. The redirect and the refusal carry the policy's headers too,
// with [RedirectCSP] (nothing may load or frame them) and without HSTS.
//
// Plain HTTP for local development needs [Config.InsecureDev], which
// applies only to loopback clients addressing a loopback host, refuses to
// start with a non-local host configured, and logs an error if a request it
// does not cover arrives.
//
// # Per-route changes
//
// [Override] changes the policy for one response (for example to let one
// page be framed by the site itself), [OverrideHandler] for every response
// of a route; both keep the nonce. [NoStore] adds Cache-Control: no-store
// for pages of a logged-in user.
//
// # Violation reports
//
// Set [CSP.ReportURI] and serve [NewReportHandler] there: it accepts both
// report formats, bounds the body and the rate of logging, and logs each
// violation as a csp_violation security event.
package headers
