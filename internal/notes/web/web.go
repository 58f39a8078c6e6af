// Package web holds the notes application's HTML templates and static
// files, embedded in the binary, and renders them.
//
// # No inline script or style
//
// Pages load one stylesheet and one script from /static/ and contain no
// inline script, style attribute or event handler attribute, so the
// Content-Security-Policy can forbid inline code (script-src 'nonce-…',
// style-src 'self'); the script tag still carries the per-response nonce
// ([Page.Nonce]) so a nonce-based policy admits it. See
// https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP.
//
// # Escaping and forms
//
// html/template escapes every value by context. Forms render a hidden
// csrf_token field from [Page.CSRFToken] ({{template "csrf" .}}) and
// per-field errors tied to their inputs with aria-invalid and
// aria-describedby. A [Field] of type password never carries a value, so
// a re-rendered form never echoes a password back.
//
// # Static files
//
// Static URLs carry a content hash (/static/app.css?v=…): a request with
// the current hash is cacheable for a year (immutable); any other is
// revalidated with a strong ETag.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is the data every template receives.
type Page struct {
	// Nonce is the response's CSP nonce for script tags (headers.Nonce).
	Nonce string
	// CSRFToken is the masked CSRF token rendered in every form (csrf.Token).
	CSRFToken string
	// User is the logged-in user, or nil when anonymous.
	User *User
	// Flash is a one-line status message, or "".
	Flash string
	// Form holds the submitted values and errors of the page's form, or nil.
	Form *Form
	// Data is the page-specific data (NotesData, AccountData, ErrorData).
	Data any
}

// User is what pages show about the logged-in user.
type User struct {
	Email string
}

// NotesData is the notes page's data.
type NotesData struct {
	Notes []NoteView
}

// NoteView is one note as shown. Body is HTML that has been sanitized
// (package sanitize) before it got here.
type NoteView struct {
	Title     string
	Body      template.HTML
	CreatedAt time.Time
}

// AccountData is the account page's data.
type AccountData struct {
	Sessions []SessionView
}

// SessionView is one of the user's active sessions. ID is the public
// session handle used in the revoke URL, never the session's secret id.
type SessionView struct {
	ID       string
	Device   string // the User-Agent the session was last used with
	IP       string // the client address it was last used from, or ""
	LastSeen time.Time
	Current  bool
}

// ErrorData is the error page's data.
type ErrorData struct {
	Title   string
	Message string
}

// FormErrorKey is the Form.Errors key for an error about the whole form
// (e.g. "invalid email or password"), shown above it.
const FormErrorKey = "_form"

// Form is a submitted form: the values to show again and the errors per
// field. A nil *Form is empty.
type Form struct {
	Values map[string]string
	Errors map[string]string
}

// Value returns the submitted value of name, or "".
func (f *Form) Value(name string) string {
	if f == nil {
		return ""
	}
	return f.Values[name]
}

// Error returns the error message for name, or "".
func (f *Form) Error(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// Field is one input as the "input" template renders it.
type Field struct {
	ID, Name, Label, Type, Autocomplete string
	Value, Error                        string
	Required                            bool
}

// NewField builds the Field for input name of form f. A password field
// never carries the submitted value.
func NewField(f *Form, name, label, typ, autocomplete string) Field {
	fd := Field{ID: name, Name: name, Label: label, Type: typ, Autocomplete: autocomplete,
		Error: f.Error(name), Required: true}
	if typ != "password" {
		fd.Value = f.Value(name)
	}
	return fd
}

// Templates renders the embedded pages. It is safe for concurrent use.
type Templates struct {
	pages  map[string]*template.Template
	static *Static
}

// pageNames are the templates in templates/ other than base.html.
var pageNames = []string{"home", "register", "login", "protected", "notes", "account", "error"}

// Parse parses the embedded templates. An error means the embedded files
// are broken: a build problem, not a runtime one.
func Parse() (*Templates, error) {
	st, err := newStatic()
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"field":  NewField,
		"static": st.URL,
	}
	base, err := template.New("base.html").Funcs(funcs).ParseFS(templateFS, "templates/base.html")
	if err != nil {
		return nil, err
	}
	t := &Templates{pages: make(map[string]*template.Template), static: st}
	for _, name := range pageNames {
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, err
		}
		t.pages[name] = clone
	}
	return t, nil
}

// Static returns the handler for the embedded static files.
func (t *Templates) Static() *Static { return t.static }

// Render executes page name with data into a buffer and, only if that
// succeeded, writes it with status, so a template error never leaves a
// half-written page. It returns the template error for the caller to log
// (the client then gets a plain 500).
func (t *Templates) Render(w http.ResponseWriter, status int, name string, data *Page) error {
	tmpl, ok := t.pages[name]
	if !ok {
		panic("rampart/notes/web: unknown page " + name)
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	if err := tmpl.ExecuteTemplate(buf, "base", data); err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return fmt.Errorf("web: rendering %s: %w", name, err)
	}
	h := w.Header()
	h["Content-Type"] = htmlType
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// htmlType is the Content-Type of pages, shared between responses: its
// length is its capacity, so Header.Add copies it rather than writing
// into it, and Set replaces it.
var htmlType = []string{"text/html; charset=utf-8"}[:1:1]

// renderBuffers recycles the buffers pages render into: a page is a few
// KiB, and growing a fresh buffer to that size for every response was a
// third of the bytes a page request allocated. The ResponseWriter has
// copied the bytes (or failed) by the time Write returns, so the buffer
// is free again after it.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer bounds what goes back to the pool, so one huge page does
// not pin its buffer for good.
const maxPooledBuffer = 64 << 10

func putRenderBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	renderBuffers.Put(b)
}

// Static serves the embedded static files under /static/.
type Static struct {
	files map[string]asset
}

type asset struct {
	body  []byte
	ctype string
	hash  string // hex SHA-256 prefix, the cache-busting version
}

// staticTypes are the content types of the static files, by extension. A
// fixed table rather than mime.TypeByExtension, whose first call loads the
// system's whole mime.types (some 400 KiB of maps on Debian) that every
// garbage collection then has to scan. It holds the types the app serves
// today (css, js) and the few a static asset is likely to add; a file with
// any other extension fails Parse, so its type gets added here.
var staticTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/vnd.microsoft.icon",
	".woff2": "font/woff2",
	".txt":   "text/plain; charset=utf-8",
}

func newStatic() (*Static, error) {
	s := &Static{files: make(map[string]asset)}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype, ok := staticTypes[path.Ext(p)]
		if !ok {
			return fmt.Errorf("web: static file %s: no content type for %q in staticTypes", p, path.Ext(p))
		}
		s.files[strings.TrimPrefix(p, "static/")] = asset{body: b, ctype: ctype, hash: hex.EncodeToString(sum[:8])}
		return nil
	})
	return s, err
}

// URL returns the versioned URL of static file name. It panics on an
// unknown name: templates name only files that are embedded.
func (s *Static) URL(name string) string {
	a, ok := s.files[name]
	if !ok {
		panic("rampart/notes/web: no static file " + name)
	}
	return "/static/" + name + "?v=" + a.hash
}

// ServeHTTP serves GET and HEAD /static/{name}. Unknown names get 404 and
// there are no directory listings.
func (s *Static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	a, ok := s.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+a.hash+`"`)
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}
