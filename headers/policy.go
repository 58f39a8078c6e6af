package headers

import (
	"strconv"
	"strings"
)

// CSP source expressions for the fields of [CSP].
const (
	Self          = "'self'"
	None          = "'none'"
	StrictDynamic = "'strict-dynamic'"
	Data          = "data:"
	Blob          = "blob:"
	HTTPS         = "https:"
)

// DefaultPermissionsPolicy denies the powerful features a typical web
// application never uses, to its own pages and to every frame.
const DefaultPermissionsPolicy = "accelerometer=(), autoplay=(), camera=(), display-capture=(), " +
	"geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), " +
	"payment=(), serial=(), usb=(), xr-spatial-tracking=()"

// CSP is a Content-Security-Policy. A nil source list means the default
// noted on the field; an explicit list replaces it ([]string{None} to
// forbid everything). Each source is one CSP source expression: a keyword
// such as [Self], a scheme such as [Data], or a host such as
// "https://cdn.example". See
// https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy
type CSP struct {
	// DefaultSrc is the fallback for the fetch directives left unset.
	// Default: 'self'.
	DefaultSrc []string
	// ScriptSrc lists where scripts may come from. The response's nonce
	// is always added, so <script nonce="{{ nonce }}"> runs and injected
	// inline script does not. Default: 'self'.
	ScriptSrc []string
	// StyleSrc lists where styles may come from; the nonce is added as
	// for scripts. Default: 'self'.
	StyleSrc []string
	// ImgSrc, ConnectSrc, FontSrc, MediaSrc, FrameSrc, WorkerSrc and
	// ManifestSrc are the other fetch directives. Default: omitted, so
	// DefaultSrc applies.
	ImgSrc, ConnectSrc, FontSrc, MediaSrc, FrameSrc, WorkerSrc, ManifestSrc []string
	// ObjectSrc governs <object> and <embed> (plugins). Default: 'none'.
	ObjectSrc []string
	// BaseURI restricts <base href>, which could redirect every relative
	// script URL. Default: 'none'.
	BaseURI []string
	// FrameAncestors lists who may frame the page (clickjacking).
	// X-Frame-Options follows it unless Policy.FrameOptions is set.
	// Default: 'none'.
	FrameAncestors []string
	// FormAction lists where forms may submit. Default: 'self'.
	FormAction []string
	// UpgradeInsecureRequests adds upgrade-insecure-requests. Default: false.
	UpgradeInsecureRequests bool
	// ReportURI is the URL (absolute, or a path on this site) browsers post
	// violation reports to, such as "/csp-report" served by
	// [NewReportHandler]. Setting it sends both report-uri (older
	// browsers) and report-to with a Reporting-Endpoints header. Default:
	// no reporting.
	ReportURI string
	// ReportTo is the Reporting API endpoint name for report-to. Default:
	// "csp-endpoint" when ReportURI is set, else none.
	ReportTo string
	// ReportOnly sends the policy as Content-Security-Policy-Report-Only:
	// violations are reported, nothing is blocked. Use it to trial a
	// policy, never as the final state. Default: false (enforced).
	ReportOnly bool
}

// Policy is the set of security headers sent on every response. The zero
// value is the secure default; each field's default is noted on it.
type Policy struct {
	// CSP is the Content-Security-Policy.
	CSP CSP
	// FrameOptions is the X-Frame-Options value, for browsers without
	// frame-ancestors. Default: derived from CSP.FrameAncestors — DENY for
	// 'none', SAMEORIGIN for 'self' alone, omitted otherwise (ALLOW-FROM is
	// obsolete; frame-ancestors governs).
	FrameOptions string
	// ReferrerPolicy is the Referrer-Policy value. Default:
	// strict-origin-when-cross-origin.
	ReferrerPolicy string
	// PermissionsPolicy is the Permissions-Policy value. Default:
	// DefaultPermissionsPolicy.
	PermissionsPolicy string
	// CrossOriginOpenerPolicy is the Cross-Origin-Opener-Policy value,
	// which isolates the page's window from cross-origin openers and
	// popups. Default: same-origin.
	CrossOriginOpenerPolicy string
	// CrossOriginResourcePolicy is the Cross-Origin-Resource-Policy value,
	// which stops other sites from embedding the response. Default:
	// same-origin.
	CrossOriginResourcePolicy string
	// LegacyXSSFilter sends the seed's "X-XSS-Protection: 1; mode=block"
	// instead of "0". Leave it off: the filter was removed from every
	// current browser, and where it survives its block mode let attackers
	// detect and selectively disable scripts on a page (an XS-Leak), and
	// its heuristics created XSS in pages that had none. OWASP and MDN
	// recommend "0" with a CSP instead:
	// https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html#x-xss-protection
	// Default: false ("0").
	LegacyXSSFilter bool
}

