package password

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"
)

// cheap are test parameters; production parameters would make the suite
// slow under -race on two cores.
var cheap = Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func newCheap(t testing.TB, cfg Config) *Hasher {
	t.Helper()
	cfg.Params = cheap
	cfg.InsecureWeakParams = true
	return New(cfg)
}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t, Config{})
	const pw = "glacier-otter-17"
	enc, err := h.Hash(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	enc2, _ := h.Hash(ctx, pw)
	if enc == enc2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, tt := range []struct {
		name string
		pw   string
		want bool
	}{
		{"right password", pw, true},
		{"wrong password", "glacier-otter-18", false},
		{"prefix of the password", pw[:8], false},
		{"password with extra character", pw + " ", false},
		{"different case", strings.ToUpper(pw), false},
		{"empty", "", false},
		{"too long to have been hashed", strings.Repeat("x", DefaultMaxLength+1), false},
		{"invalid UTF-8", pw + "\xff", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(ctx, tt.pw, enc)
			if err != nil || ok != tt.want {
				t.Fatalf("Verify = %v, %v; want %v", ok, err, tt.want)
			}
		})
	}
}

func TestDefaultParamsHash(t *testing.T) {
	h := New(Config{})
	enc, err := h.Hash(context.Background(), "glacier-otter-17")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("default parameters not OWASP's: %q", enc)
	}
	ph, err := parsePHC(enc)
	if err != nil || len(ph.salt) != 16 || len(ph.key) != 32 {
		t.Fatalf("salt %d bytes, key %d bytes, err %v; want 16, 32", len(ph.salt), len(ph.key), err)
	}
	if h.NeedsRehash(enc) {
		t.Fatal("fresh hash needs rehash")
	}
}

func TestHashRejectsPolicy(t *testing.T) {
	h := newCheap(t, Config{})
	var pe *PolicyError
	if _, err := h.Hash(context.Background(), "short"); !errors.As(err, &pe) || pe.Code != CodeTooShort {
		t.Fatalf("Hash(short) = %v", err)
	}
	if _, err := h.Hash(context.Background(), "bob-the-builder", "bob@example.com", "bob-the-builder"); !errors.As(err, &pe) || pe.Code != CodeContextWord {
		t.Fatalf("Hash(username) = %v", err)
	}
}

func TestNFCAndNFDVerifyEqual(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t, Config{})
	composed := norm.NFC.String("Crème brûlée à Noël")
	decomposed := norm.NFD.String(composed)
	for _, tt := range []struct{ name, hashed, typed string }{
		{"hashed NFC, typed NFD", composed, decomposed},
		{"hashed NFD, typed NFC", decomposed, composed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := h.Hash(ctx, tt.hashed)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := h.Verify(ctx, tt.typed, enc); !ok || err != nil {
				t.Fatalf("Verify = %v, %v", ok, err)
			}
		})
	}
}

func TestTamperedHashes(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t, Config{})
	const pw = "tamper-evident-seal"
	enc, err := h.Hash(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndexByte(enc, '$')
	flip := func(s string, at int) string {
		b := []byte(s)
		if b[at] == 'A' {
			b[at] = 'B'
		} else {
			b[at] = 'A'
		}
		return string(b)
	}
	for _, tt := range []struct {
		name      string
		enc       string
		malformed bool
	}{
		{"tag first character", flip(enc, i+1), false},
		{"tag middle character", flip(enc, i+20), false},
		{"salt character", flip(enc, i-5), false},
		{"memory changed", strings.Replace(enc, "m=64,", "m=72,", 1), false},
		{"iterations changed", strings.Replace(enc, "t=1,", "t=2,", 1), false},
		{"parallelism changed", strings.Replace(enc, "p=1$", "p=2$", 1), false},
		{"tag truncated to 30 bytes", enc[:len(enc)-3], false},
		{"algorithm changed to argon2i", strings.Replace(enc, "argon2id", "argon2i", 1), true},
		{"memory raised to 4 GiB", strings.Replace(enc, "m=64,", "m=4194304,", 1), true},
		{"tag removed", enc[:i+1], true},
		{"stray character", enc + "!", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(ctx, pw, tt.enc)
			if ok {
				t.Fatal("tampered hash verified")
			}
			if tt.malformed != errors.Is(err, ErrMalformedHash) {
				t.Fatalf("err = %v, want malformed=%v", err, tt.malformed)
			}
		})
	}
}

