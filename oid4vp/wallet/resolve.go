package wallet

import (
	"bytes"
	"context"
	gocrypto "crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

// Request is a resolved and verified Authorization Request.
type Request struct {
	// Params holds the request's parameters: the verified Request
	// Object's claims, or the link's parameters for an unsigned request.
	Params *oid4vp.AuthorizationRequest
	// ClientID is the verifier's parsed client identifier; its String is
	// the audience of every presentation.
	ClientID oid4vp.ClientID
	// Signed reports whether the parameters came from a signed Request
	// Object.
	Signed bool
	// Chain is the verified certificate chain of x509 prefixes (leaf
	// first); empty otherwise.
	Chain []*x509.Certificate
	// Attestation holds the verified Verifier Attestation claims.
	Attestation map[string]any
	// TransactionData are the decoded transaction_data entries, in request
	// order.
	TransactionData []*oid4vp.TransactionData
	// WalletNonce is the wallet_nonce sent with request_uri_method=post.
	WalletNonce string

	query      *dcql.Compiled
	definition *pex.Compiled
}

// Resolve parses a link (openid4vp://, a configured custom scheme or
// https), obtains the request (by value, request=JWS by value, or
// request_uri with GET or POST), authenticates the verifier for its client
// identifier prefix, checks the parameters (§5) and compiles the query.
// A request the wallet can answer an error to carries an *oid4vp.Error.
func (w *Wallet) Resolve(ctx context.Context, link string) (*Request, error) {
	l, err := oid4vp.ParseLink(link, oid4vp.LinkOptions{Profile: w.cfg.Profile, Schemes: w.cfg.Schemes, InsecureAllowHTTP: w.cfg.InsecureAllowHTTP})
	if err != nil {
		return nil, err
	}
	outer := l.Request
	vo := w.validateOptions()
	if !outer.ByReference() {
		cid, err := outer.ParsedClientID(w.cfg.Profile)
		if err != nil {
			return nil, err
		}
		if err := outer.Validate(vo); err != nil {
			return nil, err
		}
		// Unsigned: only redirect_uri (whose identifier is the response
		// target Validate compared) and configured pre-registered clients.
		if cid.Prefix != oid4vp.PrefixRedirectURI {
			if _, known := w.cfg.PreRegistered[cid.String()]; cid.Prefix != oid4vp.PrefixPreRegistered || !known {
				return nil, fmt.Errorf("%w: unsigned request from %s client %q", ErrUntrustedVerifier, cid.Prefix, cid.String())
			}
		}
		return w.finish(ctx, &Request{Params: outer, ClientID: cid})
	}
	if err := outer.ValidateReference(vo); err != nil {
		return nil, err
	}
	cid, err := outer.ParsedClientID(w.cfg.Profile)
	if err != nil {
		return nil, err
	}
	if cid.MustNotSign() {
		return nil, fmt.Errorf("%w: %w: the %s prefix cannot pass a Request Object", ErrRequestObject, oid4vp.ErrRejectedPrefix, cid.Prefix)
	}
	if err := w.supports(cid); err != nil {
		return nil, err
	}
	req := &Request{ClientID: cid}
	token := outer.Request
	if outer.RequestURI != "" {
		if token, err = w.fetchRequestObject(ctx, outer, req); err != nil {
			return nil, err
		}
	}
	j, err := jose.Parse(token, jose.ParseOptions{Algorithms: w.cfg.Algorithms, Typ: w.typs(), MaxSize: int(w.cfg.MaxRequestObjectBytes)})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRequestObject, err)
	}
	// The signature before anything the payload says is believed.
	claims, err := oid4vp.DecodeRequest(j.Payload, w.cfg.Profile)
	if err != nil {
		return nil, err
	}
	if err := w.authenticate(ctx, j, cid, claims, req); err != nil {
		return nil, err
	}
	ro := oid4vp.RequestObjectOptions{ValidateOptions: vo, WalletNonce: req.WalletNonce, Audiences: w.cfg.Audiences, Now: w.cfg.Now(), Leeway: w.cfg.Leeway}
	ro.Signed = true
	if err := oid4vp.CheckRequestObject(j.Header.Typ, claims, outer, ro); err != nil {
		return nil, err
	}
	req.Params = claims
	req.Signed = true
	return w.finish(ctx, req)
}

