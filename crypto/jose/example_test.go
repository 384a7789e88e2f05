package jose_test

import (
	"context"
	"fmt"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
)

// Sign a JWT with an engine key and verify it with an explicit algorithm
// allow-list and expected typ.
func Example_signAndVerifyJWT() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "tenant-1", Group: "issuer"}, ID: "signing"}
	if _, err := engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeEd25519, KID: "k1"}); err != nil {
		panic(err)
	}
	signer, err := jose.NewKeySigner(ctx, engine, ref, "")
	if err != nil {
		panic(err)
	}
	token, err := jose.SignJWT(ctx, signer, map[string]any{"typ": "statuslist+jwt"},
		map[string]any{"iss": "https://issuer.example", "sub": "https://issuer.example/status/1"})
	if err != nil {
		panic(err)
	}

	jws, err := jose.Verify(ctx, token, jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.EdDSA, crypto.ES256}, Typ: []string{"statuslist+jwt"}},
		Key:          signer.Public(),
	})
	if err != nil {
		panic(err)
	}
	var claims map[string]any
	_ = jws.Claims(&claims)
	fmt.Println(jws.Header.Alg, jws.Header.Kid, claims["sub"])
	// Output: EdDSA k1 https://issuer.example/status/1
}
