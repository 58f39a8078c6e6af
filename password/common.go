package password

import (
	_ "embed"
	"slices"
	"sort"
	"strings"
	"sync"
)

// commonList is the embedded list of common passwords; see
// common_passwords.md for its source, licence and how it was built.
//
//go:embed common_passwords.txt
var commonList string

// commonIndex is the common-password list, folded, sorted and without
// duplicates, as one string and the end offset of each entry in it. It
// is searched by bisection. A map of the ~9,500 entries would hold some
// 430 KiB of pointers that every garbage collection of the program has
// to scan; these two blocks hold none, so the collector skips them.
type commonIndex struct {
	blob string
	ends []uint32
}

// entry returns the i-th entry.
func (c *commonIndex) entry(i int) string {
	var start uint32
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.blob[start:c.ends[i]]
}

// contains reports whether folded is an entry.
func (c *commonIndex) contains(folded string) bool {
	_, found := sort.Find(len(c.ends), func(i int) int { return strings.Compare(folded, c.entry(i)) })
	return found
}

// commonSet is built on first use, so programs that import the package
// but never check a new password pay nothing. It is read-only once built.
var commonSet = sync.OnceValue(func() *commonIndex { return newCommonIndex(commonList) })

// newCommonIndex builds the index of list, one password per line.
func newCommonIndex(list string) *commonIndex {
	var words []string
	for l := range strings.SplitSeq(list, "\n") {
		if l = fold(strings.TrimSpace(l)); l != "" {
			words = append(words, l)
		}
	}
	slices.Sort(words)
	words = slices.Compact(words)
	var b strings.Builder
	ends := make([]uint32, len(words))
	for i, w := range words {
		b.WriteString(w)
		ends[i] = uint32(b.Len())
	}
	return &commonIndex{blob: b.String(), ends: ends}
}

// isCommon reports whether the folded password is in the common list.
func isCommon(folded string) bool { return commonSet().contains(folded) }
