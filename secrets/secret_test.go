package secrets

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"log"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	texttemplate "text/template"
)

// canary is the value every redaction test tries to leak. It is long and
// unusual so that any fragment of it is easy to spot.
const canary = "CANARY-hunter2-d41d8cd98f00b204"

// leaks reports whether out contains the canary or a recognizable fragment
// of it, in clear or hex.
func leaks(out string) bool {
	for _, frag := range []string{canary, "hunter2", "d41d8cd9", fmt.Sprintf("%x", "hunter2"), fmt.Sprintf("%X", "hunter2")} {
		if strings.Contains(out, frag) {
			return true
		}
	}
	return false
}

type config struct {
	Name   string
	Key    Secret
	KeyPtr *Secret
	hidden Secret
}

func TestSecretFormatting(t *testing.T) {
	s := New(canary)
	cfg := config{Name: "app", Key: s, KeyPtr: &s, hidden: s}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T-%v", "%10.3s", "%-20v", "% x", "%#x", "%t", "%p", "%U", "%c", "%e", "%08b", "%o"}
	values := map[string]any{
		"value":       s,
		"pointer":     &s,
		"struct":      cfg,
		"struct ptr":  &cfg,
		"slice":       []Secret{s, s},
		"array":       [2]Secret{s, s},
		"map value":   map[string]Secret{"k": s},
		"map key":     map[Secret]int{s: 1},
		"any slice":   []any{s, &s},
		"nested ptr":  &struct{ Inner *config }{&cfg},
		"anon struct": struct{ Password Secret }{s},
	}
	for name, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			if leaks(out) {
				t.Errorf("%s with %s leaked: %s", name, verb, out)
			}
		}
	}
	// The exported paths print the marker, not just "nothing".
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		if got := fmt.Sprintf(verb, s); got != Redacted {
			t.Errorf("Sprintf(%q, s) = %q, want %q", verb, got, Redacted)
		}
	}
	if got := fmt.Sprint(s, &s); !strings.Contains(got, Redacted) {
		t.Errorf("Sprint = %q", got)
	}
	if got := fmt.Sprintln(s); got != Redacted+"\n" {
		t.Errorf("Sprintln = %q", got)
	}
	if got := s.String() + s.GoString(); got != Redacted+Redacted {
		t.Errorf("String+GoString = %q", got)
	}
}

func TestSecretLogging(t *testing.T) {
	s := New(canary)
	var buf bytes.Buffer
	for _, h := range []slog.Handler{
		slog.NewTextHandler(&buf, nil),
		slog.NewJSONHandler(&buf, nil),
	} {
		l := slog.New(h)
		l.Info("login", "key", s, "ptr", &s, "any", any(s))
		l.Info("struct", "cfg", config{Key: s, KeyPtr: &s, hidden: s})
		l.Info("group", slog.Group("db", "password", s))
		l.Info("attr", slog.Any("key", s), slog.String("str", s.String()))
		l.With("key", s).Info("with")
		l.Info(fmt.Sprint("msg ", s))
	}
	log.New(&buf, "", 0).Printf("std log %v %s", s, &s)
	if leaks(buf.String()) {
		t.Fatalf("log output leaked:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), Redacted) {
		t.Fatalf("log output lacks %s:\n%s", Redacted, buf.String())
	}
}

func TestSecretEncoding(t *testing.T) {
	s := New(canary)
	type withTags struct {
		Key      Secret            `json:"key" xml:"key"`
		Ptr      *Secret           `json:"ptr" xml:"ptr"`
		Attr     Secret            `json:"-" xml:"attr,attr"`
		Map      map[Secret]string `json:"map" xml:"-"`
		Inline   Secret            `json:",omitempty" xml:",chardata"`
		Optional Secret            `json:"optional,omitzero" xml:"-"`
	}
	v := withTags{Key: s, Ptr: &s, Attr: s, Map: map[Secret]string{s: "v"}, Inline: s, Optional: s}

	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if leaks(string(j)) || !strings.Contains(string(j), `"key":"[REDACTED]"`) || !strings.Contains(string(j), `"map":{"[REDACTED]":"v"}`) {
		t.Errorf("json = %s", j)
	}
	ji, _ := json.MarshalIndent(map[string]any{"s": s, "l": []Secret{s}}, "", " ")
	if leaks(string(ji)) {
		t.Errorf("json indent = %s", ji)
	}
	x, err := xml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if leaks(string(x)) || !strings.Contains(string(x), Redacted) {
		t.Errorf("xml = %s", x)
	}
	text, _ := s.MarshalText()
	if string(text) != Redacted {
		t.Errorf("MarshalText = %q", text)
	}
}

func TestSecretTemplatesAndReflection(t *testing.T) {
	s := New(canary)
	data := map[string]any{"S": s, "P": &s, "C": config{Key: s}}
	const src = `{{.S}} {{.P}} {{.C}} {{.C.Key}} {{printf "%x %q" .S .S}} {{js .S}} {{urlquery .S}}`
	var buf bytes.Buffer
	if err := texttemplate.Must(texttemplate.New("t").Parse(src)).Execute(&buf, data); err != nil {
		t.Fatal(err)
	}
	if err := htmltemplate.Must(htmltemplate.New("h").Parse(`<p title="{{.S}}">`+src+`</p><script>var k = {{.S}};</script>`)).Execute(&buf, data); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&buf, "%v %v", reflect.ValueOf(s), reflect.ValueOf(config{Key: s}))
	if leaks(buf.String()) {
		t.Fatalf("templates leaked:\n%s", buf.String())
	}
	// gob cannot see the unexported field: encoding fails instead of leaking.
	var g bytes.Buffer
	if err := gob.NewEncoder(&g).Encode(s); err == nil || leaks(g.String()) {
		t.Errorf("gob encoded a Secret: %v %q", err, g.String())
	}
}

