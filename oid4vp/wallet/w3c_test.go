package wallet_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// TestJWTVCJSON: a W3C VC-JWT is presented as a jwt_vp_json signed by
// the holder's DID, bound to nonce and the prefixed client_id, and our
// verifier accepts it.
func TestJWTVCJSON(t *testing.T) {
	e := newTestEnv(t)
	holderSigner, holderDID, err := did.NewKeyDIDSigner(e.ctx, e.engine, e.key("wallet", "did"), crypto.ES256)
	require.NoError(t, err)
	now := time.Now().UTC()
	c := &w3c.Credential{
		Context:           w3c.Many[any](w3c.ContextV1),
		Type:              w3c.Many("VerifiableCredential", "EmployeeCredential"),
		Issuer:            &w3c.Issuer{ID: e.issuerDID},
		IssuanceDate:      now.Add(-time.Hour).Format(time.RFC3339),
		ExpirationDate:    now.Add(time.Hour).Format(time.RFC3339),
		CredentialSubject: w3c.One(map[string]any{"id": holderDID, "givenName": "Alice", "role": "engineer"}),
	}
	tok, err := w3c.SignCredentialJWT(e.ctx, e.issuer, c, w3c.SignOptions{Header: map[string]any{"kid": e.issuer.KID()}})
	require.NoError(t, err)
	holder, err := presentation.NewHolder(presentation.HolderConfig{Signer: holderSigner, DID: holderDID})
	require.NoError(t, err)
	cred, err := holder.Parse(e.ctx, vocab.FormatJWTVCJSON, tok)
	require.NoError(t, err)

	reg, err := did.NewRegistry(did.KeyMethod{}, did.JWKMethod{})
	require.NoError(t, err)
	keys := did.NewKeyResolver(reg, did.KeyResolverOptions{})
	e.validator = presentation.NewValidator(presentation.ValidatorConfig{
		IssuerKeys: &w3c.IssuerKeys{DID: keys},
		HolderKeys: &w3c.IssuerKeys{DID: keys, Relationship: w3c.Authentication},
		Trust:      presentation.TrustedIssuers{e.issuerDID},
		SkipStatus: true,
	})
	v := e.verifier(oid4vp.PrefixX509SANDNS)
	tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, `{"credentials":[{"id":"emp","format":"jwt_vc_json",
	  "meta":{"type_values":[["EmployeeCredential"]]},"claims":[{"path":["credentialSubject","role"]}]}]}`)})
	require.NoError(t, err)
	link, _ := tx.Link("openid4vp://")
	w := e.wallet(func(cfg *wallet.Config) {
		cfg.Holder = holder
		cfg.Credentials = wallet.StaticCredentials{cred}
	})
	_, err = w.Present(e.ctx, link)
	require.NoError(t, err)
	res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
	require.NoError(t, err)
	require.Equal(t, verifier.StatusAccepted, res.Status, res.Error)
	require.Equal(t, vocab.FormatJWTVCJSON, res.Credentials["emp"][0].Format)
}
