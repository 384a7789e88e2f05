package presentation_test

import (
	"context"
	gocrypto "crypto"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/w3ctest"
	"github.com/ocmw/wstack/vocab"
)

func failuresOf(t *testing.T, err error) []error {
	t.Helper()
	var ve *presentation.ValidationError
	require.ErrorAs(t, err, &ve)
	return ve.Failures
}

func TestValidatorJWTVC(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	good := w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{})

	c, err := w.validator().Verify(ctx, vocab.FormatJWTVCJSON, good)
	require.NoError(t, err)
	require.Equal(t, w.issuer.DID, c.Issuer)
	require.NoError(t, w.validator().Validate(ctx, c))

	// Same claims, signed by another key under the issuer's kid.
	forged, err := w3c.SignCredentialJWT(ctx, w.other.Signer, w.credential(w.holder.DID, 1), w3c.SignOptions{Now: now, Header: w.issuer.Header()})
	require.NoError(t, err)

	cases := []struct {
		name  string
		token string
		mod   func(*presentation.ValidatorConfig)
		setup func(*fakeStatus)
		want  []error
	}{
		{name: "signature_other_key", token: forged, want: []error{presentation.ErrSignature}},
		{name: "expired", token: good, mod: func(c *presentation.ValidatorConfig) {
			c.Now = func() time.Time { return time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC) }
		}, want: []error{presentation.ErrExpired}},
		{name: "expired_within_leeway_ok", token: good, mod: func(c *presentation.ValidatorConfig) {
			c.Now = func() time.Time { return time.Date(2027, 1, 1, 0, 0, 30, 0, time.UTC) }
			c.Leeway = time.Minute
		}},
		{name: "not_yet_valid", token: good, mod: func(c *presentation.ValidatorConfig) {
			c.Now = func() time.Time { return time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC) }
		}, want: []error{presentation.ErrNotYetValid}},
		{name: "revoked", token: good, setup: func(s *fakeStatus) { s.values[1] = 1 }, want: []error{presentation.ErrRevoked}},
		{name: "status_unreachable", token: good, setup: func(s *fakeStatus) { s.unreachable = true }, want: []error{presentation.ErrStatusUnavailable}},
		{name: "no_status_checker", token: good, mod: func(c *presentation.ValidatorConfig) { c.Status = nil }, want: []error{presentation.ErrStatusUnavailable}},
		{name: "skip_status", token: good, mod: func(c *presentation.ValidatorConfig) { c.Status = nil; c.SkipStatus = true }},
		{name: "untrusted_issuer", token: good, mod: func(c *presentation.ValidatorConfig) {
			c.Trust = presentation.TrustedIssuers{"did:web:other.example"}
		}, want: []error{presentation.ErrUntrustedIssuer}},
		{name: "no_trust_policy", token: good, mod: func(c *presentation.ValidatorConfig) { c.Trust = nil }, want: []error{presentation.ErrUntrustedIssuer}},
		{name: "insecure_skip_trust", token: good, mod: func(c *presentation.ValidatorConfig) { c.Trust = nil; c.InsecureSkipTrust = true }},
		{name: "no_key_resolver", token: good, mod: func(c *presentation.ValidatorConfig) { c.IssuerKeys = nil }, want: []error{presentation.ErrConfig}},
		{name: "row2_alg_outside_allow_list", token: good, mod: func(c *presentation.ValidatorConfig) {
			c.Parser = presentation.NewParser(presentation.ParserConfig{Algorithms: []crypto.Algorithm{crypto.EdDSA}})
		}, want: []error{presentation.ErrMalformed}},
		{name: "every_failure_listed", token: good, mod: func(c *presentation.ValidatorConfig) {
			c.Now = func() time.Time { return time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC) }
		}, setup: func(s *fakeStatus) { s.values[1] = 1 }, want: []error{presentation.ErrExpired, presentation.ErrRevoked}},
		{name: "untrusted_issuer_not_resolved_nor_status_fetched", token: good, mod: func(c *presentation.ValidatorConfig) {
			c.Now = func() time.Time { return time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC) }
			c.Trust = presentation.TrustedIssuers{}
			c.IssuerKeys = jose.KeyResolverFunc(func(context.Context, *jose.JWS) (gocrypto.PublicKey, error) {
				panic("key resolved for an untrusted issuer")
			})
		}, setup: func(s *fakeStatus) { s.values[1] = 1; s.unreachable = true }, want: []error{presentation.ErrUntrustedIssuer, presentation.ErrExpired}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.status = &fakeStatus{values: map[uint64]uint8{}}
			if tc.setup != nil {
				tc.setup(w.status)
			}
			var mods []func(*presentation.ValidatorConfig)
			if tc.mod != nil {
				mods = append(mods, tc.mod)
			}
			_, err := w.validator(mods...).Verify(ctx, vocab.FormatJWTVCJSON, tc.token)
			if len(tc.want) == 0 {
				require.NoError(t, err)
				return
			}
			for _, want := range tc.want {
				require.ErrorIs(t, err, want)
			}
			if tc.want[0] != presentation.ErrMalformed {
				require.Len(t, failuresOf(t, err), len(tc.want), "%v", err)
			}
		})
	}
}

