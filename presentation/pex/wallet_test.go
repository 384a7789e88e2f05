package pex_test

import (
	"encoding/base64"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

func cp(c ...any) vocab.ClaimPath { return vocab.ClaimPath(c) }

func seq(creds ...*presentation.Credential) iter.Seq[*presentation.Credential] {
	return slices.Values(creds)
}

// jwtRaw returns a compact JWT-shaped string whose header carries alg.
func jwtRaw(alg string) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","typ":"JWT"}`))
	return h + ".e30.c2ln"
}

var holderJWK = map[string]any{"kty": "EC", "crv": "P-256", "x": "x", "y": "y"}

// bank1 is an SD-JWT VC with the claims banking_input_1 asks for.
func bank1() *presentation.Credential {
	return &presentation.Credential{
		Format: vocab.FormatSDJWTVC, ID: "bank1", VCT: "https://bank.example/account", Raw: jwtRaw("ES256") + "~",
		Issuer: "did:example:123", Subject: "did:example:holder", HolderJWK: holderJWK,
		Claims: map[string]any{
			"iss": "did:example:123",
			"credentialSchema": []any{
				map[string]any{"id": "https://bank-standards.example.com#accounts"},
				map[string]any{"id": "https://bank-standards.example.com#investments"},
			},
			"credentialSubject": map[string]any{
				"account":         []any{map[string]any{"account_number": "DE89370400440532013000", "route": "DEUTDEFF"}},
				"portfolio_value": float64(2500000),
				"name":            "Jane Doe",
			},
		},
		Disclosable: []vocab.ClaimPath{
			cp("credentialSubject", "account"), cp("credentialSubject", "account", 0),
			cp("credentialSubject", "portfolio_value"), cp("credentialSubject", "name"),
		},
	}
}

// bank2 is a jwt_vc_json whose paths resolve through the JWT claims set.
func bank2() *presentation.Credential {
	doc := map[string]any{
		"type":              []any{"VerifiableCredential", "BankAccount"},
		"issuer":            "did:example:456",
		"credentialSchema":  map[string]any{"id": "https://bank-schemas.org/1.0.0/accounts.json"},
		"credentialSubject": map[string]any{"id": "did:example:holder", "account": []any{map[string]any{"id": "DE89370400440532013000", "route": "DEUTDEFF"}}},
	}
	return &presentation.Credential{
		Format: vocab.FormatJWTVCJSON, ID: "bank2", Raw: jwtRaw("ES256K"), Types: []string{"VerifiableCredential", "BankAccount"},
		Issuer: "did:example:456", Subject: "did:example:holder", HolderID: "did:example:holder",
		Claims: map[string]any{"iss": "did:example:456", "sub": "did:example:holder", "vc": doc}, Document: doc,
	}
}

func employment() *presentation.Credential {
	return &presentation.Credential{
		Format: vocab.FormatSDJWTVC, ID: "employment", VCT: "https://business.example/employment", Raw: jwtRaw("ES256") + "~",
		Issuer: "did:example:employer", Subject: "did:example:holder", HolderJWK: holderJWK,
		Claims: map[string]any{
			"credentialSchema": "https://business-standards.org/schemas/employment-history.json",
			"jobs":             []any{map[string]any{"active": true, "employer": "ACME"}, map[string]any{"active": false, "employer": "Old"}},
			"salary":           float64(100),
		},
		Disclosable: []vocab.ClaimPath{cp("jobs", nil), cp("jobs", 0, "active"), cp("jobs", 0, "employer"), cp("jobs", 1, "active"), cp("salary")},
	}
}

func euDL() *presentation.Credential {
	doc := map[string]any{
		"@context":          []any{"https://www.w3.org/2018/credentials/v1"},
		"type":              []any{"VerifiableCredential", "DriversLicense"},
		"issuer":            "did:example:gov1",
		"credentialSchema":  map[string]any{"id": "https://schema.eu/claims/DriversLicense.json"},
		"credentialSubject": map[string]any{"id": "did:example:holder", "dob": "1990-01-01"},
		"proof":             map[string]any{"type": "Ed25519Signature2018"},
	}
	return &presentation.Credential{
		Format: vocab.FormatLDPVC, ID: "eudl", Types: []string{"VerifiableCredential", "DriversLicense"},
		Issuer: "did:example:gov1", Subject: "did:example:holder", HolderID: "did:example:holder", Claims: doc, Document: doc,
	}
}

func passport() *presentation.Credential {
	doc := map[string]any{
		"type":              []any{"VerifiableCredential", "Passport"},
		"issuer":            "did:example:us",
		"credentialSchema":  map[string]any{"id": "hub://did:foo:123/Collections/schema.us.gov/passport.json"},
		"credentialSubject": map[string]any{"id": "did:example:holder", "birth_date": "1980-07-04"},
	}
	return &presentation.Credential{
		Format: vocab.FormatJWTVCJSON, ID: "passport", Raw: jwtRaw("ES384"), Types: []string{"VerifiableCredential", "Passport"},
		Issuer: "did:example:us", Subject: "did:example:holder", HolderID: "did:example:holder",
		Claims: map[string]any{"iss": "did:example:us", "vc": doc}, Document: doc,
	}
}

func creditCard(scheme string) *presentation.Credential {
	doc := map[string]any{
		"type":       []any{"VerifiableCredential", "creditCard"},
		"issuer":     "did:example:bank",
		"termsOfUse": map[string]any{"type": "https://train.trust-scheme.de/info", "trustScheme": []any{scheme}},
	}
	return &presentation.Credential{Format: vocab.FormatLDPVC, ID: "cc-" + scheme, Claims: doc, Document: doc, Types: []string{"VerifiableCredential", "creditCard"}}
}

func loadDef(t testing.TB, name string) *pex.Definition {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "spec", name))
	require.NoError(t, err)
	d, err := pex.ParseDefinition(b)
	require.NoError(t, err, name)
	return d
}

func compileDef(t testing.TB, name string, opts ...pex.Option) *pex.Compiled {
	t.Helper()
	c, err := pex.Compile(loadDef(t, name), opts...)
	require.NoError(t, err, name)
	return c
}

func parseCompile(t testing.TB, js string, opts ...pex.Option) *pex.Compiled {
	t.Helper()
	d, err := pex.ParseDefinition([]byte(js))
	require.NoError(t, err)
	c, err := pex.Compile(d, opts...)
	require.NoError(t, err)
	return c
}

func selection(r *pex.Result) map[string]string {
	out := map[string]string{}
	for id, c := range r.Selection {
		out[id] = c.Credential.ID
	}
	return out
}
