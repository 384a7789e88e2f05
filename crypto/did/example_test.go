package did_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
)

// An issuer's signer whose kid is its did:key DID URL: a verifier resolves
// the key from the kid alone (did:key needs no network) and then checks
// that the kid's DID is the token's iss (KeyResolver proves only that the
// key of kid signed).
func ExampleNewKeyDIDSigner() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	if _, err := engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeEd25519}); err != nil {
		log.Fatal(err)
	}
	signer, issuerDID, err := did.NewKeyDIDSigner(ctx, engine, ref, "")
	if err != nil {
		log.Fatal(err)
	}
	token, _ := jose.SignJWT(ctx, signer, map[string]any{"typ": "example+jwt"}, map[string]any{"iss": issuerDID})

	keys := did.NewKeyResolver(did.NewDefaultRegistry(fetch.New(fetch.Options{}), did.WebOptions{}), did.KeyResolverOptions{})
	jws, err := jose.Verify(ctx, token, jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.EdDSA}, Typ: []string{"example+jwt"}},
		Resolver:     keys,
	})
	if err != nil {
		log.Fatal(err)
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	json.Unmarshal(jws.Payload, &claims)
	u, err := did.ParseURL(jws.Header.Kid)
	fmt.Println(err, u.DID.String() == claims.Iss, claims.Iss == issuerDID)
	// Output: <nil> true true
}

// Resolving a DID: a registry over did:key, did:jwk and did:web (fetched
// through the guarded fetcher), wrapped in a cache.
func ExampleRegistry_Resolve() {
	registry := did.NewDefaultRegistry(fetch.New(fetch.Options{}), did.WebOptions{})
	resolver := did.NewCachingResolver(registry, did.CacheOptions{TTL: 10 * time.Minute})

	doc, err := resolver.Resolve(context.Background(), "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
	if err != nil {
		log.Fatal(err)
	}
	vm := doc.VerificationMethod[0]
	fmt.Println(vm.ID)
	fmt.Println(vm.Type, vm.PublicKeyMultibase)
	fmt.Println("assertionMethod:", doc.Authorized(vm.ID, did.AssertionMethod))
	fmt.Println("keyAgreement:", doc.Authorized(vm.ID, did.KeyAgreement))
	// Output:
	// did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK
	// Multikey z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK
	// assertionMethod: true
	// keyAgreement: false
}

// The JsonWebKey2020 form of a P-256 did:key (did:key v0.9 test vector).
func ExampleKeyMethod_Document() {
	doc, err := did.KeyMethod{Format: did.FormatJsonWebKey2020}.Document("did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169")
	if err != nil {
		log.Fatal(err)
	}
	jwk := doc.VerificationMethod[0].PublicKeyJwk
	fmt.Println(doc.VerificationMethod[0].Type, jwk["crv"], jwk["x"], jwk["y"])
	// Output:
	// JsonWebKey2020 P-256 fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU
}

// Creating a did:key from an engine key, signing a JWT whose kid is the
// DID URL, and verifying it by resolving the kid.
func ExampleNewKeyDIDFromEngine() {
	ctx := context.Background()
	engine, err := local.New(local.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "tenant-a", Group: "issuer"}, ID: "signing"}
	if _, err := engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeEd25519}); err != nil {
		log.Fatal(err)
	}
	issuer, kid, err := did.NewKeyDIDFromEngine(ctx, engine, ref)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(issuer, "did:key:z6Mk"), strings.HasPrefix(kid, issuer+"#"))

	signer, err := jose.NewKeySigner(ctx, engine, ref, "")
	if err != nil {
		log.Fatal(err)
	}
	token, err := jose.Sign(ctx, signer, map[string]any{"typ": "JWT", "kid": kid}, []byte(`{"iss":"`+issuer+`"}`))
	if err != nil {
		log.Fatal(err)
	}
	keys := did.NewKeyResolver(did.NewDefaultRegistry(nil, did.WebOptions{}), did.KeyResolverOptions{Relationship: did.AssertionMethod})
	_, err = jose.Verify(ctx, token, jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.EdDSA, crypto.ES256}, Typ: []string{"JWT"}},
		Resolver:     keys,
	})
	fmt.Println("verified:", err == nil)
	// Output:
	// true true
	// verified: true
}

// The did:web URL transformation.
func ExampleWebURL() {
	for _, d := range []string{"did:web:w3c-ccg.github.io", "did:web:example.com%3A3000:user:alice", "did:web:127.0.0.1"} {
		u, err := did.WebURL(d)
		fmt.Println(u, err)
	}
	// Output:
	// https://w3c-ccg.github.io/.well-known/did.json <nil>
	// https://example.com:3000/user/alice/did.json <nil>
	//  did: invalidDid: did:web host not allowed: "127.0.0.1" is an IP address
}

// Building the did.json of a did:web from engine keys.
func ExampleNewWebDocument() {
	ctx := context.Background()
	engine, err := local.New(local.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "tenant-a"}, ID: "issuer-key"}
	key, err := engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256, KID: "issuer-key"})
	if err != nil {
		log.Fatal(err)
	}
	id, err := did.NewWebDID("issuer.example.com", "tenants", "tenant-a")
	if err != nil {
		log.Fatal(err)
	}
	doc, err := did.NewWebDocument(id, []*crypto.Key{key}, did.WebDocumentOptions{})
	if err != nil {
		log.Fatal(err)
	}
	u, _ := did.WebURL(id)
	fmt.Println(u)
	fmt.Println(doc.VerificationMethod[0].ID, doc.VerificationMethod[0].Type)
	fmt.Println(doc.Authorized("#issuer-key", did.AssertionMethod), doc.Authorized("#issuer-key", did.Authentication))
	// Output:
	// https://issuer.example.com/tenants/tenant-a/did.json
	// did:web:issuer.example.com:tenants:tenant-a#issuer-key JsonWebKey2020
	// true true
}

// Resolving the key behind a Data Integrity proof's verificationMethod for
// its proofPurpose.
func ExampleKeyResolver_ResolveVerificationMethod() {
	keys := did.NewKeyResolver(did.NewDefaultRegistry(nil, did.WebOptions{}), did.KeyResolverOptions{})
	vm := "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
	pub, err := keys.ResolveVerificationMethod(context.Background(), vm, "assertionMethod")
	fmt.Printf("%T %v\n", pub, err)
	_, err = keys.ResolveVerificationMethod(context.Background(), vm, "keyAgreement")
	fmt.Println(did.ErrorCode(err))
	// Output:
	// ed25519.PublicKey <nil>
	// notAuthorized
}
