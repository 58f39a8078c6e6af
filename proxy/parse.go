package proxy

import (
	"net/http"
	"net/netip"
	"strings"
)

// maxHops bounds how many forwarding entries are examined; a longer chain is
// treated as garbage.
const maxHops = 32

// parseAddr parses a forwarded address: an IP, optionally with a port
// (192.0.2.1:8080, [2001:db8::1]:8080) or in brackets ([2001:db8::1]).
// It returns the zero Addr for anything else, including "unknown" and
// RFC 7239 obfuscated identifiers.
func parseAddr(s string) netip.Addr {
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return netip.Addr{}
		}
		return a.Unmap()
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Addr().Zone() != "" {
			return netip.Addr{}
		}
		return ap.Addr().Unmap()
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() && a.Zone() == "" {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}

// parseProto accepts http and https in any case.
func parseProto(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "http":
		return "http", true
	case "https":
		return "https", true
	}
	return "", false
}

// parseHost accepts a host[:port] made of the characters a DNS name, an IPv4
// address or a bracketed IPv6 address can contain, and lower-cases it.
func parseHost(s string) (string, bool) {
	if s == "" || len(s) > 261 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '-', c == ':', c == '[', c == ']', c == '_':
		default:
			return "", false
		}
	}
	return strings.ToLower(s), true
}

// splitList splits comma-separated header values, trimming optional
// whitespace; empty elements are kept so that they count as garbage.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, e := range strings.Split(v, ",") {
			out = append(out, strings.Trim(e, " \t"))
		}
	}
	return out
}

// parseXForwarded reads X-Forwarded-For/-Proto/-Host. ok is false when the
// proto or host lists cannot be matched to the address list.
func parseXForwarded(h http.Header) (hops []hop, ok bool) {
	fors := splitList(h.Values("X-Forwarded-For"))
	protos := splitList(h.Values("X-Forwarded-Proto"))
	hosts := splitList(h.Values("X-Forwarded-Host"))
	if len(fors) > maxHops || len(protos) > maxHops || len(hosts) > maxHops {
		return nil, false
	}
	if len(fors) == 0 {
		if len(protos) == 0 && len(hosts) == 0 {
			return nil, true
		}
		return nil, false
	}
	hops = make([]hop, len(fors))
	for i, f := range fors {
		hops[i].addr = parseAddr(f)
	}
	// A single value describes the client's connection; a list must line up
	// with the addresses, one per hop.
	assign := func(list []string, set func(*hop, string) bool) bool {
		switch len(list) {
		case 0:
			return true
		case 1:
			for i := range hops {
				if !set(&hops[i], list[0]) {
					return false
				}
			}
			return true
		case len(hops):
			for i := range hops {
				if !set(&hops[i], list[i]) {
					return false
				}
			}
			return true
		}
		return false
	}
	ok = assign(protos, func(h *hop, v string) bool {
		p, good := parseProto(v)
		h.proto = p
		return good
	}) && assign(hosts, func(h *hop, v string) bool {
		hv, good := parseHost(v)
		h.host = hv
		return good
	})
	return hops, ok
}

// parseForwardedHeaders parses every Forwarded header line (RFC 7239 §4)
// as one list. ok is false when any element is malformed; then no element
// is returned.
func parseForwardedHeaders(values []string) (hops []hop, ok bool) {
	for _, v := range values {
		elems, good := ParseForwarded(v)
		if !good {
			return nil, false
		}
		for _, e := range elems {
			h := hop{addr: parseAddr(e.For)}
			if e.Proto != "" {
				p, good := parseProto(e.Proto)
				h.proto, h.bad = p, !good
			}
			if e.Host != "" {
				hv, good := parseHost(e.Host)
				h.host, h.bad = hv, h.bad || !good
			}
			hops = append(hops, h)
			if len(hops) > maxHops {
				return nil, false
			}
		}
	}
	return hops, true
}

// ForwardedElement is one element of a Forwarded header, with its parameter
// values unquoted. Absent parameters are empty.
type ForwardedElement struct {
	For, By, Host, Proto string
}

// ParseForwarded parses one Forwarded header value (RFC 7239 §4):
//
//	Forwarded = 1#forwarded-element
//	forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
//	forwarded-pair = token "=" value
//	value = token / quoted-string
//
// It is strict: a malformed value, an unknown parameter name repeated, or a
// parameter given twice in one element makes ok false. Extension parameters
// are accepted and ignored.
func ParseForwarded(v string) (elems []ForwardedElement, ok bool) {
	i := 0
	skipOWS := func() {
		for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
	}
	for {
		var e ForwardedElement
		seen := map[string]bool{}
		for {
			skipOWS()
			if i < len(v) && v[i] != ',' && v[i] != ';' {
				start := i
				for i < len(v) && isTchar(v[i]) {
					i++
				}
				name := strings.ToLower(v[start:i])
				if name == "" || i >= len(v) || v[i] != '=' {
					return nil, false
				}
				i++
				var val string
				if i < len(v) && v[i] == '"' {
					i++
					var b strings.Builder
					closed := false
					for i < len(v) {
						c := v[i]
						if c == '"' {
							closed = true
							i++
							break
						}
						if c == '\\' {
							i++
							if i >= len(v) || !isQuotedPairChar(v[i]) {
								return nil, false
							}
							c = v[i]
						} else if !isQdtext(c) {
							return nil, false
						}
						b.WriteByte(c)
						i++
					}
					if !closed {
						return nil, false
					}
					val = b.String()
				} else {
					start := i
					for i < len(v) && isTchar(v[i]) {
						i++
					}
					val = v[start:i]
					if val == "" {
						return nil, false
					}
				}
				if seen[name] {
					return nil, false
				}
				seen[name] = true
				switch name {
				case "for":
					e.For = val
				case "by":
					e.By = val
				case "host":
					e.Host = val
				case "proto":
					e.Proto = val
				}
				skipOWS()
			}
			if i < len(v) && v[i] == ';' {
				i++
				continue
			}
			break
		}
		elems = append(elems, e)
		if len(elems) > maxHops {
			return nil, false
		}
		if i >= len(v) {
			return elems, true
		}
		if v[i] != ',' {
			return nil, false
		}
		i++
	}
}

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isQdtext is RFC 7230 qdtext: HTAB, SP, %x21, %x23-5B, %x5D-7E (obs-text is
// refused: forwarded values are ASCII).
func isQdtext(c byte) bool {
	return c == '\t' || c == ' ' || c == 0x21 || (0x23 <= c && c <= 0x5B) || (0x5D <= c && c <= 0x7E)
}

func isQuotedPairChar(c byte) bool {
	return c == '\t' || (0x20 <= c && c <= 0x7E)
}
