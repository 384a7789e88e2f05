package issuer

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
)

// Attestation-Based Client Authentication
// (draft-ietf-oauth-attestation-based-client-auth-10) header names and typ
// values.
const (
	HeaderClientAttestation    = "OAuth-Client-Attestation"
	HeaderClientAttestationPoP = "OAuth-Client-Attestation-PoP"
	ClientAttestationType      = "oauth-client-attestation+jwt"
	ClientAttestationPoPType   = "oauth-client-attestation-pop+jwt"
)

// ClientAttestationConfig configures wallet attestations at the token
// endpoint (HAIP): the wallet provider signs a Client Attestation JWT (sub =
// client_id, cnf.jwk = the instance key), the wallet a PoP JWT with that key
// (iss = client_id, aud = the issuer identifier, jti, iat).
type ClientAttestationConfig struct {
	// Providers resolves the wallet providers' keys (e.g. a
	// *jose.TrustedKeys keyed by the attestation's iss). Required.
	Providers jose.KeyResolver
	// Required rejects token requests without a client attestation.
	Required bool
	// PoPMaxAge bounds the age of the PoP's iat (default 5 min).
	PoPMaxAge time.Duration
}

type clientAttestationClaims struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Exp int64  `json:"exp"`
	Iat int64  `json:"iat"`
	Cnf struct {
		JWK map[string]any `json:"jwk"`
	} `json:"cnf"`
}

type clientAttestationPoPClaims struct {
	Iss string          `json:"iss"`
	Aud json.RawMessage `json:"aud"`
	JTI string          `json:"jti"`
	Iat int64           `json:"iat"`
	Exp int64           `json:"exp"`
}

// checkClientAttestation verifies the attestation headers of a token
// request and returns the attested client_id ("" when there are none and
// they are not required).
func (i *Issuer) checkClientAttestation(ctx context.Context, r *http.Request) (string, error) {
	c := i.cfg.ClientAttestation
	att, pop := r.Header.Values(HeaderClientAttestation), r.Header.Values(HeaderClientAttestationPoP)
	bad := func(desc string) error {
		e := oid4vci.NewError(oid4vci.CodeInvalidClient, desc)
		e.Status = http.StatusUnauthorized
		return e
	}
	if c == nil {
		return "", nil
	}
	if len(att) == 0 && len(pop) == 0 {
		if c.Required {
			return "", bad("client attestation required")
		}
		return "", nil
	}
	if len(att) != 1 || len(pop) != 1 {
		return "", bad("exactly one client attestation and one PoP required")
	}
	j, err := jose.Verify(ctx, att[0], jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: i.proofAlg, Typ: []string{ClientAttestationType}, MaxSize: 16 << 10},
		Resolver:     c.Providers,
	})
	if err != nil {
		return "", bad("client attestation not signed by a trusted wallet provider")
	}
	var ac clientAttestationClaims
	if err := json.Unmarshal(j.Payload, &ac); err != nil || ac.Sub == "" || ac.Exp == 0 || ac.Cnf.JWK == nil {
		return "", bad("client attestation lacks sub, exp or cnf.jwk")
	}
	now := i.now()
	if !now.Before(time.Unix(ac.Exp, 0).Add(i.cfg.Leeway)) {
		return "", bad("client attestation expired")
	}
	instKey, err := crypto.PublicKeyFromJWK(ac.Cnf.JWK)
	if err != nil {
		return "", bad("client attestation cnf.jwk invalid")
	}
	pj, err := jose.Verify(ctx, pop[0], jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: i.proofAlg, Typ: []string{ClientAttestationPoPType}, MaxSize: 8 << 10},
		Key:          instKey,
	})
	if err != nil {
		return "", bad("client attestation PoP not signed by the attested key")
	}
	var pc clientAttestationPoPClaims
	if err := json.Unmarshal(pj.Payload, &pc); err != nil || pc.JTI == "" || pc.Iat == 0 {
		return "", bad("client attestation PoP lacks jti or iat")
	}
	var aud string
	if json.Unmarshal(pc.Aud, &aud) != nil || (aud != i.id && aud != i.cfg.Issuer) {
		return "", bad("client attestation PoP aud is not this issuer")
	}
	if pc.Iss != ac.Sub {
		return "", bad("client attestation PoP iss is not the attested client")
	}
	maxAge := c.PoPMaxAge
	if maxAge <= 0 {
		maxAge = 5 * time.Minute
	}
	iat := time.Unix(pc.Iat, 0)
	if iat.After(now.Add(i.cfg.Leeway)) || iat.Before(now.Add(-maxAge-i.cfg.Leeway)) {
		return "", bad("client attestation PoP iat outside the accepted window")
	}
	replay, err := i.cfg.Replays.Seen(ctx, "abca|"+ac.Sub+"|"+pc.JTI, iat.Add(maxAge+2*i.cfg.Leeway), now)
	if err != nil {
		return "", err
	}
	if replay {
		return "", bad("client attestation PoP replayed")
	}
	return ac.Sub, nil
}
