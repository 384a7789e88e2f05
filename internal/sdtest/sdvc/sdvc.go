// Package sdvc is test plumbing for the query-language packages: it issues
// real SD-JWT VCs (recursive disclosures, decoys) to a holder key, parses
// them as a wallet holds them, presents them through presentation.RequestPresenter
// and presentation.SDJWTVCPresenter, verifies presentations, and reports which
// disclosures a built presentation actually carries.
package sdvc

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/internal/sdtest"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

// Issuer is the iss of every credential World issues.
const Issuer = "https://issuer.example.com"

// World holds an issuer key, a holder key and the wallet and verifier
// plumbing around them.
type World struct {
	IssuerKey, HolderKey *jose.KeySigner
	HolderJWK            map[string]any
	// Parser parses held credentials (no signature check); Validator
	// verifies presentations (issuer signature, KB-JWT with Binding).
	Parser    *presentation.Parser
	Validator *presentation.Validator
	Binding   presentation.Binding
	Now       time.Time
}

// New creates a World with fresh keys in an in-memory engine.
func New(t testing.TB) *World {
	t.Helper()
	ctx := context.Background()
	e, err := local.New(local.Options{})
	require.NoError(t, err)
	mk := func(id string, kt crypto.KeyType) *jose.KeySigner {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "sdvc", Group: "test"}, ID: id}
		_, err := e.GenerateKey(ctx, ref, crypto.KeySpec{Type: kt})
		require.NoError(t, err)
		s, err := jose.NewKeySigner(ctx, e, ref, "")
		require.NoError(t, err)
		return s
	}
	w := &World{IssuerKey: mk("issuer", crypto.KeyTypeECP256), HolderKey: mk("holder", crypto.KeyTypeEd25519), Now: time.Now()}
	w.HolderJWK, err = w.HolderKey.JWK()
	require.NoError(t, err)
	ver, err := vc.NewVerifier(vc.Config{SDJWT: sdjwt.Config{
		Algorithms: []crypto.Algorithm{crypto.ES256}, KBAlgorithms: []crypto.Algorithm{crypto.EdDSA},
		Key: w.IssuerKey.Public(),
	}})
	require.NoError(t, err)
	w.Parser = presentation.NewParser(presentation.ParserConfig{SDJWT: &presentation.SDJWTVCHandler{}})
	w.Validator = presentation.NewValidator(presentation.ValidatorConfig{
		Parser: presentation.NewParser(presentation.ParserConfig{SDJWT: &presentation.SDJWTVCHandler{Verifier: ver}}),
		Trust:  presentation.TrustedIssuers{Issuer},
	})
	w.Binding = presentation.Binding{Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org"}
	return w
}

// Issue issues a dc+sd-jwt with the claims (iss, vct, iat and exp added)
// and the disclosable paths, bound to the holder key with decoys, and
// returns it as the wallet holds it (every disclosure).
func (w *World) Issue(t testing.TB, vct string, claims map[string]any, frame ...vocab.ClaimPath) *presentation.Credential {
	t.Helper()
	ctx := context.Background()
	all := map[string]any{"iss": Issuer, "vct": vct, "iat": w.Now.Add(-time.Hour).Unix(), "exp": w.Now.Add(time.Hour).Unix()}
	maps.Copy(all, claims)
	issued, err := vc.Issue(ctx, w.IssuerKey, all, sdjwt.IssueOptions{Disclosable: frame, Decoys: 2, HolderJWK: w.HolderJWK})
	require.NoError(t, err)
	cred, err := w.Parser.Parse(ctx, vocab.FormatSDJWTVC, issued.String())
	require.NoError(t, err)
	return cred
}

// Presenter is the holder's presenter for Binding.
func (w *World) Presenter() *presentation.RequestPresenter {
	return &presentation.RequestPresenter{Binding: w.Binding, SDJWT: &presentation.SDJWTVCPresenter{Signer: w.HolderKey}}
}

// Decode verifies one presentation for Binding (the signature of
// dcql.DecoderFunc and pex.DecoderFunc).
func (w *World) Decode(ctx context.Context, format vocab.Format, p any) (*presentation.Credential, error) {
	return w.Validator.DecodeFunc(presentation.PresentationOptions{Nonce: w.Binding.Nonce, Audience: w.Binding.Audience})(ctx, format, p)
}

// DisclosedPaths returns, sorted and rendered with sdtest.Key, the claim
// paths — in the credential as held, so array indices do not shift — of
// the disclosures the SD-JWT+KB pres actually carries.
func DisclosedPaths(t testing.TB, held *presentation.Credential, pres any) []string {
	t.Helper()
	s, ok := pres.(string)
	require.True(t, ok, "SD-JWT presentation is a string, got %T", pres)
	h, err := sdjwt.Parse(held.Raw, sdjwt.Limits{})
	require.NoError(t, err)
	hp, err := h.Process(sdjwt.Limits{})
	require.NoError(t, err)
	at := map[string]vocab.ClaimPath{}
	for i, d := range h.Disclosures {
		at[d.Raw] = hp.Paths[i]
	}
	p, err := sdjwt.Parse(s, sdjwt.Limits{})
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

// PresentedClaims returns the processed claims of a presented SD-JWT
// without the claims Issue adds (iss, vct, iat, exp, cnf).
func PresentedClaims(t testing.TB, pres any) map[string]any {
	t.Helper()
	s, ok := pres.(string)
	require.True(t, ok, "SD-JWT presentation is a string, got %T", pres)
	p, err := sdjwt.Parse(s, sdjwt.Limits{})
	require.NoError(t, err)
	pr, err := p.Process(sdjwt.Limits{})
	require.NoError(t, err)
	got := maps.Clone(pr.Claims)
	for _, k := range []string{"iss", "vct", "iat", "exp", "cnf"} {
		delete(got, k)
	}
	return got
}

// PID issues a PID-shaped identity credential the way the PID is issued:
// address is selectively disclosable and so is each of its members
// (RFC 9901 §4.2.6); nationalities and driving_privileges have disclosable
// elements, and the members of driving_privileges elements are disclosable
// too; age_equal_or_over is recursive. The top-level postal_code, locality
// and region are the ones the OpenID4VP Appendix D examples ask for. drop
// removes top-level claims.
func (w *World) PID(t testing.TB, vct string, drop ...string) *presentation.Credential {
	t.Helper()
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
	var frame []vocab.ClaimPath
	for _, k := range slices.Sorted(maps.Keys(claims)) {
		frame = append(frame, vocab.ClaimPath{k})
		switch v := claims[k].(type) {
		case map[string]any:
			for _, m := range slices.Sorted(maps.Keys(v)) {
				frame = append(frame, vocab.ClaimPath{k, m})
			}
		case []any:
			frame = append(frame, vocab.ClaimPath{k, nil})
			if k == "driving_privileges" {
				for _, m := range []string{"vehicle_category_code", "issue_date", "expiry_date"} {
					frame = append(frame, vocab.ClaimPath{k, nil, m})
				}
			}
		}
	}
	return w.Issue(t, vct, claims, frame...)
}
