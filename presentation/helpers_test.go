package presentation_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/w3ctest"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

const (
	nonce    = "n-0S6_WzA2Mj"
	audience = "x509_san_dns:verifier.example.org"
	statusLC = "https://issuer.example.com/status/1"
)

type world struct {
	issuer, holder, other *w3ctest.Party
	status                *fakeStatus
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	iss, err := w3ctest.NewParty(ctx, crypto.KeyTypeECP256)
	require.NoError(t, err)
	hol, err := w3ctest.NewParty(ctx, crypto.KeyTypeEd25519)
	require.NoError(t, err)
	oth, err := w3ctest.NewParty(ctx, crypto.KeyTypeEd25519)
	require.NoError(t, err)
	return &world{issuer: iss, holder: hol, other: oth, status: &fakeStatus{values: map[uint64]uint8{}}}
}

// credential returns a VCDM 1.1 credential for subject with a
// StatusList2021Entry at index idx (revocation).
func (w *world) credential(subject string, idx int) *w3c.Credential {
	c := w.base(subject)
	c.ID = fmt.Sprintf("urn:uuid:c0ffee00-0000-4000-8000-%012d", idx)
	c.Issuer = &w3c.Issuer{ID: w.issuer.DID}
	c.CredentialStatus = w3c.One(w3c.Object{
		ID:   fmt.Sprintf("%s#%d", statusLC, idx),
		Type: w3c.One("StatusList2021Entry"),
		Extra: map[string]any{
			"statusPurpose": "revocation", "statusListIndex": fmt.Sprint(idx), "statusListCredential": statusLC,
		},
	})
	return c
}

// base is a VCDM 1.1 employee credential without issuer and status.
func (w *world) base(subject string) *w3c.Credential {
	return &w3c.Credential{
		Context:        w3c.Many[any](w3c.ContextV1, "https://w3id.org/vc/status-list/2021/v1"),
		Type:           w3c.Many("VerifiableCredential", "EmployeeCredential"),
		IssuanceDate:   "2026-01-01T00:00:00Z",
		ExpirationDate: "2027-01-01T00:00:00Z",
		CredentialSubject: w3c.One(map[string]any{
			"id": subject, "givenName": "Alice", "role": "engineer",
		}),
	}
}

func (w *world) jwtVC(t testing.TB, c *w3c.Credential, opts w3c.SignOptions) string {
	t.Helper()
	opts.Now = now
	if opts.Header == nil {
		opts.Header = w.issuer.Header()
	}
	tok, err := w3c.SignCredentialJWT(context.Background(), w.issuer.Signer, c, opts)
	require.NoError(t, err)
	return tok
}

var didResolver = w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK)

func (w *world) validator(mod ...func(*presentation.ValidatorConfig)) *presentation.Validator {
	cfg := presentation.ValidatorConfig{
		Parser:     presentation.NewParser(presentation.ParserConfig{SDJWT: &sdjwtHandler{w: w}}),
		IssuerKeys: &w3c.IssuerKeys{DID: didResolver},
		HolderKeys: &w3c.IssuerKeys{DID: didResolver, Relationship: w3c.Authentication},
		Status:     w.status,
		Trust:      presentation.TrustedIssuers{w.issuer.DID},
		Now:        clock,
	}
	for _, m := range mod {
		m(&cfg)
	}
	return presentation.NewValidator(cfg)
}

// fakeStatus is an in-memory status source keyed by index; unreachable
// makes every lookup fail like an unreachable list.
type fakeStatus struct {
	values      map[uint64]uint8
	unreachable bool
	calls       int
}

var errUnreachable = errors.New("status list unreachable")

func (f *fakeStatus) Check(_ context.Context, ref vocab.StatusReference) (vocab.StatusResult, error) {
	f.calls++
	if f.unreachable {
		return vocab.StatusResult{}, errUnreachable
	}
	if ref.URI != statusLC && ref.URI != "https://issuer.example.com/statuslists/1" {
		return vocab.StatusResult{}, fmt.Errorf("unknown list %q", ref.URI)
	}
	return vocab.StatusResult{Value: f.values[ref.Index]}, nil
}

// sdjwtHandler adapts wstack's sdjwt package to the view (the adapter an
// application writes; sdjwt imports presentation, so the view cannot import
// sdjwt).
type sdjwtHandler struct {
	w *world
}

