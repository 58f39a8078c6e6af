package sanitize

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Text normalises plain text a user submitted:
//
//   - invalid UTF-8 is replaced by U+FFFD;
//   - line breaks (\r\n, \r, U+2028, U+2029, U+0085) become \n;
//   - control characters other than \n and \t are removed (NUL, escape
//     sequences that would drive a terminal reading the logs, DEL, C1);
//   - the result is in Unicode Normalization Form C, so that visually equal
//     strings compare equal (https://unicode.org/reports/tr15/);
//   - leading and trailing white space is trimmed.
//
// Text does not touch markup: "<b>" stays "<b>" and html/template escapes
// it on output. Text(Text(s)) == Text(s).
func Text(s string) string {
	return clean(s, false)
}

// Line is [Text] for single-line fields (a title, a name): every line
// break and tab becomes a space and runs of spaces collapse into one.
func Line(s string) string {
	return clean(s, true)
}

func clean(s string, oneLine bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	lastSpace := false
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\r':
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			r = '\n'
		case r == '\u2028', r == '\u2029', r == '\u0085':
			r = '\n'
		}
		if oneLine && (r == '\n' || r == '\t' || unicode.IsSpace(r)) {
			if !lastSpace {
				b.WriteByte(' ')
			}
			lastSpace = true
			continue
		}
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			continue
		}
		lastSpace = false
		b.WriteRune(r)
	}
	out := norm.NFC.String(b.String())
	return strings.TrimFunc(out, unicode.IsSpace)
}
