package dcql_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
)

func multipleQuery(t *testing.T, multiple bool) *dcql.Compiled {
	t.Helper()
	m := ""
	if multiple {
		m = `"multiple":true,`
	}
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"q","format":"dc+sd-jwt",` + m + `"meta":{"vct_values":["` + vctPID + `"]},"claims":[{"path":["last_name"]}]}]}`))
	require.NoError(t, err)
	c, err := dcql.Compile(q)
	require.NoError(t, err)
	return c
}

// TestMultipleSelectsEveryCandidate: with multiple=true (OpenID4VP 1.0
// §6.1) the selection holds every matching credential, the caller narrows
// it with Choose, and the vp_token carries one presentation per chosen
// credential (§8.1), which the verifier accepts.
func TestMultipleSelectsEveryCandidate(t *testing.T) {
	ctx := context.Background()
	p1, p2, p3 := pid(), pid(), pid()
	p2.ID, p3.ID = "pid-2", "pid-3"
	wallet := fakeDecoder{"pid-1": p1, "pid-2": p2, "pid-3": p3}

	c := multipleQuery(t, true)
	res, err := c.Evaluate(ctx, seq(p1, p2, p3))
	require.NoError(t, err)
	require.Len(t, res.Candidates["q"], 3)
	require.Len(t, res.Selection["q"], 3, "multiple=true selects every matching credential")

	tok, err := res.VPToken(ctx, fakePresenter{})
	require.NoError(t, err)
	require.Len(t, tok["q"], 3)

	// The user consents to the third and the first only.
	require.NoError(t, res.Choose("q", 2, 0))
	require.Equal(t, "pid-3", res.Selection["q"][0].Credential.ID)
	require.Equal(t, "pid-1", res.Selection["q"][1].Credential.ID)
	tok, err = res.VPToken(ctx, fakePresenter{})
	require.NoError(t, err)
	require.Len(t, tok["q"], 2)

	raw, err := json.Marshal(tok)
	require.NoError(t, err)
	parsed, err := dcql.ParseVPToken(raw)
	require.NoError(t, err)
	v, err := c.Verify(ctx, parsed, wallet)
	require.NoError(t, err)
	require.Len(t, v.Accepted["q"], 2)
	require.Equal(t, "pid-3", v.Accepted["q"][0].ID)
}

func TestSingleSelectsOneCandidate(t *testing.T) {
	ctx := context.Background()
	p1, p2 := pid(), pid()
	p2.ID = "pid-2"
	c := multipleQuery(t, false)
	res, err := c.Evaluate(ctx, seq(p1, p2))
	require.NoError(t, err)
	require.Len(t, res.Candidates["q"], 2)
	require.Len(t, res.Selection["q"], 1)
	require.Equal(t, "pid-1", res.Selection["q"][0].Credential.ID)
	// The user may pick another candidate, but only one.
	require.NoError(t, res.Choose("q", 1))
	require.Equal(t, "pid-2", res.Selection["q"][0].Credential.ID)
	require.ErrorIs(t, res.Choose("q", 0, 1), dcql.ErrInvalidChoice)
	require.Equal(t, "pid-2", res.Selection["q"][0].Credential.ID, "a refused choice leaves the selection unchanged")

	// The verifier refuses two presentations for a query without multiple.
	tok := dcql.VPToken{"q": {`dc+sd-jwt|pid-1|[["last_name"]]`, `dc+sd-jwt|pid-2|[["last_name"]]`}}
	_, err = c.Verify(ctx, tok, fakeDecoder{"pid-1": p1, "pid-2": p2})
	require.ErrorIs(t, err, dcql.ErrMultipleNotAllowed)
}

func TestChooseBadInput(t *testing.T) {
	ctx := context.Background()
	p1, p2 := pid(), pid()
	p2.ID = "pid-2"
	res, err := multipleQuery(t, true).Evaluate(ctx, seq(p1, p2))
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		id   string
		idx  []int
	}{
		{"unknown_query", "nope", []int{0}},
		{"none", "q", nil},
		{"negative", "q", []int{-1}},
		{"out_of_range", "q", []int{2}},
		{"repeated", "q", []int{1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, res.Choose(tc.id, tc.idx...), dcql.ErrInvalidChoice)
			require.Len(t, res.Selection["q"], 2)
		})
	}
}

// TestMultipleSelectionCapped: a multiple=true selection never exceeds
// what ParseVPToken and Verify accept.
func TestMultipleSelectionCapped(t *testing.T) {
	ctx := context.Background()
	w := make([]*presentation.Credential, dcql.MaxPresentations+10)
	for i := range w {
		w[i] = pid()
	}
	res, err := multipleQuery(t, true).Evaluate(ctx, seq(w...))
	require.NoError(t, err)
	require.Len(t, res.Candidates["q"], len(w))
	require.Len(t, res.Selection["q"], dcql.MaxPresentations)
}
