package presentation

import (
	"time"

	"github.com/ocmw/wstack/vocab"
)

// Credential is wstack's one view of a credential of any supported format:
// what matching (Presentation Exchange, DCQL) and validation need.
type Credential struct {
	Format vocab.Format
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
	// It is plain decoded JSON (map[string]any, []any, string, bool, nil)
	// with every number a json.Number, whatever the format: the exact text
	// the W3C decoders keep for canonicalisation, and what the SD-JWT views
	// convert their float64 values to (the text encoding/json writes for
	// them). DCQL values and Presentation Exchange filters compare numbers
	// by value. Document follows the same rule.
	Claims map[string]any
	// Document is the W3C credential document (the vc claim of a
	// jwt_vc_json, the document of an ldp_vc); nil for SD-JWT VC.
	Document map[string]any
	// Disclosable lists, for SD-JWT, the claim paths that are selectively
	// disclosable (each path is one disclosure). Empty for other formats.
	Disclosable []vocab.ClaimPath
	// ValidFrom / ValidUntil bound the validity window (zero when absent).
	ValidFrom  time.Time
	ValidUntil time.Time
	IssuedAt   time.Time
	// Status lists the status references.
	Status []vocab.StatusReference
	// HolderJWK is the holder's public key (SD-JWT cnf.jwk) when the
	// credential is bound to a key; HolderID the holder DID or kid.
	HolderJWK map[string]any
	HolderID  string
}