func (w *Wallet) typs() []string {
	if w.cfg.Profile == oid4vp.ProfileLegacy {
		return []string{oid4vp.TypRequestObject, ""}
	}
	return []string{oid4vp.TypRequestObject}
}

func (w *Wallet) validateOptions() oid4vp.ValidateOptions {
	return oid4vp.ValidateOptions{Profile: w.cfg.Profile, TransactionDataTypes: w.cfg.TransactionDataTypes,
		MinNonceLength: w.cfg.MinNonceLength, InsecureAllowHTTP: w.cfg.InsecureAllowHTTP}
}

// finish decodes transaction_data, compiles the query and asks the trust
// policy.
func (w *Wallet) finish(ctx context.Context, req *Request) (*Request, error) {
	p := req.Params
	if p.ResponseMode != "" && !p.ResponseMode.DirectPost() && p.ResponseMode != oid4vp.ResponseModeFragment {
		return nil, oid4vp.NewError(oid4vp.CodeInvalidRequest, "response_mode not supported by this wallet").WithCause(oid4vp.ErrInvalidParameter)
	}
	legacyPD := w.cfg.Profile == oid4vp.ProfileLegacy && p.PresentationDefinition != nil && p.DCQLQuery == nil
	if p.DCQLQuery == nil && !legacyPD {
		return nil, oid4vp.NewError(oid4vp.CodeInvalidRequest, "the wallet answers dcql_query requests (presentation_definition by value with the legacy profile)").WithCause(oid4vp.ErrMissingParameter)
	}
	if len(p.TransactionData) > 0 {
		td, err := p.DecodeTransactionData(w.cfg.TransactionDataTypes)
		if err != nil {
			return nil, err
		}
		req.TransactionData = td
		if err := checkTransactionFormats(p, td); err != nil {
			return nil, err
		}
	}
	if legacyPD {
		var opts []pex.Option
		if w.cfg.Budget > 0 {
			opts = append(opts, pex.WithEvaluationBudget(w.cfg.Budget))
		}
		d, err := pex.Compile(p.PresentationDefinition, opts...)
		if err != nil {
			return nil, oid4vp.NewError(oid4vp.CodeInvalidRequest, "invalid presentation_definition").WithCause(err)
		}
		req.definition = d
	} else {
		var opts []dcql.Option
		if w.cfg.Budget > 0 {
			opts = append(opts, dcql.WithBudget(w.cfg.Budget))
		}
		q, err := dcql.Compile(p.DCQLQuery, opts...)
		if err != nil {
			return nil, oid4vp.NewError(oid4vp.CodeInvalidRequest, "invalid dcql_query").WithCause(err)
		}
		req.query = q
	}
	if w.cfg.Trust != nil {
		if err := w.cfg.Trust(ctx, req); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUntrustedVerifier, err)
		}
	}
	return req, nil
}

// fetchRequestObject retrieves request_uri: GET through the Fetcher, or
// POST with wallet_metadata and a fresh wallet_nonce; no redirects, size
// capped, media type application/oauth-authz-req+jwt.
func (w *Wallet) fetchRequestObject(ctx context.Context, outer *oid4vp.AuthorizationRequest, req *Request) (string, error) {
	if _, err := w.cfg.Fetcher.CheckURL(outer.RequestURI); err != nil {
		return "", fmt.Errorf("%w: %w", ErrFetch, err)
	}
	if outer.RequestURIMethod != oid4vp.RequestURIMethodPost {
		resp, err := w.cfg.Fetcher.Get(ctx, outer.RequestURI, fetch.Call{Accept: oid4vp.MediaTypeRequestObject, MaxBytes: w.cfg.MaxRequestObjectBytes})
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrFetch, err)
		}
		if resp.ContentType != oid4vp.MediaTypeRequestObject {
			return "", fmt.Errorf("%w: content type %q", ErrFetch, resp.ContentType)
		}
		return string(bytes.TrimSpace(resp.Body)), nil
	}
	nonce, err := newWalletNonce()
	if err != nil {
		return "", err
	}
	req.WalletNonce = nonce
	md := w.cfg.Metadata
	if md == nil {
		md = defaultMetadata(w.cfg.Algorithms)
	}
	body, err := (&oid4vp.RequestURIPost{WalletMetadata: md, WalletNonce: nonce}).Values()
	if err != nil {
		return "", err
	}
	data, ct, err := w.post(ctx, outer.RequestURI, body, oid4vp.MediaTypeRequestObject, w.cfg.MaxRequestObjectBytes)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrFetch, err)
	}
	if ct != oid4vp.MediaTypeRequestObject {
		return "", fmt.Errorf("%w: content type %q", ErrFetch, ct)
	}
	return string(bytes.TrimSpace(data)), nil
}

