package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
)

// AccessTokenType is the typ of the issuer's access tokens (RFC 9068 §2.1).
const AccessTokenType = "at+jwt"

const maxFormBytes = 64 << 10

// accessTokenClaims are the RFC 9068 claims of the issuer's access tokens.
// sub is the offer id (a pseudonym; the offer's subject never leaves the
// issuer).
type accessTokenClaims struct {
	Iss                  string                        `json:"iss"`
	Sub                  string                        `json:"sub"`
	Aud                  string                        `json:"aud"`
	ClientID             string                        `json:"client_id,omitempty"`
	Iat                  int64                         `json:"iat"`
	Exp                  int64                         `json:"exp"`
	JTI                  string                        `json:"jti"`
	AuthorizationDetails []oid4vci.AuthorizationDetail `json:"authorization_details"`
	Cnf                  *struct {
		JKT string `json:"jkt"`
	} `json:"cnf,omitempty"`
}

// TokenHandler is the token endpoint (§6) for the pre-authorized code grant:
// the code is redeemed atomically and once; a transaction code is required
// iff the offer has one and compared in constant time, and after
// MaxTxCodeAttempts wrong codes the pre-authorized code is invalidated. The
// access token is an at+jwt bound to the offer (and to the DPoP key when the
// request carries a DPoP proof).
func (i *Issuer) TokenHandler() http.Handler {
	return i.timed("token", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		resp, dpopNonce, err := i.token(ctx, w, r)
		if dpopNonce != "" {
			w.Header().Set("DPoP-Nonce", dpopNonce)
		}
		if err != nil {
			i.fail(ctx, w, "token", err)
			return
		}
		i.metrics.Record(ctx, Event{Kind: EventTokenIssued, Endpoint: "token"})
		writeJSON(w, http.StatusOK, resp)
	})
}

func errTok(code oid4vci.ErrorCode, desc string) *oid4vci.Error { return oid4vci.NewError(code, desc) }

func (i *Issuer) token(ctx context.Context, w http.ResponseWriter, r *http.Request) (*oid4vci.TokenResponse, string, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return nil, "", errTok(oid4vci.CodeInvalidRequest, "content type must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, "", errTok(oid4vci.CodeInvalidRequest, "malformed form body").Wrap(err)
	}
	req, err := i.parser.TokenRequest(r.PostForm)
	if err != nil {
		return nil, "", err
	}
	refresh := req.GrantType == oid4vci.GrantTypeRefreshToken && i.cfg.RefreshTokens
	if req.GrantType != oid4vci.GrantTypePreAuthorizedCode && !refresh {
		return nil, "", errTok(oid4vci.CodeUnsupportedGrantType, "only the pre-authorized code grant is supported")
	}
	// Client authentication by wallet attestation (HAIP) sets client_id.
	attested, err := i.checkClientAttestation(ctx, r)
	if err != nil {
		return nil, "", err
	}
	if attested != "" {
		if req.ClientID != "" && req.ClientID != attested {
			return nil, "", errTok(oid4vci.CodeInvalidClient, "client_id is not the attested client")
		}
		req.ClientID = attested
	}
	if req.ClientID == "" && !i.cfg.AnonymousAccess {
		return nil, "", errTok(oid4vci.CodeInvalidClient, "anonymous access is not supported: client_id required")
	}
	// DPoP is checked before the code is touched: a bad proof burns nothing.
	dp, err := i.checkDPoP(ctx, r, "")
	if err != nil {
		var e *oid4vci.Error
		if errors.As(err, &e) && e.Code == oid4vci.CodeUseDPoPNonce {
			return nil, "", err
		}
		return nil, "", err
	}
	if dp == nil && i.cfg.DPoP.Required {
		return nil, "", errTok(oid4vci.CodeInvalidDPoPProof, "a DPoP proof is required")
	}
	now := i.now()
	if refresh {
		return i.refresh(ctx, req, dp, now)
	}
	codeHash := hashHex("code", req.PreAuthorizedCode)
	red := Redemption{Now: now, MaxAttempts: i.cfg.MaxTxCodeAttempts}
	o, err := i.cfg.Offers.ByCode(ctx, codeHash, red)
	if errors.Is(err, ErrNotFound) {
		return nil, "", errTok(oid4vci.CodeInvalidGrant, "pre-authorized code invalid, expired or already used")
	}
	if err != nil {
		return nil, "", err
	}
	tx := req.TransactionCode()
	_, txSent := r.PostForm["tx_code"]
	if _, pin := r.PostForm["user_pin"]; pin && i.cfg.Profile == oid4vci.ProfileLegacy {
		txSent = true
	}
	switch {
	case o.TxCodeHash != "" && !txSent:
		return nil, "", errTok(oid4vci.CodeInvalidRequest, "tx_code required")
	case o.TxCodeHash == "" && txSent:
		return nil, "", errTok(oid4vci.CodeInvalidRequest, "tx_code not expected")
	case o.TxCodeHash != "" && !macEqual(hashHex("tx", codeHash, tx), o.TxCodeHash):
		left, ferr := i.cfg.Offers.Fail(ctx, codeHash, i.cfg.MaxTxCodeAttempts)
		if ferr != nil && !errors.Is(ferr, ErrNotFound) {
			return nil, "", ferr
		}
		i.log.InfoContext(ctx, "issuer: wrong transaction code", "offer", LogID(o.ID), "attempts_left", left)
		return nil, "", errTok(oid4vci.CodeInvalidGrant, "wrong transaction code")
	}
	ids := o.ConfigurationIDs
	if len(req.AuthorizationDetails) > 0 {
		ids = nil
		for _, d := range req.AuthorizationDetails {
			if d.Type != oid4vci.AuthorizationDetailsType {
				return nil, "", errTok(oid4vci.CodeInvalidAuthorizationDetails, "unsupported authorization details type")
			}
			if !slices.Contains(o.ConfigurationIDs, d.CredentialConfigurationID) {
				return nil, "", errTok(oid4vci.CodeInvalidAuthorizationDetails, "credential configuration not offered")
			}
			if !slices.Contains(ids, d.CredentialConfigurationID) {
				ids = append(ids, d.CredentialConfigurationID)
			}
		}
	}
	exp := now.Add(i.cfg.AccessTokenTTL)
	red.GrantExpiresAt, red.ClientID = exp, req.ClientID
	if i.cfg.RefreshTokens {
		// The grant lives as long as its refresh tokens may.
		red.GrantExpiresAt = now.Add(i.cfg.RefreshTokenTTL)
	}
	if dp != nil {
		red.DPoPJKT = dp.jkt
	}
	o, err = i.cfg.Offers.Redeem(ctx, codeHash, red)
	if errors.Is(err, ErrNotFound) {
		return nil, "", errTok(oid4vci.CodeInvalidGrant, "pre-authorized code invalid, expired or already used")
	}
	if err != nil {
		return nil, "", err
	}
	var rt *RefreshToken
	if i.cfg.RefreshTokens {
		rt = &RefreshToken{Family: randomID(16), OfferID: o.ID, ClientID: req.ClientID, DPoPJKT: o.DPoPJKT, ExpiresAt: o.GrantExpiresAt}
	}
	return i.mint(ctx, o, ids, req.ClientID, dp, now, exp, rt)
}

