package redirect_test

import (
	"fmt"

	"github.com/rampartgo/rampart/redirect"
)

func ExampleSafeNext() {
	for _, next := range []string{
		"/notes/42?tab=edit",  // an ordinary local path
		`/\evil.example`,      // CVE-2023-49438: browsers read "\" as "/"
		"//evil.example",      // protocol-relative URL
		"https:evil.example",  // scheme without slashes
		"/%09/evil.example",   // tab, removed by browsers, percent-encoded
		"/%2f%2fevil.example", // slashes that a later decode would expose
	} {
		target, ok := redirect.SafeNext(next)
		if !ok {
			target = "/" // fixed fallback
		}
		fmt.Printf("%-22q -> %s\n", next, target)
	}
	// Output:
	// "/notes/42?tab=edit"   -> /notes/42?tab=edit
	// "/\\evil.example"      -> /
	// "//evil.example"       -> /
	// "https:evil.example"   -> /
	// "/%09/evil.example"    -> /
	// "/%2f%2fevil.example"  -> /
}
