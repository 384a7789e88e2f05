package oid4vp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseClientID(t *testing.T) {
	hash := "Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk" // §5.9.3 example
	tests := []struct {
		in      string
		prefix  ClientIDPrefix
		id      string
		wantErr error
	}{
		{in: "example-client", prefix: PrefixPreRegistered, id: "example-client"},
		{in: "redirect_uri:https://client.example.org/cb", prefix: PrefixRedirectURI, id: "https://client.example.org/cb"},
		{in: "openid_federation:https://federation-verifier.example.com", prefix: PrefixOpenIDFederation, id: "https://federation-verifier.example.com"},
		{in: "decentralized_identifier:did:example:123", prefix: PrefixDecentralizedIdentifier, id: "did:example:123"},
		{in: "verifier_attestation:verifier.example", prefix: PrefixVerifierAttestation, id: "verifier.example"},
		{in: "x509_san_dns:client.example.org", prefix: PrefixX509SANDNS, id: "client.example.org"},
		{in: "x509_hash:" + hash, prefix: PrefixX509Hash, id: hash},
		// unknown text before ':' → pre-registered (§5.9.2)
		{in: "https://client.example.org/cb", prefix: PrefixPreRegistered, id: "https://client.example.org/cb"},
		{in: "did:example:123", prefix: PrefixPreRegistered, id: "did:example:123"},
		{in: "", wantErr: ErrMissingParameter},
		{in: "origin:https://verifier.example.com/", wantErr: ErrRejectedPrefix},
		{in: "redirect_uri:", wantErr: ErrInvalidClientID},
		{in: "redirect_uri:/cb", wantErr: ErrInvalidClientID},
		{in: "openid_federation:http://fed.example", wantErr: ErrInvalidClientID},
		{in: "decentralized_identifier:did:Example:123", wantErr: ErrInvalidClientID},
		{in: "decentralized_identifier:did:example:", wantErr: ErrInvalidClientID},
		{in: "x509_san_dns:-bad.example", wantErr: ErrInvalidClientID},
		{in: "x509_san_dns:client.example.org/path", wantErr: ErrInvalidClientID},
		{in: "x509_hash:" + hash + "=", wantErr: ErrInvalidClientID},
		{in: "x509_hash:" + hash[:len(hash)-1] + "l", wantErr: ErrInvalidClientID}, // non-canonical last char
		{in: "a\nb", wantErr: ErrInvalidClientID},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			c, err := ParseClientID(tc.in)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.prefix, c.Prefix)
			require.Equal(t, tc.id, c.Identifier)
			require.Equal(t, tc.in, c.String(), "String is the full prefixed client_id")
		})
	}
}

func TestParseLegacyClientID(t *testing.T) {
	tests := []struct {
		name, in, scheme string
		prefix           ClientIDPrefix
		id               string
		wantErr          error
	}{
		{name: "draft 21 did scheme", in: "did:example:123", scheme: "did", prefix: PrefixDecentralizedIdentifier, id: "did:example:123"},
		{name: "draft 21 entity_id", in: "https://fed.example", scheme: "entity_id", prefix: PrefixOpenIDFederation, id: "https://fed.example"},
		{name: "draft 21 redirect_uri", in: "https://client.example.org/cb", scheme: "redirect_uri", prefix: PrefixRedirectURI, id: "https://client.example.org/cb"},
		{name: "draft 21 x509_san_uri", in: "https://client.example.org", scheme: "x509_san_uri", prefix: PrefixX509SANURI, id: "https://client.example.org"},
		{name: "draft 21 pre-registered", in: "mytest", scheme: "pre-registered", prefix: PrefixPreRegistered, id: "mytest"},
		{name: "draft 21 unknown scheme", in: "x", scheme: "web-origin", wantErr: ErrRejectedPrefix},
		{name: "draft 21 did scheme, not a DID", in: "example:123", scheme: "did", wantErr: ErrInvalidClientID},
		{name: "draft 22-25 bare did", in: "did:web:cloud-wallet.xfsc.dev", prefix: PrefixDecentralizedIdentifier, id: "did:web:cloud-wallet.xfsc.dev"},
		{name: "draft 22-25 bare https", in: "https://fed.example", prefix: PrefixOpenIDFederation, id: "https://fed.example"},
		{name: "draft 22-25 x509_san_dns", in: "x509_san_dns:client.example.org", prefix: PrefixX509SANDNS, id: "client.example.org"},
		{name: "draft 22-24 x509_san_uri", in: "x509_san_uri:https://client.example.org", prefix: PrefixX509SANURI, id: "https://client.example.org"},
		{name: "draft 22-24 web-origin", in: "web-origin:https://client.example.org", wantErr: ErrRejectedPrefix},
		{name: "1.0 prefix in legacy", in: "decentralized_identifier:did:example:1", prefix: PrefixDecentralizedIdentifier, id: "did:example:1"},
		{name: "pre-registered", in: "mytest", prefix: PrefixPreRegistered, id: "mytest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseLegacyClientID(tc.in, tc.scheme)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.prefix, c.Prefix)
			require.Equal(t, tc.id, c.Identifier)
			require.Equal(t, tc.in, c.String(), "String is the client_id as the draft sends it")
		})
	}
}

func TestNewClientIDAndSigning(t *testing.T) {
	c, err := NewClientID(PrefixX509SANDNS, "client.example.org")
	require.NoError(t, err)
	require.Equal(t, "x509_san_dns:client.example.org", c.String())
	require.True(t, c.MustSign())
	require.True(t, c.HostMatches("https://CLIENT.example.org/post"))
	require.False(t, c.HostMatches("https://client.example.org.attacker.example/post"))

	c, err = NewClientID(PrefixPreRegistered, "example-client")
	require.NoError(t, err)
	require.Equal(t, "example-client", c.String())
	require.False(t, c.MustSign())
	require.False(t, c.MustNotSign())

	_, err = NewClientID(PrefixPreRegistered, "x509_san_dns:client.example.org")
	require.ErrorIs(t, err, ErrInvalidClientID)

	c, err = NewClientID(PrefixRedirectURI, "https://client.example.org/cb")
	require.NoError(t, err)
	require.True(t, c.MustNotSign())
	require.False(t, c.HostMatches("https://client.example.org/cb"), "only x509_san_dns has a host rule")
}
