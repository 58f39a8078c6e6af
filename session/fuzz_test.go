package session

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

func FuzzParseToken(f *testing.F) {
	tok := newToken()
	f.Add(tok.String())
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB") // non-canonical
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Add("+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/8")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		tok, ok := parseToken(s)
		if !ok {
			return
		}
		// Exactly one spelling per token.
		if got := tok.String(); got != s {
			t.Fatalf("parseToken(%q) re-encodes as %q", s, got)
		}
		h := http.Header{"Cookie": {"a=b; __Host-session=" + s + "; c=d"}}
		if v, ok := cookieValue(h, "__Host-session="); !ok || v != s {
			t.Fatalf("cookieValue = %q, %v", v, ok)
		}
	})
}

func FuzzCookieValue(f *testing.F) {
	f.Add("__Host-session=abc")
	f.Add(`a=b; __Host-session="abc"; c`)
	f.Add(";;; =; __Host-session")
	f.Fuzz(func(t *testing.T, line string) {
		v, ok := cookieValue(http.Header{"Cookie": {line}}, "__Host-session=")
		if ok && (len(v) > len(line) || strings.Contains(v, ";")) {
			t.Fatalf("value %q from %q", v, line)
		}
		// What net/http finds as a valid token, we find too.
		r := &http.Request{Header: http.Header{"Cookie": {line}}}
		if c, err := r.Cookie("__Host-session"); err == nil && c.Value != "" && c.Value == v {
			if !ok {
				t.Fatalf("missed %q", c.Value)
			}
		}
		if _, ok := parseToken(v); ok && len(v) != tokenLen {
			t.Fatal("accepted a token of the wrong length")
		}
	})
}

func FuzzDecodeValues(f *testing.F) {
	f.Add(EncodeValues(nil))
	f.Add(EncodeValues(map[string]any{
		"s": "x", "i": int64(-5), "t": time.Date(2026, 1, 1, 0, 0, 0, 1, time.UTC),
		"b": []byte{1}, "y": true, "n": false, "z": time.Time{}.UTC(),
	}))
	f.Add([]byte{1, 1, 1, 'k', 'Q'})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		vals, err := DecodeValues(b)
		if err != nil {
			return
		}
		// What decodes re-encodes to the same bytes.
		if again := EncodeValues(vals); !bytes.Equal(again, b) {
			t.Fatalf("re-encoding %x gives %x", b, again)
		}
	})
}
