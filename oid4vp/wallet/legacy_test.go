package wallet_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation/pex"
)

const pidDefinition = `{"id":"pd-pid","input_descriptors":[{"id":"pid","format":{"vc+sd-jwt":{}},
 "constraints":{"limit_disclosure":"required","fields":[
  {"path":["$.vct"],"filter":{"type":"string","const":"urn:eudi:pid:1"}},
  {"path":["$.given_name"]}]}}]}`

// TestLegacy: a presentation_definition request of the legacy profile
// (client_id_scheme did, bare DID client_id, KB-JWT aud the bare DID)
// answered with vp_token + presentation_submission that our verifier
// accepts; the same request is refused by a wallet of the 1.0 profile.
func TestLegacy(t *testing.T) {
	def, err := pex.ParseDefinition([]byte(pidDefinition))
	require.NoError(t, err)
	for _, mode := range []oid4vp.ResponseMode{oid4vp.ResponseModeDirectPost, oid4vp.ResponseModeDirectPostJWT} {
		t.Run(string(mode), func(t *testing.T) {
			e := newTestEnv(t)
			v := e.verifier(oid4vp.PrefixDecentralizedIdentifier)
			tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", PresentationDefinition: def, ResponseMode: mode})
			require.NoError(t, err)
			link, err := tx.Link("openid4vp://")
			require.NoError(t, err)

			_, err = e.wallet(nil).Resolve(e.ctx, link)
			require.Error(t, err, "1.0 wallet: no dcql_query")

			w := e.wallet(func(c *wallet.Config) { c.Profile = oid4vp.ProfileLegacy })
			req, err := w.Resolve(e.ctx, link)
			require.NoError(t, err)
			require.Equal(t, oid4vp.PrefixDecentralizedIdentifier, req.ClientID.Prefix)
			sel, err := w.Select(e.ctx, req)
			require.NoError(t, err)
			require.NotNil(t, sel.PEX)
			_, err = w.Respond(e.ctx, req, sel)
			require.NoError(t, err)
			res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
			require.NoError(t, err)
			require.Equal(t, verifier.StatusAccepted, res.Status, res.Error)
			pid := res.Credentials["pid"][0].Claims
			require.Equal(t, "Erika", pid["given_name"])
			require.NotContains(t, pid, "family_name")
			require.NotContains(t, pid, "address")
		})
	}
}
