package form

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
)

type signup struct {
	Email    string   `form:"email" json:"email" validate:"required,email,max=200"`
	Name     string   `form:"name" json:"name" validate:"required,min=2,max=50"`
	Age      *int     `form:"age" json:"age" validate:"omitempty,gte=13,lte=130"`
	Password Password `form:"password" json:"password" validate:"required,min=8,max=64"`
	Confirm  Password `form:"password_confirm" json:"password_confirm" validate:"eqfield=Password"`
	Tags     []string `form:"tags" json:"tags" validate:"max=5,dive,max=20"`
	Remember bool     `form:"remember" json:"remember"`
	Score    float64  `form:"score" json:"score"`
	Color    string   `form:"color" json:"color" validate:"omitempty,oneof=red green blue"`
}

type item struct {
	SKU string `form:"sku" json:"sku" validate:"required"`
	Qty int    `form:"qty" json:"qty" validate:"min=1"`
}

type order struct {
	Items   []item  `form:"items" json:"items" validate:"max=10,dive"`
	Address address `form:"address" json:"address"`
}

type address struct {
	City string `form:"city" json:"city" validate:"required"`
}

type node struct {
	Name  string `form:"name" json:"name"`
	Child *node  `form:"child" json:"child"`
}

const okForm = "email=ada%40example.com&name=Ada&password=correct+horse&password_confirm=correct+horse"
const okJSON = `{"email":"ada@example.com","name":"Ada","password":"correct horse","password_confirm":"correct horse"}`

func post(ct, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	return r
}

const (
	ctForm = "application/x-www-form-urlencoded"
	ctJSON = "application/json"
)

func manyFields(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte('&')
		}
		fmt.Fprintf(&b, "tags=%d", i)
	}
	return b.String()
}

