package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"runtime"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// ErrBusy is matched (with errors.Is) by the error [Hasher.Hash],
// [Hasher.Verify] and [Hasher.VerifyDummy] return when no hashing slot
// became free within [Config.MaxWait] or before the context ended. The error
// also wraps the context's error when that was the cause. Answer it with
// 503 Service Unavailable (or 429 Too Many Requests) and a Retry-After
// header: it means load, not a wrong password.
var ErrBusy = errors.New("password: too many password hashes in progress")

// DefaultMaxWait is the default for [Config.MaxWait].
const DefaultMaxWait = 2 * time.Second

// bcryptMaxInput is how many bytes of a password bcrypt reads.
const bcryptMaxInput = 72

// Config configures a [Hasher]. The zero Config is safe: OWASP argon2id
// parameters, the default [Policy], one hashing slot per usable CPU.
type Config struct {
	// Params are the argon2id parameters for new hashes; stored hashes with
	// other parameters still verify and make [Hasher.NeedsRehash] report
	// true. Zero fields take their defaults; parameters outside the
	// package's bounds panic in [New], and parameters below the OWASP
	// minimum (m=7 MiB, m×t of 35 MiB-passes, 16-byte salt, 32-byte tag)
	// panic unless InsecureWeakParams is set. Default [DefaultParams].
	Params Params
	// InsecureWeakParams allows Params below the OWASP minimum. It exists
	// for tests, which would otherwise spend most of their time hashing;
	// never set it in production. Default false.
	InsecureWeakParams bool
	// MaxConcurrent bounds how many hashes (argon2id or bcrypt) run at
	// once, and so the memory they use: about MaxConcurrent × Params.Memory
	// KiB. Default runtime.GOMAXPROCS(0) at the time of [New], which keeps
	// every core busy when Params.Parallelism is 1.
	MaxConcurrent int
	// MaxWait is how long a call waits for a free slot before it fails with
	// [ErrBusy]; the call's context can end the wait sooner. A negative
	// value fails at once when every slot is taken. Default 2 s
	// ([DefaultMaxWait]).
	MaxWait time.Duration
	// Policy is the policy new passwords must meet. Default: see [Policy].
	Policy Policy
}

// Hasher hashes and verifies passwords. Create it with [New]; a Hasher is
// safe for concurrent use by multiple goroutines.
type Hasher struct {
	params  Params
	policy  Policy
	sem     chan struct{}
	maxWait time.Duration

	// dummySalt and dummyKey are random per Hasher, so VerifyDummy does the
	// same work as Verify and can never succeed.
	dummySalt []byte
	dummyKey  []byte
}

// New returns a Hasher for cfg. It panics if cfg is invalid (parameters out
// of bounds or, without InsecureWeakParams, below the OWASP minimum; a
// policy with MinLength below 8 or MaxLength below 64).
func New(cfg Config) *Hasher {
	p := cfg.Params.withDefaults()
	if err := p.validate(); err != nil {
		panic("rampart/password: invalid Params: " + err.Error())
	}
	if why := p.weak(); why != "" && !cfg.InsecureWeakParams {
		panic("rampart/password: weak Params (" + why + "); set InsecureWeakParams only in tests")
	}
	n := cfg.MaxConcurrent
	if n < 0 {
		panic(fmt.Sprintf("rampart/password: MaxConcurrent %d is negative", n))
	}
	if n == 0 {
		n = max(runtime.GOMAXPROCS(0), 1)
	}
	wait := cfg.MaxWait
	if wait == 0 {
		wait = DefaultMaxWait
	}
	h := &Hasher{
		params:    p,
		policy:    cfg.Policy.withDefaults(),
		sem:       make(chan struct{}, n),
		maxWait:   wait,
		dummySalt: make([]byte, p.SaltLength),
		dummyKey:  make([]byte, p.KeyLength),
	}
	rand.Read(h.dummySalt)
	rand.Read(h.dummyKey)
	return h
}

// Policy returns the policy in force, with defaults filled in (for example
// to render minlength and maxlength attributes on a form). ContextWords are
// returned lower-cased and NFC-normalised.
func (h *Hasher) Policy() Policy {
	p := h.policy
	p.ContextWords = append([]string(nil), p.ContextWords...)
	return p
}

// Check reports whether password meets the policy, without hashing it.
// userInputs are values tied to the account (email address, username,
// display name) that the password must not equal or contain; for an email
// address its local part counts too. The error is a [*PolicyError] or nil.
// Use it to validate a form before doing anything else with it.
func (h *Hasher) Check(password string, userInputs ...string) error {
	_, err := h.checkNormalized(password, userInputs)
	return err
}

// checkNormalized applies the policy and returns the NFC form of password.
func (h *Hasher) checkNormalized(password string, userInputs []string) (string, error) {
	pw, ok := normalize(password, h.policy.MaxLength)
	if !ok {
		code := CodeTooLong
		if !utf8.ValidString(password) {
			code = CodeInvalid
		}
		return "", &PolicyError{Code: code, Min: h.policy.MinLength, Max: h.policy.MaxLength}
	}
	if err := h.policy.check(pw, userInputs); err != nil {
		return "", err
	}
	return pw, nil
}

