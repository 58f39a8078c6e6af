package secrets

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRequirePlaceholdersAndWeakValues(t *testing.T) {
	strong := GenerateKey().Reveal()
	tests := []struct {
		name  string
		value string
		want  ProblemKind // 0: accepted
	}{
		{"generated key", strong, 0},
		{"random hex 128-bit", "3f9a1c7be2d84065a9c13e7f5b20d8e4", 0},
		{"long passphrase", "violet-Tundra-71-mirror-Gallop-oats", 0},

		{"seed's your_secret_key", "your_secret_key", Placeholder},
		{"YOUR-SECRET-KEY upper case", "YOUR-SECRET-KEY", Placeholder},
		{"your secret key with spaces", "Your Secret Key", Placeholder},
		{"template marker", "<your-secret-key-here-please-replace-it-now>", Placeholder},
		{"changeme", "changeme", Placeholder},
		{"changeme padded to length", "changeme-changeme-please-0000000000000000", Placeholder},
		{"secret", "secret", Placeholder},
		{"Secret123", "Secret123", Placeholder},
		{"password", "password", Placeholder},
		{"P@ssw0rd leet", "P@ssw0rd", Placeholder},
		{"s3cr3t leet", "s3cr3t!", Placeholder},
		{"dev", "dev", Placeholder},
		{"test", "TEST", Placeholder},
		{"example", "example", Placeholder},
		{"placeholder", "placeholder", Placeholder},
		{"django insecure prefix", "django-insecure-8f#k2l!x0q@m9z$w1r^t7y&u3i*o5p(", Placeholder},
		{"express keyboard cat", "keyboard cat", Placeholder},
		{"the redaction marker", "[REDACTED]", Placeholder},
		{"super_secret_key", "super_secret_key", Placeholder},

		{"repeated character", strings.Repeat("a", 64), Pattern},
		{"repeated x", strings.Repeat("x", 40), Pattern},
		{"repeated unit", strings.Repeat("abc1", 12), Pattern},
		{"repeated word", strings.Repeat("hello-", 8), Pattern},
		{"ascending digits", "12345678901234567890123456789012345", Pattern},
		{"descending letters", "zyxwvutsrqponmlkjihgfedcbazyxwvuts", Pattern},
		{"single character", "q", Pattern},

		{"too short random", "k8Jq2mZp", TooShort},
		{"31 bytes", strong[:31], TooShort},
		{"low entropy", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", LowEntropy},
		{"two symbols", "abababababababababababababababbaab", LowEntropy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &stub{name: "env", values: map[string]string{"SECRET_KEY": tt.value}}
			err := Require(context.Background(), p, Requirement{Name: "SECRET_KEY"})
			if tt.want == 0 {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			re, ok := errors.AsType[*RequireError](err)
			if !ok || len(re.Problems) != 1 {
				t.Fatalf("err = %v, want one problem", err)
			}
			if got := re.Problems[0].Kind; got != tt.want {
				t.Errorf("kind = %v, want %v (%v)", got, tt.want, err)
			}
			msg := err.Error()
			if (len(tt.value) > 11 && strings.Contains(msg, tt.value)) || leaks(msg) {
				t.Errorf("message reveals the value: %s", msg)
			}
			if !strings.HasPrefix(msg, "rampart: SECRET_KEY from env ") || !strings.Contains(msg, "rampart keys generate") {
				t.Errorf("message = %q", msg)
			}
		})
	}
}

func TestRequireReportsEveryProblem(t *testing.T) {
	env := &stub{name: "env", values: map[string]string{
		"SECRET_KEY":  "changeme",
		"DB_PASSWORD": "short",
		"API_TOKEN":   GenerateKey().Reveal(),
		"CSRF_KEY":    strings.Repeat("7", 40),
	}}
	file := &stub{name: "encrypted:config/secrets.age", values: map[string]string{"SMTP_PASSWORD": "s"}}
	p := Chain(env, file)
	err := Require(context.Background(), p,
		Requirement{Name: "SECRET_KEY"},
		Requirement{Name: "DB_PASSWORD", MinLen: 12},
		Requirement{Name: "API_TOKEN"},
		Requirement{Name: "CSRF_KEY"},
		Requirement{Name: "SMTP_PASSWORD", MinLen: 2},
		Requirement{Name: "MISSING_ONE"},
	)
	re, ok := errors.AsType[*RequireError](err)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"rampart: SECRET_KEY from env is a known placeholder; generate one with `rampart keys generate`",
		"rampart: DB_PASSWORD from env is too short (5 bytes, need at least 12); generate one with `rampart keys generate`",
		"rampart: CSRF_KEY from env is a repeated or sequential pattern; generate one with `rampart keys generate`",
		"rampart: SMTP_PASSWORD from encrypted:config/secrets.age is a repeated or sequential pattern; generate one with `rampart keys generate`",
		"rampart: MISSING_ONE is missing or empty (looked in env, encrypted:config/secrets.age); set it in one of those, e.g. with `rampart secrets set MISSING_ONE`",
	}
	if got := strings.Split(re.Error(), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Error() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(re.Problems) != 5 {
		t.Errorf("%d problems", len(re.Problems))
	}
}

func TestRequireUnreadableProvider(t *testing.T) {
	broken := &stub{name: "encrypted:s.age", err: ErrWrongMasterKey}
	err := Require(context.Background(), Chain(Env("RAMPART_TEST_NONE_"), broken), Requirement{Name: "SECRET_KEY"}, Requirement{Name: "OTHER"})
	re, ok := errors.AsType[*RequireError](err)
	if !ok || len(re.Problems) != 2 || re.Problems[0].Kind != Unreadable || re.Problems[0].Provider != "encrypted:s.age" {
		t.Fatalf("err = %#v", err)
	}
	if !errors.Is(err, ErrWrongMasterKey) {
		t.Error("RequireError does not unwrap to the provider's error")
	}
}

func TestRequireOptions(t *testing.T) {
	p := &stub{name: "env", values: map[string]string{"PIN": "k8Jq2mZp", "HEX": "3f9a1c7be2d84065a9c13e7f5b20d8e4"}}
	if err := Require(context.Background(), p, Requirement{Name: "PIN", MinLen: 8, MinEntropyBits: 20}); err != nil {
		t.Errorf("lowered limits: %v", err)
	}
	err := Require(context.Background(), p, Requirement{Name: "HEX", MinEntropyBits: 200})
	re, ok := errors.AsType[*RequireError](err)
	if !ok || re.Problems[0].Kind != LowEntropy || !strings.Contains(err.Error(), "need 200") {
		t.Errorf("raised entropy: %v", err)
	}
	if Require(context.Background(), p) != nil {
		t.Error("no requirements must pass")
	}
	for _, r := range []Requirement{{Name: ""}, {Name: "A-B"}, {Name: "A", MinLen: -1}, {Name: "A", MinEntropyBits: -1}} {
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.HasPrefix(msg, "rampart/secrets: ") {
					t.Errorf("%+v: panic = %q", r, msg)
				}
			}()
			_ = Require(context.Background(), p, r)
		}()
	}
}

