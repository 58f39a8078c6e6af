package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxFilenameBytes bounds the length of a name returned by [Filename]:
// 255 bytes is the limit of ext4, XFS, APFS and (in UTF-16 units) NTFS.
const MaxFilenameBytes = 255

// FallbackFilename is what [Filename] returns when nothing usable is left.
const FallbackFilename = "file"

// Filename turns a client-supplied file name into a safe base name for
// display or for a Content-Disposition header. It:
//
//   - keeps only the last path element (both / and \ separate);
//   - applies [Line] rules (NFC, no control characters) and also removes
//     Unicode format characters, so a right-to-left override cannot make
//     "invoice\u202Efdp.exe" look like a PDF;
//   - replaces the characters Windows reserves (<>:"/\|?*) with '_';
//   - removes leading dots and spaces (no hidden files, no ".." or "."),
//     and trailing dots and spaces (Windows drops them);
//   - prefixes '_' to Windows device names (CON, PRN, AUX, NUL, COM1–COM9,
//     LPT1–LPT9, with or without an extension);
//   - shortens the name to [MaxFilenameBytes], keeping the extension;
//   - returns [FallbackFilename] when nothing is left.
//
// Prefer not to store files under any client-chosen name at all: generate
// one (see form.File.SafeName) and keep this name only as a label.
func Filename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = Line(name)
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		switch {
		case unicode.Is(unicode.Cf, r):
			continue
		case strings.ContainsRune(`<>:"/\|?*`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	name = norm.NFC.String(b.String())
	name = strings.TrimLeft(name, ". ")
	name = strings.TrimRight(name, ". ")
	if name == "" {
		return FallbackFilename
	}
	if isWindowsReserved(name) {
		name = "_" + name
	}
	name = truncateName(name, MaxFilenameBytes)
	name = strings.TrimRight(name, ". ")
	if name == "" {
		return FallbackFilename
	}
	return name
}

// isWindowsReserved reports whether the part before the first dot is a
// DOS device name. Windows also ignores trailing spaces there ("CON .txt").
// https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file
func isWindowsReserved(name string) bool {
	stem, _, _ := strings.Cut(name, ".")
	stem = strings.TrimRight(stem, " ")
	switch strings.ToUpper(stem) {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) >= 4 && len(stem) <= 5 {
		up := strings.ToUpper(stem)
		if strings.HasPrefix(up, "COM") || strings.HasPrefix(up, "LPT") {
			d := []rune(up[3:])
			if len(d) == 1 && (d[0] >= '0' && d[0] <= '9' || d[0] == '¹' || d[0] == '²' || d[0] == '³') {
				return true
			}
		}
	}
	return false
}

// truncateName cuts name to at most max bytes on a rune boundary, keeping
// a short extension when there is one.
func truncateName(name string, max int) string {
	if len(name) <= max {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
		ext = name[i:]
		name = name[:i]
	}
	limit := max - len(ext)
	for limit > 0 && !utf8.RuneStart(name[limit]) {
		limit--
	}
	return name[:limit] + ext
}
