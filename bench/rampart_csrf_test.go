package bench

import (
	"net/http"
	"testing"

	"github.com/rampartgo/rampart/csrf"
	"github.com/rampartgo/rampart/headers"
)

// rampartStacks are rampart's entries in the defence benchmarks:
// "rampart" is headers + CSRF as an app installs them, "rampart-csrf" the
// CSRF layer alone. Both use the default pre-session cookie binder, the
// counterpart of gorilla/csrf's and nosurf's token cookies (an app with
// sessions binds tokens to the session instead; that cost is the session
// benchmark's).
func rampartStacks() []defenceStack {
	ring := benchRing(&testing.B{})
	p := csrf.New(ring, csrf.Config{Logger: quiet})
	stacks := []defenceStack{{
		name:  "rampart-csrf",
		wrap:  p.Handler,
		token: csrf.Token, field: csrf.FieldName,
	}}
	if h := rampartHeaders(); h != nil {
		stacks = append([]defenceStack{{
			name:  "rampart",
			wrap:  func(next http.Handler) http.Handler { return h(p.Handler(next)) },
			token: csrf.Token, field: csrf.FieldName,
		}}, stacks...)
	}
	return stacks
}

// rampartHeaders returns rampart's secure-headers middleware with its
// defaults (CSP with a per-response nonce, HSTS over TLS, COOP, CORP, ...).
func rampartHeaders() func(http.Handler) http.Handler {
	return headers.New(headers.Config{Logger: quiet}).Handler
}