// A credential whose signature fails never has its status list fetched
// (its URLs are attacker controlled), and trust is not evaluated.
func TestValidatorNoStatusFetchOnBadSignature(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	forged, err := w3c.SignCredentialJWT(ctx, w.other.Signer, w.credential(w.holder.DID, 1), w3c.SignOptions{Now: now, Header: w.issuer.Header()})
	require.NoError(t, err)
	_, err = w.validator().Verify(ctx, vocab.FormatJWTVCJSON, forged)
	require.ErrorIs(t, err, presentation.ErrSignature)
	require.Len(t, failuresOf(t, err), 1)
	require.Zero(t, w.status.calls)
}

// Validate works on the raw credential, not on fields changed afterwards.
func TestValidateIgnoresEditedView(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	tok := w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{})
	c, err := presentation.Parse(ctx, vocab.FormatJWTVCJSON, tok)
	require.NoError(t, err)
	c.Issuer = "did:web:trusted.example"
	v := w.validator(func(cfg *presentation.ValidatorConfig) {
		cfg.Trust = presentation.TrustedIssuers{"did:web:trusted.example"}
	})
	require.ErrorIs(t, v.Validate(ctx, c), presentation.ErrUntrustedIssuer)
}

func TestStatusInterpretation(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	cases := []struct {
		name    string
		purpose string
		value   uint8
		want    error
	}{
		{"bsl_revocation_set", "revocation", 1, presentation.ErrRevoked},
		{"bsl_suspension_set", "suspension", 1, presentation.ErrSuspended},
		{"bsl_suspension_clear", "suspension", 0, nil},
		{"bsl_message_is_informational", "message", 1, nil},
		{"bsl_unknown_purpose", "custom", 1, presentation.ErrStatusInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := w.credential(w.holder.DID, 5)
			c.CredentialStatus.Items[0].Extra["statusPurpose"] = tc.purpose
			tok := w.jwtVC(t, c, w3c.SignOptions{})
			w.status = &fakeStatus{values: map[uint64]uint8{5: tc.value}}
			_, err := w.validator().Verify(ctx, vocab.FormatJWTVCJSON, tok)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
		})
	}
	// IETF Token Status List values (draft-20 §7.1) on an SD-JWT VC.
	ietf := []struct {
		value uint8
		want  error
	}{{0, nil}, {1, presentation.ErrRevoked}, {2, presentation.ErrSuspended}, {3, presentation.ErrStatusInvalid}}
	for _, tc := range ietf {
		w.status = &fakeStatus{values: map[uint64]uint8{9: tc.value}}
		_, err := w.validator().Verify(ctx, vocab.FormatSDJWTVC, w.sdjwtVC(t, now.Add(time.Hour), 9))
		if tc.want == nil {
			require.NoError(t, err)
		} else {
			require.ErrorIs(t, err, tc.want, "value %d", tc.value)
		}
	}
}

