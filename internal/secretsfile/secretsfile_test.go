package secretsfile

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

func readDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test vectors in testdata/%s", dir)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

func TestParseValidVectors(t *testing.T) {
	want := map[string]map[string]string{
		"empty.txt":            {},
		"canonical.txt":        {"DATABASE_PASSWORD": "pw", "SECRET_KEY": "k"},
		"compact_unsorted.txt": {"A": "1", "b": "2"},
		"escapes.txt": {
			"TLS_KEY": "-----BEGIN KEY-----\nabc\n-----END KEY-----\n",
			"U":       "päss \t \"q\" \\ </script>",
		},
	}
	for name, b := range readDir(t, "valid") {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if w, ok := want[name]; !ok || !maps.Equal(m, w) {
				t.Fatalf("Parse = %q, want %q", m, w)
			}
			again, err := Parse(Encode(m))
			if err != nil || !maps.Equal(again, m) {
				t.Fatalf("round trip: %q, %v", again, err)
			}
		})
	}
	if got := string(Encode(want["canonical.txt"])); got != string(readDir(t, "valid")["canonical.txt"]) {
		t.Errorf("Encode is not canonical:\n%s", got)
	}
}

func TestParseInvalidVectors(t *testing.T) {
	for name, b := range readDir(t, "invalid") {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(b)
			if err == nil {
				t.Fatalf("accepted: %q", m)
			}
			if _, ok := errors.AsType[*SyntaxError](err); !ok {
				t.Fatalf("err %T, want *SyntaxError", err)
			}
		})
	}
}

func TestParseErrorsHideValues(t *testing.T) {
	const v = "hunter2-value"
	tests := []struct {
		name, in string
		line     int
	}{
		{"bad escape in value", "{\n\"A\": \"" + v + "\\q\"\n}", 2},
		{"unterminated value", "{\"A\": \"" + v, 1},
		{"value in name position", "{\n\n\"" + v + "=x\": \"y\"}", 3},
		{"control character", "{\"A\": \"" + v + "\x01\"}", 1},
		{"bare word", "{\"A\": " + v + "}", 1},
		{"duplicate", "{\n\"A\": \"" + v + "\",\n\"A\": \"" + v + "\"\n}", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJSON([]byte(tt.in))
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "'h'") {
				t.Errorf("error leaks: %v", err)
			}
			se, _ := errors.AsType[*SyntaxError](err)
			if se == nil || se.Line != tt.line {
				t.Errorf("err = %v, want line %d", err, tt.line)
			}
		})
	}
	// Parse counts the header line.
	_, err := Parse([]byte(Header + "{\n\"A\": 1}"))
	if se, _ := errors.AsType[*SyntaxError](err); se == nil || se.Line != 3 {
		t.Errorf("Parse line = %v", err)
	}
}

func TestParseLimits(t *testing.T) {
	big := Header + `{"A":"` + strings.Repeat("x", MaxPlaintext) + `"}`
	if _, err := Parse([]byte(big)); err == nil {
		t.Error("oversized plaintext accepted")
	}
	var b strings.Builder
	b.WriteString(Header + "{")
	for i := range MaxEntries + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"K` + strings.Repeat("A", i%7) + string(rune('A'+i%26)) + itoa(i) + `":"v"`)
	}
	b.WriteString("}")
	if _, err := Parse([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("too many entries: %v", err)
	}
	if ValidName(strings.Repeat("A", MaxNameLen+1)) || !ValidName(strings.Repeat("A", MaxNameLen)) {
		t.Error("name length limit")
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}

func TestEncodePanicsOnInvalidEntry(t *testing.T) {
	defer func() {
		if msg, _ := recover().(string); !strings.HasPrefix(msg, "rampart/secretsfile: ") || strings.Contains(msg, "hunter2") {
			t.Errorf("panic = %q", msg)
		}
	}()
	Encode(map[string]string{"A": "hunter2\x00"})
}

func TestSealOpen(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	m := map[string]string{"SECRET_KEY": "hunter2-value"}
	ct, err := Seal(m, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("hunter2")) {
		t.Fatal("plaintext in ciphertext")
	}
	got, err := Open(ct, id)
	if err != nil || !maps.Equal(got, m) {
		t.Fatalf("Open = %v, %v", got, err)
	}
	if _, err := Open(ct, other); !errors.Is(err, ErrWrongKey) {
		t.Errorf("wrong key: %v", err)
	}
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"truncated": ct[:len(ct)/2],
		"plaintext": Encode(m),
		"flipped":   append(bytes.Clone(ct[:len(ct)-1]), ct[len(ct)-1]^1),
	} {
		if _, err := Open(bad, id); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	// An age file holding something else is not a secrets file.
	var buf bytes.Buffer
	w, _ := age.Encrypt(&buf, id.Recipient())
	w.Write([]byte("SECRET_KEY=hunter2\n"))
	w.Close()
	if _, err := Open(buf.Bytes(), id); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("foreign age file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		for _, b := range readDir(f, dir) {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if m != nil {
				t.Fatal("map returned with an error")
			}
			return
		}
		// Re-encode what was parsed: it must parse back to the same map,
		// and the encoding must be canonical (a fixed point).
		enc := Encode(m)
		again, err := Parse(enc)
		if err != nil {
			t.Fatalf("re-encoded plaintext does not parse: %v\n%q", err, enc)
		}
		if !maps.Equal(m, again) {
			t.Fatalf("round trip changed the secrets: %q -> %q", m, again)
		}
		if !bytes.Equal(Encode(again), enc) {
			t.Fatal("Encode is not canonical")
		}
		for k, v := range m {
			if !ValidName(k) || !ValidValue(v) {
				t.Fatalf("accepted invalid entry %q", k)
			}
		}
	})
}

func FuzzOpen(f *testing.F) {
	id := testIdentity(f)
	vector, err := os.ReadFile("testdata/v1.age")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(vector)
	f.Add(vector[:100])
	f.Add([]byte("age-encryption.org/v1\n-> X25519 AAAA\n--- AAAA\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, ct []byte) {
		m, err := Open(ct, id)
		if err != nil {
			return
		}
		if _, err := Parse(Encode(m)); err != nil {
			t.Fatalf("opened file does not re-encode: %v", err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	m := map[string]string{}
	for i := range 50 {
		m["SECRET_"+itoa(i)] = strings.Repeat("v", 43)
	}
	enc := Encode(m)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(enc); err != nil {
			b.Fatal(err)
		}
	}
}
