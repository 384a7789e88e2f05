package vc

import (
	"context"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

// BenchmarkVerify: an SD-JWT VC with key binding, a status reference and
// type metadata (local registry) verified under the profile.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	issuer, holder := newKeySigner(b, "k"), newKeySigner(b, "")
	md := []byte(`{"vct":"https://credentials.example.com/identity_credential","claims":[{"path":["given_name"],"sd":"always"}]}`)
	sd, err := sdjwt.Issue(ctx, issuer, baseClaims("https://issuer.example.com"), sdjwt.IssueOptions{Typ: Typ, Disclosable: basePaths, HolderJWK: holder.jwk(b)})
	if err != nil {
		b.Fatal(err)
	}
	pres, err := sd.Present(ctx, []vocab.ClaimPath{{"given_name"}, {"address"}}, kb(holder))
	if err != nil {
		b.Fatal(err)
	}
	v, err := NewVerifier(Config{
		SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: &issuer.k.PublicKey, Now: func() time.Time { return now }},
		StatusChecker: StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
			return vocab.StatusResult{}, nil
		}),
		TypeMetadata: &TypeMetadataResolver{Registry: map[string][]byte{"https://credentials.example.com/identity_credential": md}},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, pres, expect); err != nil {
			b.Fatal(err)
		}
	}
}
