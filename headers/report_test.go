package headers

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const legacyBody = `{"csp-report":{"document-uri":"https://notes.example/notes","referrer":"","violated-directive":"script-src-elem","effective-directive":"script-src-elem","original-policy":"default-src 'self'","disposition":"enforce","blocked-uri":"inline","line-number":12,"column-number":"7","source-file":"https://notes.example/notes","status-code":200,"script-sample":"alert(1)"}}`

const apiBody = `[{"type":"csp-violation","age":10,"url":"https://notes.example/notes","user_agent":"Mozilla/5.0","body":{"documentURL":"https://notes.example/notes","blockedURL":"https://evil.example/x.js","effectiveDirective":"script-src-elem","originalPolicy":"default-src 'self'","disposition":"enforce","statusCode":200,"lineNumber":3,"columnNumber":null,"sample":""}},` +
	`{"type":"deprecation","url":"https://notes.example/","body":{"id":"x"}}]`

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestReportHandler(t *testing.T) {
	for _, tt := range []struct {
		name, method, ctype, body string
		status                    int
		logged                    []string
	}{
		{"legacy report", "POST", "application/csp-report", legacyBody, 204, []string{"event=csp_violation", "directive=script-src-elem", "blocked=inline", "line=12", "column=7", `sample=alert(1)`}},
		{"Reporting API", "POST", "application/reports+json", apiBody, 204, []string{"event=csp_violation", "blocked=https://evil.example/x.js", "line=3"}},
		{"legacy as application/json", "POST", "application/json; charset=utf-8", legacyBody, 204, []string{"blocked=inline"}},
		{"Reporting API as application/json", "POST", "application/json", apiBody, 204, []string{"blocked=https://evil.example/x.js"}},
		{"only other report types", "POST", "application/reports+json", `[{"type":"deprecation","body":{}}]`, 204, nil},
		{"wrong method", "GET", "", "", 405, nil},
		{"wrong content type", "POST", "text/plain", legacyBody, 415, nil},
		{"no content type", "POST", "", legacyBody, 415, nil},
		{"too large", "POST", "application/csp-report", `{"csp-report":{"blocked-uri":"` + strings.Repeat("a", 70<<10) + `"}}`, 413, nil},
		{"malformed JSON", "POST", "application/csp-report", `{"csp-report":`, 400, nil},
		{"empty body", "POST", "application/csp-report", ``, 400, nil},
		{"no csp-report member", "POST", "application/csp-report", `{"other":{}}`, 400, nil},
		{"wrong shape", "POST", "application/csp-report", `{"csp-report":"x"}`, 400, nil},
		{"array for the legacy type", "POST", "application/csp-report", apiBody, 400, nil},
		{"object for the API type", "POST", "application/reports+json", legacyBody, 400, nil},
		{"trailing data", "POST", "application/csp-report", legacyBody + `{}`, 400, nil},
		{"too many reports", "POST", "application/reports+json", "[" + strings.Repeat(`{"type":"x"},`, maxReports) + `{"type":"x"}]`, 400, nil},
		{"deep nesting", "POST", "application/reports+json", strings.Repeat("[", 20000), 400, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuf
			h := NewReportHandler(ReportConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			r := httptest.NewRequest(tt.method, "https://notes.example/csp-report", strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			for _, want := range tt.logged {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log lacks %q: %s", want, logs.String())
				}
			}
			if tt.logged == nil && logs.String() != "" {
				t.Errorf("logged %s", logs.String())
			}
		})
	}
}

func TestReportRateLimit(t *testing.T) {
	var logs syncBuf
	h := NewReportHandler(ReportConfig{Rate: 1, Burst: 2, Logger: slog.New(slog.NewTextHandler(&logs, nil))}).(*reportHandler)
	now := time.Unix(1e9, 0)
	h.now = func() time.Time { return now }
	post := func() {
		r := httptest.NewRequest("POST", "/csp-report", strings.NewReader(legacyBody))
		r.Header.Set("Content-Type", "application/csp-report")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 204 {
			t.Fatalf("status %d: dropped reports must still get 204", w.Code)
		}
	}
	for range 5 {
		post()
	}
	if n := strings.Count(logs.String(), "csp_violation"); n != 2 {
		t.Fatalf("%d reports logged in a burst of 5, want 2", n)
	}
	now = now.Add(time.Second)
	post()
	if n := strings.Count(logs.String(), "csp_violation"); n != 3 || !strings.Contains(logs.String(), "dropped_since_last=3") {
		t.Fatalf("after 1s: %s", logs.String())
	}
}

func TestReportFieldsBounded(t *testing.T) {
	long := strings.Repeat("é", 1000)
	body, _ := json.Marshal(map[string]any{"csp-report": map[string]any{"blocked-uri": long, "document-uri": "\xff\xfe"}})
	vs, err := parseReports("application/csp-report", body)
	if err != nil || len(vs) != 1 {
		t.Fatal(err)
	}
	if len(vs[0].Blocked) > maxField+len("…") || !utf8.ValidString(vs[0].Blocked) || !utf8.ValidString(vs[0].Document) {
		t.Fatalf("not bounded: %d bytes", len(vs[0].Blocked))
	}
}

// FuzzParseReports: the parser never panics, its output is bounded valid
// UTF-8, and what it parses re-encodes into a report that parses the same.
func FuzzParseReports(f *testing.F) {
	f.Add(0, []byte(legacyBody))
	f.Add(1, []byte(apiBody))
	f.Add(2, []byte(legacyBody))
	f.Add(2, []byte(apiBody))
	f.Add(0, []byte(`{"csp-report":{"line-number":"1e400","column-number":-1e300}}`))
	f.Add(1, []byte(`[null,{"type":"csp-violation","body":null}]`))
	f.Add(0, []byte(`{"csp-report":{"blocked-uri":"\ud800"}}`))
	types := []string{"application/csp-report", "application/reports+json", "application/json"}
	f.Fuzz(func(t *testing.T, ti int, body []byte) {
		mt := types[(ti%3+3)%3]
		vs, err := parseReports(mt, body)
		if err != nil {
			return
		}
		for _, v := range vs {
			for _, s := range []string{v.Document, v.Blocked, v.Directive, v.Disposition, v.Source, v.Sample} {
				if len(s) > maxField+len("…") || !utf8.ValidString(s) {
					t.Fatalf("unbounded field %q", s)
				}
			}
			again, _ := json.Marshal(map[string]any{"csp-report": map[string]any{
				"document-uri": v.Document, "blocked-uri": v.Blocked, "effective-directive": v.Directive,
				"disposition": v.Disposition, "source-file": v.Source, "script-sample": v.Sample,
				"line-number": v.Line, "column-number": v.Column, "status-code": v.Status,
			}})
			vs2, err := parseReports("application/csp-report", again)
			if err != nil || len(vs2) != 1 || vs2[0] != v {
				t.Fatalf("re-encoded report parsed as %+v, %v; want %+v", vs2, err, v)
			}
		}
	})
}
