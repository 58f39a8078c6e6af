package web

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

func mustParse(t *testing.T) *Templates {
	t.Helper()
	tm, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func render(t *testing.T, tm *Templates, name string, p *Page) string {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := tm.Render(rec, http.StatusOK, name, p); err != nil {
		t.Fatalf("render %s: %v", name, err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Fatalf("Content-Type = %q", ct)
	}
	return rec.Body.String()
}

const attack = `"><script>alert(1)</script><img src=x onerror=alert(2)>`

func fullPage() *Page {
	return &Page{
		Nonce:     "n0nce-AbC_123",
		CSRFToken: "tok-123",
		User:      &User{Email: attack},
		Flash:     attack,
		Form: &Form{
			Values: map[string]string{"email": attack, "password": "hunter2-secret", "password_confirm": "hunter2-secret",
				"next": attack, "title": attack, "body": attack, "current_password": "hunter2-secret",
				"new_password": "hunter2-secret", "new_password_confirm": "hunter2-secret"},
			Errors: map[string]string{"email": "Enter a valid email " + attack, "password": "too short", FormErrorKey: attack},
		},
	}
}

// inlineCode parses page as HTML and lists what a strict CSP would block:
// script elements with content or without src, style elements, style
// attributes and on* event handler attributes.
func inlineCode(page string) []string {
	var found []string
	z := html.NewTokenizer(strings.NewReader(page))
	inScript := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return found
		case html.TextToken:
			if inScript && strings.TrimSpace(string(z.Text())) != "" {
				found = append(found, "inline script: "+string(z.Text()))
			}
		case html.EndTagToken:
			inScript = false
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.Data == "style" {
				found = append(found, "style element")
			}
			hasSrc := false
			for _, a := range tok.Attr {
				k := strings.ToLower(a.Key)
				if k == "style" || strings.HasPrefix(k, "on") {
					found = append(found, tok.Data+" attribute "+k)
				}
				hasSrc = hasSrc || k == "src"
			}
			if tok.Data == "script" {
				inScript = true
				if !hasSrc {
					found = append(found, "script without src")
				}
			}
		}
	}
}

func TestPagesHaveNoInlineCodeAndEscapeUserContent(t *testing.T) {
	tm := mustParse(t)
	for _, name := range pageNames {
		t.Run(name, func(t *testing.T) {
			p := fullPage()
			switch name {
			case "notes":
				p.Data = NotesData{Notes: []NoteView{{Title: attack, Body: template.HTML("<p>safe <b>bold</b></p>"), CreatedAt: time.Now()}}}
			case "account":
				p.Data = AccountData{Sessions: []SessionView{{ID: `x"/../../evil`, Device: attack, LastSeen: time.Now(), Current: true}}}
			case "error":
				p.Data = ErrorData{Title: "Not found", Message: attack}
			}
			out := render(t, tm, name, p)
			for _, f := range inlineCode(out) {
				t.Errorf("inline code a strict CSP blocks: %s", f)
			}
			if strings.Contains(out, "<script>alert") || strings.Contains(out, "<img src=x") {
				t.Error("user content rendered unescaped")
			}
			if strings.Contains(out, "hunter2") {
				t.Error("a password was echoed back")
			}
			if !strings.Contains(out, `<script src="/static/app.js?v=`) || !strings.Contains(out, `nonce="n0nce-AbC_123"`) {
				t.Error("script tag without src or nonce")
			}
			if !strings.Contains(out, `<link rel="stylesheet" href="/static/app.css?v=`) {
				t.Error("no stylesheet link")
			}
			if strings.Contains(out, "<form") && strings.Count(out, "<form") != strings.Count(out, `name="csrf_token" value="tok-123"`) {
				t.Errorf("%d forms but %d csrf fields", strings.Count(out, "<form"), strings.Count(out, `name="csrf_token"`))
			}
		})
	}
}