func TestBindSignup(t *testing.T) {
	deepJSON := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
	tests := []struct {
		name       string
		req        *http.Request
		wantStatus int               // 200 means no error
		wantFields map[string]string // subset of field errors expected
		check      func(t *testing.T, s *signup)
	}{
		{name: "urlencoded ok", req: post(ctForm, okForm), wantStatus: 200, check: func(t *testing.T, s *signup) {
			if s.Email != "ada@example.com" || s.Name != "Ada" || s.Password != "correct horse" {
				t.Errorf("got %+v", s)
			}
		}},
		{name: "urlencoded with charset", req: post(ctForm+"; charset=UTF-8", okForm), wantStatus: 200},
		{name: "json ok", req: post(ctJSON, okJSON), wantStatus: 200, check: func(t *testing.T, s *signup) {
			if s.Email != "ada@example.com" || s.Confirm != "correct horse" {
				t.Errorf("got %+v", s)
			}
		}},
		{name: "json with suffix type", req: post("application/vnd.api+json", okJSON), wantStatus: 200},
		{name: "get binds the query", req: httptest.NewRequest(http.MethodGet, "/?"+okForm, nil), wantStatus: 200},
		{name: "all types", req: post(ctForm, okForm+"&age=42&tags=a&tags=b&remember=on&score=2.5&color=red"), wantStatus: 200,
			check: func(t *testing.T, s *signup) {
				if s.Age == nil || *s.Age != 42 || !reflect.DeepEqual(s.Tags, []string{"a", "b"}) || !s.Remember || s.Score != 2.5 || s.Color != "red" {
					t.Errorf("got %+v", s)
				}
			}},
		{name: "indexed slice", req: post(ctForm, okForm+"&tags[1]=b&tags[0]=a"), wantStatus: 200, check: func(t *testing.T, s *signup) {
			if !reflect.DeepEqual(s.Tags, []string{"a", "b"}) {
				t.Errorf("tags %q", s.Tags)
			}
		}},
		{name: "empty optional number is nil", req: post(ctForm, okForm+"&age="), wantStatus: 200, check: func(t *testing.T, s *signup) {
			if s.Age != nil {
				t.Errorf("age %v", *s.Age)
			}
		}},
		{name: "csrf field in form is known", req: post(ctForm, okForm+"&csrf_token=abc"), wantStatus: 200},
		{name: "csrf field in json is known", req: post(ctJSON, `{"csrf_token":"abc",`+okJSON[1:]), wantStatus: 200, check: func(t *testing.T, s *signup) {
			if s.Email != "ada@example.com" {
				t.Errorf("got %+v", s)
			}
		}},
		{name: "rune length: 50 two-byte runes fit max=50", req: post(ctForm, "email=a%40b.co&password=12345678&password_confirm=12345678&name="+strings.Repeat("%C3%A9", 50)), wantStatus: 200},

		// Validation (422).
		{name: "required", req: post(ctForm, "name=&email="), wantStatus: 422,
			wantFields: map[string]string{"email": "This field is required.", "name": "This field is required.", "password": "This field is required."}},
		{name: "email", req: post(ctForm, "email=nope&name=Ada&password=12345678&password_confirm=12345678"), wantStatus: 422,
			wantFields: map[string]string{"email": "Enter a valid email address."}},
		{name: "rune length: one two-byte rune is below min=2", req: post(ctForm, "email=a%40b.co&password=12345678&password_confirm=12345678&name=%C3%A9"), wantStatus: 422,
			wantFields: map[string]string{"name": "Must be at least 2 characters long."}},
		{name: "max length", req: post(ctForm, "email=a%40b.co&password=12345678&password_confirm=12345678&name="+strings.Repeat("x", 51)), wantStatus: 422,
			wantFields: map[string]string{"name": "Must be at most 50 characters long."}},
		{name: "eqfield names the form field", req: post(ctForm, "email=a%40b.co&name=Ada&password=12345678&password_confirm=87654321"), wantStatus: 422,
			wantFields: map[string]string{"password_confirm": "Must match password."}},
		{name: "number range", req: post(ctForm, okForm+"&age=7"), wantStatus: 422, wantFields: map[string]string{"age": "Must be at least 13."}},
		{name: "oneof", req: post(ctForm, okForm+"&color=pink"), wantStatus: 422, wantFields: map[string]string{"color": "Must be one of: red, green, blue."}},
		{name: "slice length", req: post(ctForm, okForm+"&tags=1&tags=2&tags=3&tags=4&tags=5&tags=6"), wantStatus: 422, wantFields: map[string]string{"tags": "Must have at most 5 items."}},
		{name: "dive into slice", req: post(ctForm, okForm+"&tags="+strings.Repeat("x", 21)), wantStatus: 422, wantFields: map[string]string{"tags[0]": "Must be at most 20 characters long."}},
		{name: "type error names the field", req: post(ctForm, okForm+"&age=abc"), wantStatus: 422, wantFields: map[string]string{"age": "Enter a whole number."}},
		{name: "bool type error", req: post(ctForm, okForm+"&remember=maybe"), wantStatus: 422, wantFields: map[string]string{"remember": "Must be true or false."}},
		{name: "attack: NaN float", req: post(ctForm, okForm+"&score=NaN"), wantStatus: 422, wantFields: map[string]string{"score": "Enter a number."}},
		{name: "attack: int overflow", req: post(ctForm, okForm+"&age=99999999999999999999"), wantStatus: 422, wantFields: map[string]string{"age": "Enter a whole number."}},
		{name: "json type error names the field", req: post(ctJSON, `{"email":"a@b.co","name":"Ada","password":"12345678","password_confirm":"12345678","age":"x"}`), wantStatus: 422,
			wantFields: map[string]string{"age": "Enter a whole number."}},
		{name: "json type error and validation together", req: post(ctJSON, `{"email":"bad","age":"x"}`), wantStatus: 422,
			wantFields: map[string]string{"age": "Enter a whole number.", "email": "Enter a valid email address."}},

		{name: "json csrf field then a type error", req: post(ctJSON, `{"csrf_token":"t","email":"a@b.co","name":"Ada","password":"12345678","password_confirm":"12345678","age":"x"}`), wantStatus: 422,
			wantFields: map[string]string{"age": "Enter a whole number."}},
		{name: "attack: json csrf field then an unknown field", req: post(ctJSON, `{"csrf_token":"t","is_admin":true}`), wantStatus: 400},

		// Media types (415).
		{name: "missing content type", req: post("", okForm), wantStatus: 415},
		{name: "text/plain", req: post("text/plain", okForm), wantStatus: 415},
		{name: "attack: xml", req: post("application/xml", "<a/>"), wantStatus: 415},

		// Malformed and hostile input (400, 413).
		{name: "attack: unknown form field", req: post(ctForm, okForm+"&is_admin=1"), wantStatus: 400},
		{name: "attack: unknown json field", req: post(ctJSON, `{"is_admin":true,`+okJSON[1:]), wantStatus: 400},
		{name: "attack: duplicate scalar field", req: post(ctForm, okForm+"&email=eve%40evil.example"), wantStatus: 400},
		{name: "attack: duplicate indexed field", req: post(ctForm, okForm+"&tags[0]=a&tags[0]=b"), wantStatus: 400},
		{name: "attack: duplicate json key", req: post(ctJSON, `{"email":"eve@evil.example",`+okJSON[1:]), wantStatus: 400},
		{name: "attack: duplicate json key by case", req: post(ctJSON, `{"EMAIL":"eve@evil.example",`+okJSON[1:]), wantStatus: 400},
		{name: "attack: duplicate json key by unicode folding", req: post(ctJSON, `{"pa\u017fsword":"x",`+okJSON[1:]), wantStatus: 400},
		{name: "attack: duplicate json key escaped", req: post(ctJSON, `{"\u0065mail":"eve@evil.example",`+okJSON[1:]), wantStatus: 400},
		{name: "attack: sparse index (CVE-2024-37298)", req: post(ctForm, okForm+"&tags[100000000]=x"), wantStatus: 400},
		{name: "attack: index just over the limit", req: post(ctForm, okForm+"&tags[101]=x"), wantStatus: 400},
		{name: "index at the limit", req: post(ctForm, "tags[100]=x"), wantStatus: 422},
		{name: "attack: index overflow", req: post(ctForm, okForm+"&tags[99999999999999999999]=x"), wantStatus: 400},
		{name: "attack: leading-zero index aliases index 0", req: post(ctForm, okForm+"&tags[0]=a&tags[00]=b"), wantStatus: 400},
		{name: "attack: negative index", req: post(ctForm, okForm+"&tags[-1]=x"), wantStatus: 400},
		{name: "attack: index on a scalar", req: post(ctForm, okForm+"&name[0]=x"), wantStatus: 400},
		{name: "attack: too many fields", req: post(ctForm, manyFields(1001)), wantStatus: 413},
		{name: "attack: body over the limit", req: post(ctForm, "name="+strings.Repeat("a", 1<<20)), wantStatus: 413},
		{name: "attack: json body over the limit", req: post(ctJSON, `{"name":"`+strings.Repeat("a", 1<<20)+`"}`), wantStatus: 413},
		{name: "attack: 5000-deep json", req: post(ctJSON, deepJSON), wantStatus: 400},
		{name: "attack: 5000-deep json array", req: post(ctJSON, strings.Repeat("[", 5000)), wantStatus: 400},
		{name: "attack: json trailing object", req: post(ctJSON, okJSON+` {"email":"eve@evil.example"}`), wantStatus: 400},
		{name: "attack: json trailing garbage", req: post(ctJSON, okJSON+`garbage`), wantStatus: 400},
		{name: "attack: json array body", req: post(ctJSON, `[1,2]`), wantStatus: 400},
		{name: "attack: json string body", req: post(ctJSON, `"x"`), wantStatus: 400},
		{name: "malformed json", req: post(ctJSON, "{\n\"email\": ,}"), wantStatus: 400},
		{name: "truncated json", req: post(ctJSON, `{"email":"a`), wantStatus: 400},
		{name: "empty json body", req: post(ctJSON, ""), wantStatus: 400},
		{name: "attack: semicolon separator", req: post(ctForm, okForm+";is_admin=1"), wantStatus: 400},
		{name: "attack: bad percent-encoding", req: post(ctForm, okForm+"&name=%zz"), wantStatus: 400},
		{name: "attack: invalid utf-8 is replaced", req: post(ctForm, "email=a%40b.co&password=12345678&password_confirm=12345678&name=A%FFB"), wantStatus: 200,
			check: func(t *testing.T, s *signup) {
				if s.Name != "A\uFFFDB" {
					t.Errorf("name %q", s.Name)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s signup
			err := Bind(tt.req, &s)
			if got := Status(err); got != tt.wantStatus {
				t.Fatalf("status %d, want %d (err: %v)", got, tt.wantStatus, err)
			}
			var re *RequestError
			if err != nil && (!errors.As(err, &re) || re.Message == "") {
				t.Fatalf("error %v is not a RequestError with a message", err)
			}
			fe := Fields(err)
			for k, want := range tt.wantFields {
				if fe[k] != want {
					t.Errorf("field %q: %q, want %q (all: %v)", k, fe[k], want, fe)
				}
			}
			if tt.wantStatus == 422 && len(fe) == 0 {
				t.Errorf("422 without field errors")
			}
			if tt.wantStatus != 200 && tt.wantStatus != 422 && !reflect.ValueOf(s).IsZero() {
				t.Errorf("refused request left data behind: %+v", s)
			}
			if tt.check != nil {
				tt.check(t, &s)
			}
		})
	}
}

func TestBindNested(t *testing.T) {
	tests := []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantFields map[string]string
		want       *order
	}{
		{name: "form ok", req: post(ctForm, "items[0].sku=A&items[0].qty=2&items[1].sku=B&items[1].qty=1&address.city=Paris"), wantStatus: 200,
			want: &order{Items: []item{{"A", 2}, {"B", 1}}, Address: address{"Paris"}}},
		{name: "json ok", req: post(ctJSON, `{"items":[{"sku":"A","qty":2}],"address":{"city":"Paris"}}`), wantStatus: 200,
			want: &order{Items: []item{{"A", 2}}, Address: address{"Paris"}}},
		{name: "nested errors keyed by path", req: post(ctForm, "items[0].sku=&items[0].qty=0&address.city="), wantStatus: 422,
			wantFields: map[string]string{"items[0].sku": "This field is required.", "items[0].qty": "Must be at least 1.", "address.city": "This field is required."}},
		{name: "json nested type error keyed by path", req: post(ctJSON, `{"items":[{"sku":"A","qty":"two"}],"address":{"city":"Paris"}}`), wantStatus: 422,
			wantFields: map[string]string{"items.qty": "Enter a whole number."}},
		{name: "attack: sparse struct index", req: post(ctForm, "items[100000].sku=A"), wantStatus: 400},
		{name: "attack: struct index without field", req: post(ctForm, "items[0]=A"), wantStatus: 400},
		{name: "attack: struct without field", req: post(ctForm, "address=Paris"), wantStatus: 400},
		{name: "attack: unknown nested field", req: post(ctForm, "address.country=FR"), wantStatus: 400},
		{name: "attack: unknown nested json field", req: post(ctJSON, `{"address":{"city":"Paris","admin":true}}`), wantStatus: 400},
		{name: "attack: duplicate nested field", req: post(ctForm, "address.city=A&address.city=B"), wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o order
			err := Bind(tt.req, &o)
			if got := Status(err); got != tt.wantStatus {
				t.Fatalf("status %d, want %d (err: %v)", got, tt.wantStatus, err)
			}
			fe := Fields(err)
			for k, want := range tt.wantFields {
				if fe[k] != want {
					t.Errorf("field %q: %q, want %q (all: %v)", k, fe[k], want, fe)
				}
			}
			if tt.want != nil && !reflect.DeepEqual(&o, tt.want) {
				t.Errorf("got %+v, want %+v", o, *tt.want)
			}
		})
	}
}

