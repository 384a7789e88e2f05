package issuer

import (
	"context"
	gocrypto "crypto"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/presentation/w3c"
)

// AuthorizationServer is an external OAuth authorization server whose
// access tokens the credential, deferred and notification endpoints accept
// (the authorization code flow; the issuer does not become an
// authorization server for it): JWT access tokens (RFC 9068, typ at+jwt)
// verified against its JWKS, or any token (opaque ones included) checked by
// RFC 7662 introspection. It is listed in authorization_servers next to the
// issuer's own pre-authorized token endpoint (§12.2.4).
//
// A token is correlated with an offer of CreateOffer (GrantAuthorizationCode)
// by its issuer_state: a claim of the token (or of the introspection
// response), or a member of one of its openid_credential
// authorization_details, which the AS copies from the authorization
// request. The offer then supplies the subject and claims data, and the
// credentials are limited to the configurations both offered and granted.
// The first token redeems the offer for its (AS, sub); later tokens of the
// same user (refreshed at the AS) keep working, tokens of another user with
// the same issuer_state are refused. Tokens without issuer_state are handed
// to Grant.
type AuthorizationServer struct {
	// Issuer is the AS issuer identifier, the iss of its tokens.
	Issuer string
	// JWKS gives its signing keys, e.g. a *w3c.JWKSFetcher over the guarded
	// fetcher with the AS metadata's jwks_uri (cached with a TTL). Needed
	// for JWT access tokens unless Introspection is set.
	JWKS w3c.JWKSSource
	// Introspection, when set, checks tokens by RFC 7662 introspection:
	// opaque tokens always, JWTs of this AS when JWKS is nil.
	Introspection *Introspection
	// Grant maps a verified token without issuer_state to what the plugins
	// need (the subject and the claims data), e.g. by looking up the user.
	// Nil refuses such tokens.
	Grant func(ctx context.Context, t *ExternalToken) (*ExternalGrant, error)
}

// ExternalToken is a verified access token of an external AS.
type ExternalToken struct {
	Issuer, Subject, ClientID, Scope string
	// IssuerState is the issuer_state the token carries ("" for none).
	IssuerState string
	// AuthorizationDetails are its openid_credential authorization details.
	AuthorizationDetails []oid4vci.AuthorizationDetail
	// Claims is the whole claims set (or introspection response).
	Claims map[string]any
	// Introspected reports that the token was checked by introspection.
	Introspected bool
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
	Nbf                  int64                         `json:"nbf"`
	Scope                string                        `json:"scope"`
	IssuerState          string                        `json:"issuer_state"`
	AuthorizationDetails []oid4vci.AuthorizationDetail `json:"authorization_details"`
	Cnf                  *struct {
		JKT string `json:"jkt"`
	} `json:"cnf"`
}

var peekAlgs = []crypto.Algorithm{"ES256", "ES384", "ES512", "EdDSA", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"}

// peekIssuer reads iss from an unverified JWT (to select the verifier); ""
// for a token that is not a JWT.
func peekIssuer(tok string) string {
	j, err := jose.Parse(tok, jose.ParseOptions{AllowAnyTyp: true, Algorithms: peekAlgs, MaxSize: 16 << 10})
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	_ = json.Unmarshal(j.Payload, &c)
	return c.Iss
}

// looksLikeJWT reports whether tok has the shape of a compact JWS.
func looksLikeJWT(tok string) bool { return strings.Count(tok, ".") == 2 }

// verifyExternalJWT verifies a JWT access token of as against its JWKS.
func (i *Issuer) verifyExternalJWT(ctx context.Context, as *AuthorizationServer, tok string) (*externalClaims, []byte, error) {
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
		return nil, nil, errExternal("access token invalid")
	}
	var c externalClaims
	if err := json.Unmarshal(j.Payload, &c); err != nil || c.Iss != as.Issuer || c.Exp == 0 {
		return nil, nil, errExternal("access token invalid")
	}
	return &c, j.Payload, nil
}

// errExternal is an invalid_token description, turned into the RFC 6750
// error by externalGrant.
type errExternal string

func (e errExternal) Error() string { return string(e) }

// externalGrant checks a token of an external AS (verified JWT or
// introspection) and builds the grant; it returns the cnf.jkt binding.
func (i *Issuer) externalGrant(ctx context.Context, as *AuthorizationServer, tok string, sch oid4vci.AuthScheme) (*grant, string, error) {
	var (
		c            *externalClaims
		payload      []byte
		err          error
		introspected bool
	)
	if as.JWKS != nil && looksLikeJWT(tok) {
		c, payload, err = i.verifyExternalJWT(ctx, as, tok)
	} else {
		c, payload, err = i.introspect(ctx, as, tok)
		introspected = true
	}
	if err != nil {
		var ee errExternal
		if errors.As(err, &ee) {
			return nil, "", i.tokenError(sch, oid4vci.CodeInvalidToken, string(ee))
		}
		return nil, "", err
	}
	g, err := i.grantFromExternal(ctx, as, c, payload, introspected, sch)
	if err != nil {
		return nil, "", err
	}
	jkt := ""
	if c.Cnf != nil {
		jkt = c.Cnf.JKT
	}
	return g, jkt, nil
}

