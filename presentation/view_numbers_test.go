package presentation_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

// numberTypes collects the Go types of the numbers in v.
func numberTypes(v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			numberTypes(e, out)
		}
	case []any:
		for _, e := range x {
			numberTypes(e, out)
		}
	case json.Number:
		out["json.Number"] = true
	case float64, float32, int, int64, int32, uint64:
		out["other"] = true
	}
}

// TestViewsShareOneNumberRepresentation: numbers reach matching as
// json.Number in the views of every format (W3C documents keep them exact;
// SD-JWT VC views convert), and DCQL values and PE filters match them
// alike.
func TestViewsShareOneNumberRepresentation(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	v := w.validator()

	c := w.credential(w.holder.DID, 1)
	c.CredentialSubject.Items[0]["age_in_years"] = 42
	c.CredentialSubject.Items[0]["height"] = 1.75
	jwtCred, err := v.Verify(ctx, vocab.FormatJWTVCJSON, w.jwtVC(t, c, w3c.SignOptions{}))
	require.NoError(t, err)

	sd, err := sdjwt.Issue(ctx, w.issuer.Signer, map[string]any{
		"iss": w.issuer.DID, "vct": "https://credentials.example.com/identity_credential",
		"iat": now.Add(-time.Hour).Unix(), "exp": now.Add(time.Hour).Unix(),
		"age_in_years": 42, "height": 1.75, "scores": []any{1, 2.5},
	}, sdjwt.IssueOptions{Typ: "dc+sd-jwt", Disclosable: []vocab.ClaimPath{{"age_in_years"}, {"height"}, {"scores", 1}}, HolderJWK: w.holder.JWK()})
	require.NoError(t, err)
	sdCred, err := v.Verify(ctx, vocab.FormatSDJWTVC, sd.String())
	require.NoError(t, err)
	held, _, err := presentation.CredentialFromSDJWT(sd)
	require.NoError(t, err)
	fromClaims, err := presentation.CredentialFromClaims(vocab.FormatSDJWTVC, map[string]any{
		"vct": "https://credentials.example.com/identity_credential", "age_in_years": 42, "height": 1.75,
	})
	require.NoError(t, err)

	for name, cred := range map[string]*presentation.Credential{"jwt_vc_json": jwtCred, "sd-jwt_verified": sdCred, "sd-jwt_held": held, "sd-jwt_from_claims": fromClaims} {
		t.Run(name, func(t *testing.T) {
			types := map[string]bool{}
			numberTypes(cred.Claims, types)
			numberTypes(cred.Document, types)
			require.Equal(t, map[string]bool{"json.Number": true}, types)
		})
	}
	subj := func(cred *presentation.Credential) map[string]any {
		if cred.Document != nil {
			return cred.Document["credentialSubject"].(map[string]any)
		}
		return cred.Claims
	}
	require.Equal(t, subj(jwtCred)["age_in_years"], subj(sdCred)["age_in_years"])
	require.Equal(t, json.Number("1.75"), subj(sdCred)["height"])
	require.Equal(t, subj(jwtCred)["height"], subj(sdCred)["height"])
	require.Equal(t, []any{json.Number("1"), json.Number("2.5")}, sdCred.Claims["scores"])

	// DCQL values compare numbers by value in both views.
	q, err := dcql.Parse([]byte(`{"credentials":[
	  {"id":"w3c","format":"jwt_vc_json","meta":{"type_values":[["EmployeeCredential"]]},
	   "claims":[{"path":["credentialSubject","age_in_years"],"values":[42]}]},
	  {"id":"sd","format":"dc+sd-jwt","meta":{"vct_values":["https://credentials.example.com/identity_credential"]},
	   "claims":[{"path":["age_in_years"],"values":[42]}]}]}`))
	require.NoError(t, err)
	cq, err := dcql.Compile(q)
	require.NoError(t, err)
	res, err := cq.Evaluate(ctx, slices.Values([]*presentation.Credential{jwtCred, sdCred}))
	require.NoError(t, err)
	require.Len(t, res.Selection, 2)

	// PE filters (fast path and full JSON Schema) see the same numbers.
	def, err := pex.ParseDefinition([]byte(`{"id":"n","input_descriptors":[
	  {"id":"w3c","format":{"jwt_vc_json":{"alg":["ES256","EdDSA"]}},"constraints":{"fields":[
	    {"path":["$.vc.credentialSubject.age_in_years"],"filter":{"type":"integer","minimum":18}},
	    {"path":["$.vc.credentialSubject.height"],"filter":{"type":"number","exclusiveMaximum":2}}]}},
	  {"id":"sd","format":{"dc+sd-jwt":{}},"constraints":{"fields":[
	    {"path":["$.age_in_years"],"filter":{"type":"integer","minimum":18}},
	    {"path":["$.height"],"filter":{"type":"number","exclusiveMaximum":2}},
	    {"path":["$.scores[?(@ > 2)]"],"filter":{"const":2.5}}]}}]}`))
	require.NoError(t, err)
	pc, err := pex.Compile(def)
	require.NoError(t, err)
	for _, id := range []string{"w3c", "sd"} {
		for _, cred := range []*presentation.Credential{jwtCred, sdCred} {
			if (id == "sd") != (cred.Format == vocab.FormatSDJWTVC) {
				continue
			}
			_, err := pc.MatchDescriptor(ctx, id, cred)
			require.NoError(t, err, id)
		}
	}
}