func TestVerifyMalformedStoredHash(t *testing.T) {
	h := newCheap(t, Config{})
	for _, s := range []string{"", "!", "*", "plaintext-password", "$1$saltsalt$hash", "$argon2id$v=19$m=4294967295,t=4294967295,p=255$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"} {
		ok, err := h.Verify(context.Background(), "whatever-password", s)
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformedHash", s, ok, err)
		}
		if s != "" && strings.Contains(err.Error(), "whatever-password") {
			t.Errorf("error contains the password: %v", err)
		}
	}
}

func TestBcryptImportAndUpgrade(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t, Config{})
	const pw = "legacy-system-pass"
	legacy, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		enc := prefix + string(legacy[4:])
		t.Run(prefix, func(t *testing.T) {
			if ok, err := h.Verify(ctx, pw, enc); !ok || err != nil {
				t.Fatalf("Verify(imported) = %v, %v", ok, err)
			}
			if ok, err := h.Verify(ctx, pw+"x", enc); ok || err != nil {
				t.Fatalf("Verify(wrong, imported) = %v, %v", ok, err)
			}
			if !h.NeedsRehash(enc) {
				t.Fatal("bcrypt hash does not need rehash")
			}
		})
	}
	// The upgrade a login performs: verify, see NeedsRehash, store a new hash.
	upgraded, err := h.Hash(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	if h.NeedsRehash(upgraded) {
		t.Fatal("upgraded hash still needs rehash")
	}
	if ok, err := h.Verify(ctx, pw, upgraded); !ok || err != nil {
		t.Fatalf("Verify(upgraded) = %v, %v", ok, err)
	}
}

