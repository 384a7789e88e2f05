package verifier

import (
	"context"
	"crypto/ecdh"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/vocab"
)

// HandleResponse processes an Authorization Response posted to the
// response_uri of transaction id (§8.2, §8.3, §8.6):
//
//  1. the transaction exists for the tenant, has not expired and has no
//     response yet;
//  2. the form is parsed (oid4vp.ParseResponse); for direct_post.jwt the
//     response parameter is the only one, the JWE is ECDH-ES with one of
//     the offered enc values, carries the transaction key's kid, has no
//     zip, and decrypts with the transaction's ephemeral key; a plain
//     response to a direct_post.jwt request is rejected;
//  3. state, vp_token keys and multiple are checked against the request
//     (oid4vp's CheckResponse);
//  4. the transaction is claimed atomically (a second response is
//     rejected with ErrAlreadyResponded) and the ephemeral key deleted;
//  5. every presentation is verified through the Validator with the
//     request's nonce, the full prefixed client_id as audience and the
//     transaction_data_hashes of the entries naming its query; then the
//     DCQL query is evaluated again on the verified credentials
//     (dcql.Compiled.Verify). Any failing presentation rejects the whole
//     response.
//
// Malformed input (steps 1–3) leaves the transaction open; once claimed,
// the transaction ends accepted or rejected. A wallet's error response
// ends it rejected with the wallet's error code.
func (v *Verifier) HandleResponse(ctx context.Context, tenant, id string, form url.Values) (*oid4vp.DirectPostResult, error) {
	tenant = v.tenant(tenant)
	rec, err := v.record(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if v.cfg.Now().After(rec.ExpiresAt) {
		return nil, ErrExpired
	}
	if rec.Status != StatusCreated && rec.Status != StatusFetched {
		return nil, ErrAlreadyResponded
	}
	creq, err := v.cache.get(rec, v.cfg.Now())
	if err != nil {
		return nil, err
	}
	req := creq.req
	resp, err := v.parseResponse(rec, req, form)
	if err != nil {
		return nil, err
	}
	walletErr := resp.ErrorResponse()
	// Claim the transaction.
	now := v.cfg.Now()
	if _, err := v.cfg.Store.Update(ctx, id, func(r *Record) error {
		switch {
		case now.After(r.ExpiresAt):
			return ErrExpired
		case r.Status != StatusCreated && r.Status != StatusFetched:
			return ErrAlreadyResponded
		}
		r.Status = StatusReceived
		clear(r.EncryptionKey)
		r.EncryptionKey = nil
		return nil
	}); err != nil {
		return nil, err
	}
	v.emit(ctx, Event{Type: EventResponseReceived, Tenant: tenant, TransactionID: id})
	if walletErr != nil {
		res := &Result{Status: StatusRejected, ErrorCode: walletErr.Code, Error: walletErr.Description, At: v.cfg.Now()}
		if err := v.finish(ctx, rec, res, nil, walletErr); err != nil {
			return nil, err
		}
		return &oid4vp.DirectPostResult{}, nil
	}
	var creds map[string][]VerifiedCredential
	var verr error
	if creq.definition != nil {
		creds, verr = v.verifySubmission(ctx, creq, resp)
	} else {
		creds, verr = v.verifyVPToken(ctx, creq, resp.VPToken)
	}
	if verr != nil {
		pe := protoErr(oid4vp.CodeInvalidRequest, verr, "vp_token rejected")
		res := &Result{Status: StatusRejected, ErrorCode: pe.Code, Error: truncate(verr.Error()), At: v.cfg.Now()}
		if err := v.finish(ctx, rec, res, nil, pe); err != nil {
			return nil, err
		}
		return nil, pe
	}
	res := &Result{Status: StatusAccepted, Credentials: creds, At: v.cfg.Now()}
	out := &oid4vp.DirectPostResult{}
	var codeHash []byte
	if rec.RedirectURI != "" {
		code, err := v.random(16)
		if err != nil {
			return nil, err
		}
		codeHash = hashSecret(code)
		out.RedirectURI = responseCodeURI(rec.RedirectURI, code)
	}
	if err := v.finish(ctx, rec, res, codeHash, nil); err != nil {
		return nil, err
	}
	if v.cfg.OnAccepted != nil && creq.definition == nil {
		v.cfg.OnAccepted(ctx, Accepted{Tenant: rec.Tenant, TransactionID: rec.ID, VPToken: resp.VPToken, Credentials: creds})
	}
	return out, nil
}

func truncate(s string) string {
	if len(s) > 512 {
		return s[:512]
	}
	return s
}

func (v *Verifier) finish(ctx context.Context, rec *Record, res *Result, codeHash []byte, reason error) error {
	v.cache.drop(rec.ID)
	if _, err := v.cfg.Store.Update(ctx, rec.ID, func(r *Record) error {
		if r.Status != StatusReceived {
			return ErrAlreadyResponded
		}
		r.Status = res.Status
		r.Result = res
		r.ResponseCodeHash = codeHash
		// Keep the result for a TTL from now, so that a response near
		// the end of the window can still be read.
		if keep := res.At.Add(v.cfg.TTL); keep.After(r.ExpiresAt) {
			r.ExpiresAt = keep
		}
		return nil
	}); err != nil {
		return err
	}
	e := Event{Type: EventAccepted, Tenant: rec.Tenant, TransactionID: rec.ID}
	if res.Status == StatusRejected {
		e.Type, e.Reason = EventRejected, reason
		v.cfg.Logger.InfoContext(ctx, "oid4vp response rejected", "tenant", rec.Tenant, "transaction", rec.ID, "code", res.ErrorCode)
	}
	v.emit(ctx, e)
	return nil
}

// parseResponse decodes the form and, for the encrypted mode, the JWE,
// then runs oid4vp's CheckResponse.
func (v *Verifier) parseResponse(rec *Record, req *oid4vp.AuthorizationRequest, form url.Values) (*oid4vp.AuthorizationResponse, error) {
	resp, err := oid4vp.ParseResponse(form, rec.profile())
	if err != nil {
		return nil, err
	}
	if err := checkResponse(resp, req); err != nil {
		return nil, err
	}
	if resp.Response == "" {
		return resp, nil
	}
	if len(rec.EncryptionKey) == 0 {
		return nil, protoErr(oid4vp.CodeInvalidRequest, ErrWrongKey, "no response key")
	}
	key, err := ecdh.P256().NewPrivateKey(rec.EncryptionKey)
	if err != nil {
		return nil, err
	}
	pt, hdr, err := jose.Decrypt(resp.Response, key, jose.DecryptOptions{
		KeyAlgorithms:     []string{"ECDH-ES"},
		ContentEncryption: req.ClientMetadata.EncValues(),
		MaxSize:           oid4vp.MaxJWEBytes,
	})
	if err != nil {
		return nil, protoErr(oid4vp.CodeInvalidRequest, err, "the encrypted response cannot be decrypted")
	}
	if hdr.Kid != rec.EncryptionKID {
		return nil, protoErr(oid4vp.CodeInvalidRequest, ErrWrongKey, "the JWE kid is not the transaction's key")
	}
	inner, err := oid4vp.ParseResponsePayload(pt, rec.profile())
	if err != nil {
		return nil, err
	}
	if inner.Response != "" {
		return nil, oid4vp.NewError(oid4vp.CodeInvalidRequest, "nested encrypted response")
	}
	if err := checkResponse(inner, req); err != nil {
		return nil, err
	}
	return inner, nil
}

// checkResponse runs oid4vp's CheckResponse; a wallet's error response
// (with the right state) passes, to end the transaction rejected.
func checkResponse(resp *oid4vp.AuthorizationResponse, req *oid4vp.AuthorizationRequest) error {
	err := resp.CheckResponse(req)
	if err != nil && resp.ErrorResponse() != nil && errors.Is(err, oid4vp.ErrProtocolError) {
		return nil
	}
	return err
}

// presentationKey identifies a vp_token entry for the pre-verified
// lookup.
func presentationKey(p any) (string, error) {
	if s, ok := p.(string); ok {
		return "s" + s, nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	return "j" + string(b), nil
}

// verifyVPToken verifies every presentation with its query's binding, then
// re-evaluates the DCQL query on the verified credentials.
func (v *Verifier) verifyVPToken(ctx context.Context, creq *compiledRequest, tok dcql.VPToken) (map[string][]VerifiedCredential, error) {
	req, compiled, hashes := creq.req, creq.query, creq.hashes
	ids := make([]string, 0, len(tok))
	for id := range tok {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	verified := make(map[string]*presentation.Credential)
	for _, id := range ids {
		i := slices.IndexFunc(req.DCQLQuery.Credentials, func(c dcql.CredentialQuery) bool { return c.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("%w: %q", dcql.ErrUnexpectedQueryID, id)
		}
		cq := &req.DCQLQuery.Credentials[i]
		for n, p := range tok[id] {
			key, err := presentationKey(p)
			if err != nil {
				return nil, err
			}
			if _, dup := verified[key]; dup {
				return nil, ErrDuplicatePresentation
			}
			cred, err := v.verifyOne(ctx, req, cq, hashes[id], p)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				return nil, fmt.Errorf("%w: %s[%d]: %w", ErrPresentationRejected, id, n, err)
			}
			verified[key] = cred
		}
	}
	lookup := dcql.DecoderFunc(func(_ context.Context, _ vocab.Format, p any) (*presentation.Credential, error) {
		key, err := presentationKey(p)
		if err != nil {
			return nil, err
		}
		c, ok := verified[key]
		if !ok {
			return nil, errors.New("verifier: presentation not verified")
		}
		return c, nil
	})
	ver, err := compiled.Verify(ctx, tok, lookup)
	if err != nil {
		return nil, err
	}
	if len(ver.Failures) > 0 {
		f := ver.Failures[0]
		return nil, fmt.Errorf("%w: %s[%d]: %w", ErrPresentationRejected, f.QueryID, f.Index, f.Err)
	}
	out := make(map[string][]VerifiedCredential, len(ver.Accepted))
	for id, cs := range ver.Accepted {
		for _, c := range cs {
			out[id] = append(out[id], VerifiedCredential{Format: c.Format, Issuer: c.Issuer, Subject: c.Subject,
				VCT: c.VCT, DocType: c.DocType, Types: c.Types, Claims: c.Claims})
		}
	}
	return out, nil
}

// verifyOne verifies one presentation for credential query cq.
func (v *Verifier) verifyOne(ctx context.Context, req *oid4vp.AuthorizationRequest, cq *dcql.CredentialQuery, hashes []string, p any) (*presentation.Credential, error) {
	opts := presentation.PresentationOptions{Nonce: req.Nonce, Audience: req.ClientID, TransactionDataHashes: hashes}
	if !cq.HolderBindingRequired() && !keyBoundSDJWT(cq.Format, p) {
		// Holder binding waived (§6.1) and none presented: verify the
		// credential itself; state binds the response (§5.3).
		return v.cfg.Validator.Verify(ctx, cq.Format, p)
	}
	pres, err := v.cfg.Validator.VerifyPresentation(ctx, cq.Format, p, opts)
	if err != nil {
		return nil, err
	}
	if len(pres.Credentials) != 1 {
		return nil, fmt.Errorf("%w: a vp_token entry must present one credential, got %d", presentation.ErrPresentation, len(pres.Credentials))
	}
	return pres.Credentials[0], nil
}

// keyBoundSDJWT reports whether p is an SD-JWT carrying a KB-JWT (it does
// not end with "~"); other formats always count as bound.
func keyBoundSDJWT(f vocab.Format, p any) bool {
	switch f {
	case vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy, vocab.FormatDIFSDJWT:
		s, _ := p.(string)
		return s != "" && !strings.HasSuffix(s, "~")
	}
	return true
}

// expectedHashes returns per credential query id the
// transaction_data_hashes its KB-JWT must carry: the hashes of the
// entries whose credential_ids name it, in request order (§8.4, B.3.3).
func expectedHashes(req *oid4vp.AuthorizationRequest) (map[string][]string, error) {
	if len(req.TransactionData) == 0 {
		return nil, nil
	}
	out := map[string][]string{}
	for _, enc := range req.TransactionData {
		td, err := oid4vp.DecodeTransactionData(enc)
		if err != nil {
			return nil, err
		}
		alg, err := td.HashAlgorithm()
		if err != nil {
			return nil, err
		}
		h, err := oid4vp.TransactionDataHashes([]string{enc}, alg)
		if err != nil {
			return nil, err
		}
		for _, id := range td.CredentialIDs {
			out[id] = append(out[id], h[0])
		}
	}
	return out, nil
}

// verifySubmission verifies a legacy response: the presentation_submission
// re-evaluated against the definition with pex, any failing descriptor_map
// entry rejecting the response. Results are keyed by input descriptor id.
//
// Every presentation in the vp_token is verified before the submission is
// evaluated (see legacyDecoder): SD-JWT VCs with their KB-JWT, JWT VPs
// (jwt_vp_json / jwt_vp) with nonce and aud, Data Integrity VPs (ldp_vp)
// with challenge and domain, and the W3C credentials inside a VP with the
// VP (issuer signature, validity, status, trust, bound to the VP's
// holder). descriptor_map entries reach those credentials with path_nested
// (PE §"Processing of Submission Entries") or, as the W-Stack's wallet
// writes them, with a path straight into the VP
// ("$.verifiableCredential[0]" on an ldp_vp); a W3C credential that is not
// inside a verified VP of this vp_token is never accepted (no holder
// binding). The nonce and audience are the request's, and the audience the
// client_id as sent (bare under the legacy profile).
func (v *Verifier) verifySubmission(ctx context.Context, creq *compiledRequest, resp *oid4vp.AuthorizationResponse) (map[string][]VerifiedCredential, error) {
	var tok any
	if err := json.Unmarshal(resp.LegacyVPToken, &tok); err != nil {
		return nil, fmt.Errorf("%w: vp_token: %w", presentation.ErrMalformed, err)
	}
	dec := newLegacyDecoder(v.cfg.Validator, presentation.PresentationOptions{Nonce: creq.req.Nonce, Audience: creq.req.ClientID})
	if err := dec.preverify(ctx, tok); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPresentationRejected, err)
	}
	ver, err := creq.definition.Verify(ctx, resp.PresentationSubmission, tok, dec)
	if err != nil {
		return nil, err
	}
	for _, d := range ver.Descriptors {
		if d.Err != nil {
			return nil, fmt.Errorf("%w: descriptor %s: %w", ErrPresentationRejected, d.ID, d.Err)
		}
	}
	out := make(map[string][]VerifiedCredential, len(ver.Answered))
	for id, c := range ver.Answered {
		cr := c.Credential
		out[id] = append(out[id], VerifiedCredential{Format: cr.Format, Issuer: cr.Issuer, Subject: cr.Subject,
			VCT: cr.VCT, DocType: cr.DocType, Types: cr.Types, Claims: cr.Claims})
	}
	return out, nil
}
