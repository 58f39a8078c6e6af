package form

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// bindJSON decodes one JSON object into dst. body is already bounded by
// MaxBodyBytes.
//
// For a "flat" struct (see jsonPlan), whose only object encoding/json
// matches keys against is the top-level one, scanJSON also refuses unknown
// fields and trailing data, so the body is decoded with json.Unmarshal:
// one pass less than a json.Decoder (no buffer copy, no trailing-token
// read). Other structs go through a Decoder with DisallowUnknownFields.
func (b *Binder) bindJSON(bb *bodyBuf, dst reflect.Value) error {
	return b.bindJSONPlan(bb, dst, jsonPlanFor(dst.Type().Elem()))
}

func (b *Binder) bindJSONPlan(bb *bodyBuf, dst reflect.Value, plan *jsonPlan) error {
	body := bb.b
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("empty JSON body", nil)
	}
	if err := scanJSON(body, b.cfg.MaxDepth, plan); err != nil {
		return err
	}
	var typeErrs FieldErrors
	if plan != nil {
		if err := json.Unmarshal(body, dst.Interface()); err != nil {
			var stop error
			if typeErrs, stop = b.jsonError(err, body); stop != nil {
				return stop
			}
		}
	} else {
		bb.r.Reset(body)
		var err error
		if typeErrs, err = b.decodeJSON(&bb.r, body, dst); err != nil {
			return err
		}
	}
	normalize(dst)
	return b.validate(dst, typeErrs, true)
}

func (b *Binder) decodeJSON(rd io.Reader, body []byte, dst reflect.Value) (FieldErrors, error) {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst.Interface())
	var typeErrs FieldErrors
	if err != nil {
		// Error handling lives in its own function: the targets of
		// errors.As escape, and declaring them here would cost three
		// allocations on every successful request.
		if name, ok := unknownField(err); ok && name == CSRFField {
			// The CSRF token is allowed in any body: decode again
			// without it.
			return b.decodeJSONWithoutCSRF(body, dst)
		}
		var stop error
		typeErrs, stop = b.jsonError(err, body)
		if stop != nil {
			return nil, stop
		}
	}
	// Exactly one value: {"a":1} {"a":2} or {"a":1}garbage is refused.
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("unexpected data after the JSON object", err)
	}
	return typeErrs, nil
}

// unknownField returns the name in encoding/json's unknown-field error,
// which has no type of its own.
func unknownField(err error) (string, bool) {
	const prefix = "json: unknown field "
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return "", false
	}
	name, qerr := strconv.Unquote(strings.TrimPrefix(msg, prefix))
	return name, qerr == nil
}

// jsonError classifies a decoding error: a 400 to stop with, or the type
// error to report as a field error after validation.
func (b *Binder) jsonError(err error, body []byte) (FieldErrors, error) {
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.Is(err, errFileInJSON):
		return nil, badRequest("file fields need multipart/form-data", err)
	case errors.As(err, &se):
		line, col := position(body, se.Offset)
		return nil, badRequest("malformed JSON at line "+strconv.Itoa(line)+", column "+strconv.Itoa(col), err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, badRequest("malformed JSON: unexpected end of input", err)
	case errors.As(err, &ute):
		if ute.Field == "" {
			return nil, badRequest("JSON body must be an object", err)
		}
		// encoding/json keeps going after a type error and reports the
		// first one: the rest of the struct is filled and can be
		// validated, so the client hears about every problem at once.
		return FieldErrors{ute.Field: b.message(Rule{Field: ute.Field, Tag: "type", Param: jsonTypeParam(ute.Type), Kind: ute.Type.Kind()})}, nil
	}
	if name, ok := unknownField(err); ok {
		return nil, badRequest("unknown field "+strconv.Quote(truncate(name)), nil)
	}
	var ite *json.InvalidUnmarshalError
	if errors.As(err, &ite) {
		panic("rampart/form: " + err.Error())
	}
	return nil, badRequest("malformed JSON", err)
}

func (b *Binder) decodeJSONWithoutCSRF(body []byte, dst reflect.Value) (FieldErrors, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, badRequest("malformed JSON", err)
	}
	delete(obj, CSRFField)
	stripped, err := json.Marshal(obj)
	if err != nil {
		return nil, badRequest("malformed JSON", err)
	}
	dst.Elem().SetZero()
	return b.decodeJSON(bytes.NewReader(stripped), stripped, dst)
}

