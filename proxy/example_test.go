package proxy_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampartgo/rampart/proxy"
)

// Only a trusted proxy's headers count: a client that forges
// X-Forwarded-For and X-Forwarded-Proto directly gains nothing.
func Example() {
	resolver := proxy.New(proxy.Config{TrustedProxies: []string{"10.0.0.0/8"}})
	show := func(remote string) {
		r := httptest.NewRequest("GET", "http://notes.example/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		r.Header.Set("X-Forwarded-Proto", "https")
		resolver.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Println(proxy.ClientIP(r), proxy.Origin(r))
		})).ServeHTTP(httptest.NewRecorder(), r)
	}
	show("10.0.0.2:41000")     // the load balancer
	show("198.51.100.7:41000") // an attacker forging the headers
	// Output:
	// 203.0.113.9 https://notes.example
	// 198.51.100.7 http://notes.example
}