func TestFormFields(t *testing.T) {
	tm := mustParse(t)
	out := render(t, tm, "register", fullPage())
	for _, want := range []string{
		`name="email"`, `name="password"`, `name="password_confirm"`, `name="csrf_token"`,
		`aria-invalid="true" aria-describedby="email-error"`,
		`<p id="email-error" class="field-error">Enter a valid email &#34;&gt;&lt;script&gt;`,
		`aria-invalid="true" aria-describedby="password-error"`,
		`value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;`, // the email, kept and escaped
	} {
		if !strings.Contains(out, want) {
			t.Errorf("register page lacks %s", want)
		}
	}
	if strings.Contains(out, `aria-describedby="password_confirm-error"`) {
		t.Error("a field without an error is marked invalid")
	}

	login := render(t, tm, "login", &Page{Form: &Form{Values: map[string]string{"next": "/notes?x=1&y=2", "remember": "1"}}})
	for _, want := range []string{`name="next" value="/notes?x=1&amp;y=2"`, `name="remember" type="checkbox" value="1" checked`, `name="csrf_token"`} {
		if !strings.Contains(login, want) {
			t.Errorf("login page lacks %s", want)
		}
	}

	account := render(t, tm, "account", &Page{User: &User{Email: "a@example.com"}, Data: AccountData{Sessions: []SessionView{{ID: "s1", Device: "Firefox", LastSeen: time.Now()}}}})
	for _, want := range []string{`action="/account/sessions/s1/revoke"`, `name="current_password"`, `name="new_password"`, `name="new_password_confirm"`} {
		if !strings.Contains(account, want) {
			t.Errorf("account page lacks %s", want)
		}
	}
	anon := render(t, tm, "home", &Page{})
	if strings.Contains(anon, "nonce=") || !strings.Contains(anon, `href="/login"`) {
		t.Error("anonymous home page: unexpected nonce attribute or no login link")
	}
}

func TestNoteBodyIsTheOnlyHTML(t *testing.T) {
	tm := mustParse(t)
	out := render(t, tm, "notes", &Page{User: &User{Email: "a@example.com"},
		Data: NotesData{Notes: []NoteView{{Title: "<b>t</b>", Body: "<p>kept <em>markup</em></p>", CreatedAt: time.Now()}}}})
	if !strings.Contains(out, "<p>kept <em>markup</em></p>") || !strings.Contains(out, "&lt;b&gt;t&lt;/b&gt;") {
		t.Error("sanitized body not rendered as HTML, or title not escaped")
	}
}

func TestStatic(t *testing.T) {
	st := mustParse(t).Static()
	tests := []struct {
		name, target, wantType, wantCache string
		wantStatus                        int
	}{
		{"css current version", st.URL("app.css"), "text/css; charset=utf-8", "public, max-age=31536000, immutable", 200},
		{"js current version", st.URL("app.js"), "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", 200},
		{"stale version", "/static/app.css?v=old", "text/css; charset=utf-8", "no-cache", 200},
		{"unknown file", "/static/nope.js", "", "", 404},
		{"directory listing", "/static/", "", "", 404},
		{"traversal", "/static/../web.go", "", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			st.ServeHTTP(rec, httptest.NewRequest("GET", tt.target, nil))
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				return
			}
			h := rec.Header()
			if h.Get("Content-Type") != tt.wantType || h.Get("Cache-Control") != tt.wantCache || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("ETag") == "" {
				t.Fatalf("headers = %v", h)
			}
		})
	}
	// Revalidation with the ETag gets 304.
	rec := httptest.NewRecorder()
	st.ServeHTTP(rec, httptest.NewRequest("GET", "/static/app.css", nil))
	req := httptest.NewRequest("GET", "/static/app.css", nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	rec2 := httptest.NewRecorder()
	st.ServeHTTP(rec2, req)
	if rec2.Code != http.StatusNotModified {
		t.Fatalf("conditional GET = %d, want 304", rec2.Code)
	}
}

func TestRenderErrorWritesNoPartialPage(t *testing.T) {
	tm := mustParse(t)
	rec := httptest.NewRecorder()
	// notes expects NotesData; a wrong type makes the template fail midway.
	err := tm.Render(rec, http.StatusOK, "notes", &Page{User: &User{}, Data: ErrorData{Title: "x"}})
	if err == nil || rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "<html") {
		t.Fatalf("err = %v, status %d, body %q", err, rec.Code, rec.Body.String())
	}
}

