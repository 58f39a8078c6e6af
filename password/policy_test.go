package password

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestCommonListCanonical checks the embedded list is in the form the
// search needs: an entry out of order would make the bisection miss
// others, silently.
func TestCommonListCanonical(t *testing.T) {
	if !strings.HasSuffix(commonList, "\n") {
		t.Fatal("the list does not end with a newline")
	}
	entries := strings.Split(strings.TrimSuffix(commonList, "\n"), "\n")
	if n := len(entries); n < 3000 {
		t.Fatalf("common list has %d entries, want at least 3000", n)
	}
	for i, w := range entries {
		if w == "" || w != strings.TrimSpace(w) || !utf8.ValidString(w) {
			t.Fatalf("line %d (%q) is empty, padded or not UTF-8", i+1, w)
		}
		if w != fold(w) {
			t.Fatalf("entry %q is not folded", w)
		}
		if utf8.RuneCountInString(w) < DefaultMinLength {
			t.Fatalf("entry %q is shorter than the minimum length and can never match", w)
		}
		if i > 0 && entries[i-1] >= w {
			t.Fatalf("entries %q and %q are out of order or repeated", entries[i-1], w)
		}
	}
	// Every line of the embedded list is found, folded; so is no
	// neighbour of one (a prefix, an extension, the next string up).
	for l := range strings.SplitSeq(commonList, "\n") {
		l = fold(strings.TrimSpace(l))
		if l == "" {
			continue
		}
		if !isCommon(l) {
			t.Fatalf("list entry %q not found", l)
		}
		for _, near := range []string{l[:len(l)-1], l + "\x00", l + "z"} {
			if isCommon(near) && !slices.Contains(strings.Split(commonList, "\n"), near) {
				t.Fatalf("%q (near the entry %q) is reported common but is not in the list", near, l)
			}
		}
	}
	for _, w := range []string{"", "a", "\xff\xff\xff\xff\xff\xff\xff\xff", "quartz-otter-lantern-9"} {
		if isCommon(w) {
			t.Errorf("%q reported common", w)
		}
	}
}

// TestSortedLinesContain checks the bisection on small lists: the first,
// middle and last entries, neighbours of each, lists of one and no line,
// and a list without the final newline.
func TestSortedLinesContain(t *testing.T) {
	list := "aardvark1\nmiddle-word\npassw0rd\nzebra-stripes\n"
	for _, w := range []string{"aardvark1", "middle-word", "passw0rd", "zebra-stripes"} {
		if !sortedLinesContain(list, w) {
			t.Errorf("%q not found", w)
		}
		if !sortedLinesContain(strings.TrimSuffix(list, "\n"), w) {
			t.Errorf("%q not found without the final newline", w)
		}
	}
	for _, w := range []string{"Aardvark1", "aardvark", "aardvark10", "middle", "middle-word\npassw0rd", "zebra-stripes!", "", "0", "\n", "~"} {
		if sortedLinesContain(list, w) {
			t.Errorf("%q found", w)
		}
	}
	if !sortedLinesContain("only\n", "only") || sortedLinesContain("only\n", "") || sortedLinesContain("only\n", "onl") {
		t.Error("a list of one line")
	}
	if sortedLinesContain("", "") || sortedLinesContain("", "x") {
		t.Error("the empty list contains something")
	}
}

