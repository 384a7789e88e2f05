package pex_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

// FuzzPresentationDefinition: any input is refused with a typed error or
// compiles and evaluates without panicking; a selection only uses
// candidates of its descriptors and discloses only what the credentials
// offer.
func FuzzPresentationDefinition(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "spec", "*.json"))
	for _, fn := range files {
		if b, err := os.ReadFile(fn); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"id":"d","submission_requirements":[{"rule":"pick","min":0,"max":1,"from_nested":[{"rule":"all","from":"A"}]}],"input_descriptors":[{"id":"a","group":["A"],"constraints":{"limit_disclosure":"required","fields":[{"path":["$..a"],"filter":{"$ref":"#/x","x":{}}}]}}]}`))
	f.Add([]byte(`{"id":"d","input_descriptors":[{"id":"a","constraints":{"same_subject":[{"field_id":["f"],"directive":"required"}],"fields":[{"id":"f","path":["$.jobs[*].active","$['iss']"],"filter":{"type":"boolean"}}]}}]}`))
	wallet := []*presentation.Credential{bank1(), bank2(), employment(), euDL(), passport(), creditCard("worldbankfederation.com")}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := pex.ParseDefinition(data)
		if err != nil {
			if !errors.Is(err, pex.ErrInvalidDefinition) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		c, err := pex.Compile(d, pex.WithSearchBudget(20000))
		if err != nil {
			if !errors.Is(err, pex.ErrInvalidDefinition) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		res, err := c.Evaluate(context.Background(), slices.Values(wallet))
		if err != nil {
			if !errors.Is(err, pex.ErrUnsatisfiable) && !errors.Is(err, pex.ErrSearchBudget) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Hints never exclude a credential that matches: a store that
		// pre-filters with them loses nothing.
		for i, dr := range res.Descriptors {
			h := c.Hints().Descriptors[i]
			for _, cand := range dr.Candidates {
				cr := cand.Credential
				if len(h.Formats) > 0 && !slices.Contains(h.Formats, cr.Format) {
					t.Fatalf("hint formats %v exclude matching %s", h.Formats, cr.Format)
				}
				if len(h.VCTValues) > 0 && !slices.Contains(h.VCTValues, cr.VCT) {
					t.Fatalf("hint vct %v exclude matching %q", h.VCTValues, cr.VCT)
				}
				if len(h.Types) > 0 && !slices.ContainsFunc(h.Types, func(ty string) bool { return slices.Contains(cr.Types, ty) }) {
					t.Fatalf("hint types %v exclude matching %v", h.Types, cr.Types)
				}
			}
		}
		for _, dr := range res.Descriptors {
			cand, ok := res.Selection[dr.ID]
			if !ok {
				continue
			}
			if !slices.Contains(dr.Candidates, cand) {
				t.Fatalf("selection of %q is not one of its candidates", dr.ID)
			}
			for _, disc := range cand.Disclose {
				if familyOK := cand.Credential.Format == vocab.FormatSDJWTVC; familyOK &&
					!slices.ContainsFunc(cand.Credential.Disclosable, func(p vocab.ClaimPath) bool { return slices.Equal(p, disc) }) {
					t.Fatalf("disclosure %v not offered by %s", disc, cand.Credential.ID)
				}
			}
		}
	})
}

// FuzzSubmission: a received presentation_submission is refused with a
// typed error or verified; acceptance implies every answered descriptor's
// credential matches it again and the definition is satisfied.
func FuzzSubmission(f *testing.F) {
	f.Add([]byte(`{"id":"s","definition_id":"32f54163-7166-48f1-93d8-ff217bdb0653","descriptor_map":[{"id":"citizenship_input_2","format":"jwt_vp_json","path":"$","path_nested":{"id":"citizenship_input_2","format":"jwt_vc_json","path":"$.vp.verifiableCredential[0]"}}]}`))
	f.Add([]byte(`{"id":"s","definition_id":"32f54163-7166-48f1-93d8-ff217bdb0653","descriptor_map":[{"id":"citizenship_input_1","format":"ldp_vc","path":"$..x"}]}`))
	if b, err := os.ReadFile(filepath.Join("testdata", "spec", "submission_example.json")); err == nil {
		f.Add(b)
	}
	c := compileDef(f, "single_group_example.json")
	w := walletOf(passport(), euDL(), bank2())
	token := []any{"jwt_vp_json|passport#null", "eudl", map[string]any{"vp": map[string]any{"verifiableCredential": []any{"bank2"}}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		sub, err := pex.ParseSubmission(data)
		if err != nil {
			if !errors.Is(err, pex.ErrInvalidSubmission) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		v, err := c.Verify(context.Background(), sub, token, w)
		if err != nil {
			if !errors.Is(err, pex.ErrSubmissionRejected) && !errors.Is(err, pex.ErrNoDecoder) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(v.Answered) != 1 {
			t.Fatalf("pick count 1 accepted with %d answers", len(v.Answered))
		}
		for id, cand := range v.Answered {
			if _, err := c.MatchDescriptor(context.Background(), id, cand.Credential); err != nil {
				t.Fatalf("accepted credential does not match %q: %v", id, err)
			}
		}
	})
}