func (h *sdjwtHandler) verifier() *sdjwt.Verifier {
	v, err := sdjwt.NewVerifier(sdjwt.Config{
		Algorithms:   []crypto.Algorithm{crypto.ES256},
		Typ:          []string{"dc+sd-jwt"},
		KBAlgorithms: []crypto.Algorithm{crypto.EdDSA, crypto.ES256},
		Key:          h.w.issuer.Signer.Public(),
		Now:          clock,
	})
	if err != nil {
		panic(err)
	}
	return v
}

func (h *sdjwtHandler) ParseSDJWT(_ context.Context, raw string) (*presentation.SDJWTView, error) {
	s, err := sdjwt.Parse(raw, sdjwt.Limits{})
	if err != nil {
		return nil, err
	}
	pr, err := s.Process(sdjwt.Limits{})
	if err != nil {
		return nil, err
	}
	return &presentation.SDJWTView{Claims: pr.Claims, Disclosable: pr.Paths}, nil
}

func (h *sdjwtHandler) VerifySDJWT(ctx context.Context, raw string, b presentation.Binding) (*presentation.SDJWTView, error) {
	var res *sdjwt.Result
	var err error
	if b.Nonce == "" {
		res, err = h.verifier().VerifyIssued(ctx, raw)
	} else {
		res, err = h.verifier().Verify(ctx, raw, sdjwt.Expect{Nonce: b.Nonce, Audience: b.Audience, TransactionDataHashes: b.TransactionDataHashes})
	}
	switch {
	case err == nil:
	case errors.Is(err, jose.ErrExpired):
		return nil, fmt.Errorf("%w: %w", presentation.ErrExpired, err)
	case errors.Is(err, jose.ErrNotYetValid), errors.Is(err, jose.ErrIssuedInFuture):
		return nil, fmt.Errorf("%w: %w", presentation.ErrNotYetValid, err)
	case errors.Is(err, sdjwt.ErrKBNonce):
		return nil, fmt.Errorf("%w: %w: %w", presentation.ErrHolderBinding, presentation.ErrNonce, err)
	case errors.Is(err, sdjwt.ErrKBAudience):
		return nil, fmt.Errorf("%w: %w: %w", presentation.ErrHolderBinding, presentation.ErrAudience, err)
	case errors.Is(err, sdjwt.ErrKeyBinding), errors.Is(err, sdjwt.ErrKeyBindingRequired):
		return nil, fmt.Errorf("%w: %w", presentation.ErrHolderBinding, err)
	default:
		return nil, err
	}
	return &presentation.SDJWTView{Claims: res.Claims, Disclosable: res.Disclosed, KeyBound: res.KeyBinding != nil}, nil
}

func (h *sdjwtHandler) PresentSDJWT(ctx context.Context, raw string, paths []vocab.ClaimPath, b presentation.Binding) (string, error) {
	s, err := sdjwt.Parse(raw, sdjwt.Limits{})
	if err != nil {
		return "", err
	}
	kb := &sdjwt.KeyBinding{Signer: h.w.holder.Signer, Audience: b.Audience, Nonce: b.Nonce, Now: clock, TransactionDataHashes: b.TransactionDataHashes}
	if len(b.TransactionDataHashes) > 0 {
		kb.TransactionDataHashesAlg = "sha-256"
	}
	return s.PresentDisclosures(ctx, paths, kb)
}

// sdjwtVC issues an SD-JWT VC to the holder's key (t may be nil in
// examples, where a failure panics).
func (w *world) sdjwtVC(t testing.TB, exp time.Time, idx int) string {
	if t != nil {
		t.Helper()
	}
	claims := map[string]any{
		"iss":         w.issuer.DID,
		"vct":         "https://credentials.example.com/identity_credential",
		"iat":         now.Add(-time.Hour).Unix(),
		"exp":         exp.Unix(),
		"given_name":  "Alice",
		"family_name": "Smith",
		"address":     map[string]any{"locality": "Berlin", "country": "DE"},
		"status":      map[string]any{"status_list": map[string]any{"idx": idx, "uri": "https://issuer.example.com/statuslists/1"}},
	}
	sd, err := sdjwt.Issue(context.Background(), w.issuer.Signer, claims, sdjwt.IssueOptions{
		Typ:         "dc+sd-jwt",
		Disclosable: []vocab.ClaimPath{{"given_name"}, {"family_name"}, {"address", "locality"}},
		HolderJWK:   w.holder.JWK(),
	})
	if t == nil && err != nil {
		panic(err)
	}
	if t != nil {
		require.NoError(t, err)
	}
	return sd.String()
}
