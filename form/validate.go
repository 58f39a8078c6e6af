package form

import (
	"errors"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

func newValidator(name func(reflect.StructField) string) *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(name)
	return v
}

func (b *Binder) message(r Rule) string {
	if b.cfg.Messages != nil {
		if m := b.cfg.Messages(r); m != "" {
			return m
		}
	}
	return DefaultMessage(r)
}

// validate runs the struct's validate tags and merges the result with the
// type errors found while decoding (which win: "enter a number" says more
// than "required" about a field that held "abc").
func (b *Binder) validate(rv reflect.Value, typeErrs FieldErrors, isJSON bool) error {
	v := b.formValid
	if isJSON {
		v = b.jsonValid
	}
	err := v.Struct(rv.Interface())
	if err == nil && len(typeErrs) == 0 {
		return nil
	}
	return b.fieldErrors(rv, err, typeErrs, isJSON)
}

// fieldErrors turns validator errors into FieldErrors merged with the type
// errors. It is separate from validate so that the error target below does
// not escape (and allocate) on the success path.
func (b *Binder) fieldErrors(rv reflect.Value, err error, typeErrs FieldErrors, isJSON bool) error {
	var ves validator.ValidationErrors
	if err != nil && !errors.As(err, &ves) {
		// InvalidValidationError or another validator failure: a
		// programming mistake (validate tag syntax, unsupported type).
		panic("rampart/form: validator: " + err.Error())
	}
	fe := typeErrs
	if fe == nil {
		fe = make(FieldErrors, len(ves))
	}
	var plan *structPlan
	for _, e := range ves {
		field := e.Namespace()
		// Drop the struct's own name: "MyForm.address.city" -> "address.city".
		if _, after, ok := strings.Cut(field, "."); ok {
			field = after
		}
		if _, ok := fe[field]; ok {
			continue
		}
		param := e.Param()
		switch e.Tag() {
		case "eqfield", "nefield", "gtfield", "gtefield", "ltfield", "ltefield",
			"required_if", "required_unless", "required_with", "required_without":
			// Name the other field the way the user knows it.
			if plan == nil {
				plan = planFor(rv.Elem().Type())
			}
			other, rest, _ := strings.Cut(param, " ")
			for _, f := range plan.fields {
				if f.goName == other {
					other = f.name
					if isJSON {
						if sf, ok := rv.Elem().Type().FieldByName(f.goName); ok {
							other = jsonName(sf)
						}
					}
					break
				}
			}
			param = strings.TrimSpace(other + " " + rest)
		}
		kind := e.Kind()
		fe[field] = b.message(Rule{Field: field, Tag: e.Tag(), Param: param, Kind: kind})
	}
	return invalid(fe)
}
