package dataintegrity

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"
	"github.com/ocmw/wstack/crypto/dataintegrity/rdfc"
	"github.com/ocmw/wstack/internal/jsonx"
)

// FuzzJSONLDExpand (security.md fuzz target 11): JSON-LD expansion with the
// static loader in SafeMode. Invariants: no panic, no network (the loader
// has no fetch function, so any remote context is ErrNotAllowed), errors are
// typed, a successful expansion kept every term value (a dropped term is an
// error, never silent), and canonicalisation stops at the work cap.
func FuzzJSONLDExpand(f *testing.F) {
	for _, p := range []string{
		"testdata/vc-di-eddsa/eddsa-rdfc-2022-signedDataInt.json",
		"testdata/vc-di-eddsa/Ed25519Signature2020-signedEdSig.json",
		"testdata/vc-di-ecdsa/ecdsa-rdfc-2019-signedECDSAP256.json",
	} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(credV2))
	f.Add([]byte(presV2))
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"credentialSubject":{"degree":"BSc"}}`))
	f.Add([]byte(`{"@context":{"@vocab":"urn:x#"},"a":{"b":{"@id":"_:x","c":"_:y"}}}`))
	f.Add([]byte(`{"@context":"https://evil.example/ctx","a":1}`))
	f.Add([]byte(`{"@context":{"p":{"@id":"urn:p","@type":"@id"}},"@id":"_:a","p":[{"@id":"_:b","p":{"@id":"_:a"}}]}`))
	ex, err := os.ReadFile("testdata/contexts/credentials-examples-v2.jsonld")
	if err != nil {
		f.Fatal(err)
	}
	loader, err := contexts.NewLoader(contexts.Options{Pinned: map[string][]byte{"https://www.w3.org/ns/credentials/examples/v2": ex}})
	if err != nil {
		f.Fatal(err)
	}
	c, err := NewCanonicalizer(loader, rdfc.Options{MaxWork: 2000, MaxQuads: 2000})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc any
		if err := jsonx.Unmarshal(data, &doc, jsonx.Limits{MaxBytes: 64 << 10, MaxDepth: 32}); err != nil {
			return
		}
		expanded, err := c.Expand(context.Background(), doc)
		if err != nil {
			if !errors.Is(err, ErrParsing) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		var out []string
		collectStrings(expanded, &out, false)
		var in []string
		collectTermValues(doc, &in)
		for _, v := range in {
			found := false
			for _, o := range out {
				if o == v || strings.HasSuffix(o, v) {
					found = true
					break
				}
			}
			if !found {
				t.Fatalf("value %q vanished during expansion (dropped term)", v)
			}
		}
		nq, err := c.Canonicalize(context.Background(), doc)
		if err != nil && !errors.Is(err, ErrParsing) {
			t.Fatalf("untyped canonicalisation error: %v", err)
		}
		if err == nil {
			// every term value survives into the RDF (toRdf dropped nothing)
			quads, perr := rdfc.ParseNQuads([]byte(nq), rdfc.ParseOptions{MaxBytes: 8 << 20})
			if perr != nil {
				t.Fatalf("canonical output does not parse: %v", perr)
			}
			var terms []string
			for _, q := range quads {
				for _, tm := range []rdfc.Term{q.Subject, q.Predicate, q.Object, q.Graph} {
					terms = append(terms, tm.Value, tm.Datatype)
				}
			}
			for _, v := range in {
				found := false
				for _, o := range terms {
					if o == v || strings.HasSuffix(o, v) || strings.Contains(o, v) {
						found = true
						break
					}
				}
				if !found {
					t.Fatalf("value %q missing from the canonical RDF (silently dropped)", v)
				}
			}
		}
		if err != nil && strings.Contains(err.Error(), "rdfc:") && !errors.Is(err, rdfc.ErrWorkLimit) && !errors.Is(err, rdfc.ErrTooLarge) && !errors.Is(err, rdfc.ErrInvalidDataset) {
			t.Fatalf("unexpected rdfc error: %v", err)
		}
	})
}

// collectStrings gathers every string in the expanded output (keys too).
func collectStrings(v any, out *[]string, _ bool) {
	switch t := v.(type) {
	case string:
		*out = append(*out, t)
	case []any:
		for _, x := range t {
			collectStrings(x, out, false)
		}
	case map[string]any:
		for k, x := range t {
			*out = append(*out, k)
			collectStrings(x, out, false)
		}
	}
}

// collectTermValues gathers non-empty string values of ordinary terms in the
// input (not inside @context, not types, not keyword-valued positions).
func collectTermValues(v any, out *[]string) {
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			collectTermValues(x, out)
		}
	case map[string]any:
		if _, isValue := t["@value"]; isValue {
			return
		}
		for k, x := range t {
			if strings.HasPrefix(k, "@") || k == "type" || k == "id" {
				continue
			}
			if s, ok := x.(string); ok {
				if s != "" && !strings.HasPrefix(s, "_:") && !strings.HasPrefix(s, "@") {
					*out = append(*out, s)
				}
				continue
			}
			collectTermValues(x, out)
		}
	}
}

// FuzzVerify feeds arbitrary documents to Verify with a pinned key: no
// panic, every error in one of the four VC-DI error classes, and only
// documents signed by the pinned key verify.
func FuzzVerify(f *testing.F) {
	for _, p := range []string{
		"testdata/vc-di-eddsa/eddsa-rdfc-2022-signedDataInt.json",
		"testdata/vc-di-eddsa/eddsa-jcs-2022-signedJCS.json",
		"testdata/vc-di-eddsa/Ed25519Signature2020-signedEdSig.json",
		"testdata/vc-di-ecdsa/ecdsa-jcs-2019-signedJCSECDSAP256.json",
	} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"@context":"https://www.w3.org/ns/credentials/v2","proof":[{"type":"JsonWebSignature2020","jws":"a..b","verificationMethod":"x","proofPurpose":"assertionMethod"}]}`))
	_, resolver := loadKeyPair(f)
	ex, err := os.ReadFile("testdata/contexts/credentials-examples-v2.jsonld")
	if err != nil {
		f.Fatal(err)
	}
	loader, err := contexts.NewLoader(contexts.Options{Pinned: map[string][]byte{"https://www.w3.org/ns/credentials/examples/v2": ex}})
	if err != nil {
		f.Fatal(err)
	}
	p, err := New(Config{Loader: loader, Resolver: resolver, Now: fixedClock("2024-01-01T00:00:00Z"), Canonicalization: rdfc.Options{MaxWork: 2000}, MaxBytes: 64 << 10})
	if err != nil {
		f.Fatal(err)
	}
	suites := []Suite{EdDSARDFC2022, EdDSAJCS2022, Ed25519Signature2020, JsonWebSignature2020, ECDSARDFC2019, ECDSAJCS2019}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := p.Verify(context.Background(), data, VerifyOptions{Suites: suites})
		if err == nil {
			return
		}
		if !errors.Is(err, ErrParsing) && !errors.Is(err, ErrProofVerification) && !errors.Is(err, ErrInvalidChallenge) && !errors.Is(err, ErrInvalidDomain) {
			t.Fatalf("error outside the VC-DI classes: %v", err)
		}
	})
}
