package dcql_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/internal/sdtest"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	sd "github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
)

// sdWorld issues real SD-JWT VCs (recursive disclosures, decoys) to a
// holder key, parses them as the wallet holds them, presents them through
// presentation.Presenter and vc.Presenter, and verifies vp_tokens.
type sdWorld struct {
	issuer, holder *jose.KeySigner
	holderJWK      map[string]any
	parser         *presentation.Parser
	validator      *presentation.Validator
	binding        presentation.Binding
	now            time.Time
}

func newSDWorld(t testing.TB) *sdWorld {
	t.Helper()
	ctx := context.Background()
	e, err := local.New(local.Options{})
	require.NoError(t, err)
	mk := func(id string, kt crypto.KeyType) *jose.KeySigner {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "dcql", Group: "test"}, ID: id}
		_, err := e.GenerateKey(ctx, ref, crypto.KeySpec{Type: kt})
		require.NoError(t, err)
		s, err := jose.NewKeySigner(ctx, e, ref, "")
		require.NoError(t, err)
		return s
	}
	w := &sdWorld{issuer: mk("issuer", crypto.KeyTypeECP256), holder: mk("holder", crypto.KeyTypeEd25519), now: time.Now()}
	w.holderJWK, err = w.holder.JWK()
	require.NoError(t, err)
	ver, err := vc.NewVerifier(vc.Config{SDJWT: sd.Config{
		Algorithms: []crypto.Algorithm{crypto.ES256}, KBAlgorithms: []crypto.Algorithm{crypto.EdDSA},
		Key: w.issuer.Public(),
	}})
	require.NoError(t, err)
	w.parser = presentation.NewParser(presentation.ParserConfig{SDJWT: &vc.ViewHandler{}})
	w.validator = presentation.NewValidator(presentation.ValidatorConfig{
		Parser: presentation.NewParser(presentation.ParserConfig{SDJWT: &vc.ViewHandler{Verifier: ver}}),
		Trust:  presentation.TrustedIssuers{"https://issuer.example.com"},
	})
	w.binding = presentation.Binding{Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org"}
	return w
}

// issue returns the credential as the wallet holds it (every disclosure).
func (w *sdWorld) issue(t testing.TB, vct string, claims map[string]any, frame ...presentation.ClaimPath) *presentation.Credential {
	t.Helper()
	ctx := context.Background()
	all := map[string]any{"iss": "https://issuer.example.com", "vct": vct, "iat": w.now.Add(-time.Hour).Unix(), "exp": w.now.Add(time.Hour).Unix()}
	maps.Copy(all, claims)
	issued, err := vc.Issue(ctx, w.issuer, all, sd.IssueOptions{Disclosable: frame, Decoys: 2, HolderJWK: w.holderJWK})
	require.NoError(t, err)
	cred, err := w.parser.Parse(ctx, presentation.FormatSDJWTVC, issued.String())
	require.NoError(t, err)
	return cred
}

func (w *sdWorld) presenter() *presentation.Presenter {
	return &presentation.Presenter{Binding: w.binding, SDJWT: &vc.Presenter{Signer: w.holder}}
}

func (w *sdWorld) decoder() dcql.Decoder {
	return dcql.DecoderFunc(w.validator.DecodeFunc(presentation.PresentationOptions{Nonce: w.binding.Nonce, Audience: w.binding.Audience}))
}

// disclosedPaths returns, sorted, the claim paths (in the SD-JWT as held,
// so array indices do not shift) of the disclosures that the presented
// SD-JWT+KB pres actually carries.
func disclosedPaths(t testing.TB, held *presentation.Credential, pres any) []string {
	t.Helper()
	s, ok := pres.(string)
	require.True(t, ok, "SD-JWT presentation is a string, got %T", pres)
	h, err := sd.Parse(held.Raw, sd.Limits{})
	require.NoError(t, err)
	hp, err := h.Process(sd.Limits{})
	require.NoError(t, err)
	at := map[string]presentation.ClaimPath{}
	for i, d := range h.Disclosures {
		at[d.Raw] = hp.Paths[i]
	}
	p, err := sd.Parse(s, sd.Limits{})
	require.NoError(t, err)
	require.NotEmpty(t, p.KBJWT, "presentation without KB-JWT")
	out := []string{}
	for _, d := range p.Disclosures {
		path, ok := at[d.Raw]
		require.True(t, ok, "presented a disclosure the credential does not have")
		out = append(out, sdtest.Key(path))
	}
	slices.Sort(out)
	return out
}

