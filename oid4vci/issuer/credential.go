package issuer

import (
	"context"
	gocrypto "crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
)

const maxCredentialRequest = 1 << 20

// NonceHandler is the nonce endpoint (§7): POST, answered with a fresh
// c_nonce and Cache-Control: no-store (and a DPoP-Nonce when DPoP nonces
// are on). A c_nonce is valid for NonceTTL and accepted by one credential
// request.
func (i *Issuer) NonceHandler() http.Handler {
	return i.timed("nonce", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		now := i.now()
		n := randomID(32)
		if err := i.cfg.Nonces.Put(ctx, hashHex("nonce", n), now.Add(i.cfg.NonceTTL)); err != nil {
			i.fail(ctx, w, "nonce", err)
			return
		}
		if i.cfg.DPoP.Nonces {
			w.Header().Set("DPoP-Nonce", i.dpopNonce(now))
		}
		writeJSON(w, http.StatusOK, &oid4vci.NonceResponse{CNonce: n})
	})
}

func credErr(code oid4vci.ErrorCode, desc string) *oid4vci.Error { return oid4vci.NewError(code, desc) }

// readJSON reads a JSON request body of at most max bytes.
func readJSON(w http.ResponseWriter, r *http.Request, max int64, code oid4vci.ErrorCode) ([]byte, error) {
	b, enc, err := readBody(w, r, max, code, nil)
	if err == nil && enc {
		err = credErr(oid4vci.CodeInvalidEncryptionParameters, "encrypted requests are not supported here")
	}
	return b, err
}

// readBody reads a JSON body or, with encryption on, an encrypted one
// (application/jwt), reporting which.
func readBody(w http.ResponseWriter, r *http.Request, max int64, code oid4vci.ErrorCode, enc *encryption) ([]byte, bool, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case oid4vci.MediaTypeJSON, oid4vci.MediaTypeJWT:
	default:
		return nil, false, credErr(code, "content type must be application/json")
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		return nil, false, credErr(code, "request body too large or unreadable").Wrap(err)
	}
	if ct == oid4vci.MediaTypeJSON {
		return b, false, nil
	}
	if enc == nil {
		return nil, true, credErr(oid4vci.CodeInvalidEncryptionParameters, "encrypted requests are not supported by this issuer")
	}
	pt, err := enc.decrypt(b)
	return pt, true, err
}

// respond writes a credential or deferred response, encrypted when asked.
func (i *Issuer) respond(w http.ResponseWriter, status int, resp *oid4vci.CredentialResponse, re *oid4vci.ResponseEncryption) {
	if re != nil {
		i.enc.encryptResponse(w, status, resp, re)
		return
	}
	writeJSON(w, status, resp)
}

// CredentialHandler is the credential endpoint (§8).
func (i *Issuer) CredentialHandler() http.Handler {
	return i.timed("credential", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		status, resp, re, err := i.credential(ctx, w, r)
		if err != nil {
			i.fail(ctx, w, "credential", err)
			return
		}
		i.respond(w, status, resp, re)
	})
}

func (i *Issuer) credential(ctx context.Context, w http.ResponseWriter, r *http.Request) (int, *oid4vci.CredentialResponse, *oid4vci.ResponseEncryption, error) {
	g, err := i.authenticate(ctx, r)
	if err != nil {
		return 0, nil, nil, err
	}
	body, encrypted, err := readBody(w, r, maxCredentialRequest, oid4vci.CodeInvalidCredentialRequest, i.enc)
	if err != nil {
		return 0, nil, nil, err
	}
	req, err := i.parser.CredentialRequest(body)
	if err != nil {
		return 0, nil, nil, err
	}
	if err := i.enc.checkRequest(encrypted, req.CredentialResponseEncryption); err != nil {
		return 0, nil, nil, err
	}
	legacy := req.Proof != nil || req.Format != ""
	ireq, nonce, err := i.prepare(ctx, g, req)
	if err != nil {
		return 0, nil, nil, err
	}
	if err := i.consumeNonce(ctx, nonce); err != nil {
		return 0, nil, nil, err
	}
	status, resp, err := i.issue(ctx, g.offer.ID, ireq, "")
	if err != nil {
		return 0, nil, nil, err
	}
	if legacy {
		if err := i.legacyResponse(ctx, resp); err != nil {
			return 0, nil, nil, err
		}
	}
	return status, resp, req.CredentialResponseEncryption, nil
}

