package wallet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

// Selection is what the wallet would present for a request: the DCQL
// evaluation over the wallet's credentials. Narrow it with Result.Choose
// (the user's consent) before Respond; Respond never presents a credential
// that is not in Result.Selection, and only the disclosures the query
// selected.
type Selection struct {
	// Result is the DCQL evaluation (nil for a Presentation Exchange
	// request).
	Result *dcql.Result
	// PEX is the Presentation Exchange evaluation of a legacy-profile
	// presentation_definition request (nil otherwise); its Selection is the
	// smallest satisfying set of credentials.
	PEX *pex.Result
}

// Select evaluates the request's query over the wallet's credentials
// (pre-filtered by the query's hints) and then asks the consent hook.
// ErrNoMatch (access_denied) when the query cannot be met, ErrQueryBudget
// (invalid_request) when its evaluation exceeds the budget, ErrDeclined
// when consent is refused.
func (w *Wallet) Select(ctx context.Context, req *Request) (*Selection, error) {
	if req == nil || (req.query == nil && req.definition == nil) {
		return nil, fmt.Errorf("%w: request not resolved by this wallet", ErrConfig)
	}
	if req.definition != nil {
		return w.selectPEX(ctx, req)
	}
	creds, err := w.cfg.Credentials.Credentials(ctx, req.query.Hints())
	if err != nil {
		return nil, err
	}
	res, err := req.query.Evaluate(ctx, creds)
	switch {
	case errors.Is(err, dcql.ErrBudgetExceeded):
		return nil, oid4vp.NewError(oid4vp.CodeInvalidRequest, "query too expensive").WithCause(fmt.Errorf("%w: %w", ErrQueryBudget, err))
	case errors.Is(err, dcql.ErrUnsatisfiable):
		return nil, oid4vp.NewError(oid4vp.CodeAccessDenied, "no matching credentials").WithCause(fmt.Errorf("%w: %w", ErrNoMatch, err))
	case err != nil:
		return nil, err
	}
	return w.consent(ctx, req, &Selection{Result: res})
}

// selectPEX evaluates a legacy presentation_definition. The store is
// asked with zero dcql.Hints (no pre-filter).
func (w *Wallet) selectPEX(ctx context.Context, req *Request) (*Selection, error) {
	creds, err := w.cfg.Credentials.Credentials(ctx, dcql.Hints{})
	if err != nil {
		return nil, err
	}
	res, err := req.definition.Evaluate(ctx, creds)
	switch {
	case errors.Is(err, pex.ErrEvaluationBudget), errors.Is(err, pex.ErrSearchBudget):
		return nil, oid4vp.NewError(oid4vp.CodeInvalidRequest, "query too expensive").WithCause(fmt.Errorf("%w: %w", ErrQueryBudget, err))
	case errors.Is(err, pex.ErrUnsatisfiable):
		return nil, oid4vp.NewError(oid4vp.CodeAccessDenied, "no matching credentials").WithCause(fmt.Errorf("%w: %w", ErrNoMatch, err))
	case err != nil:
		return nil, err
	}
	return w.consent(ctx, req, &Selection{PEX: res})
}

func (w *Wallet) consent(ctx context.Context, req *Request, sel *Selection) (*Selection, error) {
	if w.cfg.Consent != nil {
		if err := w.cfg.Consent(ctx, req, sel); err != nil {
			if !errors.Is(err, ErrDeclined) {
				err = fmt.Errorf("%w: %w", ErrDeclined, err)
			}
			return nil, oid4vp.NewError(oid4vp.CodeAccessDenied, "the user declined").WithCause(err)
		}
	}
	return sel, nil
}

// Outcome is the result of a response delivered to the verifier.
type Outcome struct {
	// RedirectURI is where the user agent MUST be sent next (§8.2): the
	// verifier's redirect_uri after a direct_post, or the fragment URL of
	// a fragment response. The wallet never fetches it; a same-device
	// caller opens it in the browser, a cross-device caller that receives
	// one shows the user the way back. Empty when the verifier returned
	// none.
	RedirectURI string
	// VPToken is the vp_token that was sent (nil for an error response).
	VPToken dcql.VPToken
	// Followed is the answer to the user agent's request the wallet made
	// itself (Wallet.Follow, or Config.FollowRedirect); nil when the
	// redirect was not followed.
	Followed *Followed

	fragment bool // RedirectURI carries a fragment-mode response
}

