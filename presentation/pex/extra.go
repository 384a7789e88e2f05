package pex

// JSON methods that keep the unknown members of every wire type in Extra.

import (
	"reflect"

	"github.com/ocmw/wstack/internal/jsonx"
)

var (
	keysDefinition            = jsonx.KnownKeys(reflect.TypeFor[Definition]())
	keysFormatDesignation     = jsonx.KnownKeys(reflect.TypeFor[FormatDesignation]())
	keysInputDescriptor       = jsonx.KnownKeys(reflect.TypeFor[InputDescriptor]())
	keysConstraints           = jsonx.KnownKeys(reflect.TypeFor[Constraints]())
	keysStatuses              = jsonx.KnownKeys(reflect.TypeFor[Statuses]())
	keysStatusDirective       = jsonx.KnownKeys(reflect.TypeFor[StatusDirective]())
	keysSubjectConstraint     = jsonx.KnownKeys(reflect.TypeFor[SubjectConstraint]())
	keysField                 = jsonx.KnownKeys(reflect.TypeFor[Field]())
	keysSubmissionRequirement = jsonx.KnownKeys(reflect.TypeFor[SubmissionRequirement]())
	keysSubmission            = jsonx.KnownKeys(reflect.TypeFor[Submission]())
	keysDescriptor            = jsonx.KnownKeys(reflect.TypeFor[Descriptor]())
)

// UnmarshalJSON decodes Definition and keeps unknown members in Extra.
func (x *Definition) UnmarshalJSON(b []byte) error {
	type plain Definition
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysDefinition)
	if err != nil {
		return err
	}
	*x = Definition(p)
	x.Extra = extra
	return nil
}

// MarshalJSON encodes Definition with its Extra members.
func (x Definition) MarshalJSON() ([]byte, error) {
	type plain Definition
	return jsonx.MarshalExtra(plain(x), x.Extra, keysDefinition)
}

// UnmarshalJSON decodes FormatDesignation and keeps unknown members in Extra.
func (x *FormatDesignation) UnmarshalJSON(b []byte) error {
	type plain FormatDesignation
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysFormatDesignation)
	if err != nil {
		return err
	}
	*x = FormatDesignation(p)
	x.Extra = extra
	return nil
}

// MarshalJSON encodes FormatDesignation with its Extra members.
func (x FormatDesignation) MarshalJSON() ([]byte, error) {
	type plain FormatDesignation
	return jsonx.MarshalExtra(plain(x), x.Extra, keysFormatDesignation)
}

// UnmarshalJSON decodes InputDescriptor and keeps unknown members in Extra.
func (x *InputDescriptor) UnmarshalJSON(b []byte) error {
	type plain InputDescriptor
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysInputDescriptor)
	if err != nil {
		return err
	}
	*x = InputDescriptor(p)
	x.Extra = extra
	return nil
}

// MarshalJSON encodes InputDescriptor with its Extra members.
func (x InputDescriptor) MarshalJSON() ([]byte, error) {
	type plain InputDescriptor
	return jsonx.MarshalExtra(plain(x), x.Extra, keysInputDescriptor)
}

// UnmarshalJSON decodes Constraints and keeps unknown members in Extra.
func (x *Constraints) UnmarshalJSON(b []byte) error {
	type plain Constraints
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysConstraints)
	if err != nil {
		return err
	}
	*x = Constraints(p)
	x.Extra = extra
	return nil
}

// MarshalJSON encodes Constraints with its Extra members.
func (x Constraints) MarshalJSON() ([]byte, error) {
	type plain Constraints
	return jsonx.MarshalExtra(plain(x), x.Extra, keysConstraints)
}

// UnmarshalJSON decodes Statuses and keeps unknown members in Extra.
func (x *Statuses) UnmarshalJSON(b []byte) error {
	type plain Statuses
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysStatuses)
	if err != nil {
		return err
	}
	*x = Statuses(p)
	x.Extra = extra
	return nil
}

// MarshalJSON encodes Statuses with its Extra members.
func (x Statuses) MarshalJSON() ([]byte, error) {
	type plain Statuses
	return jsonx.MarshalExtra(plain(x), x.Extra, keysStatuses)
}

// UnmarshalJSON decodes StatusDirective and keeps unknown members in Extra.
func (x *StatusDirective) UnmarshalJSON(b []byte) error {
	type plain StatusDirective
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysStatusDirective)
	if err != nil {
		return err
	}
	*x = StatusDirective(p)
	x.Extra = extra
	return nil
}

// MarshalJSON encodes StatusDirective with its Extra members.
func (x StatusDirective) MarshalJSON() ([]byte, error) {
	type plain StatusDirective
	return jsonx.MarshalExtra(plain(x), x.Extra, keysStatusDirective)
}

// UnmarshalJSON decodes SubjectConstraint and keeps unknown members in Extra.
func (x *SubjectConstraint) UnmarshalJSON(b []byte) error {
	type plain SubjectConstraint
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysSubjectConstraint)
	if err != nil {
		return err
	}
	*x = SubjectConstraint(p)
	x.Extra = extra
	return nil
}

// MarshalJSON encodes SubjectConstraint with its Extra members.
func (x SubjectConstraint) MarshalJSON() ([]byte, error) {
	type plain SubjectConstraint
	return jsonx.MarshalExtra(plain(x), x.Extra, keysSubjectConstraint)
}

// UnmarshalJSON decodes Field and keeps unknown members in Extra.
func (x *Field) UnmarshalJSON(b []byte) error {
	type plain Field
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysField)
	if err != nil {
		return err
	}
	*x = Field(p)
	x.Extra = extra
	return nil
}

// MarshalJSON encodes Field with its Extra members.
func (x Field) MarshalJSON() ([]byte, error) {
	type plain Field
	return jsonx.MarshalExtra(plain(x), x.Extra, keysField)
}

// UnmarshalJSON decodes SubmissionRequirement and keeps unknown members in Extra.
func (x *SubmissionRequirement) UnmarshalJSON(b []byte) error {
	type plain SubmissionRequirement
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysSubmissionRequirement)
	if err != nil {
		return err
	}
	*x = SubmissionRequirement(p)
	x.Extra = extra
	return nil
}

// MarshalJSON encodes SubmissionRequirement with its Extra members.
func (x SubmissionRequirement) MarshalJSON() ([]byte, error) {
	type plain SubmissionRequirement
	return jsonx.MarshalExtra(plain(x), x.Extra, keysSubmissionRequirement)
}

// UnmarshalJSON decodes Submission and keeps unknown members in Extra.
func (x *Submission) UnmarshalJSON(b []byte) error {
	type plain Submission
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysSubmission)
	if err != nil {
		return err
	}
	*x = Submission(p)
	x.Extra = extra
	return nil
}

// MarshalJSON encodes Submission with its Extra members.
func (x Submission) MarshalJSON() ([]byte, error) {
	type plain Submission
	return jsonx.MarshalExtra(plain(x), x.Extra, keysSubmission)
}

// UnmarshalJSON decodes Descriptor and keeps unknown members in Extra.
func (x *Descriptor) UnmarshalJSON(b []byte) error {
	type plain Descriptor
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysDescriptor)
	if err != nil {
		return err
	}
	*x = Descriptor(p)
	x.Extra = extra
	return nil
}

// MarshalJSON encodes Descriptor with its Extra members.
func (x Descriptor) MarshalJSON() ([]byte, error) {
	type plain Descriptor
	return jsonx.MarshalExtra(plain(x), x.Extra, keysDescriptor)
}
