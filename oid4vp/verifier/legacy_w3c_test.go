package verifier_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/ldp"
	"github.com/ocmw/wstack/vocab"
)

// w3cParty is the issuer and holder of W3C credentials (Ed25519 did:key
// both) for the legacy Presentation Exchange tests.
type w3cParty struct {
	issuerDID, holderDID string
	jwtVC                string         // jwt_vc_json (VCDM 1.1) for the holder
	ldpVC                map[string]any // ldp_vc (VCDM 2.0, eddsa-rdfc-2022) for the holder
	strangerJWTVC        string         // jwt_vc_json for another subject
	holder               *presentation.Holder
	validator            *presentation.Validator
	// trusted issuers (the env's SD-JWT issuer is added once known)
	trusted []string
}

func newW3CParty(t *testing.T) *w3cParty {
	ctx := context.Background()
	engine, err := local.New(local.Options{})
	require.NoError(t, err)
	p := &w3cParty{}
	ref := func(ns string) crypto.KeyRef {
		r := crypto.KeyRef{Context: crypto.Context{Namespace: ns, Group: "w3c"}, ID: "k"}
		_, err := engine.GenerateKey(ctx, r, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
		require.NoError(t, err)
		return r
	}
	issRef, holdRef := ref("w3c-issuer"), ref("w3c-holder")
	issuer, issuerDID, err := did.NewKeyDIDSigner(ctx, engine, issRef, "")
	require.NoError(t, err)
	holderJWT, holderDID, err := did.NewKeyDIDSigner(ctx, engine, holdRef, "")
	require.NoError(t, err)
	p.issuerDID, p.holderDID = issuerDID, holderDID
	now := time.Now().UTC()
	jwtVC := func(subject string) string {
		c := &w3c.Credential{
			Context:           w3c.Many[any](w3c.ContextV1),
			Type:              w3c.Many("VerifiableCredential", "EmployeeCredential"),
			Issuer:            &w3c.Issuer{ID: issuerDID},
			IssuanceDate:      now.Add(-time.Hour).Format(time.RFC3339),
			ExpirationDate:    now.Add(time.Hour).Format(time.RFC3339),
			CredentialSubject: w3c.One(map[string]any{"id": subject, "name": "Alice"}),
		}
		tok, err := w3c.SignCredentialJWT(ctx, issuer, c, w3c.SignOptions{Header: map[string]any{"kid": issuer.KID()}})
		require.NoError(t, err)
		return tok
	}
	p.jwtVC, p.strangerJWTVC = jwtVC(holderDID), jwtVC("did:example:stranger")

	dids := did.NewKeyResolver(did.NewDefaultRegistry(nil, did.WebOptions{}), did.KeyResolverOptions{})
	proc, err := dataintegrity.New(dataintegrity.Config{Resolver: dids})
	require.NoError(t, err)
	doc, _ := json.Marshal(map[string]any{
		"@context": []any{w3c.ContextV2}, "type": []any{"VerifiableCredential"}, "issuer": issuerDID,
		"validFrom": now.Add(-time.Hour).Format(time.RFC3339), "validUntil": now.Add(time.Hour).Format(time.RFC3339),
		"credentialSubject": map[string]any{"id": holderDID, "name": "Alice"},
	})
	_, issVM, err := did.NewKeyDIDFromEngine(ctx, engine, issRef)
	require.NoError(t, err)
	issKey, err := dataintegrity.NewKeySigner(ctx, engine, issRef, issVM)
	require.NoError(t, err)
	signed, err := proc.Sign(ctx, doc, issKey, dataintegrity.ProofOptions{Suite: dataintegrity.EdDSARDFC2022})
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(signed, &p.ldpVC))
	_, holdVM, err := did.NewKeyDIDFromEngine(ctx, engine, holdRef)
	require.NoError(t, err)
	holdKey, err := dataintegrity.NewKeySigner(ctx, engine, holdRef, holdVM)
	require.NoError(t, err)
	vpSigner, err := ldp.NewSigner(proc, holdKey, dataintegrity.EdDSARDFC2022)
	require.NoError(t, err)
	p.holder, err = presentation.NewHolder(presentation.HolderConfig{Signer: holderJWT, DID: holderDID, LDPSigner: vpSigner})
	require.NoError(t, err)

	p.trusted = []string{issuerDID}
	p.validator, err = presentation.NewDefaultValidator(
		presentation.TrustPolicyFunc(func(_ context.Context, c *presentation.Credential) error {
			if slices.Contains(p.trusted, c.Issuer) {
				return nil
			}
			return errors.New("untrusted issuer")
		}),
		presentation.WithDataIntegrity(ldp.NewDefaultVerifier), presentation.SkipStatusCheck())
	require.NoError(t, err)
	return p
}

