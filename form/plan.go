package form

import (
	"encoding"
	"mime/multipart"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// fieldKind says how the decoder fills a field.
type fieldKind uint8

const (
	kindScalar      fieldKind = iota + 1 // string, bool, numbers, TextUnmarshaler
	kindSlice                            // slice of scalars: repeated keys or name[i]
	kindStruct                           // nested struct: name.sub
	kindStructSlice                      // slice of structs: name[i].sub
	kindFile                             // *File
	kindFiles                            // []*File
)

type fieldPlan struct {
	name   string       // form name
	goName string       // Go field name
	index  []int        // for FieldByIndex
	typ    reflect.Type // declared type
	base   reflect.Type // typ with pointers removed (element type for slices)
	kind   fieldKind
	pos    int      // position in structPlan.fields, for duplicate tracking
	secret bool     // never re-rendered by View
	accept []string // per-field upload allowlist (accept tag)
}

type structPlan struct {
	fields []*fieldPlan
	byName map[string]*fieldPlan
}

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	fileType            = reflect.TypeFor[File]()
	passwordType        = reflect.TypeFor[Password]()
	fileHeaderType      = reflect.TypeFor[multipart.FileHeader]()
)

// plans caches one structPlan per struct type, like encoding/json's field
// cache. Plans depend only on the type, so sharing them across Binders is
// safe.
var plans sync.Map // reflect.Type -> *structPlan

func planFor(t reflect.Type) *structPlan {
	if p, ok := plans.Load(t); ok {
		return p.(*structPlan)
	}
	p := buildPlan(t)
	actual, _ := plans.LoadOrStore(t, p)
	return actual.(*structPlan)
}

// formName returns the name a field goes by in forms: the form tag, else
// the json tag, else the Go name. "-" means the field is not bound.
func formName(f reflect.StructField) string {
	for _, key := range []string{"form", "json"} {
		if tag, ok := f.Tag.Lookup(key); ok {
			name, _, _ := strings.Cut(tag, ",")
			if name != "" {
				return name
			}
		}
	}
	return f.Name
}

// jsonName returns the name encoding/json uses for a field.
func jsonName(f reflect.StructField) string {
	if tag, ok := f.Tag.Lookup("json"); ok {
		name, _, _ := strings.Cut(tag, ",")
		if name != "" {
			return name
		}
	}
	return f.Name
}

func buildPlan(t reflect.Type) *structPlan {
	p := &structPlan{byName: map[string]*fieldPlan{}}
	addFields(p, t, nil)
	return p
}

func addFields(p *structPlan, t reflect.Type, prefix []int) {
	var embedded []reflect.StructField
	for i := range t.NumField() {
		sf := t.Field(i)
		_, hasForm := sf.Tag.Lookup("form")
		_, hasJSON := sf.Tag.Lookup("json")
		if sf.Anonymous && !hasForm && !hasJSON && sf.Type.Kind() == reflect.Struct {
			// Promote the fields of an embedded struct, after this
			// struct's own fields so that outer names win.
			embedded = append(embedded, sf)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		name := formName(sf)
		if name == "-" {
			continue
		}
		if _, dup := p.byName[name]; dup {
			continue
		}
		fp := &fieldPlan{
			name:   name,
			goName: sf.Name,
			index:  append(append([]int(nil), prefix...), i),
			typ:    sf.Type,
			secret: sf.Type == passwordType || hasOption(sf.Tag.Get("rampart"), "secret"),
		}
		if a := sf.Tag.Get("accept"); a != "" {
			for _, ct := range strings.Split(a, ",") {
				ct = strings.ToLower(strings.TrimSpace(ct))
				if typ, sub, ok := strings.Cut(ct, "/"); !ok || typ == "" || sub == "" || strings.ContainsAny(ct, ";* ") {
					panic("rampart/form: accept tag on " + t.String() + "." + sf.Name + ": " + strconv.Quote(ct) + " is not a MIME type like image/png")
				}
				fp.accept = append(fp.accept, ct)
			}
		}
		fp.kind, fp.base = classify(sf.Type)
		if fp.kind == 0 {
			continue // maps, channels, funcs, interfaces: not bindable
		}
		fp.pos = len(p.fields)
		p.fields = append(p.fields, fp)
		p.byName[name] = fp
	}
	for _, sf := range embedded {
		addFields(p, sf.Type, append(append([]int(nil), prefix...), sf.Index...))
	}
}

func hasOption(tag, opt string) bool {
	for o := range strings.SplitSeq(tag, ",") {
		if strings.TrimSpace(o) == opt {
			return true
		}
	}
	return false
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func isScalar(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func classify(t reflect.Type) (fieldKind, reflect.Type) {
	if t == reflect.PointerTo(fileType) {
		return kindFile, fileType
	}
	b := deref(t)
	if isScalar(b) {
		return kindScalar, b
	}
	switch b.Kind() {
	case reflect.Struct:
		if b == fileType || b == fileHeaderType {
			return 0, nil // File only as *File
		}
		return kindStruct, b
	case reflect.Slice:
		if t.Kind() != reflect.Slice {
			return 0, nil // no pointers to slices
		}
		if t.Elem() == reflect.PointerTo(fileType) {
			return kindFiles, fileType
		}
		e := deref(t.Elem())
		if isScalar(e) {
			return kindSlice, e
		}
		if e.Kind() == reflect.Struct && e != fileType {
			return kindStructSlice, e
		}
	}
	return 0, nil
}
