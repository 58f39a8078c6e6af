package sanitize

import (
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// allowedElements lists the elements [NewPolicy] keeps. Every other element
// is removed.
var allowedElements = []string{
	"p", "br", "hr",
	"strong", "em", "b", "i", "u", "s", "del", "ins", "sub", "sup",
	"ul", "ol", "li",
	"blockquote", "code", "pre",
	"h1", "h2", "h3", "h4", "h5", "h6",
	"a",
}

// AllowedElements returns the elements the default policy keeps, for
// documentation and for tests that check the output. The slice is a copy.
func AllowedElements() []string {
	return append([]string(nil), allowedElements...)
}

// AllowedURLSchemes returns the URL schemes the default policy keeps in
// href attributes. The slice is a copy.
func AllowedURLSchemes() []string {
	return []string{"http", "https", "mailto"}
}

// NewPolicy returns a new bluemonday policy for user-written HTML, as
// described in the package documentation. Each call returns a fresh
// policy, so a caller may extend it (for example AllowAttrs("class") on
// code for syntax highlighting) without affecting [HTML]. Building a
// policy is not cheap: build it once and reuse it; a built policy is safe
// for concurrent use by multiple goroutines.
func NewPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements(allowedElements...)
	p.AllowAttrs("href").OnElements("a")

	// Only absolute URLs with these schemes survive. Relative URLs are
	// refused too: user content has no business linking into our own
	// paths, and refusing them keeps "//evil.example" style ambiguity out.
	p.AllowURLSchemes(AllowedURLSchemes()...)
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)

	// rel="nofollow noreferrer noopener" and target="_blank" on every link
	// to another site: see the package documentation.
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)

	// Drop the text inside these elements rather than keeping it as
	// text: their content is code or markup, never prose.
	p.SkipElementsContent("script", "style", "iframe", "object", "embed",
		"svg", "math", "template", "noscript", "noembed", "noframes",
		"textarea", "select", "option", "title", "xmp", "plaintext")
	return p
}

var defaultPolicy = sync.OnceValue(NewPolicy)

// HTML returns s with every element, attribute and URL that the default
// policy ([NewPolicy]) does not allow removed. The result is safe to
// render as HTML. It is safe for concurrent use.
func HTML(s string) string {
	return defaultPolicy().Sanitize(s)
}