func defaultMetadata(algs []crypto.Algorithm) *oid4vp.WalletMetadata {
	names := make([]string, len(algs))
	for i, a := range algs {
		names[i] = string(a)
	}
	return &oid4vp.WalletMetadata{
		VPFormatsSupported: oid4vp.VPFormats{
			oid4vp.FormatSDJWTVC:   {SDJWTAlgValues: names, KBJWTAlgValues: names},
			oid4vp.FormatJWTVCJSON: {AlgValues: names},
		},
		ClientIDPrefixesSupported: []string{string(oid4vp.PrefixDecentralizedIdentifier), string(oid4vp.PrefixX509SANDNS),
			string(oid4vp.PrefixX509Hash), string(oid4vp.PrefixRedirectURI), string(oid4vp.PrefixVerifierAttestation)},
		RequestObjectSigningAlgValuesSupported: names,
		ResponseModesSupported:                 []string{string(oid4vp.ResponseModeDirectPost), string(oid4vp.ResponseModeDirectPostJWT)},
	}
}

// errHTTPStatus reports a non-2xx answer.
type errHTTPStatus struct {
	code int
	body []byte
}

func (e *errHTTPStatus) Error() string { return fmt.Sprintf("HTTP status %d", e.code) }

// post sends a form with the wallet's client: https only (the Fetcher's
// URL policy), no redirects, the answer capped at max bytes. It returns the
// body and its media type.
func (w *Wallet) post(ctx context.Context, uri string, form url.Values, accept string, max int64) ([]byte, string, error) {
	if _, err := w.cfg.Fetcher.CheckURL(uri); err != nil {
		return nil, "", err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, "", err
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	resp, err := w.client.Do(r)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.ContentLength > max {
		return nil, "", fmt.Errorf("%w: Content-Length %d > %d", fetch.ErrTooLarge, resp.ContentLength, max)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(body)) > max {
		return nil, "", fmt.Errorf("%w: more than %d bytes", fetch.ErrTooLarge, max)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, "", fmt.Errorf("%w: status %d", fetch.ErrRedirect, resp.StatusCode)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return body, "", &errHTTPStatus{code: resp.StatusCode, body: body}
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return body, strings.ToLower(ct), nil
}

// supports rejects, before anything is fetched, a prefix the wallet cannot
// authenticate: one it does not implement or has no trust anchors for.
func (w *Wallet) supports(cid oid4vp.ClientID) error {
	ok := false
	switch cid.Prefix {
	case oid4vp.PrefixDecentralizedIdentifier:
		ok = w.cfg.DIDs != nil
	case oid4vp.PrefixX509SANDNS, oid4vp.PrefixX509Hash:
		ok = w.cfg.X509Roots != nil
	case oid4vp.PrefixVerifierAttestation:
		ok = len(w.cfg.Attesters) > 0
	case oid4vp.PrefixPreRegistered:
		if _, known := w.cfg.PreRegistered[cid.String()]; !known {
			return fmt.Errorf("%w: client %q is not pre-registered", ErrUntrustedVerifier, cid.String())
		}
		ok = true
	}
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnsupportedPrefix, cid.Prefix)
	}
	return nil
}

