package vpcache_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

func TestTractusXCoverage(t *testing.T) {
	cred := func(types ...string) *presentation.Credential { return &presentation.Credential{Types: types} }
	membership := "org.eclipse.tractusx.vc.type:MembershipCredential:read"
	bpn := "org.eclipse.tractusx.vc.type:BpnCredential:read"
	cases := []struct {
		name   string
		scopes []string
		creds  []*presentation.Credential
		want   bool
	}{
		{"one scope one matching credential", []string{membership}, []*presentation.Credential{cred("VerifiableCredential", "MembershipCredential")}, true},
		{"no scopes", nil, []*presentation.Credential{cred("VerifiableCredential")}, true},
		{"no scopes no credentials", nil, nil, true},
		{"type missing", []string{membership}, []*presentation.Credential{cred("VerifiableCredential", "BpnCredential")}, false},
		{"generic type never matches", []string{"x:VerifiableCredential:read"}, []*presentation.Credential{cred("VerifiableCredential")}, false},
		{"more scopes than credentials", []string{membership, bpn}, []*presentation.Credential{cred("MembershipCredential", "BpnCredential")}, false},
		{"two scopes two credentials", []string{membership, bpn}, []*presentation.Credential{cred("MembershipCredential"), cred("BpnCredential")}, true},
		{"substring rule (Tractus-X)", []string{membership}, []*presentation.Credential{cred("Credential")}, true},
		{"case sensitive", []string{membership}, []*presentation.Credential{cred("membershipcredential")}, false},
		{"sd-jwt vct", []string{"org.eclipse.dspace.dcp.vc.type:https://example.com/vct/pid"}, []*presentation.Credential{{VCT: "https://example.com/vct/pid"}}, true},
		{"mdoc doctype", []string{"x:org.iso.18013.5.1.mDL"}, []*presentation.Credential{{DocType: "org.iso.18013.5.1.mDL"}}, true},
		{"dcp vc.id scope", []string{"org.eclipse.dspace.dcp.vc.id:urn:uuid:1234:read"}, []*presentation.Credential{{ID: "urn:uuid:1234"}}, true},
		{"dcp vc.id scope exact id", []string{"org.eclipse.dspace.dcp.vc.id:urn:uuid:1234"}, []*presentation.Credential{{ID: "urn:uuid:1234"}}, true},
		{"dcp vc.id prefix is not the id", []string{"org.eclipse.dspace.dcp.vc.id:urn:uuid:12345"}, []*presentation.Credential{{ID: "urn:uuid:1234"}}, false},
		{"empty type ignored", []string{membership}, []*presentation.Credential{cred("")}, false},
	}
	for _, c := range cases {
		require.Equal(t, c.want, vpcache.TractusXCoverage(c.scopes, c.creds), c.name)
	}
}

func TestCustomCoverage(t *testing.T) {
	ver := &vpcachetest.Verifier{}
	strict := vpcache.WithCoverage(func(scopes []string, creds []*presentation.Credential) bool { return false })
	c, err := vpcache.New(vpcache.NewMemoryStore(), ver, strict, vpcache.InsecureSkipStatusCheck(), vpcache.WithReaperInterval(0),
		vpcache.WithClock(vpcachetest.NewClock(vpcachetest.Epoch).Now))
	require.NoError(t, err)
	k, _ := vpcache.NewKey(vpcachetest.PC, vpcachetest.DID, []string{vpcachetest.Scope})
	_, err = c.Store(context.Background(), k, []vpcache.Presentation{vpcachetest.ValidPresentation(vpcachetest.DID).Encode()})
	require.ErrorIs(t, err, vpcache.ErrScopeNotCovered)
}

func TestVerifierResultCountMismatch(t *testing.T) {
	v := vpcache.VerifierFunc(func(context.Context, string, []vpcache.Presentation) ([]vpcache.Verified, error) {
		return nil, nil // claims success but returns nothing
	})
	c, err := vpcache.New(vpcache.NewMemoryStore(), v, vpcache.WithReaperInterval(0))
	require.NoError(t, err)
	k, _ := vpcache.NewKey(vpcachetest.PC, vpcachetest.DID, nil)
	_, err = c.Store(context.Background(), k, []vpcache.Presentation{{Format: "jwt_vp_json", Raw: "a.b.c"}})
	require.ErrorIs(t, err, vpcache.ErrInvalidPresentation)
}

