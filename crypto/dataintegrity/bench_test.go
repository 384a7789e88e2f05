package dataintegrity

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/piprate/json-gold/ld"

	wcrypto "github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"
)

// credential10 is a VCDM 2.0 credential with 10 subject claims (two of them
// nested objects, i.e. blank nodes).
func credential10() map[string]any {
	subject := map[string]any{"id": "did:example:holder"}
	for i := 0; i < 8; i++ {
		subject[fmt.Sprintf("claim%d", i)] = fmt.Sprintf("value %d", i)
	}
	subject["address"] = map[string]any{"street": "Main Street 1", "city": "Springfield"}
	subject["degree"] = map[string]any{"type": "BachelorDegree", "name": "Bachelor of Science"}
	return map[string]any{
		"@context":          []any{contexts.CredentialsV2, "https://www.w3.org/ns/credentials/examples/v2"},
		"id":                "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
		"type":              []any{"VerifiableCredential", "ExampleCredential"},
		"issuer":            "did:example:issuer",
		"validFrom":         "2025-01-01T00:00:00Z",
		"credentialSubject": subject,
	}
}

func benchLoader(b *testing.B) *contexts.Loader {
	ex, err := os.ReadFile("testdata/contexts/credentials-examples-v2.jsonld")
	if err != nil {
		b.Fatal(err)
	}
	l, err := contexts.NewLoader(contexts.Options{Pinned: map[string][]byte{"https://www.w3.org/ns/credentials/examples/v2": ex}})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkCanonicalize10Claims compares the wstack pipeline (SafeMode
// expansion + toRdf + RDFC-1.0 with work cap) with json-gold's Normalize
// (URDNA2015) on the same input and loader. "warm" reuses one loader
// (parsed contexts cached); "cold" builds a new loader per operation.
func BenchmarkCanonicalize10Claims(b *testing.B) {
	doc := credential10()
	ctx := context.Background()
	b.Run("wstack-rdfc10/warm", func(b *testing.B) {
		c, _ := NewCanonicalizer(benchLoader(b), rdfcDefaults())
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := c.Canonicalize(ctx, deepCopyJSON(doc)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("wstack-rdfc10/cold", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			c, _ := NewCanonicalizer(benchLoader(b), rdfcDefaults())
			if _, err := c.Canonicalize(ctx, deepCopyJSON(doc)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsongold-urdna2015/warm", func(b *testing.B) {
		l := benchLoader(b)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			opts := ld.NewJsonLdOptions("")
			opts.DocumentLoader = l.DocumentLoader(ctx)
			opts.Algorithm = ld.AlgorithmURDNA2015
			opts.Format = "application/n-quads"
			if _, err := ld.NewJsonLdProcessor().Normalize(deepCopyJSON(doc), opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestCanonicalizeMatchesJSONGold checks that on the benchmark input both
// pipelines produce the same canonical N-Quads (no escaping differences).
func TestCanonicalizeMatchesJSONGold(t *testing.T) {
	ctx := context.Background()
	c, err := NewCanonicalizer(testLoader(t), rdfcDefaults())
	if err != nil {
		t.Fatal(err)
	}
	ours, err := c.Canonicalize(ctx, credential10())
	if err != nil {
		t.Fatal(err)
	}
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = testLoader(t).DocumentLoader(ctx)
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.Format = "application/n-quads"
	theirs, err := ld.NewJsonLdProcessor().Normalize(credential10(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if ours != theirs.(string) {
		t.Fatalf("differ:\n%s\n%s", ours, theirs)
	}
}

func benchSetup(b *testing.B, kt wcrypto.KeyType, suite Suite, loader *contexts.Loader) (*Processor, *KeySigner, []byte) {
	k := newEngineKey(b, kt, "did:example:issuer#key-1", PurposeAssertionMethod)
	p, err := New(Config{Loader: loader, Resolver: k.res})
	if err != nil {
		b.Fatal(err)
	}
	in, _ := json.Marshal(credential10())
	signed, err := p.Sign(context.Background(), in, k.signer, ProofOptions{Suite: suite})
	if err != nil {
		b.Fatal(err)
	}
	return p, k.signer, signed
}

// BenchmarkSignVerify measures eddsa-rdfc-2022 sign and verify and
// ecdsa-rdfc-2019 (P-256) verify, warm (shared loader) and cold (fresh
// processor and loader per operation).
func BenchmarkSignVerify(b *testing.B) {
	ctx := context.Background()
	in, _ := json.Marshal(credential10())
	for _, c := range []struct {
		name  string
		kt    wcrypto.KeyType
		suite Suite
		sign  bool
	}{
		{"eddsa-rdfc-2022/sign", wcrypto.KeyTypeEd25519, EdDSARDFC2022, true},
		{"eddsa-rdfc-2022/verify", wcrypto.KeyTypeEd25519, EdDSARDFC2022, false},
		{"ecdsa-rdfc-2019-p256/verify", wcrypto.KeyTypeECP256, ECDSARDFC2019, false},
	} {
		for _, warm := range []bool{true, false} {
			name := c.name + "/cold"
			if warm {
				name = c.name + "/warm"
			}
			b.Run(name, func(b *testing.B) {
				loader := benchLoader(b)
				p, signer, signed := benchSetup(b, c.kt, c.suite, loader)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					pp := p
					if !warm {
						pp, _ = New(Config{Loader: benchLoader(b), Resolver: p.cfg.Resolver})
					}
					var err error
					if c.sign {
						_, err = pp.Sign(ctx, in, signer, ProofOptions{Suite: c.suite})
					} else {
						_, err = pp.Verify(ctx, signed, VerifyOptions{Suites: []Suite{c.suite}})
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