// clone deep-copies p, so an override cannot write into the base policy's
// slices.
func (p Policy) clone() Policy {
	c := &p.CSP
	for _, s := range []*[]string{&c.DefaultSrc, &c.ScriptSrc, &c.StyleSrc, &c.ImgSrc, &c.ConnectSrc,
		&c.FontSrc, &c.MediaSrc, &c.FrameSrc, &c.WorkerSrc, &c.ManifestSrc, &c.ObjectSrc, &c.BaseURI,
		&c.FrameAncestors, &c.FormAction} {
		if *s != nil {
			*s = append([]string(nil), (*s)...)
		}
	}
	return p
}

// Canonical header keys.
const (
	hCSP        = "Content-Security-Policy"
	hCSPRO      = "Content-Security-Policy-Report-Only"
	hNoSniff    = "X-Content-Type-Options"
	hFrame      = "X-Frame-Options"
	hReferrer   = "Referrer-Policy"
	hPerms      = "Permissions-Policy"
	hCOOP       = "Cross-Origin-Opener-Policy"
	hCORP       = "Cross-Origin-Resource-Policy"
	hXSS        = "X-Xss-Protection"
	hReporting  = "Reporting-Endpoints"
	hHSTS       = "Strict-Transport-Security"
	hCache      = "Cache-Control"
	nonceMarker = "\x00" // where the nonce goes in the compiled CSP
)

// maxHeaders is the most headers a compiled policy sets.
const maxHeaders = 10

type field struct {
	key, value string
	values     []string // {value}, len == cap, shared by the responses the middleware answers itself
}

// compiled is a validated policy with every header value precomputed; only
// the CSP is assembled per response, around the nonce.
type compiled struct {
	src      Policy // as given, defaults unresolved, for overrides
	cspKey   string
	cspParts []string // the CSP split where the nonce goes
	cspLen   int      // len of the parts together
	fields   []field  // the other headers
}

func (c *compiled) keys() []string {
	out := []string{c.cspKey}
	for _, f := range c.fields {
		out = append(out, f.key)
	}
	return out
}

// renderCSP writes the CSP with nonce.
func (c *compiled) renderCSP(nonce string) string {
	var b strings.Builder
	b.Grow(c.cspLen + (len(c.cspParts)-1)*len(nonce))
	for i, p := range c.cspParts {
		if i > 0 {
			b.WriteString(nonce)
		}
		b.WriteString(p)
	}
	return b.String()
}

