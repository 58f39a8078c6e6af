package form

import (
	"reflect"
	"strings"
)

// Rule describes one failed check on one field, for [Config.Messages].
type Rule struct {
	// Field is the field's name as the client sent it: "email",
	// "address.city", "items[2].qty".
	Field string
	// Tag is the validator tag that failed ("required", "email", "max",
	// ...), or one of the binder's own: "type" (the value could not be
	// parsed as the field's type; Param says which: "int", "uint",
	// "float", "bool", or "text" for encoding.TextUnmarshaler types),
	// "file" (a text value where a file upload belongs), "filetype"
	// (the uploaded file's detected type is not allowed; Param lists the
	// allowed ones), "filesize" (Param is the limit in bytes).
	Tag string
	// Param is the tag's parameter: "200" for max=200, "red green" for
	// oneof=red green. For eqfield and friends it is the other field's
	// form name.
	Param string
	// Kind is the kind of the field: reflect.String for text, a numeric
	// kind for numbers, reflect.Slice for lists. Lengths are counted in
	// characters (runes) for strings and in items for slices.
	Kind reflect.Kind
}

// DefaultMessage returns the built-in English message for r. An app's
// [Config.Messages] can fall back to it.
func DefaultMessage(r Rule) string {
	p := r.Param
	switch r.Tag {
	case "required", "required_if", "required_unless", "required_with",
		"required_with_all", "required_without", "required_without_all":
		return "This field is required."
	case "email":
		return "Enter a valid email address."
	case "url", "http_url", "https_url", "uri":
		return "Enter a valid URL."
	case "min", "gte":
		return sizeMessage("at least", r.Kind, p)
	case "max", "lte":
		return sizeMessage("at most", r.Kind, p)
	case "gt":
		return sizeMessage("more than", r.Kind, p)
	case "lt":
		return sizeMessage("less than", r.Kind, p)
	case "len", "eq":
		if isNumber(r.Kind) {
			return "Must be " + p + "."
		}
		return sizeMessage("exactly", r.Kind, p)
	case "ne":
		return "Must not be " + p + "."
	case "oneof":
		return "Must be one of: " + strings.Join(strings.Fields(p), ", ") + "."
	case "eqfield":
		return "Must match " + p + "."
	case "nefield":
		return "Must be different from " + p + "."
	case "alpha":
		return "Use letters only."
	case "alphanum", "alphanumunicode":
		return "Use letters and digits only."
	case "numeric", "number":
		return "Enter a number."
	case "boolean":
		return "Must be true or false."
	case "uuid", "uuid4", "uuid5":
		return "Enter a valid UUID."
	case "ip", "ipv4", "ipv6":
		return "Enter a valid IP address."
	case "hostname", "hostname_rfc1123", "fqdn":
		return "Enter a valid host name."
	case "e164":
		return "Enter a phone number in international format, like +14155552671."
	case "datetime":
		return "Enter a date in the format " + p + "."
	case "ascii", "printascii":
		return "Use plain ASCII characters only."
	case "contains":
		return "Must contain " + p + "."
	case "excludes":
		return "Must not contain " + p + "."
	case "startswith":
		return "Must start with " + p + "."
	case "endswith":
		return "Must end with " + p + "."
	case "unique":
		return "Must not contain duplicates."
	case "type":
		switch p {
		case "int", "uint":
			return "Enter a whole number."
		case "float":
			return "Enter a number."
		case "bool":
			return "Must be true or false."
		}
		return "This value is not valid."
	case "file":
		return "Must be a file upload."
	case "filetype":
		return "This type of file is not allowed."
	case "filesize":
		return "This file is too large."
	}
	return "This value is not valid."
}

func isNumber(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Float64
}

func sizeMessage(rel string, k reflect.Kind, p string) string {
	switch {
	case isNumber(k):
		return "Must be " + rel + " " + p + "."
	case k == reflect.Slice || k == reflect.Array || k == reflect.Map:
		return "Must have " + rel + " " + p + " " + plural(p, "item", "items") + "."
	}
	return "Must be " + rel + " " + p + " " + plural(p, "character", "characters") + " long."
}

func plural(n, one, many string) string {
	if n == "1" {
		return one
	}
	return many
}