func TestPolicy(t *testing.T) {
	h := New(Config{Params: Params{Memory: 64, Iterations: 1}, InsecureWeakParams: true})
	decomposedE := "e\u0301" // NFD é: two code points, one after NFC
	tests := []struct {
		name   string
		pw     string
		inputs []string
		want   Code // "" = accepted
	}{
		// Length, counted in code points after NFC.
		{"empty", "", nil, CodeTooShort},
		{"7 characters", "xk3#vQz", nil, CodeTooShort},
		{"exactly 8 characters", "xk3#vQz9", nil, ""},
		{"exactly 64 characters", strings.Repeat("gH7!", 16), nil, ""},
		{"1000 characters", strings.Repeat("tq9Z", 250), nil, ""},
		{"exactly 1024 characters", strings.Repeat("tq9Z", 256), nil, ""},
		{"1025 characters is rejected, not truncated", strings.Repeat("tq9Z", 256) + "x", nil, CodeTooLong},
		{"one megabyte", strings.Repeat("a", 1<<20), nil, CodeTooLong},
		{"8 emoji (32 bytes, 8 characters)", "🔐🦊🌋🎻🧊🛶🪁🍋", nil, ""},
		{"7 emoji (28 bytes, 7 characters)", "🔐🦊🌋🎻🧊🛶🪁", nil, CodeTooShort},
		{"8 NFD characters (16 code points)", strings.Repeat(decomposedE, 7) + "z", nil, ""},
		{"7 NFD characters (14 code points) counted after NFC", strings.Repeat(decomposedE, 7), nil, CodeTooShort},
		{"spaces are characters", "a b c d e", nil, ""},
		{"passphrase without digits or symbols", "correct horse battery staple", nil, ""},
		{"all lowercase letters, no composition rules", "vqmzkxwjtr", nil, ""},
		{"invalid UTF-8", "abcdefgh\xff", nil, CodeInvalid},

		// Common passwords, ignoring case.
		{"common: password", "password", nil, CodeCommon},
		{"common: PASSWORD uppercase", "PASSWORD", nil, CodeCommon},
		{"common: Password1", "Password1", nil, CodeCommon},
		{"common: p@ssw0rd", "p@ssw0rd", nil, CodeCommon},
		{"common: qwertyuiop", "qwertyuiop", nil, CodeCommon},
		{"common: iloveyou", "ILoveYou", nil, CodeCommon},
		{"common: 123456789", "123456789", nil, CodeCommon},
		{"uncommon neighbour", "password-of-mine-42", nil, ""},

		// Context: the user's own identifiers and site words.
		{"equals the username", "alice.smith", []string{"alice.smith"}, CodeContextWord},
		{"contains the email", "xx-alice@example.com-xx", []string{"alice@example.com"}, CodeContextWord},
		{"contains the email's local part", "Alice.Smith2024!", []string{"alice.smith@example.com"}, CodeContextWord},
		{"contains the username, other case", "ILIKEBOBBYTABLES", []string{"BobbyTables"}, CodeContextWord},
		{"contains a site word", "my-rampart-login", nil, CodeContextWord},
		{"short user input is not looked for", "totally-fine-pass", []string{"al"}, ""},
		{"unrelated email", "blue-ocean-71", []string{"alice@example.com"}, ""},
		{"blank user input", "blue-ocean-71", []string{"  "}, ""},
	}
	h.policy.ContextWords = Policy{ContextWords: []string{"Rampart", "abc"}}.withDefaults().ContextWords
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Check(tt.pw, tt.inputs...)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check rejected: %v", err)
				}
				return
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("Check = %v, want *PolicyError %s", err, tt.want)
			}
			if pe.Code != tt.want {
				t.Fatalf("code = %s, want %s", pe.Code, tt.want)
			}
			msg := pe.Error()
			if msg == "" || !strings.HasSuffix(msg, ".") {
				t.Errorf("message %q is not a sentence", msg)
			}
		})
	}
}

func TestPolicyMessages(t *testing.T) {
	for code, want := range map[Code]string{
		CodeTooShort:    "Password must be at least 15 characters long.",
		CodeTooLong:     "Password must be at most 128 characters long.",
		CodeCommon:      "This password is too common. Choose one that is harder to guess, such as a few random words.",
		CodeContextWord: "Password must not contain your email address, your username or the name of this site.",
		CodeInvalid:     "Password contains invalid characters.",
	} {
		if got := (&PolicyError{Code: code, Min: 15, Max: 128}).Error(); got != want {
			t.Errorf("%s: %q, want %q", code, got, want)
		}
	}
}

func TestPolicyConfigured(t *testing.T) {
	h := New(Config{
		Params:             Params{Memory: 64, Iterations: 1},
		InsecureWeakParams: true,
		Policy:             Policy{MinLength: 15, MaxLength: 64, InsecureAllowCommonPasswords: true},
	})
	if p := h.Policy(); p.MinLength != 15 || p.MaxLength != 64 {
		t.Errorf("Policy() = %+v", p)
	}
	if p := New(Config{}).Policy(); p.MinLength != DefaultMinLength || p.MaxLength != DefaultMaxLength || p.InsecureAllowCommonPasswords {
		t.Errorf("default Policy() = %+v", p)
	}
	var pe *PolicyError
	if err := h.Check("fourteen chars"); !errors.As(err, &pe) || pe.Code != CodeTooShort || pe.Min != 15 {
		t.Errorf("14 characters with MinLength 15: %v", err)
	}
	if err := h.Check("fifteen chars!!"); err != nil {
		t.Errorf("15 characters: %v", err)
	}
	if err := h.Check(strings.Repeat("x", 65)); !errors.As(err, &pe) || pe.Code != CodeTooLong {
		t.Errorf("65 characters with MaxLength 64: %v", err)
	}
	if err := h.Check("123456789012345"); err != nil {
		t.Errorf("common list disabled, still rejected: %v", err)
	}
}

func TestNormalizeNFCandNFDEqual(t *testing.T) {
	nfc := norm.NFC.String("Ünïcödé façade ñandú")
	nfd := norm.NFD.String(nfc)
	if nfc == nfd {
		t.Fatal("test strings are identical; pick characters that decompose")
	}
	a, _ := normalize(nfc, DefaultMaxLength)
	b, _ := normalize(nfd, DefaultMaxLength)
	if a != b {
		t.Fatalf("NFC and NFD normalise differently: %q vs %q", a, b)
	}
}
