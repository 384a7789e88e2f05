package walletsvc_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/examples/internal/walletsvc"
	"github.com/ocmw/wstack/oid4vp/verifier"
)

// TestFlow is the whole story against the library issuer and verifier:
// offering retrieve → list → accept with tx_code → stored encrypted →
// DCQL request (direct_post.jwt, dc+sd-jwt with recursive address
// disclosures) → authorize → the verifier's result holds exactly the asked
// claims.
func TestFlow(t *testing.T) { flow(t, envOpts{}) }

// TestFlowPostgres is TestFlow with the store on PostgreSQL.
func TestFlowPostgres(t *testing.T) {
	flow(t, envOpts{store: func(t testing.TB, eng crypto.Engine) *walletsvc.Store { return postgresStore(t, eng) }})
}

func flow(t *testing.T, opts envOpts) {
	e := newEnv(t, opts)
	link, code := e.offer()

	var o walletsvc.Offering
	require.Equal(t, http.StatusCreated, e.call("PUT", "/v1/tenants/acme/offering/retrieve/alice", map[string]string{"offer": link}, &o))
	require.NotEmpty(t, o.ID)
	require.Equal(t, "alice", o.Group)
	require.NotNil(t, o.TxCode)
	require.Equal(t, 6, o.TxCode.Length)
	require.Len(t, o.Credentials, 1)
	require.Equal(t, "pid_sd_jwt", o.Credentials[0].ConfigurationID)
	require.Equal(t, "PID", o.Credentials[0].Display[0].Name)
	require.True(t, o.ExpiresAt.Sub(o.CreatedAt) == walletsvc.DefaultOfferingTTL)

	var list struct{ Offerings []walletsvc.Offering }
	require.Equal(t, http.StatusOK, e.call("GET", "/v1/tenants/acme/offering/list/alice", nil, &list))
	require.Len(t, list.Offerings, 1)
	require.Equal(t, o.ID, list.Offerings[0].ID)
	var other struct{ Offerings []walletsvc.Offering }
	require.Equal(t, http.StatusOK, e.call("GET", "/v1/tenants/acme/offering/list/bob", nil, &other))
	require.Empty(t, other.Offerings)

	var res walletsvc.ClearResult
	require.Equal(t, http.StatusOK, e.call("DELETE", "/v1/tenants/acme/offering/clear/alice/"+o.ID,
		walletsvc.Acceptance{Accept: true, TxCode: code}, &res))
	require.Equal(t, "accepted", res.Status)
	require.Len(t, res.Credentials, 1)
	credID := res.Credentials[0].ID
	require.Equal(t, "acme/holder/alice", res.Credentials[0].HolderKey)
	require.Equal(t, http.StatusOK, e.call("GET", "/v1/tenants/acme/offering/list/alice", nil, &list))
	require.Empty(t, list.Offerings, "accepted offering is gone")

	// Listed as metadata only; claims when asked.
	var creds struct{ Credentials []walletsvc.CredentialInfo }
	require.Equal(t, http.StatusOK, e.call("GET", "/v1/tenants/acme/storage/alice/credentials", nil, &creds))
	require.Len(t, creds.Credentials, 1)
	require.Equal(t, credID, creds.Credentials[0].ID)
	require.Equal(t, vctPID, creds.Credentials[0].VCT)
	require.Empty(t, creds.Credentials[0].Raw)
	require.Nil(t, creds.Credentials[0].Claims)
	require.NotNil(t, creds.Credentials[0].ValidUntil)
	var one walletsvc.CredentialInfo
	require.Equal(t, http.StatusOK, e.call("GET", "/v1/tenants/acme/storage/alice/credentials/"+credID+"?include=claims", nil, &one))
	require.Equal(t, pidName, one.Claims["given_name"])
	require.Empty(t, one.Raw)

	// Query by DCQL and by PE.
	var qr walletsvc.QueryResult
	require.Equal(t, http.StatusOK, e.call("POST", "/v1/tenants/acme/storage/alice/credentials/query",
		map[string]any{"dcql_query": rawJSON(pidQuery)}, &qr))
	require.True(t, qr.Satisfiable)
	require.Len(t, qr.Matches["pid"], 1)
	require.Equal(t, credID, qr.Matches["pid"][0].Credential.ID)
	require.Equal(t, http.StatusOK, e.call("POST", "/v1/tenants/acme/storage/alice/credentials/query",
		map[string]any{"presentation_definition": rawJSON(`{"id":"d","input_descriptors":[{"id":"pid","format":{"dc+sd-jwt":{}},
		"constraints":{"fields":[{"path":["$.vct"],"filter":{"type":"string","const":"urn:eudi:pid:1"}}]}}]}`)}, &qr))
	require.True(t, qr.Satisfiable)
	require.Len(t, qr.Matches["pid"], 1)
	require.Equal(t, http.StatusOK, e.call("POST", "/v1/tenants/acme/storage/bob/credentials/query",
		map[string]any{"dcql_query": rawJSON(pidQuery)}, &qr))
	require.False(t, qr.Satisfiable, "bob holds nothing")

	// Present.
	tx, vpLink := e.request(pidQuery)
	var ar walletsvc.AuthorizeResult
	require.Equal(t, http.StatusOK, e.call("POST", "/v1/tenants/acme/presentation/authorize/alice",
		walletsvc.AuthorizeRequest{AuthorizationRequest: vpLink}, &ar))
	require.Equal(t, "presented", ar.Status)
	require.Equal(t, e.verifierID, ar.Verifier)
	require.Equal(t, "direct_post.jwt", ar.ResponseMode)
	require.Len(t, ar.Presented, 1)
	require.Equal(t, credID, ar.Presented[0].CredentialID)

	vr, err := e.ver.Result(e.ctx, tenant, tx.ID, tx.Secret)
	require.NoError(t, err)
	require.Equal(t, verifier.StatusAccepted, vr.Status, vr.Error)
	claims := vr.Credentials["pid"][0].Claims
	require.Equal(t, pidName, claims["given_name"])
	require.NotContains(t, claims, "family_name")
	require.NotContains(t, claims, "birthdate")
	addr, ok := claims["address"].(map[string]any)
	require.True(t, ok, "%v", claims)
	require.Equal(t, "Köln", addr["locality"])
	require.NotContains(t, addr, "street_address")
	require.NotContains(t, addr, "postal_code")
	require.NotContains(t, addr, "country")

	// The second presentation comes from the parsed-credential cache; a
	// deleted credential is never presented again.
	_, vpLink = e.request(pidQuery)
	require.Equal(t, http.StatusOK, e.call("POST", "/v1/tenants/acme/presentation/authorize/alice",
		walletsvc.AuthorizeRequest{AuthorizationRequest: vpLink}, &ar))
	require.Equal(t, credID, ar.Presented[0].CredentialID)
	require.Equal(t, http.StatusNoContent, e.call("DELETE", "/v1/tenants/acme/storage/alice/credentials/"+credID, nil, nil))
	_, vpLink = e.request(pidQuery)
	require.Equal(t, http.StatusConflict, e.call("POST", "/v1/tenants/acme/presentation/authorize/alice",
		walletsvc.AuthorizeRequest{AuthorizationRequest: vpLink}, nil))
}

type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }
