package form_test

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"

	"github.com/rampartgo/rampart/form"
	"github.com/rampartgo/rampart/sanitize"
)

// MyForm is the seed's Flask-WTF form:
//
//	class MyForm(FlaskForm):
//	    name = StringField('name', validators=[DataRequired()])
type MyForm struct {
	Name string `form:"name" validate:"required"`
}

var page = template.Must(template.New("form").Parse(
	`{{with .Field "name"}}<input name="{{.Name}}" id="{{.ID}}" value="{{.Value}}" {{.Aria}}>` +
		`{{if .Invalid}}<span id="{{.ErrorID}}">{{.Error}}</span>{{end}}{{end}}`))

// submit is the Go version of the Flask view:
//
//	@app.route('/submit', methods=['GET', 'POST'])
//	def submit():
//	    form = MyForm()
//	    if form.validate_on_submit():
//	        return redirect('/success')
//	    return render_template('submit.html', form=form)
func submit(w http.ResponseWriter, r *http.Request) {
	var f MyForm
	ok, err := form.Submitted(r, &f)
	if ok {
		http.Redirect(w, r, "/success", http.StatusSeeOther)
		return
	}
	status := form.Status(err) // 200 for GET, 422 for invalid fields
	if status != http.StatusOK && status != http.StatusUnprocessableEntity {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	page.Execute(w, form.NewView(&f, err))
}

func Example() {
	do := func(method, body string) {
		r := httptest.NewRequest(method, "/submit", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		submit(w, r)
		fmt.Println(strings.TrimSpace(fmt.Sprint(w.Code, " ", w.Header().Get("Location"), " ", strings.TrimSpace(w.Body.String()))))
	}
	do(http.MethodGet, "")
	do(http.MethodPost, url.Values{"name": {"Ada"}, "csrf_token": {"…"}}.Encode())
	do(http.MethodPost, url.Values{"name": {""}}.Encode())
	do(http.MethodPost, "name=Ada&is_admin=1")
	// Output:
	// 200  <input name="name" id="name" value="" >
	// 303 /success
	// 422  <input name="name" id="name" value="" aria-invalid="true" aria-describedby="name-error"><span id="name-error">This field is required.</span>
	// 400  Bad Request
}

func ExampleWriteJSONError() {
	type Note struct {
		Title string `json:"title" validate:"required,max=200"`
		Body  string `json:"body" validate:"required,max=10000"`
	}
	api := func(w http.ResponseWriter, r *http.Request) {
		var n Note
		if err := form.Bind(r, &n); err != nil {
			form.WriteJSONError(w, err)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}
	for _, body := range []string{
		`{"title":"Hi","body":"There"}`,
		`{"title":"","body":"There"}`,
		`{"title":"Hi","body":"There","owner_id":1}`,
		strings.Repeat("[", 5000),
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/notes", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		api(w, r)
		fmt.Println(strings.TrimSpace(fmt.Sprint(w.Code, " ", w.Body.String())))
	}
	// Output:
	// 201
	// 422 {"errors":{"title":"This field is required."}}
	// 400 {"error":"unknown field \"owner_id\""}
	// 400 {"error":"JSON nested too deeply (limit 32)"}
}

// A registration form as the notes app needs it: on 422 the email comes
// back (escaped), the passwords never do.
func ExampleNewView() {
	type Register struct {
		Email           string        `form:"email" validate:"required,email,max=254"`
		Password        form.Password `form:"password" validate:"required,min=8,max=64"`
		PasswordConfirm form.Password `form:"password_confirm" validate:"eqfield=Password"`
	}
	tmpl := template.Must(template.New("register").Parse(
		`{{range $n := .Names}}{{with $.Form.Field $n}}<input name="{{.Name}}" value="{{.Value}}" {{.Aria}}>` +
			`{{if .Invalid}}<p id="{{.ErrorID}}">{{.Error}}</p>{{end}}` + "\n" + `{{end}}{{end}}`))

	body := url.Values{
		"email":            {`"><script>alert(1)</script>`},
		"password":         {"correct horse battery"},
		"password_confirm": {"correct horse battery!"},
		"csrf_token":       {"…"},
	}.Encode()
	r := httptest.NewRequest(http.MethodPost, "/register", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	var f Register
	_, err := form.Submitted(r, &f)
	fmt.Println(form.Status(err))
	tmpl.Execute(os.Stdout, map[string]any{
		"Form":  form.NewView(&f, err),
		"Names": []string{"email", "password", "password_confirm"},
	})
	// Output:
	// 422
	// <input name="email" value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" aria-invalid="true" aria-describedby="email-error"><p id="email-error">Enter a valid email address.</p>
	// <input name="password" value="" >
	// <input name="password_confirm" value="" aria-invalid="true" aria-describedby="password_confirm-error"><p id="password_confirm-error">Must match password.</p>
}

// NoteForm cleans its fields before they are validated.
type NoteForm struct {
	Title string `form:"title" json:"title" validate:"required,max=200"`
	Body  string `form:"body" json:"body" validate:"required,max=10000"`
}

// Normalize implements form.Normalizer.
func (f *NoteForm) Normalize() {
	f.Title = sanitize.Line(f.Title)
	f.Body = sanitize.HTML(f.Body)
}

func ExampleNormalizer() {
	for _, body := range []string{
		`{"title":"  Hello\r\nworld ","body":"<p onclick=\"x()\">Hi <a href=\"javascript:alert(1)\">there</a></p>"}`,
		`{"title":"XSS","body":"<script>alert(1)</script>"}`,
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/notes", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var f NoteForm
		err := form.Bind(r, &f)
		fmt.Printf("%d %q %q\n", form.Status(err), f.Title, f.Body)
		if fe := form.Fields(err); fe != nil {
			fmt.Println(fe)
		}
	}
	// Output:
	// 200 "Hello world" "<p>Hi there</p>"
	// 422 "XSS" ""
	// body: This field is required.
}
