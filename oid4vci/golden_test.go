package oid4vci

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// configurations wraps the spec's credential_metadata_*.json examples,
// which show only credential_configurations_supported.
type configurations struct {
	C map[string]*CredentialConfiguration `json:"credential_configurations_supported"`
}

// parseGolden decodes and validates a golden file by its name prefix and
// returns the value to re-encode.
func parseGolden(t *testing.T, p Parser, name string, data []byte) (any, error) {
	t.Helper()
	base := filepath.Base(name)
	switch {
	case strings.HasPrefix(base, "offer_"):
		return p.CredentialOffer(data)
	case strings.HasPrefix(base, "metadata_"):
		return p.IssuerMetadata(data)
	case strings.HasPrefix(base, "configurations_"):
		var c configurations
		if err := p.decode(data, defaultMedium, &c); err != nil {
			return nil, err
		}
		for id, cfg := range c.C {
			if err := cfg.Validate(p.Profile); err != nil {
				return &c, prefix(id, err)
			}
		}
		return &c, nil
	case strings.HasPrefix(base, "authz_"):
		return p.AuthorizationDetails(data)
	case strings.HasPrefix(base, "token_response"):
		return p.TokenResponse(data)
	case strings.HasPrefix(base, "nonce_response"):
		return p.NonceResponse(data)
	case strings.HasPrefix(base, "credential_request_"):
		return p.CredentialRequest(data)
	case strings.HasPrefix(base, "credential_response_"), strings.HasPrefix(base, "deferred_response_"):
		return p.CredentialResponse(0, data)
	case strings.HasPrefix(base, "deferred_request"):
		return p.DeferredCredentialRequest(data)
	case strings.HasPrefix(base, "notification_"):
		return p.NotificationRequest(data)
	case strings.HasPrefix(base, "error_"):
		return p.ErrorResponse(400, data)
	case strings.HasPrefix(base, "proofs_"):
		var ps Proofs
		if err := p.decode(data, defaultMedium, &ps); err != nil {
			return nil, err
		}
		return &ps, ps.validate(p)
	case strings.HasPrefix(base, "proof_"):
		var pr Proof
		if err := p.decode(data, defaultMedium, &pr); err != nil {
			return nil, err
		}
		return &pr, pr.Validate()
	case strings.HasPrefix(base, "batch_request"):
		return p.BatchCredentialRequest(data)
	case strings.HasPrefix(base, "batch_response"):
		return p.BatchCredentialResponse(data)
	}
	t.Fatalf("no parser for golden file %s", name)
	return nil, nil
}

// knownInvalid lists spec examples that contradict the spec's normative
// text, with the error Validate reports for them.
var knownInvalid = map[string]error{
	// §12.2.4: proof_types_supported "MUST be present if
	// cryptographic_binding_methods_supported is present"; the Appendix A
	// examples for ldp_vc and mso_mdoc list binding methods without it.
	"v1/configurations_ldp_vc.json":   ErrMissing,
	"v1/configurations_mso_mdoc.json": ErrMissing,
	// 1.0 Final's example gives jwks as a bare array; errata set 1 (the
	// editor's copy, v1/metadata_sd_jwt_long.json) corrects it to a JWK Set.
	"v1/metadata_sd_jwt_long_final_jwks_array.json": ErrInvalidValue,
	// Draft 13's ldp_vc example misspells credential_definition as
	// "credentials_definition" (kept as an unknown member).
	"draft13/configurations_ldp_vc.json": ErrMissing,
}

func jsonValue(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

// TestGoldenRoundTrip decodes every spec example in testdata (1.0 under
// ProfileFinal, drafts 13 and 11 under ProfileLegacy), validates it, encodes
// it again and compares the two as JSON values.
func TestGoldenRoundTrip(t *testing.T) {
	dirs := []struct {
		dir     string
		profile Profile
	}{{"v1", ProfileFinal}, {"draft13", ProfileLegacy}, {"draft11", ProfileLegacy}}
	n := 0
	for _, d := range dirs {
		files, err := filepath.Glob(filepath.Join("testdata", d.dir, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no golden files in %s", d.dir)
		}
		for _, f := range files {
			rel := d.dir + "/" + filepath.Base(f)
			t.Run(rel, func(t *testing.T) {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				v, err := parseGolden(t, Parser{Profile: d.profile}, f, data)
				if want, bad := knownInvalid[rel]; bad {
					if !errors.Is(err, want) {
						t.Fatalf("want %v for this known-invalid example, got %v", want, err)
					}
					if strings.HasPrefix(filepath.Base(f), "metadata_") {
						var md IssuerMetadata // round-trip without validation
						if err := json.Unmarshal(data, &md); err != nil {
							t.Fatal(err)
						}
						v = &md
					}
				} else if err != nil {
					t.Fatalf("%s: %v", d.profile, err)
				}
				out, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(jsonValue(t, data), jsonValue(t, out)); diff != "" {
					t.Errorf("round trip changed the example (-spec +encoded):\n%s", diff)
				}
			})
			n++
		}
	}
	if n < 80 {
		t.Fatalf("only %d golden files", n)
	}
}

// TestGoldenDraftsFailUnderFinal checks that the drafts' messages that 1.0
// no longer accepts are rejected by the default profile, with ErrLegacy or
// a missing 1.0 member.
func TestGoldenDraftsFailUnderFinal(t *testing.T) {
	for _, f := range []string{
		"draft11/offer_multiple_credentials.json", // credentials instead of credential_configuration_ids
		"draft13/credential_request_ldp_vc.json",  // format + singular proof
		"draft13/credential_request_sd_jwt_identifier.json",
		"draft13/credential_response_immediate.json", // singular credential + c_nonce
		"draft13/metadata_jwt_vc_json.json",          // batch_credential_endpoint, display at configuration level
		"draft13/batch_request.json",
	} {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", f))
			if err != nil {
				t.Fatal(err)
			}
			_, err = parseGolden(t, Parser{}, f, data)
			if !errors.Is(err, ErrLegacy) && !errors.Is(err, ErrMissing) {
				t.Fatalf("want ErrLegacy or ErrMissing under ProfileFinal, got %v", err)
			}
		})
	}
}
