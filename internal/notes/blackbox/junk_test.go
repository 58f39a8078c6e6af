package blackbox_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCSPReport: both report formats are accepted with 204 (no CSRF token:
// browsers send reports without one); garbage is a 4xx, oversize 413.
func TestCSPReport(t *testing.T) {
	a := sharedApp(t)
	c := a.newClient(t)
	legacy := `{"csp-report":{"document-uri":"` + a.base + `/","referrer":"","violated-directive":"script-src-elem","effective-directive":"script-src-elem","original-policy":"script-src 'nonce-x'","disposition":"enforce","blocked-uri":"inline","status-code":200}}`
	modern := `[{"age":10,"type":"csp-violation","url":"` + a.base + `/","user_agent":"x","body":{"documentURL":"` + a.base + `/","effectiveDirective":"script-src-elem","blockedURL":"inline","disposition":"enforce","statusCode":200,"originalPolicy":"script-src 'nonce-x'"}}]`
	for _, tc := range []struct {
		name, ct, body string
		want           func(int) bool
		desc           string
	}{
		{"application/csp-report", "application/csp-report", legacy, eq(204), "204"},
		{"application/reports+json", "application/reports+json", modern, eq(204), "204"},
		{"cross-site report", "application/csp-report", legacy, eq(204), "204"},
		{"garbage", "application/csp-report", "this is not json", client4xx, "4xx"},
		{"empty body", "application/csp-report", "", client4xx, "4xx"},
		{"wrong shape", "application/reports+json", `{"a":1}`, below500, "< 500"},
		{"invalid UTF-8", "application/csp-report", "{\"csp-report\":{\"document-uri\":\"\xff\xfe\"}}", below500, "< 500"},
		{"deep nesting", "application/csp-report", `{"csp-report":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, client4xx, "4xx"},
		{"wrong content type", "text/plain", legacy, client4xx, "4xx (415)"},
		{"oversized", "application/csp-report", `{"csp-report":{"document-uri":"` + strings.Repeat("a", 2<<20) + `"}}`, eq(413), "413"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []reqOpt
			if tc.name == "cross-site report" {
				opts = append(opts, crossSite())
			}
			r := c.postRaw("/csp-report", tc.ct, tc.body, opts...)
			if !tc.want(r.StatusCode) {
				t.Errorf("%s: %s, want %s\n%.200s", r, r.Status, tc.desc, r.body)
			}
		})
	}
}

// TestCSPReportFloodBounded: a flood of reports (anyone can send them)
// does not become a flood of log lines.
func TestCSPReportFloodBounded(t *testing.T) {
	a := sharedApp(t)
	c := a.newClient(t)
	mark := a.out.Len()
	const n = 300
	for i := 0; i < n; i++ {
		body := `{"csp-report":{"document-uri":"` + a.base + `/","violated-directive":"script-src","blocked-uri":"https://evil.example/` + strconv.Itoa(i) + `"}}`
		if r := c.postRaw("/csp-report", "application/csp-report", body); r.StatusCode != http.StatusNoContent {
			t.Fatalf("report %d: %s, want 204", i, r.Status)
		}
	}
	logged := strings.Count(a.out.String()[mark:], "csp_violation")
	t.Logf("%d reports, %d logged", n, logged)
	if logged == 0 {
		t.Errorf("no report was logged at all")
	}
	if logged > n/3 {
		t.Errorf("%d of %d flooded reports were logged: report logging is not rate-limited", logged, n)
	}
}

func eq(code int) func(int) bool { return func(s int) bool { return s == code } }
func client4xx(s int) bool       { return s >= 400 && s < 500 }
func below500(s int) bool        { return s < 500 }

// TestJunkNeverServerError: malformed requests of every kind across the
// routes get a 4xx (or a normal answer), never a 5xx. Requests carry a
// valid CSRF token in the header so that they reach the body parsers.
func TestJunkNeverServerError(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{}) // its own instance: junk must not disturb others
	logged, _ := a.newUser(t, "junk")
	anon := a.newClient(t)
	tok := func(c *client, t *testing.T) reqOpt { return header("X-CSRF-Token", c.on(t).token("/login")) }
	ltok := func(t *testing.T) reqOpt { return header("X-CSRF-Token", logged.on(t).token("/notes")) }

	type row struct {
		name string
		do   func(t *testing.T) *resp
	}
	var rows []row
	add := func(name string, do func(t *testing.T) *resp) { rows = append(rows, row{name, do}) }
	form := "application/x-www-form-urlencoded"

	for _, path := range []string{"/register", "/login", "/notes", "/account/password", "/logout"} {
		c := anon
		opt := func(t *testing.T) reqOpt { return tok(anon, t) }
		// /logout goes anonymous: a logged-in client would be logged out
		// by the first well-formed row.
		if path == "/notes" || path == "/account/password" {
			c, opt = logged, ltok
		}
		p := path
		add(p+" invalid UTF-8 values", func(t *testing.T) *resp {
			return c.on(t).postRaw(p, form, "email=%ff%fe%00&password=%c0%af&title=%ed%a0%80&body=%f8%88%80%80%80&current_password=%ff&new_password=%fe&new_password_confirm=%fe", opt(t))
		})
		add(p+" NUL and control characters", func(t *testing.T) *resp {
			return c.on(t).postRaw(p, form, "email=a%00b%40example.com&password=%01%02%03%04%05%06%07%08&title=%1b%5b31m&body=%7f", opt(t))
		})
		add(p+" duplicate fields", func(t *testing.T) *resp {
			return c.on(t).postRaw(p, form, "email=a@example.com&email=b@example.com&password=x&password=y&title=a&title=b&body=c&body=d", opt(t))
		})
		add(p+" bad percent-encoding", func(t *testing.T) *resp { return c.on(t).postRaw(p, form, "email=%zz&password=%&title=%%%", opt(t)) })
		add(p+" JSON body", func(t *testing.T) *resp {
			return c.on(t).postRaw(p, "application/json", `{"email":"a@example.com"}`, opt(t))
		})
		add(p+" XML body", func(t *testing.T) *resp {
			return c.on(t).postRaw(p, "text/xml", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`, opt(t))
		})
		add(p+" broken multipart", func(t *testing.T) *resp {
			return c.on(t).postRaw(p, "multipart/form-data; boundary=XXX", "--XXX\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nunterminated", opt(t))
		})
		add(p+" multipart without boundary", func(t *testing.T) *resp { return c.on(t).postRaw(p, "multipart/form-data", "abc", opt(t)) })
		add(p+" garbage content type", func(t *testing.T) *resp { return c.on(t).postRaw(p, "@@@;;;===", "x=y", opt(t)) })
		add(p+" no content type", func(t *testing.T) *resp { return c.on(t).postRaw(p, "", "email=a", opt(t)) })
		add(p+" empty body", func(t *testing.T) *resp { return c.on(t).postRaw(p, form, "", opt(t)) })
		add(p+" 10000 fields", func(t *testing.T) *resp {
			var b strings.Builder
			for i := 0; i < 10000; i++ {
				fmt.Fprintf(&b, "f%d=v&", i)
			}
			return c.on(t).postRaw(p, form, b.String(), opt(t))
		})
		add(p+" sparse index", func(t *testing.T) *resp {
			return c.on(t).postRaw(p, form, "email[999999999]=a&title[2147483647]=b", opt(t))
		})
		add(p+" nested keys", func(t *testing.T) *resp { return c.on(t).postRaw(p, form, "email.a.b.c=1&title[a][b][c]=2", opt(t)) })
		add(p+" huge field", func(t *testing.T) *resp { return c.on(t).postRaw(p, form, "email="+strings.Repeat("a", 3<<20), opt(t)) })
	}
	add("/login huge password", func(t *testing.T) *resp {
		return anon.on(t).postRaw("/login", form, "email=a%40example.com&password="+strings.Repeat("p", 512<<10), tok(anon, t))
	})
	add("/api/token huge password", func(t *testing.T) *resp {
		return anon.on(t).postJSON("/api/token", `{"email":"a@example.com","password":"`+strings.Repeat("p", 512<<10)+`"}`)
	})
	add("/register huge password", func(t *testing.T) *resp {
		pw := strings.Repeat("p", 512<<10)
		return anon.on(t).postRaw("/register", form, "email=huge%40example.com&password="+pw+"&password_confirm="+pw, tok(anon, t))
	})
	add("GET with huge query", func(t *testing.T) *resp { return anon.on(t).get("/login?next=" + strings.Repeat("%2F", 5000)) })
	add("GET with invalid UTF-8 query", func(t *testing.T) *resp { return anon.on(t).get("/login?next=%ff%fe%00") })
	add("GET with bad percent-encoding in query", func(t *testing.T) *resp { return anon.on(t).get("/login?next=%zz&%") })
	add("huge header", func(t *testing.T) *resp { return anon.on(t).get("/", header("X-Junk", strings.Repeat("a", 50000))) })
	add("huge session cookie", func(t *testing.T) *resp {
		return anon.on(t).get("/protected", header("Cookie", "session="+strings.Repeat("A", 8000)))
	})
	add("many cookies", func(t *testing.T) *resp {
		var b strings.Builder
		for i := 0; i < 500; i++ {
			fmt.Fprintf(&b, "c%d=v; ", i)
		}
		return anon.on(t).get("/", header("Cookie", b.String()+"session=x"))
	})
	add("garbage remember cookie", func(t *testing.T) *resp {
		return anon.on(t).get("/protected", header("Cookie", "remember=a.b.c; __Host-remember=..::"))
	})
	add("path traversal in static", func(t *testing.T) *resp { return anon.on(t).get("/static/../../../../etc/passwd") })
	add("encoded traversal in static", func(t *testing.T) *resp { return anon.on(t).get("/static/..%2f..%2f..%2fetc%2fpasswd") })
	add("unknown method", func(t *testing.T) *resp { return anon.on(t).do("PROPFIND", "/notes", nil) })
	add("TRACE", func(t *testing.T) *resp { return anon.on(t).do("TRACE", "/", nil) })
	add("PUT to a form route", func(t *testing.T) *resp {
		return logged.on(t).do(http.MethodPut, "/notes", strings.NewReader("title=a&body=b"), ltok(t))
	})
	add("DELETE /account", func(t *testing.T) *resp { return logged.on(t).do(http.MethodDelete, "/account", nil, ltok(t)) })
	add("revoke with junk id", func(t *testing.T) *resp {
		return logged.on(t).postRaw("/account/sessions/%ff%fe/revoke", form, "", ltok(t))
	})
	add("bad Origin syntax", func(t *testing.T) *resp {
		return anon.on(t).postRaw("/login", form, "email=a&password=b", tok(anon, t), header("Origin", "http://[::1"), noHeader("Sec-Fetch-Site"))
	})
	add("bad Sec-Fetch-Site", func(t *testing.T) *resp {
		return anon.on(t).postRaw("/login", form, "email=a&password=b", tok(anon, t), header("Sec-Fetch-Site", "bogus-value"), noHeader("Origin"))
	})
	add("csp report with GET", func(t *testing.T) *resp { return anon.on(t).get("/csp-report") })
	add("api token with form content", func(t *testing.T) *resp { return anon.on(t).postRaw("/api/token", form, "email=a&password=b") })
	add("api notes invalid JSON escapes", func(t *testing.T) *resp {
		return anon.on(t).postRaw("/api/notes", "application/json", `{"title":"\ud800\udc00\ud800","body":"\x"}`, bearer("x"))
	})
	add("bearer huge", func(t *testing.T) *resp {
		return anon.on(t).get("/api/me", header("Authorization", "Bearer "+strings.Repeat("a.", 20000)))
	})
	add("bearer dots only", func(t *testing.T) *resp { return anon.on(t).get("/api/me", bearer("..")) })
	add("bearer bad base64", func(t *testing.T) *resp { return anon.on(t).get("/api/me", bearer("e30.e30.@@@")) })
	add("bearer JSON array header", func(t *testing.T) *resp { return anon.on(t).get("/api/me", bearer("W10.W10.AA")) })

	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do(t)
			if r.StatusCode >= 500 {
				t.Errorf("%s: %s\n%.300s", r, r.Status, r.body)
			}
			if strings.Contains(r.body, "root:x:0:0") {
				t.Errorf("%s: serves /etc/passwd", r)
			}
			if leak := internalsLeak(r.body); leak != "" {
				t.Errorf("%s: the answer shows internals (%s): %.300s", r, leak, r.body)
			}
			for _, sc := range r.Header.Values("Set-Cookie") {
				if strings.Contains(sc, "injected") {
					t.Errorf("%s: header injection: Set-Cookie %q", r, sc)
				}
			}
		})
	}

	// Raw protocol junk that net/http's client will not send.
	raw := []struct{ name, req string }{
		{"bare LF request", "GET / HTTP/1.1\nHost: x\n\n"},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"CONNECT", "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n"},
		{"HTTP/1.0 without Host", "GET /protected HTTP/1.0\r\n\r\n"},
		{"Host with a path", "GET / HTTP/1.1\r\nHost: x/../y\r\n\r\n"},
		{"bearer with control characters", "GET /api/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\x01b\r\n\r\n"},
		{"garbage session cookie", "GET /protected HTTP/1.1\r\nHost: x\r\nCookie: session=%%%%; __Host-session=\x01\x02\r\n\r\n"},
		{"header without colon", "GET / HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n"},
		{"invalid UTF-8 path", "GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"absolute-form to another host", "GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n"},
		{"content-length mismatch", "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=a"},
		{"chunked garbage", "POST /api/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"},
		{"duplicate content-length", "POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde"},
	}
	for _, tc := range raw {
		t.Run("raw "+tc.name, func(t *testing.T) {
			status := rawRequest(t, a, tc.req)
			if status >= 500 {
				t.Errorf("raw %s: status %d", tc.name, status)
			}
		})
	}
	if a.exited() {
		t.Fatalf("notes exited during the junk requests")
	}
	if r := anon.get("/healthz"); r.StatusCode != http.StatusOK {
		t.Errorf("after the junk: /healthz %s", r.Status)
	}
}

// internalsLeak names a sign of a stack trace, source path or driver error
// in a response body, or returns "".
func internalsLeak(body string) string {
	for _, s := range []string{"goroutine ", "panic:", "runtime error", ".go:", "sql: ", "sqlite", "SQLITE", "pq: ", "/home/", "/work/"} {
		if strings.Contains(body, s) {
			return s
		}
	}
	return ""
}

// rawRequest writes req on a fresh connection and returns the status code
// of the answer, or 0 when the server closed without one.
func rawRequest(t *testing.T, a *app, req string) int {
	t.Helper()
	u, _ := url.Parse(a.base)
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		return 0
	}
	// End the request stream, so a short body is an EOF now rather than a
	// read timeout later.
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}
