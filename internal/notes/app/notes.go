package app

import (
	"html/template"
	"net/http"

	"github.com/rampartgo/rampart/form"
	"github.com/rampartgo/rampart/internal/notes/web"
	"github.com/rampartgo/rampart/sanitize"
)

// notesShown is how many of a user's notes a list shows.
const notesShown = 100

// noteForm is a note, from the HTML form or the JSON API. Lengths are
// counted in characters, after sanitizing, so the rules judge what is
// stored: a body that sanitizes to nothing fails `required`.
type noteForm struct {
	Title string `form:"title" json:"title" validate:"required,max=200"`
	Body  string `form:"body" json:"body" validate:"required,max=10000"`
}

// Normalize makes the title one line of plain text (escaped on output)
// and the body sanitized HTML (package sanitize's policy: no script, event
// handlers, javascript: URLs, style, iframes, SVG; links get
// rel="nofollow noopener").
func (f *noteForm) Normalize() {
	f.Title = sanitize.Line(f.Title)
	f.Body = sanitize.HTML(sanitize.Text(f.Body))
}

func (a *App) notes(w http.ResponseWriter, r *http.Request) {
	a.renderNotes(w, r, http.StatusOK, &web.Form{})
}

func (a *App) renderNotes(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	list, err := a.store.NotesByUser(r.Context(), currentID(r), notesShown)
	if err != nil {
		a.unavailable(w, r, "notes: listing failed", err)
		return
	}
	views := make([]web.NoteView, len(list))
	for i, n := range list {
		// Sanitized when stored; sanitized again here, so a row written by
		// anything else still cannot carry script into the page.
		views[i] = web.NoteView{Title: n.Title, Body: template.HTML(sanitize.HTML(n.Body)), CreatedAt: n.CreatedAt}
	}
	p := a.page(r, true)
	p.Form = f
	p.Data = web.NotesData{Notes: views}
	a.render(w, r, status, "notes", p)
}

// createNote saves a note of the current user: 303 to /notes, or 422 with
// the form and its errors.
func (a *App) createNote(w http.ResponseWriter, r *http.Request) {
	var f noteForm
	_, err := a.forms.Submitted(r, &f)
	if err != nil {
		if form.Status(err) != http.StatusUnprocessableEntity {
			a.bindFailed(w, r, err)
			return
		}
		a.renderNotes(w, r, http.StatusUnprocessableEntity, &web.Form{
			Values: map[string]string{"title": f.Title, "body": f.Body},
			Errors: fieldErrors(err),
		})
		return
	}
	if _, err := a.store.CreateNote(r.Context(), currentID(r), f.Title, f.Body); err != nil {
		a.unavailable(w, r, "notes: saving failed", err)
		return
	}
	http.Redirect(w, r, "/notes", http.StatusSeeOther)
}
