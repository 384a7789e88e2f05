package ldp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/dataintegrity/rdfc"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/ldp"
	"github.com/ocmw/wstack/presentation/w3c/w3ctest"
	"github.com/ocmw/wstack/vocab"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

const nonce, audience = "n-0S6_WzA2Mj", "decentralized_identifier:did:example:verifier"

type env struct {
	proc                  *dataintegrity.Processor
	issuer, holder, other *w3ctest.Party
}

func newEnv(t testing.TB) *env {
	t.Helper()
	proc, err := dataintegrity.New(dataintegrity.Config{Resolver: w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK), Now: clock})
	require.NoError(t, err)
	e := &env{proc: proc}
	for _, p := range []**w3ctest.Party{&e.issuer, &e.holder, &e.other} {
		*p, err = w3ctest.NewParty(context.Background(), crypto.KeyTypeEd25519)
		require.NoError(t, err)
	}
	return e
}

func (e *env) keySigner(t testing.TB, p *w3ctest.Party, vm string) *dataintegrity.KeySigner {
	t.Helper()
	ks, err := dataintegrity.NewKeySigner(context.Background(), p.Engine, p.Ref, vm)
	require.NoError(t, err)
	return ks
}

func (e *env) credential(subject string) map[string]any {
	return map[string]any{
		"@context":          []any{w3c.ContextV2, map[string]any{"EmployeeCredential": "https://example.org/vocab#EmployeeCredential", "role": "https://schema.org/roleName"}},
		"id":                "urn:uuid:0b6c5c4e-3ad5-4c2d-9a6c-2f0e3b7d1a11",
		"type":              []any{"VerifiableCredential", "EmployeeCredential"},
		"issuer":            e.issuer.DID,
		"validFrom":         "2026-01-01T00:00:00Z",
		"validUntil":        "2027-01-01T00:00:00Z",
		"credentialSubject": map[string]any{"id": subject, "role": "engineer"},
	}
}

func (e *env) sign(t testing.TB, doc map[string]any, by *w3ctest.Party, vm string) string {
	t.Helper()
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	out, err := e.proc.Sign(context.Background(), b, e.keySigner(t, by, vm), dataintegrity.ProofOptions{Suite: dataintegrity.EdDSARDFC2022})
	require.NoError(t, err)
	return string(out)
}

func (e *env) validator(t testing.TB) *presentation.Validator {
	t.Helper()
	pv, err := ldp.NewVerifier(e.proc, dataintegrity.EdDSARDFC2022, dataintegrity.ECDSARDFC2019)
	require.NoError(t, err)
	return presentation.NewValidator(presentation.ValidatorConfig{
		Proofs: pv,
		Trust:  presentation.TrustedIssuers{e.issuer.DID},
		Now:    clock,
	})
}

func TestLDPVC(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	signed := e.sign(t, e.credential(e.holder.DID), e.issuer, e.issuer.KID())
	v := e.validator(t)
	c, err := v.Verify(ctx, vocab.FormatLDPVC, signed)
	require.NoError(t, err)
	require.Equal(t, e.issuer.DID, c.Issuer)
	require.Equal(t, "engineer", c.Claims["credentialSubject"].(map[string]any)["role"])

	var tampered map[string]any
	require.NoError(t, json.Unmarshal([]byte(signed), &tampered))
	tampered["credentialSubject"].(map[string]any)["role"] = "admin"

	// A valid proof by a key that is not the issuer's.
	byOther := e.sign(t, e.credential(e.holder.DID), e.other, e.other.KID())
	// Another key claiming the issuer's verification method.
	forged := e.sign(t, e.credential(e.holder.DID), e.other, e.issuer.KID())

	for name, doc := range map[string]any{"tampered_claim": tampered, "proof_by_other_did": byOther, "forged_vm": forged} {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(ctx, vocab.FormatLDPVC, doc)
			require.ErrorIs(t, err, presentation.ErrSignature)
		})
	}
	t.Run("expired", func(t *testing.T) {
		v := presentation.NewValidator(presentation.ValidatorConfig{
			Proofs: mustVerifier(t, e), Trust: presentation.TrustedIssuers{e.issuer.DID},
			Now: func() time.Time { return time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC) },
		})
		_, err := v.Verify(ctx, vocab.FormatLDPVC, signed)
		require.ErrorIs(t, err, presentation.ErrExpired)
	})
	t.Run("row57_undefined_term", func(t *testing.T) {
		doc := e.credential(e.holder.DID)
		doc["@context"] = []any{w3c.ContextV1, map[string]any{"EmployeeCredential": "https://example.org/vocab#EmployeeCredential"}}
		doc["issuanceDate"] = "2026-01-01T00:00:00Z"
		delete(doc, "validFrom")
		delete(doc, "validUntil")
		b, _ := json.Marshal(doc)
		_, err := e.proc.Sign(ctx, b, e.keySigner(t, e.issuer, e.issuer.KID()), dataintegrity.ProofOptions{Suite: dataintegrity.EdDSARDFC2022})
		require.ErrorIs(t, err, dataintegrity.ErrUndefinedTerm, "role is not defined by the v1 context")
	})
}

func mustVerifier(t testing.TB, e *env) *ldp.Verifier {
	pv, err := ldp.NewVerifier(e.proc, dataintegrity.EdDSARDFC2022)
	require.NoError(t, err)
	return pv
}

