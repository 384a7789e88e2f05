package vc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

var statusErrors = map[string]error{
	"ErrRevoked": ErrRevoked, "ErrSuspended": ErrSuspended,
	"ErrStatusInvalid": ErrStatusInvalid, "ErrStatusUnknown": ErrStatusUnknown,
}

// requireOnlyStatusError checks that err matches want and none of the other
// status sentinels.
func requireOnlyStatusError(t *testing.T, err error, want string) {
	t.Helper()
	for name, s := range statusErrors {
		if name == want {
			require.ErrorIs(t, err, s)
		} else {
			require.NotErrorIs(t, err, s, "error also matches %s", name)
		}
	}
}

// Issue #10 item 6: the zero-value Config rejects a credential with a
// status claim when no StatusChecker is configured (ErrStatusUnknown); only
// SkipStatusCheck accepts it unchecked. Revoked, suspended, application
// values and an unknown status are told apart with errors.Is. Before the
// fix the no-checker case verified and every checker failure was
// ErrRevoked.
func TestStatusOutcomes(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "k")
	issue := func(claims map[string]any) string {
		sd, err := sdjwt.Issue(ctx, issuer, claims, sdjwt.IssueOptions{Typ: Typ})
		require.NoError(t, err)
		return sd.String()
	}
	withStatus := issue(baseClaims("https://issuer.example.com"))
	noStatus := func() string {
		c := baseClaims("https://issuer.example.com")
		delete(c, "status")
		return issue(c)
	}()
	otherMechanism := func() string {
		c := baseClaims("https://issuer.example.com")
		c["status"] = map[string]any{"status_attestation": map[string]any{"uri": "https://x.example"}}
		return issue(c)
	}()
	value := func(v uint8) StatusChecker {
		return StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
			return vocab.StatusResult{Value: v}, nil
		})
	}
	listBroken := StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
		return vocab.StatusResult{}, fmt.Errorf("%w: token signed by another key", statuslist.ErrSignature)
	})
	sdcfg := sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: &issuer.k.PublicKey,
		KeyBinding: sdjwt.KeyBindingOptional, Now: func() time.Time { return now }}
	for _, c := range []struct {
		name    string
		cfg     Config
		token   string
		want    string // "" = accepted
		wrapped error  // also in the chain
	}{
		{"no_checker_status_claim", Config{}, withStatus, "ErrStatusUnknown", vocab.ErrStatusUnavailable},
		{"no_checker_no_status", Config{}, noStatus, "", nil},
		{"no_checker_other_mechanism", Config{}, otherMechanism, "ErrStatusUnknown", vocab.ErrStatusUnavailable},
		{"skip_status_check", Config{SkipStatusCheck: true}, withStatus, "", nil},
		{"skip_other_mechanism", Config{SkipStatusCheck: true}, otherMechanism, "", nil},
		{"valid", Config{StatusChecker: value(0)}, withStatus, "", nil},
		{"revoked", Config{StatusChecker: value(1)}, withStatus, "ErrRevoked", vocab.ErrRevoked},
		{"suspended", Config{StatusChecker: value(2)}, withStatus, "ErrSuspended", vocab.ErrSuspended},
		{"application_value", Config{StatusChecker: value(3)}, withStatus, "ErrStatusInvalid", vocab.ErrStatusInvalid},
		{"list_failed_verification", Config{StatusChecker: listBroken}, withStatus, "ErrStatusUnknown", statuslist.ErrSignature},
		{"checker_other_mechanism", Config{StatusChecker: value(0)}, otherMechanism, "ErrStatusUnknown", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.cfg
			cfg.SDJWT = sdcfg
			v, err := NewVerifier(cfg)
			require.NoError(t, err)
			for _, verify := range []func() (*Result, error){
				func() (*Result, error) { return v.Verify(ctx, c.token, sdjwt.Expect{}) },
				func() (*Result, error) { return v.VerifyIssued(ctx, c.token) },
			} {
				res, err := verify()
				if c.want == "" {
					require.NoError(t, err)
					continue
				}
				require.Nil(t, res)
				requireOnlyStatusError(t, err, c.want)
				if c.wrapped != nil {
					require.ErrorIs(t, err, c.wrapped)
				}
			}
		})
	}
	_, err := NewVerifier(Config{SDJWT: sdcfg, SkipStatusCheck: true, StatusChecker: value(0)})
	require.ErrorIs(t, err, sdjwt.ErrOptions)
}

