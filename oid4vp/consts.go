package oid4vp

// Format identifiers (Appendix B). In OpenID4VP 1.0 the presentation format
// identifiers are the credential format identifiers.
const (
	FormatSDJWTVC   = "dc+sd-jwt"   // IETF SD-JWT VC (B.3)
	FormatJWTVCJSON = "jwt_vc_json" // W3C VC secured as a JWT, no JSON-LD (B.1.3.1)
	FormatLDPVC     = "ldp_vc"      // W3C VC with Data Integrity proofs (B.1.3.2)
	FormatMSOMdoc   = "mso_mdoc"    // ISO/IEC 18013-5 mdoc (B.2)
)

// Presentation format identifiers of the legacy profile (drafts ≤ 25, DIF
// Presentation Exchange format designations).
const (
	FormatJWTVPJSON     = "jwt_vp_json"
	FormatJWTVP         = "jwt_vp"
	FormatJWTVC         = "jwt_vc"
	FormatLDPVP         = "ldp_vp"
	FormatLDP           = "ldp"
	FormatJWTVCJSONLD   = "jwt_vc_json-ld"
	FormatJWTVPJSONLD   = "jwt_vp_json-ld"
	FormatLegacySDJWTVC = "vc+sd-jwt"                    // SD-JWT VC before November 2024
	FormatXFSCSDJWT     = "verifiable-credential+sd-jwt" // the W-Stack's PE format key
)

// ResponseMode is the response_mode parameter (§5.2, §8.2, §8.3.1, A.2).
type ResponseMode string

// Response modes of OpenID4VP 1.0.
const (
	ResponseModeFragment      ResponseMode = "fragment"
	ResponseModeDirectPost    ResponseMode = "direct_post"
	ResponseModeDirectPostJWT ResponseMode = "direct_post.jwt"
	ResponseModeDCAPI         ResponseMode = "dc_api"
	ResponseModeDCAPIJWT      ResponseMode = "dc_api.jwt"
)

// Known reports whether m is one of the response modes above.
func (m ResponseMode) Known() bool {
	switch m {
	case ResponseModeFragment, ResponseModeDirectPost, ResponseModeDirectPostJWT, ResponseModeDCAPI, ResponseModeDCAPIJWT:
		return true
	}
	return false
}

// Encrypted reports whether the mode returns the response as a JWE in the
// response parameter (§8.3).
func (m ResponseMode) Encrypted() bool {
	return m == ResponseModeDirectPostJWT || m == ResponseModeDCAPIJWT
}

// DirectPost reports whether the mode posts the response to response_uri.
func (m ResponseMode) DirectPost() bool {
	return m == ResponseModeDirectPost || m == ResponseModeDirectPostJWT
}

// DCAPI reports whether the mode is one of the Digital Credentials API
// (Appendix A).
func (m ResponseMode) DCAPI() bool { return m == ResponseModeDCAPI || m == ResponseModeDCAPIJWT }

// Response types of §5.6 and §8.
const (
	ResponseTypeVPToken        = "vp_token"
	ResponseTypeVPTokenIDToken = "vp_token id_token"
	ResponseTypeCode           = "code"
)

// Values of request_uri_method (§5.1).
const (
	RequestURIMethodGet  = "get"
	RequestURIMethodPost = "post"
)

// JOSE and media type values.
const (
	// TypRequestObject is the typ header every Request Object carries (§5).
	TypRequestObject = "oauth-authz-req+jwt"
	// MediaTypeRequestObject is the content type of a request_uri response
	// and the Accept value of a request_uri POST (§5.10).
	MediaTypeRequestObject = "application/oauth-authz-req+jwt"
	// TypVerifierAttestation is the typ of a Verifier Attestation JWT (§12).
	TypVerifierAttestation = "verifier-attestation+jwt"
	// AudienceSelfIssued is the Request Object aud with static discovery
	// (§5.8).
	AudienceSelfIssued = "https://self-issued.me/v2"
)

// Link schemes (§9, §13.1.2; HAIP 1.0).
const (
	SchemeOpenID4VP = "openid4vp"
	// SchemeHAIP is the custom scheme HAIP 1.0 names for presentation
	// requests; ParseLink accepts it only when configured.
	SchemeHAIP = "haip-vp"
)

// Hash algorithm names (IANA Named Information) for transaction_data_hashes.
const (
	HashSHA256 = "sha-256"
	HashSHA384 = "sha-384"
	HashSHA512 = "sha-512"
)

// Profile selects the protocol version a parser accepts. The zero value is
// OpenID4VP 1.0 Final.
type Profile uint8

const (
	// ProfileFinal is OpenID4VP 1.0 Final.
	ProfileFinal Profile = iota
	// ProfileLegacy accepts 1.0 and, in addition, the parameters of drafts
	// ≤ 25 (see the package comment).
	ProfileLegacy
)
