package pex

import (
	"encoding/json"
)

// Definition is a presentation_definition (PE v2.1.1 §5). Unknown members
// are kept in Extra so that a round trip loses nothing.
type Definition struct {
	ID                     string                     `json:"id"`
	Name                   string                     `json:"name,omitempty"`
	Purpose                string                     `json:"purpose,omitempty"`
	Format                 ClaimFormats               `json:"format,omitempty"`
	Frame                  map[string]any             `json:"frame,omitempty"`
	SubmissionRequirements []*SubmissionRequirement   `json:"submission_requirements,omitempty"`
	InputDescriptors       []*InputDescriptor         `json:"input_descriptors"`
	Extra                  map[string]json.RawMessage `json:"-"`
}

// ClaimFormats maps claim format designations (DIF claim format registry or
// OpenID4VC format identifiers) to their constraints (PE §5 "format").
type ClaimFormats map[string]*FormatDesignation

// FormatDesignation constrains one claim format: signature algorithms
// (alg; alg_values, sd-jwt_alg_values, kb-jwt_alg_values in OpenID4VC
// spelling) and proof types (proof_type; proof_type_values,
// cryptosuite_values).
type FormatDesignation struct {
	Alg               []string                   `json:"alg,omitempty"`
	AlgValues         []string                   `json:"alg_values,omitempty"`
	SDJWTAlgValues    []string                   `json:"sd-jwt_alg_values,omitempty"`
	KBJWTAlgValues    []string                   `json:"kb-jwt_alg_values,omitempty"`
	ProofType         []string                   `json:"proof_type,omitempty"`
	ProofTypeValues   []string                   `json:"proof_type_values,omitempty"`
	Cryptosuite       []string                   `json:"cryptosuite,omitempty"`
	CryptosuiteValues []string                   `json:"cryptosuite_values,omitempty"`
	Extra             map[string]json.RawMessage `json:"-"`
}

// InputDescriptor describes one credential the verifier asks for (PE §5.1).
type InputDescriptor struct {
	ID          string                     `json:"id"`
	Name        string                     `json:"name,omitempty"`
	Purpose     string                     `json:"purpose,omitempty"`
	Format      ClaimFormats               `json:"format,omitempty"`
	Group       []string                   `json:"group,omitempty"`
	Constraints *Constraints               `json:"constraints,omitempty"`
	Extra       map[string]json.RawMessage `json:"-"`
}

// Directive values.
const (
	Required   = "required"
	Preferred  = "preferred"
	Allowed    = "allowed"
	Disallowed = "disallowed"
)

// Constraints of an input descriptor (PE §5.1 "constraints").
type Constraints struct {
	LimitDisclosure string                     `json:"limit_disclosure,omitempty"`
	Statuses        *Statuses                  `json:"statuses,omitempty"`
	Fields          []*Field                   `json:"fields,omitempty"`
	SubjectIsIssuer string                     `json:"subject_is_issuer,omitempty"`
	IsHolder        []*SubjectConstraint       `json:"is_holder,omitempty"`
	SameSubject     []*SubjectConstraint       `json:"same_subject,omitempty"`
	Extra           map[string]json.RawMessage `json:"-"`
}

// Statuses holds the credential status directives (PE §5.1.2.1).
type Statuses struct {
	Active    *StatusDirective           `json:"active,omitempty"`
	Suspended *StatusDirective           `json:"suspended,omitempty"`
	Revoked   *StatusDirective           `json:"revoked,omitempty"`
	Extra     map[string]json.RawMessage `json:"-"`
}

// StatusDirective is required, allowed or disallowed, optionally limited to
// status method types.
type StatusDirective struct {
	Directive string                     `json:"directive,omitempty"`
	Type      []string                   `json:"type,omitempty"`
	Extra     map[string]json.RawMessage `json:"-"`
}

// SubjectConstraint is an is_holder or same_subject entry.
type SubjectConstraint struct {
	FieldID   []string                   `json:"field_id"`
	Directive string                     `json:"directive"`
	Extra     map[string]json.RawMessage `json:"-"`
}

// Field is one constraint on a credential's content (PE §5.1.1.1).
type Field struct {
	ID             string                     `json:"id,omitempty"`
	Optional       bool                       `json:"optional,omitempty"`
	Path           []string                   `json:"path"`
	Purpose        string                     `json:"purpose,omitempty"`
	Name           string                     `json:"name,omitempty"`
	IntentToRetain bool                       `json:"intent_to_retain,omitempty"`
	Filter         json.RawMessage            `json:"filter,omitempty"`
	Predicate      string                     `json:"predicate,omitempty"`
	Extra          map[string]json.RawMessage `json:"-"`
}

// Rules of submission requirements.
const (
	RuleAll  = "all"
	RulePick = "pick"
)

// SubmissionRequirement is one entry of submission_requirements (PE §5.2).
type SubmissionRequirement struct {
	Name       string                     `json:"name,omitempty"`
	Purpose    string                     `json:"purpose,omitempty"`
	Rule       string                     `json:"rule"`
	Count      *int                       `json:"count,omitempty"`
	Min        *int                       `json:"min,omitempty"`
	Max        *int                       `json:"max,omitempty"`
	From       string                     `json:"from,omitempty"`
	FromNested []*SubmissionRequirement   `json:"from_nested,omitempty"`
	Extra      map[string]json.RawMessage `json:"-"`
}

// Submission is a presentation_submission (PE §6).
type Submission struct {
	ID            string                     `json:"id"`
	DefinitionID  string                     `json:"definition_id"`
	DescriptorMap []*Descriptor              `json:"descriptor_map"`
	Extra         map[string]json.RawMessage `json:"-"`
}

// Descriptor is one descriptor_map entry: where in the vp_token the
// credential answering an input descriptor is (path, path_nested).
type Descriptor struct {
	ID         string                     `json:"id"`
	Format     string                     `json:"format"`
	Path       string                     `json:"path"`
	PathNested *Descriptor                `json:"path_nested,omitempty"`
	Extra      map[string]json.RawMessage `json:"-"`
}
