package oid4vci

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// CredentialRequest is a credential request (§8.2). Exactly one of
// CredentialIdentifier and CredentialConfigurationID identifies the
// credential; Proofs carries the key proofs.
//
// Format, Proof, CredentialDefinition, VCT, Doctype and Claims are the
// drafts 11–13 members (legacy): a format-based request with a singular
// proof object.
type CredentialRequest struct {
	CredentialIdentifier         string              `json:"credential_identifier,omitempty"`
	CredentialConfigurationID    string              `json:"credential_configuration_id,omitempty"`
	Proofs                       *Proofs             `json:"proofs,omitempty"`
	CredentialResponseEncryption *ResponseEncryption `json:"credential_response_encryption,omitempty"`

	Format               string                `json:"format,omitempty"`
	Proof                *Proof                `json:"proof,omitempty"`
	CredentialDefinition *CredentialDefinition `json:"credential_definition,omitempty"`
	VCT                  string                `json:"vct,omitempty"`
	Doctype              string                `json:"doctype,omitempty"`
	Claims               json.RawMessage       `json:"claims,omitempty"`

	Extra Extra `json:"-"`
}

// Proofs is the proofs object: exactly one proof type with a non-empty
// array (§8.2, Appendix F). Other proof types are kept in Extra. Validation
// checks the shape only; each jwt proof is parsed with Parser.ProofJWT.
type Proofs struct {
	// JWT holds compact jwt key proofs (§F.1).
	JWT []string `json:"jwt,omitempty"`
	// DIVP holds W3C Verifiable Presentations with Data Integrity proofs (§F.2).
	DIVP []json.RawMessage `json:"di_vp,omitempty"`
	// Attestation holds exactly one key attestation JWT (§F.3).
	Attestation []string `json:"attestation,omitempty"`
	Extra       Extra    `json:"-"`
}

// Proof is the draft 13 singular proof object (legacy):
// {proof_type, jwt | cwt | ldp_vp}.
type Proof struct {
	ProofType string          `json:"proof_type"`
	JWT       string          `json:"jwt,omitempty"`
	CWT       string          `json:"cwt,omitempty"`
	LDPVP     json.RawMessage `json:"ldp_vp,omitempty"`
	Extra     Extra           `json:"-"`
}

// ResponseEncryption is credential_response_encryption in a credential or
// deferred credential request (§8.2). Alg is the draft 13 member (legacy);
// in 1.0 the JWE alg is the JWK's alg.
type ResponseEncryption struct {
	JWK   json.RawMessage `json:"jwk"`
	Enc   string          `json:"enc"`
	Zip   string          `json:"zip,omitempty"`
	Alg   string          `json:"alg,omitempty"`
	Extra Extra           `json:"-"`
}

// CredentialRequest decodes and validates a credential request body
// (application/json; an encrypted request is decrypted by the caller
// first). Errors carry the §8.3.1.2 code: invalid_proof for the proofs,
// invalid_encryption_parameters for credential_response_encryption,
// invalid_credential_request otherwise.
func (p Parser) CredentialRequest(data []byte) (*CredentialRequest, error) {
	var r CredentialRequest
	if err := p.decode(data, defaultMedium, &r); err != nil {
		return nil, withCode(err, CodeInvalidCredentialRequest)
	}
	if err := r.validate(p); err != nil {
		return nil, err
	}
	return &r, nil
}

// Validate checks the request under profile p with the standard proof types.
func (r *CredentialRequest) Validate(p Profile) error { return r.validate(Parser{Profile: p}) }

func (r *CredentialRequest) validate(p Parser) error {
	if err := r.checkIdentification(p.Profile); err != nil {
		return withCode(err, CodeInvalidCredentialRequest)
	}
	switch {
	case r.Proofs != nil && r.Proof != nil:
		return withCode(fieldErr("proof", ErrConflict, "proof and proofs both present"), CodeInvalidProof)
	case r.Proof != nil && p.Profile == ProfileFinal:
		return withCode(fieldErr("proof", ErrLegacy, "1.0 uses proofs"), CodeInvalidProof)
	case r.Proofs != nil:
		if err := r.Proofs.validate(p); err != nil {
			return withCode(prefix("proofs", err), CodeInvalidProof)
		}
	case r.Proof != nil:
		if err := r.Proof.Validate(); err != nil {
			return withCode(prefix("proof", err), CodeInvalidProof)
		}
	}
	if e := r.CredentialResponseEncryption; e != nil {
		if err := e.Validate(p.Profile); err != nil {
			return withCode(prefix("credential_response_encryption", err), CodeInvalidEncryptionParameters)
		}
	}
	return nil
}

