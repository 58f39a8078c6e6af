// Package form binds HTML form and JSON request bodies into typed structs,
// validates them, and helps render the form again with its errors: the Go
// counterpart of Flask-WTF's FlaskForm and validate_on_submit.
//
//	type NoteForm struct {
//		Title string `form:"title" json:"title" validate:"required,max=200"`
//		Body  string `form:"body"  json:"body"  validate:"required,max=10000"`
//	}
//
//	func create(w http.ResponseWriter, r *http.Request) {
//		var f NoteForm
//		ok, err := form.Submitted(r, &f)
//		switch {
//		case ok:
//			// save, then redirect: 303 See Other
//		case form.Status(err) == http.StatusUnprocessableEntity || err == nil:
//			// GET, or invalid fields: render with form.NewView(&f, err),
//			// status 422 when err != nil
//		default:
//			http.Error(w, http.StatusText(form.Status(err)), form.Status(err))
//		}
//	}
//
// For a JSON API: if err := form.Bind(r, &f); err != nil {
// form.WriteJSONError(w, err); return }. Invalid fields give
// 422 {"errors":{"title":"This field is required."}}.
//
// # What Bind accepts
//
// [Bind] reads the body of POST, PUT, PATCH and DELETE requests by
// Content-Type: application/x-www-form-urlencoded, multipart/form-data
// (with file uploads, see [File]) or application/json; any other type is
// a 415. GET and HEAD bind the URL query (search forms). Form field names
// come from the `form` tag (else `json`, else the Go name); nested structs
// are "address.city", slices are repeated keys (tags=a&tags=b) or indexed
// (tags[0]=a, items[0].sku=X). Supported field types: strings, bools
// (checkbox "on"), integers, floats, encoding.TextUnmarshaler (time.Time
// as RFC 3339), pointers to these (nil when the input is empty), slices of
// these, nested structs and slices of structs, *File and []*File.
//
// # Limits, on by default
//
// Every limit is checked before the input is decoded, so the work a
// request can cause is bounded by the limits, not by the request:
//
//   - body size: [Config.MaxBodyBytes] (1 MiB) → 413;
//   - number of fields: [Config.MaxFields] (1000) → 413, counted before
//     decoding; it also caps the slice elements one request may allocate;
//   - slice indexes: [Config.MaxSliceIndex] (100) → 400. gorilla/schema
//     allocated a slice as long as the largest index a client sent, so
//     a[100000000]=x exhausted memory (CVE-2024-37298,
//     https://github.com/gorilla/schema/security/advisories/GHSA-3669-72x9-r9p3);
//   - nesting: [Config.MaxDepth] (32) → 400 for JSON and for field names.
//     A 5000-deep JSON body is refused in a byte scan before encoding/json
//     sees it;
//   - duplicates: a single-valued field sent twice (email=a&email=b) or a
//     JSON object with a repeated key (also "Email" vs "email", as
//     encoding/json matches names case-insensitively) → 400. Parsers
//     disagree on which duplicate wins (first, last, joined), which is how
//     HTTP parameter pollution slips values past a check;
//   - unknown fields → 400 naming the field, for JSON always and for forms
//     unless [Config.IgnoreUnknownFormFields]. The CSRF field
//     ([CSRFField], "csrf_token") is always known, whether or not the
//     struct has it, and the [CSRFHeader] is never a field;
//   - JSON must be exactly one object: trailing data is a 400.
//
// A refused request (anything but 422) leaves dst zeroed, so nothing
// half-decoded survives; after a 422 dst holds the submitted values for
// re-rendering. A [File] can only come from a multipart upload, never
// from JSON.
//
// Malformed input is a 400 with a useful message ("malformed JSON at line
// 2, column 12", `unknown field "is_admin"`); a value of the wrong type is
// a field error, 422, naming the field ("Enter a whole number."). No client
// input produces a 500. See the OWASP Input Validation Cheat Sheet:
// https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html
//
// # Why a decoder of our own
//
// go-playground/form/v4 is a fine decoder, but everything this package has
// to guarantee sits around it: counting fields, bounding indexes across
// nested slices, refusing duplicates and unknown keys, knowing the CSRF
// field, turning parse failures into per-field messages. With a library
// decoder these checks mean parsing every key twice, once in our grammar
// and once in its, and trusting that the two agree. The decoder here is
// small (one key grammar, name("."name|"["index"]")*, applied to a cached
// per-type plan), refuses rather than guesses, and streams the urlencoded
// body without building a url.Values map first. Validation is
// go-playground/validator/v10, unchanged.
//
// # Messages
//
// Errors are a [*RequestError] carrying the status (400, 413, 415, 422).
// For 422 its [FieldErrors] map each field's form name to an English
// sentence ([DefaultMessage]): "This field is required.", "Enter a valid
// email address.", "Must be at most 200 characters long." (lengths of
// strings count characters, not bytes). [Config.Messages] replaces them,
// per [Rule], for translation.
//
// Validator notes: `url` accepts any scheme, javascript: included; for a
// link that will be rendered use `http_url`. `min`/`max`/`len` on strings
// count runes.
//
// # Logging
//
// Every refused request emits the input_validation_fail security event
// (package event, OWASP Logging Vocabulary) to [Config.Logger] with the
// status, reason, method, path, client IP (package proxy) and the names of
// the invalid fields, never their values.
//
// # Rendering
//
// [NewView] wraps the bound struct and the error for html/template:
// {{with .Form.Field "email"}} gives Name, ID, Value, Error, ErrorID and
// Aria (aria-invalid and aria-describedby, see
// https://developer.mozilla.org/en-US/docs/Web/Accessibility/ARIA/Attributes/aria-invalid).
// Values are plain strings that html/template escapes; fields of type
// [Password] or tagged `rampart:"secret"` are never rendered back.
//
// # Uploads
//
// A *File field accepts an upload only within [Config.MaxFileBytes] and
// when the type sniffed from its content is on the allowlist
// ([Config.AllowedFileTypes], or the field's `accept` tag); the client's
// Content-Type and file name are not trusted. Store it with [File.Save],
// which uses a random name ([File.SafeName]) inside an [os.Root]. See the
// OWASP File Upload Cheat Sheet:
// https://cheatsheetseries.owasp.org/cheatsheets/File_Upload_Cheat_Sheet.html
//
// # Sanitizing
//
// Validation says whether input is acceptable; it does not clean it.
// Implement [Normalizer] on the form to pass rich text through
// sanitize.HTML and plain text through sanitize.Text or sanitize.Line: Bind
// runs it before validation, so the rules see what will be stored. Then
// let html/template escape on output.
package form