// NextStep returns RedirectURI and whether the caller must still send the
// user agent there: true after Respond when the verifier (or a fragment
// response) named a redirect the wallet did not follow itself.
func (o *Outcome) NextStep() (string, bool) {
	return o.RedirectURI, o.RedirectURI != "" && o.Followed == nil
}

// Followed is what a machine wallet got when it followed the verifier's
// redirect_uri as the user agent (§8.2).
type Followed struct {
	// URL is the redirect_uri as the verifier sent it.
	URL string
	// StatusCode, ContentType (media type, lower case) and Body (capped at
	// Config.MaxResponseBytes) are the answer to the GET. A 3xx answer is
	// not followed further: StatusCode and Location report it.
	StatusCode  int
	ContentType string
	Body        []byte
	Location    string
	// Fragment holds the parameters of the redirect_uri's fragment, which
	// a user agent never sends: the response_code (§8.2) that the
	// verifier's frontend reads in the browser, and a machine caller hands
	// to the frontend (for example as the credential of the verifier's
	// result lookup).
	Fragment url.Values
}

// ResponseCode returns the response_code the redirect carried (empty when
// none).
func (f *Followed) ResponseCode() string { return f.Fragment.Get("response_code") }

// Follow makes the request the user agent MUST make after a direct_post
// whose answer named a redirect_uri (§8.2; HAIP verifiers reject a
// response whose redirect was not followed), for a machine wallet without
// a browser: one GET of the redirect_uri (without its fragment, as any
// user agent) through the wallet's guarded client (https only, the
// dialled address checked, no proxy), no redirect followed beyond it, the
// answer capped at Config.MaxResponseBytes. It records the result in
// out.Followed, after which out.NextStep reports nothing left to do. A
// redirect_uri with a custom scheme (an app link) or one carrying a
// fragment-mode response cannot be followed this way (ErrResponse).
// A non-2xx, non-3xx answer is returned in Followed together with an
// ErrResponse error.
func (w *Wallet) Follow(ctx context.Context, out *Outcome) (*Followed, error) {
	if out == nil || out.RedirectURI == "" {
		return nil, fmt.Errorf("%w: no redirect_uri to follow", ErrResponse)
	}
	if out.fragment {
		return nil, fmt.Errorf("%w: a fragment response is delivered by the user agent's navigation, not by a GET", ErrResponse)
	}
	u, err := url.Parse(out.RedirectURI)
	if err != nil {
		return nil, fmt.Errorf("%w: redirect_uri: %w", ErrResponse, err)
	}
	frag, err := url.ParseQuery(u.Fragment)
	if err != nil {
		frag = url.Values{}
	}
	u.Fragment, u.RawFragment = "", ""
	target := u.String()
	if _, err := w.cfg.Fetcher.CheckURL(target); err != nil {
		return nil, fmt.Errorf("%w: redirect_uri: %w", ErrResponse, err)
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrResponse, err)
	}
	r.Header.Set("Accept", "text/html, application/json;q=0.9, */*;q=0.1")
	resp, err := w.client.Do(r)
	if err != nil {
		return nil, fmt.Errorf("%w: following redirect_uri: %w", ErrResponse, err)
	}
	defer resp.Body.Close()
	max := w.cfg.MaxResponseBytes
	if resp.ContentLength > max {
		return nil, fmt.Errorf("%w: %w: Content-Length %d > %d", ErrResponse, fetch.ErrTooLarge, resp.ContentLength, max)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("%w: following redirect_uri: %w", ErrResponse, err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("%w: %w: more than %d bytes", ErrResponse, fetch.ErrTooLarge, max)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	f := &Followed{URL: out.RedirectURI, StatusCode: resp.StatusCode, ContentType: strings.ToLower(ct), Body: body, Fragment: frag}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		f.Location = resp.Header.Get("Location")
	}
	out.Followed = f
	if resp.StatusCode >= 400 || resp.StatusCode < 200 {
		return f, fmt.Errorf("%w: redirect_uri answered %w", ErrResponse, &errHTTPStatus{code: resp.StatusCode, body: body})
	}
	return f, nil
}