func (r *CredentialRequest) checkIdentification(p Profile) error {
	hasID, hasConf := r.CredentialIdentifier != "", r.CredentialConfigurationID != ""
	hasFormat := r.Format != ""
	if p == ProfileFinal {
		switch {
		case hasID && hasConf:
			return fieldErr("credential_configuration_id", ErrConflict, "credential_identifier and credential_configuration_id both present")
		case !hasID && !hasConf:
			if hasFormat {
				return fieldErr("format", ErrLegacy, "format-based requests are drafts 11-13; use credential_configuration_id")
			}
			return fieldErr("credential_configuration_id", ErrMissing, "one of credential_identifier and credential_configuration_id is required")
		}
		return nil
	}
	n := 0
	for _, b := range []bool{hasID, hasConf, hasFormat} {
		if b {
			n++
		}
	}
	switch {
	case n == 0:
		return fieldErr("format", ErrMissing, "one of credential_identifier, credential_configuration_id and format is required")
	case n > 1:
		return fieldErr("credential_identifier", ErrConflict, "credential_identifier, credential_configuration_id and format exclude each other")
	case hasFormat:
		return checkFormatMembers(r.Format, r.VCT, r.Doctype, r.CredentialDefinition, ProfileLegacy, false)
	case r.VCT != "" || r.Doctype != "" || r.CredentialDefinition != nil:
		return fieldErr("credential_identifier", ErrConflict, "format-specific members without format")
	}
	return nil
}

// Types returns the proof type names present.
func (ps *Proofs) Types() []string {
	var t []string
	if ps.JWT != nil {
		t = append(t, ProofTypeJWT)
	}
	if ps.DIVP != nil {
		t = append(t, ProofTypeDIVP)
	}
	if ps.Attestation != nil {
		t = append(t, ProofTypeAttestation)
	}
	for k := range ps.Extra {
		t = append(t, k)
	}
	sort.Strings(t)
	return t
}

// Len returns the number of proofs of the (single) proof type.
func (ps *Proofs) Len() int {
	switch {
	case ps.JWT != nil:
		return len(ps.JWT)
	case ps.DIVP != nil:
		return len(ps.DIVP)
	case ps.Attestation != nil:
		return len(ps.Attestation)
	}
	for _, v := range ps.Extra {
		var a []json.RawMessage
		if json.Unmarshal(v, &a) == nil {
			return len(a)
		}
	}
	return 0
}

// Validate checks the proofs object with the standard proof types.
func (ps *Proofs) Validate() error { return ps.validate(Parser{}) }

func (ps *Proofs) validate(p Parser) error {
	types := ps.Types()
	switch {
	case len(types) == 0:
		return fieldErr("", ErrMissing, "no proof type")
	case len(types) > 1:
		return fieldErr(types[1], ErrConflict, "more than one proof type: "+strings.Join(types, ", "))
	}
	switch t := types[0]; t {
	case ProofTypeJWT:
		if len(ps.JWT) == 0 {
			return fieldErr("jwt", ErrEmpty, "")
		}
		for i, j := range ps.JWT {
			if j == "" {
				return fieldErr(fmt.Sprintf("jwt[%d]", i), ErrMissing, "empty string")
			}
		}
	case ProofTypeDIVP:
		if len(ps.DIVP) == 0 {
			return fieldErr("di_vp", ErrEmpty, "")
		}
		for i, vp := range ps.DIVP {
			if len(vp) == 0 || vp[0] != '{' {
				return fieldErr(fmt.Sprintf("di_vp[%d]", i), ErrInvalidValue, "must be a Verifiable Presentation object")
			}
		}
	case ProofTypeAttestation:
		if len(ps.Attestation) != 1 {
			return fieldErr("attestation", ErrInvalidValue, "must contain exactly one key attestation")
		}
		if ps.Attestation[0] == "" {
			return fieldErr("attestation[0]", ErrMissing, "empty string")
		}
	default:
		allowed := false
		for _, e := range p.ExtraProofTypes {
			allowed = allowed || e == t
		}
		if !allowed {
			return fieldErr(t, ErrUnsupportedProofType, "")
		}
		var a []json.RawMessage
		if err := json.Unmarshal(ps.Extra[t], &a); err != nil || len(a) == 0 {
			return fieldErr(t, ErrEmpty, "must be a non-empty array")
		}
	}
	return nil
}

