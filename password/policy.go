package password

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Policy says which new passwords [Hasher.Hash] and [Hasher.Check] accept.
// It follows ASVS 5.0 §6.2 and NIST SP 800-63B §3.1.1.2: a length range, no
// composition rules, a blocklist of common passwords and of words tied to
// the user or the site. The zero Policy is the safe default.
type Policy struct {
	// MinLength is the minimum length in Unicode code points after NFC
	// normalisation. Values below 8 panic in [New]. NIST and ASVS recommend
	// 15 where the password is the only authentication factor. Default 8.
	MinLength int
	// MaxLength is the maximum length in code points after NFC
	// normalisation. It bounds the work one request can cause; longer
	// passwords are rejected, never truncated. Values below 64 or below
	// MinLength panic in [New]. Default 1024.
	MaxLength int
	// ContextWords are site-specific words that passwords must not contain,
	// such as the product's name (ASVS 5.0 §6.2.11). They are compared
	// ignoring case; words shorter than 4 characters are ignored.
	// Default none.
	ContextWords []string
	// InsecureAllowCommonPasswords turns off the check against the embedded
	// list of common passwords. Default false.
	InsecureAllowCommonPasswords bool
}

// Defaults for [Policy].
const (
	DefaultMinLength = 8
	DefaultMaxLength = 1024
	// minContextWord is the shortest user input or context word looked for
	// inside a password; shorter ones would reject too much ("al" in
	// "totally").
	minContextWord = 4
)

func (p Policy) withDefaults() Policy {
	if p.MinLength == 0 {
		p.MinLength = DefaultMinLength
	}
	if p.MaxLength == 0 {
		p.MaxLength = DefaultMaxLength
	}
	if p.MinLength < DefaultMinLength {
		panic(fmt.Sprintf("rampart/password: Policy.MinLength %d is below the ASVS minimum of 8", p.MinLength))
	}
	if p.MaxLength < 64 || p.MaxLength < p.MinLength {
		panic(fmt.Sprintf("rampart/password: Policy.MaxLength %d must be at least 64 and at least MinLength", p.MaxLength))
	}
	words := make([]string, 0, len(p.ContextWords))
	for _, w := range p.ContextWords {
		if w = fold(w); utf8.RuneCountInString(w) >= minContextWord {
			words = append(words, w)
		}
	}
	p.ContextWords = words
	return p
}

// Code identifies why a password was rejected, for translation. Codes are
// stable.
type Code string

// Policy failure codes.
const (
	CodeInvalid     Code = "password_invalid"      // not valid UTF-8
	CodeTooShort    Code = "password_too_short"    // fewer than MinLength characters
	CodeTooLong     Code = "password_too_long"     // more than MaxLength characters
	CodeCommon      Code = "password_common"       // in the common-password list
	CodeContextWord Code = "password_context_word" // contains the user's email, name or a site word
)

// PolicyError reports why a new password was rejected. Its Error text is
// plain English meant for the user; Code is for translation. It never
// contains the password.
type PolicyError struct {
	Code Code
	// Min and Max are the policy's length limits, for messages.
	Min, Max int
}

// Error returns an English sentence fit to show the user.
func (e *PolicyError) Error() string {
	switch e.Code {
	case CodeInvalid:
		return "Password contains invalid characters."
	case CodeTooShort:
		return fmt.Sprintf("Password must be at least %d characters long.", e.Min)
	case CodeTooLong:
		return fmt.Sprintf("Password must be at most %d characters long.", e.Max)
	case CodeCommon:
		return "This password is too common. Choose one that is harder to guess, such as a few random words."
	case CodeContextWord:
		return "Password must not contain your email address, your username or the name of this site."
	}
	return "Password is not allowed."
}

// normalize returns pw in NFC, or ok=false if pw is not valid UTF-8 or
// cannot fit maxRunes code points. The byte bound is checked first so
// that an oversized input is never normalised.
func normalize(pw string, maxRunes int) (string, bool) {
	// NFC composes up to three code points into one (Hangul jamo), each at
	// most 4 bytes of UTF-8: a longer input cannot fit maxRunes.
	if len(pw) > 4*3*maxRunes || !utf8.ValidString(pw) {
		return "", false
	}
	return norm.NFC.String(pw), true
}

// check applies the policy to an NFC-normalised password.
func (p *Policy) check(pw string, userInputs []string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < p.MinLength:
		return &PolicyError{Code: CodeTooShort, Min: p.MinLength, Max: p.MaxLength}
	case n > p.MaxLength:
		return &PolicyError{Code: CodeTooLong, Min: p.MinLength, Max: p.MaxLength}
	}
	folded := fold(pw)
	if containsContext(folded, userInputs, p.ContextWords) {
		return &PolicyError{Code: CodeContextWord, Min: p.MinLength, Max: p.MaxLength}
	}
	if !p.InsecureAllowCommonPasswords && isCommon(folded) {
		return &PolicyError{Code: CodeCommon, Min: p.MinLength, Max: p.MaxLength}
	}
	return nil
}

// fold lowercases NFC text for case-insensitive comparison.
func fold(s string) string {
	return strings.ToLower(norm.NFC.String(s))
}

// containsContext reports whether the folded password contains any user
// input (an email, its local part, a username) or context word.
func containsContext(pw string, userInputs, words []string) bool {
	for _, in := range userInputs {
		in = fold(strings.TrimSpace(in))
		if in == "" {
			continue
		}
		if pw == in {
			return true
		}
		candidates := [2]string{in}
		if local, _, ok := strings.Cut(in, "@"); ok {
			candidates[1] = local
		}
		for _, c := range candidates {
			if utf8.RuneCountInString(c) >= minContextWord && strings.Contains(pw, c) {
				return true
			}
		}
	}
	for _, w := range words {
		if strings.Contains(pw, w) {
			return true
		}
	}
	return false
}
