package presentation_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// Recheck is what a presentation cache runs on a hit: window, status and
// trust again, without the signature.
func TestRecheck(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	c, err := w.validator().Verify(ctx, vocab.FormatJWTVCJSON, w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{}))
	require.NoError(t, err)
	require.NoError(t, w.validator().Recheck(ctx, c))

	w.status.values[1] = 2 // suspension reported by a checker for a suspension list
	c.Status[0].Purpose = "suspension"
	require.ErrorIs(t, w.validator().Recheck(ctx, c), presentation.ErrSuspended)
	w.status.values[1] = 0

	later := w.validator(func(cfg *presentation.ValidatorConfig) {
		cfg.Now = func() time.Time { return time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC) }
		cfg.Trust = presentation.TrustedIssuers{}
	})
	err = later.Recheck(ctx, c)
	require.ErrorIs(t, err, presentation.ErrExpired)
	require.ErrorIs(t, err, presentation.ErrUntrustedIssuer)

	p := &presentation.Presentation{Format: vocab.FormatJWTVPJSON, Credentials: []*presentation.Credential{c, c}}
	require.NoError(t, w.validator().RecheckPresentation(ctx, p))
	err = later.RecheckPresentation(ctx, p)
	require.ErrorIs(t, err, presentation.ErrExpired)
	require.Len(t, failuresOf(t, err), 4)
	require.ErrorIs(t, w.validator().RecheckPresentation(ctx, nil), presentation.ErrPresentation)
	require.ErrorIs(t, w.validator().Recheck(ctx, nil), presentation.ErrMalformed)
}

// fakeMdoc stands for an mso_mdoc implementation: "issued:<doctype>" is a
// credential, "signed" marks a valid issuer signature and "device:<nonce>"
// a DeviceResponse bound to nonce.
type fakeMdoc struct{}

func (fakeMdoc) Decode(_ context.Context, raw any) (*presentation.Credential, error) {
	s, _ := raw.(string)
	return &presentation.Credential{Format: vocab.FormatMsoMdoc, Raw: s, DocType: "org.iso.18013.5.1.mDL", Issuer: "did:example:dmv",
		ValidUntil: now.Add(time.Hour)}, nil
}

func (f fakeMdoc) VerifyCredential(ctx context.Context, raw any) (*presentation.Credential, error) {
	if raw != "signed" {
		return nil, errors.New("MSO signature invalid")
	}
	return f.Decode(ctx, raw)
}

func (f fakeMdoc) VerifyPresentation(ctx context.Context, raw any, b presentation.Binding) (*presentation.Credential, error) {
	if raw != "device:"+b.Nonce {
		return nil, fmt.Errorf("%w: SessionTranscript mismatch", presentation.ErrHolderBinding)
	}
	return f.Decode(ctx, raw)
}

func TestVerifyingDecoder(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	v := w.validator(func(c *presentation.ValidatorConfig) {
		c.Parser = presentation.NewParser(presentation.ParserConfig{Decoders: map[vocab.Format]presentation.Decoder{vocab.FormatMsoMdoc: fakeMdoc{}}})
		c.Trust = presentation.TrustedIssuers{"did:example:dmv"}
	})
	_, err := v.Verify(ctx, vocab.FormatMsoMdoc, "signed")
	require.NoError(t, err)
	_, err = v.Verify(ctx, vocab.FormatMsoMdoc, "forged")
	require.ErrorIs(t, err, presentation.ErrSignature)

	opts := presentation.PresentationOptions{Nonce: nonce, Audience: audience}
	p, err := v.VerifyPresentation(ctx, vocab.FormatMsoMdoc, "device:"+nonce, opts)
	require.NoError(t, err)
	require.Equal(t, "org.iso.18013.5.1.mDL", p.Credentials[0].DocType)
	_, err = v.VerifyPresentation(ctx, vocab.FormatMsoMdoc, "device:other", opts)
	require.ErrorIs(t, err, presentation.ErrHolderBinding)
	require.NotErrorIs(t, err, presentation.ErrSignature)

	// A parse-only decoder cannot be verified.
	plain := w.validator(func(c *presentation.ValidatorConfig) {
		c.Parser = presentation.NewParser(presentation.ParserConfig{Decoders: map[vocab.Format]presentation.Decoder{vocab.FormatMsoMdoc: mdocDecoder{}}})
		c.InsecureSkipTrust, c.Trust = true, nil
	})
	_, err = plain.Verify(ctx, vocab.FormatMsoMdoc, "signed")
	require.ErrorIs(t, err, presentation.ErrUnsupportedFormat)
	_, err = plain.VerifyPresentation(ctx, vocab.FormatMsoMdoc, "device:"+nonce, opts)
	require.ErrorIs(t, err, presentation.ErrUnsupportedFormat)
}
