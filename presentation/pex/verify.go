package pex

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/internal/match"
	"github.com/ocmw/wstack/vocab"
)

// Decoder verifies what a presentation_submission points at in a
// vp_token. It is implemented with the credential-format packages; Verify
// adds the Presentation Exchange checks and never trusts the wallet's
// matching.
type Decoder interface {
	// Presentation verifies a presentation that a descriptor_map entry
	// with path_nested points at (a JWT VP: signature, nonce, aud; a Data
	// Integrity VP: proof, challenge, domain) and returns the JSON that
	// path_nested is evaluated on (the JWT claims set, the VP document).
	Presentation(ctx context.Context, format vocab.Format, value any) (any, error)
	// Credential verifies a credential found at the innermost path (an
	// SD-JWT with its key binding, an mdoc, a VC taken from a verified VP)
	// and returns its view holding what was disclosed.
	Credential(ctx context.Context, format vocab.Format, value any) (*presentation.Credential, error)
}

// DecoderFuncs adapts two functions to Decoder. CredentialFunc can be the
// same function that serves as dcql.DecoderFunc (for instance the
// presentation package's Validator.DecodeFunc) when the definition is
// answered with SD-JWT VCs or mdocs presented directly; PresentationFunc
// is needed for VPs referenced with path_nested and may be nil otherwise.
type DecoderFuncs struct {
	PresentationFunc func(ctx context.Context, format vocab.Format, value any) (any, error)
	CredentialFunc   func(ctx context.Context, format vocab.Format, value any) (*presentation.Credential, error)
}

// Presentation calls PresentationFunc.
func (d DecoderFuncs) Presentation(ctx context.Context, format vocab.Format, value any) (any, error) {
	if d.PresentationFunc == nil {
		return nil, fmt.Errorf("%w: nested presentations not supported by this decoder", ErrNoDecoder)
	}
	return d.PresentationFunc(ctx, format, value)
}

// Credential calls CredentialFunc.
func (d DecoderFuncs) Credential(ctx context.Context, format vocab.Format, value any) (*presentation.Credential, error) {
	if d.CredentialFunc == nil {
		return nil, ErrNoDecoder
	}
	return d.CredentialFunc(ctx, format, value)
}

// ErrUnknownDescriptor: a descriptor_map entry names an input descriptor
// the definition does not have.
var ErrUnknownDescriptor = errors.New("pex: descriptor_map names an unknown input descriptor")

// ErrPathNotFound: a descriptor_map path selects nothing in the vp_token.
var ErrPathNotFound = errors.New("pex: descriptor_map path selects nothing")

// DescriptorReport is the verifier's finding for one descriptor_map entry.
type DescriptorReport struct {
	ID         string
	Credential *presentation.Credential
	Candidate  *Candidate
	// Err is nil when the entry passed; otherwise why it failed (decoding,
	// format, or the descriptor's constraints: ErrFieldNotMatched, …).
	Err error
}

// Verification is the verifier's report on a submission.
type Verification struct {
	// Descriptors holds one report per descriptor_map entry, in order.
	Descriptors []*DescriptorReport
	// Answered maps each input descriptor answered by a passing entry to
	// its re-evaluated candidate.
	Answered map[string]*Candidate
	// Missing lists input descriptors that the definition needs (all of
	// them, or those of unmet submission requirements) without a passing
	// entry.
	Missing []string
}

const maxNested = 4

