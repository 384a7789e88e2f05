package oid4vci

import "encoding/json"

// Unknown-member preservation for every wire struct: UnmarshalJSON keeps
// members the struct does not declare in Extra, MarshalJSON writes them back.

var (
	credentialOfferKeys            = known[CredentialOffer]()
	grantsKeys                     = known[Grants]()
	authorizationCodeGrantKeys     = known[AuthorizationCodeGrant]()
	preAuthorizedCodeGrantKeys     = known[PreAuthorizedCodeGrant]()
	txCodeKeys                     = known[TxCode]()
	issuerMetadataKeys             = known[IssuerMetadata]()
	batchCredentialIssuanceKeys    = known[BatchCredentialIssuance]()
	issuerDisplayKeys              = known[IssuerDisplay]()
	logoKeys                       = known[Logo]()
	backgroundImageKeys            = known[BackgroundImage]()
	credentialConfigurationKeys    = known[CredentialConfiguration]()
	proofTypeMetadataKeys          = known[ProofTypeMetadata]()
	keyAttestationsRequiredKeys    = known[KeyAttestationsRequired]()
	credentialMetadataKeys         = known[CredentialMetadata]()
	credentialDisplayKeys          = known[CredentialDisplay]()
	claimDescriptionKeys           = known[ClaimDescription]()
	claimDisplayKeys               = known[ClaimDisplay]()
	credentialDefinitionKeys       = known[CredentialDefinition]()
	tokenResponseKeys              = known[TokenResponse]()
	nonceResponseKeys              = known[NonceResponse]()
	credentialRequestKeys          = known[CredentialRequest]()
	proofsKeys                     = known[Proofs]()
	proofKeys                      = known[Proof]()
	responseEncryptionKeys         = known[ResponseEncryption]()
	credentialResponseKeys         = known[CredentialResponse]()
	issuedCredentialKeys           = known[IssuedCredential]()
	deferredCredentialRequestKeys  = known[DeferredCredentialRequest]()
	notificationRequestKeys        = known[NotificationRequest]()
	batchCredentialRequestKeys     = known[BatchCredentialRequest]()
	batchCredentialResponseKeys    = known[BatchCredentialResponse]()
	requestEncryptionMetadataKeys  = known[RequestEncryptionMetadata]()
	responseEncryptionMetadataKeys = known[ResponseEncryptionMetadata]()
)

