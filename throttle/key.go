package throttle

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// NormalizeAccount returns the form of an account identifier that counters
// are keyed by: surrounding white space trimmed, Unicode NFC, lower case.
// "Alice@Example.COM " and "alice@example.com" therefore share counters, so
// an attacker cannot escape a limit by changing case. Normalising more than
// the user database does only merges counters, which errs on the safe side.
func NormalizeAccount(account string) string {
	return strings.ToLower(norm.NFC.String(strings.TrimSpace(account)))
}

// Network returns the client network an address is counted in: the
// address itself for IPv4 (IPv4-mapped IPv6 addresses are unmapped first),
// its /64 for IPv6, because one subscriber usually holds a whole /64
// (RFC 6177) and could otherwise rotate through 2^64 addresses. The invalid
// zero Addr (a client whose address is unknown) yields the invalid Prefix;
// all such clients share one counter.
func Network(addr netip.Addr) netip.Prefix {
	if !addr.IsValid() {
		return netip.Prefix{}
	}
	addr = addr.Unmap().WithZone("")
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits) // cannot fail: bits fits the family
	return p
}

// accountHash keeps account identifiers out of the store and bounds the
// key length whatever the client sent. It is not a secrecy measure (an
// unsalted hash of an e-mail address can be guessed).
func accountHash(account string) string {
	sum := sha256.Sum256([]byte(NormalizeAccount(account)))
	return hex.EncodeToString(sum[:16])
}

func networkKey(addr netip.Addr) string {
	p := Network(addr)
	if !p.IsValid() {
		return "unknown"
	}
	return p.String()
}

// keys are the store keys of one login attempt.
type keys struct {
	ip, pair, account, known string
}

func keysFor(account string, addr netip.Addr) keys {
	a, n := accountHash(account), networkKey(addr)
	return keys{
		ip:      "ip:" + n,
		pair:    "pair:" + a + "|" + n,
		account: "acct:" + a,
		known:   "known:" + a + "|" + n,
	}
}
