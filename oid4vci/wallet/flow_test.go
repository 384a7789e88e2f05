package wallet_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// TestAcceptOffer: our wallet against our issuer over HTTPS, end to end,
// for each way an offer arrives and each format the issuer's plugins
// serve; the credentials are verified, stored and acknowledged.
func TestAcceptOffer(t *testing.T) {
	cases := []struct {
		name    string
		req     issuer.OfferRequest
		wantVCT []string
		format  string
	}{
		{"sd-jwt by value", issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims}, []string{vctPID}, oid4vci.FormatSDJWTVC},
		{"sd-jwt by reference", issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims, ByReference: true}, []string{vctPID}, oid4vci.FormatSDJWTVC},
		{"tx_code numeric", issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims, TxCode: &oid4vci.TxCode{InputMode: oid4vci.InputModeNumeric, Length: 6}}, []string{vctPID}, oid4vci.FormatSDJWTVC},
		{"tx_code text", issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims, TxCode: &oid4vci.TxCode{InputMode: oid4vci.InputModeText, Length: 8}}, []string{vctPID}, oid4vci.FormatSDJWTVC},
		{"unbound badge", issuer.OfferRequest{ConfigurationIDs: []string{cfgBadge}, Claims: map[string]any{"level": "gold"}}, []string{vctBadge}, oid4vci.FormatSDJWTVC},
		{"two configurations", issuer.OfferRequest{ConfigurationIDs: []string{cfgPID, cfgBadge}, Claims: pidClaims}, []string{vctPID, vctBadge}, oid4vci.FormatSDJWTVC},
		{"jwt_vc_json did:key", issuer.OfferRequest{ConfigurationIDs: []string{cfgJWTVC}, Claims: map[string]any{"name": "Erika"}}, []string{""}, oid4vci.FormatJWTVCJSON},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			link, tx := e.offer(tc.req)
			var asked *oid4vci.TxCode
			w := e.wallet(walletOpts{mod: func(c *wallet.Config) {
				c.TxCode = func(_ context.Context, t *oid4vci.TxCode) (string, error) { asked = t; return tx, nil }
			}})
			got, err := w.AcceptOffer(context.Background(), link)
			must(t, err)
			if (tc.req.TxCode != nil) != (asked != nil) {
				t.Fatalf("tx_code callback asked=%v", asked)
			}
			if len(got) != len(tc.wantVCT) {
				t.Fatalf("got %d credentials", len(got))
			}
			for i, c := range got {
				if c.VCT != tc.wantVCT[i] || c.Format != tc.req.ConfigurationIDs[0] && c.Format != tc.format {
					t.Fatalf("credential %d: %+v", i, c)
				}
				if c.Issuer != e.id || c.ConfigurationID != tc.req.ConfigurationIDs[i] {
					t.Fatalf("credential %d: %+v", i, c)
				}
			}
			stored, err := w.Store().List(context.Background(), wallet.Filter{Issuer: e.id})
			must(t, err)
			if len(stored) != len(got) {
				t.Fatalf("stored %d", len(stored))
			}
			if tc.format == oid4vci.FormatJWTVCJSON && !strings.Contains(strings.Join(stored[0].Types, ","), "EmployeeCredential") {
				t.Fatalf("types %v", stored[0].Types)
			}
			// Every issued credential with a notification id is acknowledged.
			notes := e.requests("/notification")
			if len(notes) != len(got) {
				t.Fatalf("%d notifications for %d credentials", len(notes), len(got))
			}
			for _, n := range notes {
				if !strings.Contains(n.body, `"credential_accepted"`) {
					t.Fatalf("notification %s", n.body)
				}
			}
		})
	}
}

// TestBatch: one key per proof, as many credentials as batch_size and the
// holder keys allow, each bound to a different key.
func TestBatch(t *testing.T) {
	e := newEnv(t) // batch_size 3
	link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	w := e.wallet(walletOpts{keys: 5, mod: func(c *wallet.Config) { c.Batch = 10 }})
	got, err := w.AcceptOffer(context.Background(), link)
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("got %d credentials, want batch_size 3", len(got))
	}
	seen := map[string]bool{}
	for _, c := range got {
		if c.HolderKeyThumbprint == "" || seen[c.HolderKeyThumbprint] {
			t.Fatalf("keys not distinct: %+v", got)
		}
		seen[c.HolderKeyThumbprint] = true
	}
}

// TestTxCodeMissing: an offer with tx_code and no callback fails before
// the token endpoint is called; a wrong code is the issuer's invalid_grant.
func TestTxCodeMissing(t *testing.T) {
	e := newEnv(t)
	link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims, TxCode: &oid4vci.TxCode{InputMode: oid4vci.InputModeNumeric}})
	w := e.wallet(walletOpts{})
	if _, err := w.AcceptOffer(context.Background(), link); !errors.Is(err, wallet.ErrTxCode) {
		t.Fatalf("err = %v", err)
	}
	if n := len(e.requests("/token")); n != 0 {
		t.Fatalf("%d token requests", n)
	}
	w = e.wallet(walletOpts{mod: func(c *wallet.Config) {
		c.TxCode = func(context.Context, *oid4vci.TxCode) (string, error) { return "000000x", nil }
	}})
	_, err := w.AcceptOffer(context.Background(), link)
	var pe *oid4vci.Error
	if !errors.As(err, &pe) || pe.Code != oid4vci.CodeInvalidGrant {
		t.Fatalf("err = %v", err)
	}
}

