package redirect

import (
	"net/url"
	"strings"
	"testing"
)

var cases = []struct {
	name string
	next string
	safe bool
}{
	// Ordinary targets.
	{"root", "/", true},
	{"page", "/protected", true},
	{"nested path", "/notes/42/edit", true},
	{"trailing slash", "/notes/", true},
	{"query", "/notes?page=2&sort=title", true},
	{"fragment", "/notes#top", true},
	{"encoded space", "/notes/my%20note", true},
	{"encoded unicode", "/caf%C3%A9", true},
	{"colon in path", "/time/12:30", true},
	{"at sign in path", "/users/@alice", true},
	{"slashes in query", "/search?q=a/b//c", true},
	{"encoded slash in query value", "/search?q=a%2Fb", true},
	{"literal percent encoded once", "/discount/50%25", true},
	{"dots inside a segment", "/files/report.v2..final", true},

	// CVE-2021-32618 (Flask-Security): backslashes browsers read as slashes.
	{"triple backslash", `\\\evil.example`, false},
	{"double backslash", `\\evil.example`, false},
	{"single backslash", `\evil.example`, false},
	// CVE-2023-49438 (Flask-Security-Too).
	{"slash backslash", `/\evil.example`, false},
	{"backslash slash", `\/evil.example`, false},
	{"backslash later in path", `/notes\..\..\evil`, false},
	{"backslash in query", `/search?q=\evil`, false},

	// Protocol-relative and extra slashes.
	{"protocol relative", "//evil.example", false},
	{"triple slash", "///evil.example", false},
	{"quadruple slash", "////evil.example", false},
	{"protocol relative with userinfo", "//user:pass@evil.example", false},
	{"double slash inside path", "/notes//evil.example", false},

	// Schemes and absolute URLs.
	{"absolute https", "https://evil.example/", false},
	{"absolute same host", "https://example.com/notes", false},
	{"scheme without slashes", "https:evil.example", false},
	{"scheme with one slash", "https:/evil.example", false},
	{"javascript", "javascript:alert(1)", false},
	{"javascript mixed case", "JaVaScRiPt:alert(document.domain)", false},
	{"data url", "data:text/html,<script>alert(1)</script>", false},
	{"userinfo trick", "https://example.com@evil.example/", false},
	{"userinfo without scheme", "example.com@evil.example", false},
	{"relative without slash", "notes", false},
	{"host-like relative", "evil.example", false},

	// Whitespace and control characters, raw.
	{"empty", "", false},
	{"leading space", " /notes", false},
	{"leading space before slashes", " //evil.example", false},
	{"tab between slashes", "/\t/evil.example", false},
	{"newline between slashes", "/\n/evil.example", false},
	{"carriage return", "/\r/evil.example", false},
	{"trailing newline", "/notes\n", false},
	{"NUL", "/notes\x00", false},
	{"DEL", "/notes\x7f", false},
	{"space in path", "/my notes", false},

	// Encoded variants.
	{"encoded tab", "/%09/evil.example", false},
	{"encoded newline", "/%0a/evil.example", false},
	{"encoded carriage return", "/%0D/evil.example", false},
	{"encoded NUL", "/notes%00", false},
	{"encoded leading slashes", "%2F%2Fevil.example", false},
	{"encoded slashes after slash", "/%2f%2fevil.example", false},
	{"encoded slash after slash", "/%2Fevil.example", false},
	{"encoded backslash", "/%5cevil.example", false},
	{"encoded backslash uppercase", "/%5Cevil.example", false},
	{"encoded double slash inside path", "/notes/%2F%2Fevil", false},
	{"double-encoded slashes", "/%252f%252fevil.example", false},
	{"double-encoded backslash", "/%255cevil.example", false},
	{"triple-encoded slashes", "/%25252f%25252fevil.example", false},
	{"quadruple encoding", "/%2525252fevil", false},
	{"encoded scheme colon", "https%3A%2F%2Fevil.example", false},
	{"malformed percent", "/notes%zz", false},
	{"truncated percent", "/notes%2", false},

	// Path normalisation.
	{"dot segment", "/./evil", false},
	{"dot-dot segment", "/notes/../admin", false},
	{"dot then slashes", "/.//evil.example", false},
	{"encoded dot-dot", "/notes/%2e%2e/admin", false},
	{"mixed encoded dot-dot", "/notes/.%2E/admin", false},
	{"trailing dot-dot", "/notes/..", false},

	// Non-ASCII.
	{"fullwidth solidus", "/\uff0f/evil.example", false},
	{"unicode slash look-alike", "/\u2215evil.example", false},
	{"non-breaking space", "/\u00a0/evil.example", false},
	{"raw unicode", "/café", false},
	{"invalid UTF-8", "/\xff", false},

	// Size.
	{"too long", "/" + strings.Repeat("a", MaxLength), false},
	{"exactly max length", "/" + strings.Repeat("a", MaxLength-1), true},
}