// prepare validates one credential request against the grant (the
// configuration it covers, the metadata, every key proof) and returns the
// issue request and the c_nonce its proofs carry ("" without proofs). The
// nonce is not consumed.
func (i *Issuer) prepare(ctx context.Context, g *grant, req *oid4vci.CredentialRequest) (*IssueRequest, string, error) {
	var err error
	var nonce string
	cid, ok := g.configurationFor(req.CredentialIdentifier, req.CredentialConfigurationID)
	if req.Format != "" {
		cid, ok = i.configurationByFormat(g, req)
		if !ok {
			return nil, "", credErr(oid4vci.CodeUnsupportedCredentialFormat, "no granted configuration matches the format-based request")
		}
	}
	if !ok {
		if req.CredentialIdentifier != "" {
			return nil, "", credErr(oid4vci.CodeUnknownCredentialIdentifier, "credential identifier not granted by the access token")
		}
		return nil, "", credErr(oid4vci.CodeUnknownCredentialConfiguration, "credential configuration not granted by the access token")
	}
	cfg := i.configs[cid]
	if cfg == nil {
		return nil, "", credErr(oid4vci.CodeUnknownCredentialConfiguration, "credential configuration unknown")
	}
	if err := req.CheckMetadata(i.metadata, cfg); err != nil {
		return nil, "", err
	}
	var keys []HolderKey
	if cfg.ProofTypesSupported == nil {
		if req.Proofs != nil {
			return nil, "", credErr(oid4vci.CodeInvalidCredentialRequest, "the configuration takes no key proofs")
		}
	} else {
		proofs := req.Proofs
		if req.Proof != nil {
			if req.Proof.ProofType != oid4vci.ProofTypeJWT {
				return nil, "", credErr(oid4vci.CodeInvalidProof, "proof type not supported")
			}
			proofs = &oid4vci.Proofs{JWT: []string{req.Proof.JWT}}
		}
		switch {
		case proofs != nil && len(proofs.Attestation) > 0:
			keys, nonce, err = i.verifyAttestationProof(ctx, cfg, proofs)
		case proofs != nil && len(proofs.DIVP) > 0:
			keys, nonce, err = i.verifyDIVPProofs(ctx, cfg, proofs)
		default:
			keys, nonce, err = i.verifyProofs(ctx, g, cfg, proofs)
		}
		if err != nil {
			return nil, "", err
		}
	}
	return &IssueRequest{
		ConfigurationID: cid, Configuration: cfg, CredentialIdentifier: req.CredentialIdentifier,
		Subject: g.offer.Subject, Claims: g.offer.Claims, ClientID: g.claims.ClientID, HolderKeys: keys,
	}, nonce, nil
}

// consumeNonce uses up the c_nonce of a request (once everything else
// checked out); "" (no proofs) is nothing to consume.
func (i *Issuer) consumeNonce(ctx context.Context, nonce string) error {
	if nonce == "" {
		return nil
	}
	if err := i.cfg.Nonces.Consume(ctx, hashHex("nonce", nonce), i.now()); err != nil {
		if errors.Is(err, ErrNotFound) {
			return credErr(oid4vci.CodeInvalidNonce, "c_nonce unknown, expired or already used")
		}
		return err
	}
	return nil
}

// legacyResponse turns a 1.0 response into the draft 13 shape: the singular
// credential and a fresh c_nonce.
func (i *Issuer) legacyResponse(ctx context.Context, resp *oid4vci.CredentialResponse) error {
	if len(resp.Credentials) == 1 {
		resp.Credential, resp.Credentials = resp.Credentials[0].Credential, nil
	}
	n := randomID(32)
	if err := i.cfg.Nonces.Put(ctx, hashHex("nonce", n), i.now().Add(i.cfg.NonceTTL)); err != nil {
		return err
	}
	resp.CNonce, resp.CNonceExpiresIn = n, int(i.cfg.NonceTTL/time.Second)
	return nil
}

