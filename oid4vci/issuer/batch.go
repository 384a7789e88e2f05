package issuer

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/ocmw/wstack/oid4vci"
)

// maxLegacyBatch bounds a draft 13 batch request when Config.BatchSize is
// not set.
const maxLegacyBatch = 10

// BatchCredentialHandler is the draft 13 batch credential endpoint (§8 of
// draft 13, legacy profile only): credential_requests, each a draft 13
// credential request (format-based or by credential identifier, with the
// singular proof), answered by credential_responses in the same order
// (the singular credential, or a transaction_id for deferred issuance) and
// a fresh c_nonce. Every request is checked before anything is issued; all
// proofs must carry the same c_nonce, which the batch uses up once, and a
// key may be proven only once. At most Config.BatchSize requests (10 when
// unset). Encrypted batch requests are not supported.
func (i *Issuer) BatchCredentialHandler() http.Handler {
	return i.timed("batch_credential", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		resp, err := i.batchCredential(ctx, w, r)
		if err != nil {
			i.fail(ctx, w, "batch_credential", err)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	})
}

func (i *Issuer) batchCredential(ctx context.Context, w http.ResponseWriter, r *http.Request) (*oid4vci.BatchCredentialResponse, error) {
	g, err := i.authenticate(ctx, r)
	if err != nil {
		return nil, err
	}
	body, err := readJSON(w, r, maxCredentialRequest, oid4vci.CodeInvalidCredentialRequest)
	if err != nil {
		return nil, err
	}
	breq, err := i.parser.BatchCredentialRequest(body)
	if err != nil {
		return nil, err
	}
	limit := maxLegacyBatch
	if i.cfg.BatchSize >= 2 {
		limit = i.cfg.BatchSize
	}
	if len(breq.CredentialRequests) > limit {
		return nil, credErr(oid4vci.CodeInvalidCredentialRequest, fmt.Sprintf("more than %d credential requests", limit))
	}
	reqs := make([]*IssueRequest, len(breq.CredentialRequests))
	nonce := ""
	seen := map[string]bool{}
	for k := range breq.CredentialRequests {
		cr := &breq.CredentialRequests[k]
		if cr.CredentialResponseEncryption != nil {
			return nil, credErr(oid4vci.CodeInvalidEncryptionParameters, fmt.Sprintf("credential_requests[%d]: encryption is not supported at the batch endpoint", k))
		}
		ireq, n, err := i.prepare(ctx, g, cr)
		if err != nil {
			var e *oid4vci.Error
			if errors.As(err, &e) {
				c := *e
				c.Description = fmt.Sprintf("credential_requests[%d]: %s", k, e.Description)
				return nil, &c
			}
			return nil, err
		}
		switch {
		case n == "":
		case nonce == "":
			nonce = n
		case n != nonce:
			return nil, credErr(oid4vci.CodeInvalidNonce, fmt.Sprintf("credential_requests[%d]: all proofs of a batch must carry the same c_nonce", k))
		}
		for _, hk := range ireq.HolderKeys {
			if seen[hk.Thumbprint] {
				return nil, credErr(oid4vci.CodeInvalidProof, fmt.Sprintf("credential_requests[%d]: the same key is proven twice", k))
			}
			seen[hk.Thumbprint] = true
		}
		reqs[k] = ireq
	}
	if err := i.consumeNonce(ctx, nonce); err != nil {
		return nil, err
	}
	out := &oid4vci.BatchCredentialResponse{}
	for _, ireq := range reqs {
		_, resp, err := i.issue(ctx, g.offer.ID, ireq, "")
		if err != nil {
			return nil, err
		}
		if len(resp.Credentials) == 1 {
			resp.Credential, resp.Credentials = resp.Credentials[0].Credential, nil
		}
		resp.Interval = 0 // draft 13 responses carry no interval
		out.CredentialResponses = append(out.CredentialResponses, *resp)
	}
	n := randomID(32)
	if err := i.cfg.Nonces.Put(ctx, hashHex("nonce", n), i.now().Add(i.cfg.NonceTTL)); err != nil {
		return nil, err
	}
	out.CNonce, out.CNonceExpiresIn = n, int(i.cfg.NonceTTL.Seconds())
	return out, nil
}
