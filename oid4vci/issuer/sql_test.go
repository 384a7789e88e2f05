package issuer_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/issuer/sqlstore"
)

func withSQL(s *sqlstore.Store) envOpt {
	return func(c *issuer.Config) {
		c.Offers, c.Nonces, c.Replays, c.Transactions, c.Notifications = s.Offers(), s.Nonces(), s.Replays(), s.Transactions(), s.Notifications()
	}
}

func sqliteStore(t testing.TB) *sqlstore.Store {
	s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "issuer.db"), "")
	must(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func postgresStore(t testing.TB) *sqlstore.Store {
	dsn := os.Getenv("WSTACK_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("WSTACK_TEST_POSTGRES_DSN is not set; CI must run the PostgreSQL tests")
		}
		t.Skip("PostgreSQL tests skipped: set WSTACK_TEST_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	prefix := "i" + strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name()))
	if len(prefix) > 32 {
		prefix = "i" + prefix[len(prefix)-31:]
	}
	s, err := sqlstore.OpenPostgres(context.Background(), dsn, prefix)
	must(t, err)
	t.Cleanup(func() {
		for _, tb := range s.Tables() {
			_, _ = s.DB().ExecContext(context.Background(), "DROP TABLE IF EXISTS "+tb)
		}
		_ = s.Close()
	})
	return s
}

var sqlBackends = []struct {
	name string
	open func(testing.TB) *sqlstore.Store
}{{"SQLite", sqliteStore}, {"PostgreSQL", postgresStore}}

// TestSQLIssuance runs the complete flow, deferred issuance and a replayed
// code against the SQL stores.
func TestSQLIssuance(t *testing.T) {
	for _, be := range sqlBackends {
		t.Run(be.name, func(t *testing.T) {
			dp := &deferring{ready: 1}
			e := newEnv(t, withSQL(be.open(t)), func(c *issuer.Config) { dp.Plugin = c.Plugins[0]; c.Plugins = []issuer.Plugin{dp} })
			w := e.wallet(2)
			offer, tx := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims, TxCode: &oid4vci.TxCode{}, ByReference: true})
			tr := w.token(offer, tx)
			n := w.nonce()
			res := w.credential(tr, cfgPID, w.proof(0, n, nil), w.proof(1, n, nil))
			var def struct {
				TransactionID string `json:"transaction_id"`
			}
			res.json(t, &def)
			if res.status != 202 {
				t.Fatalf("%d %s", res.status, res.body)
			}
			b := body(map[string]any{"transaction_id": def.TransactionID})
			r := mustReq(http.NewRequest(http.MethodPost, e.id+"/deferred_credential", bytes.NewReader(b)))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+tr.AccessToken)
			creds, _ := credentials(t, w.do(r))
			if len(creds) != 2 {
				t.Fatal(len(creds))
			}
			for _, c := range creds {
				if _, err := e.verifier().VerifyIssued(context.Background(), c); err != nil {
					t.Fatal(err)
				}
			}
			if r := w.credential(tr, cfgPID, w.proof(0, n, nil)); r.errCode() != "invalid_nonce" {
				t.Fatalf("nonce reused: %s", r.body)
			}
			if r := w.tokenForm(w.preAuthForm(offer.Grants.PreAuthorizedCode.PreAuthorizedCode, tx), ""); r.errCode() != "invalid_grant" {
				t.Fatalf("code reused: %s", r.body)
			}
		})
	}
}

// TestSQLConcurrentRedemption: 1,000 concurrent token requests with one
// pre-authorized code over HTTP: exactly one token, the rest invalid_grant.
func TestSQLConcurrentRedemption(t *testing.T) {
	for _, be := range sqlBackends {
		t.Run(be.name, func(t *testing.T) {
			e := newEnv(t, withSQL(be.open(t)))
			w := e.wallet(0)
			offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}})
			form := w.preAuthForm(offer.Grants.PreAuthorizedCode.PreAuthorizedCode, "")
			const n = 1000
			var wg sync.WaitGroup
			var mu sync.Mutex
			codes := map[string]int{}
			sem := make(chan struct{}, 64)
			for k := 0; k < n; k++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					r := w.tokenForm(form, "")
					key := r.errCode()
					if r.status == 200 {
						key = "ok"
					}
					mu.Lock()
					codes[key]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			if codes["ok"] != 1 || codes["invalid_grant"] != n-1 {
				t.Fatalf("%v", codes)
			}
		})
	}
}
