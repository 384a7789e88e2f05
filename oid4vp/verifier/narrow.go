package verifier

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/presentation/dcql"
)

// ErrWalletMetadata: the wallet_metadata posted to request_uri leaves
// nothing in common with the request (formats, encryption, client
// identifier prefix or request signing algorithm).
var ErrWalletMetadata = errors.New("verifier: wallet_metadata leaves nothing in common with the request")

// narrow fits the claims of a Request Object to the wallet_metadata the
// wallet posted to request_uri (§5.10, §10.1):
//
//   - client_id_prefixes_supported (client_id_schemes_supported under the
//     legacy profile), when present, must list the client's prefix;
//   - request_object_signing_alg_values_supported, when present, must list
//     the signer's algorithm;
//   - for direct_post.jwt, authorization_encryption_alg_values_supported
//     (when present) must list ECDH-ES, and
//     authorization_encryption_enc_values_supported (when present) narrows
//     encrypted_response_enc_values_supported to the common values;
//   - vp_formats_supported narrows client_metadata's formats to those the
//     wallet lists, each algorithm list to the common values (a format
//     whose list becomes empty is dropped); the DCQL query must still be
//     answerable in the remaining formats (its required credential sets,
//     or every credential query without sets).
//
// The query itself is never changed: the response is verified against the
// request as created. No overlap fails with an *oid4vp.Error wrapping
// ErrWalletMetadata: vp_formats_not_supported for formats, invalid_client
// for the prefix, invalid_request otherwise.
func narrow(req *oid4vp.AuthorizationRequest, c *Client, wm *oid4vp.WalletMetadata, legacy bool) error {
	if wm == nil {
		return nil
	}
	fail := func(code, format string, args ...any) error {
		e := oid4vp.NewError(code, fmt.Sprintf(format, args...)).WithCause(ErrWalletMetadata)
		e.Status = http.StatusBadRequest
		return e
	}
	if legacy {
		if wm.ClientIDSchemesSupported != nil && !slices.Contains(wm.ClientIDSchemesSupported, req.ClientIDScheme) {
			return fail(oid4vp.CodeInvalidClient, "the wallet does not support client_id_scheme %q", req.ClientIDScheme)
		}
	} else if wm.ClientIDPrefixesSupported != nil && !wm.SupportsPrefix(c.id.Prefix) {
		return fail(oid4vp.CodeInvalidClient, "the wallet does not support the client identifier prefix %q", c.id.Prefix)
	}
	if algs := wm.RequestObjectSigningAlgValuesSupported; algs != nil && c.signer != nil &&
		!slices.Contains(algs, string(c.signer.Algorithm())) {
		return fail(oid4vp.CodeInvalidRequest, "the wallet does not accept request objects signed with %s", c.signer.Algorithm())
	}
	meta := req.ClientMetadata
	if meta == nil {
		return nil
	}
	if req.EffectiveResponseMode().Encrypted() {
		if algs := wm.AuthorizationEncryptionAlgValuesSupported; algs != nil && !slices.Contains(algs, "ECDH-ES") {
			return fail(oid4vp.CodeInvalidRequest, "the wallet supports no response encryption algorithm of the verifier (ECDH-ES)")
		}
		if encs := wm.AuthorizationEncryptionEncValuesSupported; encs != nil {
			common := intersect(meta.EncValues(), encs)
			if len(common) == 0 {
				return fail(oid4vp.CodeInvalidRequest, "the wallet supports no content encryption algorithm of %v", meta.EncValues())
			}
			meta.EncryptedResponseEncValuesSupported = common
		}
	}
	formats := &meta.VPFormatsSupported
	if legacy {
		formats = &meta.VPFormats
	}
	if len(*formats) > 0 && wm.VPFormatsSupported != nil {
		narrowed := oid4vp.VPFormats{}
		for name, ours := range *formats {
			theirs, ok := wm.VPFormatsSupported[name]
			if !ok {
				continue
			}
			if p, ok := narrowFormat(ours, theirs); ok {
				narrowed[name] = p
			}
		}
		if len(narrowed) == 0 {
			return fail(oid4vp.CodeVPFormatsNotSupported, "the wallet supports none of the requested formats")
		}
		ours := *formats
		*formats = narrowed
		supported := func(f string) bool {
			_, listed := ours[f]
			_, kept := narrowed[f]
			_, wallet := wm.VPFormatsSupported[f]
			return kept || (!listed && wallet)
		}
		if !legacy && req.DCQLQuery != nil && !answerable(req.DCQLQuery, supported) {
			return fail(oid4vp.CodeVPFormatsNotSupported, "the wallet does not support the formats the query requires")
		}
	}
	return nil
}

// narrowFormat intersects the algorithm lists both sides give; a list
// only the verifier gives stays, one only the wallet gives is not taken
// over (the verifier accepts what its Validator accepts). ok is false when
// a common list is empty.
func narrowFormat(ours, theirs oid4vp.FormatParameters) (oid4vp.FormatParameters, bool) {
	out := ours
	ok := true
	strs := func(a, b []string) []string {
		if a == nil || b == nil {
			return a
		}
		c := intersect(a, b)
		if len(c) == 0 {
			ok = false
		}
		return c
	}
	ints := func(a, b []int) []int {
		if a == nil || b == nil {
			return a
		}
		c := intersect(a, b)
		if len(c) == 0 {
			ok = false
		}
		return c
	}
	out.SDJWTAlgValues = strs(ours.SDJWTAlgValues, theirs.SDJWTAlgValues)
	out.KBJWTAlgValues = strs(ours.KBJWTAlgValues, theirs.KBJWTAlgValues)
	out.AlgValues = strs(ours.AlgValues, theirs.AlgValues)
	out.ProofTypeValues = strs(ours.ProofTypeValues, theirs.ProofTypeValues)
	out.CryptosuiteValues = strs(ours.CryptosuiteValues, theirs.CryptosuiteValues)
	out.IssuerAuthAlgValues = ints(ours.IssuerAuthAlgValues, theirs.IssuerAuthAlgValues)
	out.DeviceAuthAlgValues = ints(ours.DeviceAuthAlgValues, theirs.DeviceAuthAlgValues)
	return out, ok
}

// intersect returns the members of a (in a's order) that b has.
func intersect[T comparable](a, b []T) []T {
	out := make([]T, 0, len(a))
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// answerable reports whether the required part of q can be met with
// credentials of the supported formats only: every credential query when there
// are no credential_sets, else one option of each required set.
func answerable(q *dcql.Query, supported func(format string) bool) bool {
	ok := func(id string) bool {
		for _, cq := range q.Credentials {
			if cq.ID == id {
				return supported(string(cq.Format))
			}
		}
		return false
	}
	if len(q.CredentialSets) == 0 {
		for _, cq := range q.Credentials {
			if !ok(cq.ID) {
				return false
			}
		}
		return true
	}
	for _, set := range q.CredentialSets {
		if !set.IsRequired() {
			continue
		}
		if !slices.ContainsFunc(set.Options, func(opt []string) bool {
			return !slices.ContainsFunc(opt, func(id string) bool { return !ok(id) })
		}) {
			return false
		}
	}
	return true
}