// mint signs the access token of a grant and builds the token response
// (with a refresh token of rt's family when rt is set).
func (i *Issuer) mint(ctx context.Context, o *Offer, ids []string, clientID string, dp *dpopProof, now, exp time.Time, rt *RefreshToken) (*oid4vci.TokenResponse, string, error) {
	claims := accessTokenClaims{
		Iss: i.id, Sub: o.ID, Aud: i.id, ClientID: clientID, Iat: now.Unix(), Exp: exp.Unix(), JTI: randomID(16),
	}
	for _, id := range ids {
		claims.AuthorizationDetails = append(claims.AuthorizationDetails, oid4vci.AuthorizationDetail{
			Type: oid4vci.AuthorizationDetailsType, CredentialConfigurationID: id, CredentialIdentifiers: []string{id},
		})
	}
	tokenType := "Bearer"
	if dp != nil {
		claims.Cnf = &struct {
			JKT string `json:"jkt"`
		}{dp.jkt}
		tokenType = "DPoP"
	}
	at, err := jose.SignJWT(ctx, i.cfg.Signer, map[string]any{"typ": AccessTokenType}, claims)
	if err != nil {
		return nil, "", err
	}
	resp := &oid4vci.TokenResponse{
		AccessToken: at, TokenType: tokenType, ExpiresIn: int(exp.Sub(now) / time.Second),
		AuthorizationDetails: claims.AuthorizationDetails,
	}
	if rt != nil {
		tok := randomID(32)
		rt.Hash = hashHex("refresh", tok)
		if err := i.cfg.RefreshTokenStore.Put(ctx, rt); err != nil {
			return nil, "", err
		}
		resp.RefreshToken = tok
	}
	if i.cfg.Profile == oid4vci.ProfileLegacy {
		// Draft 13 §6.2: the token response carries the first c_nonce.
		n := randomID(32)
		if err := i.cfg.Nonces.Put(ctx, hashHex("nonce", n), now.Add(i.cfg.NonceTTL)); err != nil {
			return nil, "", err
		}
		resp.CNonce, resp.CNonceExpiresIn = n, int(i.cfg.NonceTTL/time.Second)
	}
	nonce := ""
	if i.cfg.DPoP.Nonces && dp != nil {
		nonce = i.dpopNonce(now)
	}
	return resp, nonce, nil
}

