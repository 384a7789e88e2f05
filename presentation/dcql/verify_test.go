package dcql_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/vocab"
)

// fakePresenter renders a presentation as "format|credential id|disclosures"
// so tests can see exactly what was requested.
type fakePresenter struct{}

func (fakePresenter) Present(_ context.Context, f vocab.Format, creds []*presentation.Credential, disclose [][]vocab.ClaimPath) (any, error) {
	if len(creds) != 1 {
		return nil, fmt.Errorf("want one credential, got %d", len(creds))
	}
	b, _ := json.Marshal(disclose[0])
	return fmt.Sprintf("%s|%s|%s", f, creds[0].ID, b), nil
}

// fakeDecoder resolves "format|id|…" strings against a wallet map and
// returns a view holding only the disclosed claims (top-level names).
type fakeDecoder map[string]*presentation.Credential

func (d fakeDecoder) Decode(_ context.Context, f vocab.Format, p any) (*presentation.Credential, error) {
	s, ok := p.(string)
	if !ok {
		return nil, errors.New("not a string")
	}
	parts := splitN(s, '|', 3)
	if len(parts) != 3 {
		return nil, errors.New("malformed")
	}
	format, id, disc := parts[0], parts[1], parts[2]
	if vocab.Format(format) != f {
		return nil, errors.New("format differs")
	}
	src, ok := d[id]
	if !ok {
		return nil, errors.New("unknown credential")
	}
	cred := *src
	if src.Format == vocab.FormatSDJWTVC {
		var paths [][]any
		_ = json.Unmarshal([]byte(disc), &paths)
		cred.Claims = map[string]any{}
		for _, p := range paths {
			if len(p) == 1 {
				if k, ok := p[0].(string); ok {
					cred.Claims[k] = src.Claims[k]
				}
			}
		}
	}
	return &cred, nil
}

func splitN(s string, sep byte, n int) []string {
	var out []string
	for len(out) < n-1 {
		i := -1
		for j := range len(s) {
			if s[j] == sep {
				i = j
				break
			}
		}
		if i < 0 {
			break
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
	return append(out, s)
}

func TestHolderBuildsAndVerifierAccepts(t *testing.T) {
	ctx := context.Background()
	c := load(t, "claims_alternatives.json")
	wallet := fakeDecoder{"pid-1": pid()}
	res, err := c.Evaluate(ctx, seq(pid()))
	require.NoError(t, err)
	tok, err := res.VPToken(ctx, fakePresenter{})
	require.NoError(t, err)
	require.Len(t, tok["pid"], 1)
	raw, err := json.Marshal(tok)
	require.NoError(t, err)
	parsed, err := dcql.ParseVPToken(raw)
	require.NoError(t, err)
	v, err := c.Verify(ctx, parsed, wallet)
	require.NoError(t, err)
	require.Len(t, v.Accepted["pid"], 1)
	require.Equal(t, 0, v.Matches["pid"][0].ClaimSet)
}

func TestVerifierNeverTrustsWalletMatching(t *testing.T) {
	ctx := context.Background()
	c := load(t, "credentials_alternatives.json")
	wrongVCT := sdCred("wrong", "https://evil.example/vct", pidClaims(), pidDisclosable()...)
	wallet := fakeDecoder{"pid-1": pid(), "wrong": wrongVCT, "reduced-1": sdCred("reduced-1", vctReduced, map[string]any{"family_name": "Doe", "given_name": "John"}, cp("family_name"), cp("given_name"))}
	full := `["family_name"],["given_name"],["address"],["address","street_address"]`

	tests := []struct {
		name     string
		token    dcql.VPToken
		wantErr  error
		failures int
	}{
		{"accepted", dcql.VPToken{"pid": {"dc+sd-jwt|pid-1|[" + full + "]"}}, nil, 0},
		{"row50_wallet_sends_wrong_vct", dcql.VPToken{"pid": {"dc+sd-jwt|wrong|[" + full + "]"}}, dcql.ErrMissingCredential, 1},
		{"row50_wallet_omits_requested_claim", dcql.VPToken{"pid": {`dc+sd-jwt|pid-1|[["given_name"]]`}}, dcql.ErrMissingCredential, 1},
		{"unexpected_query_id", dcql.VPToken{"pid": {"dc+sd-jwt|pid-1|[" + full + "]"}, "bogus": {"x"}}, dcql.ErrUnexpectedQueryID, 0},
		{"multiple_without_multiple", dcql.VPToken{"pid": {"dc+sd-jwt|pid-1|[" + full + "]", "dc+sd-jwt|pid-1|[" + full + "]"}}, dcql.ErrMultipleNotAllowed, 0},
		{"empty_array", dcql.VPToken{"pid": {}}, dcql.ErrMultipleNotAllowed, 0},
		{"partial_option", dcql.VPToken{"pid_reduced_cred_1": {`dc+sd-jwt|reduced-1|[["family_name"],["given_name"]]`}}, dcql.ErrMissingCredential, 0},
		{"undecodable", dcql.VPToken{"pid": {"garbage"}}, dcql.ErrMissingCredential, 1},
		{"object_presentation_wrong_shape", dcql.VPToken{"pid": {42.0}}, dcql.ErrVPTokenRejected, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := c.Verify(ctx, tc.token, wallet)
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			require.ErrorIs(t, err, dcql.ErrVPTokenRejected)
			require.Len(t, v.Failures, tc.failures)
		})
	}
}

func TestVerifyMultiple(t *testing.T) {
	ctx := context.Background()
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"q","format":"dc+sd-jwt","multiple":true,"meta":{"vct_values":["` + vctPID + `"]},"claims":[{"path":["last_name"]}]}]}`))
	require.NoError(t, err)
	c, err := dcql.Compile(q)
	require.NoError(t, err)
	p2 := pid()
	p2.ID = "pid-2"
	v, err := c.Verify(ctx, dcql.VPToken{"q": {`dc+sd-jwt|pid-1|[["last_name"]]`, `dc+sd-jwt|pid-2|[["last_name"]]`}}, fakeDecoder{"pid-1": pid(), "pid-2": p2})
	require.NoError(t, err)
	require.Len(t, v.Accepted["q"], 2)
}

func TestParseVPTokenBadInput(t *testing.T) {
	for name, in := range map[string]string{
		"not_object":     `[]`,
		"empty":          `{}`,
		"bad_key":        `{"a b":["x"]}`,
		"value_not_list": `{"a":"x"}`,
		"number_entry":   `{"a":[1]}`,
		"dup_member":     `{"a":["x"],"a":["y"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := dcql.ParseVPToken([]byte(in))
			require.ErrorIs(t, err, dcql.ErrVPTokenRejected)
		})
	}
}