func jsonTypeParam(t reflect.Type) string {
	switch k := deref(t).Kind(); {
	case k >= reflect.Int && k <= reflect.Int64:
		return "int"
	case k >= reflect.Uint && k <= reflect.Uintptr:
		return "uint"
	case k == reflect.Float32 || k == reflect.Float64:
		return "float"
	case k == reflect.Bool:
		return "bool"
	case k == reflect.String:
		return "string"
	case k == reflect.Slice || k == reflect.Array:
		return "array"
	case k == reflect.Struct || k == reflect.Map:
		return "object"
	}
	return "text"
}

// position turns a byte offset into a 1-based line and column.
func position(body []byte, off int64) (line, col int) {
	if off > int64(len(body)) {
		off = int64(len(body))
	}
	before := body[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}

// keySpan is a raw (still escaped) key inside the body.
type keySpan struct{ start, end int }

// jsonFrame is one open object or array; an object's keys are
// keys[firstKey:] in scanJSON's flat key list.
type jsonFrame struct {
	object   bool
	firstKey int
}

// scanJSON runs before encoding/json and refuses, with a 400:
//
//   - nesting deeper than maxDepth: encoding/json allows 10000 levels,
//     and a deep body is pure cost (a 5000-deep body crashed a Python
//     peer with a 500);
//   - an object with the same key twice, comparing keys the way
//     encoding/json matches them to fields (case-insensitively, with
//     Unicode simple folding, so "Title", "TITLE" and "tıtle" collide):
//     encoding/json would keep the last, other parsers the first, and
//     that disagreement is how payloads slip past a validating proxy.
//     (RFC 8259 section 4 leaves duplicate names undefined; encoding/json
//     v2 rejects them too.)
//   - anything but whitespace after the top-level object or array;
//   - with a non-nil plan, a key of the top-level object that is neither
//     one of plan's fields nor the CSRF field.
//
// It does not validate the syntax otherwise: encoding/json does. An
// object may hold at most 1000 keys (413), which also bounds the
// quadratic duplicate check.
func scanJSON(body []byte, maxDepth int, plan *jsonPlan) error {
	var frameBuf [16]jsonFrame
	var keyBuf [32]keySpan
	stack, keys := frameBuf[:0], keyBuf[:0]
	lastStr := keySpan{-1, -1}
	closed := false // the top-level object or array has ended
	for i := 0; i < len(body); i++ {
		c := body[i]
		if closed {
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				return badRequest("unexpected data after the JSON object", nil)
			}
			continue
		}
		switch c {
		case '"':
			// Find the closing quote: the next one not escaped by an
			// odd run of backslashes.
			start := i + 1
			j := start
			for {
				k := bytes.IndexByte(body[j:], '"')
				if k < 0 {
					return nil // unterminated: encoding/json reports it
				}
				j += k
				n := 0
				for n < j-start && body[j-1-n] == '\\' {
					n++
				}
				if n%2 == 0 {
					break
				}
				j++
			}
			lastStr = keySpan{start, j}
			i = j
		case '{', '[':
			if len(stack) >= maxDepth {
				return badRequest("JSON nested too deeply (limit "+strconv.Itoa(maxDepth)+")", nil)
			}
			stack = append(stack, jsonFrame{object: c == '{', firstKey: len(keys)})
		case '}', ']':
			if len(stack) > 0 {
				keys = keys[:stack[len(stack)-1].firstKey]
				stack = stack[:len(stack)-1]
				closed = len(stack) == 0
			}
		case ':':
			if len(stack) == 0 || !stack[len(stack)-1].object || lastStr.start < 0 {
				continue // a syntax error encoding/json will report
			}
			key := body[lastStr.start:lastStr.end]
			own := keys[stack[len(stack)-1].firstKey:]
			for _, k := range own {
				if sameJSONKey(body[k.start:k.end], key) {
					return badRequest("duplicate field "+strconv.Quote(truncate(unescapeKey(key))), nil)
				}
			}
			if len(own) >= 1000 {
				return tooLarge("too many fields in a JSON object", nil)
			}
			if plan != nil && len(stack) == 1 && !plan.knows(key) {
				return badRequest("unknown field "+strconv.Quote(truncate(unescapeKey(key))), nil)
			}
			keys = append(keys, lastStr)
			lastStr = keySpan{-1, -1}
		}
	}
	return nil
}

func unescapeKey(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var s string
	if err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s); err != nil {
		return string(raw)
	}
	return s
}

