package wallet

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
)

// Attestation-Based Client Authentication (draft-ietf-oauth-attestation-
// based-client-auth-10) as HAIP uses it at PAR and token endpoints.
const (
	HeaderClientAttestation    = "OAuth-Client-Attestation"
	HeaderClientAttestationPoP = "OAuth-Client-Attestation-PoP"
	ClientAttestationPoPType   = "oauth-client-attestation-pop+jwt"
	// AuthMethodAttestation is the token_endpoint_auth_methods_supported
	// value of attestation-based client authentication.
	AuthMethodAttestation = "attest_jwt_client_auth"
)

// AttestationProvider obtains a Client Attestation JWT from the wallet
// provider (typ oauth-client-attestation+jwt, sub = the client_id, cnf.jwk =
// the instance key) and the signer of that instance key, which signs the
// PoP JWTs. Implementations cache the attestation until it expires.
type AttestationProvider interface {
	ClientAttestation(ctx context.Context) (attestation string, instanceKey jose.MessageSigner, err error)
}

type clientAuth struct {
	jwt    string
	signer jose.MessageSigner
	sub    string
}

// clientAttestation returns the attestation to send, or nil when the
// wallet has no provider or the AS does not take attestations.
func (c *Client) clientAttestation(ctx context.Context, s *Session) (*clientAuth, error) {
	p := c.cfg.ClientAttestation
	if p == nil {
		return nil, nil
	}
	if m := s.AS.TokenEndpointAuthMethodsSupported; len(m) > 0 && !slices.Contains(m, AuthMethodAttestation) {
		return nil, nil
	}
	att, signer, err := p.ClientAttestation(ctx)
	if err != nil {
		return nil, fmt.Errorf("wallet: client attestation: %w", err)
	}
	parts := strings.Split(att, ".")
	if len(parts) != 3 || signer == nil {
		return nil, fmt.Errorf("%w: client attestation is not a compact JWT with an instance key", ErrConfig)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var cl struct {
		Sub string `json:"sub"`
	}
	if err != nil || json.Unmarshal(payload, &cl) != nil || cl.Sub == "" {
		return nil, fmt.Errorf("%w: client attestation without sub", ErrConfig)
	}
	if c.cfg.ClientID != "" && c.cfg.ClientID != cl.Sub {
		return nil, fmt.Errorf("%w: ClientID %q differs from the attestation's sub", ErrConfig, c.cfg.ClientID)
	}
	return &clientAuth{jwt: att, signer: signer, sub: cl.Sub}, nil
}

// headers adds the attestation and a fresh PoP for audience aud.
func (a *clientAuth) headers(ctx context.Context, h http.Header, aud string, now time.Time) error {
	if a == nil {
		return nil
	}
	pop, err := jose.SignJWT(ctx, a.signer, map[string]any{"typ": ClientAttestationPoPType}, map[string]any{
		"iss": a.sub, "aud": aud, "jti": rand.Text(), "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	})
	if err != nil {
		return err
	}
	h.Set(HeaderClientAttestation, a.jwt)
	h.Set(HeaderClientAttestationPoP, pop)
	return nil
}

// KeyAttestationProvider obtains key attestations (OpenID4VCI Appendix D,
// typ key-attestation+jwt) for holder keys from the wallet provider or
// the secure element: attested_keys = the keys' public JWKs, nonce = the
// c_nonce when there is one, at the levels required asks for.
type KeyAttestationProvider interface {
	KeyAttestation(ctx context.Context, keys []*HolderKey, nonce string, required *oid4vci.KeyAttestationsRequired) (string, error)
}

// PublicJWK returns the holder key's public JWK (for attested_keys).
func (h *HolderKey) PublicJWK() map[string]any {
	out := make(map[string]any, len(h.pubJWK))
	for k, v := range h.pubJWK {
		out[k] = v
	}
	return out
}
