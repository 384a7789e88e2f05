package dataintegrity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/piprate/json-gold/ld"

	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"
	"github.com/ocmw/wstack/crypto/dataintegrity/rdfc"
)

// fastCanon runs the fast path alone; ok is false when it falls back.
func fastCanon(t testing.TB, c *Canonicalizer, doc any) (string, bool) {
	t.Helper()
	quads, err := c.fast.fastQuads(doc)
	if err != nil {
		return "", false
	}
	out, err := rdfc.Canonicalize(context.Background(), quads, c.canon)
	if err != nil {
		t.Fatalf("fast path quads do not canonicalise: %v", err)
	}
	return out.NQuads, true
}

func normalizeJSONGold(l *contexts.Loader, doc any) (string, error) {
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = l.DocumentLoader(context.Background())
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.Format = "application/n-quads"
	var out any
	err := guard(func() error {
		var err error
		out, err = ld.NewJsonLdProcessor().Normalize(doc, opts)
		return err
	})
	if err != nil {
		return "", err
	}
	s, _ := out.(string)
	return s, nil
}

// checkSame compares the fast path with the json-gold pipeline on doc:
// when the fast path covers doc, json-gold must succeed with the same
// canonical N-Quads, and so must json-gold's own Normalize when checkNorm.
// The input is never modified.
func checkSame(t testing.TB, c *Canonicalizer, l *contexts.Loader, name string, doc any, checkNorm bool) bool {
	t.Helper()
	before, _ := json.Marshal(doc)
	fast, ok := fastCanon(t, c, doc)
	if after, _ := json.Marshal(doc); !bytes.Equal(before, after) {
		t.Fatalf("%s: fast path modified its input", name)
	}
	if !ok {
		return false
	}
	ref, err := c.canonicalizeJSONGold(context.Background(), deepCopyJSON(doc))
	if err != nil {
		t.Fatalf("%s: fast path succeeded, json-gold pipeline failed: %v\ndoc: %s\nfast:\n%s", name, err, before, fast)
	}
	if fast != ref {
		t.Fatalf("%s: fast path and json-gold differ\ndoc: %s\nfast:\n%s\njson-gold:\n%s", name, before, fast, ref)
	}
	// json-gold's N-Quads writer escapes control characters other than
	// RDFC-1.0 does; compare with Normalize only without them
	if checkNorm && !strings.ContainsFunc(string(before), func(r rune) bool { return r < 0x20 || r == 0x7f }) && !bytes.Contains(before, []byte(`\u00`)) {
		norm, err := normalizeJSONGold(l, deepCopyJSON(doc))
		if err == nil && norm != fast {
			t.Fatalf("%s: fast path and json-gold Normalize differ\ndoc: %s\nfast:\n%s\nNormalize:\n%s", name, before, fast, norm)
		}
	}
	return true
}

func diffLoader(t testing.TB) *contexts.Loader {
	t.Helper()
	ex, err := os.ReadFile("testdata/contexts/credentials-examples-v2.jsonld")
	if err != nil {
		t.Fatal(err)
	}
	l, err := contexts.NewLoader(contexts.Options{Pinned: map[string][]byte{
		"https://www.w3.org/ns/credentials/examples/v2": ex,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// fixtureDocs collects every JSON object with an @context in the
// repository's test data (VC-DI vectors, VCDM 2.0 conformance documents,
// OID4VCI ldp_vc messages, status list vectors), and for each signed one
// the unsecured document and the proof configuration as the RDFC suites
// canonicalise them.
func fixtureDocs(t testing.TB) map[string]any {
	t.Helper()
	out := map[string]any{}
	var add func(name string, v any)
	add = func(name string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if ctx, ok := x["@context"]; ok {
				out[name] = x
				if proof, ok := x["proof"]; ok {
					doc := deepCopyJSON(x).(map[string]any)
					delete(doc, "proof")
					out[name+"#unsecured"] = doc
					for i, p := range asList(proof) {
						if pm, ok := p.(map[string]any); ok {
							cfg := deepCopyJSON(pm).(map[string]any)
							delete(cfg, "proofValue")
							cfg["@context"] = ctx
							out[fmt.Sprintf("%s#proofConfig%d", name, i)] = cfg
						}
					}
				}
			}
			for k, y := range x {
				add(name+"/"+k, y)
			}
		case []any:
			for i, y := range x {
				add(fmt.Sprintf("%s[%d]", name, i), y)
			}
		}
	}
	for _, root := range []string{"testdata", "../../presentation", "../../oid4vci/testdata", "../../statuslist/testdata", "../../sdjwt/testdata"} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".jsonld")) || strings.Contains(p, "/contexts/") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil || !bytes.Contains(b, []byte(`"@context"`)) {
				return nil
			}
			var v any
			if json.Unmarshal(b, &v) == nil {
				add(p, v)
			}
			return nil
		})
	}
	out["credential10"] = credential10()
	return out
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// TestFastPathMatchesJSONGold is the differential test of the fast path on
// the repository's fixtures.
func TestFastPathMatchesJSONGold(t *testing.T) {
	l := diffLoader(t)
	c, err := NewCanonicalizer(l, rdfcDefaults())
	if err != nil {
		t.Fatal(err)
	}
	docs := fixtureDocs(t)
	covered := 0
	var fellBack []string
	for name, doc := range docs {
		if checkSame(t, c, l, name, doc, true) {
			covered++
		} else {
			fellBack = append(fellBack, name)
		}
	}
	t.Logf("fast path covered %d of %d fixture documents; fell back on %d", covered, len(docs), len(fellBack))
	for _, n := range fellBack {
		t.Logf("  fallback: %s", n)
	}
	// the shapes the fast path exists for
	for _, name := range []string{
		"credential10",
		"testdata/vc-di-eddsa/eddsa-rdfc-2022-signedDataInt.json#unsecured",
		"testdata/vc-di-eddsa/eddsa-rdfc-2022-signedDataInt.json#proofConfig0",
		"testdata/vc-di-eddsa/eddsa-rdfc-2022-signedDataInt.json",
	} {
		if _, ok := docs[name]; !ok {
			t.Fatalf("fixture %s missing", name)
		}
		if _, ok := fastCanon(t, c, docs[name]); !ok {
			t.Errorf("fast path does not cover %s", name)
		}
	}
}

