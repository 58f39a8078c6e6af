package headers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rampartgo/rampart/event"
	"github.com/rampartgo/rampart/proxy"
)

// ReportConfig configures [NewReportHandler].
type ReportConfig struct {
	// MaxBodyBytes bounds a report body; larger bodies get 413.
	// Default: 64 KiB.
	MaxBodyBytes int64
	// Rate is how many reports per second are logged on average; the
	// rest are counted and the count is logged with the next report that
	// is. A page with a broken policy can send a report per element per
	// visitor, and an attacker can post reports at will. Default: 1.
	Rate float64
	// Burst is how many reports may be logged at once before Rate
	// applies. Default: 20.
	Burst int
	// Logger receives csp_violation security events. Default:
	// slog.Default().
	Logger *slog.Logger
}

// maxReports bounds the reports in one application/reports+json body.
const maxReports = 100

// maxField bounds each logged string.
const maxField = 256

// NewReportHandler returns a handler for CSP violation reports, to serve
// at [CSP.ReportURI]. It accepts POSTs of application/csp-report (the
// report-uri format) and application/reports+json (the Reporting API's
// report-to format; application/json is read as either), logs each
// violation as a csp_violation security event within the rate limit, and
// answers 204. A body over the limit gets 413, another content type 415,
// another method 405, and anything malformed 400 — never 500. Mount it
// outside the CSRF middleware: browsers send reports without tokens.
func NewReportHandler(cfg ReportConfig) http.Handler {
	h := &reportHandler{
		max:    cfg.MaxBodyBytes,
		rate:   cfg.Rate,
		burst:  float64(cfg.Burst),
		logger: cfg.Logger,
		now:    time.Now,
	}
	if h.max <= 0 {
		h.max = 64 << 10
	}
	if h.rate <= 0 {
		h.rate = 1
	}
	if h.burst <= 0 {
		h.burst = 20
	}
	h.tokens = h.burst
	return h
}

type reportHandler struct {
	max    int64
	rate   float64
	burst  float64
	logger *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	tokens  float64
	last    time.Time
	dropped int64
}

func (h *reportHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/csp-report" && mt != "application/reports+json" && mt != "application/json") {
		http.Error(w, "Unsupported Media Type", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.max))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, "Request Entity Too Large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "Bad Request", http.StatusBadRequest)
		return
	}
	vs, err := parseReports(mt, body)
	if err != nil {
		http.Error(w, "Bad Request: "+err.Error(), http.StatusBadRequest)
		return
	}
	ip := proxy.ClientIP(r).String()
	for _, v := range vs {
		dropped, ok := h.allow()
		if !ok {
			continue
		}
		attrs := []slog.Attr{
			slog.String("directive", v.Directive),
			slog.String("blocked", v.Blocked),
			slog.String("document", v.Document),
			slog.String("disposition", v.Disposition),
			slog.String("ip", ip),
		}
		if v.Source != "" || v.Line != 0 {
			attrs = append(attrs, slog.String("source", v.Source), slog.Int64("line", v.Line), slog.Int64("column", v.Column))
		}
		if v.Sample != "" {
			attrs = append(attrs, slog.String("sample", v.Sample))
		}
		if dropped > 0 {
			attrs = append(attrs, slog.Int64("dropped_since_last", dropped))
		}
		event.Emit(r.Context(), h.logger, event.CSPViolation, attrs...)
	}
	w.WriteHeader(http.StatusNoContent)
}

// allow takes a token from the bucket; it returns how many reports were
// dropped since the last one allowed.
func (h *reportHandler) allow() (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if !h.last.IsZero() {
		h.tokens = min(h.burst, h.tokens+now.Sub(h.last).Seconds()*h.rate)
	}
	h.last = now
	if h.tokens < 1 {
		h.dropped++
		return 0, false
	}
	h.tokens--
	d := h.dropped
	h.dropped = 0
	return d, true
}

// violation is one CSP violation, from either report format, with every
// string bounded and valid UTF-8.
type violation struct {
	Document    string
	Blocked     string
	Directive   string
	Disposition string
	Source      string
	Sample      string
	Line        int64
	Column      int64
	Status      int64
}