// configurationByFormat finds the granted configuration a draft 13
// format-based request means: same format (vc+sd-jwt = dc+sd-jwt) and the
// same vct, doctype or credential_definition.type.
func (i *Issuer) configurationByFormat(g *grant, req *oid4vci.CredentialRequest) (string, bool) {
	format := req.Format
	if format == oid4vci.FormatLegacySDJWTVC {
		format = oid4vci.FormatSDJWTVC
	}
	for _, d := range g.claims.AuthorizationDetails {
		c := i.configs[d.CredentialConfigurationID]
		if c == nil || c.Format != format {
			continue
		}
		switch {
		case format == oid4vci.FormatSDJWTVC && req.VCT != "" && req.VCT == c.VCT,
			format == oid4vci.FormatMsoMdoc && req.Doctype != "" && req.Doctype == c.Doctype:
			return d.CredentialConfigurationID, true
		case req.CredentialDefinition != nil && c.CredentialDefinition != nil && sameSet(req.CredentialDefinition.Type, c.CredentialDefinition.Type):
			return d.CredentialConfigurationID, true
		}
	}
	return "", false
}

func sameSet(a, b []string) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// issue runs the plugin and builds the 200 or 202 response.
func (i *Issuer) issue(ctx context.Context, offerID string, req *IssueRequest, txID string) (int, *oid4vci.CredentialResponse, error) {
	p := i.plugins[req.ConfigurationID]
	res, err := p.Issue(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	now := i.now()
	if res.Deferred {
		interval := res.Interval
		if interval <= 0 {
			interval = 5
		}
		if txID == "" {
			txID = randomID(24)
			if err := i.cfg.Transactions.Put(ctx, &Transaction{
				ID: txID, OfferID: offerID, Request: *req, Interval: interval, ExpiresAt: now.Add(i.cfg.DeferredTTL),
			}); err != nil {
				return 0, nil, err
			}
		}
		return http.StatusAccepted, &oid4vci.CredentialResponse{TransactionID: txID, Interval: interval}, nil
	}
	want := len(req.HolderKeys)
	if want == 0 {
		want = 1
	}
	if len(res.Credentials) != want {
		return 0, nil, fmt.Errorf("issuer: plugin for %q returned %d credentials for %d keys", req.ConfigurationID, len(res.Credentials), want)
	}
	if txID != "" {
		if err := i.cfg.Transactions.Delete(ctx, txID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return 0, nil, credErr(oid4vci.CodeInvalidTransactionID, "transaction already completed")
			}
			return 0, nil, err
		}
	}
	nid := randomID(16)
	if err := i.cfg.Notifications.Put(ctx, &Notification{ID: nid, OfferID: offerID, ExpiresAt: now.Add(i.cfg.NotificationTTL)}); err != nil {
		return 0, nil, err
	}
	i.metrics.Record(ctx, Event{Kind: EventCredentialsIssued, Endpoint: "credential", Format: req.Configuration.Format, Count: len(res.Credentials)})
	return http.StatusOK, &oid4vci.CredentialResponse{Credentials: res.Credentials, NotificationID: nid}, nil
}

// verifyProofs checks every jwt key proof per Appendix F.4 and returns the
// proven keys and the common c_nonce.
func (i *Issuer) verifyProofs(ctx context.Context, g *grant, cfg *oid4vci.CredentialConfiguration, ps *oid4vci.Proofs) ([]HolderKey, string, error) {
	if ps == nil || len(ps.JWT) == 0 {
		return nil, "", credErr(oid4vci.CodeInvalidProof, "jwt key proofs required")
	}
	meta := cfg.ProofTypesSupported[oid4vci.ProofTypeJWT]
	if meta == nil {
		return nil, "", credErr(oid4vci.CodeInvalidProof, "proof type not supported")
	}
	var keys []HolderKey
	nonce := ""
	for k, tok := range ps.JWT {
		key, n, err := i.verifyProof(ctx, g, meta, tok)
		if err != nil {
			var e *oid4vci.Error
			if errors.As(err, &e) {
				c := *e
				c.Description = fmt.Sprintf("proofs.jwt[%d]: %s", k, e.Description)
				return nil, "", &c
			}
			return nil, "", withCodeDesc(err, k)
		}
		if k == 0 {
			nonce = n
		} else if n != nonce {
			return nil, "", credErr(oid4vci.CodeInvalidNonce, fmt.Sprintf("proofs.jwt[%d]: all proofs of a request must carry the same c_nonce", k))
		}
		for _, prev := range keys {
			if prev.Thumbprint == key.Thumbprint {
				return nil, "", credErr(oid4vci.CodeInvalidProof, fmt.Sprintf("proofs.jwt[%d]: the same key is proven twice", k))
			}
		}
		keys = append(keys, key)
	}
	return keys, nonce, nil
}