// Validate checks a draft 13 proof object.
func (pr *Proof) Validate() error {
	present := map[string]bool{ProofTypeJWT: pr.JWT != "", ProofTypeLegacyCWT: pr.CWT != "", ProofTypeLegacyLDPVP: pr.LDPVP != nil}
	switch pr.ProofType {
	case "":
		return fieldErr("proof_type", ErrMissing, "")
	case ProofTypeJWT, ProofTypeLegacyCWT, ProofTypeLegacyLDPVP:
	default:
		return fieldErr("proof_type", ErrUnsupportedProofType, truncate(pr.ProofType))
	}
	if !present[pr.ProofType] {
		return fieldErr(pr.ProofType, ErrMissing, "")
	}
	for t, ok := range present {
		if ok && t != pr.ProofType {
			return fieldErr(t, ErrConflict, "does not match proof_type")
		}
	}
	if pr.ProofType == ProofTypeLegacyLDPVP && pr.LDPVP[0] != '{' {
		return fieldErr("ldp_vp", ErrInvalidValue, "must be a Verifiable Presentation object")
	}
	return nil
}

// Validate checks credential_response_encryption: a public JWK with alg
// (1.0) or the draft 13 alg member, and enc.
func (e *ResponseEncryption) Validate(p Profile) error {
	if len(e.JWK) == 0 || string(e.JWK) == "null" {
		return fieldErr("jwk", ErrMissing, "")
	}
	var k map[string]json.RawMessage
	if err := json.Unmarshal(e.JWK, &k); err != nil || e.JWK[0] != '{' {
		return fieldErr("jwk", ErrInvalidValue, "must be a JWK object")
	}
	if err := checkPublicJWK(k); err != nil {
		return prefix("jwk", err)
	}
	var alg string
	_ = json.Unmarshal(k["alg"], &alg)
	switch {
	case p == ProfileFinal && e.Alg != "":
		return fieldErr("alg", ErrLegacy, "1.0 takes alg from the JWK")
	case alg == "" && e.Alg == "":
		return fieldErr("jwk.alg", ErrMissing, "")
	case alg != "" && e.Alg != "" && alg != e.Alg:
		return fieldErr("alg", ErrConflict, "differs from jwk.alg")
	}
	if e.Enc == "" {
		return fieldErr("enc", ErrMissing, "")
	}
	return nil
}

// KeyAlg returns the JWE alg: the JWK's alg, or the draft 13 alg member.
func (e *ResponseEncryption) KeyAlg() string {
	var k struct {
		Alg string `json:"alg"`
	}
	_ = json.Unmarshal(e.JWK, &k)
	if k.Alg != "" {
		return k.Alg
	}
	return e.Alg
}

// CredentialResponse is a credential response (§8.3) and a deferred
// credential response (§9.2): 200 with Credentials (and NotificationID),
// or 202 with TransactionID and Interval.
//
// Credential, Format, CNonce and CNonceExpiresIn are the drafts 11–13
// members (legacy): the singular credential, and the nonce for the next
// request.
type CredentialResponse struct {
	Credentials    []IssuedCredential `json:"credentials,omitempty"`
	TransactionID  string             `json:"transaction_id,omitempty"`
	Interval       int                `json:"interval,omitempty"`
	NotificationID string             `json:"notification_id,omitempty"`

	Credential      json.RawMessage `json:"credential,omitempty"`
	Format          string          `json:"format,omitempty"`
	CNonce          string          `json:"c_nonce,omitempty"`
	CNonceExpiresIn int             `json:"c_nonce_expires_in,omitempty"`

	Extra Extra `json:"-"`
}