// BuildVPToken builds the vp_token of a selection: one presentation per
// selected credential, bound to the request's nonce and full prefixed
// client_id, SD-JWT presentations carrying exactly the selected
// disclosures and, when the request has transaction_data, the KB-JWT
// transaction_data_hashes of the entries that reference the credential
// query (B.3.3).
func (w *Wallet) BuildVPToken(ctx context.Context, req *Request, sel *Selection) (dcql.VPToken, error) {
	if sel == nil || sel.Result == nil {
		return nil, fmt.Errorf("%w: no selection", ErrConfig)
	}
	base := presentation.Binding{Nonce: req.Params.Nonce, Audience: req.ClientID.String()}
	ids := make([]string, 0, len(sel.Result.Selection))
	for id := range sel.Result.Selection {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	tok := make(dcql.VPToken, len(ids))
	for _, id := range ids {
		b := base
		hashes, err := w.transactionHashes(req, id)
		if err != nil {
			return nil, err
		}
		b.TransactionDataHashes = hashes
		p := w.cfg.Holder.Presenter(b)
		for _, m := range sel.Result.Selection[id] {
			pres, err := p.Present(ctx, m.Format, []*presentation.Credential{m.Credential}, [][]vocab.ClaimPath{m.Disclose})
			if err != nil {
				return nil, fmt.Errorf("wallet: presenting for %q: %w", id, err)
			}
			tok[id] = append(tok[id], pres)
		}
	}
	return tok, nil
}

// transactionHashes returns the hashes of the transaction_data entries
// that reference credential query id, in request order, with the entries'
// common algorithm (sha-256 unless every referencing entry lists another).
func (w *Wallet) transactionHashes(req *Request, id string) ([]string, error) {
	var encoded []string
	alg := ""
	for i, td := range req.TransactionData {
		if !slices.Contains(td.CredentialIDs, id) {
			continue
		}
		encoded = append(encoded, req.Params.TransactionData[i])
		if len(td.HashAlgorithms) > 0 && !slices.Contains(td.HashAlgorithms, oid4vp.HashSHA256) {
			alg = td.HashAlgorithms[0]
		}
	}
	if len(encoded) == 0 {
		return nil, nil
	}
	return oid4vp.TransactionDataHashes(encoded, alg)
}

// Respond builds the vp_token for sel and delivers it as the request's
// response_mode says: direct_post (form post of vp_token and state),
// direct_post.jwt (the same as a JWE to the verifier's client_metadata
// key, §8.3) or fragment (returned as Outcome.RedirectURI, nothing sent).
// With Config.FollowRedirect a failure to follow the verifier's
// redirect_uri returns the Outcome (the response was accepted) together
// with the error.
func (w *Wallet) Respond(ctx context.Context, req *Request, sel *Selection) (*Outcome, error) {
	if sel != nil && sel.PEX != nil {
		return w.respondPEX(ctx, req, sel.PEX)
	}
	tok, err := w.BuildVPToken(ctx, req, sel)
	if err != nil {
		return nil, err
	}
	out, err := w.deliver(ctx, req, &oid4vp.AuthorizationResponse{VPToken: tok, State: req.Params.State})
	if out != nil {
		out.VPToken = tok
	}
	return out, err
}

// respondPEX answers a legacy presentation_definition: the vp_token (one
// presentation or an array) and the presentation_submission, bound to the
// nonce and the client_id as sent (the audience of those drafts).
func (w *Wallet) respondPEX(ctx context.Context, req *Request, res *pex.Result) (*Outcome, error) {
	p := w.cfg.Holder.Presenter(presentation.Binding{Nonce: req.Params.Nonce, Audience: req.ClientID.String()})
	vp, sub, err := res.Present(ctx, p, pex.PresentOptions{})
	if err != nil {
		return nil, fmt.Errorf("wallet: presenting: %w", err)
	}
	raw, err := json.Marshal(vp)
	if err != nil {
		return nil, err
	}
	return w.deliver(ctx, req, &oid4vp.AuthorizationResponse{LegacyVPToken: raw, PresentationSubmission: sub, State: req.Params.State})
}

// Decline sends an error response (§8.5) for req: code defaults to the
// code cause carries (oid4vp.CodeOf), access_denied for ErrDeclined and
// ErrNoMatch. It is how a refusal reaches the verifier.
func (w *Wallet) Decline(ctx context.Context, req *Request, cause error) (*Outcome, error) {
	code := oid4vp.CodeAccessDenied
	var e *oid4vp.Error
	if errors.As(cause, &e) {
		code = e.Code
	} else if cause != nil && !errors.Is(cause, ErrDeclined) && !errors.Is(cause, ErrNoMatch) {
		code = oid4vp.CodeOf(cause)
	}
	return w.deliver(ctx, req, &oid4vp.AuthorizationResponse{Error: code, State: req.Params.State})
}

// Present runs the whole exchange for a link: Resolve, Select (with the
// consent hook), Respond. When the request resolves but cannot be
// answered (declined, no match, query too expensive) the error response is
// posted to the verifier and the error returned.
func (w *Wallet) Present(ctx context.Context, link string) (*Outcome, error) {
	req, err := w.Resolve(ctx, link)
	if err != nil {
		return nil, err
	}
	sel, err := w.Select(ctx, req)
	if err != nil {
		if _, derr := w.Decline(ctx, req, err); derr != nil {
			return nil, errors.Join(err, derr)
		}
		return nil, err
	}
	return w.Respond(ctx, req, sel)
}

func (w *Wallet) deliver(ctx context.Context, req *Request, r *oid4vp.AuthorizationResponse) (*Outcome, error) {
	p := req.Params
	mode := p.EffectiveResponseMode()
	target := p.ResponseTarget(req.ClientID)
	if target == "" {
		return nil, fmt.Errorf("%w: no response target", ErrResponse)
	}
	if mode == oid4vp.ResponseModeFragment {
		u, err := r.FragmentURL(target)
		if err != nil {
			return nil, err
		}
		return &Outcome{RedirectURI: u, fragment: true}, nil
	}
	var form url.Values
	if mode.Encrypted() {
		jwe, err := encryptResponse(p, r)
		if err != nil {
			return nil, err
		}
		form = url.Values{"response": {jwe}}
	} else {
		var err error
		if form, err = r.Values(); err != nil {
			return nil, err
		}
	}
	body, _, err := w.post(ctx, target, form, "application/json", w.cfg.MaxResponseBytes)
	if err != nil {
		var st *errHTTPStatus
		if errors.As(err, &st) {
			if e, perr := oid4vp.ParseError(st.body); perr == nil {
				return nil, fmt.Errorf("%w: %w", ErrResponse, e)
			}
		}
		return nil, fmt.Errorf("%w: %w", ErrResponse, err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &Outcome{}, nil // a 200 without body: nothing to follow
	}
	res, err := oid4vp.ParseDirectPostResult(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrResponse, err)
	}
	out := &Outcome{RedirectURI: res.RedirectURI}
	if w.cfg.FollowRedirect && out.RedirectURI != "" {
		if _, err := w.Follow(ctx, out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// encryptResponse encrypts the response to the first key of
// client_metadata.jwks usable for encryption (use absent or enc), with
// the key's alg (ECDH-ES by default) and the first enc value of
// encrypted_response_enc_values_supported the wallet implements (default
// A128GCM); the kid is echoed (§8.3).
func encryptResponse(p *oid4vp.AuthorizationRequest, r *oid4vp.AuthorizationResponse) (string, error) {
	if p.ClientMetadata == nil || len(p.ClientMetadata.JWKS) == 0 {
		return "", oid4vp.NewError(oid4vp.CodeInvalidRequest, "no encryption key in client_metadata").WithCause(oid4vp.ErrMissingParameter)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(p.ClientMetadata.JWKS, &set); err != nil {
		return "", oid4vp.NewError(oid4vp.CodeInvalidRequest, "client_metadata.jwks").WithCause(err)
	}
	var key map[string]any
	for _, k := range set.Keys {
		if use, ok := k["use"]; ok && use != "enc" {
			continue
		}
		if alg, _ := k["alg"].(string); alg != "" && !supportedKeyAlg(alg) {
			continue
		}
		key = k
		break
	}
	if key == nil {
		return "", oid4vp.NewError(oid4vp.CodeInvalidRequest, "no usable encryption key in client_metadata.jwks").WithCause(oid4vp.ErrInvalidParameter)
	}
	enc := ""
	for _, e := range p.ClientMetadata.EncValues() {
		if supportedEnc(e) {
			enc = e
			break
		}
	}
	if enc == "" {
		return "", oid4vp.NewError(oid4vp.CodeInvalidRequest, "no supported enc value").WithCause(oid4vp.ErrInvalidParameter)
	}
	alg, _ := key["alg"].(string)
	payload, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	return jose.Encrypt(payload, key, jose.EncryptOptions{Alg: alg, Enc: enc})
}

func supportedKeyAlg(a string) bool {
	return a == "ECDH-ES" || a == "ECDH-ES+A128KW" || a == "ECDH-ES+A256KW" || a == "RSA-OAEP-256"
}

func supportedEnc(e string) bool {
	return e == "A128GCM" || e == "A256GCM" || e == "A128CBC-HS256" || e == "A256CBC-HS512"
}
