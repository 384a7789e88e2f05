package verifier_test

import (
	"io"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

const pidDefinition = `{"id":"pd-pid","input_descriptors":[{"id":"pid","format":{"vc+sd-jwt":{}},
 "constraints":{"limit_disclosure":"required","fields":[
  {"path":["$.vct"],"filter":{"type":"string","const":"urn:eudi:pid:1"}},
  {"path":["$.given_name"]}]}}]}`

// legacyFetch is a drafts ≤ 21 wallet: client_id_scheme, ProfileLegacy.
func (e *env) legacyFetch(link string) *oid4vp.AuthorizationRequest {
	e.t.Helper()
	l, err := oid4vp.ParseLink(link, oid4vp.LinkOptions{Profile: oid4vp.ProfileLegacy})
	require.NoError(e.t, err)
	resp, err := e.http.Get(l.Request.RequestURI)
	require.NoError(e.t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(e.t, 200, resp.StatusCode, string(body))
	j, err := jose.Verify(e.ctx, string(body), jose.VerifyOptions{Key: e.signer.Public(),
		ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{oid4vp.TypRequestObject}}})
	require.NoError(e.t, err)
	claims, err := oid4vp.DecodeRequest(j.Payload, oid4vp.ProfileLegacy)
	require.NoError(e.t, err)
	require.NoError(e.t, oid4vp.CheckRequestObject(j.Header.Typ, claims, l.Request, oid4vp.RequestObjectOptions{
		ValidateOptions: oid4vp.ValidateOptions{Profile: oid4vp.ProfileLegacy}}))
	return claims
}

// TestLegacy: a presentation_definition request of the legacy profile
// (client_id_scheme did, bare DID client_id) answered with an SD-JWT VC
// and a presentation_submission, verified with pex.
func TestLegacy(t *testing.T) {
	def, err := pex.ParseDefinition([]byte(pidDefinition))
	require.NoError(t, err)
	for _, tc := range []struct {
		name     string
		audience func(claims *oid4vp.AuthorizationRequest) string
		defID    string
		ok       bool
	}{
		{"valid", func(c *oid4vp.AuthorizationRequest) string { return c.ClientID }, "pd-pid", true},
		{"KB-JWT aud with the 1.0 prefix", func(c *oid4vp.AuthorizationRequest) string { return "decentralized_identifier:" + c.ClientID }, "pd-pid", false},
		{"submission for another definition", func(c *oid4vp.AuthorizationRequest) string { return c.ClientID }, "pd-other", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, v := newEnv(t, envOptions{})
			tx := e.create(v, verifier.CreateRequest{PresentationDefinition: def, ResponseMode: oid4vp.ResponseModeDirectPost})
			require.Equal(t, oid4vp.LegacySchemeDID, tx.Request.ClientIDScheme)
			link, err := tx.Link("openid4vp://")
			require.NoError(t, err)
			claims := e.legacyFetch(link)
			require.NotNil(t, claims.PresentationDefinition)
			require.Nil(t, claims.DCQLQuery)
			held := e.held[0]
			pres, err := (&presentPID{e}).present(held, presentation.Binding{Nonce: claims.Nonce, Audience: tc.audience(claims)})
			require.NoError(t, err)
			sub := `{"id":"s1","definition_id":"` + tc.defID + `","descriptor_map":[{"id":"pid","format":"dc+sd-jwt","path":"$"}]}`
			form := url.Values{"vp_token": {pres}, "presentation_submission": {sub}, "state": {claims.State}}
			status, body := e.post(claims.ResponseURI, form)
			if status != 200 {
				t.Log(e.lastEvent().Reason)
			}
			if tc.ok {
				require.Equal(t, 200, status, string(body))
				res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
				require.NoError(t, err)
				require.Equal(t, verifier.StatusAccepted, res.Status)
				require.Equal(t, "Erika", res.Credentials["pid"][0].Claims["given_name"])
				return
			}
			require.Equal(t, 400, status, string(body))
		})
	}
	t.Run("no prefix mapping for x509_hash", func(t *testing.T) {
		e, v := newEnv(t, envOptions{prefix: oid4vp.PrefixX509Hash})
		_, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", PresentationDefinition: def})
		require.ErrorIs(t, err, verifier.ErrConfig)
	})
	t.Run("both a query and a definition", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		_, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", PresentationDefinition: def, Query: mustQuery(t, pidQuery)})
		require.ErrorIs(t, err, verifier.ErrConfig)
	})
}

type presentPID struct{ e *env }

// present discloses given_name only, with a KB-JWT.
func (p *presentPID) present(held *presentation.Credential, b presentation.Binding) (string, error) {
	for _, d := range held.Disclosable {
		if len(d) == 1 && d[0] == "given_name" {
			return (&presentation.SDJWTVCPresenter{Signer: p.e.holder}).PresentSDJWT(p.e.ctx, held.Raw, []vocab.ClaimPath{d}, b)
		}
	}
	return "", nil
}
