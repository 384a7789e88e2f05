package vocab

import "context"

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

// StatusChecker answers the status of a credential's status reference
// (statuslist.Checker through a small adapter: statuslist imports this
// package). It must verify the status list (signature, typ, sub/id, expiry)
// and fail with an error rather than report a status it could not
// establish.
type StatusChecker interface {
	Check(ctx context.Context, ref StatusReference) (StatusResult, error)
}

// StatusCheckerFunc adapts a function to StatusChecker.
type StatusCheckerFunc func(ctx context.Context, ref StatusReference) (StatusResult, error)

// Check calls f.
func (f StatusCheckerFunc) Check(ctx context.Context, ref StatusReference) (StatusResult, error) {
	return f(ctx, ref)
}

// StatusResult is the status found at a reference.
type StatusResult struct {
	// Value is the status value: IETF 0 VALID, 1 INVALID, 2 SUSPENDED,
	// others application specific; W3C the entry's bits (0 = not set).
	Value uint8
	// Message is the W3C statusMessage for the value, when the list has one.
	Message string
}
