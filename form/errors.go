package form

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// RequestError is the error [Binder.Bind] returns for anything wrong with
// the request: the client's fault, never the server's. Status is the HTTP
// status to answer with:
//
//   - 400 Bad Request: malformed body (bad JSON, bad percent-encoding),
//     unknown or duplicate field, nesting too deep, slice index too large;
//   - 413 Content Too Large: body over Config.MaxBodyBytes, or more than
//     Config.MaxFields fields;
//   - 415 Unsupported Media Type: a body that is not urlencoded,
//     multipart/form-data or JSON;
//   - 422 Unprocessable Content: the body parsed but some fields are
//     invalid; Fields says which and why.
//
// Message is short, English, and safe to show the client (JSON-encoded or
// escaped by html/template): it may name a field, truncated to 64 bytes,
// but never contains a submitted value. Err is the underlying cause, for the log.
// Use [errors.As] to get at it, or [Status] and [Fields].
type RequestError struct {
	Status  int         // 400, 413, 415 or 422
	Message string      // client-safe summary, e.g. "request body too large"
	Fields  FieldErrors // per-field messages; non-nil only with Status 422
	Err     error       // underlying cause, for logs; may be nil
}

// Error returns the message and, for logs, the cause.
func (e *RequestError) Error() string {
	if e.Err != nil {
		return "form: " + e.Message + ": " + e.Err.Error()
	}
	return "form: " + e.Message
}

// Unwrap returns the cause. For a 422 the cause is the [FieldErrors].
func (e *RequestError) Unwrap() error { return e.Err }

// FieldErrors maps a field's name as the client sent it ("email",
// "address.city", "items[2].qty") to a readable message about it.
type FieldErrors map[string]string

// Error lists the field errors in a stable order.
func (fe FieldErrors) Error() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(fe[k])
	}
	return b.String()
}

// Status returns the HTTP status for err: the Status of a [*RequestError]
// in its chain, 200 for nil, and 500 for anything else (a server fault,
// such as a failing disk while spooling an upload).
func Status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	var re *RequestError
	if errors.As(err, &re) {
		return re.Status
	}
	return http.StatusInternalServerError
}

// Fields returns the field errors in err's chain, or nil when there are
// none (err is nil, or the request failed for another reason).
func Fields(err error) FieldErrors {
	var fe FieldErrors
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}

func badRequest(msg string, cause error) *RequestError {
	return &RequestError{Status: http.StatusBadRequest, Message: msg, Err: cause}
}

func tooLarge(msg string, cause error) *RequestError {
	return &RequestError{Status: http.StatusRequestEntityTooLarge, Message: msg, Err: cause}
}

func invalid(fe FieldErrors) *RequestError {
	return &RequestError{Status: http.StatusUnprocessableEntity, Message: "invalid input", Fields: fe, Err: fe}
}

// WriteJSONError writes err as a JSON response for an API:
//
//   - 422 {"errors":{"field":"message", ...}} for invalid fields;
//   - the RequestError's status (400, 413, 415) with {"error":"message"};
//   - 500 {"error":"internal server error"} for any other error, whose
//     text is not sent (it is not the client's business; log it).
//
// It sets Content-Type, X-Content-Type-Options: nosniff and
// Cache-Control: no-store. It writes nothing for a nil err.
func WriteJSONError(w http.ResponseWriter, err error) {
	if err == nil {
		return
	}
	status := http.StatusInternalServerError
	var body any = map[string]string{"error": "internal server error"}
	var re *RequestError
	if errors.As(err, &re) {
		status = re.Status
		if re.Fields != nil {
			body = map[string]FieldErrors{"errors": re.Fields}
		} else {
			body = map[string]string{"error": re.Message}
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
