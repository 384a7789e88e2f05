package wallet_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// TestRefreshForDeferred: the access token expires while the credential
// is deferred; the wallet refreshes it with the refresh token (RFC 6749
// §6) — before the poll when expires_in told it, after the issuer's
// invalid_token otherwise — and then gets the credential. With DPoP the
// refresh request is DPoP-proven. The refresh token rotates.
func TestRefreshForDeferred(t *testing.T) {
	for _, tc := range []struct {
		name      string
		dpop      bool
		noExpires bool
	}{{"proactive", false, false}, {"after invalid_token", false, true}, {"dpop", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			dp := &deferring{ready: 1, interval: 1}
			e := newEnv(t, func(c *issuer.Config, _ *env) {
				dp.Plugin = c.Plugins[0]
				c.Plugins[0] = dp
				c.RefreshTokens, c.AccessTokenTTL = true, time.Second
			})
			if tc.noExpires {
				e.setIntercept(func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
					if p != "/token" {
						return false
					}
					rewrite(w, r, next, func(m map[string]any) { delete(m, "expires_in") })
					return true
				})
			}
			link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
			w := e.wallet(walletOpts{dpop: tc.dpop, mod: func(c *wallet.Config) {
				c.Sleep = func(ctx context.Context, d time.Duration) error { time.Sleep(1100 * time.Millisecond); return nil }
			}})
			got, err := w.AcceptOffer(context.Background(), link)
			must(t, err)
			if len(got) != 1 {
				t.Fatalf("got %d", len(got))
			}
			toks := e.requests("/token")
			if len(toks) != 2 || !strings.Contains(toks[1].body, "grant_type=refresh_token") || toks[1].dpop != tc.dpop {
				t.Fatalf("%+v", toks)
			}
			// Without expires_in the first poll meets invalid_token.
			if n, want := len(e.requests("/deferred_credential")), map[bool]int{false: 1, true: 2}[tc.noExpires]; n != want {
				t.Fatalf("%d deferred requests, want %d", n, want)
			}
		})
	}
}
