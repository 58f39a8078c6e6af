package form

import (
	"encoding"
	"errors"
	"math"
	"mime/multipart"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CSRFField is the form field that carries the CSRF token. The binder knows
// it: a form that sends it never fails with "unknown field", whether or
// not the destination struct has a field for it.
const CSRFField = "csrf_token"

// CSRFHeader is the request header that may carry the CSRF token instead.
// The binder never reads headers, so it needs no special handling; it is
// named here so apps and the csrf package agree on it.
const CSRFHeader = "X-CSRF-Token"

// decoder fills one struct from key/value pairs. It is used for one
// request and then dropped.
type decoder struct {
	b        *Binder
	root     reflect.Value // the struct (not the pointer)
	plan     *structPlan
	seenTop  uint64              // top-level scalar fields already set (pos < 64)
	seen     map[string]struct{} // other scalar keys already set
	elems    int                 // slice elements allocated so far
	typeErrs FieldErrors
	ioErr    error // a server-side failure reading an upload
}

func (d *decoder) fieldError(key string, r Rule) {
	if d.typeErrs == nil {
		d.typeErrs = FieldErrors{}
	}
	if _, ok := d.typeErrs[key]; !ok {
		r.Field = key
		d.typeErrs[key] = d.b.message(r)
	}
}

// set assigns one submitted value (or the files of one file input) to the
// field that key names. Key grammar: name ( "." name | "[" index "]" )*.
func (d *decoder) set(key, val string, files []*multipart.FileHeader) *RequestError {
	v := d.root
	plan := d.plan
	rest := key
	for depth := 1; ; depth++ {
		if depth > d.b.cfg.MaxDepth {
			return badRequest("field name nested too deeply", errors.New(truncate(key)))
		}
		i := strings.IndexAny(rest, ".[")
		name := rest
		if i >= 0 {
			name, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		fp := plan.byName[name]
		if fp == nil {
			if (depth == 1 && key == CSRFField) || d.b.cfg.IgnoreUnknownFormFields {
				return nil
			}
			return badRequest("unknown field "+strconv.Quote(truncate(key)), nil)
		}
		fv := v.FieldByIndex(fp.index)
		switch fp.kind {
		case kindScalar:
			if rest != "" || files != nil {
				return d.mismatch(key, files)
			}
			if err := d.once(key, fp, depth); err != nil {
				return err
			}
			if val == "" && fv.Kind() == reflect.Pointer {
				fv.SetZero() // an empty input leaves an optional field nil
				return nil
			}
			d.setScalar(key, allocDeref(fv), val)
			return nil

		case kindFile, kindFiles:
			if rest != "" {
				return d.mismatch(key, nil)
			}
			if files == nil {
				// A browser sends an empty value for a file input left
				// empty; anything else is not a file.
				if val != "" {
					d.fieldError(key, Rule{Tag: "file", Kind: reflect.Struct})
				}
				return nil
			}
			if fp.kind == kindFile && len(files) > 1 {
				return badRequest("field "+strconv.Quote(truncate(key))+" given more than once", nil)
			}
			return d.setFiles(key, fp, fv, files)

		case kindStruct:
			if len(rest) < 2 || rest[0] != '.' {
				return d.mismatch(key, files)
			}
			rest = rest[1:]
			v = allocDeref(fv)
			plan = planFor(fp.base)

		case kindSlice:
			if rest == "" {
				if files != nil {
					return d.mismatch(key, files)
				}
				// name=a&name=b appends.
				if err := d.grow(key, fv, fv.Len()+1); err != nil {
					return err
				}
				d.setScalar(key, allocDeref(fv.Index(fv.Len()-1)), val)
				return nil
			}
			idx, after, err := d.index(key, rest)
			if err != nil {
				return err
			}
			if after != "" || files != nil {
				return d.mismatch(key, files)
			}
			if err := d.grow(key, fv, idx+1); err != nil {
				return err
			}
			if err := d.once(key, nil, depth); err != nil {
				return err
			}
			d.setScalar(key, allocDeref(fv.Index(idx)), val)
			return nil

		case kindStructSlice:
			idx, after, err := d.index(key, rest)
			if err != nil {
				return err
			}
			if len(after) < 2 || after[0] != '.' {
				return d.mismatch(key, files)
			}
			if err := d.grow(key, fv, idx+1); err != nil {
				return err
			}
			v = allocDeref(fv.Index(idx))
			plan = planFor(fp.base)
			rest = after[1:]
		}
	}
}

func (d *decoder) mismatch(key string, files []*multipart.FileHeader) *RequestError {
	if files != nil {
		return badRequest("field "+strconv.Quote(truncate(key))+" does not take a file", nil)
	}
	return badRequest("unknown field "+strconv.Quote(truncate(key)), nil)
}

// once rejects a second value for a single-valued field: with HTTP
// parameter pollution, which of two values wins differs between parsers
// (and between a WAF and the app), so the binder refuses to guess.
func (d *decoder) once(key string, fp *fieldPlan, depth int) *RequestError {
	if depth == 1 && fp != nil && fp.pos < 64 {
		bit := uint64(1) << fp.pos
		if d.seenTop&bit != 0 {
			return badRequest("field "+strconv.Quote(truncate(key))+" given more than once", nil)
		}
		d.seenTop |= bit
		return nil
	}
	if d.seen == nil {
		d.seen = map[string]struct{}{}
	}
	if _, dup := d.seen[key]; dup {
		return badRequest("field "+strconv.Quote(truncate(key))+" given more than once", nil)
	}
	d.seen[key] = struct{}{}
	return nil
}

// index parses "[n]" at the start of rest. Indexes above MaxSliceIndex are
// refused before anything is allocated (CVE-2024-37298 in gorilla/schema
// allocated a slice as long as the largest index a client sent).
func (d *decoder) index(key, rest string) (int, string, *RequestError) {
	if len(rest) < 3 || rest[0] != '[' {
		return 0, "", badRequest("unknown field "+strconv.Quote(truncate(key)), nil)
	}
	end := strings.IndexByte(rest, ']')
	if end < 2 || end > 10 {
		return 0, "", badRequest("bad index in field "+strconv.Quote(truncate(key)), nil)
	}
	digits := rest[1:end]
	if len(digits) > 1 && digits[0] == '0' {
		// One spelling per index: tags[00] must not slip past the
		// duplicate check for tags[0].
		return 0, "", badRequest("bad index in field "+strconv.Quote(truncate(key)), nil)
	}
	n := 0
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return 0, "", badRequest("bad index in field "+strconv.Quote(truncate(key)), nil)
		}
		n = n*10 + int(c-'0')
	}
	if n > d.b.cfg.MaxSliceIndex {
		return 0, "", badRequest("index too large in field "+strconv.Quote(truncate(key)), nil)
	}
	return n, rest[end+1:], nil
}

