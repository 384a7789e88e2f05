package wallet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/oid4vci"
)

// Authorize is the redirect step of the authorization code flow: the
// wallet hands the authorization request URL to whoever authenticates the
// user (a browser, or a machine wallet answering itself) and gets back the
// redirect URL the authorization server sent to redirect_uri.
type Authorize func(ctx context.Context, authorizationURL string) (redirectURL string, err error)

// parResponse is the RFC 9126 §2.2 answer.
type parResponse struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int    `json:"expires_in"`
}

// authorizationCode runs the authorization code grant (§5, RFC 6749
// §4.1) with PKCE S256 (RFC 7636), state, the RFC 9207 iss check, PAR
// (RFC 9126) when the authorization server offers it (required when it
// says so), scope from the configurations that list one and
// authorization_details otherwise, issuer_state from the offer, and
// dpop_jkt at PAR when DPoP is used.
func (c *Client) authorizationCode(ctx context.Context, s *Session, useDPoP bool, att *clientAuth) (*oid4vci.TokenRequest, error) {
	as := s.AS
	if c.cfg.Authorize == nil || c.cfg.RedirectURI == "" {
		return nil, fmt.Errorf("%w: the authorization code flow needs Config.Authorize and Config.RedirectURI", ErrConfig)
	}
	clientID := s.clientID
	if clientID == "" {
		return nil, fmt.Errorf("%w: the authorization code flow needs a ClientID or a ClientAttestation", ErrConfig)
	}
	if as.AuthorizationEndpoint == "" {
		return nil, fmt.Errorf("%w: authorization server without authorization_endpoint", ErrMetadata)
	}
	if err := c.checkEndpoint("authorization_endpoint", as.AuthorizationEndpoint); err != nil {
		return nil, err
	}
	if len(as.CodeChallengeMethodsSupported) > 0 && !slices.Contains(as.CodeChallengeMethodsSupported, "S256") {
		return nil, fmt.Errorf("%w: authorization server without PKCE S256", ErrUnsupported)
	}
	verifier := rand.Text() + rand.Text() // 52 characters of base32, RFC 7636 §4.1
	sum := sha256.Sum256([]byte(verifier))
	state := rand.Text()
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {c.cfg.RedirectURI},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}, "state": {state},
	}
	if g := s.Offer.Grants; g != nil && g.AuthorizationCode != nil && g.AuthorizationCode.IssuerState != "" {
		q.Set("issuer_state", g.AuthorizationCode.IssuerState)
	}
	var scopes []string
	var details []oid4vci.AuthorizationDetail
	for _, id := range s.Offer.ConfigurationIDs() {
		cfg := s.Metadata.CredentialConfigurations[id]
		if cfg != nil && cfg.Scope != "" {
			scopes = append(scopes, cfg.Scope)
			continue
		}
		details = append(details, oid4vci.AuthorizationDetail{Type: oid4vci.AuthorizationDetailsType, CredentialConfigurationID: id})
	}
	if len(scopes) > 0 {
		q.Set("scope", strings.Join(scopes, " "))
	}
	if len(details) > 0 {
		b, err := json.Marshal(details)
		if err != nil {
			return nil, err
		}
		q.Set("authorization_details", string(b))
	}
	authURL, err := url.Parse(as.AuthorizationEndpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: authorization_endpoint: %w", ErrMetadata, err)
	}
	switch {
	case as.PushedAuthorizationRequestEndpoint != "":
		if err := c.checkEndpoint("pushed_authorization_request_endpoint", as.PushedAuthorizationRequestEndpoint); err != nil {
			return nil, err
		}
		if useDPoP {
			tp, err := crypto.Thumbprint(c.cfg.DPoPKey.Public())
			if err != nil {
				return nil, err
			}
			q.Set("dpop_jkt", tp)
		}
		hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if err := att.headers(ctx, hdr, as.Issuer, c.cfg.Now()); err != nil {
			return nil, err
		}
		res, err := c.post(ctx, as.PushedAuthorizationRequestEndpoint, []byte(q.Encode()), hdr)
		if err != nil {
			return nil, err
		}
		if res.status != http.StatusCreated && res.status != http.StatusOK {
			if pe := c.protocolError(res); pe != nil {
				return nil, fmt.Errorf("wallet: PAR endpoint: %w", pe)
			}
			return nil, fmt.Errorf("%w: PAR endpoint answered %d", ErrResponse, res.status)
		}
		var pr parResponse
		if err := json.Unmarshal(res.body, &pr); err != nil || pr.RequestURI == "" || pr.ExpiresIn <= 0 {
			return nil, fmt.Errorf("%w: PAR response without request_uri and expires_in", ErrResponse)
		}
		authURL.RawQuery = url.Values{"client_id": {clientID}, "request_uri": {pr.RequestURI}}.Encode()
	case as.RequirePushedAuthorizationRequests:
		return nil, fmt.Errorf("%w: PAR required but no pushed_authorization_request_endpoint", ErrMetadata)
	default:
		authURL.RawQuery = q.Encode()
	}
	redirect, err := c.cfg.Authorize(ctx, authURL.String())
	if err != nil {
		return nil, fmt.Errorf("wallet: authorization: %w", err)
	}
	ru, err := url.Parse(redirect)
	if err != nil {
		return nil, fmt.Errorf("%w: authorization response is not a URL", ErrResponse)
	}
	want, _ := url.Parse(c.cfg.RedirectURI)
	if ru.Scheme != want.Scheme || ru.Host != want.Host || ru.Path != want.Path {
		return nil, fmt.Errorf("%w: authorization response not at redirect_uri", ErrResponse)
	}
	rq := ru.Query()
	if rq.Get("state") != state {
		return nil, fmt.Errorf("%w: authorization response state mismatch", ErrResponse)
	}
	// RFC 9207: iss must match when present, and is required when the AS
	// advertises authorization_response_iss_parameter_supported.
	issRequired := false
	if raw, ok := as.Extra["authorization_response_iss_parameter_supported"]; ok {
		_ = json.Unmarshal(raw, &issRequired)
	}
	if iss, ok := rq["iss"]; ok || issRequired {
		if !ok || len(iss) != 1 || iss[0] != as.Issuer {
			return nil, fmt.Errorf("%w: authorization response iss does not name the authorization server (RFC 9207)", ErrResponse)
		}
	}
	if e := rq.Get("error"); e != "" {
		return nil, fmt.Errorf("wallet: authorization: %w", &oid4vci.Error{Code: oid4vci.ErrorCode(e), Description: rq.Get("error_description")})
	}
	code := rq.Get("code")
	if code == "" {
		return nil, fmt.Errorf("%w: authorization response without code", ErrResponse)
	}
	return &oid4vci.TokenRequest{
		GrantType: oid4vci.GrantTypeAuthorizationCode, Code: code, RedirectURI: c.cfg.RedirectURI,
		CodeVerifier: verifier, ClientID: clientID,
	}, nil
}
