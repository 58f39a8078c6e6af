package password_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rampartgo/rampart/password"
)

func Example() {
	ctx := context.Background()
	h := password.New(password.Config{}) // OWASP parameters, default policy

	// Registration: the policy runs first; "Password1" is a common password.
	_, err := h.Hash(ctx, "Password1", "alice@example.com")
	var pe *password.PolicyError
	if errors.As(err, &pe) {
		fmt.Println(pe.Code, "-", pe)
	}
	stored, err := h.Hash(ctx, "correct horse battery staple", "alice@example.com")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(stored, "$argon2id$v=19$m=19456,t=2,p=1$"))

	// Login.
	ok, err := h.Verify(ctx, "correct horse battery staple", stored)
	fmt.Println(ok, err, h.NeedsRehash(stored))
	ok, err = h.Verify(ctx, "correct horse battery stapler", stored)
	fmt.Println(ok, err)
	// Output:
	// password_common - This password is too common. Choose one that is harder to guess, such as a few random words.
	// true
	// true <nil> false
	// false <nil>
}

// A login that upgrades an imported bcrypt hash and keeps unknown users
// indistinguishable from wrong passwords.
func ExampleHasher_VerifyDummy() {
	ctx := context.Background()
	h := password.New(password.Config{})
	users := map[string]string{ // email -> stored hash, imported from a bcrypt system
		"bob@example.com": "$2a$04$7Se0SZpaRiOaaHEWHH8MweOkq5VvUANW1GbXHF/BxTAfhbFNcaLC2",
	}
	login := func(email, pw string) bool {
		stored, found := users[email]
		if !found {
			_ = h.VerifyDummy(ctx, pw) // same work as a wrong password
			return false
		}
		ok, err := h.Verify(ctx, pw, stored)
		if err != nil || !ok {
			return false // errors.Is(err, password.ErrBusy): answer 503
		}
		if h.NeedsRehash(stored) {
			if upgraded, err := h.Hash(ctx, pw); err == nil {
				users[email] = upgraded
			}
		}
		return true
	}
	fmt.Println(login("nobody@example.com", "hunter2hunter2"))
	fmt.Println(login("bob@example.com", "wrong password"))
	fmt.Println(login("bob@example.com", "bobs old password"))
	fmt.Println(strings.HasPrefix(users["bob@example.com"], "$argon2id$"))
	// Output:
	// false
	// false
	// true
	// true
}