func sorted(ks ...string) []string {
	out := append([]string{}, ks...)
	slices.Sort(out)
	return out
}

// pidRecursive is a PID-shaped identity credential issued the way the PID
// is: address is selectively disclosable and so is each of its members
// (RFC 9901 §4.2.6); arrays have disclosable elements whose members are
// disclosable too. The top-level postal_code, locality and region are the
// ones the Appendix D examples ask for.
func pidRecursive(t testing.TB, w *sdWorld, drop ...string) *presentation.Credential {
	claims := map[string]any{
		"given_name": "John", "family_name": "Doe", "date_of_birth": "1940-01-01",
		"postal_code": "90210", "locality": "Anytown", "region": "Anystate",
		"address": map[string]any{
			"street_address": "123 Main St", "house_number": "123", "locality": "Anytown",
			"postal_code": "90210", "region": "Anystate", "country": "US",
		},
		"nationalities": []any{"US", "DE"},
		"driving_privileges": []any{
			map[string]any{"vehicle_category_code": "A", "issue_date": "2018-08-09", "expiry_date": "2028-09-01"},
			map[string]any{"vehicle_category_code": "B", "issue_date": "2017-02-23", "expiry_date": "2028-09-01"},
		},
		"age_equal_or_over": map[string]any{"18": true, "21": true, "65": false},
	}
	for _, d := range drop {
		delete(claims, d)
	}
	var frame []presentation.ClaimPath
	for k, v := range claims {
		frame = append(frame, cp(k))
		switch t := v.(type) {
		case map[string]any:
			for m := range t {
				frame = append(frame, cp(k, m))
			}
		case []any:
			frame = append(frame, cp(k, nil))
			if k == "driving_privileges" {
				frame = append(frame, cp(k, nil, "vehicle_category_code"), cp(k, nil, "issue_date"), cp(k, nil, "expiry_date"))
			}
		}
	}
	return w.issue(t, vctPID, claims, frame...)
}

const dp = "driving_privileges"

