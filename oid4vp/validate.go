package oid4vp

import (
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/presentation/dcql"
)

// ValidateOptions configure Validate. The zero value is the strict 1.0
// behaviour of a wallet that supports no transaction data type.
type ValidateOptions struct {
	Profile Profile
	// Signed states that the parameters come from a Request Object whose
	// signature the caller verified; prefixes that require signing are
	// rejected otherwise, and redirect_uri is rejected when set (§5.9.3).
	Signed bool
	// TransactionDataTypes lists the transaction data types the caller
	// implements. A request carrying transaction_data of any other type —
	// or any transaction_data when the list is empty — is rejected with
	// invalid_transaction_data (§5.1).
	TransactionDataTypes []string
	// MinNonceLength is a policy minimum for nonce (for example 16, as the
	// OIDF conformance suite checks). Zero accepts any non-empty nonce of
	// URL-safe characters, as §5.2 requires (the spec's own examples use
	// 12 characters).
	MinNonceLength int
	// SkipRedirectHostCheck lets an x509_san_dns client use a response_uri
	// or redirect_uri on another host. Set it only for clients on a
	// trusted list (§5.9.3).
	SkipRedirectHostCheck bool
	// InsecureAllowHTTP accepts http:// URLs on loopback hosts for
	// response_uri, request_uri and presentation_definition_uri (tests).
	InsecureAllowHTTP bool
}

// Validate checks a resolved request (plain parameters, DC API request, or
// the claims of a Request Object) against §5, §8.2, §8.3 and A.2:
//   - no request / request_uri left (a Request Object must not nest them);
//   - response_type vp_token, vp_token id_token or code;
//   - a known response_mode;
//   - client_id present and well formed except in unsigned DC API
//     requests, the origin prefix rejected, signed / unsigned as the prefix
//     demands;
//   - nonce present, URL-safe, within length limits; state URL-safe, and
//     present when a credential query waives holder binding (§5.3);
//   - dcql_query XOR a scope naming a query (legacy: XOR
//     presentation_definition / presentation_definition_uri);
//   - response_uri present (https) for direct_post and direct_post.jwt,
//     redirect_uri absent then; with redirect_uri: prefix the target equals
//     the identifier, with x509_san_dns: its host equals the DNS name;
//   - for encrypted modes without federation or pre-registration, keys in
//     client_metadata.jwks;
//   - transaction_data entries decodable, of a supported type, referencing
//     credential query ids that require holder binding for dc+sd-jwt;
//   - verifier_info entries well formed; expected_origins in signed DC API
//     requests.
func (r *AuthorizationRequest) Validate(o ValidateOptions) error {
	if r.ByReference() {
		return invalidRequest(ErrInvalidParameter, "request and request_uri must not appear in a resolved request")
	}
	if err := checkResponseType(r.ResponseType); err != nil {
		return err
	}
	mode := r.EffectiveResponseMode()
	if !mode.Known() {
		return invalidRequest(ErrInvalidParameter, "unsupported response_mode %q", truncate(string(r.ResponseMode)))
	}
	var cid ClientID
	if !(mode.DCAPI() && !o.Signed) {
		if r.ClientID == "" {
			return invalidRequest(ErrMissingParameter, "client_id is required")
		}
		var err error
		if cid, err = r.ParsedClientID(o.Profile); err != nil {
			return err
		}
		if o.Signed && cid.MustNotSign() {
			return invalidRequest(ErrRejectedPrefix, "requests with the redirect_uri prefix cannot be signed")
		}
		if !o.Signed && cid.MustSign() {
			return invalidRequest(ErrRejectedPrefix, "the %s prefix requires a signed request", cid.Prefix)
		}
	}
	if err := checkNonce(r.Nonce, o.MinNonceLength); err != nil {
		return err
	}
	if r.State != "" {
		if len(r.State) > MaxStateLength || !urlSafe(r.State) {
			return invalidRequest(ErrInvalidParameter, "state must be at most %d URL-safe characters", MaxStateLength)
		}
	} else if !mode.DCAPI() && r.waivesHolderBinding() {
		return invalidRequest(ErrMissingParameter, "state is required when a credential query waives holder binding")
	}
	if err := r.checkQuery(o.Profile); err != nil {
		return err
	}
	if err := r.checkTarget(mode, cid, o); err != nil {
		return err
	}
	if mode.Encrypted() && (r.ClientMetadata == nil || r.ClientMetadata.JWKS == nil) {
		// Only federation metadata and pre-registration can supply the
		// encryption keys otherwise (§5.9.3, §8.3).
		if cid.Prefix != PrefixOpenIDFederation && cid.Prefix != PrefixPreRegistered {
			return invalidRequest(ErrMissingParameter, "%s needs client_metadata.jwks", mode)
		}
	}
	if o.Profile == ProfileLegacy && r.PresentationDefinitionURI != "" {
		if err := checkHTTPSURL("presentation_definition_uri", r.PresentationDefinitionURI, o.InsecureAllowHTTP); err != nil {
			return err
		}
	}
	if r.ClientMetadata != nil {
		if err := r.ClientMetadata.Validate(); err != nil {
			return err
		}
	}
	if _, err := r.DecodeTransactionData(o.TransactionDataTypes); err != nil {
		return err
	}
	if err := r.checkVerifierInfo(); err != nil {
		return err
	}
	if mode.DCAPI() && o.Signed && len(r.ExpectedOrigins) == 0 {
		return invalidRequest(ErrMissingParameter, "expected_origins is required in signed DC API requests")
	}
	for _, s := range r.ExpectedOrigins {
		if s == "" {
			return invalidRequest(ErrInvalidParameter, "expected_origins holds an empty value")
		}
	}
	return nil
}

