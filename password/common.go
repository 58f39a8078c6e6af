package password

import (
	_ "embed"
	"strings"
)

// commonList is the embedded list of common passwords; see
// common_passwords.md for its source, licence and how it was built. It is
// folded, sorted in byte order, without duplicates, one entry per line
// with a final newline (TestCommonListCanonical checks all of that), so it
// is searched where it lies, in the binary's read-only data: no index is
// built and nothing of it is on the heap for the collector to account for.
//
//go:embed common_passwords.txt
var commonList string

// sortedLinesContain reports whether w is a line of list, which holds
// lines sorted in byte order, each ending in '\n'. It bisects on byte
// offsets: each probe backs up to the start of the line it lands in.
func sortedLinesContain(list, w string) bool {
	lo, hi := 0, len(list) // both at line starts
	for lo < hi {
		mid := lo + (hi-lo)/2
		start := lo + strings.LastIndexByte(list[lo:mid], '\n') + 1
		end := strings.IndexByte(list[start:hi], '\n')
		if end < 0 { // no final newline: the rest is one line
			end = hi - start
		}
		end += start
		switch c := strings.Compare(w, list[start:end]); {
		case c == 0:
			return true
		case c < 0:
			hi = start
		default:
			lo = end + 1
		}
	}
	return false
}

// isCommon reports whether the folded password is in the common list.
func isCommon(folded string) bool { return sortedLinesContain(commonList, folded) }
