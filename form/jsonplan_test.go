package form

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

type flatWithTime struct {
	When  time.Time         `json:"when"`
	Attrs map[string]string `json:"attrs"`
	Any   any               `json:"any"`
	Raw   json.RawMessage   `json:"raw"`
}

type withEmbedded struct {
	address
	Name string `json:"name"`
}

type withStructMap struct {
	M map[string]address `json:"m"`
}

type withStructPtrSlice struct {
	A []*address `json:"a"`
}

type withBadTag struct {
	// An invalid tag name: encoding/json falls back to the Go name.
	X string `json:"a\"b"`
}

type withIgnored struct {
	Name   string `json:"name"`
	Secret string `json:"-"`
	Dash   string `json:"-,"`
	hidden string
}

func TestJSONPlanFlatness(t *testing.T) {
	_ = withIgnored{}.hidden
	tests := []struct {
		v    any
		flat bool
	}{
		{signup{}, true},
		{flatWithTime{}, true},
		{withIgnored{}, true},
		{order{}, false},
		{node{}, false},
		{withEmbedded{}, false},
		{withStructMap{}, false},
		{withStructPtrSlice{}, false},
		{withBadTag{}, false},
	}
	for _, tt := range tests {
		typ := reflect.TypeOf(tt.v)
		if got := buildJSONPlan(typ) != nil; got != tt.flat {
			t.Errorf("%v: flat = %v, want %v", typ, got, tt.flat)
		}
	}
	p := buildJSONPlan(reflect.TypeFor[withIgnored]())
	for key, want := range map[string]bool{
		"name": true, "NAME": true, `n\u0061me`: true, "-": true, CSRFField: true,
		"Secret": false, "hidden": false, "csrf_TOKEN": false, "nam": false, "names": false,
		"ſecret": false, "na\u017fme": false,
	} {
		if got := p.knows([]byte(key)); got != want {
			t.Errorf("knows(%q) = %v, want %v", key, got, want)
		}
	}
}

// FuzzJSONFastPath checks that, for a flat struct, the fast path (the
// pre-scan checks unknown fields and trailing data, json.Unmarshal
// decodes) decides exactly as the Decoder path with DisallowUnknownFields
// does: the same status and, when it binds, the same struct.
func FuzzJSONFastPath(f *testing.F) {
	for _, s := range []string{
		okJSON, `{}`, `{"EMAIL":"a@b.co"}`, `{"is_admin":true}`, `{"csrf_token":"x","name":"Ada"}`,
		`{"\u0069s_admin":1}`, `{"age":"x","email":"bad"}`, `{"name":"Ada"} {"name":"Eve"}`,
		`{"name":"Ada"}]`, `[{"name":"Ada"}]`, `"x"`, `null`, `{"tags":["a",{"b":1}]}`,
		`{"name":"a\"b\\"}`, `{"na\u017fme":"x"}`, `{"score":1e400}`, `{"tags":null,"age":null}`,
	} {
		f.Add(s)
	}
	b := New(Config{MaxDepth: 8})
	plan := jsonPlanFor(reflect.TypeFor[signup]())
	if plan == nil {
		f.Fatal("signup should be flat")
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(bytes.TrimSpace([]byte(s))) == 0 {
			return
		}
		var fast, slow signup
		errFast := b.bindJSONPlan(&bodyBuf{b: []byte(s)}, reflect.ValueOf(&fast), plan)
		errSlow := b.bindJSONPlan(&bodyBuf{b: []byte(s)}, reflect.ValueOf(&slow), nil)
		if Status(errFast) != Status(errSlow) {
			t.Fatalf("%q: fast path %v (%d), decoder path %v (%d)", s, errFast, Status(errFast), errSlow, Status(errSlow))
		}
		if errFast == nil && !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast path bound %+v, decoder path %+v", s, fast, slow)
		}
	})
}

func TestJSONTrailingWhitespace(t *testing.T) {
	for _, body := range []string{okJSON + "\n", okJSON + " \t\r\n ", "\n " + okJSON} {
		if err := Bind(post(ctJSON, body), &signup{}); err != nil {
			t.Errorf("%q: %v", body, err)
		}
	}
	for _, body := range []string{okJSON + "\v", okJSON + "}", okJSON + "]", okJSON + "0", okJSON + `""`} {
		err := Bind(post(ctJSON, body), &signup{})
		var re *RequestError
		if !errors.As(err, &re) || re.Status != 400 || re.Message != "unexpected data after the JSON object" {
			t.Errorf("%q: %v, want 400 unexpected data", body, err)
		}
	}
}