func TestGenerateKey(t *testing.T) {
	seen := map[string]bool{}
	p := &stub{name: "gen", values: map[string]string{}}
	for range 2000 {
		k := GenerateKey()
		v := k.Reveal()
		if len(v) != 43 || strings.ContainsAny(v, "+/=") {
			t.Fatalf("key %q is not 43 chars of unpadded base64url", v)
		}
		if seen[v] {
			t.Fatal("duplicate key")
		}
		seen[v] = true
		p.values["K"] = v
		if err := Require(context.Background(), p, Requirement{Name: "K"}); err != nil {
			t.Fatalf("generated key fails Require: %v", err)
		}
	}
}

func TestEntropyBits(t *testing.T) {
	for v, want := range map[string]float64{"": 0, "aaaa": 0, "ab": 2, "abcd": 8, "aabb": 4} {
		if got := EntropyBits(New(v)); got != want {
			t.Errorf("EntropyBits(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestProblemKindString(t *testing.T) {
	if Missing.String() != "missing" || ProblemKind(99).String() != "ProblemKind(99)" {
		t.Error("ProblemKind.String")
	}
}

func BenchmarkRequire(b *testing.B) {
	p := &stub{name: "env", values: map[string]string{"SECRET_KEY": GenerateKey().Reveal()}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = Require(ctx, p, Requirement{Name: "SECRET_KEY"})
	}
}
