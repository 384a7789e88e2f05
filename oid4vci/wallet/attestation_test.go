package wallet_test

import (
	"context"
	gocrypto "crypto"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// provider is a wallet provider issuing client attestations for one
// wallet instance key.
type provider struct {
	signer, instance *jose.KeySigner
	sub              string
}

func (p *provider) ClientAttestation(ctx context.Context) (string, jose.MessageSigner, error) {
	jwk, err := crypto.PublicJWK(p.instance.Public())
	if err != nil {
		return "", nil, err
	}
	tok, err := jose.SignJWT(ctx, p.signer, map[string]any{"typ": issuer.ClientAttestationType}, map[string]any{
		"iss": "https://provider.example.com", "sub": p.sub, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
		"cnf": map[string]any{"jwk": jwk},
	})
	return tok, p.instance, err
}

// TestClientAttestation: an issuer requiring attestation-based client
// authentication accepts the wallet with its provider's attestation (the
// client_id is the attestation's sub, also the proofs' iss) and refuses it
// without.
func TestClientAttestation(t *testing.T) {
	ctx := context.Background()
	var p provider
	e := newEnv(t, func(c *issuer.Config, e *env) {
		for _, id := range []string{"provider", "instance"} {
			ref := crypto.KeyRef{Context: crypto.Context{Namespace: "wp"}, ID: id}
			_, err := e.engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
			must(t, err)
			s, err := jose.NewKeySigner(ctx, e.engine, ref, crypto.ES256)
			must(t, err)
			if id == "provider" {
				p.signer = s
			} else {
				p.instance = s
			}
		}
		p.sub = "wallet-instance-7"
		c.ClientAttestation = &issuer.ClientAttestationConfig{Required: true,
			Providers: jose.KeyResolverFunc(func(context.Context, *jose.JWS) (gocrypto.PublicKey, error) { return p.signer.Public(), nil })}
	})
	link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	w := e.wallet(walletOpts{mod: func(c *wallet.Config) { c.ClientID, c.ClientAttestation = "", &p }})
	got, err := w.AcceptOffer(ctx, link)
	must(t, err)
	if len(got) != 1 {
		t.Fatal(len(got))
	}
	if tok := e.requests("/token"); len(tok) != 1 || !strings.Contains(tok[0].body, "client_id=wallet-instance-7") {
		t.Fatalf("%+v", tok)
	}

	link, _ = e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	_, err = e.wallet(walletOpts{}).AcceptOffer(ctx, link)
	var pe *oid4vci.Error
	if !errors.As(err, &pe) || pe.Code != oid4vci.CodeInvalidClient {
		t.Fatalf("err = %v", err)
	}
	// A configured ClientID that is not the attestation's sub is a
	// configuration error.
	_, err = e.wallet(walletOpts{mod: func(c *wallet.Config) { c.ClientAttestation = &p }}).AcceptOffer(ctx, link)
	if !errors.Is(err, wallet.ErrConfig) {
		t.Fatalf("err = %v", err)
	}
}
