package form

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// bindJSON decodes one JSON object into dst. body is already bounded by
// MaxBodyBytes.
func (b *Binder) bindJSON(bb *bodyBuf, dst reflect.Value) error {
	body := bb.b
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("empty JSON body", nil)
	}
	if err := scanJSON(body, b.cfg.MaxDepth); err != nil {
		return err
	}
	bb.r.Reset(body)
	typeErrs, err := b.decodeJSON(&bb.r, body, dst)
	if err != nil {
		return err
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
//
// It does not validate the syntax otherwise: encoding/json does. An
// object may hold at most 1000 keys (413), which also bounds the
// quadratic duplicate check.
func scanJSON(body []byte, maxDepth int) error {
	var frameBuf [16]jsonFrame
	var keyBuf [32]keySpan
	stack, keys := frameBuf[:0], keyBuf[:0]
	strStart, lastStr := -1, keySpan{-1, -1}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if strStart >= 0 {
			switch c {
			case '\\':
				i++
			case '"':
				lastStr = keySpan{strStart, i}
				strStart = -1
			}
			continue
		}
		switch c {
		case '"':
			strStart = i + 1
		case '{', '[':
			if len(stack) >= maxDepth {
				return badRequest("JSON nested too deeply (limit "+strconv.Itoa(maxDepth)+")", nil)
			}
			stack = append(stack, jsonFrame{object: c == '{', firstKey: len(keys)})
		case '}', ']':
			if len(stack) > 0 {
				keys = keys[:stack[len(stack)-1].firstKey]
				stack = stack[:len(stack)-1]
			}
		case ':':
			if len(stack) == 0 || !stack[len(stack)-1].object || lastStr.start < 0 {
				continue // a syntax error encoding/json will report
			}
			own := keys[stack[len(stack)-1].firstKey:]
			for _, k := range own {
				if sameJSONKey(body[k.start:k.end], body[lastStr.start:lastStr.end]) {
					name := unescapeKey(body[lastStr.start:lastStr.end])
					return badRequest("duplicate field "+strconv.Quote(truncate(name)), nil)
				}
			}
			if len(own) >= 1000 {
				return tooLarge("too many fields in a JSON object", nil)
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