// TestDPoP: with a DPoP key the token is DPoP-bound and every protected
// call carries a proof; with the issuer requiring DPoP and nonces, the
// wallet follows the nonce challenges (400 at the token endpoint, 401 at
// the credential endpoint) with one retry each. Without a key, an issuer
// that requires DPoP refuses the wallet.
func TestDPoP(t *testing.T) {
	cases := []struct {
		name      string
		dpop      issuer.DPoPConfig
		walletKey bool
		wantErr   bool
	}{
		{"supported", issuer.DPoPConfig{}, true, false},
		{"required", issuer.DPoPConfig{Required: true}, true, false},
		{"required with nonces", issuer.DPoPConfig{Required: true, Nonces: true}, true, false},
		{"required, wallet without key", issuer.DPoPConfig{Required: true}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *issuer.Config, _ *env) { c.DPoP = tc.dpop })
			link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
			w := e.wallet(walletOpts{dpop: tc.walletKey})
			got, err := w.AcceptOffer(context.Background(), link)
			if tc.wantErr {
				if err == nil {
					t.Fatal("accepted")
				}
				if n, _ := w.Store().List(context.Background(), wallet.Filter{}); len(n) != 0 {
					t.Fatal("stored")
				}
				return
			}
			must(t, err)
			if len(got) != 1 {
				t.Fatalf("%d", len(got))
			}
			for _, p := range []string{"/token", "/credential", "/notification"} {
				rs := e.requests(p)
				if len(rs) == 0 {
					t.Fatalf("no %s request", p)
				}
				for _, r := range rs {
					if !r.dpop || (p != "/token" && r.auth != "DPoP") {
						t.Fatalf("%s without DPoP: %+v", p, r)
					}
				}
				// With nonces: challenge and retry at token and credential; the
				// notification reuses the nonce the credential endpoint sent.
				want := 1
				if tc.dpop.Nonces && p != "/notification" {
					want = 2
				}
				if len(rs) != want {
					t.Fatalf("%s: %d requests, want %d", p, len(rs), want)
				}
			}
		})
	}
}

// deferring defers the first calls, with the given interval.
type deferring struct {
	issuer.Plugin
	ready, calls, interval int
}

func (d *deferring) Issue(ctx context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error) {
	d.calls++
	if d.calls <= d.ready {
		return &issuer.IssueResult{Deferred: true, Interval: d.interval}, nil
	}
	return d.Plugin.Issue(ctx, req)
}

// TestDeferred: the wallet polls the deferred endpoint, waiting the
// issuer's interval clamped to [1 s, MaxDeferredInterval] (0 → the default
// 5 s, 10⁹ → the maximum), and stops when ctx is cancelled.
func TestDeferred(t *testing.T) {
	cases := []struct {
		name     string
		interval int
		want     time.Duration
	}{
		{"interval 3", 3, 3 * time.Second},
		{"interval 0", 0, wallet.DefaultDeferredInterval},
		{"interval 1e9", 1_000_000_000, time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dp := &deferring{ready: 2, interval: tc.interval}
			e := newEnv(t, func(c *issuer.Config, _ *env) { dp.Plugin = c.Plugins[0]; c.Plugins[0] = dp })
			link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
			var waits []time.Duration
			w := e.wallet(walletOpts{mod: func(c *wallet.Config) {
				c.MaxDeferredInterval = time.Minute
				c.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
			}})
			got, err := w.AcceptOffer(context.Background(), link)
			must(t, err)
			if len(got) != 1 || len(waits) != 2 || waits[0] != tc.want || waits[1] != tc.want {
				t.Fatalf("got %d, waits %v", len(got), waits)
			}
			if n := len(e.requests("/deferred_credential")); n != 2 {
				t.Fatalf("%d deferred requests", n)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		dp := &deferring{ready: 100, interval: 1}
		e := newEnv(t, func(c *issuer.Config, _ *env) { dp.Plugin = c.Plugins[0]; c.Plugins[0] = dp })
		link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		w := e.wallet(walletOpts{})
		start := time.Now()
		_, err := w.AcceptOffer(ctx, link)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
			t.Fatalf("err = %v after %v", err, time.Since(start))
		}
	})
}

// TestStepByStep drives the steps individually and deletes a credential
// with a credential_deleted notification.
func TestStepByStep(t *testing.T) {
	e := newEnv(t)
	link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	w := e.wallet(walletOpts{})
	ctx := context.Background()
	offer, err := w.ResolveOffer(ctx, link)
	must(t, err)
	s, err := w.Start(ctx, offer)
	must(t, err)
	must(t, w.Token(ctx, s))
	is, err := w.RequestCredential(ctx, s, wallet.Request{ConfigurationID: cfgPID})
	must(t, err)
	if n, _ := w.Store().List(ctx, wallet.Filter{}); len(n) != 0 {
		t.Fatal("stored before Accept")
	}
	must(t, w.Accept(ctx, is))
	must(t, w.Delete(ctx, s, is.Credentials[0].ID))
	if _, err := w.Store().Get(ctx, is.Credentials[0].ID); !errors.Is(err, wallet.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	notes := e.requests("/notification")
	if len(notes) != 1 || !strings.Contains(notes[0].body, oid4vci.EventCredentialDeleted) {
		t.Fatalf("%+v", notes)
	}
}
