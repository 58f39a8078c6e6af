package secretsfile

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"filippo.io/age"
)

var regenerate = flag.Bool("regenerate", false, "rewrite testdata/v1.age and testdata/test.key")

// TestRegenerateVectors rewrites the envelope test vector when run with
// -regenerate; otherwise it checks that the vector still opens.
func TestRegenerateVectors(t *testing.T) {
	if *regenerate {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		ct, err := Seal(map[string]string{"SECRET_KEY": "test-vector-value", "DB_PASSWORD": "pw"}, id.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/test.key", []byte(id.String()+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/v1.age", ct, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	id := testIdentity(t)
	ct, err := os.ReadFile("testdata/v1.age")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(ct, id)
	if err != nil {
		t.Fatal(err)
	}
	if m["SECRET_KEY"] != "test-vector-value" || m["DB_PASSWORD"] != "pw" || len(m) != 2 {
		t.Fatalf("v1.age decrypted to %d entries", len(m))
	}
}

func testIdentity(t testing.TB) *age.X25519Identity {
	t.Helper()
	b, err := os.ReadFile("testdata/test.key")
	if err != nil {
		t.Fatal(err)
	}
	id, err := age.ParseX25519Identity(string(bytes.TrimSpace(b)))
	if err != nil {
		t.Fatal(err)
	}
	return id
}
