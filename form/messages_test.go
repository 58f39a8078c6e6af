package form

import (
	"reflect"
	"testing"
)

func TestDefaultMessage(t *testing.T) {
	tests := []struct {
		rule Rule
		want string
	}{
		{Rule{Tag: "required"}, "This field is required."},
		{Rule{Tag: "required_if"}, "This field is required."},
		{Rule{Tag: "email"}, "Enter a valid email address."},
		{Rule{Tag: "url"}, "Enter a valid URL."},
		{Rule{Tag: "http_url"}, "Enter a valid URL."},
		{Rule{Tag: "min", Param: "8", Kind: reflect.String}, "Must be at least 8 characters long."},
		{Rule{Tag: "min", Param: "1", Kind: reflect.String}, "Must be at least 1 character long."},
		{Rule{Tag: "max", Param: "200", Kind: reflect.String}, "Must be at most 200 characters long."},
		{Rule{Tag: "max", Param: "5", Kind: reflect.Slice}, "Must have at most 5 items."},
		{Rule{Tag: "min", Param: "1", Kind: reflect.Slice}, "Must have at least 1 item."},
		{Rule{Tag: "min", Param: "13", Kind: reflect.Int}, "Must be at least 13."},
		{Rule{Tag: "gte", Param: "0", Kind: reflect.Float64}, "Must be at least 0."},
		{Rule{Tag: "lte", Param: "130", Kind: reflect.Uint8}, "Must be at most 130."},
		{Rule{Tag: "gt", Param: "0", Kind: reflect.Int}, "Must be more than 0."},
		{Rule{Tag: "lt", Param: "10", Kind: reflect.String}, "Must be less than 10 characters long."},
		{Rule{Tag: "len", Param: "6", Kind: reflect.String}, "Must be exactly 6 characters long."},
		{Rule{Tag: "len", Param: "3", Kind: reflect.Int}, "Must be 3."},
		{Rule{Tag: "oneof", Param: "red green blue"}, "Must be one of: red, green, blue."},
		{Rule{Tag: "eqfield", Param: "password"}, "Must match password."},
		{Rule{Tag: "nefield", Param: "email"}, "Must be different from email."},
		{Rule{Tag: "alphanum"}, "Use letters and digits only."},
		{Rule{Tag: "numeric"}, "Enter a number."},
		{Rule{Tag: "uuid4"}, "Enter a valid UUID."},
		{Rule{Tag: "datetime", Param: "2006-01-02"}, "Enter a date in the format 2006-01-02."},
		{Rule{Tag: "type", Param: "int"}, "Enter a whole number."},
		{Rule{Tag: "type", Param: "float"}, "Enter a number."},
		{Rule{Tag: "type", Param: "bool"}, "Must be true or false."},
		{Rule{Tag: "type", Param: "text"}, "This value is not valid."},
		{Rule{Tag: "file"}, "Must be a file upload."},
		{Rule{Tag: "filetype"}, "This type of file is not allowed."},
		{Rule{Tag: "filesize"}, "This file is too large."},
		{Rule{Tag: "somethingnew"}, "This value is not valid."},
	}
	for _, tt := range tests {
		t.Run(tt.rule.Tag+"/"+tt.rule.Param, func(t *testing.T) {
			if got := DefaultMessage(tt.rule); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRulesThroughBind runs each validator tag through Bind to check that
// the message a client sees is the one DefaultMessage gives.
func TestRulesThroughBind(t *testing.T) {
	type rules struct {
		URL   string `form:"url" validate:"omitempty,url"`
		Link  string `form:"link" validate:"omitempty,http_url"`
		Len   string `form:"len" validate:"omitempty,len=4"`
		Alnum string `form:"alnum" validate:"omitempty,alphanum"`
		UUID  string `form:"uuid" validate:"omitempty,uuid"`
		Num   int    `form:"num" validate:"omitempty,gt=0,lt=10"`
		Date  string `form:"date" validate:"omitempty,datetime=2006-01-02"`
	}
	tests := []struct{ body, field, want string }{
		// validator's url accepts any scheme, javascript: included: links
		// that will be rendered need http_url.
		{"url=javascript%3Aalert(1)", "url", ""},
		{"link=javascript%3Aalert(1)", "link", "Enter a valid URL."},
		{"link=https%3A%2F%2Fexample.com%2F", "link", ""},
		{"url=not+a+url", "url", "Enter a valid URL."},
		{"len=abc", "len", "Must be exactly 4 characters long."},
		{"len=%C3%A9%C3%A9%C3%A9%C3%A9", "len", ""},
		{"alnum=a-b", "alnum", "Use letters and digits only."},
		{"uuid=123", "uuid", "Enter a valid UUID."},
		{"num=10", "num", "Must be less than 10."},
		{"num=-1", "num", "Must be more than 0."},
		{"date=2024-13-01", "date", "Enter a date in the format 2006-01-02."},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			err := Bind(post(ctForm, tt.body), &rules{})
			if got := Fields(err)[tt.field]; got != tt.want {
				t.Errorf("got %q, want %q (err %v)", got, tt.want, err)
			}
		})
	}
}