func withCodeDesc(err error, k int) error {
	var fe *oid4vci.FieldError
	if errors.As(err, &fe) {
		return credErr(oid4vci.CodeInvalidProof, fmt.Sprintf("proofs.jwt[%d]: %s", k, fe.Error())).Wrap(err)
	}
	return err
}

func (i *Issuer) verifyProof(ctx context.Context, g *grant, meta *oid4vci.ProofTypeMetadata, tok string) (HolderKey, string, error) {
	var hk HolderKey
	bad := func(desc string) error { return credErr(oid4vci.CodeInvalidProof, desc) }
	pj, err := i.parser.ProofJWT(tok)
	if err != nil {
		return hk, "", err
	}
	h := &pj.Header
	alg := crypto.Algorithm(h.Alg)
	if !slices.Contains(meta.ProofSigningAlgValuesSupported, h.Alg) || !slices.Contains(i.proofAlg, alg) {
		return hk, "", bad("alg not in proof_signing_alg_values_supported")
	}
	if _, crit := h.Extra["crit"]; crit {
		return hk, "", bad("crit header parameters are not understood")
	}
	var pub gocrypto.PublicKey
	switch {
	case h.JWK != nil:
		pub, err = crypto.ParsePublicJWK(h.JWK)
		if err != nil {
			return hk, "", bad("header jwk invalid")
		}
	case h.Kid != "":
		if !strings.HasPrefix(h.Kid, "did:") {
			return hk, "", bad("kid must be a DID URL")
		}
		pub, err = i.didKeys.ResolveKey(ctx, &jose.JWS{Header: jose.Header{Alg: alg, Kid: h.Kid}})
		if err != nil {
			return hk, "", bad("kid does not resolve to an authentication key")
		}
		hk.DID, _, _ = strings.Cut(h.Kid, "#")
		hk.KID = h.Kid
	case len(h.X5C) > 0:
		der, err := base64.StdEncoding.Strict().DecodeString(h.X5C[0])
		if err != nil {
			return hk, "", bad("x5c invalid")
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return hk, "", bad("x5c invalid")
		}
		pub = cert.PublicKey
	}
	if err := crypto.VerifySignature(pub, alg, []byte(pj.SigningInput), pj.Signature); err != nil {
		return hk, "", bad("signature does not verify with the header key")
	}
	c := &pj.Claims
	if c.Aud != i.id && c.Aud != i.cfg.Issuer {
		return hk, "", bad("aud is not this credential issuer")
	}
	now := i.now()
	iat := time.Unix(c.Iat, 0)
	if iat.After(now.Add(i.cfg.Leeway)) {
		return hk, "", bad("iat in the future")
	}
	if iat.Before(now.Add(-i.cfg.ProofMaxAge - i.cfg.Leeway)) {
		return hk, "", bad("iat too old")
	}
	switch cid := g.claims.ClientID; {
	case cid != "" && c.Iss != cid:
		return hk, "", bad("iss is not the client_id")
	case cid == "" && c.Iss != "":
		return hk, "", bad("iss must be omitted for anonymous access")
	}
	if c.Nonce == "" {
		return hk, "", credErr(oid4vci.CodeInvalidNonce, "nonce missing: obtain a c_nonce from the nonce endpoint")
	}
	jwk, err := crypto.PublicJWK(pub)
	if err != nil {
		return hk, "", bad("key unusable")
	}
	tp, err := crypto.Thumbprint(pub)
	if err != nil {
		return hk, "", bad("key unusable")
	}
	hk.Public, hk.JWK, hk.Thumbprint = pub, jwk, tp
	if req := meta.KeyAttestationsRequired; req != nil {
		if err := i.checkKeyAttestation(ctx, pj, req, tp, c.Nonce); err != nil {
			return hk, "", err
		}
	}
	return hk, c.Nonce, nil
}