func TestBindDepth(t *testing.T) {
	key := func(n int) string { return strings.Repeat("child.", n) + "name" }
	var n node
	if err := Bind(post(ctForm, key(30)+"=x"), &n); err != nil {
		t.Fatalf("31 segments: %v", err)
	}
	if err := Bind(post(ctForm, key(32)+"=x"), &node{}); Status(err) != 400 || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("33 segments: %v", err)
	}
	deep := strings.Repeat(`{"child":`, 40) + "null" + strings.Repeat("}", 40)
	if err := Bind(post(ctJSON, deep), &node{}); Status(err) != 400 {
		t.Fatalf("deep json: %v", err)
	}
	b := New(Config{MaxDepth: 64})
	if err := b.Bind(post(ctJSON, deep), &node{}); err != nil {
		t.Fatalf("deep json with MaxDepth 64: %v", err)
	}
}

func TestSparseIndexDoesNotAllocate(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 10 {
		var s signup
		if err := Bind(post(ctForm, "tags[100000000]=x"), &s); Status(err) != 400 {
			t.Fatalf("status %d: %v", Status(err), err)
		}
		var o order
		if err := Bind(post(ctForm, "items[99999999].sku=x"), &o); Status(err) != 400 {
			t.Fatalf("status %d: %v", Status(err), err)
		}
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("20 sparse-index requests allocated %d bytes", d)
	}
}