// authenticate verifies the Request Object's signature with the key the
// client identifier prefix designates and runs the prefix's checks
// (§5.9.3).
func (w *Wallet) authenticate(ctx context.Context, j *jose.JWS, cid oid4vp.ClientID, claims *oid4vp.AuthorizationRequest, req *Request) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrUntrustedVerifier, cid.Prefix, fmt.Sprintf(format, a...))
	}
	var key gocrypto.PublicKey
	switch cid.Prefix {
	case oid4vp.PrefixDecentralizedIdentifier:
		if w.cfg.DIDs == nil {
			return fmt.Errorf("%w: %s (no DID resolver configured)", ErrUnsupportedPrefix, cid.Prefix)
		}
		kid := j.Header.Kid
		if didOf(kid) != cid.Identifier {
			return fail("kid %q is not a verification method of %s", kid, cid.Identifier)
		}
		_, vm, err := did.Dereference(ctx, w.cfg.DIDs, kid)
		if err != nil {
			return fail("resolving kid: %v", err)
		}
		if key, err = vm.PublicKey(); err != nil {
			return fail("verification method key: %v", err)
		}
	case oid4vp.PrefixX509SANDNS, oid4vp.PrefixX509Hash:
		if w.cfg.X509Roots == nil {
			return fmt.Errorf("%w: %s (no X509Roots configured)", ErrUnsupportedPrefix, cid.Prefix)
		}
		chain, err := w.verifyChain(j.Header.X5C)
		if err != nil {
			return fail("%v", err)
		}
		leaf := chain[0]
		if cid.Prefix == oid4vp.PrefixX509SANDNS {
			if !slices.ContainsFunc(leaf.DNSNames, func(n string) bool { return strings.EqualFold(n, cid.Identifier) }) {
				return fail("leaf certificate has no DNS SAN %q", cid.Identifier)
			}
			// response_uri / redirect_uri host = the DNS name: checked by
			// oid4vp's Validate (SkipRedirectHostCheck stays false).
		} else {
			sum := sha256.Sum256(leaf.Raw)
			if base64.RawURLEncoding.EncodeToString(sum[:]) != cid.Identifier {
				return fail("client_id is not the SHA-256 of the leaf certificate")
			}
		}
		req.Chain = chain
		key = leaf.PublicKey
	case oid4vp.PrefixVerifierAttestation:
		att, err := w.verifyAttestation(j, cid, claims)
		if err != nil {
			return err
		}
		req.Attestation = att.claims
		key = att.key
	case oid4vp.PrefixPreRegistered:
		k, ok := w.cfg.PreRegistered[cid.String()]
		if !ok {
			return fmt.Errorf("%w: client %q is not pre-registered", ErrUntrustedVerifier, cid.String())
		}
		key = k
	default:
		return fmt.Errorf("%w: %s", ErrUnsupportedPrefix, cid.Prefix)
	}
	if err := j.VerifySignature(key); err != nil {
		return fmt.Errorf("%w: %w", ErrRequestObject, err)
	}
	return nil
}

// didOf returns the DID of a DID URL (the text before '#', '?' or '/'
// after the method-specific id); "" when s is not a DID URL with a
// fragment.
func didOf(s string) string {
	i := strings.IndexByte(s, '#')
	if i <= 0 || !strings.HasPrefix(s, "did:") {
		return ""
	}
	base := s[:i]
	if strings.ContainsAny(base, "?/") {
		return ""
	}
	return base
}

// verifyChain decodes x5c (standard base64 DER, leaf first) and verifies it
// to the configured roots for any extended key usage.
func (w *Wallet) verifyChain(x5c []string) ([]*x509.Certificate, error) {
	if len(x5c) == 0 {
		return nil, errors.New("no x5c header")
	}
	if len(x5c) > 8 {
		return nil, errors.New("x5c longer than 8 certificates")
	}
	certs := make([]*x509.Certificate, len(x5c))
	for i, s := range x5c {
		der, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("x5c[%d]: %v", i, err)
		}
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("x5c[%d]: %v", i, err)
		}
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: w.cfg.X509Roots, Intermediates: inter,
		CurrentTime: w.cfg.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("certificate chain: %v", err)
	}
	return certs, nil
}

