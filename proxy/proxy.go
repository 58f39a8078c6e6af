// Package proxy is rampart's one source of truth for a request's real client
// IP address, scheme and host.
//
// Behind a load balancer or TLS-terminating proxy, the connection's peer is
// the proxy and r.TLS is nil; the client's address and scheme arrive in
// X-Forwarded-For/-Proto/-Host or in Forwarded (RFC 7239). Any client can
// send those headers too, so they are honoured only when the connection comes
// from a proxy the application trusts explicitly ([Config.TrustedProxies]).
// CSRF origin checks, HSTS, the HTTPS redirect, throttling and session
// metadata all read the result through [ClientIP], [Scheme], [Host],
// [IsTLS] and [Origin], never the raw headers — the CVEs of gorilla/csrf and
// nosurf came from each middleware guessing the scheme on its own.
//
// # Trust
//
// With no trusted proxies (the default) the headers are ignored: the client
// is the TCP peer, the scheme is https exactly when the connection is TLS, and
// the host is r.Host.
//
// With trusted proxies, the forwarding chain is walked right to left, from
// the nearest hop outward: each address that belongs to a trusted proxy is
// skipped, and the first one that does not is the client. Addresses to its
// left were written by the client and are never believed. The scheme and host
// are taken from the hop that received the client's connection.
//
// # Failing closed
//
// A trusted proxy writes well-formed values. Anything else — an unparsable
// address, `unknown` or an obfuscated identifier where the client should be,
// a scheme other than http or https, a host with forbidden characters,
// lists whose lengths do not line up — means the headers cannot be relied on.
// The resolver then ignores the scheme and host headers (the request is
// treated as plain, so origin checks fail and HSTS is not sent), and takes
// the client IP to be the last address it could verify.
//
// # Which header
//
// A proxy usually sets one family of headers and passes the other through
// untouched, where a client can forge it. [Config.Header] names the one your
// proxies set; the other is ignored. The default is the X-Forwarded-* family.
package proxy

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// HeaderFamily selects which forwarding headers the trusted proxies set.
type HeaderFamily int

const (
	// XForwarded is X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host.
	XForwarded HeaderFamily = iota
	// Forwarded is the standard Forwarded header of RFC 7239.
	Forwarded
)

// Config configures a [Resolver].
type Config struct {
	// TrustedProxies lists the addresses (192.0.2.1, 2001:db8::1) and CIDR
	// prefixes (10.0.0.0/8) of proxies whose forwarding headers are
	// believed. Include every hop between the client-facing proxy and this
	// server. Default: none, so forwarding headers are ignored.
	TrustedProxies []string

	// Header selects the header family the trusted proxies set; the other
	// family is ignored. Default: XForwarded.
	Header HeaderFamily
}

// Info is what the resolver concluded about one request.
type Info struct {
	// ClientIP is the client's address (IPv4-mapped IPv6 addresses are
	// unmapped). It is the zero Addr when the peer address is unknown.
	ClientIP netip.Addr
	// Scheme is "https" or "http".
	Scheme string
	// Host is the host[:port] the client addressed, lower-cased.
	Host string
	// ViaProxy reports whether the values came from a trusted proxy's headers.
	ViaProxy bool
}

// Resolver resolves requests' client information. It is immutable and safe
// for concurrent use.
type Resolver struct {
	trusted []netip.Prefix
	header  HeaderFamily
}

// New returns a resolver for cfg. It panics on an invalid address or prefix
// in cfg.TrustedProxies, which is a programmer mistake.
func New(cfg Config) *Resolver {
	r := &Resolver{header: cfg.Header}
	if cfg.Header != XForwarded && cfg.Header != Forwarded {
		panic("rampart/proxy: unknown Config.Header value")
	}
	for _, s := range cfg.TrustedProxies {
		s = strings.TrimSpace(s)
		var p netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			p, err = netip.ParsePrefix(s)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(s)
			if err == nil {
				p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
		}
		if err != nil {
			panic("rampart/proxy: invalid trusted proxy " + quote(s) + ": want an IP address or CIDR prefix such as 10.0.0.0/8")
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return "\"" + s + "\""
}

// Trusts reports whether addr belongs to a trusted proxy.
func (rs *Resolver) Trusts(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range rs.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

type ctxKey struct{}

// Handler returns middleware that resolves each request once and stores the
// result for [FromRequest] and the other accessors. With no trusted proxies
// it passes requests through unchanged (the accessors read the connection).
func (rs *Resolver) Handler(next http.Handler) http.Handler {
	if len(rs.trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := rs.Resolve(r)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, &info)))
	})
}