// compile validates p and precomputes its headers. It panics on invalid
// values: policies are written by programmers.
func compile(p Policy) *compiled {
	c := &compiled{src: p}
	csp := &p.CSP
	var b strings.Builder
	directive := func(name string, srcs, def []string, nonce bool) {
		if srcs == nil {
			srcs = def
		}
		if srcs == nil && !nonce {
			return
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(name)
		for _, s := range srcs {
			checkSource(name, s)
			if s == None && (len(srcs) > 1 || nonce) {
				if nonce {
					panic("rampart/headers: CSP " + name + " cannot be 'none': the response's nonce is always allowed; list the sources to allow")
				}
				panic("rampart/headers: CSP " + name + " combines 'none' with other sources")
			}
			b.WriteString(" ")
			b.WriteString(s)
		}
		if nonce {
			b.WriteString(" 'nonce-" + nonceMarker + "'")
		}
	}
	self, none := []string{Self}, []string{None}
	directive("default-src", csp.DefaultSrc, self, false)
	directive("script-src", csp.ScriptSrc, self, true)
	directive("style-src", csp.StyleSrc, self, true)
	directive("img-src", csp.ImgSrc, nil, false)
	directive("connect-src", csp.ConnectSrc, nil, false)
	directive("font-src", csp.FontSrc, nil, false)
	directive("media-src", csp.MediaSrc, nil, false)
	directive("frame-src", csp.FrameSrc, nil, false)
	directive("worker-src", csp.WorkerSrc, nil, false)
	directive("manifest-src", csp.ManifestSrc, nil, false)
	directive("object-src", csp.ObjectSrc, none, false)
	directive("base-uri", csp.BaseURI, none, false)
	directive("frame-ancestors", csp.FrameAncestors, none, false)
	directive("form-action", csp.FormAction, self, false)
	if csp.UpgradeInsecureRequests {
		b.WriteString("; upgrade-insecure-requests")
	}
	reportTo := csp.ReportTo
	if csp.ReportURI != "" {
		if strings.ContainsAny(csp.ReportURI, " \t;,\"\\") || !printable(csp.ReportURI) {
			panic("rampart/headers: invalid CSP ReportURI " + strconv.Quote(csp.ReportURI))
		}
		if reportTo == "" {
			reportTo = "csp-endpoint"
		}
		b.WriteString("; report-uri " + csp.ReportURI)
	}
	if reportTo != "" {
		for _, r := range reportTo {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				panic("rampart/headers: invalid CSP ReportTo " + strconv.Quote(reportTo) + ": use letters, digits, - and _")
			}
		}
		b.WriteString("; report-to " + reportTo)
	}
	c.cspParts = strings.Split(b.String(), nonceMarker)
	c.cspLen = b.Len() - len(c.cspParts) + 1
	c.cspKey = hCSP
	if csp.ReportOnly {
		c.cspKey = hCSPRO
	}

	add := func(key, value, def string) {
		if value == "" {
			value = def
		}
		if !printable(value) {
			panic("rampart/headers: invalid " + key + " value " + strconv.Quote(value))
		}
		if value != "" {
			c.fields = append(c.fields, field{key: key, value: value, values: []string{value}})
		}
	}
	add(hNoSniff, "nosniff", "")
	frame := p.FrameOptions
	if frame == "" {
		switch fa := csp.FrameAncestors; {
		case fa == nil || len(fa) == 1 && fa[0] == None:
			frame = "DENY"
		case len(fa) == 1 && fa[0] == Self:
			frame = "SAMEORIGIN"
		}
	}
	add(hFrame, frame, "")
	add(hReferrer, p.ReferrerPolicy, "strict-origin-when-cross-origin")
	add(hPerms, p.PermissionsPolicy, DefaultPermissionsPolicy)
	add(hCOOP, p.CrossOriginOpenerPolicy, "same-origin")
	add(hCORP, p.CrossOriginResourcePolicy, "same-origin")
	xss := "0"
	if p.LegacyXSSFilter {
		xss = "1; mode=block"
	}
	add(hXSS, xss, "")
	if csp.ReportURI != "" {
		add(hReporting, reportTo+`="`+csp.ReportURI+`"`, "")
	}
	if len(c.fields)+1 > maxHeaders-1 { // one slot stays free for HSTS
		panic("rampart/headers: internal error: too many headers")
	}
	return c
}

// checkSource panics unless s is one CSP source expression.
func checkSource(directive, s string) {
	bad := s == "" || !printable(s) || strings.ContainsAny(s, " \t;,")
	if !bad && strings.HasPrefix(s, "'nonce-") {
		panic("rampart/headers: CSP " + directive + ": do not list nonces; the response's nonce is added to script-src and style-src")
	}
	if !bad && strings.Contains(s, "'") {
		bad = len(s) < 3 || s[0] != '\'' || s[len(s)-1] != '\'' || strings.Count(s, "'") != 2
	}
	if bad {
		panic("rampart/headers: CSP " + directive + ": invalid source " + strconv.Quote(s))
	}
}

// printable reports whether s is visible ASCII and spaces only.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
