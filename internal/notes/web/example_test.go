package web_test

import (
	"fmt"

	"github.com/rampartgo/rampart/internal/notes/web"
)

// A re-rendered form keeps the email but never the password.
func ExampleNewField() {
	form := &web.Form{
		Values: map[string]string{"email": "a@example.com", "password": "hunter2"},
		Errors: map[string]string{"password": "Use at least 8 characters."},
	}
	email := web.NewField(form, "email", "Email", "email", "email")
	pw := web.NewField(form, "password", "Password", "password", "new-password")
	fmt.Printf("%q %q\n", email.Value, email.Error)
	fmt.Printf("%q %q\n", pw.Value, pw.Error)
	// Output:
	// "a@example.com" ""
	// "" "Use at least 8 characters."
}
