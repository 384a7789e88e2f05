package issuer

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/b64url"
	"github.com/ocmw/wstack/oid4vci"
)

// EncryptionConfig turns on encrypted credential requests and responses
// (§10): requests arrive as a JWE (application/jwt) to one of Keys, whose
// public parts are published as credential_request_encryption.jwks;
// responses are encrypted to the wallet's credential_response_encryption
// key (ECDH-ES, alg from the JWK, kid echoed). A request asking for an
// encrypted response must itself be encrypted. zip is not offered, so no
// decompression happens. Errors are never encrypted.
type EncryptionConfig struct {
	// Keys decrypt requests: P-256 keys with unique KIDs.
	Keys []DecryptionKey
	// Enc lists the content encryption algorithms (default A128GCM, A256GCM).
	Enc []string
	// Required makes encryption mandatory (encryption_required).
	Required bool
}

// DecryptionKey is a request decryption key.
type DecryptionKey struct {
	KID     string
	Private *ecdsa.PrivateKey
}

type encryption struct {
	cfg  EncryptionConfig
	keys map[string]*ecdsa.PrivateKey
}

func newEncryption(c *EncryptionConfig, md *oid4vci.IssuerMetadata) (*encryption, error) {
	if c == nil {
		return nil, nil
	}
	e := &encryption{cfg: *c, keys: map[string]*ecdsa.PrivateKey{}}
	if len(e.cfg.Enc) == 0 {
		e.cfg.Enc = []string{"A128GCM", "A256GCM"}
	}
	var jwks []map[string]any
	for _, k := range c.Keys {
		if k.KID == "" || k.Private == nil || e.keys[k.KID] != nil {
			return nil, fmt.Errorf("%w: encryption keys need unique KIDs and a private key", ErrConfig)
		}
		jwk, err := crypto.PublicJWK(&k.Private.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("%w: encryption key %q: %v", ErrConfig, k.KID, err)
		}
		jwk["kid"], jwk["use"], jwk["alg"] = k.KID, "enc", "ECDH-ES"
		jwks = append(jwks, jwk)
		e.keys[k.KID] = k.Private
	}
	if len(jwks) == 0 {
		return nil, fmt.Errorf("%w: encryption needs at least one key", ErrConfig)
	}
	set, _ := json.Marshal(map[string]any{"keys": jwks})
	md.CredentialRequestEncryption = &oid4vci.RequestEncryptionMetadata{JWKS: set, EncValuesSupported: e.cfg.Enc, EncryptionRequired: c.Required}
	md.CredentialResponseEncryption = &oid4vci.ResponseEncryptionMetadata{AlgValuesSupported: []string{"ECDH-ES"}, EncValuesSupported: e.cfg.Enc, EncryptionRequired: c.Required}
	return e, nil
}

func encErr(desc string) *oid4vci.Error {
	return oid4vci.NewError(oid4vci.CodeInvalidEncryptionParameters, desc)
}

// decrypt opens an encrypted request body. The protected header's kid
// selects the key (with a single key, a JWE without kid is accepted);
// jose.Decrypt then checks the whole JWE before any cryptography.
func (e *encryption) decrypt(body []byte) ([]byte, error) {
	if e == nil {
		return nil, encErr("encrypted requests are not supported by this issuer")
	}
	kid, err := jweKid(body)
	if err != nil {
		return nil, encErr("malformed encrypted request")
	}
	key := e.keys[kid]
	if kid == "" && len(e.cfg.Keys) == 1 {
		key = e.cfg.Keys[0].Private
	}
	if key == nil {
		return nil, encErr("unknown request encryption key")
	}
	pt, _, err := jose.Decrypt(string(body), key, jose.DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: e.cfg.Enc, MaxSize: maxCredentialRequest})
	if err != nil {
		return nil, encErr("encrypted request cannot be decrypted").Wrap(err)
	}
	return pt, nil
}

// jweKid reads the kid of a compact JWE's protected header.
func jweKid(body []byte) (string, error) {
	h, _, ok := strings.Cut(string(body), ".")
	if !ok || len(h) > 4096 {
		return "", errMalformedJWE
	}
	hb, err := b64url.DecodeStringStrict(h)
	if err != nil {
		return "", errMalformedJWE
	}
	var hdr struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return "", errMalformedJWE
	}
	return hdr.Kid, nil
}

var errMalformedJWE = errors.New("issuer: malformed JWE")

// encryptResponse encrypts a response to the wallet's key.
func (e *encryption) encryptResponse(w http.ResponseWriter, status int, resp any, re *oid4vci.ResponseEncryption) {
	b, err := json.Marshal(resp)
	if err == nil {
		var jwk map[string]any
		if err = json.Unmarshal(re.JWK, &jwk); err == nil {
			var tok string
			tok, err = jose.Encrypt(b, jwk, jose.EncryptOptions{Alg: re.KeyAlg(), Enc: re.Enc})
			if err == nil {
				h := w.Header()
				h.Set("Content-Type", oid4vci.MediaTypeJWT)
				h.Set("Cache-Control", "no-store")
				w.WriteHeader(status)
				_, _ = w.Write([]byte(tok))
				return
			}
		}
	}
	oid4vci.WriteError(w, encErr("the response cannot be encrypted to the given key").Wrap(err))
}

// checkRequest applies the encryption rules to a parsed request.
func (e *encryption) checkRequest(encrypted bool, re *oid4vci.ResponseEncryption) error {
	switch {
	case re != nil && e == nil:
		return encErr("response encryption is not supported by this issuer")
	case re != nil && !encrypted:
		return encErr("a request asking for an encrypted response must itself be encrypted")
	case e != nil && e.cfg.Required && !encrypted:
		return encErr("this issuer requires encrypted requests")
	case e != nil && e.cfg.Required && re == nil:
		return encErr("this issuer requires encrypted responses")
	case re != nil && (re.KeyAlg() != "ECDH-ES" || !slices.Contains(e.cfg.Enc, re.Enc) || re.Zip != ""):
		return encErr("unsupported response encryption parameters")
	}
	return nil
}
