package oid4vci

// Credential Format Identifiers (OpenID4VCI 1.0 Appendix A).
const (
	// FormatSDJWTVC is IETF SD-JWT VC (§A.3), metadata member vct.
	FormatSDJWTVC = "dc+sd-jwt"
	// FormatMsoMdoc is ISO/IEC 18013-5 mdoc (§A.2), metadata member doctype.
	FormatMsoMdoc = "mso_mdoc"
	// FormatJWTVCJSON is a W3C VC signed as a JWT, not using JSON-LD (§A.1.1).
	FormatJWTVCJSON = "jwt_vc_json"
	// FormatJWTVCJSONLD is a W3C VC signed as a JWT, using JSON-LD (§A.1.3).
	FormatJWTVCJSONLD = "jwt_vc_json-ld"
	// FormatLDPVC is a W3C VC secured with Data Integrity (§A.1.2).
	FormatLDPVC = "ldp_vc"
	// FormatLegacySDJWTVC is the SD-JWT VC identifier of drafts 11–13
	// (legacy profile only).
	FormatLegacySDJWTVC = "vc+sd-jwt"
)

// Grant types (§4.1.1).
const (
	GrantTypeAuthorizationCode = "authorization_code"
	GrantTypePreAuthorizedCode = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
	GrantTypeRefreshToken      = "refresh_token"
)

// Proof types (§F of 1.0; drafts 11–13 §7.2.1 for the legacy ones).
const (
	ProofTypeJWT         = "jwt"
	ProofTypeDIVP        = "di_vp"
	ProofTypeAttestation = "attestation"
	// ProofTypeLegacyCWT and ProofTypeLegacyLDPVP are the draft 13 proof
	// types of the singular proof object.
	ProofTypeLegacyCWT   = "cwt"
	ProofTypeLegacyLDPVP = "ldp_vp"
)

// Transaction code input modes (§4.1.1).
const (
	InputModeNumeric = "numeric"
	InputModeText    = "text"
)

// Notification events (§11.1).
const (
	EventCredentialAccepted = "credential_accepted"
	EventCredentialFailure  = "credential_failure"
	EventCredentialDeleted  = "credential_deleted"
)

// Media types, JOSE typ values and well-known names.
const (
	// AuthorizationDetailsType is the RFC 9396 type of §5.1.1.
	AuthorizationDetailsType = "openid_credential"
	// ProofJWTType is the typ of a jwt key proof (§F.1).
	ProofJWTType = "openid4vci-proof+jwt"
	// KeyAttestationJWTType is the typ of a key attestation (§D.1).
	KeyAttestationJWTType = "key-attestation+jwt"
	// SignedMetadataType is the typ of signed issuer metadata (§12.2.3).
	SignedMetadataType = "openidvci-issuer-metadata+jwt"
	// WellKnownIssuerMetadata is the well-known path segment (§12.2.2).
	WellKnownIssuerMetadata = "/.well-known/openid-credential-issuer"
	// MediaTypeJSON and MediaTypeJWT are the content types of plain and
	// signed or encrypted messages.
	MediaTypeJSON = "application/json"
	MediaTypeJWT  = "application/jwt"
	// OfferScheme is the custom URL scheme of §12.1.1.
	OfferScheme = "openid-credential-offer"
)

// Binding methods of cryptographic_binding_methods_supported (§12.2.4);
// DID methods are "did:" + method name.
const (
	BindingJWK     = "jwk"
	BindingCOSEKey = "cose_key"
)

// Attack potential resistance values (§D.2).
const (
	ISO18045High          = "iso_18045_high"
	ISO18045Moderate      = "iso_18045_moderate"
	ISO18045EnhancedBasic = "iso_18045_enhanced-basic"
	ISO18045Basic         = "iso_18045_basic"
)

// Metadata parameter names defined outside the issuer metadata.
const (
	// ClientMetadataCredentialOfferEndpoint is the wallet's client metadata
	// parameter of §12.1.
	ClientMetadataCredentialOfferEndpoint = "credential_offer_endpoint"
	// ASMetadataPreAuthorizedGrantAnonymousAccess is the authorization
	// server metadata parameter of §12.3 (default false).
	ASMetadataPreAuthorizedGrantAnonymousAccess = "pre-authorized_grant_anonymous_access_supported"
)