// Resolve computes the request's client information without storing it.
func (rs *Resolver) Resolve(r *http.Request) Info {
	info := direct(r)
	if len(rs.trusted) == 0 || !info.ClientIP.IsValid() || !rs.Trusts(info.ClientIP) {
		return info
	}
	var hops []hop
	var ok bool
	if rs.header == Forwarded {
		hops, ok = parseForwardedHeaders(r.Header.Values("Forwarded"))
	} else {
		hops, ok = parseXForwarded(r.Header)
	}
	if len(hops) == 0 && ok {
		return info // a trusted proxy that forwarded nothing: it is the client
	}
	if len(hops) == 0 {
		if ok {
			return info // a trusted proxy that forwarded nothing: it is the client
		}
		info.ViaProxy = true
		return info // unusable headers: the proxy is the client, scheme and host from the connection
	}
	// Walk right to left; last is the nearest address verified so far.
	last := info.ClientIP
	for i := len(hops) - 1; i >= 0; i-- {
		h := hops[i]
		if !h.addr.IsValid() {
			break // garbage, unknown or obfuscated where an address must be
		}
		if i > 0 && rs.Trusts(h.addr) {
			last = h.addr
			continue
		}
		// The first untrusted address (or the leftmost, when every hop is a
		// trusted proxy) is the client.
		info.ClientIP = h.addr
		info.ViaProxy = true
		if ok && !h.bad {
			if h.proto != "" {
				info.Scheme = h.proto
			}
			if h.host != "" {
				info.Host = h.host
			}
		}
		return info
	}
	// Fail closed: the last verified address, the connection's scheme and host.
	info.ClientIP = last
	info.ViaProxy = true
	return info
}

// hop is one forwarding step: the address a proxy saw and what that proxy
// says about the scheme and host it was addressed with.
type hop struct {
	addr  netip.Addr // zero when the value was not an IP address
	proto string     // "http", "https" or "" when not given
	host  string     // "" when not given
	bad   bool       // proto or host was present but malformed
}

func direct(r *http.Request) Info {
	info := Info{Scheme: "http", Host: strings.ToLower(r.Host)}
	if r.TLS != nil {
		info.Scheme = "https"
	}
	info.ClientIP = directIP(r.RemoteAddr)
	return info
}

// directIP is the IP address of a RemoteAddr (ip:port, or a bare ip),
// unmapped and without a zone; the zero Addr if it is neither.
func directIP(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}

// FromRequest returns the request's client information: what the middleware
// resolved when it ran, else what the connection itself says.
func FromRequest(r *http.Request) Info {
	if p := resolved(r); p != nil {
		return *p
	}
	return direct(r)
}

// resolved returns what the middleware resolved for r, or nil.
func resolved(r *http.Request) *Info {
	p, _ := r.Context().Value(ctxKey{}).(*Info)
	return p
}

// The accessors below give the same answers as FromRequest's fields, but
// without the middleware each works out only its own field (IsTLS, called
// on every request by the headers layer, does not parse RemoteAddr).

// ClientIP returns the client's IP address (see [Info.ClientIP]).
func ClientIP(r *http.Request) netip.Addr {
	if p := resolved(r); p != nil {
		return p.ClientIP
	}
	return directIP(r.RemoteAddr)
}

// Scheme returns "https" or "http", as the client connected.
func Scheme(r *http.Request) string {
	if IsTLS(r) {
		return "https"
	}
	return "http"
}

// Host returns the host[:port] the client addressed, lower-cased.
func Host(r *http.Request) string {
	if p := resolved(r); p != nil {
		return p.Host
	}
	return strings.ToLower(r.Host)
}

// IsTLS reports whether the client connected over TLS, to this server or to
// a trusted proxy.
func IsTLS(r *http.Request) bool {
	if p := resolved(r); p != nil {
		return p.Scheme == "https"
	}
	return r.TLS != nil
}

// Origin returns the request's real origin, scheme://host[:port], in the form
// browsers send in the Origin header: lower case, default port omitted.
func Origin(r *http.Request) string {
	info := FromRequest(r)
	return OriginOf(info.Scheme, info.Host)
}

// OriginOf formats scheme and host as an origin, lower case, dropping the
// scheme's default port.
func OriginOf(scheme, host string) string {
	host = strings.ToLower(host)
	if h, port, err := net.SplitHostPort(host); err == nil {
		if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
			host = h
			if strings.Contains(h, ":") {
				host = "[" + h + "]"
			}
		}
	}
	return scheme + "://" + host
}