// DeferredCredentialResponse has the shape of a credential response (§9.2).
type DeferredCredentialResponse = CredentialResponse

// IssuedCredential is one entry of credentials: a string (JWT, SD-JWT VC,
// base64url mdoc) or an object (ldp_vc), kept verbatim.
type IssuedCredential struct {
	Credential json.RawMessage `json:"credential"`
	Extra      Extra           `json:"-"`
}

// StringCredential returns an IssuedCredential holding a string credential.
func StringCredential(s string) IssuedCredential {
	b, _ := json.Marshal(s)
	return IssuedCredential{Credential: b}
}

// String returns the credential if it is a JSON string.
func (c IssuedCredential) String() (string, bool) {
	var s string
	if len(c.Credential) == 0 || c.Credential[0] != '"' || json.Unmarshal(c.Credential, &s) != nil {
		return "", false
	}
	return s, true
}

// HTTPStatus is 202 for a deferred response (transaction_id), else 200.
func (r *CredentialResponse) HTTPStatus() int {
	if r.TransactionID != "" && r.Credentials == nil && r.Credential == nil {
		return http.StatusAccepted
	}
	return http.StatusOK
}

// CredentialResponse decodes and validates a credential or deferred
// credential response received with HTTP status (200 or 202).
func (p Parser) CredentialResponse(status int, data []byte) (*CredentialResponse, error) {
	var r CredentialResponse
	if err := p.decode(data, defaultLarge, &r); err != nil {
		return nil, err
	}
	if err := r.Validate(p.Profile); err != nil {
		return nil, err
	}
	if status != 0 && status != r.HTTPStatus() && !(p.Profile == ProfileLegacy && status == http.StatusOK) {
		return nil, fieldErr("", ErrInvalidValue, fmt.Sprintf("HTTP status %d does not match the response (%d)", status, r.HTTPStatus()))
	}
	return &r, nil
}

// Validate checks the response.
func (r *CredentialResponse) Validate(p Profile) error {
	hasCreds, hasTx := r.Credentials != nil, r.TransactionID != ""
	hasLegacy := r.Credential != nil
	if p == ProfileFinal {
		for _, f := range []struct {
			name    string
			present bool
		}{{"credential", hasLegacy}, {"c_nonce", r.CNonce != ""}, {"format", r.Format != ""}} {
			if f.present {
				return fieldErr(f.name, ErrLegacy, "")
			}
		}
	}
	n := 0
	for _, b := range []bool{hasCreds, hasTx, hasLegacy} {
		if b {
			n++
		}
	}
	switch {
	case n == 0:
		return fieldErr("credentials", ErrMissing, "neither credentials nor transaction_id present")
	case n > 1:
		return fieldErr("transaction_id", ErrConflict, "credentials and transaction_id exclude each other")
	}
	if hasCreds {
		if len(r.Credentials) == 0 {
			return fieldErr("credentials", ErrEmpty, "")
		}
		for i, c := range r.Credentials {
			if err := checkCredentialValue(c.Credential); err != nil {
				return prefix(fmt.Sprintf("credentials[%d].credential", i), err)
			}
		}
	}
	if hasLegacy {
		if err := checkCredentialValue(r.Credential); err != nil {
			return prefix("credential", err)
		}
	}
	if hasTx {
		if r.Interval < 0 || (p == ProfileFinal && r.Interval == 0) {
			return fieldErr("interval", ErrMissing, "a positive interval is required with transaction_id")
		}
		if r.NotificationID != "" {
			return fieldErr("notification_id", ErrConflict, "notification_id only with credentials")
		}
	} else if r.Interval != 0 {
		return fieldErr("interval", ErrConflict, "interval only with transaction_id")
	}
	if r.CNonceExpiresIn < 0 {
		return fieldErr("c_nonce_expires_in", ErrInvalidValue, "negative")
	}
	return nil
}

func checkCredentialValue(v json.RawMessage) error {
	switch {
	case len(v) == 0 || string(v) == "null":
		return fieldErr("", ErrMissing, "")
	case v[0] == '"':
		if string(v) == `""` {
			return fieldErr("", ErrMissing, "empty string")
		}
	case v[0] == '{':
	default:
		return fieldErr("", ErrInvalidValue, "must be a string or an object")
	}
	return nil
}

