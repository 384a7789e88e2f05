package dataintegrity

import (
	"fmt"
	"time"

	"context"
	"encoding/json"
	"testing"

	"github.com/ocmw/wstack/crypto/dataintegrity/rdfc"

	"github.com/stretchr/testify/require"
)

// Security.md row 57: terms the contexts do not define are an error, never
// silently dropped (they would be present in the JSON but unsigned).
func TestSecurityRow57(t *testing.T) {
	c, err := NewCanonicalizer(nil, rdfcDefaults())
	require.NoError(t, err)
	cases := map[string]string{
		"row57_undefined_property":   `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"https://i.example","credentialSubject":{"id":"did:ex:1","degree":"BSc"}}`,
		"row57_undefined_type":       `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential","AlumniCredential"],"issuer":"https://i.example","credentialSubject":{"id":"did:ex:1"}}`,
		"row57_relative_id":          `{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"cred-1","type":["VerifiableCredential"],"issuer":"https://i.example","credentialSubject":{"id":"did:ex:1"}}`,
		"row57_undefined_in_proof":   `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"DataIntegrityProof","cryptosuite":"eddsa-rdfc-2022","proofPurpose":"assertionMethod","verificationMethod":"did:ex:1#k","extra":"x"}`,
		"row57_invalid_http_iri":     `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"https://i.example","credentialSubject":{"id":"https://ex ample.com/x"}}`,
		"row57_blank_node_predicate": `{"@context":["https://www.w3.org/ns/credentials/v2",{"p":"_:p"}],"type":["VerifiableCredential"],"issuer":"https://i.example","credentialSubject":{"id":"did:ex:1","p":"v"}}`,
		"row57_bad_language_tag":     `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"https://i.example","name":{"@value":"n","@language":"en US"},"credentialSubject":{"id":"did:ex:1"}}`,
		"row57_direction_ignored":    `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"https://i.example","name":{"@value":"n","@language":"ar","@direction":"rtl"},"credentialSubject":{"id":"did:ex:1"}}`,
		"row57_v1_undefined":         `{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"issuer":"https://i.example","issuanceDate":"2020-01-01T00:00:00Z","credentialSubject":{"id":"did:ex:1","name":"Alice"}}`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(doc), &m))
			_, err := c.Canonicalize(context.Background(), m)
			require.ErrorIs(t, err, ErrUndefinedTerm)
			require.ErrorIs(t, err, ErrParsing)
		})
	}
	// json-gold panics on an empty member name; the panic becomes ErrParsing
	for _, doc := range []string{`{"":0}`, `{"@context":{"@vocab":"urn:x#"},"":{"":[1]}}`} {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(doc), &m))
		_, err := c.Canonicalize(context.Background(), m)
		require.ErrorIs(t, err, ErrParsing)
	}
	// a fully defined document canonicalises
	ok := `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"https://i.example","name":"n","credentialSubject":{"id":"did:ex:1"}}`
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(ok), &m))
	_, err = c.Canonicalize(context.Background(), m)
	require.NoError(t, err)
	// an unknown remote context is refused (row 56 through the processor)
	bad := `{"@context":["https://www.w3.org/ns/credentials/v2","https://evil.example/ctx"],"type":["VerifiableCredential"]}`
	require.NoError(t, json.Unmarshal([]byte(bad), &m))
	_, err = c.Canonicalize(context.Background(), m)
	require.ErrorIs(t, err, ErrParsing)
}

// Security.md row 58 end to end: a JSON-LD document whose RDF is an 8-node
// blank-node clique (56 quads) fails at the work cap, quickly, with the
// rdfc error wrapped in PARSING_ERROR.
func TestSecurityRow58JSONLD(t *testing.T) {
	t.Run("row58_poison_dataset_jsonld", func(t *testing.T) {
		var graph []any
		for i := 0; i < 8; i++ {
			var links []any
			for j := 0; j < 8; j++ {
				if i != j {
					links = append(links, fmt.Sprintf("_:n%d", j))
				}
			}
			graph = append(graph, map[string]any{"@id": fmt.Sprintf("_:n%d", i), "p": links})
		}
		doc := map[string]any{"@context": map[string]any{"p": map[string]any{"@id": "urn:ex:p", "@type": "@id"}}, "@graph": graph}
		c, err := NewCanonicalizer(nil, rdfcDefaults())
		require.NoError(t, err)
		start := time.Now()
		_, err = c.Canonicalize(context.Background(), doc)
		require.ErrorIs(t, err, rdfc.ErrWorkLimit)
		require.ErrorIs(t, err, ErrParsing)
		require.Less(t, time.Since(start), 15*time.Second)
	})
}
