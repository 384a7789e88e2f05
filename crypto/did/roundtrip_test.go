package did_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto/did"
)

// Unknown members of documents, methods and services survive a round trip;
// controller keeps its string-or-set form.
func TestDocumentKeepsUnknownMembers(t *testing.T) {
	in := `{"@context":"https://www.w3.org/ns/did/v1","id":"did:web:example.com","controller":"did:web:example.com",` +
		`"verificationMethod":[{"id":"did:web:example.com#k","type":"JsonWebKey2020","controller":"did:web:example.com",` +
		`"publicKeyJwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},"revoked":false}],` +
		`"service":[{"id":"#ls","type":"LinkedDomains","serviceEndpoint":"https://example.com","priority":1}],` +
		`"customProperty":{"a":[1,2]}}`
	var d did.Document
	require.NoError(t, json.Unmarshal([]byte(in), &d))
	require.Equal(t, []string{"did:web:example.com"}, d.Controller)
	require.Contains(t, d.Extra, "customProperty")
	require.NotContains(t, d.Extra, "controller")
	require.Contains(t, d.VerificationMethod[0].Extra, "revoked")
	require.Contains(t, d.Service[0].Extra, "priority")
	out, err := json.Marshal(d)
	require.NoError(t, err)
	require.JSONEq(t, in, string(out))

	d.Controller = []string{"did:web:a.example", "did:web:b.example"}
	out, err = json.Marshal(d)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(out, &m))
	require.Equal(t, []any{"did:web:a.example", "did:web:b.example"}, m["controller"])
}