func TestSecretUnmarshal(t *testing.T) {
	var cfg struct {
		Key Secret `json:"key"`
	}
	if err := json.Unmarshal([]byte(`{"key":"`+canary+`"}`), &cfg); err != nil || cfg.Key.Reveal() != canary {
		t.Fatalf("Unmarshal = %v, %v", cfg.Key, err)
	}
	// A copy taken before decoding again keeps its value.
	before := cfg.Key
	if err := json.Unmarshal([]byte(`{"key":"other"}`), &cfg); err != nil || before.Reveal() != canary || cfg.Key.Reveal() != "other" {
		t.Fatal("decoding changed an earlier copy")
	}
	// A marshal/unmarshal round trip must not turn the marker into a key.
	out, _ := json.Marshal(cfg)
	err := json.Unmarshal(out, &cfg)
	if err == nil || !strings.Contains(err.Error(), "redaction marker") {
		t.Fatalf("round trip through the marker: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"key":5}`), &cfg); err == nil {
		t.Error("a number decoded into a Secret")
	}
}

func TestSecretInErrors(t *testing.T) {
	s := New(canary)
	base := errors.New("connect failed")
	errs := []error{
		fmt.Errorf("login with %v: %w", s, base),
		fmt.Errorf("password %q rejected", s),
		fmt.Errorf("wrapped: %w", fmt.Errorf("inner %s", &s)),
		errors.Join(fmt.Errorf("a %v", s), fmt.Errorf("b %+v", config{Key: s})),
	}
	for _, err := range errs {
		for _, out := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if leaks(out) {
				t.Errorf("error leaked: %s", out)
			}
		}
	}
	if !errors.Is(errs[0], base) {
		t.Error("wrapping lost the cause")
	}
}

func TestSecretPanicMessage(t *testing.T) {
	s := New(canary)
	defer func() {
		if r := recover(); leaks(fmt.Sprint(r)) {
			t.Errorf("panic value leaked: %v", r)
		}
	}()
	panic(fmt.Sprint("bad key ", s))
}

func TestSecretAccessors(t *testing.T) {
	var zero Secret
	if !zero.IsZero() || zero.Len() != 0 || zero.Reveal() != "" || len(zero.Bytes()) != 0 {
		t.Error("zero Secret is not empty")
	}
	if !New("").IsZero() {
		t.Error(`New("") is not zero`)
	}
	s := New(canary)
	if s.IsZero() || s.Len() != len(canary) || s.Reveal() != canary {
		t.Error("accessors disagree with the value")
	}
	b := s.Bytes()
	b[0] = 'X'
	if s.Reveal() != canary {
		t.Error("Bytes shares memory with the secret")
	}
}

func TestSecretEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b Secret
		want bool
	}{
		{"same value", New("abc"), New("abc"), true},
		{"different value", New("abc"), New("abd"), false},
		{"prefix", New("abc"), New("abcd"), false},
		{"empty vs zero", New(""), Secret{}, true},
		{"zero vs zero", Secret{}, Secret{}, true},
		{"empty vs value", Secret{}, New("a"), false},
		{"case differs", New("ABC"), New("abc"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Equal(tt.b); got != tt.want {
				t.Errorf("Equal = %v, want %v", got, tt.want)
			}
			if got := tt.a.EqualString(tt.b.Reveal()); got != tt.want {
				t.Errorf("EqualString = %v, want %v", got, tt.want)
			}
		})
	}
}

func BenchmarkSecretEqual(b *testing.B) {
	x, y := GenerateKey(), GenerateKey()
	b.ReportAllocs()
	for b.Loop() {
		_ = x.Equal(y)
	}
}
