package form

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"

	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/proxy"
)

// Config configures a [Binder]. The zero value is safe; each field's doc
// ends with its default.
type Config struct {
	// MaxBodyBytes bounds the request body. A larger body is refused with
	// 413 before it is decoded. For upload routes, build a separate
	// Binder with a larger limit. Default: 1 MiB.
	MaxBodyBytes int64
	// MaxMemory is how much of a multipart body is kept in memory; the
	// rest of the file parts is spooled to temporary files, which
	// net/http removes when the handler returns. Default: 1 MiB.
	MaxMemory int64
	// MaxFields bounds the number of fields in a urlencoded or multipart
	// body (or URL query), counted before decoding, and also the total
	// number of slice elements the binder may allocate for one request.
	// More is refused with 413. Default: 1000.
	MaxFields int
	// MaxSliceIndex is the largest index accepted in a field name like
	// items[7]. Larger indexes are refused with 400 before anything is
	// allocated. Default: 100.
	MaxSliceIndex int
	// MaxDepth bounds nesting: of JSON objects and arrays, and of the
	// names in a form field name (a.b[0].c has 3). Deeper input is
	// refused with 400. Default: 32.
	MaxDepth int
	// MaxFileBytes bounds each uploaded file; a larger one is a field
	// error (422). The body limit applies too. Default: MaxBodyBytes.
	MaxFileBytes int64
	// AllowedFileTypes lists the content types (as detected from the
	// bytes, see [File]) accepted for uploads. A field's own accept tag,
	// e.g. `accept:"image/png,image/jpeg"`, overrides it. Default:
	// [DefaultAllowedFileTypes].
	AllowedFileTypes []string
	// IgnoreUnknownFormFields makes urlencoded and multipart bodies (and
	// URL queries) with fields the struct does not have bind anyway,
	// ignoring those fields. Use it when a page posts fields you do not
	// model (submit button names, analytics). JSON bodies always reject
	// unknown fields. The CSRF field is always known. Default: false
	// (an unknown field is a 400 naming it, so a typo or a client and
	// server out of step shows up at once).
	IgnoreUnknownFormFields bool
	// Messages returns the message for a failed rule, for translation or
	// a different tone. Return "" to fall back to [DefaultMessage].
	// It must be safe for concurrent use. Default: nil (English).
	Messages func(Rule) string
	// Logger receives an input_validation_fail security event (see the
	// event package) for every request Bind refuses, with the status,
	// the reason, the names (never the values) of the invalid fields, the
	// method, path and client IP. Default: slog.Default().
	Logger *slog.Logger
}

// Binder decodes requests into structs and validates them. Build one with
// [New]; it is safe for concurrent use by multiple goroutines.
type Binder struct {
	cfg       Config
	formValid *validator.Validate // field names from form tags
	jsonValid *validator.Validate // field names from json tags
}

// New returns a Binder for cfg, filling in defaults. It panics on a
// negative limit: that is a programming mistake, not a runtime condition.
func New(cfg Config) *Binder {
	for name, v := range map[string]int64{
		"MaxBodyBytes": cfg.MaxBodyBytes, "MaxMemory": cfg.MaxMemory,
		"MaxFields": int64(cfg.MaxFields), "MaxSliceIndex": int64(cfg.MaxSliceIndex),
		"MaxDepth": int64(cfg.MaxDepth), "MaxFileBytes": cfg.MaxFileBytes,
	} {
		if v < 0 {
			panic("rampart/form: Config." + name + " must not be negative")
		}
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxMemory == 0 {
		cfg.MaxMemory = 1 << 20
	}
	if cfg.MaxFields == 0 {
		cfg.MaxFields = 1000
	}
	if cfg.MaxSliceIndex == 0 {
		cfg.MaxSliceIndex = 100
	}
	if cfg.MaxDepth == 0 {
		cfg.MaxDepth = 32
	}
	if cfg.MaxFileBytes == 0 {
		cfg.MaxFileBytes = cfg.MaxBodyBytes
	}
	if len(cfg.AllowedFileTypes) == 0 {
		cfg.AllowedFileTypes = DefaultAllowedFileTypes()
	} else {
		cfg.AllowedFileTypes = slices.Clone(cfg.AllowedFileTypes)
	}
	b := &Binder{cfg: cfg}
	b.formValid = newValidator(formName)
	b.jsonValid = newValidator(jsonName)
	return b
}

// Normalizer is implemented by a form that cleans its own fields. Bind
// calls Normalize after decoding and before validating, so the rules judge
// what will be stored: a body of "<script>...</script>" that sanitizes to
// "" fails `required` instead of saving an empty note.
//
//	func (f *NoteForm) Normalize() {
//		f.Title = sanitize.Line(f.Title)
//		f.Body = sanitize.HTML(f.Body)
//	}
//
// Normalize must not fail; it sees the struct even when some fields had
// type errors.
type Normalizer interface {
	Normalize()
}

func normalize(rv reflect.Value) {
	if n, ok := rv.Interface().(Normalizer); ok {
		n.Normalize()
	}
}

var defaultBinder = sync.OnceValue(func() *Binder { return New(Config{}) })

// Bind decodes r into dst with the default [Binder] (zero [Config]) and
// validates it. See [Binder.Bind].
func Bind(r *http.Request, dst any) error { return defaultBinder().Bind(r, dst) }

// Submitted is [Binder.Submitted] with the default [Binder].
func Submitted(r *http.Request, dst any) (bool, error) { return defaultBinder().Submitted(r, dst) }

// Validate is [Binder.Validate] with the default [Binder].
func Validate(v any) error { return defaultBinder().Validate(v) }

// Submitted is the equivalent of Flask-WTF's validate_on_submit. It
// returns:
//
//   - false, nil for GET, HEAD, OPTIONS and TRACE: nothing was submitted,
//     show the empty form (dst is left as the caller prepared it);
//   - true, nil for any other method when the body binds into dst and
//     every field is valid: act on it, then redirect (303);
//   - false, err when binding or validation failed. With Status(err) ==
//     422, re-render the form with [NewView](dst, err), which shows each
//     field's error; anything else, answer with Status(err).
//
// It panics if dst is not a non-nil pointer to a struct.
func (b *Binder) Submitted(r *http.Request, dst any) (bool, error) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false, nil
	}
	if err := b.Bind(r, dst); err != nil {
		return false, err
	}
	return true, nil
}