func TestParserHolderRechecked(t *testing.T) {
	// A store without the parsed form forces a re-parse; a parser that now
	// reports another holder makes the entry unusable.
	ver := &vpcachetest.Verifier{}
	bad := vpcache.ParserFunc(func(ctx context.Context, ps []vpcache.Presentation) ([]vpcache.Verified, error) {
		out, err := ver.ParsePresentations(ctx, ps)
		for i := range out {
			out[i].Holder = vpcachetest.DID2
		}
		return out, err
	})
	store := &dropParsed{vpcache.NewMemoryStore()}
	c, err := vpcache.New(store, ver, vpcache.WithParser(bad), vpcache.WithReaperInterval(0),
		vpcache.WithStatusChecker(vpcachetest.NewStatusList()), vpcache.WithClock(vpcachetest.NewClock(vpcachetest.Epoch).Now))
	require.NoError(t, err)
	k, _ := vpcache.NewKey(vpcachetest.PC, vpcachetest.DID, []string{vpcachetest.Scope})
	_, err = c.Store(context.Background(), k, []vpcache.Presentation{vpcachetest.ValidPresentation(vpcachetest.DID).Encode()})
	require.NoError(t, err)
	_, err = c.Query(context.Background(), k)
	require.ErrorIs(t, err, vpcache.ErrMiss)
	require.ErrorIs(t, err, vpcache.ErrHolderMismatch)
}

// dropParsed behaves like an SQL store: it keeps no parsed form.
type dropParsed struct{ vpcache.Store }

func (d *dropParsed) Get(ctx context.Context, k vpcache.Key) (vpcache.Entry, error) {
	e, err := d.Store.Get(ctx, k)
	e.Parsed = nil
	return e, err
}

func TestRequestServicePassThrough(t *testing.T) {
	up := &vpcachetest.Upstream{Result: []vpcache.Presentation{{Format: "jwt_vp_json", Raw: "a.b.c"}}}
	s, err := vpcache.NewRequestService(nil, up.Func())
	require.NoError(t, err)
	resp, err := s.RequestPresentation(context.Background(), vpcachetest.Request())
	require.NoError(t, err)
	require.False(t, resp.FromCache)
	require.NoError(t, s.Reject(context.Background(), resp))

	// A request that cannot form a key (no participant context) passes
	// through instead of failing.
	ver := &vpcachetest.Verifier{}
	c, err := vpcache.New(vpcache.NewMemoryStore(), ver, vpcache.WithReaperInterval(0))
	require.NoError(t, err)
	s, err = vpcache.NewRequestService(c, up.Func())
	require.NoError(t, err)
	req := vpcachetest.Request()
	req.ParticipantContextID = ""
	resp, err = s.RequestPresentation(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, resp.Presentations, 1)
	require.EqualValues(t, 2, up.Calls.Load())
	require.Zero(t, ver.Verifies.Load())
}

