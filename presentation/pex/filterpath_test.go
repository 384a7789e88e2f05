package pex_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

func degreeVC(id string, degrees ...any) *presentation.Credential {
	doc := map[string]any{
		"@context":          []any{"https://www.w3.org/2018/credentials/v1", "https://www.w3.org/2018/credentials/examples/v1"},
		"type":              []any{"VerifiableCredential", "UniversityDegreeCredential"},
		"issuer":            "did:example:university",
		"credentialSubject": map[string]any{"id": "did:example:holder", "degrees": degrees},
	}
	return &presentation.Credential{
		Format: vocab.FormatLDPVC, ID: id, Types: []string{"VerifiableCredential", "UniversityDegreeCredential"},
		Issuer: "did:example:university", Subject: "did:example:holder", HolderID: "did:example:holder",
		Document: doc, Claims: doc,
	}
}

// TestDeployedFilterDefinition: a definition as deployed verifiers write
// them, selecting an array element with a JSONPath filter expression and
// testing it with a JSON Schema filter.
func TestDeployedFilterDefinition(t *testing.T) {
	def, err := pex.ParseDefinition([]byte(`{
	  "id": "degree-check",
	  "input_descriptors": [{
	    "id": "bachelor",
	    "constraints": {"fields": [
	      {"path": ["$.credentialSubject.degrees[?(@.type=='BachelorDegree')]"],
	       "filter": {"type": "object", "properties": {"name": {"type": "string", "pattern": "^Bachelor of"}}, "required": ["name"]}},
	      {"path": ["$.credentialSubject.degrees[?(@.year >= 2010)].year"]}
	    ]}
	  }]}`))
	require.NoError(t, err)
	c, err := pex.Compile(def)
	require.NoError(t, err)

	master := degreeVC("master-only", map[string]any{"type": "MasterDegree", "name": "Master of Arts", "year": 2012.0})
	bachelor := degreeVC("bachelor", map[string]any{"type": "MasterDegree", "name": "Master of Arts", "year": 2016.0},
		map[string]any{"type": "BachelorDegree", "name": "Bachelor of Science", "year": 2014.0})
	res, err := c.Evaluate(context.Background(), seq(master, bachelor))
	require.NoError(t, err, "%v", res)
	cands := res.Descriptors[0].Candidates
	require.Len(t, cands, 1)
	require.Equal(t, "bachelor", cands[0].Credential.ID)
	require.Equal(t, []any{"credentialSubject", "degrees", 1}, cands[0].Fields[0].Location)
	require.Equal(t, []any{"credentialSubject", "degrees", 0, "year"}, cands[0].Fields[1].Location)
	require.Equal(t, "bachelor", res.Selection["bachelor"].Credential.ID)
}