func TestSliceElementBudget(t *testing.T) {
	// Each key is within MaxSliceIndex, but together they would allocate
	// 10*10 elements; MaxFields 50 caps the total.
	type inner struct {
		V []string `form:"v"`
	}
	type outer struct {
		Rows []inner `form:"rows"`
	}
	var body []string
	for i := range 10 {
		body = append(body, fmt.Sprintf("rows[%d].v[9]=x", i))
	}
	b := New(Config{MaxFields: 50, MaxSliceIndex: 10})
	if err := b.Bind(post(ctForm, strings.Join(body, "&")), &outer{}); Status(err) != 413 {
		t.Fatalf("status %d: %v", Status(err), err)
	}
	if err := b.Bind(post(ctForm, strings.Join(body[:4], "&")), &outer{}); err != nil {
		t.Fatalf("within budget: %v", err)
	}
}

func TestBindAfterParseForm(t *testing.T) {
	// A CSRF check ran r.FormValue("csrf_token") first: the body is gone,
	// r.PostForm holds it.
	r := post(ctForm, okForm+"&csrf_token=abc")
	if r.FormValue(CSRFField) != "abc" {
		t.Fatal("setup")
	}
	var s signup
	if err := Bind(r, &s); err != nil || s.Email != "ada@example.com" {
		t.Fatalf("%v %+v", err, s)
	}
	r = post(ctForm, okForm+"&email=eve%40evil.example")
	r.ParseForm()
	if err := Bind(r, &signup{}); Status(err) != 400 {
		t.Fatalf("duplicate after ParseForm: %v", err)
	}
	r = post(ctForm, manyFields(30))
	r.ParseForm()
	if err := New(Config{MaxFields: 20}).Bind(r, &signup{}); Status(err) != 413 {
		t.Fatalf("too many fields after ParseForm: %v", err)
	}
	// Multipart parsed first works too.
	ct, body := multipartBody(t, map[string]string{"email": "ada@example.com", "name": "Ada", "password": "12345678", "password_confirm": "12345678"}, nil)
	r = post(ct, body.String())
	r.FormValue("csrf_token")
	if err := Bind(r, &signup{}); err != nil {
		t.Fatalf("multipart after FormValue: %v", err)
	}
}

