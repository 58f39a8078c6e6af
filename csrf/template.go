package csrf

import (
	"html/template"
	"net/http"
)

// Token returns a fresh masked token for the request's client, for a form
// field or a header. Every call returns a different string, and all of them
// verify while the client's binding secret lives. It returns "" (and logs)
// when the Binder fails, so the form post will be refused rather than the
// page failing. It panics when [Protection.Handler] is not installed: a
// programmer mistake.
//
// With a Binder that creates secrets lazily (a session Manager), call Token
// before the response's first byte — render templates into a buffer — so a
// cookie the Binder sets is not lost.
func Token(r *http.Request) string {
	st := stateOf(r)
	if st == nil {
		panic("rampart/csrf: Token called on a request that did not pass through Protection.Handler")
	}
	secret, err := st.p.bindingSecret(st, st.w, r, true)
	if err != nil || secret == nil {
		st.p.logger2().ErrorContext(r.Context(), "rampart/csrf: no binding secret for a token", "err", err)
		return ""
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.p.issue(&st.pad, secret)
}

// TemplateField returns a hidden input named [FieldName] holding [Token],
// for html/template:
//
//	<form method="post">{{ .CSRFField }} ...</form>
func TemplateField(r *http.Request) template.HTML {
	// The token is base64url: nothing in it needs escaping.
	return template.HTML(`<input type="hidden" name="` + FieldName + `" value="` + Token(r) + `">`)
}

// MetaTag returns <meta name="csrf-token" content="..."> holding [Token],
// for scripts that send the [HeaderName] header:
//
//	fetch(url, {method: "POST", headers: {"X-CSRF-Token":
//	  document.querySelector('meta[name="csrf-token"]').content}})
func MetaTag(r *http.Request) template.HTML {
	return template.HTML(`<meta name="csrf-token" content="` + Token(r) + `">`)
}
