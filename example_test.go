package rampart_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rampartgo/rampart"
	"github.com/rampartgo/rampart/auth"
	"github.com/rampartgo/rampart/secrets"
)

// One call protects a whole mux: a forged cross-site POST is refused before
// it reaches the handler, and every response carries the secure headers.
func Example() {
	kit, err := rampart.New(rampart.Config{
		SecretKey: secrets.New("an-example-master-secret-of-32-bytes-or-more"),
		Users: auth.UserLoaderFunc(func(context.Context, string) (auth.User, error) {
			return nil, auth.ErrNoUser
		}),
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /transfer", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "money moved")
	})
	app := kit.Protect(mux)

	// An attacker's page submits a form to us.
	r := httptest.NewRequest("POST", "https://bank.example/transfer", strings.NewReader("to=mallory"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "https://evil.example")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	fmt.Println(w.Code)
	fmt.Println(w.Header().Get("X-Frame-Options"), w.Header().Get("X-Content-Type-Options"))
	// Output:
	// 403
	// DENY nosniff
}