// TestVPTokenDisclosesExactlyRequested builds the vp_token for the
// OpenID4VP 1.0 §7.4 query and the Appendix D queries (and pointer cases
// around arrays) over recursively disclosable PID-shaped SD-JWT VCs and
// asserts the exact set of disclosures each presentation carries: the
// requested claims and their enclosing containers, never a sibling
// (§6.4.1; a pointer to an object as a whole releases everything below
// it). The vp_token then verifies against the same query.
func TestVPTokenDisclosesExactlyRequested(t *testing.T) {
	ctx := context.Background()
	w := newSDWorld(t)
	pid := pidRecursive(t, w)
	pidNoLocality := pidRecursive(t, w, "locality")
	otherPID := w.issue(t, vctOtherPID, map[string]any{"given_name": "J", "family_name": "D", "address": map[string]any{"street_address": "x", "locality": "y"}},
		cp("given_name"), cp("family_name"), cp("address"), cp("address", "street_address"), cp("address", "locality"))
	reduced := w.issue(t, vctReduced, map[string]any{"family_name": "Doe", "given_name": "John", "birthdate": "1940-01-01"},
		cp("family_name"), cp("given_name"), cp("birthdate"))
	residence := w.issue(t, vctResidence, map[string]any{"postal_code": "90210", "locality": "Anytown", "region": "Anystate", "street_address": "123 Main St"},
		cp("postal_code"), cp("locality"), cp("region"), cp("street_address"))
	rewards := w.issue(t, vctRewards, map[string]any{"rewards_number": "12345", "tier": "gold"}, cp("rewards_number"), cp("tier"))
	vrcCred := vrc()

	specQuery := func(name string) string {
		t.Helper()
		return string(specExample(t, name))
	}
	one := func(path string, extra ...string) string {
		return `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["` + vctPID + `"]},"claims":[{"path":` + path + `}` + strings.Join(extra, "") + `]}]}`
	}
	tests := []struct {
		name     string
		query    string
		wallet   []*presentation.Credential
		want     map[string][]string // query id -> disclosed paths (as held)
		noVerify bool
	}{
		{name: "§7.4 simple", query: specQuery("simple.json"), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"my_credential": {"address", "address.street_address", "family_name", "given_name"}}},
		{name: "D multi_credentials", query: specQuery("multi_credentials.json"), wallet: []*presentation.Credential{pid, vrcCred},
			want:     map[string][]string{"pid": {"address", "address.street_address", "family_name", "given_name"}},
			noVerify: true}, // the mdoc answer is not a real DeviceResponse here
		{name: "D credentials_alternatives: pid and nice_to_have", query: specQuery("credentials_alternatives.json"),
			wallet: []*presentation.Credential{rewards, pid},
			want: map[string][]string{
				"pid":          {"address", "address.street_address", "family_name", "given_name"},
				"nice_to_have": {"rewards_number"},
			}},
		{name: "D credentials_alternatives: other_pid", query: specQuery("credentials_alternatives.json"),
			wallet: []*presentation.Credential{otherPID},
			want:   map[string][]string{"other_pid": {"address", "address.street_address", "family_name", "given_name"}}},
		{name: "D credentials_alternatives: reduced pair", query: specQuery("credentials_alternatives.json"),
			wallet: []*presentation.Credential{reduced, residence},
			want: map[string][]string{
				"pid_reduced_cred_1": {"family_name", "given_name"},
				"pid_reduced_cred_2": {"locality", "postal_code", "region"},
			}},
		{name: "D claims_alternatives: first claim set", query: specQuery("claims_alternatives.json"), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {"date_of_birth", "family_name", "locality", "region"}}},
		{name: "D claims_alternatives: second claim set", query: specQuery("claims_alternatives.json"), wallet: []*presentation.Credential{pidNoLocality},
			want: map[string][]string{"pid": {"date_of_birth", "family_name", "postal_code"}}},
		{name: "D value_matching_simple", query: specQuery("value_matching_simple.json"), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"my_credential": {"address", "address.street_address", "family_name", "given_name", "postal_code"}}},
		{name: "object as a whole", query: one(`["address"]`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {"address", "address.country", "address.house_number", "address.locality", "address.postal_code", "address.region", "address.street_address"}}},
		{name: "two members of a recursive object", query: one(`["address","locality"]`, `,{"path":["address","country"]}`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {"address", "address.country", "address.locality"}}},
		{name: "one element of driving_privileges", query: one(`["driving_privileges",1]`), wallet: []*presentation.Credential{pid},
			want:     map[string][]string{"pid": {dp, dp + "[1]", dp + "[1].expiry_date", dp + "[1].issue_date", dp + "[1].vehicle_category_code"}},
			noVerify: true}, // the verifier re-reads index 1 in an array that now has one element
		{name: "one member of one element", query: one(`["driving_privileges",0,"vehicle_category_code"]`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {dp, dp + "[0]", dp + "[0].vehicle_category_code"}}},
		{name: "one member of every element", query: one(`["driving_privileges",null,"vehicle_category_code"]`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {dp, dp + "[0]", dp + "[0].vehicle_category_code", dp + "[1]", dp + "[1].vehicle_category_code"}}},
		{name: "null: every element", query: one(`["nationalities",null]`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {"nationalities", "nationalities[0]", "nationalities[1]"}}},
		{name: "null with values: the matching element", query: `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["` + vctPID + `"]},"claims":[{"path":["nationalities",null],"values":["DE"]}]}]}`,
			wallet: []*presentation.Credential{pid},
			want:   map[string][]string{"pid": {"nationalities", "nationalities[1]"}}},
		{name: "numeric member name", query: one(`["age_equal_or_over","18"]`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {"age_equal_or_over", "age_equal_or_over.18"}}},
		{name: "no claims: only what is always disclosed", query: `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["` + vctPID + `"]}}]}`,
			wallet: []*presentation.Credential{pid}, want: map[string][]string{"pid": {}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := dcql.Parse([]byte(tc.query))
			require.NoError(t, err)
			c, err := dcql.Compile(q)
			require.NoError(t, err)
			res, err := c.Evaluate(ctx, seq(tc.wallet...))
			require.NoError(t, err)
			rec := &mdocRecorder{next: w.presenter()}
			tok, err := res.VPToken(ctx, rec)
			require.NoError(t, err)
			got := map[string][]string{}
			for id, ps := range tok {
				m := res.Selection[id][0]
				if m.Format == presentation.FormatMsoMdoc {
					continue
				}
				require.Len(t, ps, 1)
				got[id] = disclosedPaths(t, m.Credential, ps[0])
			}
			want := map[string][]string{}
			for id, ks := range tc.want {
				want[id] = sorted(ks...)
			}
			require.Empty(t, cmp.Diff(want, got))
			if tc.name == "D multi_credentials" {
				require.Equal(t, [][]presentation.ClaimPath{{cp("org.iso.7367.1", "vehicle_holder"), cp("org.iso.18013.5.1", "given_name")}}, rec.mdoc)
			}
			if tc.noVerify {
				return
			}
			v, err := c.Verify(ctx, tok, w.decoder())
			require.NoError(t, err)
			require.Empty(t, v.Failures)
		})
	}
}