// UnmarshalJSON decodes a CredentialOffer and keeps unknown members in Extra.
func (x *CredentialOffer) UnmarshalJSON(b []byte) error {
	type plain CredentialOffer
	var v plain
	extra, err := unmarshalExtra(b, &v, credentialOfferKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = CredentialOffer(v)
	return nil
}

// MarshalJSON encodes a CredentialOffer with the members kept in Extra.
func (x CredentialOffer) MarshalJSON() ([]byte, error) {
	type plain CredentialOffer
	return marshalExtra(plain(x), x.Extra, credentialOfferKeys)
}

// UnmarshalJSON decodes a Grants and keeps unknown members in Extra.
func (x *Grants) UnmarshalJSON(b []byte) error {
	type plain Grants
	var v plain
	extra, err := unmarshalExtra(b, &v, grantsKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = Grants(v)
	return nil
}

// MarshalJSON encodes a Grants with the members kept in Extra.
func (x Grants) MarshalJSON() ([]byte, error) {
	type plain Grants
	return marshalExtra(plain(x), x.Extra, grantsKeys)
}

// UnmarshalJSON decodes a AuthorizationCodeGrant and keeps unknown members in Extra.
func (x *AuthorizationCodeGrant) UnmarshalJSON(b []byte) error {
	type plain AuthorizationCodeGrant
	var v plain
	extra, err := unmarshalExtra(b, &v, authorizationCodeGrantKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = AuthorizationCodeGrant(v)
	return nil
}

// MarshalJSON encodes a AuthorizationCodeGrant with the members kept in Extra.
func (x AuthorizationCodeGrant) MarshalJSON() ([]byte, error) {
	type plain AuthorizationCodeGrant
	return marshalExtra(plain(x), x.Extra, authorizationCodeGrantKeys)
}

// UnmarshalJSON decodes a PreAuthorizedCodeGrant and keeps unknown members in Extra.
func (x *PreAuthorizedCodeGrant) UnmarshalJSON(b []byte) error {
	type plain PreAuthorizedCodeGrant
	var v plain
	extra, err := unmarshalExtra(b, &v, preAuthorizedCodeGrantKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = PreAuthorizedCodeGrant(v)
	return nil
}

// MarshalJSON encodes a PreAuthorizedCodeGrant with the members kept in Extra.
func (x PreAuthorizedCodeGrant) MarshalJSON() ([]byte, error) {
	type plain PreAuthorizedCodeGrant
	return marshalExtra(plain(x), x.Extra, preAuthorizedCodeGrantKeys)
}

// UnmarshalJSON decodes a TxCode and keeps unknown members in Extra.
func (x *TxCode) UnmarshalJSON(b []byte) error {
	type plain TxCode
	var v plain
	extra, err := unmarshalExtra(b, &v, txCodeKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = TxCode(v)
	return nil
}

// MarshalJSON encodes a TxCode with the members kept in Extra.
func (x TxCode) MarshalJSON() ([]byte, error) {
	type plain TxCode
	return marshalExtra(plain(x), x.Extra, txCodeKeys)
}

// UnmarshalJSON decodes a IssuerMetadata and keeps unknown members in Extra.
func (x *IssuerMetadata) UnmarshalJSON(b []byte) error {
	type plain IssuerMetadata
	var v plain
	extra, err := unmarshalExtra(b, &v, issuerMetadataKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = IssuerMetadata(v)
	return nil
}

// MarshalJSON encodes a IssuerMetadata with the members kept in Extra.
func (x IssuerMetadata) MarshalJSON() ([]byte, error) {
	type plain IssuerMetadata
	return marshalExtra(plain(x), x.Extra, issuerMetadataKeys)
}

// UnmarshalJSON decodes a BatchCredentialIssuance and keeps unknown members in Extra.
func (x *BatchCredentialIssuance) UnmarshalJSON(b []byte) error {
	type plain BatchCredentialIssuance
	var v plain
	extra, err := unmarshalExtra(b, &v, batchCredentialIssuanceKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = BatchCredentialIssuance(v)
	return nil
}

// MarshalJSON encodes a BatchCredentialIssuance with the members kept in Extra.
func (x BatchCredentialIssuance) MarshalJSON() ([]byte, error) {
	type plain BatchCredentialIssuance
	return marshalExtra(plain(x), x.Extra, batchCredentialIssuanceKeys)
}

// UnmarshalJSON decodes a IssuerDisplay and keeps unknown members in Extra.
func (x *IssuerDisplay) UnmarshalJSON(b []byte) error {
	type plain IssuerDisplay
	var v plain
	extra, err := unmarshalExtra(b, &v, issuerDisplayKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = IssuerDisplay(v)
	return nil
}

// MarshalJSON encodes a IssuerDisplay with the members kept in Extra.
func (x IssuerDisplay) MarshalJSON() ([]byte, error) {
	type plain IssuerDisplay
	return marshalExtra(plain(x), x.Extra, issuerDisplayKeys)
}

// UnmarshalJSON decodes a Logo and keeps unknown members in Extra.
func (x *Logo) UnmarshalJSON(b []byte) error {
	type plain Logo
	var v plain
	extra, err := unmarshalExtra(b, &v, logoKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = Logo(v)
	return nil
}

// MarshalJSON encodes a Logo with the members kept in Extra.
func (x Logo) MarshalJSON() ([]byte, error) {
	type plain Logo
	return marshalExtra(plain(x), x.Extra, logoKeys)
}

// UnmarshalJSON decodes a BackgroundImage and keeps unknown members in Extra.
func (x *BackgroundImage) UnmarshalJSON(b []byte) error {
	type plain BackgroundImage
	var v plain
	extra, err := unmarshalExtra(b, &v, backgroundImageKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = BackgroundImage(v)
	return nil
}

// MarshalJSON encodes a BackgroundImage with the members kept in Extra.
func (x BackgroundImage) MarshalJSON() ([]byte, error) {
	type plain BackgroundImage
	return marshalExtra(plain(x), x.Extra, backgroundImageKeys)
}

// UnmarshalJSON decodes a CredentialConfiguration and keeps unknown members in Extra.
func (x *CredentialConfiguration) UnmarshalJSON(b []byte) error {
	type plain CredentialConfiguration
	var v plain
	extra, err := unmarshalExtra(b, &v, credentialConfigurationKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = CredentialConfiguration(v)
	return nil
}

// MarshalJSON encodes a CredentialConfiguration with the members kept in Extra.
func (x CredentialConfiguration) MarshalJSON() ([]byte, error) {
	type plain CredentialConfiguration
	return marshalExtra(plain(x), x.Extra, credentialConfigurationKeys)
}

// UnmarshalJSON decodes a ProofTypeMetadata and keeps unknown members in Extra.
func (x *ProofTypeMetadata) UnmarshalJSON(b []byte) error {
	type plain ProofTypeMetadata
	var v plain
	extra, err := unmarshalExtra(b, &v, proofTypeMetadataKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = ProofTypeMetadata(v)
	return nil
}

// MarshalJSON encodes a ProofTypeMetadata with the members kept in Extra.
func (x ProofTypeMetadata) MarshalJSON() ([]byte, error) {
	type plain ProofTypeMetadata
	return marshalExtra(plain(x), x.Extra, proofTypeMetadataKeys)
}

// UnmarshalJSON decodes a KeyAttestationsRequired and keeps unknown members in Extra.
func (x *KeyAttestationsRequired) UnmarshalJSON(b []byte) error {
	type plain KeyAttestationsRequired
	var v plain
	extra, err := unmarshalExtra(b, &v, keyAttestationsRequiredKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = KeyAttestationsRequired(v)
	return nil
}

// MarshalJSON encodes a KeyAttestationsRequired with the members kept in Extra.
func (x KeyAttestationsRequired) MarshalJSON() ([]byte, error) {
	type plain KeyAttestationsRequired
	return marshalExtra(plain(x), x.Extra, keyAttestationsRequiredKeys)
}

// UnmarshalJSON decodes a CredentialMetadata and keeps unknown members in Extra.
func (x *CredentialMetadata) UnmarshalJSON(b []byte) error {
	type plain CredentialMetadata
	var v plain
	extra, err := unmarshalExtra(b, &v, credentialMetadataKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = CredentialMetadata(v)
	return nil
}

// MarshalJSON encodes a CredentialMetadata with the members kept in Extra.
func (x CredentialMetadata) MarshalJSON() ([]byte, error) {
	type plain CredentialMetadata
	return marshalExtra(plain(x), x.Extra, credentialMetadataKeys)
}

// UnmarshalJSON decodes a CredentialDisplay and keeps unknown members in Extra.
func (x *CredentialDisplay) UnmarshalJSON(b []byte) error {
	type plain CredentialDisplay
	var v plain
	extra, err := unmarshalExtra(b, &v, credentialDisplayKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = CredentialDisplay(v)
	return nil
}

// MarshalJSON encodes a CredentialDisplay with the members kept in Extra.
func (x CredentialDisplay) MarshalJSON() ([]byte, error) {
	type plain CredentialDisplay
	return marshalExtra(plain(x), x.Extra, credentialDisplayKeys)
}

// UnmarshalJSON decodes a ClaimDescription and keeps unknown members in Extra.
func (x *ClaimDescription) UnmarshalJSON(b []byte) error {
	type plain ClaimDescription
	var v plain
	extra, err := unmarshalExtra(b, &v, claimDescriptionKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = ClaimDescription(v)
	return nil
}

// MarshalJSON encodes a ClaimDescription with the members kept in Extra.
func (x ClaimDescription) MarshalJSON() ([]byte, error) {
	type plain ClaimDescription
	return marshalExtra(plain(x), x.Extra, claimDescriptionKeys)
}

// UnmarshalJSON decodes a ClaimDisplay and keeps unknown members in Extra.
func (x *ClaimDisplay) UnmarshalJSON(b []byte) error {
	type plain ClaimDisplay
	var v plain
	extra, err := unmarshalExtra(b, &v, claimDisplayKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = ClaimDisplay(v)
	return nil
}

// MarshalJSON encodes a ClaimDisplay with the members kept in Extra.
func (x ClaimDisplay) MarshalJSON() ([]byte, error) {
	type plain ClaimDisplay
	return marshalExtra(plain(x), x.Extra, claimDisplayKeys)
}

// UnmarshalJSON decodes a CredentialDefinition and keeps unknown members in Extra.
func (x *CredentialDefinition) UnmarshalJSON(b []byte) error {
	type plain CredentialDefinition
	var v plain
	extra, err := unmarshalExtra(b, &v, credentialDefinitionKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = CredentialDefinition(v)
	return nil
}

// MarshalJSON encodes a CredentialDefinition with the members kept in Extra.
func (x CredentialDefinition) MarshalJSON() ([]byte, error) {
	type plain CredentialDefinition
	return marshalExtra(plain(x), x.Extra, credentialDefinitionKeys)
}

// UnmarshalJSON decodes a TokenResponse and keeps unknown members in Extra.
func (x *TokenResponse) UnmarshalJSON(b []byte) error {
	type plain TokenResponse
	var v plain
	extra, err := unmarshalExtra(b, &v, tokenResponseKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = TokenResponse(v)
	return nil
}

// MarshalJSON encodes a TokenResponse with the members kept in Extra.
func (x TokenResponse) MarshalJSON() ([]byte, error) {
	type plain TokenResponse
	return marshalExtra(plain(x), x.Extra, tokenResponseKeys)
}

// UnmarshalJSON decodes a NonceResponse and keeps unknown members in Extra.
func (x *NonceResponse) UnmarshalJSON(b []byte) error {
	type plain NonceResponse
	var v plain
	extra, err := unmarshalExtra(b, &v, nonceResponseKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = NonceResponse(v)
	return nil
}

// MarshalJSON encodes a NonceResponse with the members kept in Extra.
func (x NonceResponse) MarshalJSON() ([]byte, error) {
	type plain NonceResponse
	return marshalExtra(plain(x), x.Extra, nonceResponseKeys)
}

// UnmarshalJSON decodes a CredentialRequest and keeps unknown members in Extra.
func (x *CredentialRequest) UnmarshalJSON(b []byte) error {
	type plain CredentialRequest
	var v plain
	extra, err := unmarshalExtra(b, &v, credentialRequestKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = CredentialRequest(v)
	return nil
}

// MarshalJSON encodes a CredentialRequest with the members kept in Extra.
func (x CredentialRequest) MarshalJSON() ([]byte, error) {
	type plain CredentialRequest
	return marshalExtra(plain(x), x.Extra, credentialRequestKeys)
}

// UnmarshalJSON decodes a Proofs and keeps unknown members in Extra.
func (x *Proofs) UnmarshalJSON(b []byte) error {
	type plain Proofs
	var v plain
	extra, err := unmarshalExtra(b, &v, proofsKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = Proofs(v)
	return nil
}

// MarshalJSON encodes a Proofs with the members kept in Extra.
func (x Proofs) MarshalJSON() ([]byte, error) {
	type plain Proofs
	return marshalExtra(plain(x), x.Extra, proofsKeys)
}

// UnmarshalJSON decodes a Proof and keeps unknown members in Extra.
func (x *Proof) UnmarshalJSON(b []byte) error {
	type plain Proof
	var v plain
	extra, err := unmarshalExtra(b, &v, proofKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = Proof(v)
	return nil
}

// MarshalJSON encodes a Proof with the members kept in Extra.
func (x Proof) MarshalJSON() ([]byte, error) {
	type plain Proof
	return marshalExtra(plain(x), x.Extra, proofKeys)
}

// UnmarshalJSON decodes a ResponseEncryption and keeps unknown members in Extra.
func (x *ResponseEncryption) UnmarshalJSON(b []byte) error {
	type plain ResponseEncryption
	var v plain
	extra, err := unmarshalExtra(b, &v, responseEncryptionKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = ResponseEncryption(v)
	return nil
}

// MarshalJSON encodes a ResponseEncryption with the members kept in Extra.
func (x ResponseEncryption) MarshalJSON() ([]byte, error) {
	type plain ResponseEncryption
	return marshalExtra(plain(x), x.Extra, responseEncryptionKeys)
}

// UnmarshalJSON decodes a CredentialResponse and keeps unknown members in Extra.
func (x *CredentialResponse) UnmarshalJSON(b []byte) error {
	type plain CredentialResponse
	var v plain
	extra, err := unmarshalExtra(b, &v, credentialResponseKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = CredentialResponse(v)
	return nil
}

// MarshalJSON encodes a CredentialResponse with the members kept in Extra.
func (x CredentialResponse) MarshalJSON() ([]byte, error) {
	type plain CredentialResponse
	return marshalExtra(plain(x), x.Extra, credentialResponseKeys)
}

// UnmarshalJSON decodes a IssuedCredential and keeps unknown members in Extra.
func (x *IssuedCredential) UnmarshalJSON(b []byte) error {
	type plain IssuedCredential
	var v plain
	extra, err := unmarshalExtra(b, &v, issuedCredentialKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = IssuedCredential(v)
	return nil
}

// MarshalJSON encodes a IssuedCredential with the members kept in Extra.
func (x IssuedCredential) MarshalJSON() ([]byte, error) {
	type plain IssuedCredential
	return marshalExtra(plain(x), x.Extra, issuedCredentialKeys)
}

// UnmarshalJSON decodes a DeferredCredentialRequest and keeps unknown members in Extra.
func (x *DeferredCredentialRequest) UnmarshalJSON(b []byte) error {
	type plain DeferredCredentialRequest
	var v plain
	extra, err := unmarshalExtra(b, &v, deferredCredentialRequestKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = DeferredCredentialRequest(v)
	return nil
}

// MarshalJSON encodes a DeferredCredentialRequest with the members kept in Extra.
func (x DeferredCredentialRequest) MarshalJSON() ([]byte, error) {
	type plain DeferredCredentialRequest
	return marshalExtra(plain(x), x.Extra, deferredCredentialRequestKeys)
}

// UnmarshalJSON decodes a NotificationRequest and keeps unknown members in Extra.
func (x *NotificationRequest) UnmarshalJSON(b []byte) error {
	type plain NotificationRequest
	var v plain
	extra, err := unmarshalExtra(b, &v, notificationRequestKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = NotificationRequest(v)
	return nil
}

// MarshalJSON encodes a NotificationRequest with the members kept in Extra.
func (x NotificationRequest) MarshalJSON() ([]byte, error) {
	type plain NotificationRequest
	return marshalExtra(plain(x), x.Extra, notificationRequestKeys)
}

// UnmarshalJSON decodes a BatchCredentialRequest and keeps unknown members in Extra.
func (x *BatchCredentialRequest) UnmarshalJSON(b []byte) error {
	type plain BatchCredentialRequest
	var v plain
	extra, err := unmarshalExtra(b, &v, batchCredentialRequestKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = BatchCredentialRequest(v)
	return nil
}

// MarshalJSON encodes a BatchCredentialRequest with the members kept in Extra.
func (x BatchCredentialRequest) MarshalJSON() ([]byte, error) {
	type plain BatchCredentialRequest
	return marshalExtra(plain(x), x.Extra, batchCredentialRequestKeys)
}

// UnmarshalJSON decodes a BatchCredentialResponse and keeps unknown members in Extra.
func (x *BatchCredentialResponse) UnmarshalJSON(b []byte) error {
	type plain BatchCredentialResponse
	var v plain
	extra, err := unmarshalExtra(b, &v, batchCredentialResponseKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*x = BatchCredentialResponse(v)
	return nil
}

// MarshalJSON encodes a BatchCredentialResponse with the members kept in Extra.
func (x BatchCredentialResponse) MarshalJSON() ([]byte, error) {
	type plain BatchCredentialResponse
	return marshalExtra(plain(x), x.Extra, batchCredentialResponseKeys)
}

// UnmarshalJSON decodes a RequestEncryptionMetadata and keeps unknown members in Extra.
func (x *RequestEncryptionMetadata) UnmarshalJSON(b []byte) error {
	type plain RequestEncryptionMetadata
	var v plain
	extra, err := unmarshalExtra(b, &v, requestEncryptionMetadataKeys)
	if err != nil {
		return err
	}
	var present struct {
		R *bool `json:"encryption_required"`
	}
	if err := json.Unmarshal(b, &present); err != nil {
		return err
	}
	v.absentRequired = present.R == nil
	v.Extra = extra
	*x = RequestEncryptionMetadata(v)
	return nil
}

// MarshalJSON encodes a RequestEncryptionMetadata with the members kept in Extra.
func (x RequestEncryptionMetadata) MarshalJSON() ([]byte, error) {
	type plain RequestEncryptionMetadata
	return marshalExtra(plain(x), x.Extra, requestEncryptionMetadataKeys)
}

// UnmarshalJSON decodes a ResponseEncryptionMetadata and keeps unknown members in Extra.
func (x *ResponseEncryptionMetadata) UnmarshalJSON(b []byte) error {
	type plain ResponseEncryptionMetadata
	var v plain
	extra, err := unmarshalExtra(b, &v, responseEncryptionMetadataKeys)
	if err != nil {
		return err
	}
	var present struct {
		R *bool `json:"encryption_required"`
	}
	if err := json.Unmarshal(b, &present); err != nil {
		return err
	}
	v.absentRequired = present.R == nil
	v.Extra = extra
	*x = ResponseEncryptionMetadata(v)
	return nil
}

// MarshalJSON encodes a ResponseEncryptionMetadata with the members kept in Extra.
func (x ResponseEncryptionMetadata) MarshalJSON() ([]byte, error) {
	type plain ResponseEncryptionMetadata
	return marshalExtra(plain(x), x.Extra, responseEncryptionMetadataKeys)
}
