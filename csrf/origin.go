package csrf

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rampartgo/rampart/proxy"
)

// checkOrigin is the cross-origin layer; see the package doc.
func (p *Protection) checkOrigin(r *http.Request) error {
	origins := r.Header["Origin"]
	if len(origins) > 1 {
		return reject(ErrCrossOrigin, "more than one Origin header")
	}
	origin := ""
	if len(origins) == 1 {
		origin = origins[0]
	}

	// A browser sends Sec-Fetch-Site once; two values are forged or
	// mangled, and reading only the first would let "same-origin,
	// cross-site" through.
	sites := r.Header["Sec-Fetch-Site"]
	if len(sites) > 1 || (len(sites) == 1 && strings.Contains(sites[0], ",")) {
		return reject(ErrCrossOrigin, "more than one Sec-Fetch-Site value")
	}
	switch site := first(sites); site {
	case "same-origin", "none":
		// Set by the browser and unforgeable by page script: the request
		// comes from our own origin or from the user (a bookmark, the
		// address bar).
		return nil
	case "":
		// An older browser or a non-browser client: fall back to Origin.
	case "same-site", "cross-site":
		if origin != "" && p.isTrusted(origin) {
			return nil
		}
		// same-site is refused too: a sibling subdomain is another
		// origin, and often someone else's (user content, staging).
		return reject(ErrCrossOrigin, "Sec-Fetch-Site: "+site+" with Origin "+quote(origin))
	default:
		return reject(ErrCrossOrigin, "unknown Sec-Fetch-Site value "+quote(site))
	}

	if origin != "" {
		if origin == "null" {
			return reject(ErrCrossOrigin, "Origin: null (a sandboxed frame, a data: URL or a cross-origin redirect)")
		}
		// Byte-for-byte: the header must be the serialized origin. Unlike
		// url.Parse, this never reads "http://evil@your.host" as your host.
		own := proxy.Origin(r)
		if origin == own || p.isTrusted(origin) {
			return nil
		}
		why := "Origin " + quote(origin) + " does not match the request's origin " + quote(own)
		if strings.Contains(origin, "@") {
			why += " (it carries userinfo)"
		}
		return reject(ErrCrossOrigin, why)
	}

	if ref := first(r.Header["Referer"]); ref != "" {
		ro, ok := refererOrigin(ref)
		if !ok {
			return reject(ErrCrossOrigin, "no Origin and an unusable Referer "+quote(ref))
		}
		own := proxy.Origin(r)
		if ro == own || p.isTrusted(ro) {
			return nil
		}
		return reject(ErrCrossOrigin, "no Origin, and the Referer's origin "+quote(ro)+" does not match the request's origin "+quote(own))
	}

	// Neither Sec-Fetch-Site, Origin nor Referer: not a browser (browsers
	// send Origin on every cross-origin POST). It has no victim's cookies;
	// the token layer decides.
	return nil
}

func (p *Protection) isTrusted(origin string) bool {
	_, ok := p.trusted[origin]
	return ok
}

// refererOrigin returns the origin of an absolute http(s) Referer without
// userinfo.
func refererOrigin(ref string) (string, bool) {
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Host == "" {
		return "", false
	}
	return proxy.OriginOf(u.Scheme, u.Host), true
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// quote quotes a client-supplied value for a log line, truncated.
func quote(s string) string {
	if len(s) > 128 {
		s = s[:128] + "..."
	}
	return strconv.Quote(s)
}
