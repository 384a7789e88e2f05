package issuer

import (
	"context"
	gocrypto "crypto"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/presentation/w3c"
)

// AuthorizationServer is an external OAuth authorization server whose JWT
// access tokens (RFC 9068, typ at+jwt) the credential, deferred and
// notification endpoints accept (the authorization code flow; the issuer
// does not become an authorization server for it). It is listed in
// authorization_servers next to the issuer's own pre-authorized token
// endpoint (§12.2.4).
type AuthorizationServer struct {
	// Issuer is the AS issuer identifier, the iss of its tokens.
	Issuer string
	// JWKS gives its signing keys, e.g. a *w3c.JWKSFetcher over the guarded
	// fetcher with the AS metadata's jwks_uri (cached with a TTL).
	JWKS w3c.JWKSSource
	// Grant maps a verified token to what the plugins need (the subject
	// and the claims data), e.g. by looking up the user or the issuer_state
	// the AS recorded. Required.
	Grant func(ctx context.Context, t *ExternalToken) (*ExternalGrant, error)
}

// ExternalToken is a verified access token of an external AS.
type ExternalToken struct {
	Issuer, Subject, ClientID, Scope string
	// AuthorizationDetails are its openid_credential authorization details.
	AuthorizationDetails []oid4vci.AuthorizationDetail
	// Claims is the whole claims set.
	Claims map[string]any
}

// ExternalGrant is the issuance data for an external token.
type ExternalGrant struct {
	Subject string
	Claims  map[string]any
}

type externalClaims struct {
	Iss                  string                        `json:"iss"`
	Sub                  string                        `json:"sub"`
	Aud                  json.RawMessage               `json:"aud"`
	ClientID             string                        `json:"client_id"`
	Exp                  int64                         `json:"exp"`
	Scope                string                        `json:"scope"`
	AuthorizationDetails []oid4vci.AuthorizationDetail `json:"authorization_details"`
	Cnf                  *struct {
		JKT string `json:"jkt"`
	} `json:"cnf"`
}

// peekIssuer reads iss from an unverified JWT (to select the verifier).
func peekIssuer(tok string) string {
	j, err := jose.Parse(tok, jose.ParseOptions{AllowAnyTyp: true, Algorithms: []crypto.Algorithm{"ES256", "ES384", "ES512", "EdDSA", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"}, MaxSize: 16 << 10})
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	_ = json.Unmarshal(j.Payload, &c)
	return c.Iss
}

// externalGrant verifies a token of an external AS and builds the grant.
func (i *Issuer) externalGrant(ctx context.Context, as *AuthorizationServer, tok string, sch oid4vci.AuthScheme) (*grant, string, error) {
	invalid := func(desc string) error { return i.tokenError(sch, oid4vci.CodeInvalidToken, desc) }
	j, err := jose.Verify(ctx, tok, jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: i.asAlgs(), Typ: []string{AccessTokenType}, MaxSize: 16 << 10},
		Resolver: jose.KeyResolverFunc(func(ctx context.Context, j *jose.JWS) (gocrypto.PublicKey, error) {
			keys, err := as.JWKS.IssuerJWKS(ctx, as.Issuer)
			if err != nil {
				return nil, err
			}
			return w3c.SelectJWK(keys, j.Header.Kid)
		}),
	})
	if err != nil {
		return nil, "", invalid("access token invalid")
	}
	var c externalClaims
	if err := json.Unmarshal(j.Payload, &c); err != nil || c.Iss != as.Issuer || c.Sub == "" || c.Exp == 0 {
		return nil, "", invalid("access token invalid")
	}
	if !audContains(c.Aud, i.id) && !audContains(c.Aud, i.cfg.Issuer) {
		return nil, "", invalid("access token not issued for this issuer")
	}
	if !i.now().Before(time.Unix(c.Exp, 0).Add(i.cfg.Leeway)) {
		return nil, "", invalid("access token expired")
	}
	var m map[string]any
	_ = json.Unmarshal(j.Payload, &m)
	et := &ExternalToken{Issuer: c.Iss, Subject: c.Sub, ClientID: c.ClientID, Scope: c.Scope, Claims: m}
	g := &grant{scheme: sch}
	g.claims.ClientID = c.ClientID
	for _, d := range c.AuthorizationDetails {
		if d.Type != oid4vci.AuthorizationDetailsType || i.configs[d.CredentialConfigurationID] == nil {
			continue
		}
		et.AuthorizationDetails = append(et.AuthorizationDetails, d)
		if len(d.CredentialIdentifiers) == 0 {
			d.CredentialIdentifiers = []string{d.CredentialConfigurationID}
		}
		g.claims.AuthorizationDetails = append(g.claims.AuthorizationDetails, d)
	}
	// scope: every configuration whose scope the token carries.
	scopes := strings.Fields(c.Scope)
	for _, id := range sortedKeys(i.configs) {
		if cfg := i.configs[id]; cfg.Scope != "" && slices.Contains(scopes, cfg.Scope) {
			g.claims.AuthorizationDetails = append(g.claims.AuthorizationDetails, oid4vci.AuthorizationDetail{
				Type: oid4vci.AuthorizationDetailsType, CredentialConfigurationID: id, CredentialIdentifiers: []string{id},
			})
		}
	}
	if len(g.claims.AuthorizationDetails) == 0 {
		return nil, "", i.tokenError(sch, oid4vci.CodeInsufficientScope, "the access token grants no credential configuration")
	}
	eg, err := as.Grant(ctx, et)
	if err != nil {
		return nil, "", err
	}
	if eg == nil {
		return nil, "", invalid("no issuance data for this access token")
	}
	g.offer = &Offer{ID: "as:" + hashHex(c.Iss, c.Sub)[:32], Subject: eg.Subject, Claims: eg.Claims, Redeemed: true}
	jkt := ""
	if c.Cnf != nil {
		jkt = c.Cnf.JKT
	}
	return g, jkt, nil
}

func audContains(raw json.RawMessage, want string) bool {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s == want
	}
	var a []string
	if json.Unmarshal(raw, &a) == nil {
		return slices.Contains(a, want)
	}
	return false
}

// asAlgs is the allow-list for external access tokens: the proof list.
func (i *Issuer) asAlgs() []crypto.Algorithm { return i.proofAlg }
