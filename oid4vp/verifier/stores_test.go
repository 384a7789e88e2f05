package verifier_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/verifier/sqlstore"
)

// backends returns the stores the flow runs on: memory, SQLite, and
// PostgreSQL when WSTACK_TEST_POSTGRES_DSN is set (required in CI).
func backends(t *testing.T) map[string]func(t *testing.T) verifier.Store {
	m := map[string]func(t *testing.T) verifier.Store{
		"memory": func(*testing.T) verifier.Store { return verifier.NewMemoryStore() },
		"sqlite": func(t *testing.T) verifier.Store {
			s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "tx.db"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
	dsn := os.Getenv("WSTACK_TEST_POSTGRES_DSN")
	switch {
	case dsn != "":
		m["postgres"] = func(t *testing.T) verifier.Store {
			table := "oid4vp_flow_" + randomName(t)
			s, err := sqlstore.OpenPostgres(context.Background(), dsn, sqlstore.WithTable(table))
			require.NoError(t, err)
			t.Cleanup(func() {
				_, _ = s.DB().ExecContext(context.Background(), "DROP TABLE IF EXISTS "+table)
				_ = s.Close()
			})
			return s
		}
	case os.Getenv("CI") == "true":
		t.Fatal("WSTACK_TEST_POSTGRES_DSN is not set; CI must run the PostgreSQL tests")
	default:
		t.Log("PostgreSQL flow skipped: set WSTACK_TEST_POSTGRES_DSN")
	}
	return m
}

func randomName(t *testing.T) string {
	var b [6]byte
	_, err := randRead(b[:])
	require.NoError(t, err)
	return hexString(b[:])
}

// TestStoresFlow runs the exchange on every backend, with a second
// verifier replica on the same store answering the fetch and the response
// (it has no cached request), and the first one reading the result.
func TestStoresFlow(t *testing.T) {
	for name, newStore := range backends(t) {
		t.Run(name, func(t *testing.T) {
			store := newStore(t)
			e, v := newEnv(t, envOptions{store: store})
			replica, err := verifier.New(verifier.Config{Clients: clientsOf(t, e, v), Validator: e.validator, Store: store})
			require.NoError(t, err)
			tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, twoQuery), RedirectURI: "https://app.example.com/cb"})
			jwt, err := replica.FetchRequestObject(e.ctx, "acme", tx.ID, "")
			require.NoError(t, err)
			require.NotEmpty(t, jwt)
			link, _ := tx.Link("openid4vp://")
			claims, err := e.fetch(link, "")
			require.NoError(t, err)
			form := e.responseForm(claims, e.present(claims, presentOptions{}), postOptions{enc: "A256GCM"})
			res, err := replica.HandleResponse(e.ctx, "acme", tx.ID, form)
			require.NoError(t, err)
			require.Contains(t, res.RedirectURI, "#response_code=")
			_, err = v.HandleResponse(e.ctx, "acme", tx.ID, form)
			require.ErrorIs(t, err, verifier.ErrAlreadyResponded)
			out, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
			require.NoError(t, err)
			require.Equal(t, verifier.StatusAccepted, out.Status)
			require.Equal(t, "Erika", out.Credentials["pid"][0].Claims["given_name"])
			rec, err := store.Get(e.ctx, tx.ID)
			require.NoError(t, err)
			require.Empty(t, rec.EncryptionKey, "the ephemeral key is deleted once a response arrived")
			require.Equal(t, 2, rec.Fetches)

			// A bad response on this backend ends rejected too.
			f := e.start(v, twoQuery, oid4vp.ResponseModeDirectPost)
			status, _ := e.post(f.claims.ResponseURI, e.responseForm(f.claims, e.present(f.claims, presentOptions{nonce: "wrong-nonce-0123456789"}), postOptions{}))
			require.Equal(t, 400, status)
			out, err = v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
			require.NoError(t, err)
			require.Equal(t, verifier.StatusRejected, out.Status)
		})
	}
}