func TestSafeNext(t *testing.T) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := SafeNext(tt.next)
			if ok != tt.safe {
				t.Fatalf("SafeNext(%q) ok = %v, want %v", tt.next, ok, tt.safe)
			}
			if ok && got != tt.next {
				t.Fatalf("SafeNext(%q) = %q, want it unchanged", tt.next, got)
			}
			if !ok && got != "" {
				t.Fatalf("SafeNext(%q) = %q on rejection, want \"\"", tt.next, got)
			}
			if ok {
				checkStaysLocal(t, got)
			}
		})
	}
}

// checkStaysLocal asserts the package's invariant for an accepted target:
// resolved against https://example.com/ — the way net/url and, for the
// characters SafeNext lets through, browsers do — it stays on example.com,
// its path starts with "/" and it holds no backslash, raw or decoded.
func checkStaysLocal(t *testing.T, next string) {
	t.Helper()
	base, _ := url.Parse("https://example.com/login")
	ref, err := url.Parse(next)
	if err != nil {
		t.Fatalf("accepted %q that net/url cannot parse: %v", next, err)
	}
	u := base.ResolveReference(ref)
	if u.Scheme != "https" || u.Host != "example.com" || u.User != nil {
		t.Fatalf("accepted %q resolves off-site to %q", next, u)
	}
	if !strings.HasPrefix(u.EscapedPath(), "/") || strings.HasPrefix(u.EscapedPath(), "//") {
		t.Fatalf("accepted %q resolves to path %q", next, u.EscapedPath())
	}
	if strings.Contains(u.String(), `\`) || strings.Contains(u.Path, `\`) {
		t.Fatalf("accepted %q contains a backslash", next)
	}
	// What a browser would do first: strip tabs and newlines, read "\" as
	// "/". Accepted values must be unchanged by it.
	browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(next)
	if browser != next || strings.TrimLeft(next, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ") != next {
		t.Fatalf("accepted %q changes under browser URL clean-up", next)
	}
	// Decoding once more must not produce a protocol-relative or backslash
	// path either.
	if dec, err := url.PathUnescape(next); err == nil {
		if strings.HasPrefix(dec, "//") || strings.Contains(dec, `\`) {
			t.Fatalf("accepted %q decodes to %q", next, dec)
		}
	}
	// Idempotent.
	if again, ok := SafeNext(next); !ok || again != next {
		t.Fatalf("SafeNext(SafeNext(%q)) = %q, %v", next, again, ok)
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, tt := range cases {
		f.Add(tt.next)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got, ok := SafeNext(next)
		if !ok {
			if got != "" {
				t.Fatalf("rejected %q but returned %q", next, got)
			}
			return
		}
		if got != next {
			t.Fatalf("accepted %q but returned %q", next, got)
		}
		checkStaysLocal(t, got)
	})
}