func TestValidatorSDJWT(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	c, err := w.validator().Verify(ctx, vocab.FormatSDJWTVC, w.sdjwtVC(t, now.Add(time.Hour), 1))
	require.NoError(t, err)
	require.Equal(t, "Alice", c.Claims["given_name"])

	_, err = w.validator().Verify(ctx, vocab.FormatSDJWTVC, w.sdjwtVC(t, now.Add(-time.Hour), 1))
	require.ErrorIs(t, err, presentation.ErrExpired)
	require.NotErrorIs(t, err, presentation.ErrSignature)

	// Signed by another key in the issuer's name.
	forger := &world{issuer: &w3ctest.Party{DID: w.issuer.DID, Signer: w.other.Signer}, holder: w.holder}
	_, err = w.validator().Verify(ctx, vocab.FormatSDJWTVC, forger.sdjwtVC(t, now.Add(time.Hour), 1))
	require.ErrorIs(t, err, presentation.ErrSignature)
	// Issued by someone outside the trust policy: rejected before the
	// handler verifies (and resolves keys), status never fetched.
	other := &world{issuer: w.other, holder: w.holder}
	w.status.calls = 0
	_, err = w.validator().Verify(ctx, vocab.FormatSDJWTVC, other.sdjwtVC(t, now.Add(time.Hour), 1))
	require.ErrorIs(t, err, presentation.ErrUntrustedIssuer)
	require.NotErrorIs(t, err, presentation.ErrSignature)
	require.Zero(t, w.status.calls)
}

