package wellknown

import (
	gocrypto "crypto"
	"encoding/json"
	"fmt"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/oid4vp"
)

// EncryptionKey is a public key a verifier publishes for response
// encryption (OpenID4VP 1.0 §8.3).
type EncryptionKey struct {
	KID    string
	Public gocrypto.PublicKey
	// Alg is the JWE key management algorithm (default "ECDH-ES").
	Alg string
}

// VerifierMetadataOptions configure VerifierMetadata.
type VerifierMetadataOptions struct {
	// EncryptionKeys become jwks (use "enc"); optional.
	EncryptionKeys []EncryptionKey
	// EncValues is encrypted_response_enc_values_supported (empty: absent,
	// meaning A128GCM).
	EncValues []string
	// VPFormats is vp_formats_supported (required).
	VPFormats oid4vp.VPFormats
	// Extra members (client_name, logo_uri, …).
	Extra map[string]json.RawMessage
}

// VerifierMetadata builds the Verifier Metadata (OpenID4VP 1.0 §11) a
// verifier sends as client_metadata: OpenID4VP 1.0 defines no well-known
// location for it, so there is no route. The result passes
// oid4vp.ClientMetadata.Validate (public keys only, unique kids).
func VerifierMetadata(o VerifierMetadataOptions) (*oid4vp.ClientMetadata, error) {
	if len(o.VPFormats) == 0 {
		return nil, fmt.Errorf("%w: vp_formats_supported is required", ErrConfig)
	}
	m := &oid4vp.ClientMetadata{VPFormatsSupported: o.VPFormats, EncryptedResponseEncValuesSupported: o.EncValues, Extra: o.Extra}
	if len(o.EncryptionKeys) > 0 {
		set := JWKS{}
		for _, k := range o.EncryptionKeys {
			if k.KID == "" {
				return nil, fmt.Errorf("%w: encryption key without kid", ErrConfig)
			}
			j, err := crypto.PublicJWK(k.Public)
			if err != nil {
				return nil, err
			}
			alg := k.Alg
			if alg == "" {
				alg = "ECDH-ES"
			}
			j["kid"], j["use"], j["alg"] = k.KID, "enc", alg
			set.Keys = append(set.Keys, j)
		}
		if err := set.Check(); err != nil {
			return nil, err
		}
		raw, err := json.Marshal(set)
		if err != nil {
			return nil, err
		}
		m.JWKS = raw
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return m, nil
}
