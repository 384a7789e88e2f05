package dcql_test

import (
	"iter"
	"slices"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
)

const (
	vctPID       = "https://credentials.example.com/identity_credential"
	vctOtherPID  = "https://othercredentials.example/pid"
	vctReduced   = "https://credentials.example.com/reduced_identity_credential"
	vctResidence = "https://cred.example/residence_credential"
	vctRewards   = "https://company.example/company_rewards"
)

var holderJWK = map[string]any{"kty": "EC", "crv": "P-256", "x": "x", "y": "y"}

func sdCred(id, vct string, claims map[string]any, disclosable ...vocab.ClaimPath) *presentation.Credential {
	return &presentation.Credential{
		Format: vocab.FormatSDJWTVC, ID: id, VCT: vct, Issuer: "https://issuer.example",
		Claims: claims, Disclosable: disclosable, HolderJWK: holderJWK,
	}
}

func cp(c ...any) vocab.ClaimPath { return vocab.ClaimPath(c) }

// pidClaims is the processed payload of a PID (values from the OpenID4VP
// and SD-JWT VC examples).
func pidClaims() map[string]any {
	return map[string]any{
		"vct":           vctPID,
		"given_name":    "John",
		"family_name":   "Doe",
		"first_name":    "John",
		"last_name":     "Doe",
		"date_of_birth": "1940-01-01",
		"postal_code":   "90210",
		"locality":      "Anytown",
		"region":        "Anystate",
		"address": map[string]any{
			"street_address": "123 Main St",
			"locality":       "Anytown",
			"region":         "Anystate",
			"country":        "US",
		},
		"nationalities": []any{"US", "DE"},
	}
}

func pidDisclosable() []vocab.ClaimPath {
	return []vocab.ClaimPath{
		cp("given_name"), cp("family_name"), cp("first_name"), cp("last_name"),
		cp("date_of_birth"), cp("postal_code"), cp("locality"), cp("region"),
		cp("address"), cp("address", "street_address"), cp("address", "locality"),
		cp("address", "region"), cp("nationalities", nil),
	}
}

func pid() *presentation.Credential {
	return sdCred("pid-1", vctPID, pidClaims(), pidDisclosable()...)
}

func mdl() *presentation.Credential {
	return &presentation.Credential{
		Format: vocab.FormatMsoMdoc, ID: "mdl-1", DocType: "org.iso.18013.5.1.mDL", HolderJWK: holderJWK,
		Claims: map[string]any{"org.iso.18013.5.1": map[string]any{
			"given_name": "John", "family_name": "Doe", "portrait": "AAEC",
			"resident_address": "123 Main St", "resident_country": "US",
		}},
	}
}

func vrc() *presentation.Credential {
	return &presentation.Credential{
		Format: vocab.FormatMsoMdoc, ID: "vrc-1", DocType: "org.iso.7367.1.mVRC", HolderJWK: holderJWK,
		Claims: map[string]any{
			"org.iso.7367.1":    map[string]any{"vehicle_holder": "John Doe"},
			"org.iso.18013.5.1": map[string]any{"given_name": "John"},
		},
	}
}

func jwtVC() *presentation.Credential {
	doc := map[string]any{
		"@context":          []any{"https://www.w3.org/2018/credentials/v1"},
		"type":              []any{"VerifiableCredential", "IDCredential"},
		"issuer":            "did:example:issuer",
		"credentialSubject": map[string]any{"id": "did:example:holder", "given_name": "Max", "family_name": "Mustermann"},
	}
	return &presentation.Credential{
		Format: vocab.FormatJWTVCJSON, ID: "jwtvc-1", Types: []string{"VerifiableCredential", "IDCredential"},
		Issuer: "did:example:issuer", Subject: "did:example:holder", HolderID: "did:example:holder",
		Claims: map[string]any{"iss": "did:example:issuer", "vc": doc}, Document: doc,
	}
}

func seq(creds ...*presentation.Credential) iter.Seq[*presentation.Credential] {
	return slices.Values(creds)
}
