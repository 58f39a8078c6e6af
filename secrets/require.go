package secrets

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Defaults for a [Requirement].
const (
	// DefaultMinLen is the minimum length in bytes of a required secret: 32
	// bytes: 128 random bits written as hex, or 192 as base64.
	DefaultMinLen = 32

	// DefaultMinEntropyBits is the minimum estimated entropy of a required
	// secret, in bits. The estimate is the value's length times the Shannon
	// entropy of its character distribution: random 16-byte hex (32 chars)
	// scores at least ~90, `rampart keys generate` output at least ~180,
	// "abcdabcd…" (32 chars) 64 and "aaaa…ab" about 6. It catches values with
	// too few distinct characters; it cannot recognise a guessable phrase,
	// which is why Require also rejects placeholders and patterns.
	DefaultMinEntropyBits = 80
)

// A Requirement names a secret that must be present and strong at startup.
// The zero value of each field but Name means its default.
type Requirement struct {
	// Name is the secret's name. Required.
	Name string

	// MinLen is the minimum length in bytes. Default: DefaultMinLen (32).
	MinLen int

	// MinEntropyBits is the minimum estimated entropy in bits (see
	// DefaultMinEntropyBits for how it is estimated).
	// Default: DefaultMinEntropyBits (80).
	MinEntropyBits float64
}

// ProblemKind says what is wrong with a required secret.
type ProblemKind int

// The kinds of [Problem], from the most to the least fundamental. Each
// secret gets at most one problem: the first that applies.
const (
	Missing     ProblemKind = iota + 1 // absent or empty in every provider
	Unreadable                         // a provider failed (permissions, wrong master key, ...)
	Placeholder                        // a known placeholder such as "changeme" or "your_secret_key"
	Pattern                            // a repeated or sequential pattern such as "abcabc…" or "1234…"
	TooShort                           // shorter than MinLen
	LowEntropy                         // estimated entropy below MinEntropyBits
)

var kindNames = map[ProblemKind]string{
	Missing: "missing", Unreadable: "unreadable", Placeholder: "placeholder",
	Pattern: "pattern", TooShort: "too short", LowEntropy: "low entropy",
}

func (k ProblemKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("ProblemKind(%d)", int(k))
}

// A Problem is one required secret that failed [Require]. Its fields and
// message name the secret and the provider, never the value.
type Problem struct {
	Name     string      // the secret
	Provider string      // the provider the value came from, or the providers searched when missing
	Kind     ProblemKind // what is wrong
	Len      int         // the value's length in bytes (TooShort)
	MinLen   int         // the required length (TooShort)
	Bits     float64     // the estimated entropy (LowEntropy)
	MinBits  float64     // the required entropy (LowEntropy)
	Err      error       // the provider's error (Unreadable)
}

// fixGenerate is the advice for any weak value.
const fixGenerate = "generate one with `rampart keys generate`"

// String returns a one-line message that says what to fix, e.g.
// "rampart: SECRET_KEY from env is a known placeholder; generate one with
// `rampart keys generate`".
func (p Problem) String() string {
	switch p.Kind {
	case Missing:
		return fmt.Sprintf("rampart: %s is missing or empty (looked in %s); set it in one of those, e.g. with `rampart secrets set %s`",
			p.Name, p.Provider, p.Name)
	case Unreadable:
		return fmt.Sprintf("rampart: %s could not be read from %s: %v", p.Name, p.Provider, p.Err)
	case Placeholder:
		return fmt.Sprintf("rampart: %s from %s is a known placeholder; %s", p.Name, p.Provider, fixGenerate)
	case Pattern:
		return fmt.Sprintf("rampart: %s from %s is a repeated or sequential pattern; %s", p.Name, p.Provider, fixGenerate)
	case TooShort:
		return fmt.Sprintf("rampart: %s from %s is too short (%d bytes, need at least %d); %s", p.Name, p.Provider, p.Len, p.MinLen, fixGenerate)
	case LowEntropy:
		return fmt.Sprintf("rampart: %s from %s has too little entropy (about %.0f bits, need %.0f); %s", p.Name, p.Provider, p.Bits, p.MinBits, fixGenerate)
	}
	return fmt.Sprintf("rampart: %s from %s: %s", p.Name, p.Provider, p.Kind)
}

// RequireError is returned by [Require]. It lists every problem found.
type RequireError struct {
	Problems []Problem
}

