package vc

import (
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

// Credential builds the presentation.Credential view of an SD-JWT VC as the
// holder stores it (issuer form, every disclosure): Claims is the fully
// processed payload and Disclosable the claim path of each disclosure, in
// the form DCQL/Presentation Exchange matching expects. Present a chosen
// subset with (*sdjwt.SDJWT).Present. The signature is not checked here
// (the holder checked it with VerifyIssued when it received the credential).
func Credential(sd *sdjwt.SDJWT) (*presentation.Credential, *sdjwt.Processed, error) {
	pr, err := sd.Process(sdjwt.Limits{})
	if err != nil {
		return nil, nil, err
	}
	c := &presentation.Credential{
		Format:      vocab.FormatSDJWTVC,
		Raw:         sd.String(),
		Claims:      pr.Claims,
		Disclosable: pr.Paths,
	}
	c.Issuer, _ = pr.Claims["iss"].(string)
	c.Subject, _ = pr.Claims["sub"].(string)
	c.VCT, _ = pr.Claims["vct"].(string)
	c.ID, _ = pr.Claims["jti"].(string)
	c.ValidFrom = claimTime(pr.Claims, "nbf")
	c.ValidUntil = claimTime(pr.Claims, "exp")
	c.IssuedAt = claimTime(pr.Claims, "iat")
	if ref, err := StatusReference(pr.Claims); err == nil && ref != nil {
		c.Status = []vocab.StatusReference{*ref}
	}
	if cnf, ok := pr.Claims["cnf"].(map[string]any); ok {
		if jwk, ok := cnf["jwk"].(map[string]any); ok {
			c.HolderJWK = jwk
		}
		c.HolderID, _ = cnf["kid"].(string)
	}
	return c, pr, nil
}

func claimTime(claims map[string]any, name string) time.Time {
	t, ok, err := jose.NumericDate(claims, name)
	if !ok || err != nil {
		return time.Time{}
	}
	return t
}