// DeferredCredentialRequest is the deferred credential request (§9.1).
type DeferredCredentialRequest struct {
	TransactionID                string              `json:"transaction_id"`
	CredentialResponseEncryption *ResponseEncryption `json:"credential_response_encryption,omitempty"`
	Extra                        Extra               `json:"-"`
}

// DeferredCredentialRequest decodes and validates a deferred credential
// request body. Errors carry invalid_credential_request (or
// invalid_encryption_parameters).
func (p Parser) DeferredCredentialRequest(data []byte) (*DeferredCredentialRequest, error) {
	var r DeferredCredentialRequest
	if err := p.decode(data, defaultSmall, &r); err != nil {
		return nil, withCode(err, CodeInvalidCredentialRequest)
	}
	if r.TransactionID == "" {
		return nil, withCode(fieldErr("transaction_id", ErrMissing, ""), CodeInvalidCredentialRequest)
	}
	if e := r.CredentialResponseEncryption; e != nil {
		if err := e.Validate(p.Profile); err != nil {
			return nil, withCode(prefix("credential_response_encryption", err), CodeInvalidEncryptionParameters)
		}
	}
	return &r, nil
}

// NotificationRequest is the notification request (§11.1).
type NotificationRequest struct {
	NotificationID   string `json:"notification_id"`
	Event            string `json:"event"`
	EventDescription string `json:"event_description,omitempty"`
	Extra            Extra  `json:"-"`
}

// NotificationRequest decodes and validates a notification request body.
// Errors carry invalid_notification_request.
func (p Parser) NotificationRequest(data []byte) (*NotificationRequest, error) {
	var r NotificationRequest
	if err := p.decode(data, defaultSmall, &r); err != nil {
		return nil, withCode(err, CodeInvalidNotificationRequest)
	}
	if err := r.Validate(); err != nil {
		return nil, withCode(err, CodeInvalidNotificationRequest)
	}
	return &r, nil
}

// Validate checks notification_id, the event value and the
// event_description character set.
func (r *NotificationRequest) Validate() error {
	if r.NotificationID == "" {
		return fieldErr("notification_id", ErrMissing, "")
	}
	switch r.Event {
	case EventCredentialAccepted, EventCredentialFailure, EventCredentialDeleted:
	case "":
		return fieldErr("event", ErrMissing, "")
	default:
		return fieldErr("event", ErrInvalidValue, "unknown event "+truncate(r.Event))
	}
	if !isErrorASCII(r.EventDescription) {
		return fieldErr("event_description", ErrInvalidValue, "characters outside %x20-21 / %x23-5B / %x5D-7E")
	}
	return nil
}

// BatchCredentialRequest is the draft 13 batch credential request
// (legacy; 1.0 replaced the batch endpoint by proofs arrays).
type BatchCredentialRequest struct {
	CredentialRequests []CredentialRequest `json:"credential_requests"`
	Extra              Extra               `json:"-"`
}

// BatchCredentialResponse is the draft 13 batch credential response (legacy).
type BatchCredentialResponse struct {
	CredentialResponses []CredentialResponse `json:"credential_responses"`
	CNonce              string               `json:"c_nonce,omitempty"`
	CNonceExpiresIn     int                  `json:"c_nonce_expires_in,omitempty"`
	Extra               Extra                `json:"-"`
}

// BatchCredentialRequest decodes and validates a draft 13 batch request;
// every element is validated under the legacy profile. Under ProfileFinal
// it fails with ErrLegacy.
func (p Parser) BatchCredentialRequest(data []byte) (*BatchCredentialRequest, error) {
	if p.Profile == ProfileFinal {
		return nil, withCode(fieldErr("credential_requests", ErrLegacy, "the batch credential endpoint is draft 13"), CodeInvalidCredentialRequest)
	}
	var r BatchCredentialRequest
	if err := p.decode(data, defaultMedium, &r); err != nil {
		return nil, withCode(err, CodeInvalidCredentialRequest)
	}
	if r.CredentialRequests == nil {
		return nil, withCode(fieldErr("credential_requests", ErrMissing, ""), CodeInvalidCredentialRequest)
	}
	if len(r.CredentialRequests) == 0 {
		return nil, withCode(fieldErr("credential_requests", ErrEmpty, ""), CodeInvalidCredentialRequest)
	}
	for i := range r.CredentialRequests {
		if err := r.CredentialRequests[i].validate(p); err != nil {
			return nil, prefix(fmt.Sprintf("credential_requests[%d]", i), err)
		}
	}
	return &r, nil
}

