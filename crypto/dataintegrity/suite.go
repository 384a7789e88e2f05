package dataintegrity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"fmt"

	wcrypto "github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"
)

// Suite names a proof type and, for DataIntegrityProof, its cryptosuite.
type Suite string

// Supported suites.
const (
	// EdDSARDFC2022 is DataIntegrityProof with cryptosuite eddsa-rdfc-2022
	// (VC-DI-EdDSA 1.0 §3.2).
	EdDSARDFC2022 Suite = "eddsa-rdfc-2022"
	// ECDSARDFC2019 is DataIntegrityProof with cryptosuite ecdsa-rdfc-2019
	// (VC-DI-ECDSA 1.0 §3.2), P-256 with SHA-256 or P-384 with SHA-384.
	ECDSARDFC2019 Suite = "ecdsa-rdfc-2019"
	// EdDSAJCS2022 is DataIntegrityProof with cryptosuite eddsa-jcs-2022
	// (VC-DI-EdDSA 1.0 §3.3): JCS (RFC 8785) instead of RDFC-1.0; no JSON-LD
	// processing, the proof @context must be a prefix of the document's.
	EdDSAJCS2022 Suite = "eddsa-jcs-2022"
	// ECDSAJCS2019 is DataIntegrityProof with cryptosuite ecdsa-jcs-2019
	// (VC-DI-ECDSA 1.0 §3.3): JCS instead of RDFC-1.0, P-256/SHA-256 or
	// P-384/SHA-384.
	ECDSAJCS2019 Suite = "ecdsa-jcs-2019"
	// Ed25519Signature2020 is the legacy suite (VC-DI-EdDSA 1.0 Appendix).
	Ed25519Signature2020 Suite = "Ed25519Signature2020"
	// JsonWebSignature2020 is the legacy JWS suite (W3C CCG lds-jws2020):
	// a detached JWS with unencoded payload over the hash data.
	JsonWebSignature2020 Suite = "JsonWebSignature2020"
)

// ProofTypeDataIntegrity is the proof type of the cryptosuite-based suites.
const ProofTypeDataIntegrity = "DataIntegrityProof"

func (s Suite) proofType() string {
	switch s {
	case EdDSARDFC2022, ECDSARDFC2019, EdDSAJCS2022, ECDSAJCS2019:
		return ProofTypeDataIntegrity
	}
	return string(s)
}

func (s Suite) cryptosuite() string {
	switch s {
	case EdDSARDFC2022, ECDSARDFC2019, EdDSAJCS2022, ECDSAJCS2019:
		return string(s)
	}
	return ""
}

// suiteContext is the context a legacy suite needs in the document.
func (s Suite) suiteContext() string {
	switch s {
	case Ed25519Signature2020:
		return contexts.Ed25519Suite2020
	case JsonWebSignature2020:
		return contexts.JWS2020
	}
	return ""
}

func suiteOf(proof map[string]any) (Suite, error) {
	typ, _ := proof["type"].(string)
	cs, hasCS := proof["cryptosuite"]
	switch typ {
	case ProofTypeDataIntegrity:
		name, _ := cs.(string)
		switch Suite(name) {
		case EdDSARDFC2022, ECDSARDFC2019, EdDSAJCS2022, ECDSAJCS2019:
			return Suite(name), nil
		}
		return "", fmt.Errorf("%w: %w: cryptosuite %q", ErrProofVerification, ErrUnsupportedSuite, name)
	case string(Ed25519Signature2020), string(JsonWebSignature2020):
		if hasCS {
			return "", fmt.Errorf("%w: %w: %s with a cryptosuite", ErrProofVerification, ErrUnsupportedSuite, typ)
		}
		return Suite(typ), nil
	case "":
		return "", fmt.Errorf("%w: %w: proof type", ErrParsing, ErrMissingProof)
	}
	return "", fmt.Errorf("%w: %w: proof type %q", ErrProofVerification, ErrUnsupportedSuite, typ)
}

// hashFor returns the hash of the transformation step: SHA-384 for
// ecdsa-rdfc-2019 with P-384 keys, SHA-256 otherwise.
func (s Suite) hashFor(pub crypto.PublicKey) crypto.Hash {
	if s == ECDSARDFC2019 || s == ECDSAJCS2019 {
		if k, ok := pub.(*ecdsa.PublicKey); ok && k.Curve == elliptic.P384() {
			return crypto.SHA384
		}
	}
	return crypto.SHA256
}

// algFor checks that a key fits the suite and returns the signature
// algorithm.
func (s Suite) algFor(pub crypto.PublicKey) (wcrypto.Algorithm, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if s == EdDSARDFC2022 || s == EdDSAJCS2022 || s == Ed25519Signature2020 || s == JsonWebSignature2020 {
			return wcrypto.EdDSA, nil
		}
	case *ecdsa.PublicKey:
		if s == ECDSARDFC2019 || s == ECDSAJCS2019 || s == JsonWebSignature2020 {
			switch k.Curve {
			case elliptic.P256():
				return wcrypto.ES256, nil
			case elliptic.P384():
				return wcrypto.ES384, nil
			}
		}
	}
	return "", fmt.Errorf("%w: %w: %T for %s", ErrProofVerification, ErrInvalidKey, pub, s)
}

// jcs reports whether the suite canonicalises with JCS (no JSON-LD).
func (s Suite) jcs() bool { return s == EdDSAJCS2022 || s == ECDSAJCS2019 }
