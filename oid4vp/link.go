package oid4vp

import (
	"net/url"
	"slices"
	"strings"
)

// MaxLinkBytes bounds a link (a QR code holds far less; a request passed
// by value in a same-device link can be larger).
const MaxLinkBytes = 128 << 10

// LinkOptions configure ParseLink. The zero value accepts openid4vp:// and
// https links of OpenID4VP 1.0.
type LinkOptions struct {
	Profile Profile
	// Schemes are further custom schemes the wallet is registered for
	// (for example SchemeHAIP, or a deployment's own), lower case.
	Schemes []string
	// InsecureAllowHTTP accepts http:// links to loopback hosts (tests).
	InsecureAllowHTTP bool
}

// Link is a parsed wallet invocation link (§9): the custom scheme
// openid4vp://, a configured custom scheme, or an https URL (universal or
// app link, or a wallet's authorization endpoint).
type Link struct {
	// Scheme is the link's scheme, lower case.
	Scheme string
	// Endpoint is the link without its query (the authorization endpoint).
	Endpoint string
	// Request holds the parameters (decoded only: call ValidateReference
	// or Validate depending on Request.ByReference).
	Request *AuthorizationRequest
}

// ParseLink parses a link that invokes a wallet: at most MaxLinkBytes, a
// scheme the options accept, the query decoded with ParseQuery. It does
// not validate the request: a link usually only passes client_id and
// request_uri.
func ParseLink(raw string, o LinkOptions) (*Link, error) {
	if len(raw) > MaxLinkBytes {
		return nil, newErr(CodeInvalidRequest, ErrTooLarge, "link longer than %d bytes", MaxLinkBytes)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, invalidRequest(ErrMalformed, "link is not a URL")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == SchemeOpenID4VP, slices.Contains(o.Schemes, scheme) && scheme != "":
	case scheme == "https":
		if u.Host == "" {
			return nil, invalidRequest(ErrMalformed, "https link without host")
		}
	case scheme == "http" && o.InsecureAllowHTTP && isLoopback(u.Hostname()):
	default:
		return nil, invalidRequest(ErrUnsupportedScheme, "link scheme %q", truncate(u.Scheme))
	}
	if u.User != nil {
		return nil, invalidRequest(ErrMalformed, "link with user info")
	}
	if u.Opaque != "" {
		// openid4vp:?client_id=… (no //) is the form §13.1.2's
		// authorization_endpoint "openid4vp:" produces.
		if scheme == "https" || strings.ContainsAny(u.Opaque, "/?#") {
			return nil, invalidRequest(ErrMalformed, "link is not hierarchical")
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, invalidRequest(ErrMalformed, "link query: %v", err)
	}
	req, err := ParseQuery(q, o.Profile)
	if err != nil {
		return nil, err
	}
	e := *u
	e.RawQuery, e.ForceQuery, e.Fragment, e.RawFragment = "", false, "", ""
	return &Link{Scheme: scheme, Endpoint: e.String(), Request: req}, nil
}

// Link encodes the request as a link to endpoint ("openid4vp://",
// "haip-vp://", "https://wallet.example.com/authorize"): endpoint with the
// request's Values as query. For a link passing a Request Object by
// reference, set only ClientID, RequestURI and RequestURIMethod.
func (r *AuthorizationRequest) Link(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" {
		return "", invalidRequest(ErrMalformed, "link endpoint is not an absolute URL")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", invalidRequest(ErrMalformed, "link endpoint must have no query or fragment")
	}
	v, err := r.Values()
	if err != nil {
		return "", err
	}
	if u.Opaque == "" && u.Host == "" && u.Path == "" {
		// "openid4vp://" → "openid4vp://?…"
		return u.Scheme + "://?" + v.Encode(), nil
	}
	u.RawQuery = v.Encode()
	return u.String(), nil
}

// RequestURIPost is the body a wallet posts to request_uri with
// request_uri_method=post (§5.10).
type RequestURIPost struct {
	WalletMetadata *WalletMetadata
	WalletNonce    string
}

// MaxWalletNonceLength bounds wallet_nonce.
const MaxWalletNonceLength = 512

// Values encodes the POST body (application/x-www-form-urlencoded).
func (p *RequestURIPost) Values() (url.Values, error) {
	v := url.Values{}
	if p.WalletMetadata != nil {
		b, err := p.WalletMetadata.MarshalJSON()
		if err != nil {
			return nil, err
		}
		v.Set("wallet_metadata", string(b))
	}
	if p.WalletNonce != "" {
		v.Set("wallet_nonce", p.WalletNonce)
	}
	return v, nil
}

// ParseRequestURIPost decodes the body of a request_uri POST on the
// verifier side: wallet_metadata with ParseWalletMetadata, wallet_nonce
// URL-safe within MaxWalletNonceLength, each at most once; other
// parameters are ignored (§5.10).
func ParseRequestURIPost(form url.Values) (*RequestURIPost, error) {
	if len(form) > MaxParameters {
		return nil, newErr(CodeInvalidRequest, ErrTooLarge, "more than %d parameters", MaxParameters)
	}
	p := &RequestURIPost{}
	for _, k := range []string{"wallet_metadata", "wallet_nonce"} {
		if vs := form[k]; len(vs) > 1 {
			return nil, invalidRequest(ErrDuplicateParameter, "parameter %q given %d times", k, len(vs))
		}
	}
	if s := form.Get("wallet_metadata"); s != "" {
		m, err := ParseWalletMetadata([]byte(s))
		if err != nil {
			return nil, err
		}
		p.WalletMetadata = m
	}
	if n := form.Get("wallet_nonce"); n != "" {
		if len(n) > MaxWalletNonceLength || !urlSafe(n) {
			return nil, invalidRequest(ErrInvalidParameter, "wallet_nonce must be at most %d URL-safe characters", MaxWalletNonceLength)
		}
		p.WalletNonce = n
	}
	return p, nil
}