// checkKeyAttestation verifies the key_attestation of a jwt proof (Appendix
// D, F.1, F.4): signed by a trusted attester, unexpired, attesting the proof
// key, with the key_storage and user_authentication levels the
// configuration requires (one of the listed values each), and, when it has a
// nonce, the proof's c_nonce.
func (i *Issuer) checkKeyAttestation(ctx context.Context, pj *oid4vci.ProofJWT, req *oid4vci.KeyAttestationsRequired, proofKey, nonce string) error {
	if pj.KeyAttestation == nil {
		return credErr(oid4vci.CodeInvalidProof, "key attestation required")
	}
	keys, err := i.verifyAttestation(ctx, pj.Header.KeyAttestation, pj.KeyAttestation, req, nil, nonce)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.Thumbprint == proofKey {
			return nil
		}
	}
	return credErr(oid4vci.CodeInvalidProof, "the proof is not signed by an attested key")
}

// verifyAttestation checks a key attestation JWT and returns its attested
// keys: trusted attester signature (alg in algs when set), unexpired, levels
// as required, nonce equal to the c_nonce when it has one.
func (i *Issuer) verifyAttestation(ctx context.Context, token string, ka *oid4vci.KeyAttestation, req *oid4vci.KeyAttestationsRequired, algs []string, nonce string) ([]HolderKey, error) {
	bad := func(desc string) error { return credErr(oid4vci.CodeInvalidProof, desc) }
	if algs != nil && !slices.Contains(algs, ka.Header.Alg) {
		return nil, bad("key attestation alg not in proof_signing_alg_values_supported")
	}
	if _, err := jose.Verify(ctx, token, jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: i.proofAlg, Typ: []string{oid4vci.KeyAttestationJWTType}},
		Resolver:     i.cfg.KeyAttesters,
	}); err != nil {
		return nil, bad("key attestation not signed by a trusted attester")
	}
	now := i.now()
	cl := &ka.Claims
	if cl.Exp == 0 || !now.Before(time.Unix(cl.Exp, 0).Add(i.cfg.Leeway)) {
		return nil, bad("key attestation expired")
	}
	if time.Unix(cl.Iat, 0).After(now.Add(i.cfg.Leeway)) {
		return nil, bad("key attestation iat in the future")
	}
	if cl.Nonce != "" && cl.Nonce != nonce {
		return nil, credErr(oid4vci.CodeInvalidNonce, "key attestation nonce is not the c_nonce")
	}
	if req != nil && (!anyOf(cl.KeyStorage, req.KeyStorage) || !anyOf(cl.UserAuthentication, req.UserAuthentication)) {
		return nil, bad("key attestation does not meet key_attestations_required")
	}
	var keys []HolderKey
	for _, raw := range cl.AttestedKeys {
		pub, err := crypto.ParsePublicJWK(raw)
		if err != nil {
			return nil, bad("key attestation lists an invalid key")
		}
		tp, err := crypto.Thumbprint(pub)
		if err != nil {
			return nil, bad("key attestation lists an invalid key")
		}
		for _, k := range keys {
			if k.Thumbprint == tp {
				return nil, bad("key attestation lists a key twice")
			}
		}
		jwk, err := crypto.PublicJWK(pub)
		if err != nil {
			return nil, bad("key attestation lists an invalid key")
		}
		keys = append(keys, HolderKey{Public: pub, JWK: jwk, Thumbprint: tp})
	}
	return keys, nil
}

