package presentation_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// FuzzParse feeds arbitrary input to the view's parsers for every format
// (the SD-JWT parser is wstack's sdjwt through the test adapter). Parsing
// must never panic, and a credential without an error always has its format
// and raw form.
func FuzzParse(f *testing.F) {
	w := newWorld(f)
	f.Add(uint8(0), w.jwtVC(f, w.credential(w.holder.DID, 1), w3c.SignOptions{}))
	doc, _ := json.Marshal(ldpDoc(w))
	f.Add(uint8(1), string(doc))
	f.Add(uint8(2), w.sdjwtVC(f, now.Add(time.Hour), 1))
	f.Add(uint8(3), "eyJhbGciOiJFUzI1NiJ9.e30.AAAA")
	formats := []vocab.Format{vocab.FormatJWTVCJSON, vocab.FormatLDPVC, vocab.FormatSDJWTVC, vocab.FormatDIFJWTVC}
	p := presentation.NewParser(presentation.ParserConfig{SDJWT: &sdjwtHandler{w: w}, MaxSize: 64 << 10})
	f.Fuzz(func(t *testing.T, which uint8, raw string) {
		format := formats[int(which)%len(formats)]
		c, err := p.Parse(context.Background(), format, raw)
		if err != nil {
			return
		}
		if c.Format != format || c.Raw == "" {
			t.Fatalf("view without format or raw: %+v", c)
		}
	})
}

// FuzzVerifyPresentation feeds arbitrary jwt_vp_json / ldp_vp / SD-JWT
// input to the presentation verifier: it must never accept it and never
// panic.
func FuzzVerifyPresentation(f *testing.F) {
	w := newWorld(f)
	f.Add(uint8(0), "eyJhbGciOiJFZERTQSJ9.eyJ2cCI6e319.AAAA")
	f.Add(uint8(1), `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","proof":{"type":"DataIntegrityProof"}}`)
	f.Add(uint8(2), w.sdjwtVC(f, now.Add(time.Hour), 1))
	formats := []vocab.Format{vocab.FormatJWTVPJSON, vocab.FormatLDPVP, vocab.FormatSDJWTVC}
	v := w.validator()
	f.Fuzz(func(t *testing.T, which uint8, raw string) {
		format := formats[int(which)%len(formats)]
		if _, err := v.VerifyPresentation(context.Background(), format, raw, presentation.PresentationOptions{Nonce: nonce, Audience: audience}); err == nil {
			t.Fatalf("unsigned fuzz input accepted as %s", format)
		}
	})
}
