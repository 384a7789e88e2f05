package presentation_test

import (
	"context"
	"testing"
	"time"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/w3ctest"
	"github.com/ocmw/wstack/vocab"
)

// BenchmarkVerifyJWTVC measures Validator.Verify of a jwt_vc_json (ES256
// signature, window, in-memory status, trust) with cold key resolution (a
// new DID key cache per credential) and warm (cached parsed key).
func BenchmarkVerifyJWTVC(b *testing.B) {
	ctx := context.Background()
	w := newWorld(b)
	tok := w.jwtVC(b, w.credential(w.holder.DID, 1), w3c.SignOptions{})
	base := w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK)
	cfg := func(r w3c.DIDResolver) presentation.ValidatorConfig {
		return presentation.ValidatorConfig{
			IssuerKeys: &w3c.IssuerKeys{DID: r},
			Status:     w.status,
			Trust:      presentation.TrustedIssuers{w.issuer.DID},
			Now:        clock,
		}
	}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v := presentation.NewValidator(cfg(w3c.NewCachingDIDResolver(base, time.Minute, clock, 0)))
			if _, err := v.Verify(ctx, vocab.FormatJWTVCJSON, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		v := presentation.NewValidator(cfg(w3c.NewCachingDIDResolver(base, time.Minute, clock, 0)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, vocab.FormatJWTVCJSON, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParse measures the view mapping without verification.
func BenchmarkParse(b *testing.B) {
	ctx := context.Background()
	w := newWorld(b)
	tok := w.jwtVC(b, w.credential(w.holder.DID, 1), w3c.SignOptions{})
	sd := w.sdjwtVC(b, now.Add(time.Hour), 1)
	p := presentation.NewParser(presentation.ParserConfig{SDJWT: &sdjwtHandler{w: w}})
	b.Run("jwt_vc_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Parse(ctx, vocab.FormatJWTVCJSON, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dc+sd-jwt", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Parse(ctx, vocab.FormatSDJWTVC, sd); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyPresentationJWTVP measures a jwt_vp_json with one
// jwt_vc_json: holder and issuer signatures, binding, status, trust.
func BenchmarkVerifyPresentationJWTVP(b *testing.B) {
	ctx := context.Background()
	w := newWorld(b)
	cred, err := presentation.Parse(ctx, vocab.FormatJWTVCJSON, w.jwtVC(b, w.credential(w.holder.DID, 1), w3c.SignOptions{}))
	if err != nil {
		b.Fatal(err)
	}
	pr := &presentation.RequestPresenter{Binding: presentation.Binding{Nonce: nonce, Audience: audience}, Holder: w.holder.DID, JWTSigner: w.holder.Signer, JWTHeader: w.holder.Header(), Now: clock}
	vp, err := pr.Present(ctx, vocab.FormatJWTVPJSON, []*presentation.Credential{cred}, nil)
	if err != nil {
		b.Fatal(err)
	}
	v := w.validator()
	opts := presentation.PresentationOptions{Nonce: nonce, Audience: audience}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vp, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresentationSDJWT measures an SD-JWT VC presentation with
// KB-JWT (issuer ES256, holder EdDSA) through the view, status and trust.
func BenchmarkVerifyPresentationSDJWT(b *testing.B) {
	ctx := context.Background()
	w := newWorld(b)
	h := &sdjwtHandler{w: w}
	v := w.validator()
	held, err := v.Verify(ctx, vocab.FormatSDJWTVC, w.sdjwtVC(b, now.Add(time.Hour), 1))
	if err != nil {
		b.Fatal(err)
	}
	pr := &presentation.RequestPresenter{Binding: presentation.Binding{Nonce: nonce, Audience: audience}, SDJWT: h, Now: clock}
	pres, err := pr.Present(ctx, vocab.FormatSDJWTVC, []*presentation.Credential{held}, [][]vocab.ClaimPath{{{"given_name"}}})
	if err != nil {
		b.Fatal(err)
	}
	opts := presentation.PresentationOptions{Nonce: nonce, Audience: audience}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyPresentation(ctx, vocab.FormatSDJWTVC, pres, opts); err != nil {
			b.Fatal(err)
		}
	}
}
