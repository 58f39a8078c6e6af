package secrets

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rampartgo/rampart/internal/secretsfile"
)

// ErrNotFound is wrapped by the error a [Provider] returns when it has no
// value for a name. An empty value counts as absent, so a [Chain] moves on
// to the next provider and [Require] reports the secret as missing.
var ErrNotFound = errors.New("secrets: not found")

// ErrInvalidName is wrapped by the error returned for a name that is not a
// valid secret name (see [ValidName]).
var ErrInvalidName = errors.New("secrets: invalid secret name")

// A Provider supplies secret values by name.
//
// Lookup returns the value, or an error wrapping [ErrNotFound] when the
// provider has no (or an empty) value for name. Any other error is a real
// failure (an unreadable file, a wrong master key) that callers must not
// treat as "absent". Error texts name the secret and the provider and never
// contain a value. Implementations are safe for concurrent use.
//
// String names the provider in messages, e.g. "env", "file:/run/secrets" or
// "encrypted:config/secrets.age".
type Provider interface {
	Lookup(ctx context.Context, name string) (Secret, error)
	String() string
}

// ValidName reports whether name is a valid secret name: 1 to 128 ASCII
// letters, digits and underscores, not starting with a digit — a valid
// environment variable name and a safe file name.
func ValidName(name string) bool { return secretsfile.ValidName(name) }

// Get returns the value of name from p, or an error (wrapping [ErrNotFound]
// when p has no value). It is the secrets.get("DATABASE_PASSWORD") of
// rampart.
func Get(ctx context.Context, p Provider, name string) (Secret, error) {
	return p.Lookup(ctx, name)
}

// Lookup is like [Get] but reports absence as found == false with a nil
// error, the way [os.LookupEnv] does. A non-nil error is a real failure.
func Lookup(ctx context.Context, p Provider, name string) (s Secret, found bool, err error) {
	s, err = p.Lookup(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return Secret{}, false, nil
	}
	if err != nil {
		return Secret{}, false, err
	}
	return s, true, nil
}

func notFound(name string, p fmt.Stringer) error {
	return fmt.Errorf("%w: %s in %s", ErrNotFound, name, p)
}

func checkName(name string) error {
	if !ValidName(name) {
		// The name is not quoted: a caller may have passed a value by mistake.
		return fmt.Errorf("%w (use letters, digits and _, not starting with a digit)", ErrInvalidName)
	}
	return nil
}

// sourceLookuper is implemented by providers that delegate, so that
// messages can name the provider a value actually came from.
type sourceLookuper interface {
	lookupSource(ctx context.Context, name string) (Secret, Provider, error)
}

// lookupSource looks name up in p and reports which provider answered.
func lookupSource(ctx context.Context, p Provider, name string) (Secret, Provider, error) {
	if sl, ok := p.(sourceLookuper); ok {
		return sl.lookupSource(ctx, name)
	}
	s, err := p.Lookup(ctx, name)
	return s, p, err
}

// Chain returns a Provider that asks each provider in order and returns the
// first value found.
//
// A provider that fails with anything other than [ErrNotFound] stops the
// chain with that error: falling through to the next provider would hide a
// broken configuration (an unreadable file, a wrong master key) behind a
// different, possibly stale or default, value. The chain fails closed.
func Chain(providers ...Provider) Provider {
	for _, p := range providers {
		if p == nil {
			panic("rampart/secrets: nil Provider in Chain")
		}
	}
	return chain(append([]Provider(nil), providers...))
}

type chain []Provider

var _ Provider = chain(nil)

func (c chain) Lookup(ctx context.Context, name string) (Secret, error) {
	s, _, err := c.lookupSource(ctx, name)
	return s, err
}

func (c chain) lookupSource(ctx context.Context, name string) (Secret, Provider, error) {
	if err := checkName(name); err != nil {
		return Secret{}, nil, err
	}
	for _, p := range c {
		if err := ctx.Err(); err != nil {
			return Secret{}, nil, err
		}
		s, from, err := lookupSource(ctx, p, name)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return Secret{}, from, err
		}
		return s, from, nil
	}
	return Secret{}, c, notFound(name, c)
}

// String lists the chained providers, e.g. "env, encrypted:config/secrets.age".
func (c chain) String() string {
	names := make([]string, len(c))
	for i, p := range c {
		names[i] = p.String()
	}
	if len(names) == 0 {
		return "empty chain"
	}
	return strings.Join(names, ", ")
}
