package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/sqlstore"
)

// ExampleOpenSQLite puts the cache on an embedded SQLite file, so cached
// presentations survive a restart of a scaled-to-zero connector: a verified
// jwt_vp_json is stored, the process "restarts", and the reopened cache
// serves it (re-read through the credential view's parser, its expired
// presentation proof not verified again). With sqlstore.OpenPostgres
// instead, replicas share the cache.
func ExampleOpenSQLite() {
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now } // time.Now in production

	// An issuer and a counterparty (did:key), a credential and a DCP
	// presentation of it, as the counterparty's credential service returns it.
	engine, err := local.New(local.Options{})
	must(err)
	type party struct {
		did, kid string
		signer   *jose.KeySigner
	}
	newParty := func(id string) party {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "dcp", Group: "keys"}, ID: id}
		_, err := engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		must(err)
		d, kid, err := did.NewKeyDIDFromEngine(ctx, engine, ref)
		must(err)
		s, err := jose.NewKeySigner(ctx, engine, ref, crypto.ES256)
		must(err)
		return party{d, kid, s}
	}
	issuer, counterparty := newParty("issuer"), newParty("counterparty")
	const ownDID = "did:web:connector-a.example.com"
	vc, err := w3c.SignCredentialJWT(ctx, issuer.signer, &w3c.Credential{
		Context:           w3c.One[any](w3c.ContextV1),
		Type:              w3c.Many("VerifiableCredential", "MembershipCredential"),
		Issuer:            &w3c.Issuer{ID: issuer.did},
		IssuanceDate:      "2026-01-01T00:00:00Z",
		ExpirationDate:    "2027-01-01T00:00:00Z",
		CredentialSubject: w3c.One(map[string]any{"id": counterparty.did, "holdsIdentifier": "BPNL000000000001"}),
	}, w3c.SignOptions{Header: map[string]any{"kid": issuer.kid}, Now: now})
	must(err)
	vp, err := w3c.SignPresentationJWT(ctx, counterparty.signer, &w3c.Presentation{
		Context: w3c.One[any](w3c.ContextV1), Type: w3c.One("VerifiablePresentation"),
		Holder: &w3c.Issuer{ID: counterparty.did}, VerifiableCredential: w3c.One[any](vc),
	}, w3c.PresentationSignOptions{Audience: ownDID, NoNonce: true, Now: now, Lifetime: time.Minute,
		Header: map[string]any{"kid": counterparty.kid}})
	must(err)

	registry := did.NewDefaultRegistry(nil, did.WebOptions{})
	view, err := vpcache.NewView(vpcache.ViewConfig{
		Validator: presentation.NewValidator(presentation.ValidatorConfig{
			IssuerKeys: &w3c.IssuerKeys{DID: did.NewKeyResolver(registry, did.KeyResolverOptions{})},
			HolderKeys: &w3c.IssuerKeys{DID: did.NewKeyResolver(registry, did.KeyResolverOptions{Relationship: did.Authentication}),
				Relationship: w3c.Authentication},
			Trust: presentation.TrustedIssuers{issuer.did},
			Now:   clock,
		}),
		Audience: func(context.Context, string) (string, error) { return ownDID, nil },
	})
	must(err)

	dir, err := os.MkdirTemp("", "vpcache-example")
	must(err)
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "vpcache.db")
	k, err := vpcache.NewKey("participant-context-1", counterparty.did,
		[]string{"org.eclipse.tractusx.vc.type:MembershipCredential:read"})
	must(err)
	for run := range 2 { // run 1 is the process after the restart
		store, err := sqlstore.OpenSQLite(ctx, path)
		must(err)
		cache, err := vpcache.New(store, view, vpcache.WithParser(view), vpcache.WithClock(clock))
		must(err)
		if run == 0 {
			_, err = cache.Store(ctx, k, []vpcache.Presentation{{Format: vocab.FormatJWTVPJSON, Raw: vp}})
			fmt.Println("stored:", err == nil)
		} else {
			now = now.Add(time.Hour) // the presentation's own exp has passed
			hit, err := cache.Query(ctx, k)
			must(err)
			fmt.Println("hit after restart, holder ok:", hit.Parsed[0].Holder == counterparty.did,
				"expires:", hit.ExpiresAt.Format(time.DateTime))
		}
		must(cache.Close())
		must(store.Close())
	}
	// Output:
	// stored: true
	// hit after restart, holder ok: true expires: 2026-06-02 12:00:00
}