// refresh is the refresh_token grant (RFC 6749 §6): the token is used up
// (single-use rotation; a reused one revokes its family), must belong to
// the client, carries the DPoP binding of the original grant (the request
// must then be DPoP-proven by the same key, RFC 9449 §5), and yields a new
// access token for the offer's configurations and the next refresh token
// of the family, which expires with the grant.
func (i *Issuer) refresh(ctx context.Context, req *oid4vci.TokenRequest, dp *dpopProof, now time.Time) (*oid4vci.TokenResponse, string, error) {
	invalid := func(desc string) error { return errTok(oid4vci.CodeInvalidGrant, desc) }
	rt, err := i.cfg.RefreshTokenStore.Use(ctx, hashHex("refresh", req.RefreshToken), now)
	switch {
	case errors.Is(err, ErrRefreshTokenReused):
		i.log.WarnContext(ctx, "issuer: refresh token reused; its family is revoked")
		return nil, "", invalid("refresh token already used")
	case errors.Is(err, ErrNotFound):
		return nil, "", invalid("refresh token invalid, expired or revoked")
	case err != nil:
		return nil, "", err
	}
	if rt.ClientID != req.ClientID {
		return nil, "", invalid("refresh token of another client")
	}
	if rt.DPoPJKT != "" && (dp == nil || !macEqual(dp.jkt, rt.DPoPJKT)) {
		return nil, "", invalid("refresh token bound to another DPoP key")
	}
	if rt.DPoPJKT == "" && dp != nil {
		return nil, "", invalid("refresh token is not DPoP-bound")
	}
	o, err := i.cfg.Offers.Get(ctx, rt.OfferID, now)
	if errors.Is(err, ErrNotFound) || (err == nil && !o.Redeemed) {
		return nil, "", invalid("grant expired")
	}
	if err != nil {
		return nil, "", err
	}
	exp := now.Add(i.cfg.AccessTokenTTL)
	if rt.ExpiresAt.Before(exp) {
		exp = rt.ExpiresAt
	}
	next := &RefreshToken{Family: rt.Family, OfferID: rt.OfferID, ClientID: rt.ClientID, DPoPJKT: rt.DPoPJKT, ExpiresAt: rt.ExpiresAt}
	return i.mint(ctx, o, o.ConfigurationIDs, rt.ClientID, dp, now, exp, next)
}

// grant is an authenticated access token.
type grant struct {
	offer  *Offer
	claims accessTokenClaims
	scheme oid4vci.AuthScheme
}

// configurationFor returns the configuration id of a credential_identifier or
// credential_configuration_id the token covers.
func (g *grant) configurationFor(identifier, configurationID string) (string, bool) {
	for _, d := range g.claims.AuthorizationDetails {
		if identifier != "" && slices.Contains(d.CredentialIdentifiers, identifier) {
			return d.CredentialConfigurationID, true
		}
		if identifier == "" && configurationID != "" && d.CredentialConfigurationID == configurationID {
			return configurationID, true
		}
	}
	return "", false
}

func (i *Issuer) tokenError(scheme oid4vci.AuthScheme, code oid4vci.ErrorCode, desc string) *oid4vci.Error {
	e := oid4vci.NewError(code, desc)
	e.Scheme = scheme
	if scheme == oid4vci.SchemeDPoP {
		for _, a := range i.proofAlg {
			e.Algs = append(e.Algs, string(a))
		}
	}
	return e
}

