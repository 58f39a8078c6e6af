// Package session keeps server-side sessions: the browser holds only a
// random token in a cookie; everything else lives in a [Store].
//
//	m := session.NewManager(store, session.Config{})
//	http.ListenAndServeTLS(addr, cert, key, m.Handler(mux))
//
//	// in a handler:
//	s := m.Get(r)
//	s.Put("theme", "dark")
//	if err := s.Renew(); err != nil { ... } // at login
//	s.SetUserID(user.ID)
//
// Stores: [MemoryStore] here; SQLite, PostgreSQL and Redis in the
// sqlitestore, pgstore and redisstore subpackages. Package storetest is
// the conformance suite they all pass.
//
// # Tokens
//
// A session token is 256 bits from crypto/rand, sent as 43 characters of
// unpadded base64url. An incoming cookie is checked for exactly that
// shape before anything else; anything else is treated as no cookie. The
// store keys each session by the SHA-256 of its token ([Hash]) and never
// sees the token, so a leaked database or Redis dump contains no usable
// session (OWASP Session Management Cheat Sheet, "Session ID Entropy",
// https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html;
// scs's HashTokenInStore, on by default here). A session's public
// [Session.Handle] is a separate random value, shown on "your devices"
// pages and used in revocation URLs; it cannot be turned into a token.
//
// # Cookie
//
// The cookie is HttpOnly, SameSite=Lax, Path=/, Secure and named with the
// __Host- prefix, which makes browsers refuse it over plain HTTP and from
// sibling subdomains (MDN, "Cookie prefixes",
// https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Set-Cookie#cookie_prefixes).
// SameSite=Lax keeps the cookie off cross-site subrequests and POSTs
// while links from other sites still arrive logged in. It carries no
// Max-Age unless Config.Persist is set, so it ends with the browser
// session; the server enforces the timeouts either way. Deleting it
// repeats the same attributes, which browsers need to match the cookie.
// Config.InsecureDev drops Secure and the prefix for plain-HTTP
// development on localhost, and says so in the log.
//
// # Timeouts
//
// A session ends after Config.IdleTimeout without requests (default 30
// minutes) and Config.AbsoluteTimeout after it was created or renewed
// (default 12 hours), whichever comes first. OWASP ASVS 5.0 §7.3
// (https://github.com/OWASP/ASVS) asks for both an inactivity and an
// absolute timeout, set by risk; NIST SP 800-63B rev. 4
// (https://pages.nist.gov/800-63-4/sp800-63b.html, §2.2.3 for AAL2 and
// §7.2 on reauthentication) allows at most 1 hour of inactivity and 24
// hours overall at AAL2, and rev. 3 asked for 30 minutes and 12 hours. These defaults meet both revisions, keep a stolen
// cookie useful for at most 30 idle minutes, and still let someone work
// through a day with one login. Longer-lived logins belong to a separate
// remember-me token (package auth), not to a longer session.
//
// # What a request costs
//
// The middleware reads the session before the handler runs. A request
// that only reads it writes nothing, except that a session's LastSeen
// (shown on "your devices" pages, and the start of the idle timeout) is
// written back when it is older than Config.TouchInterval (default 1
// minute): at most one store write per session per minute for a reader.
// Visitors whose session is never written get no cookie and no store
// entry, so crawlers do not fill the store. Changes are saved before the
// first byte of the response (on WriteHeader, Write, Flush or Hijack), so
// the Set-Cookie header can still be sent; if saving fails, the
// ErrorHandler (default: 503) answers instead of the handler's response.
//
// Changes made after the response started (a value put while the body is
// written) are saved when the handler returns, but can no longer create a
// session or renew one, because the cookie cannot be sent any more: write
// to the session, or call [Manager.BindingSecret], before the body.
//
// Every response gets "Vary: Cookie", and every response that sets or
// clears the cookie also "Cache-Control: no-cache="Set-Cookie"", so that
// shared caches neither serve one visitor's page to another nor hand out
// a session cookie.
//
// A read of a database-backed store is a round trip per request (about
// 10 µs for SQLite on a small VM, against under 1 µs for the memory
// store). [NewCache] puts a short-lived in-memory cache in front of any
// store: reads are served from memory for up to a second, writes and
// deletes go through at once. With one server it changes nothing but
// speed; with several, a revocation on one server reaches the others'
// reads within the cache's TTL (and their writes at once). A new session
// is cached only once it is read, and kept only if read again, so a
// flood of new sessions does not push out the ones in use.
//
// # Concurrent requests
//
// Requests of one session may run at once (a page and its XHRs, two
// tabs). A request's changes are saved as a merge, per key: the commit
// writes only the keys this request Put or Removed (and its owner or CSRF
// binding, if it changed them) onto the latest stored version, using the
// record's Version for optimistic concurrency and retrying when another
// request wrote in between (up to 32 times, with a short random pause
// after the second conflict). So two requests that change different keys
// both keep their changes; two that change the same key: the later
// commit wins. Reads see the session as it was when the request started,
// plus the request's own changes. A LastSeen update that loses a race is
// dropped: the winner carried a fresh LastSeen.
//
// Deletion wins: once [Session.Destroy], [Manager.Revoke] or
// [Manager.DestroyForUser] has deleted a session, a request that loaded
// it earlier cannot write it back: its commit finds the record gone,
// drops its changes and expires the client's cookie. (Renew re-reads the
// record first, so it does not revive a revoked session either.)
//
// # Failure
//
// A store error while loading or saving is never treated as "no
// session" for a request that had one (which could log a user out
// silently or, worse, mix users): the request gets Config.ErrorHandler,
// by default a logged 503. A cancelled request context fails the load;
// a save still finishes, with a deadline of its own, because the handler
// has already acted on it.
//
// # Events
//
// The Manager emits session_created, session_renewed, session_expired
// and session_revoked through package event, with the session's handle
// and owner (never its token).
package session