func TestBodyLimitWithoutContentLength(t *testing.T) {
	b := New(Config{MaxBodyBytes: 100})
	for _, ct := range []string{ctForm, ctJSON} {
		r := post(ct, "name="+strings.Repeat("a", 200))
		r.ContentLength = -1 // chunked
		if err := b.Bind(r, &signup{}); Status(err) != 413 {
			t.Errorf("%s: status %d: %v", ct, Status(err), err)
		}
	}
}

func TestIgnoreUnknownFormFields(t *testing.T) {
	b := New(Config{IgnoreUnknownFormFields: true})
	var s signup
	if err := b.Bind(post(ctForm, okForm+"&submit=Save&utm_source=x"), &s); err != nil {
		t.Fatal(err)
	}
	var o order
	if err := b.Bind(post(ctForm, "address.city=Paris&address.country=FR&items[0].sku=A&items[0].qty=1&items[0].x=y"), &o); err != nil {
		t.Fatal(err)
	}
	if err := b.Bind(post(ctForm, okForm+"&email=b%40example.com"), &signup{}); Status(err) != 400 {
		t.Fatalf("duplicates still refused: %v", err)
	}
	if err := b.Bind(post(ctJSON, `{"submit":"Save",`+okJSON[1:]), &signup{}); Status(err) != 400 {
		t.Fatalf("json unknown field: status %d", Status(err))
	}
}

