package pex

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
)

// Presenter is presentation.Presenter, the interface both query languages
// call (presentation.RequestPresenter implements it).
type Presenter = presentation.Presenter

// PresentOptions tune Present.
type PresentOptions struct {
	// SubmissionID is the presentation_submission id; a random one is
	// generated when empty.
	SubmissionID string
	// VPFormat is the format of the VP wrapping W3C credentials; by default
	// the first presentation format the definition (or descriptor) lists
	// that fits, else jwt_vp_json for JWT credentials and ldp_vp for
	// Data Integrity credentials.
	VPFormat vocab.Format
}

// Present builds the vp_token and the presentation_submission for the
// selection: W3C credentials of the same kind go into one VP (JWT or
// Data Integrity) referenced with path_nested; each SD-JWT and mdoc is its
// own presentation. The vp_token is the single presentation, or an array of
// them when there are several (paths "$" or "$[n]").
func (r *Result) Present(ctx context.Context, p Presenter, opts PresentOptions) (vpToken any, sub *Submission, err error) {
	if p == nil {
		return nil, nil, ErrNoPresenter
	}
	if r == nil || r.c == nil || !r.Satisfiable || r.Selection == nil {
		return nil, nil, &UnsatisfiedError{}
	}
	id := opts.SubmissionID
	if id == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, nil, err
		}
		id = hex.EncodeToString(b[:])
	}
	type group struct {
		format   vocab.Format
		creds    []*presentation.Credential
		disclose [][]vocab.ClaimPath
		jwt      bool
	}
	var groups []*group
	credIndex := map[*presentation.Credential][2]int{} // group, index in group
	var jwtGroup, ldpGroup *group
	creds := r.Credentials()
	for _, cred := range creds {
		disc := r.disclosures(cred)
		switch familyOf(cred.Format) {
		case famJWT, famLDP:
			isJWT := familyOf(cred.Format) == famJWT
			g := ldpGroup
			if isJWT {
				g = jwtGroup
			}
			if g == nil {
				g = &group{format: r.c.vpFormat(isJWT, opts.VPFormat), jwt: isJWT}
				groups = append(groups, g)
				if isJWT {
					jwtGroup = g
				} else {
					ldpGroup = g
				}
			}
			credIndex[cred] = [2]int{slices.Index(groups, g), len(g.creds)}
			g.creds = append(g.creds, cred)
			g.disclose = append(g.disclose, disc)
		default:
			g := &group{format: r.c.listedName(cred), creds: []*presentation.Credential{cred}, disclose: [][]vocab.ClaimPath{disc}}
			credIndex[cred] = [2]int{len(groups), 0}
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		// A selection may legitimately answer no descriptor (pick min 0).
		return []any{}, &Submission{ID: id, DefinitionID: r.c.def.ID, DescriptorMap: []*Descriptor{}}, nil
	}
	var token []any
	for _, g := range groups {
		pres, err := p.Present(ctx, g.format, g.creds, g.disclose)
		if err != nil {
			return nil, nil, fmt.Errorf("pex: presenting %s: %w", g.format, err)
		}
		token = append(token, pres)
	}
	sub = &Submission{ID: id, DefinitionID: r.c.def.ID}
	for _, dq := range r.c.descs {
		cand, ok := r.Selection[dq.d.ID]
		if !ok {
			continue
		}
		at := credIndex[cand.Credential]
		g := groups[at[0]]
		path := "$"
		if len(groups) > 1 {
			path = fmt.Sprintf("$[%d]", at[0])
		}
		d := &Descriptor{ID: dq.d.ID, Format: string(g.format), Path: path}
		if familyOf(cand.Credential.Format) == famJWT || familyOf(cand.Credential.Format) == famLDP {
			nested := fmt.Sprintf("$.verifiableCredential[%d]", at[1])
			if g.jwt {
				nested = fmt.Sprintf("$.vp.verifiableCredential[%d]", at[1])
			}
			d.PathNested = &Descriptor{ID: dq.d.ID, Format: string(r.c.listedName(cand.Credential)), Path: nested}
		}
		sub.DescriptorMap = append(sub.DescriptorMap, d)
	}
	if len(token) == 1 {
		return token[0], sub, nil
	}
	return token, sub, nil
}

// disclosures merges the disclosures of every descriptor a credential
// answers.
func (r *Result) disclosures(cred *presentation.Credential) []vocab.ClaimPath {
	var out []vocab.ClaimPath
	for _, dq := range r.c.descs {
		cand, ok := r.Selection[dq.d.ID]
		if !ok || cand.Credential != cred {
			continue
		}
		for _, d := range cand.Disclose {
			if !slices.ContainsFunc(out, func(x vocab.ClaimPath) bool { return samePath(x, d) }) {
				out = append(out, d)
			}
		}
	}
	return out
}

func samePath(a, b vocab.ClaimPath) bool {
	return slices.Equal(a, b)
}

// listedName returns the format name to use for a credential in the
// submission: the spelling the definition uses for it (vc+sd-jwt for a
// dc+sd-jwt credential requested under the pre-1.0 name, jwt_vc for a
// jwt_vc_json one requested under the DIF name), else its own format.
func (c *Compiled) listedName(cred *presentation.Credential) vocab.Format {
	names := credentialNames(cred.Format)
	var listed []map[string]*FormatDesignation
	for _, dq := range c.descs {
		if dq.formats != nil && dq.formats.cred != nil {
			listed = append(listed, dq.formats.cred)
		}
	}
	if c.defFormats != nil && c.defFormats.cred != nil {
		listed = append(listed, c.defFormats.cred)
	}
	if _, own := knownFormats[string(cred.Format)]; own {
		for _, l := range listed {
			if _, ok := l[string(cred.Format)]; ok {
				return cred.Format
			}
		}
	}
	for _, l := range listed {
		for _, n := range names {
			if _, ok := l[n]; ok && n != "jwt" && n != "ldp" && n != "di" {
				return vocab.Format(n)
			}
		}
	}
	return cred.Format
}

// vpFormat picks the VP format for W3C credentials.
func (c *Compiled) vpFormat(jwt bool, override vocab.Format) vocab.Format {
	if override != "" {
		return override
	}
	var listed []string
	if c.defFormats != nil {
		listed = c.defFormats.vp
	}
	for _, dq := range c.descs {
		if dq.formats != nil {
			listed = append(listed, dq.formats.vp...)
		}
	}
	for _, name := range listed {
		switch {
		case jwt && (name == "jwt_vp_json" || name == "jwt_vp"):
			return vocab.Format(name)
		case !jwt && (name == "ldp_vp" || name == "di_vp"):
			return vocab.Format(name)
		}
	}
	if jwt {
		return vocab.FormatJWTVPJSON
	}
	return vocab.FormatLDPVP
}