func TestInlineCodeDetector(t *testing.T) {
	for name, page := range map[string]string{
		"inline script": `<script>alert(1)</script>`,
		"handler":       `<img src=x onerror="alert(1)">`,
		"style attr":    `<p style="color:red">`,
		"style element": `<style>p{}</style>`,
		"script no src": `<script nonce="x"></script>`,
		"upper handler": `<body ONLOAD="x()">`,
	} {
		if len(inlineCode(page)) == 0 {
			t.Errorf("%s: not detected", name)
		}
	}
	if f := inlineCode(`<script src="/a.js" nonce="n"></script><input value="onerror=x style=y">`); len(f) != 0 {
		t.Errorf("false positives: %v", f)
	}
}

// FuzzRenderEscapes renders user-controlled text in every slot a page has
// (email, form values, errors, note title, session device) and checks that
// it never adds an element or attribute: the page's token structure stays
// that of a benign value.
func FuzzRenderEscapes(f *testing.F) {
	for _, s := range []string{attack, `"`, `'><svg onload=x>`, "</textarea><script>", "javascript:alert(1)", "{{.}}", "\x00<", "<!--", "]]>"} {
		f.Add(s)
	}
	tm, err := Parse()
	if err != nil {
		f.Fatal(err)
	}
	shape := func(v string) ([]string, error) {
		p := &Page{User: &User{Email: v}, Flash: v, CSRFToken: v, Nonce: v,
			Form: &Form{Values: map[string]string{"title": v, "body": v, "email": v, "next": v},
				Errors: map[string]string{"title": v, FormErrorKey: v}},
			Data: NotesData{Notes: []NoteView{{Title: v, CreatedAt: time.Unix(0, 0)}}}}
		rec := httptest.NewRecorder()
		if err := tm.Render(rec, 200, "notes", p); err != nil {
			return nil, err
		}
		var tags []string
		z := html.NewTokenizer(rec.Body)
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				return tags, nil
			}
			if tt == html.StartTagToken || tt == html.EndTagToken || tt == html.SelfClosingTagToken {
				tok := z.Token()
				s := tok.Data
				for _, a := range tok.Attr {
					s += " " + a.Key
				}
				tags = append(tags, s)
			}
		}
	}
	want, err := shape("benign")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := shape(v)
		if err != nil {
			t.Fatalf("value %q: %v", v, err)
		}
		// A value that is empty drops its optional attributes (value=, nonce=),
		// so compare only element names when v is empty.
		if v == "" {
			return
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("value %q changed the page structure:\n got %v\nwant %v", v, got, want)
		}
	})
}

func BenchmarkRenderHome(b *testing.B) {
	tm, err := Parse()
	if err != nil {
		b.Fatal(err)
	}
	p := &Page{Nonce: "n", CSRFToken: "t", User: &User{Email: "a@example.com"}}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		if err := tm.Render(rec, 200, "home", p); err != nil {
			b.Fatal(err)
		}
	}
}

// Render recycles its buffers: a page rendered after another (a failed
// one too) holds nothing of it, and says its own length.
func TestRenderBufferReuse(t *testing.T) {
	tm := mustParse(t)
	errPage := func(msg string) *Page { return &Page{Data: ErrorData{Title: "t", Message: msg}} }
	fresh := render(t, tm, "error", errPage("short"))
	for i := 0; i < 50; i++ {
		big := render(t, tm, "error", errPage(strings.Repeat("long message ", 500)))
		if !strings.Contains(big, "long message") {
			t.Fatal("the big page lacks its message")
		}
		rec := httptest.NewRecorder()
		if err := tm.Render(rec, http.StatusOK, "notes", &Page{User: &User{}, Data: ErrorData{Title: "x"}}); err == nil {
			t.Fatal("the broken render succeeded")
		}
		rec = httptest.NewRecorder()
		if err := tm.Render(rec, http.StatusOK, "error", errPage("short")); err != nil {
			t.Fatal(err)
		}
		if got := rec.Body.String(); got != fresh {
			t.Fatalf("a page rendered after others differs from a fresh render:\n%s", got)
		}
		if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(len(fresh)) {
			t.Fatalf("Content-Length %s, body %d bytes", cl, len(fresh))
		}
	}
}