// The statuslist checker plugs in directly: a valid,
// revoked and suspended entry, and a list signed by another key (status
// unknown, not revoked).
func TestStatusWithStatusListChecker(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "k")
	const uri = "https://status.example.com/lists/1"
	list, err := statuslist.NewIETFList(1024, 2)
	require.NoError(t, err)
	require.NoError(t, list.Set(413, statuslist.Invalid))
	require.NoError(t, list.Set(414, statuslist.Suspended))
	sl, err := statuslist.NewIETFStatusList(list, "")
	require.NoError(t, err)
	sign := func(s *keySigner) string {
		tok, err := statuslist.SignJWT(ctx, s, statuslist.TokenClaims{Subject: uri, IssuedAt: now.Add(-time.Minute),
			ExpiresAt: now.Add(time.Hour), StatusList: sl})
		require.NoError(t, err)
		return tok
	}
	checker := func(token string) StatusChecker {
		c, err := statuslist.NewChecker(statuslist.CheckerConfig{
			Fetcher: statuslist.FetcherFunc(func(_ context.Context, u, _ string, _ int64) ([]byte, string, error) {
				if u != uri {
					return nil, "", errors.New("unexpected uri")
				}
				return []byte(token), statuslist.MediaTypeJWT, nil
			}),
			Keys: statuslist.StaticKey(&issuer.k.PublicKey),
			Now:  func() time.Time { return now },
		})
		require.NoError(t, err)
		return c
	}
	good, forged := checker(sign(issuer)), checker(sign(newKeySigner(t, "k")))
	credential := func(idx int) string {
		c := baseClaims("https://issuer.example.com")
		c["status"] = map[string]any{"status_list": map[string]any{"idx": float64(idx), "uri": uri}}
		sd, err := sdjwt.Issue(ctx, issuer, c, sdjwt.IssueOptions{Typ: Typ})
		require.NoError(t, err)
		return sd.String()
	}
	for _, c := range []struct {
		name    string
		checker StatusChecker
		idx     int
		want    string
	}{
		{"valid", good, 412, ""},
		{"revoked", good, 413, "ErrRevoked"},
		{"suspended", good, 414, "ErrSuspended"},
		{"forged_list_valid_entry", forged, 412, "ErrStatusUnknown"},
		{"forged_list_revoked_entry", forged, 413, "ErrStatusUnknown"},
		{"index_out_of_range", good, 5000, "ErrStatusUnknown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: &issuer.k.PublicKey,
				Now: func() time.Time { return now }}, StatusChecker: c.checker})
			require.NoError(t, err)
			_, err = v.VerifyIssued(ctx, credential(c.idx))
			if c.want == "" {
				require.NoError(t, err)
				return
			}
			requireOnlyStatusError(t, err, c.want)
			if strings.HasPrefix(c.name, "forged") {
				require.ErrorIs(t, err, statuslist.ErrSignature)
			}
		})
	}
}

// The *DeferStatus methods leave the status to the caller when the
// Verifier has no StatusChecker (presentation.SDJWTVCHandler uses them; the
// Validator then checks the status itself: TestSDJWTVCHandlerLeavesStatusToValidator).
func TestDeferStatus(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "k")
	holder := newKeySigner(t, "")
	sd, err := sdjwt.Issue(ctx, issuer, baseClaims("https://issuer.example.com"), sdjwt.IssueOptions{Typ: Typ, HolderJWK: holder.jwk(t)})
	require.NoError(t, err)
	ver, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: &issuer.k.PublicKey,
		Now: func() time.Time { return now }}})
	require.NoError(t, err)
	_, err = ver.VerifyIssued(ctx, sd.String())
	requireOnlyStatusError(t, err, "ErrStatusUnknown")
	_, err = ver.VerifyIssuedDeferStatus(ctx, sd.String())
	require.NoError(t, err)
	pres, err := sd.Present(ctx, nil, kb(holder))
	require.NoError(t, err)
	_, err = ver.Verify(ctx, pres, expect)
	requireOnlyStatusError(t, err, "ErrStatusUnknown")
	_, err = ver.VerifyDeferStatus(ctx, pres, expect)
	require.NoError(t, err)
	// With a checker, deferring changes nothing: the checker's verdict holds.
	revoking, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: &issuer.k.PublicKey,
		Now: func() time.Time { return now }}, StatusChecker: StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
		return vocab.StatusResult{Value: 1}, nil
	})})
	require.NoError(t, err)
	_, err = revoking.VerifyDeferStatus(ctx, pres, expect)
	require.ErrorIs(t, err, ErrRevoked)
}
