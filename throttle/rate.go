package throttle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/proxy"
)

// RateConfig configures a [Rate]. The zero RateConfig allows 100 requests
// per minute; every field's doc ends with its default. Negative values
// panic in [NewRate].
type RateConfig struct {
	// Limit is how many requests one key may make per Per. Default 100.
	Limit int

	// Per is the length of the window. Default 1m.
	Per time.Duration

	// InsecureFailOpen, when true, lets requests through (with an error
	// log) when the Store fails, instead of refusing them with
	// [ErrUnavailable]. Default false: fail closed.
	InsecureFailOpen bool

	// Logger receives excess_use events and store errors. Default
	// slog.Default().
	Logger *slog.Logger

	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
}

// Rate limits how often a key (a client network, an API token, a user)
// may do something, whatever the outcome: a sliding window over two fixed
// windows, as Cloudflare describes
// (https://blog.cloudflare.com/counting-things-a-lot-of-different-things/).
// The estimate is the current window's count plus the previous window's
// count weighted by how much of it still overlaps the sliding window, so
// a client cannot send 2×Limit across a window boundary. Use [Limiter],
// not Rate, for logins: Rate counts requests, not failures. Safe for
// concurrent use.
type Rate struct {
	store Store
	cfg   RateConfig
}

// NewRate returns a Rate over store (nil: a new [MemoryStore]) with cfg.
func NewRate(store Store, cfg RateConfig) *Rate {
	if cfg.Limit < 0 || cfg.Per < 0 {
		panic("rampart/throttle: negative value in RateConfig")
	}
	if cfg.Limit == 0 {
		cfg.Limit = 100
	}
	if cfg.Per == 0 {
		cfg.Per = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if store == nil {
		store = NewMemoryStore(MemoryConfig{})
	}
	return &Rate{store: store, cfg: cfg}
}

// Allow counts one request for key and reports whether it is within the
// limit: nil, a [*LimitedError] with [ScopeRate] (answer 429 with its
// Retry-After), or an error wrapping [ErrUnavailable] (answer 503). Refused
// requests count too, so a client that ignores Retry-After stays refused.
// Keys are hashed, so any string is fine.
func (r *Rate) Allow(ctx context.Context, key string) error {
	now := r.cfg.Now()
	per := r.cfg.Per
	sum := sha256.Sum256([]byte(key))
	base := "rate:" + hex.EncodeToString(sum[:16]) + ":"
	win := now.UnixNano() / int64(per)
	elapsed := time.Duration(now.UnixNano() - win*int64(per))

	cur, err := r.store.Incr(ctx, base+strconv.FormatInt(win, 10), now, 2*per)
	if err == nil {
		var prev Counter
		prev, err = r.store.Get(ctx, base+strconv.FormatInt(win-1, 10), now)
		if err == nil {
			return r.decide(ctx, cur.Count, prev.Count, elapsed)
		}
	}
	if r.cfg.InsecureFailOpen {
		r.logger().LogAttrs(ctx, slog.LevelError, "rampart/throttle: store failed; letting the request through (InsecureFailOpen)",
			slog.String("error", err.Error()))
		return nil
	}
	return unavailable(err)
}

// decide applies the sliding-window estimate. before is this window's
// count before this request, prev the previous window's count, elapsed the
// time since this window began.
func (r *Rate) decide(ctx context.Context, before, prev int, elapsed time.Duration) error {
	limit, per := float64(r.cfg.Limit), float64(r.cfg.Per)
	weight := (per - float64(elapsed)) / per // share of the previous window still inside
	p := float64(prev)
	if float64(before)+p*weight < limit {
		return nil
	}
	// The next request is allowed once the estimate, with this request
	// counted (c), falls below the limit.
	c := float64(before + 1)
	var wait float64
	if c < limit {
		// Within this window, as the previous window slides out.
		wait = per*(1-(limit-c)/p) - float64(elapsed)
	} else {
		// In the next window, as this one slides out.
		wait = per - float64(elapsed) + per*(1-limit/c)
	}
	if float64(before-1)+p*weight < limit {
		// The first refusal of a burst: log it, not every refusal.
		event.Emit(ctx, r.cfg.Logger, event.ExcessUse, slog.String("scope", string(ScopeRate)),
			slog.Int("limit", r.cfg.Limit), slog.Duration("per", r.cfg.Per))
	}
	return &LimitedError{RetryAfter: time.Duration(math.Ceil(wait)), Scope: ScopeRate}
}

func (r *Rate) logger() *slog.Logger {
	if r.cfg.Logger != nil {
		return r.cfg.Logger
	}
	return slog.Default()
}

// Handler limits each client network (see [Network] and proxy.ClientIP)
// to Limit requests per Per. Refused requests get 429 Too Many Requests
// with Retry-After; when the store fails, 503 Service Unavailable (unless
// InsecureFailOpen).
func (r *Rate) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		err := r.Allow(req.Context(), "net:"+networkKey(proxy.ClientIP(req)))
		if err == nil {
			next.ServeHTTP(w, req)
			return
		}
		var limited *LimitedError
		if errors.As(err, &limited) {
			w.Header().Set("Retry-After", limited.RetryAfterHeader())
			http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
			return
		}
		r.logger().LogAttrs(req.Context(), slog.LevelError, "rampart/throttle: rate limit store failed", slog.String("error", err.Error()))
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
	})
}
