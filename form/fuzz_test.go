package form

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

type fuzzForm struct {
	signup
	Order order `form:"order" json:"order"`
	Node  *node `form:"node" json:"node"`
	Nums  []int `form:"nums" json:"nums" validate:"max=8"`
}

var fuzzBinder = New(Config{MaxBodyBytes: 4096, MaxFields: 20, MaxSliceIndex: 10, MaxDepth: 6, Logger: slog.New(slog.DiscardHandler)})

// sliceElems counts the slice elements reachable from v.
func sliceElems(v reflect.Value) (total, longest int) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			return sliceElems(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			t, l := sliceElems(v.Field(i))
			total, longest = total+t, max(longest, l)
		}
	case reflect.Slice:
		total, longest = v.Len(), v.Len()
		for i := range v.Len() {
			t, l := sliceElems(v.Index(i))
			total, longest = total+t, max(longest, l)
		}
	}
	return total, longest
}

func FuzzBind(f *testing.F) {
	seeds := []struct {
		ct   byte
		body string
	}{
		{0, okForm},
		{0, okForm + "&csrf_token=x&tags[3]=a&nums=1&nums=2"},
		{0, "order.items[0].sku=A&order.items[0].qty=2&order.address.city=P"},
		{0, "node.child.child.name=x"},
		{0, "tags[100000000]=x"},
		{0, "email=a&email=b"},
		{0, "a=%zz;b"},
		{1, okJSON},
		{1, `{"order":{"items":[{"sku":"A","qty":1}]},"nums":[1,2,3]}`},
		{1, `{"email":"a","EMAIL":"b"}`},
		{1, `{"node":{"child":{"child":{"child":{"child":{"child":{}}}}}}}`},
		{1, `{"csrf_token":"x","name":"A"}`},
		{1, `{"age":"x"} {}`},
		{2, "--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAda\r\n--B--\r\n"},
		{3, "name=Ada"},
	}
	for _, s := range seeds {
		f.Add(s.ct, s.body)
	}
	f.Fuzz(func(t *testing.T, ct byte, body string) {
		types := []string{ctForm, ctJSON, "multipart/form-data; boundary=B", "text/plain"}
		contentType := types[int(ct)%len(types)]
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		var dst fuzzForm
		err := fuzzBinder.Bind(r, &dst)
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("not a RequestError: %v", err)
			}
			switch re.Status {
			case 400, 413, 415:
				if re.Fields != nil || re.Message == "" {
					t.Fatalf("status %d with fields %v / message %q", re.Status, re.Fields, re.Message)
				}
				return
			case 422:
				if len(re.Fields) == 0 {
					t.Fatal("422 without field errors")
				}
			default:
				t.Fatalf("status %d: %v", re.Status, err)
			}
		}
		if contentType == "text/plain" {
			t.Fatal("text/plain body was bound")
		}
		if len(body) > 4096 {
			t.Fatalf("%d-byte body bound over a 4096-byte limit", len(body))
		}
		if contentType == ctJSON {
			if !json.Valid([]byte(body)) {
				t.Fatalf("invalid JSON bound: %q", body)
			}
			if err != nil {
				return
			}
			// Re-encode what was parsed: it must bind to the same value.
			again, merr := json.Marshal(&dst)
			if merr != nil {
				t.Fatal(merr)
			}
			var dst2 fuzzForm
			r2 := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(again)))
			r2.Header.Set("Content-Type", ctJSON)
			if err := New(Config{MaxDepth: 6}).Bind(r2, &dst2); err != nil {
				t.Fatalf("re-encoded %s: %v", again, err)
			}
			if !reflect.DeepEqual(dst, dst2) {
				t.Fatalf("round trip differs:\n%+v\n%+v", dst, dst2)
			}
			return
		}
		total, longest := sliceElems(reflect.ValueOf(&dst))
		if total > 20+20 || longest > 11 {
			t.Fatalf("limits exceeded: %d slice elements, longest %d", total, longest)
		}
	})
}

func FuzzScanJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"A":2}`, `[[[[[[[1]]]]]]]`, `{"a\u0062":1,"ab":2}`, `"\\"`, `{"a":"}"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := scanJSON([]byte(s), 6, nil)
		if err != nil {
			return
		}
		// What the scanner passed has no more than 6 levels of nesting,
		// measured by encoding/json itself.
		var v any
		if json.Unmarshal([]byte(s), &v) == nil && depthOf(v) > 6 {
			t.Fatalf("depth %d passed the scanner: %q", depthOf(v), s)
		}
	})
}

func depthOf(v any) int {
	d := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			d = max(d, depthOf(e))
		}
		return d + 1
	case []any:
		for _, e := range x {
			d = max(d, depthOf(e))
		}
		return d + 1
	}
	return 0
}
