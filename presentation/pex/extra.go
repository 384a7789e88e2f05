package pex

// JSON methods that keep the unknown members of every wire type in Extra.

import (
	"reflect"

	"github.com/ocmw/wstack/presentation/internal/match"
)

var (
	keysDefinition            = match.KnownKeys(reflect.TypeFor[Definition]())
	keysFormatDesignation     = match.KnownKeys(reflect.TypeFor[FormatDesignation]())
	keysInputDescriptor       = match.KnownKeys(reflect.TypeFor[InputDescriptor]())
	keysConstraints           = match.KnownKeys(reflect.TypeFor[Constraints]())
	keysStatuses              = match.KnownKeys(reflect.TypeFor[Statuses]())
	keysStatusDirective       = match.KnownKeys(reflect.TypeFor[StatusDirective]())
	keysSubjectConstraint     = match.KnownKeys(reflect.TypeFor[SubjectConstraint]())
	keysField                 = match.KnownKeys(reflect.TypeFor[Field]())
	keysSubmissionRequirement = match.KnownKeys(reflect.TypeFor[SubmissionRequirement]())
	keysSubmission            = match.KnownKeys(reflect.TypeFor[Submission]())
	keysDescriptor            = match.KnownKeys(reflect.TypeFor[Descriptor]())
)

// UnmarshalJSON decodes Definition and keeps unknown members in Extra.
func (x *Definition) UnmarshalJSON(b []byte) error {
	type plain Definition
	var p plain
	extra, err := match.UnmarshalExtra(b, &p, keysDefinition)
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
	return match.MarshalExtra(plain(x), x.Extra, keysDefinition)
}

// UnmarshalJSON decodes FormatDesignation and keeps unknown members in Extra.
func (x *FormatDesignation) UnmarshalJSON(b []byte) error {
	type plain FormatDesignation
	var p plain
	extra, err := match.UnmarshalExtra(b, &p, keysFormatDesignation)
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
	return match.MarshalExtra(plain(x), x.Extra, keysFormatDesignation)
}

// UnmarshalJSON decodes InputDescriptor and keeps unknown members in Extra.
func (x *InputDescriptor) UnmarshalJSON(b []byte) error {
	type plain InputDescriptor
	var p plain
	extra, err := match.UnmarshalExtra(b, &p, keysInputDescriptor)
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
	return match.MarshalExtra(plain(x), x.Extra, keysInputDescriptor)
}

// UnmarshalJSON decodes Constraints and keeps unknown members in Extra.
func (x *Constraints) UnmarshalJSON(b []byte) error {
	type plain Constraints
	var p plain
	extra, err := match.UnmarshalExtra(b, &p, keysConstraints)
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
	return match.MarshalExtra(plain(x), x.Extra, keysConstraints)
}

// UnmarshalJSON decodes Statuses and keeps unknown members in Extra.
func (x *Statuses) UnmarshalJSON(b []byte) error {
	type plain Statuses
	var p plain
	extra, err := match.UnmarshalExtra(b, &p, keysStatuses)
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
	return match.MarshalExtra(plain(x), x.Extra, keysStatuses)
}

// UnmarshalJSON decodes StatusDirective and keeps unknown members in Extra.
func (x *StatusDirective) UnmarshalJSON(b []byte) error {
	type plain StatusDirective
	var p plain
	extra, err := match.UnmarshalExtra(b, &p, keysStatusDirective)
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
	return match.MarshalExtra(plain(x), x.Extra, keysStatusDirective)
}

// UnmarshalJSON decodes SubjectConstraint and keeps unknown members in Extra.
func (x *SubjectConstraint) UnmarshalJSON(b []byte) error {
	type plain SubjectConstraint
	var p plain
	extra, err := match.UnmarshalExtra(b, &p, keysSubjectConstraint)
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
	return match.MarshalExtra(plain(x), x.Extra, keysSubjectConstraint)
}

// UnmarshalJSON decodes Field and keeps unknown members in Extra.
func (x *Field) UnmarshalJSON(b []byte) error {
	type plain Field
	var p plain
	extra, err := match.UnmarshalExtra(b, &p, keysField)
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
	return match.MarshalExtra(plain(x), x.Extra, keysField)
}

// UnmarshalJSON decodes SubmissionRequirement and keeps unknown members in Extra.
func (x *SubmissionRequirement) UnmarshalJSON(b []byte) error {
	type plain SubmissionRequirement
	var p plain
	extra, err := match.UnmarshalExtra(b, &p, keysSubmissionRequirement)
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
	return match.MarshalExtra(plain(x), x.Extra, keysSubmissionRequirement)
}

// UnmarshalJSON decodes Submission and keeps unknown members in Extra.
func (x *Submission) UnmarshalJSON(b []byte) error {
	type plain Submission
	var p plain
	extra, err := match.UnmarshalExtra(b, &p, keysSubmission)
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
	return match.MarshalExtra(plain(x), x.Extra, keysSubmission)
}

// UnmarshalJSON decodes Descriptor and keeps unknown members in Extra.
func (x *Descriptor) UnmarshalJSON(b []byte) error {
	type plain Descriptor
	var p plain
	extra, err := match.UnmarshalExtra(b, &p, keysDescriptor)
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
	return match.MarshalExtra(plain(x), x.Extra, keysDescriptor)
}
