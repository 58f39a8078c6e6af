package blackbox_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html/atom"
)

// createNote posts the notes form and returns the response.
func (c *client) createNote(title, body string) *resp {
	c.t.Helper()
	return c.postWithToken("/notes", "/notes", url.Values{"title": {title}, "body": {body}})
}

// TestNotesAnonymous: /notes needs a login.
func TestNotesAnonymous(t *testing.T) {
	a := sharedApp(t)
	r := a.newClient(t).get("/notes")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Fnotes" {
		t.Errorf("anonymous GET /notes: %s Location %q, want 303 to /login?next=%%2Fnotes", r.Status, r.Header.Get("Location"))
	}
}

// TestNotesCreateValidation: title 1–200 and body 1–10000 characters,
// boundaries included; ok is 303 to /notes, invalid 422 with nothing
// stored.
func TestNotesCreateValidation(t *testing.T) {
	a := sharedApp(t)
	c, _ := a.newUser(t, "notes")
	if r := c.get("/notes"); r.StatusCode != http.StatusOK {
		t.Fatalf("GET /notes: %s", r.Status)
	} else {
		formWith(t, r, "title", "body", "csrf_token")
	}
	cases := []struct {
		name, title, body string
		want              int
	}{
		{"ordinary", "Shopping", "milk, eggs", http.StatusSeeOther},
		{"title 1 char", "x", "b", http.StatusSeeOther},
		{"title 200 chars", strings.Repeat("t", 200), "b", http.StatusSeeOther},
		{"title 201 chars", strings.Repeat("t", 201), "b", http.StatusUnprocessableEntity},
		{"title 200 two-byte chars", strings.Repeat("é", 200), "b", http.StatusSeeOther},
		{"title 201 two-byte chars", strings.Repeat("é", 201), "b", http.StatusUnprocessableEntity},
		{"empty title", "", "b", http.StatusUnprocessableEntity},
		{"body 10000 chars", "big", strings.Repeat("b", 10000), http.StatusSeeOther},
		{"body 10001 chars", "big+1", strings.Repeat("b", 10001), http.StatusUnprocessableEntity},
		{"empty body", "t", "", http.StatusUnprocessableEntity},
		{"both empty", "", "", http.StatusUnprocessableEntity},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			marker := ""
			title := tc.title
			if len(title) >= 3 && tc.want == http.StatusSeeOther && len([]rune(title)) < 190 {
				marker = " " + randHex(4)
				title += marker
			}
			r := c.createNote(title, tc.body)
			if r.StatusCode != tc.want {
				t.Fatalf("POST /notes title=%d chars body=%d chars: %s, want %d\n%.400s",
					len([]rune(title)), len([]rune(tc.body)), r.Status, tc.want, r.body)
			}
			switch tc.want {
			case http.StatusSeeOther:
				if loc := r.Header.Get("Location"); loc != "/notes" {
					t.Errorf("Location %q, want /notes", loc)
				}
				if marker != "" && !strings.Contains(textOf(c.get("/notes").html(t)), title) {
					t.Errorf("the note %q is not listed", title)
				}
			case http.StatusUnprocessableEntity:
				f := formWith(t, r, "title", "body", "csrf_token")
				if tc.title != "" && f.fields.Get("title") != tc.title {
					t.Errorf("422: the title was not kept in the form")
				}
			}
		})
	}
}