// Verify re-evaluates a received submission against the definition:
// definition_id, every descriptor_map entry resolved in the vp_token
// (path and path_nested, each presentation and credential verified by
// dec), the entry's format consistent with the credential, the input
// descriptor's constraints evaluated again on the credential, and finally
// all descriptors (or the submission requirements) and same_subject
// satisfied by the passing entries. vpToken is the decoded vp_token: a
// string (one JWT, SD-JWT or mdoc presentation), a JSON object (an LDP VP)
// or a []any of those. The report is returned in every case;
// the error matches ErrSubmissionRejected when the submission fails and,
// when descriptors are unanswered (ErrUnsatisfiable), wraps the failure
// of every descriptor_map entry (DescriptorReport.Err), so that
// errors.Is(err, presentation.ErrNonce) and the like hold.
// Matching the presented credentials has the work budget of one
// evaluation (ErrEvaluationBudget).
func (c *Compiled) Verify(ctx context.Context, sub *Submission, vpToken any, dec Decoder) (*Verification, error) {
	if dec == nil {
		return nil, ErrNoDecoder
	}
	v := &Verification{Answered: map[string]*Candidate{}}
	if sub == nil {
		return v, fmt.Errorf("%w: %w: no submission", ErrSubmissionRejected, ErrInvalidSubmission)
	}
	if sub.DefinitionID != c.def.ID {
		return v, fmt.Errorf("%w: definition_id %q is not %q", ErrSubmissionRejected, sub.DefinitionID, c.def.ID)
	}
	if len(sub.DescriptorMap) > MaxDescriptorMap {
		return v, fmt.Errorf("%w: %w: descriptor_map too long", ErrSubmissionRejected, ErrLimit)
	}
	docs := map[string]any{}
	st := c.newState(ctx, match.NewPool(c.cfg.evalBudget))
	var fatal []error
	for _, e := range sub.DescriptorMap {
		if e == nil {
			return v, fmt.Errorf("%w: %w: null descriptor_map entry", ErrSubmissionRejected, ErrInvalidSubmission)
		}
		rep := &DescriptorReport{ID: e.ID}
		v.Descriptors = append(v.Descriptors, rep)
		di, ok := c.byID[e.ID]
		if !ok {
			rep.Err = ErrUnknownDescriptor
			fatal = append(fatal, fmt.Errorf("%w: %q", ErrUnknownDescriptor, e.ID))
			continue
		}
		if err := c.vpFormatAllowed(c.descs[di], e); err != nil {
			rep.Err = err
			continue
		}
		cred, err := c.resolve(ctx, e, vpToken, dec, docs)
		if err != nil {
			if ctx.Err() != nil {
				return v, ctx.Err()
			}
			rep.Err = err
			continue
		}
		rep.Credential = cred
		cand, err := c.match(ctx, st, c.descs[di], cred)
		if err != nil {
			if ctx.Err() != nil {
				return v, ctx.Err()
			}
			if stop := c.stopped(st); stop != nil {
				return v, stop
			}
			rep.Err = err
			continue
		}
		rep.Candidate = cand
		if _, done := v.Answered[e.ID]; !done {
			v.Answered[e.ID] = cand
		}
	}
	answered := make([]bool, len(c.descs))
	for id := range v.Answered {
		answered[c.byID[id]] = true
	}
	met := c.requirementsMet(answered)
	if !met {
		relevant := make([]bool, len(c.descs))
		if c.reqs == nil {
			for i := range relevant {
				relevant[i] = true
			}
		} else {
			for _, q := range c.reqs {
				q.collect(relevant)
			}
		}
		for i, dq := range c.descs {
			if relevant[i] && !answered[i] {
				v.Missing = append(v.Missing, dq.d.ID)
			}
		}
	}
	if !c.sameSubjectMet(func(d int) *presentation.Credential {
		if cand, ok := v.Answered[c.descs[d].d.ID]; ok {
			return cand.Credential
		}
		return nil
	}) {
		fatal = append(fatal, ErrSameSubject)
	}
	if !met {
		fatal = append(fatal, fmt.Errorf("%w: %s: %w", ErrUnsatisfiable, strings.Join(v.Missing, ", "), entryFailures(v)))
	}
	if len(fatal) > 0 {
		return v, fmt.Errorf("%w: %w", ErrSubmissionRejected, errors.Join(fatal...))
	}
	return v, nil
}

