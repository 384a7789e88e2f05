package w3c

import "errors"

// Errors. Validation failures wrap ErrInvalid and one of the specific
// errors below; match them with errors.Is.
var (
	// ErrInvalid is wrapped by every data model violation.
	ErrInvalid = errors.New("w3c: invalid document")
	// ErrMalformed: not JSON, too large, too deep, duplicate members, or a
	// member of the wrong JSON type.
	ErrMalformed = errors.New("w3c: malformed document")
	// ErrContext: @context missing or not starting with the base context.
	ErrContext = errors.New("w3c: bad @context")
	// ErrType: type missing or lacking VerifiableCredential /
	// VerifiablePresentation, or a type value that is not a string.
	ErrType = errors.New("w3c: bad type")
	// ErrID: an id that is not a single URL.
	ErrID = errors.New("w3c: id is not a URL")
	// ErrIssuer: issuer missing, not a URL, or an object without a URL id.
	ErrIssuer = errors.New("w3c: bad issuer")
	// ErrHolder: holder not a URL.
	ErrHolder = errors.New("w3c: bad holder")
	// ErrSubject: credentialSubject missing, empty, or not objects.
	ErrSubject = errors.New("w3c: bad credentialSubject")
	// ErrValidity: a date that is not an XML Schema dateTime(Stamp), a
	// missing issuanceDate (v1.1), or validFrom after validUntil.
	ErrValidity = errors.New("w3c: bad validity period")
	// ErrStatus: credentialStatus malformed (type, id, or the members its
	// type requires).
	ErrStatus = errors.New("w3c: bad credentialStatus")
	// ErrSchema: credentialSchema without id or type.
	ErrSchema = errors.New("w3c: bad credentialSchema")
	// ErrMissingType: refreshService, termsOfUse, evidence or proof
	// without type.
	ErrMissingType = errors.New("w3c: object without type")
	// ErrLanguageValue: name/description neither a string nor language
	// value objects.
	ErrLanguageValue = errors.New("w3c: bad name or description")
	// ErrRelatedResource: relatedResource without URL id or digest.
	ErrRelatedResource = errors.New("w3c: bad relatedResource")
	// ErrCredentials: verifiableCredential of a presentation malformed.
	ErrCredentials = errors.New("w3c: bad verifiableCredential")

	// ErrJWTClaims: a jwt_vc_json / jwt_vp_json claims set without its
	// vc / vp claim, or whose registered claims contradict the embedded
	// document (iss ≠ issuer, sub ≠ credentialSubject.id, jti ≠ id).
	ErrJWTClaims = errors.New("w3c: bad VC-JWT claims")
	// ErrNonce: a presentation's nonce is missing or not the expected one.
	ErrNonce = errors.New("w3c: presentation nonce mismatch")
	// ErrAudience: a presentation's aud is missing or not the expected one.
	ErrAudience = errors.New("w3c: presentation audience mismatch")
	// ErrKeyResolution: no key could be resolved for the signer.
	ErrKeyResolution = errors.New("w3c: cannot resolve signer key")
)