// BatchCredentialResponse decodes and validates a draft 13 batch response
// (legacy profile rules; ProfileFinal fails with ErrLegacy).
func (p Parser) BatchCredentialResponse(data []byte) (*BatchCredentialResponse, error) {
	if p.Profile == ProfileFinal {
		return nil, fieldErr("credential_responses", ErrLegacy, "the batch credential endpoint is draft 13")
	}
	var r BatchCredentialResponse
	if err := p.decode(data, defaultLarge, &r); err != nil {
		return nil, err
	}
	if len(r.CredentialResponses) == 0 {
		return nil, fieldErr("credential_responses", ErrMissing, "")
	}
	for i := range r.CredentialResponses {
		if err := r.CredentialResponses[i].Validate(ProfileLegacy); err != nil {
			return nil, prefix(fmt.Sprintf("credential_responses[%d]", i), err)
		}
	}
	return &r, nil
}

// CheckMetadata checks the request against the issuer's metadata and the
// configuration it asks for (the issuer resolves a credential_identifier to
// its configuration first): proofs present when proof_types_supported is,
// of a supported type, at most batch_size of them (one without
// batch_credential_issuance), and response encryption consistent with
// credential_response_encryption. Errors carry the §8.3.1.2 code.
func (r *CredentialRequest) CheckMetadata(md *IssuerMetadata, cfg *CredentialConfiguration) error {
	if cfg.ProofTypesSupported != nil {
		var types []string
		n := 0
		switch {
		case r.Proofs != nil:
			types, n = r.Proofs.Types(), r.Proofs.Len()
		case r.Proof != nil:
			types, n = []string{r.Proof.ProofType}, 1
		default:
			return withCode(fieldErr("proofs", ErrMissing, "the configuration requires key proofs"), CodeInvalidProof)
		}
		for _, t := range types {
			if cfg.ProofTypesSupported[t] == nil {
				return withCode(fieldErr("proofs."+t, ErrUnsupportedProofType, "not in proof_types_supported"), CodeInvalidProof)
			}
		}
		limit := 1
		if md.BatchCredentialIssuance != nil {
			limit = md.BatchCredentialIssuance.BatchSize
		}
		if n > limit {
			return withCode(fieldErr("proofs", ErrInvalidValue, fmt.Sprintf("%d proofs > batch_size %d", n, limit)), CodeInvalidCredentialRequest)
		}
	}
	enc, meta := r.CredentialResponseEncryption, md.CredentialResponseEncryption
	switch {
	case enc == nil && meta != nil && meta.EncryptionRequired:
		return withCode(fieldErr("credential_response_encryption", ErrMissing, "the issuer requires encrypted responses"), CodeInvalidEncryptionParameters)
	case enc == nil:
		return nil
	case meta == nil:
		return withCode(fieldErr("credential_response_encryption", ErrInvalidValue, "the issuer does not encrypt responses"), CodeInvalidEncryptionParameters)
	}
	in := func(v string, list []string) bool {
		for _, s := range list {
			if s == v {
				return true
			}
		}
		return false
	}
	switch {
	case !in(enc.KeyAlg(), meta.AlgValuesSupported):
		return withCode(fieldErr("credential_response_encryption.jwk.alg", ErrInvalidValue, "not in alg_values_supported"), CodeInvalidEncryptionParameters)
	case !in(enc.Enc, meta.EncValuesSupported):
		return withCode(fieldErr("credential_response_encryption.enc", ErrInvalidValue, "not in enc_values_supported"), CodeInvalidEncryptionParameters)
	case enc.Zip != "" && !in(enc.Zip, meta.ZipValuesSupported):
		return withCode(fieldErr("credential_response_encryption.zip", ErrInvalidValue, "not in zip_values_supported"), CodeInvalidEncryptionParameters)
	}
	return nil
}
