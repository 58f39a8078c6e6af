package throttle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/proxy"
)

// Config configures a [Limiter]. The zero Config is the recommended
// policy; every field's doc ends with its default. Negative values panic in
// [New].
type Config struct {
	// FreeFailures is how many consecutive failed logins to one account
	// from one client network are accepted without delay. After that,
	// each further attempt must wait BaseDelay after the previous one,
	// doubling per failure up to MaxDelay. Default 5.
	FreeFailures int

	// BaseDelay is the first delay once the free failures are used up.
	// Default 1s.
	BaseDelay time.Duration

	// MaxDelay caps the doubling delay. It must not exceed Window.
	// Default 15m.
	MaxDelay time.Duration

	// IPFreeFailures is how many failed logins from one client network,
	// across all accounts, are accepted before the same doubling delay
	// applies to that network (against password spraying). Accounts that
	// already logged in from that network are exempt, so an attacker
	// behind a shared NAT cannot lock its other users out. Raise it for
	// sites where many users share one address. Default 100.
	IPFreeFailures int

	// AccountLimit is how many consecutive failed logins one account
	// accepts from all networks together. Beyond it, the account accepts
	// attempts only from networks where it logged in successfully within
	// KnownFor, until Window passes with no further failure or a login
	// succeeds. NIST SP 800-63B §5.2.2 requires at most 100. Default 100.
	AccountLimit int

	// Window is how long counters live after the latest attempt they
	// counted; a quiet Window forgets them. Default 24h.
	Window time.Duration

	// KnownFor is how long a successful login keeps its (account, client
	// network) pair known, exempt from the account-wide and per-network
	// limits. Default 30 days (720h).
	KnownFor time.Duration

	// InsecureFailOpen, when true, lets attempts through (with an error
	// log) when the Store fails, instead of refusing them with
	// [ErrUnavailable]. It turns a store outage into unlimited password
	// guessing. Default false: fail closed.
	InsecureFailOpen bool

	// Logger receives security events (authn_login_lock, excess_use) and
	// store errors. Default slog.Default().
	Logger *slog.Logger

	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.FreeFailures < 0 || c.BaseDelay < 0 || c.MaxDelay < 0 || c.IPFreeFailures < 0 ||
		c.AccountLimit < 0 || c.Window < 0 || c.KnownFor < 0 {
		panic("rampart/throttle: negative value in Config")
	}
	if c.FreeFailures == 0 {
		c.FreeFailures = 5
	}
	if c.BaseDelay == 0 {
		c.BaseDelay = time.Second
	}
	if c.MaxDelay == 0 {
		c.MaxDelay = 15 * time.Minute
	}
	if c.MaxDelay < c.BaseDelay {
		panic("rampart/throttle: Config.MaxDelay is below BaseDelay")
	}
	if c.IPFreeFailures == 0 {
		c.IPFreeFailures = 100
	}
	if c.AccountLimit == 0 {
		c.AccountLimit = 100
	}
	if c.Window == 0 {
		c.Window = 24 * time.Hour
	}
	if c.MaxDelay > c.Window {
		// The counter would be forgotten before the delay ends.
		panic("rampart/throttle: Config.MaxDelay is above Window")
	}
	if c.KnownFor == 0 {
		c.KnownFor = 30 * 24 * time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Limiter throttles login attempts. Its methods are safe for concurrent use.
type Limiter struct {
	store Store
	cfg   Config
}

// New returns a Limiter over store with cfg (see [Config] for the
// defaults). A nil store means a new [MemoryStore] with its defaults, which
// suits a single process; several instances behind a load balancer need a
// shared store (SQL or Redis) or the limits multiply by the instance count.
func New(store Store, cfg Config) *Limiter {
	if store == nil {
		store = NewMemoryStore(MemoryConfig{})
	}
	return &Limiter{store: store, cfg: cfg.withDefaults()}
}

// backoff returns how long the next attempt must wait after the latest one,
// given prior failures already counted and the number that are free.
func (l *Limiter) backoff(prior, free int) time.Duration {
	if prior < free {
		return 0
	}
	shift := prior - free
	if shift >= 62 {
		return l.cfg.MaxDelay
	}
	d := l.cfg.BaseDelay << shift
	if d <= 0 || d>>shift != l.cfg.BaseDelay || d > l.cfg.MaxDelay {
		return l.cfg.MaxDelay
	}
	return d
}

// wait returns how long from now the next attempt must wait, given the
// counter as it was before this attempt.
func (l *Limiter) wait(prev Counter, free int, now time.Time) time.Duration {
	d := l.backoff(prev.Count, free)
	if d == 0 {
		return 0
	}
	return prev.Last.Add(d).Sub(now)
}

// Begin checks whether a login attempt for account from client address ip
// may proceed, before the credentials are verified. Pass the account
// identifier as the user typed it (see [NormalizeAccount]) and the client
// address from proxy.ClientIP, or use [Limiter.BeginRequest].
//
// Begin counts the attempt as a failure up front, atomically, so that a
// burst of concurrent requests cannot all slip under the limit before the
// first of them fails; [Attempt.Succeed] takes the count back. An attempt
// that is neither failed nor succeeded (a crash, a timeout) therefore
// stays counted as a failure.
//
// On error the Attempt is nil. Begin returns a [*LimitedError] (matching
// [ErrLimited]) when the attempt must wait: answer 429 with its Retry-After
// and do not verify the credentials. A refused attempt is not counted, but
// it is recorded as the latest attempt of its account and network, so a
// client that retries too early restarts its own wait. When the store
// fails, Begin returns an error wrapping [ErrUnavailable] (answer 503),
// unless Config.InsecureFailOpen is set.
func (l *Limiter) Begin(ctx context.Context, account string, ip netip.Addr) (*Attempt, error) {
	now := l.cfg.Now()
	a := &Attempt{l: l, keys: keysFor(account, ip), account: account, network: Network(ip)}
	err := l.begin(ctx, a, now)
	if err == nil {
		return a, nil
	}
	var limited *LimitedError
	if errors.As(err, &limited) || !l.cfg.InsecureFailOpen {
		// No Attempt: a caller that ignored the error cannot then clear
		// the counters with Succeed.
		return nil, err
	}
	// InsecureFailOpen: the operator chose availability over protection.
	l.logger().LogAttrs(ctx, slog.LevelError, "rampart/throttle: store failed; letting the login attempt through (InsecureFailOpen)",
		slog.String("error", err.Error()))
	a.unlimited = true
	return a, nil
}

// BeginRequest is [Limiter.Begin] with the request's context and the
// client address from [proxy.ClientIP].
func (l *Limiter) BeginRequest(r *http.Request, account string) (*Attempt, error) {
	return l.Begin(r.Context(), account, proxy.ClientIP(r))
}

func (l *Limiter) begin(ctx context.Context, a *Attempt, now time.Time) error {
	st, k := l.store, a.keys
	ip, err := st.Incr(ctx, k.ip, now, l.cfg.Window)
	if err != nil {
		return unavailable(err)
	}
	pair, err := st.Incr(ctx, k.pair, now, l.cfg.Window)
	if err != nil {
		_ = st.Decr(context.WithoutCancel(ctx), k.ip, now)
		return unavailable(err)
	}
	acct, err := st.Get(ctx, k.account, now)
	if err != nil {
		l.undo(ctx, k, now)
		return unavailable(err)
	}

	var refused LimitedError
	refuse := func(d time.Duration, s Scope) {
		if d > refused.RetryAfter {
			refused = LimitedError{RetryAfter: d, Scope: s}
		}
	}
	refuse(l.wait(pair, l.cfg.FreeFailures, now), ScopeAccountIP)
	ipWait := l.wait(ip, l.cfg.IPFreeFailures, now)
	acctLocked := acct.Count >= l.cfg.AccountLimit
	if ipWait > 0 || acctLocked {
		// The exemption that keeps these two limits from locking out the
		// real user: a network where the account logged in before.
		known, err := st.Get(ctx, k.known, now)
		if err != nil {
			l.undo(ctx, k, now)
			return unavailable(err)
		}
		if known.Count == 0 {
			refuse(ipWait, ScopeIP)
			if acctLocked {
				refuse(max(acct.Last.Add(l.cfg.Window).Sub(now), time.Second), ScopeAccount)
			}
		}
	}
	if refused.RetryAfter > 0 {
		l.undo(ctx, k, now)
		return &refused
	}
	// Checked with Get and counted only now, so refused attempts do not
	// extend the account-wide lock; concurrent attempts can overshoot
	// AccountLimit by at most their number.
	prev, err := st.Incr(ctx, k.account, now, l.cfg.Window)
	if err != nil {
		l.undo(ctx, k, now)
		return unavailable(err)
	}
	a.ipCount, a.pairCount, a.accountCount = ip.Count+1, pair.Count+1, prev.Count+1
	return nil
}

// undo takes back the up-front counts of a refused or failed Begin, even
// if the client has gone away meanwhile. Its errors are ignored: the worst
// outcome is one extra counted failure.
func (l *Limiter) undo(ctx context.Context, k keys, now time.Time) {
	ctx = context.WithoutCancel(ctx)
	_ = l.store.Decr(ctx, k.ip, now)
	_ = l.store.Decr(ctx, k.pair, now)
}

func unavailable(err error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// ResetAccount clears the account-wide failure counter of account, for
// example after the user proved control of the account another way (a
// password reset by e-mail). Per-network counters stay.
func (l *Limiter) ResetAccount(ctx context.Context, account string) error {
	if err := l.store.Reset(ctx, "acct:"+accountHash(account)); err != nil {
		return unavailable(err)
	}
	return nil
}

// Attempt is one login attempt admitted by [Limiter.Begin]. Call exactly
// one of [Attempt.Fail] or [Attempt.Succeed] once the credentials are
// verified, or [Attempt.Abandon] when they could not be; later calls do
// nothing. An Attempt is safe for concurrent use.
type Attempt struct {
	l       *Limiter
	keys    keys
	account string
	network netip.Prefix
	done    atomic.Bool
	// unlimited is set when InsecureFailOpen let the attempt through.
	unlimited bool
	// Counts including this attempt, as seen by Begin.
	ipCount, pairCount, accountCount int
}

// Fail records that the credentials were wrong. The failure was already
// counted by Begin; Fail emits the security events for limits this failure
// puts in force: authn_login_lock for the account (scope account_ip or
// account) and excess_use for the client network. Rejected attempts are not
// logged by this package, so a flood cannot flood the log.
func (a *Attempt) Fail(ctx context.Context) {
	if a.done.Swap(true) || a.unlimited {
		return
	}
	l := a.l
	if a.pairCount >= l.cfg.FreeFailures {
		l.emit(ctx, event.LoginLock, ScopeAccountIP, a, a.pairCount, l.backoff(a.pairCount, l.cfg.FreeFailures))
	}
	if a.accountCount >= l.cfg.AccountLimit {
		l.emit(ctx, event.LoginLock, ScopeAccount, a, a.accountCount, l.cfg.Window)
	}
	if a.ipCount >= l.cfg.IPFreeFailures {
		l.emit(ctx, event.ExcessUse, ScopeIP, a, a.ipCount, l.backoff(a.ipCount, l.cfg.IPFreeFailures))
	}
}

// Succeed records a successful login: it clears the failures of the
// account (from this network and account-wide), takes this attempt back
// from the network's counter, and remembers the (account, network) pair as
// known for Config.KnownFor. The network's earlier failures stay, so an
// attacker cannot clear its counter by logging in to an account of its
// own between guesses. Errors wrap [ErrUnavailable]; the login itself
// should still succeed.
func (a *Attempt) Succeed(ctx context.Context) error {
	if a.done.Swap(true) {
		return nil
	}
	l, st, k, now := a.l, a.l.store, a.keys, a.l.cfg.Now()
	var errs []error
	if !a.unlimited {
		errs = append(errs, st.Decr(ctx, k.ip, now))
	}
	errs = append(errs, st.Reset(ctx, k.pair), st.Reset(ctx, k.account))
	_, err := st.Incr(ctx, k.known, now, l.cfg.KnownFor)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return unavailable(err)
	}
	return nil
}

// Abandon takes the attempt back when the credentials could not be
// checked at all — a server-side failure such as password.ErrBusy under a
// login flood, or the user store being down. It counts neither as a failure
// nor as a success: without it, overload errors would count as failed
// logins and back off the real user, turning a flood into a lockout. Later
// calls, and calls after Fail or Succeed, do nothing. Errors wrap
// [ErrUnavailable].
func (a *Attempt) Abandon(ctx context.Context) error {
	if a.done.Swap(true) || a.unlimited {
		return nil
	}
	st, k, now := a.l.store, a.keys, a.l.cfg.Now()
	if err := errors.Join(st.Decr(ctx, k.ip, now), st.Decr(ctx, k.pair, now), st.Decr(ctx, k.account, now)); err != nil {
		return unavailable(err)
	}
	return nil
}

func (l *Limiter) emit(ctx context.Context, name string, s Scope, a *Attempt, failures int, retry time.Duration) {
	attrs := []slog.Attr{
		slog.String("scope", string(s)),
		slog.Int("failures", failures),
		slog.Duration("retry_after", retry),
		slog.String("network", networkString(a.network)),
	}
	if s != ScopeIP {
		attrs = append(attrs, slog.String("account", truncate(NormalizeAccount(a.account), 254)))
	}
	event.Emit(ctx, l.cfg.Logger, name, attrs...)
}

func (l *Limiter) logger() *slog.Logger {
	if l.cfg.Logger != nil {
		return l.cfg.Logger
	}
	return slog.Default()
}

func networkString(p netip.Prefix) string {
	if !p.IsValid() {
		return "unknown"
	}
	return p.String()
}

// truncate bounds attacker-chosen text in logs (254 is the longest valid
// e-mail address, RFC 5321 with errata).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