func TestMalformedJSONMessage(t *testing.T) {
	err := Bind(post(ctJSON, "{\n  \"email\": ,\n}"), &signup{})
	var re *RequestError
	if !errors.As(err, &re) || re.Status != 400 || re.Message != "malformed JSON at line 2, column 12" {
		t.Fatalf("got %#v", err)
	}
	err = Bind(post(ctJSON, `{"is_admin":true}`), &signup{})
	if !errors.As(err, &re) || re.Message != `unknown field "is_admin"` {
		t.Fatalf("got %v", err)
	}
}

func TestMessagesHook(t *testing.T) {
	fr := map[string]string{"required": "Ce champ est obligatoire.", "email": "Adresse e-mail invalide."}
	var seen []Rule
	var mu sync.Mutex
	b := New(Config{Messages: func(r Rule) string {
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
		return fr[r.Tag]
	}})
	err := b.Bind(post(ctForm, "email=x&name=A"), &signup{})
	fe := Fields(err)
	if fe["email"] != "Adresse e-mail invalide." || fe["password"] != "Ce champ est obligatoire." {
		t.Errorf("translated: %v", fe)
	}
	if fe["name"] != "Must be at least 2 characters long." {
		t.Errorf("fallback: %q", fe["name"])
	}
	found := false
	for _, r := range seen {
		if r.Field == "name" && r.Tag == "min" && r.Param == "2" && r.Kind == reflect.String {
			found = true
		}
	}
	if !found {
		t.Errorf("rule for name not passed to hook: %+v", seen)
	}
}

