package password

import "fmt"

// Params are argon2id cost parameters. See RFC 9106 §3.1 for their meaning.
type Params struct {
	// Memory is the memory cost m in KiB. Default 19456 (19 MiB).
	Memory uint32
	// Iterations is the time cost t, the number of passes over memory.
	// Default 2.
	Iterations uint32
	// Parallelism is the degree of parallelism p (lanes and goroutines per
	// hash). Default 1.
	Parallelism uint8
	// SaltLength is the length in bytes of the random salt of new hashes.
	// Default 16.
	SaltLength uint32
	// KeyLength is the length in bytes of the tag. Default 32.
	KeyLength uint32
}

// DefaultParams returns the parameters used when [Config.Params] is zero:
// m=19456 KiB (19 MiB), t=2, p=1, 16-byte salt, 32-byte tag — the first
// argon2id configuration of the OWASP Password Storage Cheat Sheet.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

// Bounds on argon2id parameters. [New] panics on parameters outside them and
// the parser rejects stored hashes outside them, so no stored hash can make a
// verification allocate more than MaxMemory or do more than MaxWork.
const (
	// MaxMemory is the largest accepted memory cost, in KiB (256 MiB).
	MaxMemory = 256 * 1024
	// MaxIterations is the largest accepted time cost.
	MaxIterations = 16
	// MaxWork bounds Memory × Iterations, in KiB-passes (four passes over
	// 256 MiB).
	MaxWork = 4 * MaxMemory
	// MaxParallelism is the largest accepted degree of parallelism.
	MaxParallelism = 16
	// MaxBcryptCost is the largest bcrypt cost accepted for imported hashes
	// (2^15 rounds, a few seconds); bcrypt allows up to 31, which would take
	// days per verification.
	MaxBcryptCost = 15

	minSaltLength = 8 // RFC 9106 §3.1: at least 8 bytes
	maxSaltLength = 64
	minKeyLength  = 16
	maxKeyLength  = 64
	// maxEncodedLength bounds the whole PHC string before any parsing.
	maxEncodedLength = 256
)

// OWASP's weakest argon2id configuration is m=7 MiB with t=5; its equivalent
// configurations trade memory for passes with m·t of about 36 MiB-passes.
const (
	minSafeMemory = 7 * 1024
	minSafeWork   = 7 * 1024 * 5
	minSafeSalt   = 16
	minSafeKey    = 32
)

func (p Params) withDefaults() Params {
	if p == (Params{}) {
		return DefaultParams()
	}
	d := DefaultParams()
	if p.Memory == 0 {
		p.Memory = d.Memory
	}
	if p.Iterations == 0 {
		p.Iterations = d.Iterations
	}
	if p.Parallelism == 0 {
		p.Parallelism = d.Parallelism
	}
	if p.SaltLength == 0 {
		p.SaltLength = d.SaltLength
	}
	if p.KeyLength == 0 {
		p.KeyLength = d.KeyLength
	}
	return p
}

// validate reports whether p is within the parser's hard bounds.
func (p Params) validate() error {
	switch {
	case p.Parallelism < 1 || p.Parallelism > MaxParallelism:
		return fmt.Errorf("parallelism %d outside 1..%d", p.Parallelism, MaxParallelism)
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > MaxMemory:
		return fmt.Errorf("memory %d KiB outside %d..%d", p.Memory, 8*uint32(p.Parallelism), MaxMemory)
	case p.Iterations < 1 || p.Iterations > MaxIterations:
		return fmt.Errorf("iterations %d outside 1..%d", p.Iterations, MaxIterations)
	case uint64(p.Memory)*uint64(p.Iterations) > MaxWork:
		return fmt.Errorf("memory × iterations %d above %d", uint64(p.Memory)*uint64(p.Iterations), MaxWork)
	case p.SaltLength < minSaltLength || p.SaltLength > maxSaltLength:
		return fmt.Errorf("salt length %d outside %d..%d", p.SaltLength, minSaltLength, maxSaltLength)
	case p.KeyLength < minKeyLength || p.KeyLength > maxKeyLength:
		return fmt.Errorf("key length %d outside %d..%d", p.KeyLength, minKeyLength, maxKeyLength)
	}
	return nil
}

// weak reports why p is below the OWASP minimum, or "" if it is not.
func (p Params) weak() string {
	switch {
	case p.Memory < minSafeMemory:
		return fmt.Sprintf("memory %d KiB below OWASP minimum %d KiB", p.Memory, minSafeMemory)
	case uint64(p.Memory)*uint64(p.Iterations) < minSafeWork:
		return fmt.Sprintf("memory × iterations %d below OWASP minimum %d", uint64(p.Memory)*uint64(p.Iterations), minSafeWork)
	case p.SaltLength < minSafeSalt:
		return fmt.Sprintf("salt length %d below %d bytes", p.SaltLength, minSafeSalt)
	case p.KeyLength < minSafeKey:
		return fmt.Sprintf("key length %d below %d bytes", p.KeyLength, minSafeKey)
	}
	return ""
}
