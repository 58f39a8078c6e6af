// Package password hashes and verifies user passwords and checks new ones
// against a password policy.
//
// Use one [Hasher] per application, built with [New]:
//
//	h := password.New(password.Config{}) // OWASP parameters, safe policy
//	encoded, err := h.Hash(ctx, pw, email) // policy check, then argon2id
//	ok, err := h.Verify(ctx, pw, encoded)  // constant-time comparison
//	if ok && h.NeedsRehash(encoded) { /* hash again, store */ }
//
// and, when the login form names a user that does not exist,
//
//	err := h.VerifyDummy(ctx, pw) // same work as Verify, always fails
//
// # Algorithm and parameters
//
// New hashes use argon2id (RFC 9106) from golang.org/x/crypto/argon2 with the
// parameters that the OWASP Password Storage Cheat Sheet lists first and ASVS
// 5.0 accepts: 19 MiB of memory (m=19456 KiB), 2 iterations (t=2), 1 degree of
// parallelism (p=1), a 16-byte random salt and a 32-byte tag. See
// [DefaultParams] and
// https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
// and https://www.rfc-editor.org/rfc/rfc9106.html#section-4.
// Parameters are pinned rather than derived from the machine (CPU count,
// memory size), so hashes are the same everywhere and [Hasher.NeedsRehash]
// means something. Weaker parameters than OWASP's minimum panic in [New]
// unless [Config.InsecureWeakParams] is set (for tests).
//
// # Hash format
//
// Hashes are stored in the PHC string format that the argon2 reference
// implementation, libsodium, argon2-cffi and most other libraries use:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64 without padding>$<tag, base64 without padding>
//
// Parsing is strict: only argon2id version 19, parameters in the order m, t,
// p, decimal without sign or leading zeros, canonical unpadded base64, and
// every value bounded ([MaxMemory], [MaxIterations], [MaxParallelism], salt
// 8–64 bytes, tag 16–64 bytes, 256 bytes in all). A hash planted in or
// corrupted in the database cannot make a login allocate gigabytes or spin
// for minutes; it fails with [ErrMalformedHash].
//
// # Imported bcrypt hashes
//
// [Hasher.Verify] also accepts bcrypt hashes ($2a$, $2b$, $2y$, cost at most
// [MaxBcryptCost]) imported from another system, and [Hasher.NeedsRehash]
// reports true for them, so the first successful login stores an argon2id
// hash instead. bcrypt only reads the first 72 bytes of a password; the old
// system hashed exactly those, so Verify passes them on for bcrypt hashes. New
// hashes are never bcrypt and never truncate.
//
// # Concurrency and memory
//
// Every argon2id computation allocates m KiB (19 MiB by default), so a flood
// of login attempts could exhaust the server's memory. A Hasher therefore
// runs at most [Config.MaxConcurrent] computations at once (default:
// GOMAXPROCS, which with p=1 already keeps every core busy, so more would add
// latency and memory but no throughput). Peak memory for hashing is about
// MaxConcurrent × m, plus the garbage collector's headroom. A call that finds
// no free slot waits up to [Config.MaxWait] (default 2 s) or until its context
// ends, then fails with an error that matches [ErrBusy]: the caller should
// answer 503 Service Unavailable (or 429) with Retry-After, never 500.
//
// # Timing and unknown users
//
// [Hasher.Verify] compares tags with crypto/subtle in constant time. To keep
// response times from revealing which accounts exist, call
// [Hasher.VerifyDummy] when no user matches: it does the same argon2id work
// with the Hasher's current parameters and always fails. Verify also runs the
// dummy work before it reports a malformed stored hash (for example a "!"
// placeholder for a disabled account). Hashes with other parameters (old
// argon2id, bcrypt) take a different time until [Hasher.NeedsRehash] has
// upgraded them.
//
// # Policy
//
// [Hasher.Hash] and [Hasher.Check] enforce a [Policy] that follows ASVS 5.0
// §6.2 and NIST SP 800-63B §3.1.1.2
// (https://pages.nist.gov/800-63-4/sp800-63b.html#password):
//
//   - the password is normalised to Unicode NFC, at hashing and at
//     verification, so the same characters typed on different systems match;
//   - length is counted in Unicode code points after normalisation: at least
//     8 (configurable; 15 recommended where the password is the only factor),
//     at most 1024 by default (at least 64 must be allowed) — longer passwords
//     are rejected, never silently truncated;
//   - no composition rules (no "one digit, one symbol"): any Unicode text,
//     spaces and emoji included;
//   - the 9,456 passwords of 8 or more characters among the 30,000 most common
//     (see common_passwords.md for the source and licence) are rejected,
//     ignoring case;
//   - passwords that contain the user's email, its local part, the username or
//     a configured site-specific word ([Policy.ContextWords]) are rejected.
//
// Failures are [*PolicyError] values with a stable [Code] for translation and
// an English message fit to show the user.
package password
