package password

import (
	_ "embed"
	"strings"
	"sync"
)

// commonList is the embedded list of common passwords; see
// common_passwords.md for its source, licence and how it was built.
//
//go:embed common_passwords.txt
var commonList string

// commonSet is built on first use (about 10k entries, a few hundred KiB) so
// programs that import the package but never check a new password pay
// nothing. It is read-only once built.
var commonSet = sync.OnceValue(func() map[string]struct{} {
	lines := strings.Split(commonList, "\n")
	set := make(map[string]struct{}, len(lines))
	for _, l := range lines {
		if l = fold(strings.TrimSpace(l)); l != "" {
			set[l] = struct{}{}
		}
	}
	return set
})

// isCommon reports whether the folded password is in the common list.
func isCommon(folded string) bool {
	_, ok := commonSet()[folded]
	return ok
}
