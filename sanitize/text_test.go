package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "hello", "hello"},
		{"trim", "  hi \n\t", "hi"},
		{"crlf to lf", "a\r\nb\rc", "a\nb\nc"},
		{"unicode line separators", "a\u2028b\u2029c\u0085d", "a\nb\nc\nd"},
		{"tab kept", "a\tb", "a\tb"},
		{"NFC composes", "e\u0301", "\u00e9"},
		{"markup untouched", "<b>x</b>", "<b>x</b>"},
		{"attack: NUL removed", "ad\x00min", "admin"},
		{"attack: terminal escape removed", "ok\x1b[2J\x1b]0;pwned\x07", "ok[2J]0;pwned"},
		{"attack: DEL and C1 removed", "a\x7fb\u009bc", "abc"},
		{"attack: invalid UTF-8 replaced", "a\xffb", "a\uFFFDb"},
		{"attack: only controls", "\x00\x01\x02", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLine(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "My note", "My note"},
		{"newlines fold", "a\r\nb\n\nc", "a b c"},
		{"tabs and spaces collapse", "a \t  b", "a b"},
		{"trim", "\n a \n", "a"},
		{"attack: header injection", "x\r\nSet-Cookie: a=b", "x Set-Cookie: a=b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.in); got != tt.want {
				t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFilename(t *testing.T) {
	long := strings.Repeat("é", 200) + ".pdf"
	tests := []struct{ name, in, want string }{
		{"plain", "report.pdf", "report.pdf"},
		{"spaces kept", "my report.pdf", "my report.pdf"},
		{"unicode kept and NFC", "re\u0301sume\u0301.txt", "résumé.txt"},
		{"empty", "", "file"},
		{"attack: unix traversal", "../../etc/passwd", "passwd"},
		{"attack: windows traversal", `..\..\windows\win.ini`, "win.ini"},
		{"attack: dot dot", "..", "file"},
		{"attack: dot", ".", "file"},
		{"attack: hidden file", ".htaccess", "htaccess"},
		{"attack: trailing dots and spaces", "evil.php. . ", "evil.php"},
		{"attack: reserved characters", `a<b>c:d"e|f?g*h.txt`, "a_b_c_d_e_f_g_h.txt"},
		{"attack: NUL truncation", "shell.php\x00.jpg", "shell.php.jpg"},
		{"attack: newline", "a\nb.txt", "a b.txt"},
		{"attack: RTL override", "invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"attack: zero width", "ad\u200Bmin.txt", "admin.txt"},
		{"attack: device name", "CON", "_CON"},
		{"attack: device name with extension", "nul.txt", "_nul.txt"},
		{"attack: device name COM1", "com1.log", "_com1.log"},
		{"attack: superscript COM", "COM\u00b9", "_COM\u00b9"},
		{"not a device name", "console.txt", "console.txt"},
		{"attack: only separators", "///", "file"},
		{"attack: trailing slash", "dir/", "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Filename(tt.in); got != tt.want {
				t.Errorf("Filename(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	t.Run("attack: overlong name keeps extension", func(t *testing.T) {
		got := Filename(long)
		if len(got) > MaxFilenameBytes || !strings.HasSuffix(got, ".pdf") || !utf8.ValidString(got) {
			t.Errorf("Filename(long) = %q (%d bytes)", got, len(got))
		}
	})
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"hello", " a\r\nb ", "e\u0301", "\x00\x1b[31m", "a\xffb", "\u2028x\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for name, fn := range map[string]func(string) string{"Text": Text, "Line": Line} {
			out := fn(in)
			if !utf8.ValidString(out) || !norm.NFC.IsNormalString(out) {
				t.Fatalf("%s(%q) = %q: not valid NFC UTF-8", name, in, out)
			}
			for _, r := range out {
				if r == '\r' || (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) {
					t.Fatalf("%s(%q) = %q: control character %U", name, in, out, r)
				}
				if name == "Line" && (r == '\n' || r == '\t') {
					t.Fatalf("Line(%q) = %q: line break", in, out)
				}
			}
			if again := fn(out); again != out {
				t.Fatalf("%s not idempotent: %q -> %q -> %q", name, in, out, again)
			}
		}
	})
}

func FuzzFilename(f *testing.F) {
	for _, s := range []string{"report.pdf", "../../etc/passwd", `..\x`, "CON.txt", ".", "a\u202Eb", strings.Repeat("a", 300) + ".txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Filename(in)
		if out == "" || len(out) > MaxFilenameBytes || !utf8.ValidString(out) {
			t.Fatalf("Filename(%q) = %q", in, out)
		}
		if strings.ContainsAny(out, "/\\<>:\"|?*\x00") || strings.HasPrefix(out, ".") ||
			strings.HasSuffix(out, ".") || strings.HasSuffix(out, " ") || out == ".." {
			t.Fatalf("Filename(%q) = %q: unsafe", in, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("Filename(%q) = %q: control character", in, out)
			}
		}
		if isWindowsReserved(out) {
			t.Fatalf("Filename(%q) = %q: Windows device name", in, out)
		}
		if again := Filename(out); again != out {
			t.Fatalf("Filename not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}

func BenchmarkText(b *testing.B) {
	in := "  A note title with e\u0301 and\r\nsome lines\x00 of text.  "
	b.ReportAllocs()
	for b.Loop() {
		Text(in)
	}
}
