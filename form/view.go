package form

import (
	"encoding"
	"errors"
	"fmt"
	"html/template"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Password is a string that a [View] never renders back into a form. Use
// it (or the tag `rampart:"secret"` on a string field) for passwords, card
// numbers and anything else that should not travel back to the browser
// after a failed submission.
type Password string

// View gives html/template what it needs to render a form: each field's
// submitted value, its error message and the ARIA attributes that tie the
// two together for screen readers. Build one per response with [NewView].
//
//	{{with .Form.Field "email"}}
//	  <label for="{{.ID}}">Email</label>
//	  <input id="{{.ID}}" name="{{.Name}}" type="email" value="{{.Value}}" {{.Aria}}>
//	  {{if .Invalid}}<p id="{{.ErrorID}}" class="error">{{.Error}}</p>{{end}}
//	{{end}}
//
// Values are plain strings: html/template escapes them for the context
// they appear in, so a submitted `"><script>` stays text. Nothing in a
// Field is template.HTML. Fields that are secret (type [Password] or tag
// `rampart:"secret"`) always render an empty value.
//
// For optional numbers use pointer types (*int): a nil pointer renders as
// an empty input, where an int would render "0".
type View struct {
	root reflect.Value
	plan *structPlan
	errs FieldErrors
	msg  string
}

// Field is one form field, ready for a template.
type Field struct {
	Name    string   // the input's name attribute
	ID      string   // an element id derived from Name: letters, digits, '-' and '_' only
	Value   string   // the current value as text; empty for secret fields and slices
	Values  []string // the current values of a slice field; nil otherwise
	Checked bool     // a bool field's value, for checkboxes
	Error   string   // the field's error message, or ""
	ErrorID string   // id for the element that shows Error: ID + "-error"
	Invalid bool     // whether the field has an error
}

// Aria returns `aria-invalid="true" aria-describedby="<ErrorID>"` for an
// invalid field and nothing otherwise, for use inside a tag:
// <input ... {{.Aria}}>. It is built only from the field's ID, which holds
// no characters that need escaping.
func (f Field) Aria() template.HTMLAttr {
	if !f.Invalid {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + f.ErrorID + `"`)
}

// Selected reports whether opt is the field's value or one of its values,
// for <option selected> and checkbox groups.
func (f Field) Selected(opt string) bool {
	return f.Value == opt || slices.Contains(f.Values, opt)
}

// NewView returns a View of dst, a pointer to the form struct, and the
// error from [Binder.Bind] or [Binder.Submitted] (nil for a fresh form).
// It panics if dst is not a non-nil pointer to a struct.
func NewView(dst any, err error) *View {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		panic("rampart/form: NewView needs a non-nil pointer to a struct")
	}
	v := &View{root: rv.Elem(), plan: planFor(rv.Elem().Type()), errs: Fields(err)}
	var re *RequestError
	if errors.As(err, &re) {
		v.msg = re.Message
	}
	return v
}

// Field returns the named field (a form name, as in the struct's tags;
// nested as "address.city" or "items[0].name"). An unknown name is an
// error, which stops template execution: a typo shows up at once.
func (v *View) Field(name string) (Field, error) {
	fv, fp, err := v.lookup(name)
	if err != nil {
		return Field{}, err
	}
	id := htmlID(name)
	f := Field{Name: name, ID: id, ErrorID: id + "-error"}
	if msg, ok := v.errs[name]; ok {
		f.Error, f.Invalid = msg, true
	}
	if fp.secret {
		return f, nil
	}
	switch fp.kind {
	case kindSlice:
		for i := range fv.Len() {
			f.Values = append(f.Values, formatValue(fv.Index(i)))
		}
	case kindScalar:
		f.Value = formatValue(fv)
		if b := derefValue(fv); b.IsValid() && b.Kind() == reflect.Bool {
			f.Checked = b.Bool()
		}
	case kindFile, kindFiles:
		// A file input cannot be given a value.
	}
	return f, nil
}

// Errors returns every field error, e.g. for a summary at the top of the
// form. It is nil when there are none.
func (v *View) Errors() FieldErrors { return v.errs }

// Invalid reports whether the submission had field errors.
func (v *View) Invalid() bool { return len(v.errs) > 0 }

// Message returns the summary of the error the View was built with
// ("invalid input", "request body too large", ...), or "".
func (v *View) Message() string { return v.msg }

func (v *View) lookup(name string) (reflect.Value, *fieldPlan, error) {
	val, plan, rest := v.root, v.plan, name
	for {
		seg := rest
		i := strings.IndexAny(rest, ".[")
		if i >= 0 {
			seg, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		fp := plan.byName[seg]
		if fp == nil {
			return reflect.Value{}, nil, fmt.Errorf("rampart/form: no field %q in %s", name, v.root.Type())
		}
		fv := val.FieldByIndex(fp.index)
		if rest == "" {
			return fv, fp, nil
		}
		switch {
		case fp.kind == kindStruct && rest[0] == '.':
			fv = derefValue(fv)
			if !fv.IsValid() {
				return reflect.Value{}, nil, fmt.Errorf("rampart/form: field %q is nil", name)
			}
			val, plan, rest = fv, planFor(fp.base), rest[1:]
		case fp.kind == kindStructSlice && rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			n, err := strconv.Atoi(rest[1:max(end, 1)])
			if end < 0 || err != nil || n < 0 || len(rest) < end+2 || rest[end+1] != '.' {
				return reflect.Value{}, nil, fmt.Errorf("rampart/form: bad field name %q", name)
			}
			if n >= fv.Len() {
				return reflect.Value{}, nil, fmt.Errorf("rampart/form: field %q: index out of range", name)
			}
			val, plan, rest = derefValue(fv.Index(n)), planFor(fp.base), rest[end+2:]
			if !val.IsValid() {
				return reflect.Value{}, nil, fmt.Errorf("rampart/form: field %q is nil", name)
			}
		default:
			return reflect.Value{}, nil, fmt.Errorf("rampart/form: no field %q in %s", name, v.root.Type())
		}
	}
}

func derefValue(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

func formatValue(v reflect.Value) string {
	v = derefValue(v)
	if !v.IsValid() {
		return ""
	}
	if v.CanAddr() {
		if tm, ok := v.Addr().Interface().(encoding.TextMarshaler); ok {
			b, err := tm.MarshalText()
			if err != nil {
				return ""
			}
			return string(b)
		}
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits())
	}
	return ""
}

// htmlID maps a field name to an id attribute value: [A-Za-z0-9_-] kept,
// anything else becomes '-'.
func htmlID(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) == 0 {
		return "field"
	}
	return string(b)
}
