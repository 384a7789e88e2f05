package wallet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"mime"
	"slices"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
)

// Encryption of credential requests and responses (§10): the wallet
// supports ECDH-ES with A128GCM or A256GCM, an ephemeral P-256 key per
// request for the response, and the request encrypted to one of the
// issuer's credential_request_encryption keys.
var (
	supportedEnc = []string{"A256GCM", "A128GCM"}
)

// exchange is the encryption state of one request.
type exchange struct {
	reqKey map[string]any // issuer's request key (nil: plaintext request)
	enc    string
	priv   *ecdsa.PrivateKey
	kid    string
	re     *oid4vci.ResponseEncryption
}

// newExchange decides whether to encrypt: whenever the issuer offers both
// request and response encryption with parameters the wallet supports, and
// it fails with ErrUnsupported when the issuer requires encryption the
// wallet cannot do. Config.SkipEncryption turns off the optional case.
func (c *Client) newExchange(md *oid4vci.IssuerMetadata) (*exchange, error) {
	req, res := md.CredentialRequestEncryption, md.CredentialResponseEncryption
	required := (req != nil && req.EncryptionRequired) || (res != nil && res.EncryptionRequired)
	if req == nil || res == nil || (c.cfg.SkipEncryption && !required) {
		if required {
			return nil, fmt.Errorf("%w: the issuer requires encryption of both request and response metadata", ErrUnsupported)
		}
		return nil, nil
	}
	fail := func(why string) (*exchange, error) {
		if required {
			return nil, fmt.Errorf("%w: encryption: %s", ErrUnsupported, why)
		}
		return nil, nil
	}
	if !slices.Contains(res.AlgValuesSupported, "ECDH-ES") {
		return fail("no ECDH-ES in credential_response_encryption")
	}
	enc := ""
	for _, e := range supportedEnc {
		if slices.Contains(res.EncValuesSupported, e) && slices.Contains(req.EncValuesSupported, e) {
			enc = e
			break
		}
	}
	if enc == "" {
		return fail("no common content encryption")
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(req.JWKS, &set); err != nil {
		return nil, fmt.Errorf("%w: credential_request_encryption.jwks: %w", ErrMetadata, err)
	}
	var key map[string]any
	for _, k := range set.Keys {
		if use, _ := k["use"].(string); use != "" && use != "enc" {
			continue
		}
		if alg, _ := k["alg"].(string); alg != "" && alg != "ECDH-ES" {
			continue
		}
		if kty, _ := k["kty"].(string); kty != "EC" {
			continue
		}
		if _, err := crypto.PublicKeyFromJWK(k); err == nil {
			key = k
			break
		}
	}
	if key == nil {
		return fail("no usable ECDH-ES key in credential_request_encryption.jwks")
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	jwk, err := crypto.PublicJWK(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	x := &exchange{reqKey: key, enc: enc, priv: priv, kid: rand.Text()}
	jwk["alg"], jwk["kid"], jwk["use"] = "ECDH-ES", x.kid, "enc"
	b, err := json.Marshal(jwk)
	if err != nil {
		return nil, err
	}
	x.re = &oid4vci.ResponseEncryption{JWK: b, Enc: enc}
	return x, nil
}

// seal encrypts a request body to the issuer's key.
func (x *exchange) seal(body []byte) ([]byte, error) {
	tok, err := jose.Encrypt(body, x.reqKey, jose.EncryptOptions{Alg: "ECDH-ES", Enc: x.enc})
	if err != nil {
		return nil, fmt.Errorf("%w: encrypting the request: %w", ErrMetadata, err)
	}
	return []byte(tok), nil
}

// open decrypts a response: a 2xx answer of an encrypted exchange must be
// application/jwt under the ephemeral key's kid.
func (x *exchange) open(res *httpResult) ([]byte, error) {
	ct, _, _ := mime.ParseMediaType(res.header.Get("Content-Type"))
	if x == nil {
		if ct == oid4vci.MediaTypeJWT {
			return nil, fmt.Errorf("%w: encrypted response to a plaintext request", ErrResponse)
		}
		return res.body, nil
	}
	if ct != oid4vci.MediaTypeJWT {
		return nil, fmt.Errorf("%w: plaintext response to a request asking for encryption", ErrResponse)
	}
	pt, hdr, err := jose.Decrypt(string(res.body), x.priv, jose.DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{x.enc}, MaxSize: len(res.body)})
	if err != nil {
		return nil, fmt.Errorf("%w: encrypted response: %w", ErrResponse, err)
	}
	if hdr.Kid != x.kid {
		return nil, fmt.Errorf("%w: encrypted response under kid %.64q, not the wallet's", ErrResponse, hdr.Kid)
	}
	return pt, nil
}