// entryFailures joins the failure of every descriptor_map entry, each
// named by its position and id, or says that nothing was submitted for
// the missing descriptors.
func entryFailures(v *Verification) error {
	var errs []error
	for i, r := range v.Descriptors {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("descriptor_map[%d] %q: %w", i, r.ID, r.Err))
		}
	}
	if len(errs) == 0 {
		return errors.New("pex: input descriptors not answered")
	}
	return errors.Join(errs...)
}

// resolve follows path and path_nested of entry e to the credential.
func (c *Compiled) resolve(ctx context.Context, e *Descriptor, vpToken any, dec Decoder, docs map[string]any) (*presentation.Credential, error) {
	cur := vpToken
	key := ""
	for depth := 0; ; depth++ {
		if depth > maxNested {
			return nil, fmt.Errorf("%w: %w: path_nested deeper than %d", ErrInvalidSubmission, ErrLimit, maxNested)
		}
		if _, known := knownFormats[e.Format]; !known {
			return nil, fmt.Errorf("%w: %q", ErrUnknownFormat, e.Format)
		}
		jp, err := match.CompileJSONPath(e.Path)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidSubmission, err)
		}
		val, _, ok, err := jp.First(cur)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidSubmission, err)
		}
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrPathNotFound, e.Path)
		}
		key += "|" + e.Format + e.Path
		if e.PathNested == nil {
			cred, err := dec.Credential(ctx, vocab.Format(e.Format), val)
			if err != nil {
				return nil, err
			}
			if cred == nil {
				return nil, errors.New("pex: decoder returned no credential")
			}
			if !slices.Contains(credentialNames(cred.Format), e.Format) {
				return nil, fmt.Errorf("%w: descriptor_map says %q, credential is %q", ErrFormatMismatch, e.Format, cred.Format)
			}
			return cred, nil
		}
		doc, ok := docs[key]
		if !ok {
			doc, err = dec.Presentation(ctx, vocab.Format(e.Format), val)
			if err != nil {
				return nil, err
			}
			docs[key] = doc
		}
		if e.PathNested.ID != "" && e.PathNested.ID != e.ID {
			return nil, fmt.Errorf("%w: path_nested id %q differs from %q", ErrInvalidSubmission, e.PathNested.ID, e.ID)
		}
		cur = doc
		e = &Descriptor{ID: e.ID, Format: e.PathNested.Format, Path: e.PathNested.Path, PathNested: e.PathNested.PathNested}
	}
}

// vpFamilies groups presentation format names that denote the same format.
var vpFamilies = map[string]string{
	"jwt_vp": "jwt", "jwt_vp_json": "jwt", "jwt": "jwt",
	"ldp_vp": "ldp", "ldp": "ldp", "di_vp": "ldp", "di": "ldp",
}

// vpFormatAllowed checks the format of an entry that wraps credentials in a
// VP against the presentation formats the descriptor or definition lists.
func (c *Compiled) vpFormatAllowed(dq *descQ, e *Descriptor) error {
	if e.PathNested == nil {
		return nil
	}
	var listed []string
	if dq.formats != nil {
		listed = append(listed, dq.formats.vp...)
	}
	if len(listed) == 0 && c.defFormats != nil {
		listed = c.defFormats.vp
	}
	var vps []string
	for _, name := range listed {
		if _, ok := vpFamilies[name]; ok {
			vps = append(vps, name)
		}
	}
	if len(vps) == 0 {
		return nil
	}
	fam, ok := vpFamilies[e.Format]
	if !ok {
		return fmt.Errorf("%w: %q is not a presentation format the definition allows", ErrFormatMismatch, e.Format)
	}
	for _, name := range vps {
		if vpFamilies[name] == fam {
			return nil
		}
	}
	return fmt.Errorf("%w: presentation format %q not among %v", ErrFormatMismatch, e.Format, vps)
}
