package sdjwt_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

// Example shows the three roles: the issuer makes given_name, the address
// and each of its members selectively disclosable and binds the SD-JWT to
// the holder's key; the holder discloses only the locality (the address
// disclosure is added automatically) with a Key Binding JWT; the verifier
// requires key binding and checks nonce and audience.
func Example() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	issuerRef := crypto.KeyRef{Context: crypto.Context{Namespace: "example"}, ID: "issuer"}
	engine.GenerateKey(ctx, issuerRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	issuerKey, _ := jose.NewKeySigner(ctx, engine, issuerRef, "")
	holderRef := crypto.KeyRef{Context: crypto.Context{Namespace: "example"}, ID: "holder"}
	engine.GenerateKey(ctx, holderRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	holderKey, _ := jose.NewKeySigner(ctx, engine, holderRef, "")
	holderJWK, _ := crypto.PublicJWK(holderKey.Public())

	// Issuer.
	claims := map[string]any{
		"iss":        "https://issuer.example.com",
		"iat":        time.Now().Unix(),
		"exp":        time.Now().Add(24 * time.Hour).Unix(),
		"given_name": "Erika",
		"address":    map[string]any{"locality": "Berlin", "country": "DE"},
	}
	issued, err := sdjwt.Issue(ctx, issuerKey, claims, sdjwt.IssueOptions{
		Typ:       "example+sd-jwt",
		HolderJWK: holderJWK,
		Decoys:    2,
		Disclosable: []vocab.ClaimPath{
			{"given_name"}, {"address"}, {"address", "locality"}, {"address", "country"},
		},
	})
	if err != nil {
		panic(err)
	}

	// Holder.
	held, _ := sdjwt.Parse(issued.String(), sdjwt.Limits{})
	view, _ := held.Process(sdjwt.Limits{})
	fmt.Println("disclosable:", len(view.Paths))
	pres, err := held.Present(ctx, []vocab.ClaimPath{{"address", "locality"}}, &sdjwt.KeyBinding{
		Signer: holderKey, Audience: "https://verifier.example.org", Nonce: "n-0S6_WzA2Mj",
	})
	if err != nil {
		panic(err)
	}

	// Verifier.
	v, _ := sdjwt.NewVerifier(sdjwt.Config{
		Algorithms: []crypto.Algorithm{crypto.ES256},
		Typ:        []string{"example+sd-jwt"},
		Key:        issuerKey.Public(),
		KeyBinding: sdjwt.KeyBindingRequired,
	})
	res, err := v.Verify(ctx, pres, sdjwt.Expect{Audience: "https://verifier.example.org", Nonce: "n-0S6_WzA2Mj"})
	if err != nil {
		panic(err)
	}
	fmt.Println("address:", res.Claims["address"])
	_, hasName := res.Claims["given_name"]
	fmt.Println("given_name disclosed:", hasName)
	fmt.Println("disclosed paths:", len(res.Disclosed))
	// Output:
	// disclosable: 4
	// address: map[locality:Berlin]
	// given_name disclosed: false
	// disclosed paths: 2
}

// ExampleSDJWT_PresentDisclosures contrasts the two selection forms on a
// recursively disclosable address: the claims path pointer ["address"]
// asks for the address as a whole (every member), while the exact
// disclosure set {["address"], ["address","locality"]} — what a DCQL query
// for ["address","locality"] computes — releases the locality and the
// address container only, never the sibling country.
func ExampleSDJWT_PresentDisclosures() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	issuerRef := crypto.KeyRef{Context: crypto.Context{Namespace: "example"}, ID: "issuer"}
	engine.GenerateKey(ctx, issuerRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	issuerKey, _ := jose.NewKeySigner(ctx, engine, issuerRef, "")
	issued, _ := sdjwt.Issue(ctx, issuerKey, map[string]any{
		"address": map[string]any{"locality": "Berlin", "country": "DE"},
	}, sdjwt.IssueOptions{
		Typ:         "example+sd-jwt",
		Disclosable: []vocab.ClaimPath{{"address"}, {"address", "locality"}, {"address", "country"}},
	})
	view, _ := issued.Process(sdjwt.Limits{})
	set, _ := view.DisclosuresFor(vocab.ClaimPath{"address", "locality"})
	fmt.Println("set for the locality:", set)

	v, _ := sdjwt.NewVerifier(sdjwt.Config{
		Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"example+sd-jwt"},
		Key: issuerKey.Public(), KeyBinding: sdjwt.KeyBindingOptional,
	})
	exact, _ := issued.PresentDisclosures(ctx, set, nil)
	res, _ := v.Verify(ctx, exact, sdjwt.Expect{})
	fmt.Println("exact set:", res.Claims["address"])
	whole, _ := issued.Present(ctx, []vocab.ClaimPath{{"address"}}, nil)
	res, _ = v.Verify(ctx, whole, sdjwt.Expect{})
	fmt.Println("pointer to the object:", res.Claims["address"])
	// Output:
	// set for the locality: [[address] [address locality]]
	// exact set: map[locality:Berlin]
	// pointer to the object: map[country:DE locality:Berlin]
}

// ExampleSDJWT_FlattenedJSON shows the JWS JSON serialization of RFC 9901
// §8.2, which the verifier accepts as well.
func ExampleSDJWT_FlattenedJSON() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	issuerRef := crypto.KeyRef{Context: crypto.Context{Namespace: "example"}, ID: "issuer"}
	engine.GenerateKey(ctx, issuerRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	issuerKey, _ := jose.NewKeySigner(ctx, engine, issuerRef, "")
	issued, _ := sdjwt.Issue(ctx, issuerKey, map[string]any{"given_name": "Erika"}, sdjwt.IssueOptions{
		Typ: "example+sd-jwt", Disclosable: []vocab.ClaimPath{{"given_name"}},
	})
	js, _ := issued.FlattenedJSON()
	v, _ := sdjwt.NewVerifier(sdjwt.Config{
		Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"example+sd-jwt"},
		Key: issuerKey.Public(), KeyBinding: sdjwt.KeyBindingOptional,
	})
	res, err := v.Verify(ctx, string(js), sdjwt.Expect{})
	fmt.Println(res.Claims["given_name"], err)
	// Output: Erika <nil>
}
