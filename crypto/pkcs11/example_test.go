package pkcs11_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/pkcs11"
)

// Open an engine on a token of a PKCS#11 module, create a signing key in a
// tenant's context and sign with it. The private key stays on the token;
// the key's public JWK can be published. (Not run by go test: it needs a
// provisioned token; TestConformance runs the same calls on a SoftHSM2
// token it creates.)
func ExampleOpen() {
	ctx := context.Background()
	e, err := pkcs11.Open(ctx, pkcs11.Config{
		Module:     "/usr/lib/softhsm/libsofthsm2.so",
		TokenLabel: "issuer-keys",
		PIN:        os.Getenv("HSM_PIN"),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()

	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "tenant-a", Group: "issuer"}, ID: "signing"}
	key, err := e.GetKey(ctx, ref)
	if errors.Is(err, crypto.ErrKeyNotFound) {
		key, err = e.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	}
	if err != nil {
		log.Fatal(err)
	}
	sig, err := e.Sign(ctx, ref, crypto.ES256, []byte("header.payload"))
	if err != nil {
		log.Fatal(err)
	}
	jwk, _ := key.JWK()
	fmt.Println(jwk["kid"], len(sig))
}