// verifyAttestationProof checks the attestation proof type (§F.3): exactly
// one key attestation whose nonce is the c_nonce; its attested keys are the
// holder keys (at most batch_size).
func (i *Issuer) verifyAttestationProof(ctx context.Context, cfg *oid4vci.CredentialConfiguration, ps *oid4vci.Proofs) ([]HolderKey, string, error) {
	meta := cfg.ProofTypesSupported[oid4vci.ProofTypeAttestation]
	if meta == nil {
		return nil, "", credErr(oid4vci.CodeInvalidProof, "proof type not supported")
	}
	if len(ps.Attestation) != 1 {
		return nil, "", credErr(oid4vci.CodeInvalidProof, "exactly one key attestation required")
	}
	ka, err := i.parser.KeyAttestation(ps.Attestation[0])
	if err != nil {
		return nil, "", err
	}
	if ka.Claims.Nonce == "" {
		return nil, "", credErr(oid4vci.CodeInvalidNonce, "key attestation without nonce")
	}
	keys, err := i.verifyAttestation(ctx, ps.Attestation[0], ka, meta.KeyAttestationsRequired, meta.ProofSigningAlgValuesSupported, ka.Claims.Nonce)
	if err != nil {
		return nil, "", err
	}
	limit := 1
	if i.cfg.BatchSize >= 2 {
		limit = i.cfg.BatchSize
	}
	if len(keys) > limit {
		return nil, "", credErr(oid4vci.CodeInvalidCredentialRequest, "more attested keys than batch_size")
	}
	return keys, ka.Claims.Nonce, nil
}

// anyOf reports whether required is empty or got has one of its values.
func anyOf(got, required []string) bool {
	if len(required) == 0 {
		return true
	}
	for _, g := range got {
		if slices.Contains(required, g) {
			return true
		}
	}
	return false
}

// DeferredHandler is the deferred credential endpoint (§9): 200 with the
// credentials (the transaction id is then invalidated) or 202 with the same
// transaction id.
func (i *Issuer) DeferredHandler() http.Handler {
	return i.timed("deferred", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		status, resp, re, err := i.deferred(ctx, w, r)
		if err != nil {
			i.fail(ctx, w, "deferred", err)
			return
		}
		i.respond(w, status, resp, re)
	})
}

func (i *Issuer) deferred(ctx context.Context, w http.ResponseWriter, r *http.Request) (int, *oid4vci.CredentialResponse, *oid4vci.ResponseEncryption, error) {
	g, err := i.authenticate(ctx, r)
	if err != nil {
		return 0, nil, nil, err
	}
	body, encrypted, err := readBody(w, r, maxCredentialRequest, oid4vci.CodeInvalidCredentialRequest, i.enc)
	if err != nil {
		return 0, nil, nil, err
	}
	req, err := i.parser.DeferredCredentialRequest(body)
	if err != nil {
		return 0, nil, nil, err
	}
	// A deferred request may bring new response keys; they are used.
	if err := i.enc.checkRequest(encrypted, req.CredentialResponseEncryption); err != nil {
		return 0, nil, nil, err
	}
	tx, err := i.cfg.Transactions.Get(ctx, req.TransactionID, i.now())
	if errors.Is(err, ErrNotFound) || (err == nil && tx.OfferID != g.offer.ID) {
		return 0, nil, nil, credErr(oid4vci.CodeInvalidTransactionID, "transaction id unknown or not of this grant")
	}
	if err != nil {
		return 0, nil, nil, err
	}
	ireq := tx.Request
	ireq.TransactionID = tx.ID
	// Stores that serialise the request keep ids and JWKs only.
	if ireq.Configuration = i.configs[ireq.ConfigurationID]; ireq.Configuration == nil {
		return 0, nil, nil, credErr(oid4vci.CodeInvalidTransactionID, "transaction of a configuration no longer served")
	}
	for k := range ireq.HolderKeys {
		if hk := &ireq.HolderKeys[k]; hk.Public == nil && hk.JWK != nil {
			pub, err := crypto.PublicKeyFromJWK(hk.JWK)
			if err != nil {
				return 0, nil, nil, err
			}
			hk.Public = pub
		}
	}
	status, resp, err := i.issue(ctx, g.offer.ID, &ireq, tx.ID)
	if err != nil {
		return 0, nil, nil, err
	}
	return status, resp, req.CredentialResponseEncryption, nil
}