// grow makes the slice fv at least n long. Every element allocated counts
// against a per-request budget of MaxFields, so sparse indexes across many
// (nested) slices cannot multiply into a large allocation either.
func (d *decoder) grow(key string, fv reflect.Value, n int) *RequestError {
	l := fv.Len()
	if n <= l {
		return nil
	}
	d.elems += n - l
	if d.elems > d.b.cfg.MaxFields {
		return tooLarge("too many fields", errors.New("slice elements over MaxFields at "+truncate(key)))
	}
	if n <= fv.Cap() {
		fv.SetLen(n)
		return nil
	}
	c := max(n, 2*l)
	if c > d.b.cfg.MaxSliceIndex+1 {
		c = n
	}
	ns := reflect.MakeSlice(fv.Type(), n, c)
	reflect.Copy(ns, fv)
	fv.Set(ns)
	return nil
}

// allocDeref follows pointers, allocating nil ones.
func allocDeref(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	return v
}

func (d *decoder) setScalar(key string, v reflect.Value, s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if v.CanAddr() {
		if tu, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
			if s == "" {
				v.SetZero()
				return
			}
			if err := tu.UnmarshalText([]byte(s)); err != nil {
				d.fieldError(key, Rule{Tag: "type", Param: "text", Kind: v.Kind()})
			}
			return
		}
	}
	k := v.Kind()
	if s == "" && k != reflect.String {
		// An empty input for a number or a checkbox is "no value"; the
		// required rule, not the parser, decides whether that is allowed.
		v.SetZero()
		return
	}
	switch k {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		switch strings.ToLower(s) {
		case "1", "t", "true", "on", "yes", "y":
			v.SetBool(true)
		case "0", "f", "false", "off", "no", "n":
			v.SetBool(false)
		default:
			d.fieldError(key, Rule{Tag: "type", Param: "bool", Kind: k})
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			d.fieldError(key, Rule{Tag: "type", Param: "int", Kind: k})
			return
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			d.fieldError(key, Rule{Tag: "type", Param: "uint", Kind: k})
			return
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), v.Type().Bits())
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			d.fieldError(key, Rule{Tag: "type", Param: "float", Kind: k})
			return
		}
		v.SetFloat(f)
	}
}

// decodeURLEncoded feeds an application/x-www-form-urlencoded string to d.
// It counts the fields first so that an oversized form is refused before
// any of it is decoded.
func (d *decoder) decodeURLEncoded(s string) *RequestError {
	if n := strings.Count(s, "&") + 1; n > d.b.cfg.MaxFields {
		return tooLarge("too many fields", errors.New(strconv.Itoa(n)+" fields"))
	}
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		if strings.IndexByte(pair, ';') >= 0 {
			// Go's url.ParseQuery refuses ';' as a separator too: other
			// parsers split on it, a parser differential to avoid.
			return badRequest("malformed form data", errors.New("semicolon in form data"))
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return badRequest("malformed form data", err)
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return badRequest("malformed form data", err)
		}
		if err := d.set(key, val, nil); err != nil {
			return err
		}
	}
	return nil
}

// truncate bounds a client-supplied name echoed in an error message.
func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(s[:cut], "\uFFFD") + "..."
}