func TestLDPVP(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	v := e.validator(t)
	vc, err := presentation.Parse(ctx, vocab.FormatLDPVC, e.sign(t, e.credential(e.holder.DID), e.issuer, e.issuer.KID()))
	require.NoError(t, err)
	signer, err := ldp.NewSigner(e.proc, e.keySigner(t, e.holder, e.holder.KID()), dataintegrity.EdDSARDFC2022)
	require.NoError(t, err)
	presenter := &presentation.RequestPresenter{
		Binding:   presentation.Binding{Nonce: nonce, Audience: audience},
		Holder:    e.holder.DID,
		LDPSigner: signer,
	}
	vp, err := presenter.Present(ctx, vocab.FormatLDPVC, []*presentation.Credential{vc}, nil)
	require.NoError(t, err)
	opts := presentation.PresentationOptions{Nonce: nonce, Audience: audience}
	p, err := v.VerifyPresentation(ctx, vocab.FormatLDPVP, vp, opts)
	require.NoError(t, err)
	require.Equal(t, e.holder.DID, p.Holder)
	require.Len(t, p.Credentials, 1)
	require.Equal(t, e.issuer.DID, p.Credentials[0].Issuer)

	// Someone else's credential in the holder's presentation.
	stolen, err := presentation.Parse(ctx, vocab.FormatLDPVC, e.sign(t, e.credential("did:example:victim"), e.issuer, e.issuer.KID()))
	require.NoError(t, err)
	vpStolen, err := presenter.Present(ctx, vocab.FormatLDPVP, []*presentation.Credential{stolen}, nil)
	require.NoError(t, err)

	cases := []struct {
		name string
		vp   any
		opts presentation.PresentationOptions
		want error
	}{
		{"challenge_mismatch", vp, presentation.PresentationOptions{Nonce: "other", Audience: audience}, presentation.ErrNonce},
		{"domain_mismatch", vp, presentation.PresentationOptions{Nonce: nonce, Audience: "did:example:verifier"}, presentation.ErrAudience},
		{"subject_not_holder", vpStolen, opts, presentation.ErrHolderBinding},
		{"credential_as_presentation", vc.Raw, opts, presentation.ErrPresentation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.VerifyPresentation(ctx, vocab.FormatLDPVP, tc.vp, tc.opts)
			require.ErrorIs(t, err, tc.want)
		})
	}
	// A proof made for assertion (not authentication) is not a VP proof.
	b, _ := json.Marshal(vp)
	var plain map[string]any
	require.NoError(t, json.Unmarshal(b, &plain))
	delete(plain, "proof")
	pb, _ := json.Marshal(plain)
	asserted, err := e.proc.Sign(ctx, pb, e.keySigner(t, e.holder, e.holder.KID()), dataintegrity.ProofOptions{Suite: dataintegrity.EdDSARDFC2022, Challenge: nonce, Domain: audience})
	require.NoError(t, err)
	_, err = v.VerifyPresentation(ctx, vocab.FormatLDPVP, asserted, opts)
	require.ErrorIs(t, err, presentation.ErrPresentation)
}

func TestConfigErrors(t *testing.T) {
	_, err := ldp.NewVerifier(nil)
	require.ErrorIs(t, err, ldp.ErrConfig)
	_, err = ldp.NewSigner(nil, nil, "")
	require.ErrorIs(t, err, ldp.ErrConfig)
}

// Security row 56: a credential naming a context at an internal URL or a
// file path is rejected by the offline loader; nothing is fetched or read.
func TestRow56_ContextURLNotLoaded(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	v := e.validator(t)
	for _, u := range []string{"file:///etc/passwd", "http://169.254.169.254/latest/meta-data", "https://127.0.0.1/ctx"} {
		t.Run(u, func(t *testing.T) {
			doc := e.credential(e.holder.DID)
			doc["@context"] = []any{w3c.ContextV2, u}
			doc["proof"] = map[string]any{
				"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofPurpose": "assertionMethod",
				"verificationMethod": e.issuer.KID(), "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKXRp5PJe9zbMxDyzz",
			}
			_, err := v.Verify(ctx, vocab.FormatLDPVC, doc)
			require.ErrorIs(t, err, presentation.ErrSignature)
			require.ErrorIs(t, err, dataintegrity.ErrParsing)
		})
	}
}

// Security row 58: an ldp_vc whose subject is a blank-node clique (8
// nodes, 56+ quads) fails at the RDFC work cap, quickly, as a signature
// failure of the credential.
func TestRow58_PoisonGraphCredential(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(e.sign(t, e.credential(e.holder.DID), e.issuer, e.issuer.KID())), &doc))
	var nodes []any
	for i := range 8 {
		var links []any
		for j := range 8 {
			if i != j {
				links = append(links, fmt.Sprintf("_:n%d", j))
			}
		}
		nodes = append(nodes, map[string]any{"@id": fmt.Sprintf("_:n%d", i), "p": links})
	}
	doc["@context"] = append(doc["@context"].([]any), map[string]any{"p": map[string]any{"@id": "urn:ex:p", "@type": "@id"}})
	doc["credentialSubject"] = map[string]any{"p": nodes}
	start := time.Now()
	_, err := e.validator(t).Verify(ctx, vocab.FormatLDPVC, doc)
	require.ErrorIs(t, err, presentation.ErrSignature)
	require.ErrorIs(t, err, rdfc.ErrWorkLimit)
	require.Less(t, time.Since(start), 15*time.Second)
}
