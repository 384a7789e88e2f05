package presentation

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/ocmw/wstack/vocab"
)

// TestPeekSDJWT: the unverified pre-trust view takes iss, vct, sub and jti
// from the top level of the Issuer-signed JWT's payload only, names
// matched exactly, and refuses what is not a JSON object or not strings.
func TestPeekSDJWT(t *testing.T) {
	tok := func(payload string) string {
		return "eyJhbGciOiJFUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln~"
	}
	var p Parser
	c, err := p.peekSDJWT(vocab.FormatSDJWTVC, tok(`{"iss":"https://issuer.example","vct":"urn:eudi:pid:1","sub":"s","jti":"j","address":{"iss":"inner"},"_sd":["x"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://issuer.example" || c.VCT != "urn:eudi:pid:1" || c.Subject != "s" || c.ID != "j" || len(c.Claims) != 4 {
		t.Fatalf("%+v", c)
	}
	c, err = p.peekSDJWT(vocab.FormatSDJWTVC, tok(`{"ISS":"https://issuer.example","vct":"urn:x","sub":null}`))
	if err != nil || c.Issuer != "" || c.Subject != "" || c.VCT != "urn:x" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, payload := range []string{
		`{"iss":"https://issuer.example"}`, // no vct
		`{"vct":5}`,
		`{"vct":"urn:x","iss":{"id":"https://issuer.example"}}`,
		`{"vct":"urn:x","vct":"urn:y"}`,
		`{"vct":"urn:x"`,
		`["vct"]`,
		"{\"vct\":\"\xff\"}",
	} {
		if _, err := p.peekSDJWT(vocab.FormatSDJWTVC, tok(payload)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", payload, err)
		}
	}
}