// variations are generated documents around the VC shapes: every kind of
// value, coercion, nesting, identifiers, embedded contexts, and the
// constructs that must fall back.
func variation(r *rand.Rand) map[string]any {
	pick := func(xs ...any) any { return xs[r.Intn(len(xs))] }
	var value func(depth int) any
	value = func(depth int) any {
		switch r.Intn(14) {
		case 0:
			return pick("text", "", "with \"quotes\" and \n newline", "ünïcødé", "\u0007bell")
		case 1:
			return pick(true, false)
		case 2:
			return pick(0.0, 1.0, -7.0, 42.0, 1.5, -0.25, 1e21, 1e-7, 123456789012.0, 3.0e300)
		case 3:
			return json.Number(pick("5", "-3", "2.50", "1e3", "0.1").(string))
		case 4:
			return map[string]any{"@value": pick("2024-01-01T00:00:00Z", 5.0, true), "@type": pick("xsd:dateTime", "http://www.w3.org/2001/XMLSchema#integer", "https://example.org/dt", "http://www.w3.org/2001/XMLSchema#double", "http://www.w3.org/2001/XMLSchema#string")}
		case 5:
			return map[string]any{"@value": "hello", "@language": "en"}
		case 6:
			return map[string]any{"@id": pick("did:example:x", "https://example.org/a", "_:b0", "_:shared", "relative/path").(string)}
		case 7:
			if depth > 2 {
				return "leaf"
			}
			n := map[string]any{"name": value(depth + 1)}
			if r.Intn(2) == 0 {
				n["type"] = pick("ExampleThing", []any{"ExampleThing", "Other"}, "https://example.org/T")
			}
			if r.Intn(3) == 0 {
				n["id"] = pick("did:example:n", "_:shared", "urn:uuid:1234")
			}
			if r.Intn(3) == 0 {
				n["nested"] = value(depth + 1)
			}
			return n
		case 8:
			if depth > 2 {
				return []any{}
			}
			return []any{value(depth + 1), value(depth + 1)}
		case 9:
			return nil
		case 10:
			return map[string]any{"@list": []any{"a", "b"}}
		case 11:
			return map[string]any{}
		case 12:
			return []any{[]any{"x"}, "y"}
		}
		return pick("did:example:abc", "https://example.org/x")
	}
	subject := map[string]any{"id": pick("did:example:holder", "_:holder", "urn:uuid:5")}
	for i := 0; i < 1+r.Intn(5); i++ {
		key := pick("claim", "name", "description", "alumniOf", "ex:term", "https://example.org/vocab#p", "schema:name", "issuer", "validFrom", "@type", "type").(string)
		subject[fmt.Sprintf("%s%d", key, i)] = value(0)
		if r.Intn(4) == 0 {
			subject[key] = value(0)
		}
	}
	doc := map[string]any{
		"@context":          pick([]any{contexts.CredentialsV2, "https://www.w3.org/ns/credentials/examples/v2"}, []any{contexts.CredentialsV2}, []any{contexts.CredentialsV1, "https://www.w3.org/ns/credentials/examples/v2"}, []any{contexts.CredentialsV1, contexts.DataIntegrityV2, map[string]any{"ex": "https://example.org/", "@vocab": "https://example.org/vocab#"}}),
		"type":              pick([]any{"VerifiableCredential"}, []any{"VerifiableCredential", "ExampleCredential"}, "VerifiableCredential", []any{"ExampleCredential", "VerifiableCredential"}),
		"issuer":            pick("did:example:issuer", map[string]any{"id": "did:example:issuer", "name": "Issuer"}, map[string]any{"name": "anon"}),
		"credentialSubject": pick(subject, []any{subject, map[string]any{"id": "did:example:2", "name": "second"}}),
	}
	if r.Intn(2) == 0 {
		doc["id"] = pick("urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5", "https://example.org/creds/1", "_:cred")
	}
	if r.Intn(2) == 0 {
		doc["validFrom"] = pick("2025-01-01T00:00:00Z", "not a date")
	}
	if r.Intn(3) == 0 {
		doc["issuanceDate"] = "2025-01-01T00:00:00Z"
	}
	if r.Intn(4) == 0 {
		doc["proof"] = map[string]any{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofPurpose": "assertionMethod", "verificationMethod": "did:example:issuer#k", "created": "2025-01-01T00:00:00Z"}
	}
	if r.Intn(5) == 0 {
		doc["credentialStatus"] = map[string]any{"id": "https://example.org/status#3", "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "3", "statusListCredential": "https://example.org/status"}
	}
	if r.Intn(6) == 0 {
		subject["@context"] = pick(map[string]any{"local": "https://example.org/local#"}, map[string]any{"id": "https://example.org/redefined"}, map[string]any{"@vocab": "https://example.org/inner#"}, map[string]any{"@language": "en"})
	}
	if r.Intn(8) == 0 {
		doc["@context"] = append(asList(doc["@context"]), map[string]any{"name": "https://example.org/myname"})
	}
	if r.Intn(10) == 0 {
		doc["@graph"] = []any{map[string]any{"id": "urn:x"}}
	}
	return doc
}

// TestFastPathVariations runs the differential test on generated
// documents; most must be covered.
func TestFastPathVariations(t *testing.T) {
	l := diffLoader(t)
	c, err := NewCanonicalizer(l, rdfcDefaults())
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	n := 3000
	if testing.Short() {
		n = 300
	}
	covered := 0
	for i := 0; i < n; i++ {
		if checkSame(t, c, l, fmt.Sprintf("variation %d", i), variation(r), i%10 == 0) {
			covered++
		}
	}
	t.Logf("fast path covered %d of %d variations", covered, n)
	if covered < n/4 {
		t.Fatalf("fast path covered only %d of %d variations", covered, n)
	}
}

// FuzzFastPathMatchesJSONGold: whenever the fast path accepts a document,
// its canonical N-Quads are json-gold's.
func FuzzFastPathMatchesJSONGold(f *testing.F) {
	for _, doc := range fixtureDocs(f) {
		b, _ := json.Marshal(doc)
		f.Add(b)
	}
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 50; i++ {
		b, _ := json.Marshal(variation(r))
		f.Add(b)
	}
	l := diffLoader(f)
	c, err := NewCanonicalizer(l, rdfcDefaults())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		d := json.NewDecoder(bytes.NewReader(data))
		if len(data)%2 == 0 {
			d.UseNumber()
		}
		var doc any
		if d.Decode(&doc) != nil || checkInput(doc, 0) != nil {
			return
		}
		checkSame(t, c, l, "fuzz", doc, false)
	})
}

// TestFastPathConcurrent shares one canonicalizer (and its context caches)
// between goroutines; run under -race.
func TestFastPathConcurrent(t *testing.T) {
	l := diffLoader(t)
	c, err := NewCanonicalizer(l, rdfcDefaults())
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(3))
	docs := make([]map[string]any, 64)
	want := make([]string, len(docs))
	for i := range docs {
		docs[i] = variation(r)
		want[i], _ = c.canonicalizeJSONGold(context.Background(), deepCopyJSON(docs[i]))
	}
	c2, _ := NewCanonicalizer(l, rdfcDefaults()) // cold caches
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for i := range docs {
				j := (i + g*16) % len(docs)
				got, err := c2.Canonicalize(context.Background(), docs[j])
				if err == nil && got != want[j] {
					done <- fmt.Errorf("document %d differs", j)
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