// TestNoSecretsLogged drives every logging path with a debug logger and
// checks that neither raw presentations nor the counterparty token appear.
func TestNoSecretsLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := vpcachetest.NewClock(vpcachetest.Epoch)
	ver := &vpcachetest.Verifier{}
	status := vpcachetest.NewStatusList()
	store := &vpcachetest.FaultStore{Store: vpcache.NewMemoryStore()}
	c, err := vpcache.New(store, ver, vpcache.WithLogger(log), vpcache.WithClock(clock.Now), vpcache.WithParser(ver),
		vpcache.WithStatusChecker(status), vpcache.WithReaperInterval(0))
	require.NoError(t, err)
	p := vpcachetest.ValidPresentation(vpcachetest.DID)
	p.Nonce = "SECRET-PRESENTATION-MARKER"
	raw := p.Encode()
	up := &vpcachetest.Upstream{Result: []vpcache.Presentation{raw}}
	s, err := vpcache.NewRequestService(c, up.Func())
	require.NoError(t, err)
	ctx := context.Background()
	req := vpcachetest.Request()
	req.CounterpartyToken = "SECRET-TOKEN-MARKER"

	_, err = s.RequestPresentation(ctx, req) // miss + store
	require.NoError(t, err)
	resp, err := s.RequestPresentation(ctx, req) // hit
	require.NoError(t, err)
	require.NoError(t, s.Reject(ctx, resp)) // downstream eviction
	status.Set(vpcachetest.Status1, 7, vpcachetest.StatusRevoked)
	_, err = s.RequestPresentation(ctx, req) // rejected store
	require.ErrorIs(t, err, vpcache.ErrRejected)
	status.Set(vpcachetest.Status1, 7, vpcachetest.StatusValid)
	_, err = s.RequestPresentation(ctx, req)
	require.NoError(t, err)
	status.Set(vpcachetest.Status1, 7, vpcachetest.StatusRevoked) // eviction on query, rejected store
	_, err = s.RequestPresentation(ctx, req)
	require.ErrorIs(t, err, vpcache.ErrRejected)
	status.Set(vpcachetest.Status1, 7, vpcachetest.StatusValid)
	store.FailPut.Store(true) // failed store
	_, err = s.RequestPresentation(ctx, req)
	require.NoError(t, err)
	store.FailGet.Store(true) // failed lookup
	_, err = s.RequestPresentation(ctx, req)
	require.NoError(t, err)
	store.FailGet.Store(false)
	h, err := vpcache.NewInvalidationHandler(c, vpcache.AuthenticatorFunc(func(*http.Request, vpcache.InvalidationRequest) error { return nil }))
	require.NoError(t, err)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodDelete, "/?participantId="+vpcachetest.DID, nil))
	_, _ = c.ReapExpired(ctx)

	out := buf.String()
	require.Contains(t, out, "vpcache: hit")
	require.Contains(t, out, "vpcache: presentations not cached")
	require.Contains(t, out, "vpcache: evicted")
	require.Contains(t, out, "vpcache: invalidated")
	require.NotContains(t, out, "SECRET-PRESENTATION-MARKER")
	require.NotContains(t, out, "SECRET-TOKEN-MARKER")
	require.NotContains(t, out, raw.Raw[:20])
}

func TestStoreErrorsWrapped(t *testing.T) {
	ver := &vpcachetest.Verifier{}
	store := &vpcachetest.FaultStore{Store: vpcache.NewMemoryStore()}
	c, err := vpcache.New(store, ver, vpcache.WithReaperInterval(0), vpcache.InsecureSkipStatusCheck(),
		vpcache.WithClock(vpcachetest.NewClock(vpcachetest.Epoch).Now))
	require.NoError(t, err)
	store.FailDelete.Store(true)
	k, _ := vpcache.NewKey(vpcachetest.PC, vpcachetest.DID, nil)
	for _, f := range []func() error{
		func() error { _, err := c.RemoveParticipantContext(context.Background(), vpcachetest.PC); return err },
		func() error {
			_, err := c.RemoveCounterpartyAllContexts(context.Background(), vpcachetest.DID)
			return err
		},
		func() error { _, err := c.ReportInvalid(context.Background(), k, 1); return err },
		func() error { _, err := c.ReapExpired(context.Background()); return err },
	} {
		err := f()
		require.ErrorIs(t, err, vpcache.ErrStore)
		require.True(t, errors.Is(err, vpcachetest.ErrInjected))
	}
	_, err = c.RemoveParticipantContext(context.Background(), "")
	require.ErrorIs(t, err, vpcache.ErrInvalidKey)
	_, err = c.ReportInvalid(context.Background(), k, 0)
	require.ErrorIs(t, err, vpcache.ErrInvalidKey)
}

// TestRequestServiceSurvivesPanickingVerifier: a panic in user code called
// by the cache is a cache failure, not a failed request.
func TestRequestServiceSurvivesPanickingVerifier(t *testing.T) {
	v := vpcache.VerifierFunc(func(context.Context, string, []vpcache.Presentation) ([]vpcache.Verified, error) {
		panic("verifier bug")
	})
	c, err := vpcache.New(vpcache.NewMemoryStore(), v, vpcache.WithReaperInterval(0))
	require.NoError(t, err)
	up := &vpcachetest.Upstream{Result: []vpcache.Presentation{{Format: "jwt_vp_json", Raw: "a.b.c"}}}
	s, err := vpcache.NewRequestService(c, up.Func())
	require.NoError(t, err)
	resp, err := s.RequestPresentation(context.Background(), vpcachetest.Request())
	require.NoError(t, err)
	require.Len(t, resp.Presentations, 1)
	require.Zero(t, resp.Version)
	require.False(t, resp.Checked, "nothing was verified: the caller must verify")
	require.Nil(t, resp.Verified)
}
