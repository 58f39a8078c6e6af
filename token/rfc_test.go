package token

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/base64"
	"math/big"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// RFC 8037 Appendix A.1 (key), A.4 (signature) and A.5 (verification).
const (
	rfc8037D       = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037X       = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfc8037Payload = "Example of Ed25519 signing"
	rfc8037JWS     = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." +
		"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

// RFC 7515 Appendix A.3: ES256.
const (
	rfc7515X   = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
	rfc7515Y   = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
	rfc7515JWS = "eyJhbGciOiJFUzI1NiJ9." +
		"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ." +
		"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
)

func unb64(t testing.TB, s string) []byte {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Signing the RFC's payload with the RFC's key, through the same code path
// our tokens use (deriveKey, then golang-jwt's EdDSA), gives the RFC's JWS.
func TestRFC8037Ed25519(t *testing.T) {
	signKey, verifyKey, pub := deriveKey(EdDSA, unb64(t, rfc8037D))
	if pub.X != rfc8037X || pub.Kty != "OKP" || pub.Crv != "Ed25519" {
		t.Fatalf("public JWK = %+v, want x %s", pub, rfc8037X)
	}
	input := b64([]byte(`{"alg":"EdDSA"}`)) + "." + b64([]byte(rfc8037Payload))
	sig, err := jwt.SigningMethodEdDSA.Sign(input, signKey)
	if err != nil {
		t.Fatal(err)
	}
	if got := input + "." + b64(sig); got != rfc8037JWS {
		t.Fatalf("JWS =\n%s\nwant\n%s", got, rfc8037JWS)
	}
	// A.5: verify with the public key only.
	parts := bytes.Split([]byte(rfc8037JWS), []byte("."))
	if err := jwt.SigningMethodEdDSA.Verify(input, unb64(t, string(parts[2])), ed25519.PublicKey(unb64(t, rfc8037X))); err != nil {
		t.Fatalf("RFC 8037 A.5 verification: %v", err)
	}
	if err := jwt.SigningMethodEdDSA.Verify(input+"x", unb64(t, string(parts[2])), verifyKey); err == nil {
		t.Fatal("tampered input verified")
	}
}

// The RFC's ES256 JWS verifies with the RFC's public key; ECDSA signatures
// are randomized, so only verification can be compared.
func TestRFC7515ES256(t *testing.T) {
	key := &ecdsa.PublicKey{
		Curve: elliptic.P256(),
		X:     new(big.Int).SetBytes(unb64(t, rfc7515X)),
		Y:     new(big.Int).SetBytes(unb64(t, rfc7515Y)),
	}
	i := bytes.LastIndexByte([]byte(rfc7515JWS), '.')
	input, sig := rfc7515JWS[:i], unb64(t, rfc7515JWS[i+1:])
	if err := jwt.SigningMethodES256.Verify(input, sig, key); err != nil {
		t.Fatalf("RFC 7515 A.3 verification: %v", err)
	}
	sig[5] ^= 1
	if err := jwt.SigningMethodES256.Verify(input, sig, key); err == nil {
		t.Fatal("tampered signature verified")
	}
}
