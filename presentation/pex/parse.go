package pex

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/ocmw/wstack/internal/jsonx"
)

// Limits of parsing and compiling.
const (
	MaxDefinitionBytes  = 256 << 10
	MaxDefinitionDepth  = 40
	MaxInputDescriptors = 64
	MaxFields           = 64
	MaxPaths            = 16
	MaxRequirements     = 32
	MaxNesting          = 8
	MaxSubmissionBytes  = 64 << 10
	MaxSubmissionDepth  = 16
	MaxDescriptorMap    = 256
)

//go:embed schemas/presentation-definition.json
var definitionSchemaJSON []byte

//go:embed schemas/claim-format-designations.json
var formatSchemaJSON []byte

//go:embed schemas/presentation-submission.json
var submissionSchemaJSON []byte

const (
	definitionSchemaURL = "urn:wstack:pex:presentation-definition.json"
	formatSchemaURL     = "urn:wstack:pex:claim-format-designations.json"
	submissionSchemaURL = "urn:wstack:pex:presentation-submission.json"
)

var errNoFetch = errors.New("pex: schemas are never fetched")

type schemas struct {
	definition, submission *jsonschema.Schema
	err                    error
}

// compiledSchemas compiles the embedded DIF schemas once; the result is
// immutable.
var compiledSchemas = sync.OnceValue(func() schemas {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.LoadURL = func(u string) (io.ReadCloser, error) { return nil, fmt.Errorf("%w: %s", errNoFetch, u) }
	for url, b := range map[string][]byte{definitionSchemaURL: definitionSchemaJSON, formatSchemaURL: formatSchemaJSON, submissionSchemaURL: submissionSchemaJSON} {
		if err := c.AddResource(url, bytes.NewReader(b)); err != nil {
			return schemas{err: err}
		}
	}
	d, err := c.Compile(definitionSchemaURL)
	if err != nil {
		return schemas{err: err}
	}
	s, err := c.Compile(submissionSchemaURL)
	if err != nil {
		return schemas{err: err}
	}
	return schemas{definition: d, submission: s}
})

// ParseDefinition decodes a presentation_definition, strict JSON within
// MaxDefinitionBytes and MaxDefinitionDepth, validates it against the DIF
// JSON schema (transcribed in schemas/, with the claim format designations
// of the DIF registry and OpenID4VC) and returns it. Compile checks the
// rules a schema cannot express.
func ParseDefinition(data []byte) (*Definition, error) {
	doc, err := decodeStrict(data, MaxDefinitionBytes, MaxDefinitionDepth)
	if err != nil {
		sub := ErrSchema
		if errors.Is(err, jsonx.ErrTooLarge) || errors.Is(err, jsonx.ErrTooDeep) {
			sub = ErrLimit
		}
		return nil, fmt.Errorf("%w: %w: %w", ErrInvalidDefinition, sub, err)
	}
	if err := validateDefinition(doc); err != nil {
		return nil, err
	}
	var d Definition
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, invalid(ErrSchema, "%v", err)
	}
	return &d, nil
}

// validateDefinition checks a decoded presentation_definition against the
// DIF schema.
func validateDefinition(doc any) error {
	sc := compiledSchemas()
	if sc.err != nil {
		return sc.err
	}
	if err := sc.definition.Validate(doc); err != nil {
		sub := ErrSchema
		if formatError(doc) {
			sub = ErrUnknownFormat
		}
		return fmt.Errorf("%w: %w: %w", ErrInvalidDefinition, sub, err)
	}
	return nil
}

// checkSchema validates a definition built in Go (or modified after
// ParseDefinition) as ParseDefinition validates what it decodes: its JSON
// form within the size and depth limits, against the DIF schema.
func checkSchema(def *Definition) error {
	data, err := json.Marshal(def)
	if err != nil {
		return invalid(ErrSchema, "%v", err)
	}
	doc, err := decodeStrict(data, MaxDefinitionBytes, MaxDefinitionDepth)
	if err != nil {
		sub := ErrSchema
		if errors.Is(err, jsonx.ErrTooLarge) || errors.Is(err, jsonx.ErrTooDeep) {
			sub = ErrLimit
		}
		return fmt.Errorf("%w: %w: %w", ErrInvalidDefinition, sub, err)
	}
	return validateDefinition(doc)
}

// ParseSubmission decodes a presentation_submission and validates it
// against the DIF schema.
func ParseSubmission(data []byte) (*Submission, error) {
	doc, err := decodeStrict(data, MaxSubmissionBytes, MaxSubmissionDepth)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSubmission, err)
	}
	sc := compiledSchemas()
	if sc.err != nil {
		return nil, sc.err
	}
	if err := sc.submission.Validate(doc); err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrInvalidSubmission, ErrSchema, err)
	}
	var s Submission
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSubmission, err)
	}
	if len(s.DescriptorMap) > MaxDescriptorMap {
		return nil, fmt.Errorf("%w: %w: %d descriptor_map entries", ErrInvalidSubmission, ErrLimit, len(s.DescriptorMap))
	}
	return &s, nil
}

func decodeStrict(data []byte, maxBytes, maxDepth int) (any, error) {
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: maxBytes, MaxDepth: maxDepth}); err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// formatError reports whether a format object of the definition names an
// unknown format, so that the schema failure can be reported as
// ErrUnknownFormat.
func formatError(doc any) bool {
	m, ok := doc.(map[string]any)
	if !ok {
		return false
	}
	check := func(f any) bool {
		fm, ok := f.(map[string]any)
		if !ok {
			return false
		}
		for k := range fm {
			if _, known := knownFormats[k]; !known {
				return true
			}
		}
		return false
	}
	if check(m["format"]) {
		return true
	}
	ids, _ := m["input_descriptors"].([]any)
	for _, id := range ids {
		if im, ok := id.(map[string]any); ok && check(im["format"]) {
			return true
		}
	}
	return false
}