type attestation struct {
	claims map[string]any
	key    gocrypto.PublicKey
}

// verifyAttestation checks the jwt header of a verifier_attestation
// request (§5.9.3, §12): typ verifier-attestation+jwt, signed by a
// trusted attester (by iss), exp present and valid, sub equal to the
// identifier without the prefix, redirect_uris (when present) holding the
// request's response target, and cnf.jwk the key the request is signed
// with.
func (w *Wallet) verifyAttestation(j *jose.JWS, cid oid4vp.ClientID, claims *oid4vp.AuthorizationRequest) (*attestation, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: verifier_attestation: %s", ErrUntrustedVerifier, fmt.Sprintf(format, a...))
	}
	if len(w.cfg.Attesters) == 0 {
		return nil, fmt.Errorf("%w: %s (no Attesters configured)", ErrUnsupportedPrefix, cid.Prefix)
	}
	tok, ok := j.Header.Raw["jwt"].(string)
	if !ok {
		return nil, fail("no jwt header")
	}
	a, err := jose.Parse(tok, jose.ParseOptions{Algorithms: w.cfg.Algorithms, Typ: []string{oid4vp.TypVerifierAttestation}})
	if err != nil {
		return nil, fail("%v", err)
	}
	var c map[string]any
	if err := a.Claims(&c); err != nil {
		return nil, fail("%v", err)
	}
	iss, _ := c["iss"].(string)
	key, ok := w.cfg.Attesters[iss]
	if !ok {
		return nil, fail("attester %q not trusted", iss)
	}
	if err := a.VerifySignature(key); err != nil {
		return nil, fail("%v", err)
	}
	if err := jose.ValidateTimes(c, jose.TimeOptions{Now: w.cfg.Now(), Leeway: w.cfg.Leeway, RequireExp: true}); err != nil {
		return nil, fail("%v", err)
	}
	if sub, _ := c["sub"].(string); sub != cid.Identifier {
		return nil, fail("sub %q is not the client identifier %q", sub, cid.Identifier)
	}
	if ru, present := c["redirect_uris"]; present {
		list, ok := ru.([]any)
		if !ok {
			return nil, fail("redirect_uris is not an array")
		}
		target := claims.ResponseTarget(cid)
		if !slices.ContainsFunc(list, func(v any) bool { s, _ := v.(string); return s == target }) {
			return nil, fail("response target not among redirect_uris")
		}
	}
	cnf, _ := c["cnf"].(map[string]any)
	jwk, _ := cnf["jwk"].(map[string]any)
	if jwk == nil {
		return nil, fail("no cnf.jwk")
	}
	pub, err := crypto.PublicKeyFromJWK(jwk)
	if err != nil {
		return nil, fail("cnf.jwk: %v", err)
	}
	return &attestation{claims: c, key: pub}, nil
}

// checkTransactionFormats refuses transaction_data that references a
// credential query the wallet cannot bind it to: the wallet writes
// transaction_data_hashes into the KB-JWT of SD-JWT VC presentations
// (B.3.3); a jwt_vp_json or ldp_vp has no place for them, and presenting
// without them would drop the transaction the user is asked to authorize
// (invalid_transaction_data, §8.5).
func checkTransactionFormats(p *oid4vp.AuthorizationRequest, td []*oid4vp.TransactionData) error {
	if p.DCQLQuery == nil {
		return oid4vp.NewError(oid4vp.CodeInvalidTransactionData, "transaction_data needs a dcql_query").WithCause(oid4vp.ErrTransactionData)
	}
	for _, t := range td {
		for _, id := range t.CredentialIDs {
			for _, cq := range p.DCQLQuery.Credentials {
				if cq.ID == id && cq.Format != vocab.FormatSDJWTVC && cq.Format != vocab.FormatSDJWTVCLegacy {
					return oid4vp.NewError(oid4vp.CodeInvalidTransactionData,
						fmt.Sprintf("transaction_data references %q, a %s query that cannot carry transaction_data_hashes", id, cq.Format)).WithCause(oid4vp.ErrTransactionData)
				}
			}
		}
	}
	return nil
}
