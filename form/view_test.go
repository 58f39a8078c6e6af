package form

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

type account struct {
	Email    string   `form:"email" validate:"required,email"`
	Password Password `form:"password" validate:"required,min=8"`
	Token    string   `form:"token" rampart:"secret"`
	Remember bool     `form:"remember"`
	Age      *int     `form:"age"`
	Roles    []string `form:"roles"`
	Address  address  `form:"address"`
}

var accountPage = template.Must(template.New("p").Parse(`<form method="post">
{{range $n := .Names}}{{with $.View.Field $n}}<input name="{{.Name}}" id="{{.ID}}" value="{{.Value}}" {{.Aria}}{{if .Checked}} checked{{end}}>{{if .Invalid}}<p id="{{.ErrorID}}">{{.Error}}</p>{{end}}
{{end}}{{end}}{{with .View.Field "roles"}}<select name="roles" multiple><option value="admin"{{if .Selected "admin"}} selected{{end}}>admin</option></select>{{end}}
</form>`))

func render(t *testing.T, body string) (string, *account) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", ctForm)
	var a account
	_, err := Submitted(r, &a)
	var sb strings.Builder
	data := map[string]any{"View": NewView(&a, err), "Names": []string{"email", "password", "token", "remember", "age", "address.city"}}
	if err := accountPage.Execute(&sb, data); err != nil {
		t.Fatal(err)
	}
	return sb.String(), &a
}

// elementsAndHandlers parses out and returns the tag names and any
// attribute that starts with "on".
func elementsAndHandlers(t *testing.T, out string) (tags []string, handlers []string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			tags = append(tags, n.Data)
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					handlers = append(handlers, a.Key)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return tags, handlers
}

func TestViewEscapesValues(t *testing.T) {
	attacks := []string{
		`"><script>alert(1)</script>`,
		`" autofocus onfocus="alert(1)`,
		`' onmouseover='alert(1)`,
		`</p><img src=x onerror=alert(1)>`,
		`javascript:alert(1)`,
	}
	for _, a := range attacks {
		t.Run(a, func(t *testing.T) {
			body := url.Values{"email": {a}, "password": {"hunter2hunter2"}, "address.city": {a}}.Encode()
			out, bound := render(t, body)
			if bound.Email != a {
				t.Fatalf("bound %q", bound.Email)
			}
			tags, handlers := elementsAndHandlers(t, out)
			for _, tag := range tags {
				switch tag {
				case "html", "head", "body", "form", "input", "p", "select", "option":
				default:
					t.Errorf("unexpected element <%s> in %s", tag, out)
				}
			}
			if len(handlers) > 0 {
				t.Errorf("event handlers %v in %s", handlers, out)
			}
			// The value survives as text, so the user can fix it.
			doc, _ := html.Parse(strings.NewReader(out))
			if got := inputValue(doc, "email"); got != a {
				t.Errorf("email input value %q, want %q", got, a)
			}
		})
	}
}

func inputValue(n *html.Node, name string) string {
	if n.Type == html.ElementNode && n.Data == "input" {
		var nm, val string
		for _, a := range n.Attr {
			switch a.Key {
			case "name":
				nm = a.Val
			case "value":
				val = a.Val
			}
		}
		if nm == name {
			return val
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if v := inputValue(c, name); v != "" {
			return v
		}
	}
	return ""
}

func TestViewNeverRendersSecrets(t *testing.T) {
	body := url.Values{"email": {"bad"}, "password": {"hunter2hunter2"}, "token": {"s3cr3t-t0ken"}}.Encode()
	out, bound := render(t, body)
	if bound.Password != "hunter2hunter2" || bound.Token != "s3cr3t-t0ken" {
		t.Fatalf("not bound: %+v", bound)
	}
	for _, secret := range []string{"hunter2hunter2", "s3cr3t-t0ken"} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q rendered:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, `value="bad"`) {
		t.Errorf("email not kept:\n%s", out)
	}
}

func TestViewAriaAndErrors(t *testing.T) {
	out, _ := render(t, url.Values{"email": {"bad"}, "password": {"short"}, "remember": {"on"}, "age": {""}, "address.city": {"Paris"}}.Encode())
	for _, want := range []string{
		`<input name="email" id="email" value="bad" aria-invalid="true" aria-describedby="email-error"><p id="email-error">Enter a valid email address.</p>`,
		`<input name="password" id="password" value="" aria-invalid="true" aria-describedby="password-error"><p id="password-error">Must be at least 8 characters long.</p>`,
		`<input name="remember" id="remember" value="true"  checked>`,
		`<input name="age" id="age" value="" >`,
		`<input name="address.city" id="address-city" value="Paris" >`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
}

func TestViewFieldLookup(t *testing.T) {
	a := &account{Roles: []string{"admin", "user"}}
	v := NewView(a, nil)
	f, err := v.Field("roles")
	if err != nil || !f.Selected("admin") || f.Selected("root") || len(f.Values) != 2 {
		t.Errorf("roles: %+v %v", f, err)
	}
	for _, bad := range []string{"nope", "address.nope", "email.x", "roles[0].x", ""} {
		if _, err := v.Field(bad); err == nil {
			t.Errorf("Field(%q): no error", bad)
		}
	}
	if v.Invalid() || v.Errors() != nil || v.Message() != "" {
		t.Error("fresh view has errors")
	}
	o := &order{Items: []item{{SKU: "A", Qty: 2}}}
	ov := NewView(o, invalid(FieldErrors{"items[0].qty": "Must be at least 3."}))
	f, err = ov.Field("items[0].qty")
	if err != nil || f.Value != "2" || f.Error != "Must be at least 3." || f.ID != "items-0--qty" {
		t.Errorf("items[0].qty: %+v %v", f, err)
	}
	if _, err := ov.Field("items[1].qty"); err == nil {
		t.Error("out of range index: no error")
	}
	if ov.Message() != "invalid input" {
		t.Errorf("message %q", ov.Message())
	}
}