// vp presents the credentials (jwt_vc_json strings or ldp_vc documents)
// in a VP of the given credential format's presentation format, bound to
// nonce and audience.
func (p *w3cParty) vp(t *testing.T, format vocab.Format, nonce, aud string, raws ...any) any {
	var creds []*presentation.Credential
	for _, r := range raws {
		c, err := p.holder.Parse(context.Background(), format, r)
		require.NoError(t, err)
		creds = append(creds, c)
	}
	vp, err := p.holder.Presenter(presentation.Binding{Nonce: nonce, Audience: aud}).Present(context.Background(), format, creds, nil)
	require.NoError(t, err)
	return vp
}

const (
	jwtDefinition = `{"id":"pd-jwt","input_descriptors":[{"id":"id_credential",
	 "format":{"jwt_vc_json":{"alg":["EdDSA","ES256"]},"jwt_vp_json":{"alg":["EdDSA","ES256"]}},
	 "constraints":{"fields":[{"path":["$.credentialSubject.name","$.vc.credentialSubject.name"],"filter":{"type":"string","const":"Alice"}}]}}]}`
	mixedDefinition = `{"id":"pd-mixed","input_descriptors":[
	 {"id":"pid","format":{"vc+sd-jwt":{}},"constraints":{"limit_disclosure":"required","fields":[
	  {"path":["$.vct"],"filter":{"type":"string","const":"urn:eudi:pid:1"}},{"path":["$.given_name"]}]}},
	 {"id":"id_credential","format":{"jwt_vc_json":{"alg":["EdDSA"]},"jwt_vp_json":{"alg":["EdDSA"]}},
	  "constraints":{"fields":[{"path":["$.credentialSubject.name","$.vc.credentialSubject.name"],"filter":{"type":"string","const":"Alice"}}]}}]}`
	// ldpDefinition has the shape of the W-Stack seed's definition
	// (ldp_vp listed for the descriptor and the definition).
	ldpDefinition = `{"id":"pd-ldp","name":"test","purpose":"I wanna see it!","input_descriptors":[{"id":"3363a247-ffee-464b-98ab-21cb6a5f96bc",
	 "format":{"ldp_vp":{}},"constraints":{"fields":[{"path":["$.credentialSubject"],"filter":{"type":"object"}},
	 {"path":["$.credentialSubject.name"],"filter":{"type":"string","pattern":"Al"}}]}}],"format":{"ldp_vp":{}}}`
)