// authenticate checks the access token (and DPoP proof) of a request to a
// protected endpoint (RFC 6750, RFC 9449 §7).
func (i *Issuer) authenticate(ctx context.Context, r *http.Request) (*grant, error) {
	challenge := oid4vci.SchemeBearer
	if i.cfg.DPoP.Required {
		challenge = oid4vci.SchemeDPoP
	}
	authz := r.Header.Values("Authorization")
	if len(authz) != 1 {
		return nil, i.tokenError(challenge, "", "")
	}
	scheme, tok, ok := strings.Cut(authz[0], " ")
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" {
		return nil, i.tokenError(challenge, oid4vci.CodeInvalidRequest, "malformed Authorization header")
	}
	var sch oid4vci.AuthScheme
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		sch = oid4vci.SchemeBearer
	case strings.EqualFold(scheme, "DPoP"):
		sch = oid4vci.SchemeDPoP
	default:
		return nil, i.tokenError(challenge, oid4vci.CodeInvalidRequest, "unsupported authorization scheme")
	}
	invalid := func(desc string) error { return i.tokenError(sch, oid4vci.CodeInvalidToken, desc) }
	// Only an issuer with external authorization servers needs to look at
	// iss before verifying: without them every token must be one of ours
	// (a foreign one fails the signature or the iss check below).
	if len(i.external) > 0 {
		var as *AuthorizationServer
		switch iss := peekIssuer(tok); {
		case iss == i.id:
		case iss != "":
			if as = i.external[iss]; as == nil {
				return nil, invalid("access token of an unknown authorization server")
			}
		case !looksLikeJWT(tok) && len(i.opaqueASes) > 0:
			// An opaque token: introspection by the (first) AS that
			// offers it; with several, each in turn until one knows it.
			for _, cand := range i.opaqueASes {
				g, jkt, err := i.externalGrant(ctx, cand, tok, sch)
				var e *oid4vci.Error
				if err != nil && errors.As(err, &e) && e.Code == oid4vci.CodeInvalidToken && cand != i.opaqueASes[len(i.opaqueASes)-1] {
					continue
				}
				if err != nil {
					return nil, err
				}
				if err := i.checkBinding(ctx, r, tok, sch, jkt); err != nil {
					return nil, err
				}
				return g, nil
			}
		}
		if as != nil {
			g, jkt, err := i.externalGrant(ctx, as, tok, sch)
			if err != nil {
				return nil, err
			}
			if err := i.checkBinding(ctx, r, tok, sch, jkt); err != nil {
				return nil, err
			}
			return g, nil
		}
	}
	j, err := jose.Verify(ctx, tok, jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{i.atAlg}, Typ: []string{AccessTokenType}, MaxSize: 16 << 10},
		Key:          i.atPub,
	})
	if err != nil {
		return nil, invalid("access token invalid")
	}
	var c accessTokenClaims
	if err := json.Unmarshal(j.Payload, &c); err != nil {
		return nil, invalid("access token invalid")
	}
	now := i.now()
	if c.Iss != i.id || c.Aud != i.id || c.Sub == "" {
		return nil, invalid("access token not issued for this issuer")
	}
	if !now.Before(time.Unix(c.Exp, 0)) { // our own token: no clock skew to allow for
		return nil, invalid("access token expired")
	}
	bound := c.Cnf != nil && c.Cnf.JKT != ""
	jkt := ""
	if bound {
		jkt = c.Cnf.JKT
	}
	if err := i.checkBinding(ctx, r, tok, sch, jkt); err != nil {
		return nil, err
	}
	o, err := i.cfg.Offers.Get(ctx, c.Sub, now)
	if errors.Is(err, ErrNotFound) || (err == nil && !o.Redeemed) {
		return nil, invalid("grant unknown or expired")
	}
	if err != nil {
		return nil, err
	}
	if bound && !macEqual(o.DPoPJKT, c.Cnf.JKT) {
		return nil, invalid("access token binding mismatch")
	}
	return &grant{offer: o, claims: c, scheme: sch}, nil
}

// checkBinding enforces the token's DPoP binding (jkt, "" for none) and the
// DPoP policy at protected endpoints (RFC 9449 §7).
func (i *Issuer) checkBinding(ctx context.Context, r *http.Request, tok string, sch oid4vci.AuthScheme, jkt string) error {
	bound := jkt != ""
	switch {
	case bound && sch != oid4vci.SchemeDPoP:
		return i.tokenError(oid4vci.SchemeDPoP, oid4vci.CodeInvalidToken, "DPoP-bound access token presented as Bearer")
	case !bound && sch == oid4vci.SchemeDPoP:
		return i.tokenError(sch, oid4vci.CodeInvalidToken, "access token is not DPoP-bound")
	case !bound && i.cfg.DPoP.Required:
		return i.tokenError(oid4vci.SchemeDPoP, oid4vci.CodeInvalidToken, "DPoP-bound access token required")
	case !bound:
		return nil
	}
	dp, err := i.checkDPoP(ctx, r, tok)
	if err != nil {
		var e *oid4vci.Error
		if errors.As(err, &e) {
			c := *e
			c.Scheme = oid4vci.SchemeDPoP
			c.Algs = i.tokenError(oid4vci.SchemeDPoP, "", "").Algs
			return &c
		}
		return err
	}
	if dp == nil {
		return i.tokenError(oid4vci.SchemeDPoP, oid4vci.CodeInvalidDPoPProof, "DPoP proof required")
	}
	if !macEqual(dp.jkt, jkt) {
		return i.tokenError(oid4vci.SchemeDPoP, oid4vci.CodeInvalidDPoPProof, "DPoP proof key does not match the access token")
	}
	return nil
}
