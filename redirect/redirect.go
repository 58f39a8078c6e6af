// Package redirect decides whether a user-supplied redirect target, such as
// the "next" parameter of a login form, is a safe local path.
//
// Use [SafeNext] before redirecting to a value that came from a request:
//
//	next, ok := redirect.SafeNext(r.FormValue("next"))
//	if !ok {
//		next = "/"
//	}
//	http.Redirect(w, r, next, http.StatusSeeOther)
//
// # Why so strict
//
// A redirect target is safe only if every browser resolves it to a path on
// the same origin. Checking that a value "is relative" with a URL parser is
// not enough, because browsers follow the WHATWG URL standard
// (https://url.spec.whatwg.org/), which is more forgiving than RFC 3986
// parsers: it treats "\" as "/" in http(s) URLs, removes tabs and newlines
// anywhere, and strips leading spaces and control characters. So
// "/\evil.example", "\/evil.example" and "/<TAB>/evil.example" are relative
// paths to Python's urllib and Go's net/url, yet take the browser to
// evil.example. Those are the payloads behind CVE-2021-32618 and
// CVE-2023-49438 in Flask-Security
// (https://github.com/pallets-eco/flask-security/issues/486, #893).
//
// Rather than list bad patterns, SafeNext accepts only a narrow shape and
// fails closed on anything else:
//
//   - 1 to [MaxLength] bytes of printable ASCII (0x21–0x7E): no spaces,
//     tabs, newlines or other control characters, no non-ASCII characters
//     (look-alike slashes such as U+FF0F are normalised to "/" by some
//     software); a path with other characters must be percent-encoded;
//   - no backslash anywhere, raw or percent-encoded (%5C);
//   - starts with exactly one "/": no scheme ("https:evil", "javascript:"),
//     no "//host" and so no userinfo or host at all;
//   - the path holds no empty segment ("//") and no dot segment ("." or
//     ".."), which normalisation could turn into a leading "//";
//   - the same holds after percent-decoding, up to three times, so that a
//     later decoding step (a proxy, a framework, an app that decodes and
//     redirects again) cannot produce "//evil" from "/%2F%2Fevil" or a
//     control character from "%09"; a value still encoded after three
//     rounds is rejected;
//   - percent-encoding is well formed.
//
// See also the OWASP Unvalidated Redirects and Forwards Cheat Sheet:
// https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html
package redirect

import (
	"net/url"
	"strings"
)

// MaxLength is the longest accepted target, in bytes. Longer values are
// rejected rather than cut: a truncated URL is a different URL.
const MaxLength = 2048

// maxDecodeRounds is how many layers of percent-encoding are inspected.
const maxDecodeRounds = 3

// SafeNext reports whether next is a local path (with optional query and
// fragment) that every browser resolves to the current origin, such as
// "/notes/42?tab=edit". If it is, SafeNext returns next unchanged and true;
// otherwise it returns "" and false, and the caller should use a fixed
// default such as "/". It is safe for concurrent use.
func SafeNext(next string) (string, bool) {
	if len(next) == 0 || len(next) > MaxLength {
		return "", false
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x21 || c > 0x7e || c == '\\' {
			return "", false
		}
	}
	layer := next
	for round := 0; ; round++ {
		if !safeLayer(layer) {
			return "", false
		}
		if !strings.Contains(layer, "%") {
			break
		}
		decoded, err := url.PathUnescape(layer)
		if err != nil {
			if round == 0 {
				return "", false // malformed percent-encoding in the value itself
			}
			break // a literal "%" that was encoded as %25: data, not a layer
		}
		if decoded == layer {
			break
		}
		if round == maxDecodeRounds {
			return "", false
		}
		layer = decoded
	}
	// Defence in depth: net/url must agree that there is no scheme, host or
	// userinfo. The checks above already imply it.
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	return next, true
}

// safeLayer checks one raw or decoded form of the target.
func safeLayer(s string) bool {
	if len(s) == 0 || s[0] != '/' || (len(s) > 1 && s[1] == '/') {
		return false
	}
	for i := 0; i < len(s); i++ {
		// Decoded layers may hold spaces ("/my%20notes"); never control
		// characters, DEL or backslashes.
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	path := s
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if len(path) > 1 && strings.HasSuffix(path, "/") {
		path = path[:len(path)-1] // one trailing slash is an ordinary directory path
	}
	if path == "/" {
		return true
	}
	// path starts with "/"; walk the segments after it.
	for rest := path[1:]; ; {
		seg, tail, more := strings.Cut(rest, "/")
		if seg == "" {
			return false // "//" inside the path
		}
		if isDotSegment(seg) {
			return false
		}
		if !more {
			return true
		}
		rest = tail
	}
}

// isDotSegment reports whether seg is "." or "..", also in the
// percent-encoded spellings browsers recognise (%2e, any case).
func isDotSegment(seg string) bool {
	if len(seg) > 6 {
		return false
	}
	switch strings.ToLower(seg) {
	case ".", "..", "%2e", "%2e%2e", ".%2e", "%2e.":
		return true
	}
	return false
}