func TestVerifyPresentationJWTVP(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	vc := w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{})
	vcCred, err := presentation.Parse(ctx, vocab.FormatJWTVCJSON, vc)
	require.NoError(t, err)
	presenter := &presentation.RequestPresenter{
		Binding:   presentation.Binding{Nonce: nonce, Audience: audience},
		Holder:    w.holder.DID,
		JWTSigner: w.holder.Signer,
		JWTHeader: w.holder.Header(),
		Now:       clock,
	}
	vp, err := presenter.Present(ctx, vocab.FormatJWTVCJSON, []*presentation.Credential{vcCred}, nil)
	require.NoError(t, err)
	opts := presentation.PresentationOptions{Nonce: nonce, Audience: audience}

	p, err := w.validator().VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vp, opts)
	require.NoError(t, err)
	require.Equal(t, w.holder.DID, p.Holder)
	require.Len(t, p.Credentials, 1)
	require.Equal(t, w.issuer.DID, p.Credentials[0].Issuer)
	require.NotNil(t, p.HolderKey)

	// The DCQL credential format name selects the same verification.
	dec := w.validator().DecodeFunc(opts)
	c, err := dec(ctx, vocab.FormatJWTVCJSON, vp)
	require.NoError(t, err)
	require.Equal(t, w.holder.DID, c.Subject)

	// A credential of someone else presented by the holder.
	stolen := w.jwtVC(t, w.credential("did:example:victim", 2), w3c.SignOptions{})
	stolenCred, err := presentation.Parse(ctx, vocab.FormatJWTVCJSON, stolen)
	require.NoError(t, err)
	vpStolen, err := presenter.Present(ctx, vocab.FormatJWTVPJSON, []*presentation.Credential{stolenCred}, nil)
	require.NoError(t, err)

	// A cnf-bound credential presented without holder DID: the VP key must
	// be the cnf key.
	bound := w.jwtVC(t, w.credential(w.holder.DID, 3), w3c.SignOptions{Claims: map[string]any{"cnf": map[string]any{"jwk": w.holder.JWK()}}})
	boundCred, err := presentation.Parse(ctx, vocab.FormatJWTVCJSON, bound)
	require.NoError(t, err)
	anon := *presenter
	anon.Holder, anon.JWTHeader = "", map[string]any{"kid": "holder-key"}
	vpCnf, err := anon.Present(ctx, vocab.FormatJWTVPJSON, []*presentation.Credential{boundCred}, nil)
	require.NoError(t, err)
	p, err = w.validator().VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vpCnf, opts)
	require.NoError(t, err)
	require.Empty(t, p.Holder)
	anonOther := anon
	anonOther.JWTSigner = w.other.Signer
	vpCnfOther, err := anonOther.Present(ctx, vocab.FormatJWTVPJSON, []*presentation.Credential{boundCred}, nil)
	require.NoError(t, err)

	revokedVP := func() any {
		w2 := w.credential(w.holder.DID, 4)
		tok := w.jwtVC(t, w2, w3c.SignOptions{})
		cr, err := presentation.Parse(ctx, vocab.FormatJWTVCJSON, tok)
		require.NoError(t, err)
		out, err := presenter.Present(ctx, vocab.FormatJWTVPJSON, []*presentation.Credential{cr}, nil)
		require.NoError(t, err)
		return out
	}()

	cases := []struct {
		name string
		vp   any
		opts presentation.PresentationOptions
		mod  func(*presentation.ValidatorConfig)
		want error
	}{
		{"wrong_nonce", vp, presentation.PresentationOptions{Nonce: "other", Audience: audience}, nil, presentation.ErrNonce},
		{"row12_wrong_audience", vp, presentation.PresentationOptions{Nonce: nonce, Audience: "verifier.example.org"}, nil, presentation.ErrAudience},
		{"missing_options", vp, presentation.PresentationOptions{}, nil, presentation.ErrConfig},
		{"subject_not_holder", vpStolen, opts, nil, presentation.ErrHolderBinding},
		{"cnf_key_not_signer", vpCnfOther, opts, nil, presentation.ErrPresentation},
		{"credential_revoked", revokedVP, opts, nil, presentation.ErrRevoked},
		{"no_holder_resolver", vp, opts, func(c *presentation.ValidatorConfig) { c.HolderKeys = nil }, presentation.ErrConfig},
		{"vc_token_as_vp", vc, opts, nil, presentation.ErrPresentation},
		{"stale_presentation", vp, opts, func(c *presentation.ValidatorConfig) {
			c.Now = func() time.Time { return now.Add(10 * time.Minute) }
		}, presentation.ErrPresentation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.status = &fakeStatus{values: map[uint64]uint8{4: 1}}
			var mods []func(*presentation.ValidatorConfig)
			if tc.mod != nil {
				mods = append(mods, tc.mod)
			}
			_, err := w.validator(mods...).VerifyPresentation(ctx, vocab.FormatJWTVPJSON, tc.vp, tc.opts)
			require.ErrorIs(t, err, tc.want)
		})
	}
	// Too many credentials in one presentation: rejected before any of
	// them is verified.
	many := make([]*presentation.Credential, 3)
	for i := range many {
		many[i] = vcCred
	}
	vpMany, err := presenter.Present(ctx, vocab.FormatJWTVPJSON, many, nil)
	require.NoError(t, err)
	w.status.calls = 0
	_, err = w.validator(func(c *presentation.ValidatorConfig) { c.MaxCredentials = 2 }).VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vpMany, opts)
	require.ErrorIs(t, err, presentation.ErrPresentation)
	require.Zero(t, w.status.calls)
	_, err = w.validator().VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vpMany, opts)
	require.NoError(t, err)

	// Bearer credentials pass only when binding is explicitly skipped.
	_, err = w.validator(func(c *presentation.ValidatorConfig) { c.SkipHolderBinding = true }).VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vpStolen, opts)
	require.NoError(t, err)
}

