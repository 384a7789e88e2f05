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

// TestParseHeaderPrivate: the decoded header does not share memory with
// HeaderJSON; writing into HeaderJSON changes none of its strings.
func TestParseHeaderPrivate(t *testing.T) {
	tok := "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiand0In0.eyJhIjoxfQ.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-Pw"
	j, err := jose.Parse(tok, jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, AllowAnyTyp: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range j.HeaderJSON {
		j.HeaderJSON[i] = 'z'
	}
	if j.Header.Alg != crypto.ES256 || j.Header.Kid != "k1" || j.Header.Typ != "jwt" ||
		j.Header.Raw["alg"] != "ES256" || j.Header.Raw["kid"] != "k1" || j.Header.Raw["typ"] != "jwt" || len(j.Header.Raw) != 3 {
		t.Fatalf("header changed with HeaderJSON: %+v", j.Header)
	}
	if string(j.Payload) != `{"a":1}` || j.Signature[63] != 63 {
		t.Fatalf("payload or signature changed: %q %x", j.Payload, j.Signature)
	}
}