// Bind decodes the request into dst, a pointer to a struct, and validates
// it with the struct's `validate` tags (go-playground/validator).
//
// For GET and HEAD it reads the URL query. For other methods it reads the
// body, by Content-Type: application/x-www-form-urlencoded,
// multipart/form-data, or application/json (also application/*+json);
// anything else is a 415. The URL query is never mixed into a body.
//
// Field names come from the `form` tag, else the `json` tag, else the Go
// field name, for forms; from the `json` tag for JSON. Errors are keyed by
// those names. Every error caused by the request is a [*RequestError] with
// the status to answer with; see [Config] for the limits.
//
// If something earlier in the chain already parsed the body (a CSRF check
// calling r.FormValue), Bind binds from r.PostForm or r.MultipartForm
// with the same field checks; the body size limit is then whatever that
// parse applied, so such middleware should bound the body itself.
//
// After a 422, dst holds what was submitted (for re-rendering the form);
// after any other error it is reset to its zero value, so nothing
// half-decoded survives a refused request.
//
// Bind panics if dst is not a non-nil pointer to a struct.
func (b *Binder) Bind(r *http.Request, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		panic("rampart/form: Bind needs a non-nil pointer to a struct, got " + reflect.TypeOf(dst).String())
	}
	err := b.bind(r, rv)
	if err != nil {
		if Status(err) != http.StatusUnprocessableEntity {
			// Nothing half-decoded survives a refused request.
			rv.Elem().SetZero()
		}
		b.logRefusal(r, err)
	}
	return err
}

// logRefusal emits input_validation_fail for a refused request. Values are
// never logged: a password field fails validation as easily as any other.
func (b *Binder) logRefusal(r *http.Request, err error) {
	var re *RequestError
	if !errors.As(err, &re) {
		return
	}
	attrs := []slog.Attr{
		slog.Int("status", re.Status),
		slog.String("reason", re.Message),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("client_ip", proxy.ClientIP(r).String()),
	}
	if len(re.Fields) > 0 {
		names := make([]string, 0, len(re.Fields))
		for k := range re.Fields {
			names = append(names, k)
		}
		slices.Sort(names)
		attrs = append(attrs, slog.Any("fields", names))
	}
	event.Emit(r.Context(), b.cfg.Logger, event.InputValidationFail, attrs...)
}

func (b *Binder) bind(r *http.Request, rv reflect.Value) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return b.bindValues(rv, r.URL.RawQuery, nil)
	}
	ct := r.Header.Get("Content-Type")
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case mt == "application/x-www-form-urlencoded":
		if r.PostForm != nil {
			// Something before us (a CSRF check calling r.FormValue)
			// already consumed the body into r.PostForm: bind from it.
			// The field limit still holds; the body limit was whatever
			// that code applied (net/http's default is 10 MB).
			return b.bindPostForm(r, rv)
		}
		bb, err := b.readBody(r)
		if err != nil {
			return err
		}
		body := string(bb.b)
		bb.release()
		return b.bindValues(rv, body, nil)
	case mt == "multipart/form-data":
		return b.bindMultipart(r, rv)
	case mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")):
		bb, err := b.readBody(r)
		if err != nil {
			return err
		}
		defer bb.release()
		return b.bindJSON(bb, rv)
	}
	msg := "unsupported content type"
	if mt == "" {
		msg = "missing content type"
	}
	return &RequestError{Status: http.StatusUnsupportedMediaType, Message: msg + "; use application/x-www-form-urlencoded, multipart/form-data or application/json"}
}