// legacyReport is the body of an application/csp-report post (CSP Level 2).
type legacyReport struct {
	Report *struct {
		DocumentURI        string  `json:"document-uri"`
		BlockedURI         string  `json:"blocked-uri"`
		ViolatedDirective  string  `json:"violated-directive"`
		EffectiveDirective string  `json:"effective-directive"`
		Disposition        string  `json:"disposition"`
		SourceFile         string  `json:"source-file"`
		ScriptSample       string  `json:"script-sample"`
		LineNumber         lenient `json:"line-number"`
		ColumnNumber       lenient `json:"column-number"`
		StatusCode         lenient `json:"status-code"`
	} `json:"csp-report"`
}

// apiReport is one entry of an application/reports+json post (Reporting API).
type apiReport struct {
	Type string `json:"type"`
	URL  string `json:"url"`
	Body *struct {
		DocumentURL        string  `json:"documentURL"`
		BlockedURL         string  `json:"blockedURL"`
		EffectiveDirective string  `json:"effectiveDirective"`
		Disposition        string  `json:"disposition"`
		SourceFile         string  `json:"sourceFile"`
		Sample             string  `json:"sample"`
		LineNumber         lenient `json:"lineNumber"`
		ColumnNumber       lenient `json:"columnNumber"`
		StatusCode         lenient `json:"statusCode"`
	} `json:"body"`
}

// lenient is a number that browsers have sent as a JSON number, a numeric
// string or null; anything unusable becomes 0 rather than an error.
type lenient int64

func (n *lenient) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = lenient(v)
	} else if f, err := strconv.ParseFloat(s, 64); err == nil && f >= -1e15 && f <= 1e15 {
		*n = lenient(int64(f))
	}
	return nil
}

var (
	errNoReport      = errors.New("no csp-report object")
	errTooMany       = errors.New("too many reports")
	errNotJSON       = errors.New("malformed JSON")
	errTrailingBytes = errors.New("data after the JSON value")
)

// parseReports decodes a report body of media type mt.
func parseReports(mt string, body []byte) ([]violation, error) {
	body = bytes.TrimSpace(body)
	if mt == "application/reports+json" || (mt == "application/json" && len(body) > 0 && body[0] == '[') {
		var list []apiReport
		if err := decodeStrict(body, &list); err != nil {
			return nil, err
		}
		if len(list) > maxReports {
			return nil, errTooMany
		}
		var out []violation
		for _, r := range list {
			if r.Type != "csp-violation" || r.Body == nil {
				continue // other report types share the endpoint format
			}
			b := r.Body
			doc := b.DocumentURL
			if doc == "" {
				doc = r.URL
			}
			out = append(out, clean(violation{
				Document: doc, Blocked: b.BlockedURL, Directive: b.EffectiveDirective,
				Disposition: b.Disposition, Source: b.SourceFile, Sample: b.Sample,
				Line: int64(b.LineNumber), Column: int64(b.ColumnNumber), Status: int64(b.StatusCode),
			}))
		}
		return out, nil
	}
	var lr legacyReport
	if err := decodeStrict(body, &lr); err != nil {
		return nil, err
	}
	if lr.Report == nil {
		return nil, errNoReport
	}
	r := lr.Report
	dir := r.EffectiveDirective
	if dir == "" {
		dir = r.ViolatedDirective
	}
	return []violation{clean(violation{
		Document: r.DocumentURI, Blocked: r.BlockedURI, Directive: dir,
		Disposition: r.Disposition, Source: r.SourceFile, Sample: r.ScriptSample,
		Line: int64(r.LineNumber), Column: int64(r.ColumnNumber), Status: int64(r.StatusCode),
	})}, nil
}

// decodeStrict decodes exactly one JSON value.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return errNotJSON
	}
	if dec.More() {
		return errTrailingBytes
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailingBytes
	}
	return nil
}

func clean(v violation) violation {
	for _, s := range []*string{&v.Document, &v.Blocked, &v.Directive, &v.Disposition, &v.Source, &v.Sample} {
		*s = bound(*s)
	}
	return v
}

// bound truncates s to maxField bytes on a rune boundary and replaces
// invalid UTF-8.
func bound(s string) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	if len(s) <= maxField {
		return s
	}
	i := maxField
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