func (i *Issuer) grantFromExternal(ctx context.Context, as *AuthorizationServer, c *externalClaims, payload []byte, introspected bool, sch oid4vci.AuthScheme) (*grant, error) {
	invalid := func(desc string) error { return i.tokenError(sch, oid4vci.CodeInvalidToken, desc) }
	now := i.now()
	if c.Sub == "" {
		return nil, invalid("access token without sub")
	}
	if !audContains(c.Aud, i.id) && !audContains(c.Aud, i.cfg.Issuer) {
		return nil, invalid("access token not issued for this issuer")
	}
	if c.Exp == 0 || !now.Before(time.Unix(c.Exp, 0).Add(i.cfg.Leeway)) {
		return nil, invalid("access token expired")
	}
	if c.Nbf != 0 && time.Unix(c.Nbf, 0).After(now.Add(i.cfg.Leeway)) {
		return nil, invalid("access token not yet valid")
	}
	var m map[string]any
	_ = json.Unmarshal(payload, &m)
	et := &ExternalToken{Issuer: as.Issuer, Subject: c.Sub, ClientID: c.ClientID, Scope: c.Scope, Claims: m, Introspected: introspected}
	g := &grant{scheme: sch}
	g.claims.ClientID = c.ClientID
	state := c.IssuerState
	for _, d := range c.AuthorizationDetails {
		if d.Type != oid4vci.AuthorizationDetailsType {
			continue
		}
		if raw, ok := d.Extra["issuer_state"]; ok && state == "" {
			_ = json.Unmarshal(raw, &state)
		}
		if i.configs[d.CredentialConfigurationID] == nil {
			continue
		}
		et.AuthorizationDetails = append(et.AuthorizationDetails, d)
		if len(d.CredentialIdentifiers) == 0 {
			d.CredentialIdentifiers = []string{d.CredentialConfigurationID}
		}
		g.claims.AuthorizationDetails = append(g.claims.AuthorizationDetails, d)
	}
	et.IssuerState = state
	// scope: every configuration whose scope the token carries.
	scopes := strings.Fields(c.Scope)
	for _, id := range sortedKeys(i.configs) {
		if cfg := i.configs[id]; cfg.Scope != "" && slices.Contains(scopes, cfg.Scope) && !g.covers(id) {
			g.claims.AuthorizationDetails = append(g.claims.AuthorizationDetails, oid4vci.AuthorizationDetail{
				Type: oid4vci.AuthorizationDetailsType, CredentialConfigurationID: id, CredentialIdentifiers: []string{id},
			})
		}
	}
	if state != "" {
		o, err := i.correlate(ctx, as, c, state, now)
		if errors.Is(err, errNoOffer) && as.Grant != nil {
			// Not one of our offers' issuer_states: the Grant callback
			// may know it (ExternalToken.IssuerState).
			o, err = nil, nil
		}
		if err != nil {
			var ee errExternal
			if errors.As(err, &ee) {
				return nil, invalid(string(ee))
			}
			return nil, err
		}
		if o != nil {
			// Only what was both offered and granted.
			g.claims.AuthorizationDetails = slices.DeleteFunc(g.claims.AuthorizationDetails, func(d oid4vci.AuthorizationDetail) bool {
				return !slices.Contains(o.ConfigurationIDs, d.CredentialConfigurationID)
			})
			g.offer = o
		}
	}
	if len(g.claims.AuthorizationDetails) == 0 {
		return nil, i.tokenError(sch, oid4vci.CodeInsufficientScope, "the access token grants no credential configuration")
	}
	if g.offer != nil {
		return g, nil
	}
	if as.Grant == nil {
		return nil, invalid("access token without issuer_state")
	}
	eg, err := as.Grant(ctx, et)
	if err != nil {
		return nil, err
	}
	if eg == nil {
		return nil, invalid("no issuance data for this access token")
	}
	g.offer = &Offer{ID: "as:" + hashHex(as.Issuer, c.Sub)[:32], Subject: eg.Subject, Claims: eg.Claims, Redeemed: true}
	return g, nil
}

func (g *grant) covers(id string) bool {
	return slices.ContainsFunc(g.claims.AuthorizationDetails, func(d oid4vci.AuthorizationDetail) bool { return d.CredentialConfigurationID == id })
}

// errNoOffer: the issuer_state names no live offer of this issuer.
var errNoOffer = errExternal("issuer_state unknown or expired")

// externalHolder names the user of an external AS that redeemed an offer.
func externalHolder(as, sub string) string { return hashHex("holder", as, sub) }

// correlate finds the offer of an issuer_state (offer id "." secret, the
// secret compared in constant time with its stored hash) and redeems it for
// the token's user, or checks that this user redeemed it.
func (i *Issuer) correlate(ctx context.Context, as *AuthorizationServer, c *externalClaims, state string, now time.Time) (*Offer, error) {
	id, secret, ok := strings.Cut(state, ".")
	if !ok || id == "" || secret == "" || len(state) > 256 {
		return nil, errNoOffer
	}
	holder := externalHolder(as.Issuer, c.Sub)
	for attempt := 0; attempt < 2; attempt++ {
		o, err := i.cfg.Offers.Get(ctx, id, now)
		if errors.Is(err, ErrNotFound) {
			return nil, errNoOffer
		}
		if err != nil {
			return nil, err
		}
		if o.IssuerStateHash == "" || !macEqual(hashHex("issuer_state", o.ID, secret), o.IssuerStateHash) {
			return nil, errNoOffer
		}
		if o.Redeemed {
			if o.Holder == "" || !macEqual(o.Holder, holder) {
				return nil, errExternal("offer already redeemed by another grant")
			}
			return o, nil
		}
		r, err := i.cfg.Offers.Redeem(ctx, o.CodeHash, Redemption{
			Now: now, MaxAttempts: i.cfg.MaxTxCodeAttempts, GrantExpiresAt: now.Add(i.cfg.ExternalGrantTTL),
			ClientID: c.ClientID, Holder: holder,
		})
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		// Redeemed concurrently (by this user's other request, or by the
		// pre-authorized code): look again.
	}
	return nil, errExternal("offer already redeemed")
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