// TestLegacyNestedPresentations: legacy (drafts ≤ 25) responses whose
// presentation_submission addresses W3C credentials inside a VP — with
// path_nested (jwt_vp_json wrapping jwt_vc_json, ldp_vp wrapping ldp_vc,
// as the drafts' examples) or, as the W-Stack's wallet writes it, with a
// path straight into an ldp_vp — verified through presentation/pex: the
// VP's signature / proof bound to nonce and the bare client_id, every
// credential inside verified and bound to the VP's holder.
func TestLegacyNestedPresentations(t *testing.T) {
	type response struct {
		vpToken any
		sub     string
	}
	cases := []struct {
		name  string
		def   string
		build func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response
		ok    bool
		want  error // reason of a rejection
	}{
		{name: "jwt_vp_json wrapping jwt_vc_json, built by pex (wallet side)", def: jwtDefinition, ok: true,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return pexResponse(t, p, c, jwtDefinition, p.jwtVC, vocab.FormatJWTVCJSON)
			}},
		{name: "jwt_vp_json with path_nested jwt_vc (draft-25 example submission)", def: jwtDefinition, ok: true,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return response{p.vp(t, vocab.FormatJWTVCJSON, c.Nonce, c.ClientID, p.jwtVC),
					`{"definition_id":"pd-jwt","id":"example_jwt_vc_presentation_submission","descriptor_map":[{"id":"id_credential","path":"$","format":"jwt_vp_json",
					 "path_nested":{"path":"$.vp.verifiableCredential[0]","format":"jwt_vc"}}]}`}
			}},
		{name: "ldp_vp with path_nested ldp_vc (draft-21 example submission)", def: ldpDefinition, ok: true,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return response{p.vp(t, vocab.FormatLDPVC, c.Nonce, c.ClientID, p.ldpVC),
					`{"id":"Presentation example 1","definition_id":"pd-ldp","descriptor_map":[{"id":"3363a247-ffee-464b-98ab-21cb6a5f96bc","format":"ldp_vp","path":"$",
					 "path_nested":{"format":"ldp_vc","path":"$.verifiableCredential[0]"}}]}`}
			}},
		{name: "W-Stack style: path straight into the ldp_vp", def: ldpDefinition, ok: true,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return response{p.vp(t, vocab.FormatLDPVC, c.Nonce, c.ClientID, p.ldpVC),
					`{"id":"s1","definition_id":"pd-ldp","descriptor_map":[{"id":"3363a247-ffee-464b-98ab-21cb6a5f96bc","format":"ldp_vc","path":"$.verifiableCredential[0]"}]}`}
			}},
		{name: "an SD-JWT VC and a jwt_vp_json in one vp_token", ok: true,
			def: mixedDefinition,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				sd, err := (&presentPID{e}).present(e.held[0], presentation.Binding{Nonce: c.Nonce, Audience: c.ClientID})
				require.NoError(t, err)
				return response{[]any{sd, p.vp(t, vocab.FormatJWTVCJSON, c.Nonce, c.ClientID, p.jwtVC)},
					`{"id":"s1","definition_id":"pd-mixed","descriptor_map":[{"id":"pid","format":"dc+sd-jwt","path":"$[0]"},
					 {"id":"id_credential","format":"jwt_vp_json","path":"$[1]","path_nested":{"format":"jwt_vc_json","path":"$.vp.verifiableCredential[0]"}}]}`}
			}},
		{name: "JWT VP with the wrong nonce", def: jwtDefinition, want: presentation.ErrNonce,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				r := pexResponse(t, p, c, jwtDefinition, p.jwtVC, vocab.FormatJWTVCJSON)
				r.vpToken = p.vp(t, vocab.FormatJWTVCJSON, "another-nonce-0123456789", c.ClientID, p.jwtVC)
				return r
			}},
		{name: "JWT VP aud with the 1.0 prefix (legacy audience is the bare client_id)", def: jwtDefinition, want: presentation.ErrAudience,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				r := pexResponse(t, p, c, jwtDefinition, p.jwtVC, vocab.FormatJWTVCJSON)
				r.vpToken = p.vp(t, vocab.FormatJWTVCJSON, c.Nonce, "decentralized_identifier:"+c.ClientID, p.jwtVC)
				return r
			}},
		{name: "ldp_vp with the wrong challenge", def: ldpDefinition, want: presentation.ErrNonce,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return response{p.vp(t, vocab.FormatLDPVC, "another-nonce-0123456789", c.ClientID, p.ldpVC),
					`{"id":"s1","definition_id":"pd-ldp","descriptor_map":[{"id":"3363a247-ffee-464b-98ab-21cb6a5f96bc","format":"ldp_vp","path":"$","path_nested":{"format":"ldp_vc","path":"$.verifiableCredential[0]"}}]}`}
			}},
		{name: "W-Stack style into an ldp_vp with the wrong domain", def: ldpDefinition, want: presentation.ErrAudience,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return response{p.vp(t, vocab.FormatLDPVC, c.Nonce, "did:example:other-verifier", p.ldpVC),
					`{"id":"s1","definition_id":"pd-ldp","descriptor_map":[{"id":"3363a247-ffee-464b-98ab-21cb6a5f96bc","format":"ldp_vc","path":"$.verifiableCredential[0]"}]}`}
			}},
		{name: "a bare jwt_vc_json without a VP", def: jwtDefinition, want: presentation.ErrHolderBinding,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return response{p.jwtVC, `{"id":"s1","definition_id":"pd-jwt","descriptor_map":[{"id":"id_credential","format":"jwt_vc_json","path":"$"}]}`}
			}},
		{name: "a bare jwt_vc_json beside a valid VP", def: jwtDefinition, want: presentation.ErrHolderBinding,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return response{[]any{p.vp(t, vocab.FormatJWTVCJSON, c.Nonce, c.ClientID, p.jwtVC), p.strangerJWTVC},
					`{"id":"s1","definition_id":"pd-jwt","descriptor_map":[{"id":"id_credential","format":"jwt_vc_json","path":"$[1]"}]}`}
			}},
		{name: "someone else's credential in the holder's VP", def: jwtDefinition, want: presentation.ErrHolderBinding,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return response{p.vp(t, vocab.FormatJWTVCJSON, c.Nonce, c.ClientID, p.strangerJWTVC),
					`{"id":"s1","definition_id":"pd-jwt","descriptor_map":[{"id":"id_credential","format":"jwt_vp_json","path":"$","path_nested":{"format":"jwt_vc_json","path":"$.vp.verifiableCredential[0]"}}]}`}
			}},
		{name: "path_nested selecting nothing", def: jwtDefinition, want: pex.ErrPathNotFound,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return response{p.vp(t, vocab.FormatJWTVCJSON, c.Nonce, c.ClientID, p.jwtVC),
					`{"id":"s1","definition_id":"pd-jwt","descriptor_map":[{"id":"id_credential","format":"jwt_vp_json","path":"$","path_nested":{"format":"jwt_vc_json","path":"$.vp.verifiableCredential[3]"}}]}`}
			}},
		{name: "path_nested with a credential format at the top", def: jwtDefinition, want: pex.ErrFormatMismatch,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return response{p.vp(t, vocab.FormatJWTVCJSON, c.Nonce, c.ClientID, p.jwtVC),
					`{"id":"s1","definition_id":"pd-jwt","descriptor_map":[{"id":"id_credential","format":"jwt_vc_json","path":"$","path_nested":{"format":"jwt_vc_json","path":"$.vp.verifiableCredential[0]"}}]}`}
			}},
		{name: "a VP entry without path_nested", def: jwtDefinition, want: pex.ErrInvalidSubmission,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				return response{p.vp(t, vocab.FormatJWTVCJSON, c.Nonce, c.ClientID, p.jwtVC),
					`{"id":"s1","definition_id":"pd-jwt","descriptor_map":[{"id":"id_credential","format":"jwt_vp_json","path":"$"}]}`}
			}},
		{name: "tampered credential inside the ldp_vp", def: ldpDefinition, want: presentation.ErrSignature,
			build: func(t *testing.T, p *w3cParty, e *env, c *oid4vp.AuthorizationRequest) response {
				var forged map[string]any
				b, _ := json.Marshal(p.ldpVC)
				require.NoError(t, json.Unmarshal(b, &forged))
				forged["credentialSubject"].(map[string]any)["name"] = "Alan"
				return response{p.vp(t, vocab.FormatLDPVC, c.Nonce, c.ClientID, forged),
					`{"id":"s1","definition_id":"pd-ldp","descriptor_map":[{"id":"3363a247-ffee-464b-98ab-21cb6a5f96bc","format":"ldp_vc","path":"$.verifiableCredential[0]"}]}`}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newW3CParty(t)
			e, v := newEnv(t, envOptions{cfg: func(c *verifier.Config) { c.Validator = p.validator }})
			p.trusted = append(p.trusted, e.issuerDID)
			def, err := pex.ParseDefinition([]byte(tc.def))
			require.NoError(t, err)
			tx := e.create(v, verifier.CreateRequest{PresentationDefinition: def, ResponseMode: oid4vp.ResponseModeDirectPost})
			claims := e.legacyFetch(mustLink(t, tx))
			r := tc.build(t, p, e, claims)
			tok, ok := r.vpToken.(string)
			if !ok {
				b, err := json.Marshal(r.vpToken)
				require.NoError(t, err)
				tok = string(b)
			}
			status, body := e.post(claims.ResponseURI, url.Values{"vp_token": {tok}, "presentation_submission": {r.sub}, "state": {claims.State}})
			res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
			require.NoError(t, err)
			if tc.ok {
				require.Equal(t, 200, status, "%s %v", body, res.Error)
				require.Equal(t, verifier.StatusAccepted, res.Status)
				for id, vcs := range res.Credentials {
					require.Len(t, vcs, 1, id)
					if id == "pid" {
						require.Equal(t, "Erika", vcs[0].Claims["given_name"])
						continue
					}
					require.Equal(t, p.issuerDID, vcs[0].Issuer)
				}
				require.NotEmpty(t, res.Credentials)
				return
			}
			require.Equal(t, 400, status, string(body))
			require.Equal(t, verifier.StatusRejected, res.Status)
			require.Empty(t, res.Credentials)
			ev := e.lastEvent()
			require.Equal(t, verifier.EventRejected, ev.Type)
			require.ErrorIs(t, ev.Reason, tc.want)
		})
	}
}

// pexResponse is the wallet side: the definition evaluated over the
// holder's credential and presented with pex (a VP referenced with
// path_nested).
func pexResponse(t *testing.T, p *w3cParty, c *oid4vp.AuthorizationRequest, defJSON string, raw any, format vocab.Format) struct {
	vpToken any
	sub     string
} {
	ctx := context.Background()
	def, err := pex.ParseDefinition([]byte(defJSON))
	require.NoError(t, err)
	comp, err := pex.Compile(def)
	require.NoError(t, err)
	cred, err := p.holder.Parse(ctx, format, raw)
	require.NoError(t, err)
	res, err := comp.Evaluate(ctx, slices.Values([]*presentation.Credential{cred}))
	require.NoError(t, err)
	vp, sub, err := res.Present(ctx, p.holder.Presenter(presentation.Binding{Nonce: c.Nonce, Audience: c.ClientID}), pex.PresentOptions{})
	require.NoError(t, err)
	require.NotNil(t, sub.DescriptorMap[0].PathNested, "pex wraps W3C credentials in a VP")
	b, err := json.Marshal(sub)
	require.NoError(t, err)
	return struct {
		vpToken any
		sub     string
	}{vp, string(b)}
}