// NotificationHandler is the notification endpoint (§11): 204, idempotent.
func (i *Issuer) NotificationHandler() http.Handler {
	return i.timed("notification", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if err := i.notification(ctx, w, r); err != nil {
			i.fail(ctx, w, "notification", err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
	})
}

func (i *Issuer) notification(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	g, err := i.authenticate(ctx, r)
	if err != nil {
		return err
	}
	body, err := readJSON(w, r, 64<<10, oid4vci.CodeInvalidNotificationRequest)
	if err != nil {
		return err
	}
	req, err := i.parser.NotificationRequest(body)
	if err != nil {
		return err
	}
	err = i.cfg.Notifications.Record(ctx, req.NotificationID, g.offer.ID, req.Event, i.now())
	if errors.Is(err, ErrNotFound) {
		return credErr(oid4vci.CodeInvalidNotificationID, "notification id unknown or not of this grant")
	}
	return err
}

// verifyDIVPProofs checks di_vp proofs (§F.2): each a Verifiable
// Presentation whose one Data Integrity proof has proofPurpose
// authentication, domain = the issuer identifier and challenge = the
// c_nonce (the same in every proof), signed by a key of the holder DID.
func (i *Issuer) verifyDIVPProofs(ctx context.Context, cfg *oid4vci.CredentialConfiguration, ps *oid4vci.Proofs) ([]HolderKey, string, error) {
	meta := cfg.ProofTypesSupported[oid4vci.ProofTypeDIVP]
	if meta == nil {
		return nil, "", credErr(oid4vci.CodeInvalidProof, "proof type not supported")
	}
	suites := make([]dataintegrity.Suite, len(meta.ProofSigningAlgValuesSupported))
	for k, a := range meta.ProofSigningAlgValuesSupported {
		suites[k] = dataintegrity.Suite(a)
	}
	var keys []HolderKey
	nonce := ""
	for k, raw := range ps.DIVP {
		bad := func(desc string) error {
			return credErr(oid4vci.CodeInvalidProof, fmt.Sprintf("proofs.di_vp[%d]: %s", k, desc))
		}
		var vp struct {
			Holder string `json:"holder"`
			Proof  struct {
				Challenge string `json:"challenge"`
			} `json:"proof"`
		}
		if err := json.Unmarshal(raw, &vp); err != nil {
			return nil, "", bad("not a presentation with a single proof object")
		}
		if !strings.HasPrefix(vp.Holder, "did:") {
			return nil, "", bad("holder must be a DID")
		}
		ch := vp.Proof.Challenge
		if ch == "" {
			return nil, "", credErr(oid4vci.CodeInvalidNonce, fmt.Sprintf("proofs.di_vp[%d]: challenge missing", k))
		}
		if k == 0 {
			nonce = ch
		} else if ch != nonce {
			return nil, "", credErr(oid4vci.CodeInvalidNonce, fmt.Sprintf("proofs.di_vp[%d]: all proofs must carry the same c_nonce", k))
		}
		res, err := i.cfg.DataIntegrity.Verify(ctx, raw, dataintegrity.VerifyOptions{
			Suites: suites, Purpose: dataintegrity.PurposeAuthentication, Challenge: nonce, Domain: i.id, Controller: vp.Holder,
		})
		if err != nil {
			return nil, "", bad("presentation proof invalid")
		}
		if len(res.Proofs) != 1 {
			return nil, "", bad("exactly one proof required")
		}
		pub := res.Proofs[0].Key
		tp, err := crypto.Thumbprint(pub)
		if err != nil {
			return nil, "", bad("key unusable")
		}
		jwk, err := crypto.PublicJWK(pub)
		if err != nil {
			return nil, "", bad("key unusable")
		}
		for _, prev := range keys {
			if prev.Thumbprint == tp {
				return nil, "", bad("the same key is proven twice")
			}
		}
		keys = append(keys, HolderKey{Public: pub, JWK: jwk, KID: res.Proofs[0].VerificationMethod, DID: vp.Holder, Thumbprint: tp})
	}
	return keys, nonce, nil
}
