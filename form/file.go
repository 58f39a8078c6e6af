package form

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/rampartgo/rampart/sanitize"
)

// defaultAllowedFileTypes is the upload allowlist when
// Config.AllowedFileTypes is empty: common images, PDF and plain text.
// Notably absent: text/html and image/svg+xml (both can carry script that
// runs on your origin if the file is ever served back inline).
var defaultAllowedFileTypes = []string{
	"image/png", "image/jpeg", "image/gif", "image/webp",
	"application/pdf", "text/plain",
}

// DefaultAllowedFileTypes returns a copy of the default upload allowlist.
func DefaultAllowedFileTypes() []string { return slices.Clone(defaultAllowedFileTypes) }

// extensions maps a detected type to the extension used by
// [File.SafeName]. A type missing here gets ".bin".
var extensions = map[string]string{
	"image/png":       ".png",
	"image/jpeg":      ".jpg",
	"image/gif":       ".gif",
	"image/webp":      ".webp",
	"image/bmp":       ".bmp",
	"image/x-icon":    ".ico",
	"application/pdf": ".pdf",
	"text/plain":      ".txt",
	"text/csv":        ".csv",
	"application/zip": ".zip",
	"audio/mpeg":      ".mp3",
	"audio/wave":      ".wav",
	"video/mp4":       ".mp4",
	"video/webm":      ".webm",
	"application/ogg": ".ogg",
	"font/woff":       ".woff",
	"font/woff2":      ".woff2",
}

// File is an uploaded file. Declare a field as *File (one file) or []*File
// (a multiple file input); Bind fills it from multipart/form-data only
// after checking the size limit and the type allowlist, so a bound File is
// one the app agreed to accept.
//
// The type is detected from the first 512 bytes of content with
// [net/http.DetectContentType] (the WHATWG MIME Sniffing algorithm), never
// taken from the client's Content-Type, which an attacker chooses. The
// client's file name is only a label: store the file under [File.SafeName].
type File struct {
	// Header is the parsed multipart header. Header.Filename and the
	// header's Content-Type are client-controlled: do not trust them.
	Header *multipart.FileHeader
	// Size is the file's length in bytes.
	Size int64
	// ContentType is the type detected from the content, without
	// parameters, e.g. "image/png".
	ContentType string

	safeName string
}

// errFileInJSON is returned by File.UnmarshalJSON.
var errFileInJSON = errors.New("form: a file can only be uploaded with multipart/form-data")

// UnmarshalJSON always fails: a File comes only from a multipart upload
// that Bind checked. Without this, a JSON body could forge one,
// {"avatar":{"ContentType":"image/png"}}, with no content behind it.
func (f *File) UnmarshalJSON([]byte) error { return errFileInJSON }

// Open opens the uploaded content for reading. The caller closes it.
func (f *File) Open() (multipart.File, error) { return f.Header.Open() }

// ClientName returns the client's file name made safe for display or a
// Content-Disposition header (see [sanitize.Filename]). It is not unique
// and not a good storage name.
func (f *File) ClientName() string { return sanitize.Filename(f.Header.Filename) }

// SafeName returns a random storage name with 128 bits from crypto/rand
// and the extension of the detected type: "3f2a...e9.png". It is fixed for
// the File, so calling it twice gives the same name.
func (f *File) SafeName() string { return f.safeName }

// Save writes the file into dir under [File.SafeName] with mode 0600 and
// returns that name. It refuses to overwrite an existing file, and the
// name cannot leave dir (it is opened through [os.Root]).
func (f *File) Save(dir string) (string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer root.Close()
	src, err := f.Open()
	if err != nil {
		return "", err
	}
	defer src.Close()
	dst, err := root.OpenFile(f.safeName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		_ = root.Remove(f.safeName)
		return "", err
	}
	if err := dst.Close(); err != nil {
		_ = root.Remove(f.safeName)
		return "", err
	}
	return f.safeName, nil
}

func randomName(ext string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:]) + ext
}

// detectType sniffs the first 512 bytes of the upload.
func detectType(h *multipart.FileHeader) (string, error) {
	r, err := h.Open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	var buf [512]byte
	n, err := io.ReadFull(r, buf[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	return sniff(buf[:n]), nil
}

// sniff is http.DetectContentType without parameters, made stricter for
// markup: the WHATWG algorithm calls "<svg onload=...>" text/plain (it has
// no SVG signature) and a page of markup that does not open with one of
// its known tags text/plain too. A file that a browser could render as
// markup must not pass a text/plain allowlist, so such content is
// reported as image/svg+xml or text/html.
func sniff(b []byte) string {
	ct := http.DetectContentType(b)
	ct, _, _ = strings.Cut(ct, ";")
	ct = strings.TrimSpace(ct)
	if ct == "text/plain" || ct == "text/xml" {
		if bytes.Contains(bytes.ToLower(b), []byte("<svg")) {
			return "image/svg+xml"
		}
		if t := bytes.TrimLeft(b, "\t\n\f\r \ufeff"); ct == "text/plain" && len(t) > 0 && t[0] == '<' {
			return "text/html"
		}
	}
	return ct
}

// setFiles checks and assigns uploads to a *File or []*File field.
// Failures are field errors (422): the request was fine, the file was not.
func (d *decoder) setFiles(key string, fp *fieldPlan, fv reflect.Value, hs []*multipart.FileHeader) *RequestError {
	allowed := fp.accept
	if len(allowed) == 0 {
		allowed = d.b.cfg.AllowedFileTypes
	}
	files := make([]*File, 0, len(hs))
	for _, h := range hs {
		if h.Size > d.b.cfg.MaxFileBytes {
			d.fieldError(key, Rule{Tag: "filesize", Param: strconv.FormatInt(d.b.cfg.MaxFileBytes, 10), Kind: reflect.Struct})
			return nil
		}
		ct, err := detectType(h)
		if err != nil {
			// The spooled temp file could not be read: a server fault,
			// reported as a plain error (500), not as the client's.
			d.ioErr = err
			return nil
		}
		if !slices.Contains(allowed, ct) {
			d.fieldError(key, Rule{Tag: "filetype", Param: strings.Join(allowed, " "), Kind: reflect.Struct})
			return nil
		}
		ext, ok := extensions[ct]
		if !ok {
			ext = ".bin"
		}
		files = append(files, &File{Header: h, Size: h.Size, ContentType: ct, safeName: randomName(ext)})
	}
	if fp.kind == kindFile {
		fv.Set(reflect.ValueOf(files[0]))
		return nil
	}
	if len(files) > d.b.cfg.MaxFields {
		return tooLarge("too many fields", nil)
	}
	fv.Set(reflect.ValueOf(files))
	return nil
}
