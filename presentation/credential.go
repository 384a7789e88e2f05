package presentation

import (
	"time"
)

// Format is a credential or presentation format identifier. Both the
// OpenID4VC names and the DIF claim-format registry names are defined.
type Format string

// Format identifiers.
const (
	FormatSDJWTVC       Format = "dc+sd-jwt"   // SD-JWT VC (OpenID4VCI/VP 1.0)
	FormatSDJWTVCLegacy Format = "vc+sd-jwt"   // pre-Nov-2024 name, legacy option only
	FormatJWTVCJSON     Format = "jwt_vc_json" // VCDM 1.1 in a JWT
	FormatJWTVPJSON     Format = "jwt_vp_json"
	FormatLDPVC         Format = "ldp_vc" // W3C VC with a Data Integrity proof
	FormatLDPVP         Format = "ldp_vp"
	FormatMsoMdoc       Format = "mso_mdoc"
	// DIF claim format registry names (Presentation Exchange v2.1.1).
	FormatDIFJWTVC Format = "jwt_vc"
	FormatDIFJWTVP Format = "jwt_vp"
	FormatDIFSDJWT Format = "sd_jwt"
)

// ClaimPath is a claims path pointer (OpenID4VP 1.0 §7): each element is a
// string (object member), a non-negative int (array index) or nil (every
// element of an array).
type ClaimPath []any

// StatusReference is a credential's pointer into a status list.
type StatusReference struct {
	// Type is "status_list" (IETF Token Status List), "BitstringStatusListEntry"
	// or "StatusList2021Entry".
	Type string
	// URI is the status list (token or credential) URL.
	URI string
	// Index is the position in the list.
	Index uint64
	// Purpose is the W3C statusPurpose (revocation, suspension, …); empty
	// for IETF references.
	Purpose string
	// Size is the W3C statusSize in bits (1 when absent); 0 for IETF, whose
	// width comes from the list itself.
	Size int
	// Raw is the status object as found in the credential.
	Raw map[string]any
}

// Credential is wstack's one view of a credential of any supported format:
// what matching (Presentation Exchange, DCQL) and validation need.
type Credential struct {
	Format Format
	// Raw is the credential as received: the compact JWT or SD-JWT string,
	// or the JSON document of an ldp_vc.
	Raw string
	// ID is the credential id (W3C id or JWT jti) when present.
	ID string
	// Issuer is the issuer identifier (W3C issuer id or JWT iss).
	Issuer string
	// Subject is the subject identifier (credentialSubject.id or sub).
	Subject string
	// Types are the W3C type values (empty for SD-JWT VC).
	Types []string
	// VCT is the SD-JWT VC type; DocType the mdoc doctype.
	VCT     string
	DocType string
	// Claims is the JSON the query languages evaluate: the JWT claims set
	// for jwt_vc_json, the credential document for ldp_vc, and for SD-JWT VC
	// the processed payload with every disclosure the holder has applied.
	Claims map[string]any
	// Document is the W3C credential document (the vc claim of a
	// jwt_vc_json, the document of an ldp_vc); nil for SD-JWT VC.
	Document map[string]any
	// Disclosable lists, for SD-JWT, the claim paths that are selectively
	// disclosable (each path is one disclosure). Empty for other formats.
	Disclosable []ClaimPath
	// ValidFrom / ValidUntil bound the validity window (zero when absent).
	ValidFrom  time.Time
	ValidUntil time.Time
	IssuedAt   time.Time
	// Status lists the status references.
	Status []StatusReference
	// HolderJWK is the holder's public key (SD-JWT cnf.jwk) when the
	// credential is bound to a key; HolderID the holder DID or kid.
	HolderJWK map[string]any
	HolderID  string
}
