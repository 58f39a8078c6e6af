package form

import (
	"bytes"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	gifBytes = []byte("GIF89a" + strings.Repeat("\x00", 32))
	pdfBytes = []byte("%PDF-1.7\n%...")
)

type upload struct {
	Title  string  `form:"title"`
	Avatar *File   `form:"avatar" accept:"image/png,image/jpeg"`
	Docs   []*File `form:"docs"`
}

type part struct {
	field, filename, contentType string
	content                      []byte
}

func multipartRequest(t testing.TB, parts ...part) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename == "-" {
			h.Set("Content-Disposition", `form-data; name="`+p.field+`"`)
		} else {
			h.Set("Content-Disposition", `form-data; name="`+p.field+`"; filename="`+p.filename+`"`)
		}
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.content)
	}
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

var safeNameRE = regexp.MustCompile(`^[0-9a-f]{32}\.[a-z0-9]+$`)

func TestUploads(t *testing.T) {
	big := append(append([]byte{}, pngBytes...), bytes.Repeat([]byte{1}, 2000)...)
	small := New(Config{MaxFileBytes: 1000})
	tests := []struct {
		name       string
		binder     *Binder
		parts      []part
		wantStatus int
		wantField  string
		check      func(t *testing.T, u *upload)
	}{
		{name: "png avatar", parts: []part{{"avatar", "me.png", "image/png", pngBytes}}, wantStatus: 200, check: func(t *testing.T, u *upload) {
			if u.Avatar == nil || u.Avatar.ContentType != "image/png" || u.Avatar.Size != int64(len(pngBytes)) {
				t.Fatalf("avatar %+v", u.Avatar)
			}
			if !safeNameRE.MatchString(u.Avatar.SafeName()) || !strings.HasSuffix(u.Avatar.SafeName(), ".png") {
				t.Errorf("safe name %q", u.Avatar.SafeName())
			}
			if u.Avatar.SafeName() != u.Avatar.SafeName() {
				t.Error("SafeName changes")
			}
			f, err := u.Avatar.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(f)
			f.Close()
			if !bytes.Equal(got, pngBytes) {
				t.Error("content differs")
			}
		}},
		{name: "multiple docs", parts: []part{{"docs", "a.pdf", "application/pdf", pdfBytes}, {"docs", "b.txt", "text/plain", []byte("hello")}}, wantStatus: 200,
			check: func(t *testing.T, u *upload) {
				if len(u.Docs) != 2 || u.Docs[0].ContentType != "application/pdf" || u.Docs[1].ContentType != "text/plain" ||
					!strings.HasSuffix(u.Docs[1].SafeName(), ".txt") || u.Docs[0].SafeName() == u.Docs[1].SafeName() {
					t.Errorf("docs %+v", u.Docs)
				}
			}},
		{name: "empty file input", parts: []part{{"avatar", "-", "", nil}, {"title", "-", "", []byte("x")}}, wantStatus: 200, check: func(t *testing.T, u *upload) {
			if u.Avatar != nil || u.Title != "x" {
				t.Errorf("got %+v", u)
			}
		}},
		{name: "attack: html with an image content type", parts: []part{{"docs", "x.png", "image/png", []byte("<html><script>alert(1)</script></html>")}}, wantStatus: 422, wantField: "docs"},
		{name: "attack: svg", parts: []part{{"docs", "x.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)}}, wantStatus: 422, wantField: "docs"},
		{name: "attack: gif outside the field's accept list", parts: []part{{"avatar", "x.png", "image/png", gifBytes}}, wantStatus: 422, wantField: "avatar"},
		{name: "attack: markup uploaded as text", parts: []part{{"docs", "x.txt", "text/plain", []byte("<b onmouseover=alert(1)>x</b>")}}, wantStatus: 422, wantField: "docs"},
		{name: "attack: executable", parts: []part{{"docs", "x.pdf", "application/pdf", []byte("MZ\x90\x00\x03\x00\x00\x00")}}, wantStatus: 422, wantField: "docs"},
		{name: "attack: file over the per-file limit", binder: small, parts: []part{{"avatar", "x.png", "image/png", big}}, wantStatus: 422, wantField: "avatar"},
		{name: "attack: two files for a single file field", parts: []part{{"avatar", "a.png", "", pngBytes}, {"avatar", "b.png", "", pngBytes}}, wantStatus: 400},
		{name: "attack: text value for a file field", parts: []part{{"avatar", "-", "", []byte("/etc/passwd")}}, wantStatus: 422, wantField: "avatar"},
		{name: "attack: file for a text field", parts: []part{{"title", "t.png", "", pngBytes}}, wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.binder
			if b == nil {
				b = New(Config{})
			}
			var u upload
			err := b.Bind(multipartRequest(t, tt.parts...), &u)
			if Status(err) != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", Status(err), tt.wantStatus, err)
			}
			if tt.wantField != "" && Fields(err)[tt.wantField] == "" {
				t.Errorf("no error for %s: %v", tt.wantField, err)
			}
			if tt.check != nil {
				tt.check(t, &u)
			}
		})
	}
}

func TestFileCannotComeFromJSON(t *testing.T) {
	for _, body := range []string{
		`{"avatar":{"ContentType":"image/png","Size":1}}`,
		`{"docs":[{"ContentType":"image/png"}]}`,
		`{"avatar":null}`,
	} {
		var u upload
		err := Bind(post(ctJSON, body), &u)
		if body == `{"avatar":null}` {
			if err != nil || u.Avatar != nil {
				t.Errorf("%s: %v %+v", body, err, u.Avatar)
			}
			continue
		}
		if Status(err) != 400 || u.Avatar != nil || u.Docs != nil {
			t.Errorf("%s: status %d, avatar %+v, docs %+v", body, Status(err), u.Avatar, u.Docs)
		}
	}
}

func TestFileSave(t *testing.T) {
	r := multipartRequest(t, part{"avatar", "../../../../etc/cron.d/evil.png", "image/png", pngBytes})
	var u upload
	if err := Bind(r, &u); err != nil {
		t.Fatal(err)
	}
	if got := u.Avatar.ClientName(); got != "evil.png" {
		t.Errorf("ClientName %q", got)
	}
	dir := t.TempDir()
	name, err := u.Avatar.Save(dir)
	if err != nil {
		t.Fatal(err)
	}
	if name != u.Avatar.SafeName() {
		t.Errorf("saved as %q, SafeName %q", name, u.Avatar.SafeName())
	}
	if _, err := hex.DecodeString(strings.TrimSuffix(name, ".png")); err != nil {
		t.Errorf("name %q is not random hex", name)
	}
	got, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil || !bytes.Equal(got, pngBytes) {
		t.Fatalf("read back: %v", err)
	}
	st, _ := os.Stat(filepath.Join(dir, name))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	if _, err := u.Avatar.Save(dir); err == nil {
		t.Error("second Save overwrote the file")
	}
}

func TestUploadTempFiles(t *testing.T) {
	// Larger than MaxMemory: spooled to disk, still detected and bound.
	b := New(Config{MaxMemory: 1024, MaxBodyBytes: 1 << 20})
	content := append(append([]byte{}, pdfBytes...), bytes.Repeat([]byte("x"), 64<<10)...)
	r := multipartRequest(t, part{"docs", "big.pdf", "", content})
	var u upload
	if err := b.Bind(r, &u); err != nil {
		t.Fatal(err)
	}
	if len(u.Docs) != 1 || u.Docs[0].ContentType != "application/pdf" || u.Docs[0].Size != int64(len(content)) {
		t.Fatalf("docs %+v", u.Docs)
	}
	if r.MultipartForm == nil {
		t.Fatal("MultipartForm not kept on the request: net/http could not remove temp files")
	}
	r.MultipartForm.RemoveAll()
}

func TestSniff(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"png", string(pngBytes), "image/png"},
		{"gif", string(gifBytes), "image/gif"},
		{"pdf", string(pdfBytes), "application/pdf"},
		{"text", "hello, world", "text/plain"},
		{"html", "<!DOCTYPE html><p>x", "text/html"},
		{"attack: svg with script", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "image/svg+xml"},
		{"attack: svg after an xml prolog", `<?xml version="1.0"?><svg onload="alert(1)"/>`, "image/svg+xml"},
		{"attack: markup the sniffer calls text", "  <b onmouseover=alert(1)>x</b>", "text/html"},
		{"attack: BOM then markup", "\ufeff<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">", "text/html"},
		{"text mentioning a tag later", "a < b and <svg is a tag", "image/svg+xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniff([]byte(tt.in)); got != tt.want {
				t.Errorf("sniff(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAcceptTagMistakePanics(t *testing.T) {
	type bad struct {
		F *File `form:"f" accept:"png"`
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "rampart/form: accept tag") {
			t.Fatalf("recover: %v", r)
		}
	}()
	_ = Bind(post(ctForm, ""), &bad{})
}