func TestSubmitted(t *testing.T) {
	tests := []struct {
		name       string
		req        *http.Request
		wantOK     bool
		wantStatus int
	}{
		{"GET shows the form", httptest.NewRequest(http.MethodGet, "/?name=x", nil), false, 200},
		{"HEAD shows the form", httptest.NewRequest(http.MethodHead, "/", nil), false, 200},
		{"valid POST", post(ctForm, okForm), true, 200},
		{"invalid POST", post(ctForm, "email=x"), false, 422},
		{"malformed POST", post(ctJSON, "{"), false, 400},
		{"valid PUT", func() *http.Request {
			r := post(ctJSON, okJSON)
			r.Method = http.MethodPut
			return r
		}(), true, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s signup
			ok, err := Submitted(tt.req, &s)
			if ok != tt.wantOK || Status(err) != tt.wantStatus {
				t.Fatalf("got %v, %v; want %v, %d", ok, err, tt.wantOK, tt.wantStatus)
			}
			if tt.req.Method == http.MethodGet && s.Name != "" {
				t.Errorf("GET bound the query: %+v", s)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	if err := Validate(signup{Email: "a@b.co", Name: "Ada", Password: "12345678", Confirm: "12345678"}); err != nil {
		t.Fatal(err)
	}
	err := Validate(&signup{})
	if Status(err) != 422 || Fields(err)["email"] == "" {
		t.Fatalf("got %v", err)
	}
}

func TestWriteJSONError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantBody   string
	}{
		{"field errors", invalid(FieldErrors{"title": "This field is required."}), 422, `{"errors":{"title":"This field is required."}}`},
		{"bad request", badRequest("unknown field \"x\"", errors.New("detail for logs")), 400, `{"error":"unknown field \"x\""}`},
		{"too large", tooLarge("request body too large", nil), 413, `{"error":"request body too large"}`},
		{"wrapped", fmt.Errorf("handler: %w", tooLarge("too many fields", nil)), 413, `{"error":"too many fields"}`},
		{"server error text is not sent", errors.New("db password=hunter2 failed"), 500, `{"error":"internal server error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteJSONError(w, tt.err)
			if w.Code != tt.wantStatus || strings.TrimSpace(w.Body.String()) != tt.wantBody {
				t.Errorf("got %d %s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("content type %q", ct)
			}
			if w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff")
			}
		})
	}
}

func TestBindEndToEndNever500(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s signup
		if err := Bind(r, &s); err != nil {
			WriteJSONError(w, err)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	bodies := []struct{ ct, body string }{
		{ctJSON, okJSON},
		{ctJSON, strings.Repeat(`{"a":`, 5000)},
		{ctJSON, `{"email":1e999}`},
		{ctJSON, "\x00\xff"},
		{ctForm, strings.Repeat("a=%", 100)},
		{"multipart/form-data", "garbage"},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n"},
	}
	for _, b := range bodies {
		resp, err := http.Post(srv.URL, b.ct, strings.NewReader(b.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("%s %q: %d", b.ct, b.body[:min(len(b.body), 40)], resp.StatusCode)
		}
	}
}

func TestConcurrentBind(t *testing.T) {
	b := New(Config{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				var s signup
				var err error
				if (i+j)%2 == 0 {
					err = b.Bind(post(ctForm, okForm), &s)
				} else {
					err = b.Bind(post(ctJSON, okJSON), &s)
				}
				if err != nil || s.Email != "ada@example.com" {
					t.Errorf("bind: %v %+v", err, s)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestNewPanicsOnNegativeLimit(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "rampart/form: ") {
			t.Fatalf("recover: %v", r)
		}
	}()
	New(Config{MaxFields: -1})
}

func TestBindPanicsOnNonPointer(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "rampart/form: ") {
			t.Fatalf("recover: %v", r)
		}
	}()
	_ = Bind(post(ctForm, okForm), signup{})
}

func TestFieldErrorsError(t *testing.T) {
	fe := FieldErrors{"b": "B.", "a": "A."}
	if fe.Error() != "a: A.; b: B." {
		t.Errorf("%q", fe.Error())
	}
	err := fmt.Errorf("wrapped: %w", invalid(fe))
	if got := Fields(err); !reflect.DeepEqual(got, fe) {
		t.Errorf("Fields: %v", got)
	}
	if Fields(errors.New("x")) != nil || Fields(nil) != nil {
		t.Error("Fields of a non-validation error")
	}
}

// multipartBody builds a multipart/form-data body.
func multipartBody(t testing.TB, values map[string]string, files map[string][]byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range values {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for k, content := range files {
		fw, err := mw.CreateFormFile(k, "../../"+k+".png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func TestBindMultipart(t *testing.T) {
	ct, body := multipartBody(t, map[string]string{
		"email": "ada@example.com", "name": "Ada", "password": "12345678", "password_confirm": "12345678", "csrf_token": "t",
	}, nil)
	var s signup
	if err := Bind(post(ct, body.String()), &s); err != nil {
		t.Fatal(err)
	}
	if s.Email != "ada@example.com" {
		t.Errorf("got %+v", s)
	}

	ct, body = multipartBody(t, map[string]string{"is_admin": "1"}, nil)
	if err := Bind(post(ct, body.String()), &signup{}); Status(err) != 400 {
		t.Errorf("unknown field: %v", err)
	}
	ct, body = multipartBody(t, map[string]string{"name": strings.Repeat("a", 2<<20)}, nil)
	if err := Bind(post(ct, body.String()), &signup{}); Status(err) != 413 {
		t.Errorf("oversize: %v", err)
	}
	many := map[string]string{}
	for i := range 20 {
		many[fmt.Sprintf("tags[%d]", i)] = "x"
	}
	ct, body = multipartBody(t, many, nil)
	if err := New(Config{MaxFields: 10}).Bind(post(ct, body.String()), &signup{}); Status(err) != 413 {
		t.Errorf("too many fields: %v", err)
	}
	ct, body = multipartBody(t, nil, map[string][]byte{"name": []byte("x")})
	if err := Bind(post(ct, body.String()), &signup{}); Status(err) != 400 {
		t.Errorf("file in a text field: %v", err)
	}
	if err := Bind(post("multipart/form-data", "x"), &signup{}); Status(err) != 400 {
		t.Errorf("no boundary: %v", err)
	}
}

func BenchmarkBindForm(b *testing.B) {
	type contact struct {
		Name    string `form:"name" validate:"required,max=100"`
		Email   string `form:"email" validate:"required,email"`
		Age     int    `form:"age" validate:"gte=0,lte=150"`
		Subject string `form:"subject" validate:"required,max=200"`
		Message string `form:"message" validate:"required,max=5000"`
	}
	body := url.Values{
		"name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "age": {"36"},
		"subject": {"Analytical engine"}, "message": {"The engine might compose elaborate pieces of music."},
	}.Encode()
	binder := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", ctForm)
		var c contact
		if err := binder.Bind(r, &c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBindJSON(b *testing.B) {
	type contact struct {
		Name    string `json:"name" validate:"required,max=100"`
		Email   string `json:"email" validate:"required,email"`
		Age     int    `json:"age" validate:"gte=0,lte=150"`
		Subject string `json:"subject" validate:"required,max=200"`
		Message string `json:"message" validate:"required,max=5000"`
	}
	body, _ := json.Marshal(map[string]any{
		"name": "Ada Lovelace", "email": "ada@example.com", "age": 36,
		"subject": "Analytical engine", "message": "The engine might compose elaborate pieces of music.",
	})
	binder := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctJSON)
		var c contact
		if err := binder.Bind(r, &c); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRefusalsAreLogged(t *testing.T) {
	var buf bytes.Buffer
	b := New(Config{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	_ = b.Bind(post(ctForm, "email=x&password=hunter2hunter2-secret&password_confirm=nope"), &signup{})
	_ = b.Bind(post(ctJSON, `{"is_admin":true}`), &signup{})
	if err := b.Bind(post(ctForm, okForm), &signup{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 events, got %d:\n%s", len(lines), buf.String())
	}
	var ev struct {
		Event  string   `json:"event"`
		Status int      `json:"status"`
		Fields []string `json:"fields"`
		Reason string   `json:"reason"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Event != "input_validation_fail" || ev.Status != 422 || !reflect.DeepEqual(ev.Fields, []string{"email", "name", "password_confirm"}) {
		t.Errorf("event %+v", ev)
	}
	if strings.Contains(buf.String(), "hunter2") {
		t.Errorf("a submitted value reached the log:\n%s", buf.String())
	}
	if err := json.Unmarshal([]byte(lines[1]), &ev); err != nil || ev.Status != 400 || ev.Reason != `unknown field "is_admin"` {
		t.Errorf("event %+v %v", ev, err)
	}
}
