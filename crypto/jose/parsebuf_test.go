package jose_test

import (
	"bytes"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
)

// TestParsePartsIndependent: Parse decodes header, payload and signature
// into one buffer; appending to one of them must not change the others.
func TestParsePartsIndependent(t *testing.T) {
	tok := "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-Pw"
	j, err := jose.Parse(tok, jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, AllowAnyTyp: true})
	if err != nil {
		t.Fatal(err)
	}
	if string(j.HeaderJSON) != `{"alg":"ES256"}` || string(j.Payload) != `{"a":1}` || len(j.Signature) != 64 || j.Signature[63] != 63 {
		t.Fatalf("decoded %q %q %x", j.HeaderJSON, j.Payload, j.Signature)
	}
	sig := bytes.Clone(j.Signature)
	_ = append(j.HeaderJSON, 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x')
	_ = append(j.Payload, 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y')
	if string(j.Payload) != `{"a":1}` || !bytes.Equal(j.Signature, sig) {
		t.Fatalf("after appends: %q %x", j.Payload, j.Signature)
	}
}