// mdocRecorder answers mso_mdoc queries with a marker (this package has no
// mdoc presenter) and records what it was asked to disclose; every other
// format goes to next.
type mdocRecorder struct {
	next dcql.Presenter
	mdoc [][]presentation.ClaimPath
}

func (r *mdocRecorder) Present(ctx context.Context, f presentation.Format, creds []*presentation.Credential, disclose [][]presentation.ClaimPath) (any, error) {
	if f == presentation.FormatMsoMdoc {
		r.mdoc = append(r.mdoc, disclose...)
		return "mdoc-not-built", nil
	}
	return r.next.Present(ctx, f, creds, disclose)
}

// specExample returns a DCQL query of OpenID4VP 1.0 (1.0/examples/query_lang)
// from testdata/spec.
func specExample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := readSpec(name)
	require.NoError(t, err)
	return b
}

// TestPropertyVPTokenDisclosesExactly: for random credentials with nested
// and recursive disclosures and random sets of requested claims (leaves,
// sometimes a whole object or array), the SD-JWT in the vp_token that
// Evaluate and VPToken build through presentation.Presenter and
// vc.Presenter processes to exactly the requested claims, their enclosing
// containers with those containers' plaintext members, and what lies below
// a requested container (sdtest.Expected) — nothing more.
func TestPropertyVPTokenDisclosesExactly(t *testing.T) {
	ctx := context.Background()
	w := newSDWorld(t)
	n := 150
	if testing.Short() {
		n = 30
	}
	const vct = "https://credentials.example.com/random"
	for seed := range uint64(n) {
		g := sdtest.New(seed)
		cs := g.Case()
		held := w.issue(t, vct, cs.Claims, cs.Disclosable...)
		ptrs := g.Pick(cs.Leaves, 1+g.Rand().IntN(4))
		if len(cs.Inner) > 0 && g.Rand().IntN(4) == 0 {
			ptrs = append(ptrs, g.Pick(cs.Inner, 1)...)
		}
		var claims []map[string]any
		for _, p := range ptrs {
			claims = append(claims, map[string]any{"path": []any(p)})
		}
		qb, err := json.Marshal(map[string]any{"credentials": []any{map[string]any{
			"id": "q", "format": "dc+sd-jwt", "meta": map[string]any{"vct_values": []string{vct}}, "claims": claims,
		}}})
		require.NoError(t, err)
		q, err := dcql.Parse(qb)
		require.NoError(t, err, "seed %d", seed)
		c, err := dcql.Compile(q)
		require.NoError(t, err)
		res, err := c.Evaluate(ctx, seq(held))
		require.NoError(t, err, "seed %d", seed)
		tok, err := res.VPToken(ctx, w.presenter())
		require.NoError(t, err, "seed %d", seed)
		pres, err := sd.Parse(tok["q"][0].(string), sd.Limits{})
		require.NoError(t, err)
		pr, err := pres.Process(sd.Limits{})
		require.NoError(t, err)
		got := maps.Clone(pr.Claims)
		for _, k := range []string{"iss", "vct", "iat", "exp", "cnf"} {
			delete(got, k)
		}
		want := sdtest.Expected(cs.Claims, cs.Disclosable, ptrs)
		require.Empty(t, cmp.Diff(want, got), "seed %d pointers %v", seed, ptrs)
	}
}

func readSpec(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", "spec", "1.0", name))
}