// sameJSONKey compares two raw keys the way encoding/json folds names.
func sameJSONKey(a, b []byte) bool {
	// Fast path: plain ASCII, no escapes.
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if ca >= utf8.RuneSelf || cb >= utf8.RuneSelf || ca == '\\' || cb == '\\' {
			return sameJSONKeySlow(a[i:], b[i:])
		}
		if ca != cb && upperASCII(ca) != upperASCII(cb) {
			return false
		}
	}
	if len(a) == len(b) {
		return true
	}
	return sameJSONKeySlow(a[n:], b[n:])
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// sameJSONKeySlow is sameJSONKey for keys with escapes or non-ASCII
// letters ("ſ" folds to "S", the Kelvin sign to "K").
func sameJSONKeySlow(a, b []byte) bool {
	if bytes.IndexByte(a, '\\') >= 0 || bytes.IndexByte(b, '\\') >= 0 {
		return foldKey(unescapeKey(a)) == foldKey(unescapeKey(b))
	}
	for len(a) > 0 && len(b) > 0 {
		ra, na := utf8.DecodeRune(a)
		rb, nb := utf8.DecodeRune(b)
		if foldRune(ra) != foldRune(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) == 0 && len(b) == 0
}

func foldKey(s string) string { return strings.Map(foldRune, s) }

// foldRune matches encoding/json's name folding: upper case, with
// unicode.ToUpper for non-ASCII letters (so 'ſ' is 'S' and 'ı' is 'I').
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	return unicode.ToUpper(unicode.ToLower(r))
}

// jsonPlan lets scanJSON do encoding/json's unknown-field check for a
// "flat" struct: one without embedded structs whose fields hold no struct
// that encoding/json would decode field by field (a struct, or a slice,
// array, map or pointer of one, unless it implements json.Unmarshaler).
// For such a struct the top-level object is the only one whose keys
// encoding/json matches against fields, and its keys are known when they
// fold (as encoding/json folds) to a field's name.
type jsonPlan struct {
	names map[string]struct{} // folded field names
}

var jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// jsonPlans caches jsonPlanFor; a nil *jsonPlan (not flat) is cached too.
var jsonPlans sync.Map // reflect.Type -> *jsonPlan

// jsonPlanFor returns t's plan, or nil when t is not flat and a
// json.Decoder with DisallowUnknownFields must check its keys.
func jsonPlanFor(t reflect.Type) *jsonPlan {
	if p, ok := jsonPlans.Load(t); ok {
		return p.(*jsonPlan)
	}
	p := buildJSONPlan(t)
	jsonPlans.Store(t, p)
	return p
}

func buildJSONPlan(t reflect.Type) *jsonPlan {
	if t.Kind() != reflect.Struct {
		return nil
	}
	p := &jsonPlan{names: map[string]struct{}{}}
	var names []string
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil // promoted fields: encoding/json's own rules
		}
		if !sf.IsExported() || sf.Tag.Get("json") == "-" {
			continue
		}
		if !jsonLeaf(sf.Type) {
			return nil
		}
		name := jsonName(sf)
		folded := foldKey(name)
		if _, dup := p.names[folded]; dup {
			return nil // encoding/json may drop both; let it decide
		}
		p.names[folded] = struct{}{}
		names = append(names, name)
	}
	// Confirm every name with encoding/json itself: if it does not know
	// one, this plan's idea of the struct is wrong; fall back.
	for _, name := range names {
		probe, _ := json.Marshal(map[string]any{name: nil})
		dec := json.NewDecoder(bytes.NewReader(probe))
		dec.DisallowUnknownFields()
		if dec.Decode(reflect.New(t).Interface()) != nil {
			return nil
		}
	}
	return p
}

// jsonLeaf reports whether encoding/json decodes a value of type t without
// matching object keys against struct fields.
func jsonLeaf(t reflect.Type) bool {
	for {
		if t.Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
			return true
		}
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			return false
		default:
			return true
		}
	}
}

// knows reports whether raw, a key of the top-level object as it appears
// in the body, names one of the struct's fields or is the CSRF field
// (which Bind tolerates in any body).
func (p *jsonPlan) knows(raw []byte) bool {
	if bytes.IndexByte(raw, '\\') >= 0 {
		key := unescapeKey(raw)
		if key == CSRFField {
			return true
		}
		_, ok := p.names[foldKey(key)]
		return ok
	}
	if string(raw) == CSRFField {
		return true
	}
	var buf [64]byte
	if len(raw) <= len(buf) {
		ascii := true
		for i, c := range raw {
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
			buf[i] = upperASCII(c)
		}
		if ascii {
			_, ok := p.names[string(buf[:len(raw)])]
			return ok
		}
	}
	_, ok := p.names[foldKey(string(raw))]
	return ok
}
