package local_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
)

// Create an engine persisted to an encrypted file, generate a key in a
// tenant's namespace and publish its public JWK.
func Example() {
	dir, _ := os.MkdirTemp("", "wstack-example")
	defer os.RemoveAll(dir)

	engine, err := local.New(local.Options{
		Path:       filepath.Join(dir, "keys.json"),
		Passphrase: []byte("load me from a secret store"),
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "tenant-1", Group: "issuer"}, ID: "signing"}
	key, err := engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256, KID: "issuer-key-1"})
	if err != nil {
		panic(err)
	}
	jwk, _ := key.JWK()
	fmt.Println(jwk["kty"], jwk["crv"], jwk["kid"], jwk["alg"])

	sig, _ := engine.Sign(ctx, ref, crypto.ES256, []byte("hello"))
	fmt.Println(len(sig), engine.Verify(ctx, ref, crypto.ES256, []byte("hello"), sig) == nil)
	// Output:
	// EC P-256 issuer-key-1 ES256
	// 64 true
}
