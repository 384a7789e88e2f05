package issuer

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/ocmw/wstack/oid4vci"
)

// TestMarshalSameBytes: the shortcut of writeJSON gives json.Marshal's
// bytes, HTML escaping and nested credentials included.
func TestMarshalSameBytes(t *testing.T) {
	obj := json.RawMessage("{ \"a\" : [1, 2],\n \"b\": \"<&>\" }")
	for name, v := range map[string]any{
		"credentials": &oid4vci.CredentialResponse{Credentials: []oid4vci.IssuedCredential{
			oid4vci.StringCredential("eyJ<&>.x~y~"), {Credential: obj},
		}, NotificationID: "n<1>"},
		"deferred": &oid4vci.CredentialResponse{TransactionID: "t&1", Interval: 5},
		"extra":    &oid4vci.CredentialResponse{TransactionID: "t", Interval: 1, Extra: oid4vci.Extra{"x": obj}},
		"token": &oid4vci.TokenResponse{AccessToken: "a<b", TokenType: "Bearer", ExpiresIn: 300,
			AuthorizationDetails: []oid4vci.AuthorizationDetail{{Type: oid4vci.AuthorizationDetailsType, CredentialConfigurationID: "pid", CredentialIdentifiers: []string{"pid"}}}},
		"token extra": &oid4vci.TokenResponse{AccessToken: "a", TokenType: "DPoP", Extra: oid4vci.Extra{"y": obj}},
		"nonce":       &oid4vci.NonceResponse{CNonce: "c>"},
	} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}