// Error returns one line per problem.
func (e *RequireError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the providers' errors, so errors.Is(err, ErrWrongMasterKey)
// and similar checks see through a RequireError.
func (e *RequireError) Unwrap() []error {
	var errs []error
	for _, p := range e.Problems {
		if p.Err != nil {
			errs = append(errs, p.Err)
		}
	}
	return errs
}

// Require checks at startup that every required secret is present in p and
// strong, and reports every problem at once as a *RequireError (nil if
// there is none), so an operator fixes the configuration in one pass
// instead of one restart per secret.
//
// A value fails when it is missing or empty, when its provider fails, when
// it is a known placeholder (your_secret_key, changeme, secret, password,
// dev, test, example, … compared case-insensitively, ignoring separators,
// trailing digits and l33t spelling), a repeated or sequential pattern
// ("aaaa…", "abcabc…", "123456…"), shorter than MinLen, or below
// MinEntropyBits. See [Requirement] for the defaults.
//
// It panics if a requirement has an invalid name or a negative limit: those
// are programming mistakes.
func Require(ctx context.Context, p Provider, reqs ...Requirement) error {
	var problems []Problem
	for _, r := range reqs {
		if !ValidName(r.Name) || r.MinLen < 0 || r.MinEntropyBits < 0 || math.IsNaN(r.MinEntropyBits) {
			panic(fmt.Sprintf("rampart/secrets: invalid Requirement for %q", r.Name))
		}
		if prob, bad := check(ctx, p, r); bad {
			problems = append(problems, prob)
		}
	}
	if len(problems) > 0 {
		return &RequireError{Problems: problems}
	}
	return nil
}

func check(ctx context.Context, p Provider, r Requirement) (Problem, bool) {
	minLen := r.MinLen
	if minLen == 0 {
		minLen = DefaultMinLen
	}
	minBits := r.MinEntropyBits
	if minBits == 0 {
		minBits = DefaultMinEntropyBits
	}
	s, from, err := lookupSource(ctx, p, r.Name)
	prob := Problem{Name: r.Name, Provider: p.String()}
	if from != nil {
		prob.Provider = from.String()
	}
	switch {
	case errors.Is(err, ErrNotFound):
		prob.Kind = Missing
		return prob, true
	case err != nil:
		prob.Kind, prob.Err = Unreadable, err
		return prob, true
	case s.IsZero():
		prob.Kind = Missing
		return prob, true
	}
	v := s.Reveal()
	switch {
	case isPlaceholder(v):
		prob.Kind = Placeholder
	case isPattern(v):
		prob.Kind = Pattern
	case len(v) < minLen:
		prob.Kind, prob.Len, prob.MinLen = TooShort, len(v), minLen
	default:
		bits := EntropyBits(s)
		if bits >= minBits {
			return Problem{}, false
		}
		prob.Kind, prob.Bits, prob.MinBits = LowEntropy, bits, minBits
	}
	return prob, true
}

// EntropyBits estimates the entropy of s in bits as its length times the
// Shannon entropy of its byte distribution. It is an upper bound on what an
// attacker must guess for a value chosen by a person, and close to the
// truth for random keys.
func EntropyBits(s Secret) float64 {
	v := s.Reveal()
	if v == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(v); i++ {
		counts[v[i]]++
	}
	n := float64(len(v))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h * n
}

// placeholders are values seen in tutorials, templates and .env.example
// files, normalized: lower case, letters and digits only.
var placeholders = map[string]bool{}

func init() {
	for _, p := range []string{
		"your_secret_key", "yoursecret", "your-secret-key-here", "secret_key", "secretkey", "secret", "secrets",
		"mysecret", "my_secret_key", "supersecret", "super_secret_key", "topsecret", "secretpassword",
		"password", "passwd", "pass", "passphrase", "changeme", "change_me", "changeit", "changethis",
		"replaceme", "replace_me", "dev", "development", "devsecret", "devkey", "test", "testing",
		"testsecret", "testkey", "example", "sample", "demo", "placeholder", "default", "insecure",
		"todo", "fixme", "tbd", "xxx", "dummy", "fake", "foo", "bar", "baz", "foobar", "none", "null",
		"nil", "undefined", "empty", "blank", "token", "key", "apikey", "api_key", "masterkey",
		"privatekey", "admin", "root", "letmein", "qwerty", "qwertyuiop", "asdf", "abc123", "iloveyou",
		"welcome", "hunter2", "keyboard cat", "local", "localhost", "debug", "temp", "tmp",
		"notsecret", "not_a_secret", "redacted", "[REDACTED]", "hidden", "secretvalue", "thisisasecret", "thisismysecret", "s3cr3t", "p@ssw0rd",
	} {
		placeholders[normalize(p)] = true
	}
}

// placeholderMarkers mark a template value wherever they appear, e.g.
// "<your-secret-key-here>" or "django-insecure-…".
var placeholderMarkers = []string{
	"changeme", "yoursecret", "yourkey", "yourpassword", "yourtoken", "yourapikey", "placeholder",
	"replaceme", "example", "insecure", "notsecret", "notasecret", "donotuse", "dontuse",
	"secretkeyhere", "fixme", "changethis",
}

// normalize lowercases and keeps letters and digits only, so "Your-Secret
// Key" and "your_secret_key" compare equal.
func normalize(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b.WriteByte(c)
		}
	}
	return b.String()
}

var leet = strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "7", "t", "@", "a", "$", "s", "!", "i")

func isPlaceholder(v string) bool {
	lower := strings.ToLower(v)
	variants := []string{normalize(v), normalize(leet.Replace(lower))}
	for _, n := range variants {
		if placeholders[n] || placeholders[strings.TrimRight(n, "0123456789")] {
			return true
		}
		for _, m := range placeholderMarkers {
			if strings.Contains(n, m) {
				return true
			}
		}
	}
	return false
}

// isPattern reports a value that repeats a shorter unit ("aaaa", "abcabc",
// "dev-dev-") or walks a sequence ("abcdef", "123456", "987654").
func isPattern(v string) bool {
	s := strings.ToLower(v)
	if len(s) < 2 {
		return true
	}
	for period := 1; period <= len(s)/2; period++ {
		periodic := true
		for i := period; i < len(s); i++ {
			if s[i] != s[i-period] {
				periodic = false
				break
			}
		}
		if periodic {
			return true
		}
	}
	for _, step := range []int{1, -1} {
		seq := true
		for i := 1; i < len(s); i++ {
			if !nextInSequence(s[i-1], s[i], step) {
				seq = false
				break
			}
		}
		if seq {
			return true
		}
	}
	return false
}

func nextInSequence(a, b byte, step int) bool {
	if int(b)-int(a) == step {
		return true
	}
	// Wrap around within digits and letters: "7890123", "xyzabc".
	switch {
	case step == 1 && ((a == '9' && b == '0') || (a == 'z' && b == 'a')):
		return true
	case step == -1 && ((a == '0' && b == '9') || (a == 'a' && b == 'z')):
		return true
	}
	return false
}
