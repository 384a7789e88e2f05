package pex

import (
	"errors"
	"fmt"
	"strings"
)

// Definition and submission errors. Every error of ParseDefinition and
// Compile wraps ErrInvalidDefinition and a more specific error.
var (
	// ErrInvalidDefinition: the definition breaks the PE schema or a rule
	// this package enforces.
	ErrInvalidDefinition = errors.New("pex: invalid presentation definition")
	// ErrSchema: the object does not validate against the DIF JSON schema.
	ErrSchema = errors.New("pex: schema validation failed")
	// ErrLimit: a size, depth or count limit is exceeded.
	ErrLimit = errors.New("pex: limit exceeded")
	// ErrUnknownFormat: a format designation names a format this package
	// does not know; it never silently widens or empties the match.
	ErrUnknownFormat = errors.New("pex: unknown claim format")
	// ErrInvalidPath: a field path is not valid JSONPath of the supported
	// subset (errors.Is also matches the cause in package match).
	ErrInvalidPath = errors.New("pex: invalid field path")
	// ErrInvalidFilter: a filter is not a valid JSON Schema, exceeds a
	// limit, or references anything outside itself.
	ErrInvalidFilter = errors.New("pex: invalid field filter")
	// ErrDuplicateID: two input descriptors share an id.
	ErrDuplicateID = errors.New("pex: duplicate input descriptor id")
	// ErrUnknownGroup: a submission requirement names a group no input
	// descriptor belongs to.
	ErrUnknownGroup = errors.New("pex: submission requirement names an unknown group")
	// ErrInvalidRequirement: a submission requirement is inconsistent
	// (count with min/max, min > max, count larger than its source).
	ErrInvalidRequirement = errors.New("pex: invalid submission requirement")
	// ErrUnknownFieldID: is_holder or same_subject names an unknown field.
	ErrUnknownFieldID = errors.New("pex: is_holder/same_subject names an unknown field id")
	// ErrStatusCheckerRequired: the definition has status constraints and
	// no StatusChecker was configured.
	ErrStatusCheckerRequired = errors.New("pex: statuses constraint needs a StatusChecker")
	// ErrInvalidSubmission: the presentation_submission is malformed.
	ErrInvalidSubmission = errors.New("pex: invalid presentation submission")
)

// Evaluation outcomes.
var (
	// ErrUnsatisfiable: the credentials cannot satisfy the definition.
	ErrUnsatisfiable = errors.New("pex: presentation definition cannot be satisfied")
	// ErrSearchBudget: finding the smallest selection exceeded the search
	// budget before any valid selection was found.
	ErrSearchBudget = errors.New("pex: selection search budget exhausted")
	// ErrEvaluationBudget: matching the credentials against the definition
	// took more work than the evaluation budget allows
	// (WithEvaluationBudget); no partial result is returned.
	ErrEvaluationBudget = errors.New("pex: evaluation work budget exceeded")
	// ErrSubmissionRejected: a received submission does not satisfy the
	// definition; the Verification report says why per descriptor.
	ErrSubmissionRejected = errors.New("pex: submission rejected")
	// ErrNoPresenter / ErrNoDecoder: a nil dependency was passed.
	ErrNoPresenter = errors.New("pex: no presenter")
	ErrNoDecoder   = errors.New("pex: no decoder")
)

// Reasons a credential does not match an input descriptor.
var (
	ErrFormatMismatch             = errors.New("pex: credential format not allowed")
	ErrAlgorithmNotAllowed        = errors.New("pex: credential algorithm or proof type not allowed")
	ErrAlgorithmUnknown           = errors.New("pex: credential algorithm cannot be determined (see WithCredentialAlgorithm)")
	ErrFieldNotMatched            = errors.New("pex: required field not matched")
	ErrPredicateUnsupported       = errors.New("pex: predicate=required needs a derived boolean, which the credential formats cannot produce")
	ErrLimitDisclosureUnsupported = errors.New("pex: limit_disclosure=required on a format without selective disclosure")
	ErrSubjectIsNotIssuer         = errors.New("pex: subject_is_issuer required and subject differs from issuer")
	ErrNotHolder                  = errors.New("pex: is_holder required and the credential is not bound to the holder")
	ErrStatus                     = errors.New("pex: credential status does not meet the statuses constraint")
	ErrSameSubject                = errors.New("pex: same_subject required and the subjects differ")
)

func invalid(sub error, format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrInvalidDefinition, sub, fmt.Sprintf(format, args...))
}

// UnsatisfiedError lists why a definition cannot be satisfied: the input
// descriptors without candidates and the reason the last credential tried
// was rejected for each. It matches ErrUnsatisfiable.
type UnsatisfiedError struct {
	Descriptors []string
	Reasons     map[string]error
}

// Error describes the unsatisfied descriptors.
func (e *UnsatisfiedError) Error() string {
	if len(e.Descriptors) == 0 {
		return ErrUnsatisfiable.Error() + ": submission requirements cannot be met"
	}
	return ErrUnsatisfiable.Error() + ": no usable credential for " + strings.Join(e.Descriptors, ", ")
}

// Is makes errors.Is(err, ErrUnsatisfiable) true.
func (e *UnsatisfiedError) Is(target error) bool { return target == ErrUnsatisfiable }