func checkResponseType(rt string) error {
	if rt == "" {
		return invalidRequest(ErrMissingParameter, "response_type is required")
	}
	f := strings.Fields(rt)
	slices.Sort(f)
	switch strings.Join(f, " ") {
	case "vp_token", "id_token vp_token", "code":
		return nil
	}
	return newErr(CodeUnsupportedResponseType, ErrInvalidParameter, "unsupported response_type %q", truncate(rt))
}

func checkNonce(n string, min int) error {
	if n == "" {
		return invalidRequest(ErrMissingParameter, "nonce is required")
	}
	if len(n) > MaxNonceLength || len(n) < min || !urlSafe(n) {
		return invalidRequest(ErrInvalidParameter, "nonce must be %d to %d URL-safe characters", max(min, 1), MaxNonceLength)
	}
	return nil
}

// urlSafe: ASCII letters, digits, '-', '.', '_', '~' (§5.2).
func urlSafe(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

func (r *AuthorizationRequest) waivesHolderBinding() bool {
	if r.DCQLQuery == nil {
		return false
	}
	for i := range r.DCQLQuery.Credentials {
		if !r.DCQLQuery.Credentials[i].HolderBindingRequired() {
			return true
		}
	}
	return false
}

func (r *AuthorizationRequest) checkQuery(p Profile) error {
	var have []string
	if r.DCQLQuery != nil {
		have = append(have, "dcql_query")
	}
	if len(scopeTokens(r.Scope)) > 0 {
		have = append(have, "scope")
	}
	if p == ProfileLegacy {
		if r.PresentationDefinition != nil {
			have = append(have, "presentation_definition")
		}
		if r.PresentationDefinitionURI != "" {
			have = append(have, "presentation_definition_uri")
		}
	}
	switch len(have) {
	case 1:
		return nil
	case 0:
		if _, ok := r.Extra["presentation_definition"]; ok && p == ProfileFinal {
			return invalidRequest(ErrMissingParameter, "presentation_definition is a draft ≤ 25 parameter (legacy profile); 1.0 needs dcql_query or scope")
		}
		return invalidRequest(ErrMissingParameter, "dcql_query or a scope naming a DCQL query is required")
	}
	return invalidRequest(ErrConflictingParams, "only one of %s may be present", strings.Join(have, ", "))
}

// checkHTTPSURL checks an absolute https URL (http on loopback when
// insecure is set) without a fragment.
func checkHTTPSURL(name, s string, insecure bool) error {
	if len(s) > MaxURILength {
		return newErr(CodeInvalidRequest, ErrTooLarge, "%s longer than %d bytes", name, MaxURILength)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Fragment != "" || u.User != nil {
		return invalidRequest(ErrInvalidParameter, "%s must be an absolute https URL without fragment or user info", name)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if insecure && isLoopback(u.Hostname()) {
			return nil
		}
	}
	return invalidRequest(ErrInvalidParameter, "%s must use https", name)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (r *AuthorizationRequest) checkTarget(mode ResponseMode, cid ClientID, o ValidateOptions) error {
	switch {
	case mode.DirectPost():
		if r.RedirectURI != "" {
			return invalidRequest(ErrConflictingParams, "redirect_uri must not be present with response_mode %s", mode)
		}
		if r.ResponseURI == "" && cid.Prefix != PrefixRedirectURI {
			return invalidRequest(ErrMissingParameter, "response_uri is required with response_mode %s", mode)
		}
		if r.ResponseURI != "" {
			if err := checkHTTPSURL("response_uri", r.ResponseURI, o.InsecureAllowHTTP); err != nil {
				return err
			}
		}
	case mode.DCAPI():
		return nil
	default:
		if r.RedirectURI != "" && (len(r.RedirectURI) > MaxURILength || !absoluteURI(r.RedirectURI)) {
			return invalidRequest(ErrInvalidParameter, "redirect_uri must be an absolute URI")
		}
	}
	target := r.ResponseTarget(cid)
	switch cid.Prefix {
	case PrefixRedirectURI:
		if target != cid.Identifier {
			return invalidRequest(ErrInvalidClientID, "with the redirect_uri prefix the response target must equal the client identifier")
		}
	case PrefixX509SANDNS:
		if !o.SkipRedirectHostCheck && target != "" && !cid.HostMatches(target) {
			return invalidRequest(ErrInvalidClientID, "the response target's host is not the x509_san_dns client identifier")
		}
	}
	return nil
}

// DecodeTransactionData decodes every transaction_data entry and checks it
// against the request: a type in supported, credential_ids naming
// credential queries of dcql_query (when the query is known), and holder
// binding required by every dc+sd-jwt query an entry references (B.3.3).
// Errors carry code invalid_transaction_data.
func (r *AuthorizationRequest) DecodeTransactionData(supported []string) ([]*TransactionData, error) {
	if len(r.TransactionData) == 0 {
		return nil, nil
	}
	if len(r.TransactionData) > MaxTransactionData {
		return nil, newErr(CodeInvalidTransactionData, ErrTooLarge, "more than %d transaction_data entries", MaxTransactionData)
	}
	out := make([]*TransactionData, 0, len(r.TransactionData))
	for _, s := range r.TransactionData {
		t, err := DecodeTransactionData(s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(supported, t.Type) {
			return nil, txErr("unsupported transaction_data type %q", truncate(t.Type))
		}
		if _, err := t.HashAlgorithm(); err != nil {
			return nil, err
		}
		if r.DCQLQuery != nil {
			for _, id := range t.CredentialIDs {
				cq := r.credentialQuery(id)
				if cq == nil {
					return nil, txErr("transaction_data %q references unknown credential query %q", t.Type, id)
				}
				if string(cq.Format) == FormatSDJWTVC && !cq.HolderBindingRequired() {
					return nil, txErr("transaction_data %q references %q, which waives holder binding", t.Type, id)
				}
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func (r *AuthorizationRequest) credentialQuery(id string) *dcql.CredentialQuery {
	if r.DCQLQuery == nil {
		return nil
	}
	for i := range r.DCQLQuery.Credentials {
		if r.DCQLQuery.Credentials[i].ID == id {
			return &r.DCQLQuery.Credentials[i]
		}
	}
	return nil
}

func (r *AuthorizationRequest) checkVerifierInfo() error {
	for i, v := range r.VerifierInfo {
		if v.Format == "" {
			return invalidRequest(ErrMissingParameter, "verifier_info[%d] without format", i)
		}
		d := strings.TrimSpace(string(v.Data))
		if d == "" || !(d[0] == '"' || d[0] == '{') || d == `""` {
			return invalidRequest(ErrInvalidParameter, "verifier_info[%d].data must be a non-empty string or an object", i)
		}
		if v.CredentialIDs != nil && len(v.CredentialIDs) == 0 {
			return invalidRequest(ErrInvalidParameter, "verifier_info[%d].credential_ids must be non-empty", i)
		}
		for _, id := range v.CredentialIDs {
			if r.DCQLQuery != nil && r.credentialQuery(id) == nil {
				return invalidRequest(ErrInvalidParameter, "verifier_info[%d] references unknown credential query %q", i, truncate(id))
			}
		}
	}
	return nil
}

// ValidateReference checks a request that passes its Request Object by
// value or reference (RFC 9101 §5, §5.1): client_id present and well
// formed, exactly one of request and request_uri, request_uri an https URL,
// request_uri_method get or post (else invalid_request_uri_method) and only
// with request_uri, request a compact JWS or JWE.
func (r *AuthorizationRequest) ValidateReference(o ValidateOptions) error {
	if r.Request != "" && r.RequestURI != "" {
		return invalidRequest(ErrConflictingParams, "request and request_uri are both present")
	}
	if !r.ByReference() {
		return invalidRequest(ErrMissingParameter, "neither request nor request_uri is present")
	}
	if r.ClientID == "" {
		return invalidRequest(ErrMissingParameter, "client_id is required")
	}
	if _, err := r.ParsedClientID(o.Profile); err != nil {
		return err
	}
	switch r.RequestURIMethod {
	case "", RequestURIMethodGet, RequestURIMethodPost:
	default:
		return newErr(CodeInvalidRequestURIMethod, ErrRequestURIMethod, "request_uri_method %q", truncate(r.RequestURIMethod))
	}
	if r.RequestURI != "" {
		return checkHTTPSURL("request_uri", r.RequestURI, o.InsecureAllowHTTP)
	}
	if r.RequestURIMethod != "" {
		return invalidRequest(ErrInvalidParameter, "request_uri_method without request_uri")
	}
	if n := strings.Count(r.Request, "."); n != 2 && n != 4 {
		return invalidRequest(ErrMalformed, "request is neither a compact JWS nor a compact JWE")
	}
	return nil
}

// RequestObjectOptions configure CheckRequestObject.
type RequestObjectOptions struct {
	ValidateOptions
	// WalletNonce is the wallet_nonce the wallet sent with
	// request_uri_method=post; the Request Object must echo it (§5.10.1).
	WalletNonce string
	// Audiences are the values aud may hold: the wallet's issuer with
	// dynamic discovery. Empty means AudienceSelfIssued (static discovery,
	// §5.8).
	Audiences []string
	// Now is the time exp, nbf and iat are checked against; zero means
	// time.Now.
	Now time.Time
	// Leeway is the clock skew allowed (default 0).
	Leeway time.Duration
	// InsecureSkipClientIDMatch skips the comparison of the Request
	// Object's client_id with the link's, in ProfileLegacy only (it has no
	// effect with ProfileFinal). The W-Stack's verifier links carry a
	// client_id (the seed's example: "mytest") other than the DID its
	// request objects name; a wallet talking to it needs this, and then
	// must authenticate the verifier by the request object's client_id
	// alone.
	InsecureSkipClientIDMatch bool
	// RequireAudience rejects Request Objects without aud. RFC 9101 makes
	// aud a SHOULD and the spec's own examples omit it, so by default only
	// a present aud is checked.
	RequireAudience bool
}

// CheckRequestObject runs the checks of a signed Request Object that do
// not need the signature (the caller verifies it with its allow-list and
// trust policy before calling): the typ header is oauth-authz-req+jwt
// (legacy: may be absent, never another value); the client_id claim equals
// the client_id of the outer request, prefix included (§5.10.1; legacy:
// client_id_scheme too); wallet_nonce echoes o.WalletNonce; aud, when present
// (or always, with RequireAudience), names this wallet (§5.8); exp, nbf and iat fit Now; then claims.Validate with Signed set.
// outer is nil for DC API requests, which have no outer request. iss is
// ignored (§5).
func CheckRequestObject(typ string, claims, outer *AuthorizationRequest, o RequestObjectOptions) error {
	switch {
	case typ == TypRequestObject, strings.EqualFold(typ, MediaTypeRequestObject):
	case typ == "" && o.Profile == ProfileLegacy:
	default:
		return invalidRequest(ErrInvalidTyp, "request object typ %q", truncate(typ))
	}
	if outer != nil && !(o.InsecureSkipClientIDMatch && o.Profile == ProfileLegacy) {
		if claims.ClientID != outer.ClientID {
			return invalidRequest(ErrClientIDMismatch, "request object client_id differs from the request's")
		}
		if o.Profile == ProfileLegacy && outer.ClientIDScheme != "" && claims.ClientIDScheme != outer.ClientIDScheme {
			return invalidRequest(ErrClientIDMismatch, "request object client_id_scheme differs from the request's")
		}
	}
	if o.WalletNonce != "" && claims.WalletNonce != o.WalletNonce {
		return invalidRequest(ErrWalletNonceMismatch, "request object wallet_nonce missing or different")
	}
	auds := o.Audiences
	if len(auds) == 0 {
		auds = []string{AudienceSelfIssued}
	}
	if len(claims.Audience) == 0 {
		if o.RequireAudience {
			return invalidRequest(ErrAudienceMismatch, "request object without aud")
		}
	} else if !slices.ContainsFunc(auds, claims.Audience.Contains) {
		return invalidRequest(ErrAudienceMismatch, "request object aud does not name this wallet")
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	leeway := int64(o.Leeway / time.Second)
	t := now.Unix()
	if claims.ExpiresAt != nil && t > *claims.ExpiresAt+leeway {
		return invalidRequest(ErrExpired, "request object expired")
	}
	if claims.NotBefore != nil && t < *claims.NotBefore-leeway {
		return invalidRequest(ErrExpired, "request object not yet valid")
	}
	if claims.IssuedAt != nil && t < *claims.IssuedAt-leeway {
		return invalidRequest(ErrExpired, "request object issued in the future")
	}
	vo := o.ValidateOptions
	vo.Signed = true
	return claims.Validate(vo)
}

// CheckExpectedOrigin checks the origin a platform reports for a signed
// DC API request against expected_origins, compared as plain strings
// (A.2). An unsigned request (no expected_origins) passes: the parameter
// is ignored there.
func (r *AuthorizationRequest) CheckExpectedOrigin(origin string) error {
	if len(r.ExpectedOrigins) == 0 {
		return nil
	}
	if !slices.Contains(r.ExpectedOrigins, origin) {
		return invalidRequest(ErrInvalidParameter, "origin %q is not among expected_origins", truncate(origin))
	}
	return nil
}
