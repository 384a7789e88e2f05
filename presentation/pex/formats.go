package pex

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
)

// formatKind says what a format designation applies to.
type formatKind uint8

const (
	kindCredential formatKind = 1 << iota
	kindPresentation
)

// knownFormats are the designations understood: DIF claim format registry
// names and OpenID4VC format identifiers.
var knownFormats = map[string]formatKind{
	"jwt":         kindCredential | kindPresentation,
	"jwt_vc":      kindCredential,
	"jwt_vp":      kindPresentation,
	"jwt_vc_json": kindCredential,
	"jwt_vp_json": kindPresentation,
	"ldp":         kindCredential | kindPresentation,
	"ldp_vc":      kindCredential,
	"ldp_vp":      kindPresentation,
	"di":          kindCredential | kindPresentation,
	"di_vc":       kindCredential,
	"di_vp":       kindPresentation,
	"sd_jwt":      kindCredential | kindPresentation,
	"vc+sd-jwt":   kindCredential | kindPresentation,
	"dc+sd-jwt":   kindCredential | kindPresentation,
	"mso_mdoc":    kindCredential | kindPresentation,
}

// credentialNames lists the designations a credential of format f answers
// to (both spellings of each format).
func credentialNames(f vocab.Format) []string {
	switch f {
	case vocab.FormatJWTVCJSON, vocab.FormatDIFJWTVC:
		return namesJWT
	case vocab.FormatLDPVC:
		return namesLDP
	case vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy, vocab.FormatDIFSDJWT:
		return namesSDJWT
	case vocab.FormatMsoMdoc:
		return namesMdoc
	}
	return nil
}

// Read-only name lists returned by credentialNames.
var (
	namesJWT   = []string{"jwt_vc", "jwt_vc_json", "jwt"}
	namesLDP   = []string{"ldp_vc", "ldp", "di_vc", "di"}
	namesSDJWT = []string{"dc+sd-jwt", "vc+sd-jwt", "sd_jwt"}
	namesMdoc  = []string{"mso_mdoc"}
)

type family uint8

const (
	famOther family = iota
	famJWT
	famLDP
	famSDJWT
	famMdoc
)

func familyOf(f vocab.Format) family {
	switch f {
	case vocab.FormatJWTVCJSON, vocab.FormatDIFJWTVC:
		return famJWT
	case vocab.FormatLDPVC:
		return famLDP
	case vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy, vocab.FormatDIFSDJWT:
		return famSDJWT
	case vocab.FormatMsoMdoc:
		return famMdoc
	}
	return famOther
}

// formatQ is a compiled format object: the credential designations with
// their algorithm and proof type lists.
type formatQ struct {
	cred map[string]*FormatDesignation
	// vp lists the presentation designations, in a stable order.
	vp []string
}

func compileFormats(cf ClaimFormats) (*formatQ, error) {
	if cf == nil {
		return nil, nil
	}
	q := &formatQ{cred: make(map[string]*FormatDesignation)}
	for name, d := range cf {
		k, ok := knownFormats[name]
		if !ok {
			return nil, invalid(ErrUnknownFormat, "%q", name)
		}
		if d == nil {
			d = &FormatDesignation{}
		}
		if k&kindCredential != 0 {
			q.cred[name] = d
		}
		if k&kindPresentation != 0 {
			q.vp = append(q.vp, name)
		}
	}
	slices.Sort(q.vp)
	if len(q.cred) == 0 {
		// Only presentation formats: the credentials themselves are not
		// constrained by this object.
		q.cred = nil
	}
	return q, nil
}

// allows reports whether the credential satisfies the format object: its
// format is any of the designations listed and, for that designation, its
// algorithm / proof type is among those listed.
func (q *formatQ) allows(cred *presentation.Credential, algOf func(*presentation.Credential) string) error {
	if q == nil || q.cred == nil {
		return nil
	}
	names := credentialNames(cred.Format)
	listed := false
	var reason error = ErrAlgorithmNotAllowed
	for _, n := range names {
		d, ok := q.cred[n]
		if !ok {
			continue
		}
		listed = true
		err := designationAllows(d, cred, algOf)
		if err == nil {
			return nil
		}
		reason = err
	}
	if listed {
		return reason
	}
	return ErrFormatMismatch
}

func designationAllows(d *FormatDesignation, cred *presentation.Credential, algOf func(*presentation.Credential) string) error {
	algs := concat(d.Alg, d.AlgValues, d.SDJWTAlgValues)
	proofs := concat(d.ProofType, d.ProofTypeValues)
	suites := concat(d.Cryptosuite, d.CryptosuiteValues)
	if len(algs) > 0 {
		alg := credentialAlg(cred)
		if alg == "" && algOf != nil {
			alg = algOf(cred)
		}
		if alg == "" {
			return ErrAlgorithmUnknown
		}
		if !slices.Contains(algs, alg) {
			return ErrAlgorithmNotAllowed
		}
	}
	if len(proofs) > 0 || len(suites) > 0 {
		types, cs := proofTypes(cred)
		if len(proofs) > 0 && !intersects(proofs, types) {
			return ErrAlgorithmNotAllowed
		}
		if len(suites) > 0 && !intersects(suites, cs) {
			return ErrAlgorithmNotAllowed
		}
	}
	return nil
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// credentialAlg reads the alg of the issuer-signed JWT of a JWT or SD-JWT
// credential from its header; "" when it cannot be determined (mdoc and
// Data Integrity credentials have no JWS alg).
func credentialAlg(cred *presentation.Credential) string {
	switch familyOf(cred.Format) {
	case famJWT, famSDJWT:
	default:
		return ""
	}
	raw := cred.Raw
	if i := strings.IndexByte(raw, '~'); i >= 0 {
		raw = raw[:i]
	}
	h, _, ok := strings.Cut(raw, ".")
	if !ok || len(h) > 4096 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return ""
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(b, &hdr) != nil {
		return ""
	}
	return hdr.Alg
}

// proofTypes returns the proof types and cryptosuites of a W3C credential
// document.
func proofTypes(cred *presentation.Credential) (types, suites []string) {
	doc := cred.Document
	if doc == nil {
		return nil, nil
	}
	add := func(p any) {
		pm, ok := p.(map[string]any)
		if !ok {
			return
		}
		if t, ok := pm["type"].(string); ok {
			types = append(types, t)
		}
		if s, ok := pm["cryptosuite"].(string); ok {
			suites = append(suites, s)
		}
	}
	switch p := doc["proof"].(type) {
	case []any:
		for _, e := range p {
			add(e)
		}
	default:
		add(p)
	}
	return types, suites
}