func TestVerifyPresentationSDJWT(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	raw := w.sdjwtVC(t, now.Add(time.Hour), 1)
	v := w.validator()
	held, err := v.Verify(ctx, vocab.FormatSDJWTVC, raw)
	require.NoError(t, err)
	presenter := &presentation.RequestPresenter{Binding: presentation.Binding{Nonce: nonce, Audience: audience}, SDJWT: &sdjwtHandler{w: w}, Now: clock}
	pres, err := presenter.Present(ctx, vocab.FormatSDJWTVC, []*presentation.Credential{held}, [][]vocab.ClaimPath{{{"given_name"}}})
	require.NoError(t, err)
	opts := presentation.PresentationOptions{Nonce: nonce, Audience: audience}
	p, err := v.VerifyPresentation(ctx, vocab.FormatSDJWTVC, pres, opts)
	require.NoError(t, err)
	require.Len(t, p.Credentials, 1)
	c := p.Credentials[0]
	require.Equal(t, "Alice", c.Claims["given_name"])
	require.NotContains(t, c.Claims, "family_name", "only what was disclosed")
	require.Equal(t, []vocab.ClaimPath{{"given_name"}}, c.Disclosable)
	require.NotNil(t, p.HolderKey)

	_, err = v.VerifyPresentation(ctx, vocab.FormatSDJWTVC, pres, presentation.PresentationOptions{Nonce: "other", Audience: audience})
	require.ErrorIs(t, err, presentation.ErrHolderBinding)
	// The SD-JWT as issued (no KB-JWT) is not a presentation.
	_, err = v.VerifyPresentation(ctx, vocab.FormatSDJWTVC, raw, opts)
	require.ErrorIs(t, err, presentation.ErrHolderBinding)
	// dc+sd-jwt is the format for the DCQL decoder too.
	got, err := v.DecodeFunc(opts)(ctx, vocab.FormatSDJWTVC, pres)
	require.NoError(t, err)
	require.Equal(t, "Alice", got.Claims["given_name"])
}

// One Validator serves concurrent verifications (run with -race).
func TestValidatorConcurrent(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	toks := []string{
		w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{}),
		w.jwtVC(t, w.credential(w.holder.DID, 2), w3c.SignOptions{}),
	}
	sd := w.sdjwtVC(t, now.Add(time.Hour), 3)
	status := &lockedStatus{}
	v := w.validator(func(c *presentation.ValidatorConfig) {
		c.IssuerKeys = &w3c.IssuerKeys{DID: w3c.NewCachingDIDResolver(didResolver, time.Minute, clock, 0)}
		c.Status = status
	})
	errs := make(chan error, 64)
	for i := range 32 {
		go func() {
			var err error
			if i%3 == 0 {
				_, err = v.Verify(ctx, vocab.FormatSDJWTVC, sd)
			} else {
				_, err = v.Verify(ctx, vocab.FormatJWTVCJSON, toks[i%2])
			}
			errs <- err
		}()
	}
	for range 32 {
		require.NoError(t, <-errs)
	}
}

type lockedStatus struct{}

func (*lockedStatus) Check(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
	return vocab.StatusResult{}, nil
}

// Transaction data (OpenID4VP 1.0 §8.4) is bound through the KB-JWT; the W3C
// presentation formats cannot carry it and are refused rather than
// accepted without the check.
func TestTransactionData(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	v := w.validator()
	held, err := v.Verify(ctx, vocab.FormatSDJWTVC, w.sdjwtVC(t, now.Add(time.Hour), 1))
	require.NoError(t, err)
	hashes := []string{"XwyVd7wFREdVWLpni5QNHggNWXo2J4Ln58t2_ecJ73s"}
	b := presentation.Binding{Nonce: nonce, Audience: audience, TransactionDataHashes: hashes}
	pr := &presentation.RequestPresenter{Binding: b, SDJWT: &sdjwtHandler{w: w}, Now: clock}
	pres, err := pr.Present(ctx, vocab.FormatSDJWTVC, []*presentation.Credential{held}, [][]vocab.ClaimPath{{{"given_name"}}})
	require.NoError(t, err)
	_, err = v.VerifyPresentation(ctx, vocab.FormatSDJWTVC, pres, presentation.PresentationOptions{Nonce: b.Nonce, Audience: b.Audience, TransactionDataHashes: b.TransactionDataHashes})
	require.NoError(t, err)
	other := presentation.PresentationOptions{Nonce: nonce, Audience: audience, TransactionDataHashes: []string{"AAAA"}}
	_, err = v.VerifyPresentation(ctx, vocab.FormatSDJWTVC, pres, other)
	require.ErrorIs(t, err, presentation.ErrHolderBinding)
	_, err = v.VerifyPresentation(ctx, vocab.FormatJWTVPJSON, "x.y.z", presentation.PresentationOptions{Nonce: b.Nonce, Audience: b.Audience, TransactionDataHashes: b.TransactionDataHashes})
	require.ErrorIs(t, err, presentation.ErrConfig)
}
