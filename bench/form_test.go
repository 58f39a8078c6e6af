package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-playground/validator/v10"
	"github.com/gorilla/schema"

	"github.com/rampartgo/rampart/form"
)

// contactForm is the "typical 5-field form" of issue 6: strings with length
// rules, an email and an integer.
type contactForm struct {
	Name    string `form:"name" schema:"name" json:"name" validate:"required,max=100"`
	Email   string `form:"email" schema:"email" json:"email" validate:"required,email"`
	Age     int    `form:"age" schema:"age" json:"age" validate:"gte=0,lte=150"`
	Subject string `form:"subject" schema:"subject" json:"subject" validate:"required,max=200"`
	Message string `form:"message" schema:"message" json:"message" validate:"required,max=5000"`
}

var (
	contactURLEncoded = url.Values{
		"name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "age": {"36"},
		"subject": {"Analytical engine"}, "message": {"The engine might compose elaborate pieces of music."},
	}.Encode()
	contactJSON = []byte(`{"name":"Ada Lovelace","email":"ada@example.com","age":36,` +
		`"subject":"Analytical engine","message":"The engine might compose elaborate pieces of music."}`)
)

// bodyRequest builds a POST request around a fresh body without the cost of
// httptest.NewRequest (which parses a URL each time), so that the benchmark
// measures the binders. Both sides get the same request.
func bodyRequest(u *url.URL, h http.Header, body io.Reader, n int) *http.Request {
	return &http.Request{
		Method: http.MethodPost, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(body), ContentLength: int64(n), Host: "example.com",
		RemoteAddr: "192.0.2.1:1234", RequestURI: u.Path,
	}
}

// handForm is the hand assembly issue 6 compares with: what an app writes
// with gorilla/schema and validator, with the same protections that
// form.Bind applies by default (a 1 MiB body limit, a field count limit via
// http.MaxBytesReader and ParseForm, the CSRF field tolerated).
type handForm struct {
	dec *schema.Decoder
	val *validator.Validate
}

func newHandForm() *handForm {
	d := schema.NewDecoder()
	d.IgnoreUnknownKeys(true) // else the csrf_token field is an error (LESSONS.md)
	d.MaxSize(100)            // bounded slice indexes (CVE-2024-37298)
	return &handForm{dec: d, val: validator.New(validator.WithRequiredStructEnabled())}
}

func (h *handForm) bindForm(w http.ResponseWriter, r *http.Request, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return err
	}
	if err := h.dec.Decode(dst, r.PostForm); err != nil {
		return err
	}
	return h.val.Struct(dst)
}

func (h *handForm) bindJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data")
	}
	return h.val.Struct(dst)
}

func BenchmarkBindForm(b *testing.B) {
	u := &url.URL{Path: "/contact"}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	body := contactURLEncoded
	b.Run("impl=rampart", func(b *testing.B) {
		binder := form.New(form.Config{})
		b.ReportAllocs()
		for b.Loop() {
			var c contactForm
			if err := binder.Bind(bodyRequest(u, h, strings.NewReader(body), len(body)), &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=hand-assembly", func(b *testing.B) {
		hand := newHandForm()
		b.ReportAllocs()
		for b.Loop() {
			var c contactForm
			if err := hand.bindForm(nil, bodyRequest(u, h, strings.NewReader(body), len(body)), &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkBindJSON(b *testing.B) {
	u := &url.URL{Path: "/api/contact"}
	h := http.Header{"Content-Type": {"application/json"}}
	body := contactJSON
	b.Run("impl=rampart", func(b *testing.B) {
		binder := form.New(form.Config{})
		b.ReportAllocs()
		for b.Loop() {
			var c contactForm
			if err := binder.Bind(bodyRequest(u, h, bytes.NewReader(body), len(body)), &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=hand-assembly", func(b *testing.B) {
		hand := newHandForm()
		b.ReportAllocs()
		for b.Loop() {
			var c contactForm
			if err := hand.bindJSON(nil, bodyRequest(u, h, bytes.NewReader(body), len(body)), &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestFormPeersAgree checks that both binders accept the benchmark input and
// produce the same struct, so that the benchmark compares equal work.
func TestFormPeersAgree(t *testing.T) {
	u := &url.URL{Path: "/"}
	hf := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	hj := http.Header{"Content-Type": {"application/json"}}
	var a, b, c, d contactForm
	if err := form.Bind(bodyRequest(u, hf, strings.NewReader(contactURLEncoded), len(contactURLEncoded)), &a); err != nil {
		t.Fatal(err)
	}
	hand := newHandForm()
	if err := hand.bindForm(nil, bodyRequest(u, hf, strings.NewReader(contactURLEncoded), len(contactURLEncoded)), &b); err != nil {
		t.Fatal(err)
	}
	if err := form.Bind(bodyRequest(u, hj, bytes.NewReader(contactJSON), len(contactJSON)), &c); err != nil {
		t.Fatal(err)
	}
	if err := hand.bindJSON(nil, bodyRequest(u, hj, bytes.NewReader(contactJSON), len(contactJSON)), &d); err != nil {
		t.Fatal(err)
	}
	if a != b || a != c || a != d || a.Age != 36 {
		t.Fatalf("binders disagree: %+v %+v %+v %+v", a, b, c, d)
	}
}
