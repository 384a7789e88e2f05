package jose_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
)

func TestTrustedKeys(t *testing.T) {
	a := newFixture(t, crypto.KeyTypeECP256)
	b := newFixture(t, crypto.KeyTypeEd25519)
	other := newFixture(t, crypto.KeyTypeECP256)
	jwkB, err := b.signer.JWK()
	if err != nil {
		t.Fatal(err)
	}
	set, _ := json.Marshal(map[string]any{"keys": []any{jwkB}})
	tk := jose.NewTrustedKeys()
	if err := tk.Add("https://issuer.example", "key-a", a.signer.Public()); err != nil {
		t.Fatal(err)
	}
	if err := tk.AddJWKS("https://issuer.example", set); err != nil {
		t.Fatal(err)
	}
	if err := tk.Add("did:example:single", "", a.signer.Public()); err != nil {
		t.Fatal(err)
	}
	sign := func(f *fixture, header map[string]any, iss string) string {
		tok, err := jose.SignJWT(ctx, f.signer, header, map[string]any{"iss": iss})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	algs := []crypto.Algorithm{crypto.ES256, crypto.EdDSA}
	verify := func(tok string) error {
		_, err := jose.Verify(ctx, tok, jose.VerifyOptions{ParseOptions: jose.ParseOptions{Algorithms: algs, AllowAnyTyp: true}, Resolver: tk})
		return err
	}
	cases := []struct {
		name string
		tok  string
		want error
	}{
		{"configured kid", sign(a, map[string]any{"kid": "key-a"}, "https://issuer.example"), nil},
		{"kid as issuer URL fragment", sign(a, map[string]any{"kid": "https://issuer.example#key-a"}, "https://issuer.example"), nil},
		{"kid from JWKS", sign(b, nil, "https://issuer.example"), nil}, // signer kid = thumbprint = JWK kid
		{"no kid, the only key for the algorithm", sign(b, map[string]any{"jwk": jwkB}, "https://issuer.example"), nil},
		{"no kid, single key", sign(a, map[string]any{"jwk": mustJWK(t, a)}, "did:example:single"), nil},
		{"unknown issuer", sign(a, map[string]any{"kid": "key-a"}, "https://evil.example"), jose.ErrUntrustedKey},
		{"unknown kid", sign(a, map[string]any{"kid": "key-z"}, "https://issuer.example"), jose.ErrUntrustedKey},
		{"kid of another issuer's URL", sign(a, map[string]any{"kid": "https://evil.example#key-a"}, "https://issuer.example"), jose.ErrUntrustedKey},
		{"right kid, wrong key", sign(other, map[string]any{"kid": "key-a"}, "https://issuer.example"), jose.ErrSignature},
		{"embedded jwk of an untrusted key ignored", sign(other, map[string]any{"jwk": mustJWK(t, other)}, "did:example:single"), jose.ErrSignature},
		{"no iss", sign(a, map[string]any{"kid": "key-a"}, ""), jose.ErrUntrustedKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := verify(c.tok)
			if c.want == nil && err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}

	// Two ES256 keys and no kid: ambiguous, not "try the first".
	if err := tk.Add("did:example:single", "second", other.signer.Public()); err != nil {
		t.Fatal(err)
	}
	if err := verify(sign(a, map[string]any{"jwk": mustJWK(t, a)}, "did:example:single")); !errors.Is(err, jose.ErrUntrustedKey) {
		t.Fatalf("ambiguous: %v", err)
	}

	// Data Integrity verification method ids.
	if k, err := tk.ResolveVerificationMethod(ctx, "https://issuer.example#key-a", "assertionMethod"); err != nil || k == nil {
		t.Fatalf("vm: %v", err)
	}
	if _, err := tk.ResolveVerificationMethod(ctx, "https://issuer.example", "assertionMethod"); !errors.Is(err, jose.ErrUntrustedKey) {
		t.Fatalf("vm without fragment: %v", err)
	}
}

func TestTrustedKeysBadJWKS(t *testing.T) {
	tk := jose.NewTrustedKeys()
	for name, in := range map[string]string{
		"not json":     `{`,
		"no keys":      `{"keys":[]}`,
		"private key":  `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}]}`,
		"bad key":      `{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`,
		"deep":         `{"keys":[[[[[[[[[[[[]]]]]]]]]]]]}`,
		"empty issuer": ``,
	} {
		t.Run(name, func(t *testing.T) {
			iss := "https://issuer.example"
			if name == "empty issuer" {
				if err := tk.Add("", "", nil); err == nil {
					t.Fatal("empty issuer accepted")
				}
				return
			}
			if err := tk.AddJWKS(iss, []byte(in)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := tk.Lookup("https://issuer.example", "", ""); !errors.Is(err, jose.ErrUntrustedKey) {
		t.Fatalf("a failed AddJWKS left keys behind: %v", err)
	}
}

func mustJWK(t testing.TB, f *fixture) map[string]any {
	j, err := f.signer.JWK()
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestKeySignerWithKID(t *testing.T) {
	f := newFixture(t, crypto.KeyTypeECP256)
	s := f.signer.WithKID("did:example:123#key-1")
	if s.KID() != "did:example:123#key-1" || f.signer.KID() == s.KID() {
		t.Fatalf("kid %q / original %q", s.KID(), f.signer.KID())
	}
	tok, err := jose.SignJWT(ctx, s, nil, map[string]any{"iss": "did:example:123"})
	if err != nil {
		t.Fatal(err)
	}
	j, err := jose.Verify(ctx, tok, jose.VerifyOptions{ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, AllowAnyTyp: true}, Key: s.Public()})
	if err != nil || j.Header.Kid != "did:example:123#key-1" {
		t.Fatalf("kid in header %q: %v", j.Header.Kid, err)
	}
}
