// Package throttle slows down password guessing: it counts failed logins per
// account and per client network, makes further attempts wait with an
// exponentially growing delay, and tells the client how long to wait
// (Retry-After), without letting an attacker lock the real user out.
//
// Use one [Limiter] around every credential check:
//
//	att, err := limiter.BeginRequest(r, email) // before verifying
//	var limited *throttle.LimitedError
//	switch {
//	case errors.As(err, &limited):
//		w.Header().Set("Retry-After", limited.RetryAfterHeader())
//		http.Error(w, "Too many attempts", http.StatusTooManyRequests) // 429
//		return
//	case err != nil: // errors.Is(err, throttle.ErrUnavailable)
//		http.Error(w, "Service unavailable", http.StatusServiceUnavailable) // 503
//		return
//	}
//	if verify(email, password) {
//		att.Succeed(ctx)
//	} else {
//		att.Fail(ctx) // and answer 401 with the usual single message
//	}
//
// Begin must run before the (expensive) password hash is verified, so that
// a refused attempt costs the server nothing and the attacker learns
// nothing, not even whether the password was right.
//
// # Three limits
//
// Every attempt is counted under three keys. The client network is the
// address from proxy.ClientIP, taken whole for IPv4 and as its /64 for IPv6
// (see [Network]); the account is the identifier the user typed, normalised
// by [NormalizeAccount] and hashed.
//
//   - Account and network together ([ScopeAccountIP]): after
//     Config.FreeFailures (5) consecutive failures the next attempt waits
//     BaseDelay (1s), then 2s, 4s, ... up to MaxDelay (15m). This is what
//     stops a guesser, and it only ever slows down the guesser's own
//     network.
//   - Network across all accounts ([ScopeIP]): the same backoff after
//     Config.IPFreeFailures (100) failures, against password spraying (one
//     common password tried on many accounts).
//   - Account across all networks ([ScopeAccount]): at most
//     Config.AccountLimit (100) consecutive failures, against a guesser
//     spread over a botnet. Once reached, only networks from which the
//     account logged in before (within KnownFor, 30 days) may try, until a
//     quiet Window (24h) passes or a login succeeds. A password reset by
//     e-mail proves control of the account another way: call
//     [Limiter.ResetAccount] when one completes.
//
// # Why the real user is not locked out
//
// A hard per-account lockout lets anyone who knows a user name lock its
// owner out, which OWASP warns against ("Account Lockout" in the
// Authentication Cheat Sheet,
// https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#account-lockout).
// Here the backoff that bites early is keyed by (account, network), so an
// attacker slows down only itself. The account-wide limit exists because
// NIST SP 800-63B §5.2.2 "Rate Limiting (Throttling)"
// (https://pages.nist.gov/800-63-3/sp800-63b.html#throttle; §3.2.2 in
// revision 4) requires limiting consecutive failed attempts on one account
// to at most 100. OWASP ASVS 5.0 asks for controls against credential
// stuffing and brute force (V6.3.1), documented so that they "prevent
// malicious account lockout" (V6.1.1): this section is that documentation.
// NIST lists the two mitigations used here: waiting periods that grow with
// the failures, and accepting attempts from addresses where the subscriber
// authenticated successfully before. The same exemption shields users who
// share a network (an office NAT, a carrier-grade NAT) with a sprayer from
// the per-network limit; only users new to that network wait with the
// sprayer. Delays are short at first (a user who mistypes five times waits
// one second) and the Retry-After header tells clients exactly how long.
//
// A successful login clears the account's failures but not the network's:
// otherwise an attacker could clear its own counter by logging in to an
// account it owns between guesses.
//
// # Races
//
// [Limiter.Begin] counts the attempt as a failure before the credentials
// are checked, with an atomic increment, and [Attempt.Succeed] takes it
// back. A burst of concurrent guesses therefore cannot all pass the check
// while the count is still low, and an attempt that never reports its
// outcome counts as failed.
//
// # When the store is down
//
// Begin fails closed: it returns an error wrapping [ErrUnavailable], which a
// login handler turns into 503. Logins stop while the store is down, but
// password guessing does not become unlimited. Config.InsecureFailOpen
// reverses that choice and logs every attempt it lets through.
//
// # Stores
//
// [MemoryStore] (the default) keeps counters in the process, bounded in
// size. Several instances behind a load balancer must share a store, or
// each limit is multiplied by the number of instances: see the
// sqlitethrottle, pgthrottle and redisthrottle packages. Every store passes
// the conformance suite in throttletest.
//
// # Request rates
//
// [Rate] is a separate, general limiter on requests per key (a client
// network, a token), whatever their outcome, with a sliding-window estimate
// and an HTTP middleware ([Rate.Handler]). It complements Limiter on
// expensive endpoints; it does not replace it for logins.
//
// # Events
//
// When a failure puts a limit in force, Fail emits authn_login_lock (scopes
// account_ip and account) or excess_use (scope ip) through the event
// package, with the scope, the failure count, the delay and the client
// network. Refused attempts are not logged one by one, so a flood of them
// cannot flood the log.
package throttle