// Validate validates v, a struct or pointer to one, with its `validate`
// tags, keying errors by form name. It returns nil or a 422
// [*RequestError]. Use it for values an app builds itself.
func (b *Binder) Validate(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		p := reflect.New(rv.Type())
		p.Elem().Set(rv)
		rv = p
	}
	return b.validate(rv, nil, false)
}

// bindValues decodes a urlencoded string, or mf when it is not nil.
func (b *Binder) bindValues(rv reflect.Value, urlencoded string, mf *multipart.Form) error {
	d := decoder{b: b, root: rv.Elem(), plan: planFor(rv.Elem().Type())}
	var err *RequestError
	if mf != nil {
		err = d.decodeMultipart(mf)
	} else {
		err = d.decodeURLEncoded(urlencoded)
	}
	if err != nil {
		return err
	}
	if d.ioErr != nil {
		return errors.Join(errors.New("form: reading an upload"), d.ioErr)
	}
	normalize(rv)
	return b.validate(rv, d.typeErrs, false)
}

// bodyBuf holds a request body while it is decoded. Both decoders copy
// what they keep (string(...) for forms, encoding/json for JSON), so the
// buffer can be cleared and reused once decoding is done.
type bodyBuf struct {
	b []byte
	r bytes.Reader
}

// maxPooledBody bounds the buffers kept for reuse: a rare large body
// should not pin its memory in the pool.
const maxPooledBody = 64 << 10

var bodyPool = sync.Pool{New: func() any { return new(bodyBuf) }}

func (bb *bodyBuf) release() {
	if cap(bb.b) > maxPooledBody {
		return
	}
	clear(bb.b[:cap(bb.b)]) // no submitted value (a password) lingers
	bb.b = bb.b[:0]
	bb.r.Reset(nil)
	bodyPool.Put(bb)
}

// readBody reads the whole body, refusing more than MaxBodyBytes. The
// caller releases the result.
func (b *Binder) readBody(r *http.Request) (*bodyBuf, error) {
	max := b.cfg.MaxBodyBytes
	if r.ContentLength > max {
		return nil, tooLarge("request body too large (limit "+strconv.FormatInt(max, 10)+" bytes)", nil)
	}
	bb := bodyPool.Get().(*bodyBuf)
	if r.Body == nil || r.Body == http.NoBody {
		return bb, nil
	}
	if r.ContentLength >= 0 {
		n := int(r.ContentLength)
		if cap(bb.b) < n {
			bb.b = make([]byte, n)
		}
		bb.b = bb.b[:n]
		if _, err := io.ReadFull(r.Body, bb.b); err != nil {
			bb.release()
			return nil, badRequest("incomplete request body", err)
		}
		return bb, nil
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		bb.release()
		return nil, badRequest("could not read request body", err)
	}
	if int64(len(buf)) > max {
		bb.release()
		return nil, tooLarge("request body too large (limit "+strconv.FormatInt(max, 10)+" bytes)", nil)
	}
	bb.b = buf
	return bb, nil
}

func (b *Binder) bindMultipart(r *http.Request, rv reflect.Value) error {
	max := b.cfg.MaxBodyBytes
	if r.ContentLength > max {
		return tooLarge("request body too large (limit "+strconv.FormatInt(max, 10)+" bytes)", nil)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, max)
	// ParseMultipartForm stores the form in r.MultipartForm, so net/http
	// removes any temporary files once the handler returns. Go's
	// multipart reader also bounds the number of parts (1000) and header
	// sizes; MaxFields is checked right after.
	if err := r.ParseMultipartForm(b.cfg.MaxMemory); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, multipart.ErrMessageTooLarge) {
			return tooLarge("request body too large (limit "+strconv.FormatInt(max, 10)+" bytes)", err)
		}
		return badRequest("malformed multipart body", err)
	}
	mf := r.MultipartForm
	n := 0
	for _, vs := range mf.Value {
		n += len(vs)
	}
	for _, fs := range mf.File {
		n += len(fs)
	}
	if n > b.cfg.MaxFields {
		return tooLarge("too many fields", errors.New(strconv.Itoa(n)+" fields"))
	}
	return b.bindValues(rv, "", mf)
}

func (b *Binder) bindPostForm(r *http.Request, rv reflect.Value) error {
	n := 0
	for _, vs := range r.PostForm {
		n += len(vs)
	}
	if n > b.cfg.MaxFields {
		return tooLarge("too many fields", errors.New(strconv.Itoa(n)+" fields"))
	}
	return b.bindValues(rv, "", &multipart.Form{Value: r.PostForm})
}

func (d *decoder) decodeMultipart(mf *multipart.Form) *RequestError {
	// Sorted keys: errors and duplicate checks do not depend on map order.
	keys := make([]string, 0, len(mf.Value)+len(mf.File))
	for k := range mf.Value {
		keys = append(keys, k)
	}
	for k := range mf.File {
		if _, ok := mf.Value[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range mf.Value[k] {
			if err := d.set(k, v, nil); err != nil {
				return err
			}
		}
		if fs := mf.File[k]; len(fs) > 0 {
			if err := d.set(k, "", fs); err != nil {
				return err
			}
		}
	}
	return nil
}
