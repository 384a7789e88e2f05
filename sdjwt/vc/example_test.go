package vc_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

// Example issues an SD-JWT VC (typ dc+sd-jwt, profile rules checked by
// vc.Issue) with a status list reference,
// builds the holder's credential view, presents one claim with key binding
// and verifies it with a status checker plugged in. In production the
// verifier's KeyResolver is a *vc.IssuerKeyResolver (JWT VC Issuer
// Metadata, DIDs, x5c) instead of a fixed key.
func Example() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	issuerRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	holderRef := crypto.KeyRef{Context: crypto.Context{Namespace: "alice", Group: "wallet"}, ID: "device"}
	engine.GenerateKey(ctx, issuerRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	engine.GenerateKey(ctx, holderRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	issuerKey, _ := jose.NewKeySigner(ctx, engine, issuerRef, "")
	holderKey, _ := jose.NewKeySigner(ctx, engine, holderRef, "")
	holderJWK, _ := crypto.PublicJWK(holderKey.Public())

	issued, err := vc.Issue(ctx, issuerKey, map[string]any{
		"iss":         "https://issuer.example.com",
		"vct":         "https://credentials.example.com/identity_credential",
		"iat":         time.Now().Unix(),
		"given_name":  "Erika",
		"family_name": "Mustermann",
		"status":      map[string]any{"status_list": map[string]any{"idx": 412, "uri": "https://issuer.example.com/status/1"}},
	}, sdjwt.IssueOptions{
		HolderJWK:   holderJWK,
		Disclosable: []vocab.ClaimPath{{"given_name"}, {"family_name"}},
	})
	if err != nil {
		panic(err)
	}

	cred, _, _ := presentation.CredentialFromSDJWT(issued)
	fmt.Println(cred.VCT, len(cred.Disclosable), cred.Status[0].Index)

	pres, _ := issued.Present(ctx, []vocab.ClaimPath{{"family_name"}}, &sdjwt.KeyBinding{
		Signer: holderKey, Audience: "x509_san_dns:verifier.example.org", Nonce: "n-0S6_WzA2Mj",
	})

	v, _ := vc.NewVerifier(vc.Config{
		SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: issuerKey.Public()},
		// In a real verifier: a *statuslist.Checker, which fetches and
		// verifies the list; here every status is VALID.
		StatusChecker: vc.StatusCheckerFunc(func(ctx context.Context, ref vocab.StatusReference) (vocab.StatusResult, error) {
			return vocab.StatusResult{Value: 0x00}, nil // VALID
		}),
	})
	res, err := v.Verify(ctx, pres, sdjwt.Expect{Audience: "x509_san_dns:verifier.example.org", Nonce: "n-0S6_WzA2Mj"})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.VCT, res.Claims["family_name"], res.Status.URI)
	// Output:
	// https://credentials.example.com/identity_credential 2 412
	// https://credentials.example.com/identity_credential Mustermann https://issuer.example.com/status/1
}