// bcrypt systems hashed only the first 72 bytes; a long password imported
// from one must still log in, after which it is rehashed in full.
func TestBcryptLongPassword(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t, Config{})
	long := strings.Repeat("0123456789", 10) // 100 bytes
	legacy, err := bcrypt.GenerateFromPassword([]byte(long[:72]), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Verify(ctx, long, string(legacy)); !ok || err != nil {
		t.Fatalf("Verify(100-byte password, bcrypt) = %v, %v", ok, err)
	}
	// argon2id hashes the whole password: the 72-byte prefix does not match.
	enc, err := h.Hash(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := h.Verify(ctx, long[:72], enc); ok {
		t.Fatal("argon2id hash matched a 72-byte prefix: truncation")
	}
}

func TestBcryptCostTooHigh(t *testing.T) {
	h := newCheap(t, Config{})
	// A cost-31 hash would take days; it must fail at once as malformed.
	enc := "$2a$31$4lT1oDR3H.qMKO/N5PzLf.TDW0DTI/ESxfwR9cNsNVwwQPKiETtQK"
	ok, err := h.Verify(context.Background(), "whatever-password", enc)
	if ok || !errors.Is(err, ErrMalformedHash) {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
}

func TestNeedsRehash(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t, Config{})
	current, err := h.Hash(ctx, "current-params-pw")
	if err != nil {
		t.Fatal(err)
	}
	other := func(p Params) string {
		t.Helper()
		enc, err := New(Config{Params: p, InsecureWeakParams: true}).Hash(ctx, "other-params-pw")
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	for _, tt := range []struct {
		name string
		enc  string
		want bool
	}{
		{"current parameters", current, false},
		{"less memory", other(Params{Memory: 32, Iterations: 1}), true},
		{"more memory", other(Params{Memory: 128, Iterations: 1}), true},
		{"more iterations", other(Params{Memory: 64, Iterations: 2}), true},
		{"more parallelism", other(Params{Memory: 64, Iterations: 1, Parallelism: 2}), true},
		{"shorter salt", other(Params{Memory: 64, Iterations: 1, SaltLength: 8}), true},
		{"shorter tag", other(Params{Memory: 64, Iterations: 1, KeyLength: 16}), true},
		{"reference vector", validPHC, true},
		{"bcrypt", "$2a$04$4lT1oDR3H.qMKO/N5PzLf.TDW0DTI/ESxfwR9cNsNVwwQPKiETtQK", true},
		{"garbage", "!", true},
		{"empty", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.NeedsRehash(tt.enc); got != tt.want {
				t.Fatalf("NeedsRehash = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVerifyDummy(t *testing.T) {
	h := newCheap(t, Config{})
	if err := h.VerifyDummy(context.Background(), "any-password-at-all"); err != nil {
		t.Fatal(err)
	}
	// The dummy key is random per Hasher, never the hash of anything typed.
	if len(h.dummySalt) != int(cheap.SaltLength) || len(h.dummyKey) != int(cheap.KeyLength) {
		t.Fatal("dummy salt/key not sized like real hashes")
	}
	if string(h.dummyKey) == string(make([]byte, cheap.KeyLength)) {
		t.Fatal("dummy key is all zero")
	}
}

// holdAll takes every slot of h, as a flood of slow hashes would.
func holdAll(t *testing.T, h *Hasher) (release func()) {
	t.Helper()
	for range cap(h.sem) {
		if err := h.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		for range cap(h.sem) {
			h.release()
		}
	}
}

func TestBusy(t *testing.T) {
	enc := "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	calls := map[string]func(ctx context.Context, h *Hasher) error{
		"Hash": func(ctx context.Context, h *Hasher) error {
			_, err := h.Hash(ctx, "flood-of-logins")
			return err
		},
		"Verify": func(ctx context.Context, h *Hasher) error {
			_, err := h.Verify(ctx, "flood-of-logins", enc)
			return err
		},
		"VerifyDummy": func(ctx context.Context, h *Hasher) error {
			return h.VerifyDummy(ctx, "flood-of-logins")
		},
	}
	for name, call := range calls {
		t.Run(name+"/fail fast", func(t *testing.T) {
			h := newCheap(t, Config{MaxConcurrent: 2, MaxWait: -1})
			release := holdAll(t, h)
			defer release()
			start := time.Now()
			if err := call(context.Background(), h); !errors.Is(err, ErrBusy) {
				t.Fatalf("err = %v, want ErrBusy", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("fail-fast took %v", d)
			}
		})
		t.Run(name+"/wait times out", func(t *testing.T) {
			h := newCheap(t, Config{MaxConcurrent: 1, MaxWait: 20 * time.Millisecond})
			release := holdAll(t, h)
			defer release()
			start := time.Now()
			if err := call(context.Background(), h); !errors.Is(err, ErrBusy) {
				t.Fatalf("err = %v, want ErrBusy", err)
			}
			if d := time.Since(start); d < 20*time.Millisecond {
				t.Fatalf("returned after %v, before MaxWait", d)
			}
		})
		t.Run(name+"/context cancelled while waiting", func(t *testing.T) {
			h := newCheap(t, Config{MaxConcurrent: 1, MaxWait: time.Hour})
			release := holdAll(t, h)
			defer release()
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(10*time.Millisecond, cancel)
			err := call(ctx, h)
			if !errors.Is(err, ErrBusy) || !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want ErrBusy wrapping context.Canceled", err)
			}
		})
		t.Run(name+"/context already done", func(t *testing.T) {
			h := newCheap(t, Config{})
			ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
			defer cancel()
			if err := call(ctx, h); !errors.Is(err, ErrBusy) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want ErrBusy wrapping DeadlineExceeded", err)
			}
		})
		t.Run(name+"/waits for a slot", func(t *testing.T) {
			h := newCheap(t, Config{MaxConcurrent: 1, MaxWait: time.Hour})
			release := holdAll(t, h)
			time.AfterFunc(10*time.Millisecond, release)
			if err := call(context.Background(), h); err != nil {
				t.Fatalf("err = %v after a slot freed", err)
			}
		})
	}
}

// TestConcurrencyFlood floods a Hasher from many goroutines under -race:
// every call must get the right answer and every slot must be returned.
// (That no more than MaxConcurrent hashes run at once is shown by TestBusy:
// with every slot taken, the next call cannot start.)
func TestConcurrencyFlood(t *testing.T) {
	const limit = 3
	h := newCheap(t, Config{MaxConcurrent: limit, MaxWait: time.Minute})
	ctx := context.Background()
	enc, err := h.Hash(ctx, "concurrent-pass")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 60 {
		wg.Go(func() {
			switch i % 4 {
			case 0:
				if ok, err := h.Verify(ctx, "concurrent-pass", enc); !ok || err != nil {
					errs <- errors.New("right password rejected")
				}
			case 1:
				if ok, err := h.Verify(ctx, "concurrent-fail", enc); ok || err != nil {
					errs <- errors.New("wrong password accepted")
				}
			case 2:
				if _, err := h.Hash(ctx, "another-new-pass"); err != nil {
					errs <- err
				}
			default:
				if err := h.VerifyDummy(ctx, "unknown-user"); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(h.sem); n != 0 {
		t.Fatalf("%d slots leaked", n)
	}
	if c := cap(h.sem); c != limit {
		t.Fatalf("%d slots, want MaxConcurrent %d", c, limit)
	}
}

func TestDefaultMaxConcurrent(t *testing.T) {
	h := New(Config{})
	if got, want := cap(h.sem), max(runtime.GOMAXPROCS(0), 1); got != want {
		t.Fatalf("default MaxConcurrent = %d, want GOMAXPROCS %d", got, want)
	}
}

func TestNewPanics(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
	}{
		{"weak params without the insecure flag", Config{Params: Params{Memory: 64, Iterations: 1}}},
		{"weak salt without the insecure flag", Config{Params: Params{SaltLength: 8}}},
		{"memory above the parser's bound", Config{Params: Params{Memory: MaxMemory + 1}}},
		{"iterations above bound", Config{Params: Params{Iterations: MaxIterations + 1}, InsecureWeakParams: true}},
		{"parallelism above bound", Config{Params: Params{Parallelism: MaxParallelism + 1}}},
		{"salt too short even for tests", Config{Params: Params{SaltLength: 4}, InsecureWeakParams: true}},
		{"negative MaxConcurrent", Config{MaxConcurrent: -1}},
		{"MinLength below 8", Config{Policy: Policy{MinLength: 6}}},
		{"MaxLength below 64", Config{Policy: Policy{MaxLength: 32}}},
		{"MaxLength below MinLength", Config{Policy: Policy{MinLength: 100, MaxLength: 80}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, "rampart/password: ") {
					t.Fatalf("panic = %v, want a rampart/password: message", r)
				}
			}()
			New(tt.cfg)
		})
	}
}

func TestOWASPEquivalentsAccepted(t *testing.T) {
	// The OWASP cheat sheet's equivalent argon2id configurations.
	for _, p := range []Params{
		{Memory: 47104, Iterations: 1},
		{Memory: 19456, Iterations: 2},
		{Memory: 12288, Iterations: 3},
		{Memory: 9216, Iterations: 4},
		{Memory: 7168, Iterations: 5},
	} {
		New(Config{Params: p}) // must not panic
	}
}