// Hash checks password against the policy (see [Hasher.Check] for
// userInputs) and returns its argon2id hash in PHC string format with a
// fresh random salt. Errors: a [*PolicyError] for a password the policy
// rejects (show it to the user, 422); one matching [ErrBusy] under load.
func (h *Hasher) Hash(ctx context.Context, password string, userInputs ...string) (string, error) {
	pw, err := h.checkNormalized(password, userInputs)
	if err != nil {
		return "", err
	}
	salt := make([]byte, h.params.SaltLength)
	rand.Read(salt)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.hashWithSalt(pw, salt), nil
}

// hashWithSalt derives the argon2id tag of the normalised password with the
// Hasher's parameters and formats it as a PHC string.
func (h *Hasher) hashWithSalt(pw string, salt []byte) string {
	key := argon2.IDKey([]byte(pw), salt, h.params.Iterations, h.params.Memory, h.params.Parallelism, h.params.KeyLength)
	return encodePHC(h.params, salt, key)
}

// Verify reports whether password matches encoded, an argon2id PHC string
// or an imported bcrypt hash. The comparison is constant-time. A password
// that does not match, or that is longer than the policy allows (no hash
// could have been made from it), yields false and a nil error. Errors: one
// matching [ErrMalformedHash] if encoded cannot be parsed (after the same
// work as a verification, so that a disabled account's placeholder does not
// answer faster); one matching [ErrBusy] under load.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	pw, ok := normalize(password, h.policy.MaxLength)
	if !ok || runeCount(pw) > h.policy.MaxLength {
		return false, nil
	}
	if isBcrypt(encoded) {
		if err := checkBcrypt(encoded); err != nil {
			return false, h.failSlowly(ctx, pw, err)
		}
		in := []byte(pw)
		if len(in) > bcryptMaxInput {
			in = in[:bcryptMaxInput] // what the system that made the hash read
		}
		if err := h.acquire(ctx); err != nil {
			return false, err
		}
		defer h.release()
		return bcrypt.CompareHashAndPassword([]byte(encoded), in) == nil, nil
	}
	ph, err := parsePHC(encoded)
	if err != nil {
		return false, h.failSlowly(ctx, pw, err)
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	key := argon2.IDKey([]byte(pw), ph.salt, ph.params.Iterations, ph.params.Memory, ph.params.Parallelism, ph.params.KeyLength)
	return subtle.ConstantTimeCompare(key, ph.key) == 1, nil
}

// VerifyDummy does the work of [Hasher.Verify] against a hash with the
// Hasher's current parameters that nothing matches. Call it when a login
// names an unknown user, so the response takes as long as a wrong password
// for a real one and does not reveal which accounts exist. It returns nil,
// or an error matching [ErrBusy] under load (which a real user's Verify
// would also have hit).
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	pw, ok := normalize(password, h.policy.MaxLength)
	if !ok || runeCount(pw) > h.policy.MaxLength {
		return nil // Verify returns early for these too
	}
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	key := argon2.IDKey([]byte(pw), h.dummySalt, h.params.Iterations, h.params.Memory, h.params.Parallelism, h.params.KeyLength)
	subtle.ConstantTimeCompare(key, h.dummyKey)
	return nil
}

// NeedsRehash reports whether encoded should be replaced by a new hash of
// the same password: true for bcrypt and any other format, for argon2id
// hashes whose parameters (m, t, p, salt or tag length) differ from the
// Hasher's, and for hashes that cannot be parsed. Call it after a
// successful [Hasher.Verify], while the plain password is at hand.
func (h *Hasher) NeedsRehash(encoded string) bool {
	ph, err := parsePHC(encoded)
	if err != nil {
		return true
	}
	return ph.params != h.params
}

// failSlowly burns one dummy verification before returning err (a malformed
// stored hash), so that a placeholder hash does not answer measurably faster
// than a real one. If the slot cannot be had, err is still what is returned:
// the caller must learn that the stored hash is bad.
func (h *Hasher) failSlowly(ctx context.Context, pw string, err error) error {
	if h.acquire(ctx) == nil {
		key := argon2.IDKey([]byte(pw), h.dummySalt, h.params.Iterations, h.params.Memory, h.params.Parallelism, h.params.KeyLength)
		subtle.ConstantTimeCompare(key, h.dummyKey)
		h.release()
	}
	return err
}

// acquire takes a hashing slot, waiting up to maxWait or until ctx ends.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrBusy, err)
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	if h.maxWait < 0 {
		return ErrBusy
	}
	t := time.NewTimer(h.maxWait)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrBusy, ctx.Err())
	case <-t.C:
		return fmt.Errorf("%w: no slot free after %v", ErrBusy, h.maxWait)
	}
}

func (h *Hasher) release() { <-h.sem }

func runeCount(s string) int { return utf8.RuneCountInString(s) }