// xssPayloads must never come back as executable markup.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`<a href="javascript:alert(1)">click</a>`,
	`<a href="jav&#x09;ascript:alert(1)">tab</a>`,
	`<a href=" JaVaScRiPt:alert(1)">case</a>`,
	`<svg onload=alert(1)><circle r=1 /></svg>`,
	`<svg><script>alert(1)</script></svg>`,
	`<iframe src="javascript:alert(1)"></iframe>`,
	`<object data="data:text/html,<script>alert(1)</script>"></object>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<body onload=alert(1)>`,
	`<details open ontoggle=alert(1)>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a>`,
	`<form action="javascript:alert(1)"><button>go</button></form>`,
	`<base href="https://evil.example/">`,
	`<meta http-equiv="refresh" content="0;url=https://evil.example/">`,
	`"><script>alert(1)</script>`,
	`<scr<script>ipt>alert(1)</script>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
}

// TestNotesSanitized: note bodies keep limited HTML but lose everything
// executable; titles are text. Checked on the rendered list.
func TestNotesSanitized(t *testing.T) {
	a := sharedApp(t)
	c, _ := a.newUser(t, "xss")
	for i, p := range xssPayloads {
		r := c.createNote(`t<script>alert("title")</script>`+strings.Repeat("x", i), p)
		if r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("POST /notes body %q: %s, want 303 (sanitized) or 422", p, r.Status)
		}
		if r.StatusCode == http.StatusUnprocessableEntity {
			checkNoActiveContent(t, "422 for "+p, r.html(t))
		}
	}
	ok := c.createNote("formatting "+randHex(3), `<b>bold</b> and <a href="https://example.com/x">link</a>`)
	if ok.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /notes with allowed HTML: %s", ok.Status)
	}
	list := c.get("/notes")
	if list.StatusCode != http.StatusOK {
		t.Fatalf("GET /notes: %s", list.Status)
	}
	doc := list.html(t)
	checkNoActiveContent(t, "GET /notes", doc)
	if strings.Contains(list.body, `<script>alert("title")`) {
		t.Errorf("a note title is rendered as markup")
	}
	var bold, link bool
	for _, n := range findAll(doc, byTag(atom.B)) {
		bold = bold || textOf(n) == "bold"
	}
	for _, n := range findAll(doc, byTag(atom.A)) {
		if href, _ := attr(n, "href"); href == "https://example.com/x" {
			link = true
			if rel, _ := attr(n, "rel"); !strings.Contains(rel, "noopener") && !strings.Contains(rel, "noreferrer") {
				t.Errorf("user link has rel=%q, want noopener", rel)
			}
		}
	}
	if !bold || !link {
		t.Errorf("allowed HTML was lost: <b> kept %v, https link kept %v", bold, link)
	}
}

// TestNotesFormReflection: a refused note is re-rendered with the user's
// input escaped in every context (input value, textarea).
func TestNotesFormReflection(t *testing.T) {
	a := sharedApp(t)
	c, _ := a.newUser(t, "reflect")
	for _, tc := range []struct{ title, body string }{
		{"", `</textarea><script>alert(1)</script>`},
		{`" autofocus onfocus="alert(1)`, ""},
		{`'><img src=x onerror=alert(1)>`, ""},
		{strings.Repeat("t", 201), `</textarea><svg onload=alert(1)>`},
	} {
		r := c.createNote(tc.title, tc.body)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("POST /notes title=%q body=%q: %s, want 422", tc.title, tc.body, r.Status)
			continue
		}
		for _, raw := range []string{"<script>alert(1)", "<img src=x", "<svg onload", `autofocus onfocus="alert`} {
			if strings.Contains(r.body, raw) {
				t.Errorf("the 422 page reflects %q unescaped", raw)
			}
		}
		checkNoActiveContent(t, "notes 422", r.html(t))
	}
}

// TestErrorPagesReflectNothing: 404, 405 and other error answers do not
// turn the request into markup.
func TestErrorPagesReflectNothing(t *testing.T) {
	a := sharedApp(t)
	c, _ := a.newUser(t, "errors")
	for _, path := range []string{
		"/%3Cscript%3Ealert(1)%3C/script%3E",
		"/notes/%3Csvg%20onload=alert(1)%3E",
		"/account/sessions/%3Cscript%3Ealert(1)%3C%2Fscript%3E/revoke",
		"/login%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			var r *resp
			if method == http.MethodGet {
				r = c.get(path)
			} else {
				r = c.postWithToken("/notes", path, nil)
			}
			if r.StatusCode >= 500 {
				t.Errorf("%s: %s", r, r.Status)
			}
			for _, raw := range []string{"<script>alert(1)", "<svg onload"} {
				if strings.Contains(r.body, raw) {
					t.Errorf("%s: the answer reflects %q unescaped", r, raw)
				}
			}
			if strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				checkNoActiveContent(t, r.String(), r.html(t))
			}
		}
	}
}

// TestNotesIsolation: one user's notes never show to another.
func TestNotesIsolation(t *testing.T) {
	a := sharedApp(t)
	alice, _ := a.newUser(t, "alice")
	bob, _ := a.newUser(t, "bob")
	secret := "alice-private-" + randHex(6)
	if r := alice.createNote(secret, "the body of "+secret); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %s", r.Status)
	}
	if !strings.Contains(alice.get("/notes").body, secret) {
		t.Fatalf("alice does not see her own note")
	}
	if b := bob.get("/notes"); strings.Contains(b.body, secret) {
		t.Errorf("bob sees alice's note")
	}
	// Note links (whatever the app exposes) must not open for bob either.
	for _, n := range findAll(alice.get("/notes").html(t), byTag(atom.A)) {
		href, _ := attr(n, "href")
		if !strings.HasPrefix(href, "/notes/") {
			continue
		}
		if r := bob.get(href); r.StatusCode == http.StatusOK && strings.Contains(r.body, secret) {
			t.Errorf("bob opens alice's note at %s", href)
		}
	}
}
