package wallet

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/oid4vci"
)

// divpSuite picks the first cryptosuite of proof_signing_alg_values_supported
// that the holder key can sign (ecdsa-* for EC keys, eddsa-* for Ed25519).
func divpSuite(k *HolderKey, algs []string) (dataintegrity.Suite, bool) {
	prefix := "ecdsa-"
	if k.jwk.Algorithm() == "EdDSA" {
		prefix = "eddsa-"
	}
	for _, a := range algs {
		if strings.HasPrefix(a, prefix) {
			return dataintegrity.Suite(a), true
		}
	}
	return "", false
}

// divpKeys selects the keys for di_vp proofs: each needs a did:key and a
// Data Integrity signer, and a suite the issuer accepts.
func (c *Client) divpKeys(s *Session, cfg *oid4vci.CredentialConfiguration, count int) ([]*HolderKey, proofMode, error) {
	pt := cfg.ProofTypesSupported[oid4vci.ProofTypeDIVP]
	if count <= 0 {
		count = c.cfg.Batch
	}
	max := 1
	if b := s.Metadata.BatchCredentialIssuance; b != nil && b.BatchSize > 1 {
		max = b.BatchSize
	}
	keys := c.cfg.HolderKeys[:min(count, max, len(c.cfg.HolderKeys))]
	for _, k := range keys {
		if k.diSigner == nil {
			return nil, 0, fmt.Errorf("%w: di_vp needs did:key holder keys in an engine that manages keys", ErrUnsupported)
		}
		if _, ok := divpSuite(k, pt.ProofSigningAlgValuesSupported); !ok {
			return nil, 0, fmt.Errorf("%w: no di_vp cryptosuite for the holder key", ErrUnsupported)
		}
	}
	return keys, proofDIVP, nil
}

// divp signs a di_vp key proof (§F.2): a VP whose holder is the key's DID,
// with a Data Integrity proof of purpose authentication, domain = the
// credential issuer, challenge = c_nonce.
func (c *Client) divp(ctx context.Context, s *Session, k *HolderKey, cfg *oid4vci.CredentialConfiguration, nonce string) (json.RawMessage, error) {
	suite, _ := divpSuite(k, cfg.ProofTypesSupported[oid4vci.ProofTypeDIVP].ProofSigningAlgValuesSupported)
	doc, err := json.Marshal(map[string]any{
		"@context": []string{"https://www.w3.org/ns/credentials/v2"}, "type": []string{"VerifiablePresentation"}, "holder": k.did,
	})
	if err != nil {
		return nil, err
	}
	out, err := c.cfg.DataIntegrity.Sign(ctx, doc, k.diSigner, dataintegrity.ProofOptions{
		Suite: suite, Purpose: dataintegrity.PurposeAuthentication, Challenge: nonce, Domain: s.Metadata.CredentialIssuer,
	})
	if err != nil {
		return nil, fmt.Errorf("wallet: di_vp proof: %w", err)
	}
	return out, nil
}
