package walletsvc_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/walletsvc"
	"github.com/ocmw/wstack/oid4vci/wallet"
	"github.com/ocmw/wstack/oid4vci/wallet/storetest"
)

func sqliteStore(t testing.TB, eng crypto.Engine) (*walletsvc.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wallet.db")
	s, err := walletsvc.OpenSQLite(context.Background(), path, walletsvc.StoreConfig{Engine: eng})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func postgresStore(t testing.TB, eng crypto.Engine) *walletsvc.Store {
	t.Helper()
	dsn := os.Getenv("WSTACK_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("WSTACK_TEST_POSTGRES_DSN is required in CI")
		}
		t.Skip("set WSTACK_TEST_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL store test")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	s, err := walletsvc.OpenPostgres(context.Background(), dsn, walletsvc.StoreConfig{Engine: eng, TablePrefix: "wallet_t" + hex.EncodeToString(b) + "_"})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = s.DropTables(context.Background())
		_ = s.Close()
	})
	return s
}

// contract runs on a wallet.Store the behaviour oid4vci/wallet's
// MemoryStore has (the library has no exported contract suite): put,
// replace, list with filters oldest first, get copies, ErrNotFound for
// unknown ids on Get and Delete.
func contract(t *testing.T, s wallet.Store) {
	ctx := context.Background()
	t0 := time.Unix(1700000000, 0).UTC()
	require.NoError(t, s.Put(ctx, &wallet.StoredCredential{ID: "b", Issuer: "https://i", Format: "dc+sd-jwt", VCT: "v1", Raw: "rb", ReceivedAt: t0.Add(time.Second)}))
	require.NoError(t, s.Put(ctx, &wallet.StoredCredential{ID: "a", Issuer: "https://i", Format: "jwt_vc_json", Types: []string{"VerifiableCredential", "X"}, Raw: "ra", ReceivedAt: t0}))
	cases := []struct {
		name string
		f    wallet.Filter
		want []string
	}{
		{"all", wallet.Filter{}, []string{"a", "b"}},
		{"format", wallet.Filter{Format: "dc+sd-jwt"}, []string{"b"}},
		{"vct", wallet.Filter{VCT: "v1"}, []string{"b"}},
		{"type", wallet.Filter{Type: "X"}, []string{"a"}},
		{"issuer", wallet.Filter{Issuer: "https://other"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.List(ctx, tc.f)
			require.NoError(t, err)
			var ids []string
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			require.Equal(t, tc.want, ids)
		})
	}
	c, err := s.Get(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, "ra", c.Raw)
	require.True(t, c.ReceivedAt.Equal(t0))
	c.Types[1] = "changed"
	c2, err := s.Get(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, "X", c2.Types[1], "Get returned shared state")
	require.NoError(t, s.Put(ctx, &wallet.StoredCredential{ID: "a", Issuer: "https://j", Format: "jwt_vc_json", Raw: "ra2", ReceivedAt: t0}))
	c3, err := s.Get(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, "ra2", c3.Raw)
	require.Equal(t, "https://j", c3.Issuer)
	require.NoError(t, s.Delete(ctx, "a"))
	_, err = s.Get(ctx, "a")
	require.ErrorIs(t, err, wallet.ErrNotFound)
	require.ErrorIs(t, s.Delete(ctx, "a"), wallet.ErrNotFound)
	all, err := s.List(ctx, wallet.Filter{})
	require.NoError(t, err)
	require.Len(t, all, 1)
}

// TestStoreSuite: the encrypted account store passes oid4vci/wallet's
// exported contract suite on SQLite and PostgreSQL (a fresh account per
// subtest).
func TestStoreSuite(t *testing.T) {
	eng, err := local.New(local.Options{})
	require.NoError(t, err)
	n := 0
	account := func(s *walletsvc.Store) func(*testing.T) wallet.Store {
		return func(*testing.T) wallet.Store {
			n++
			return s.Account("acme", fmt.Sprintf("user%d", n), crypto.KeyRef{})
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		s, _ := sqliteStore(t, eng)
		storetest.Run(t, account(s))
	})
	t.Run("postgres", func(t *testing.T) {
		storetest.Run(t, account(postgresStore(t, eng)))
	})
}

func TestStoreContract(t *testing.T) {
	t.Run("memory (reference)", func(t *testing.T) { contract(t, wallet.NewMemoryStore()) })
	eng, err := local.New(local.Options{})
	require.NoError(t, err)
	t.Run("sqlite", func(t *testing.T) {
		s, _ := sqliteStore(t, eng)
		contract(t, s.Account("acme", "alice", crypto.KeyRef{}))
	})
	t.Run("postgres", func(t *testing.T) {
		s := postgresStore(t, eng)
		contract(t, s.Account("acme", "alice", crypto.KeyRef{}))
		// Accounts are isolated on PostgreSQL too.
		_, err := s.Account("acme", "bob", crypto.KeyRef{}).Get(context.Background(), "b")
		require.ErrorIs(t, err, wallet.ErrNotFound)
	})
}

// TestNoPlaintextInDatabase: after a real issuance the database file (and
// its WAL) contains no claim value, not even the credential's issuer-signed
// JWT; a second service on the same database and engine reads it back.
func TestNoPlaintextInDatabase(t *testing.T) {
	e := newEnv(t, envOpts{})
	id := e.receive(groupA)
	ctx := context.Background()
	rec, err := e.walletStore.Account(tenant, groupA, crypto.KeyRef{}).Record(ctx, id)
	require.NoError(t, err)
	jwt, _, _ := strings.Cut(rec.Raw, "~")
	require.NoError(t, e.svc.Close())
	var blob []byte
	for _, f := range []string{"wallet.db", "wallet.db-wal"} {
		b, err := os.ReadFile(filepath.Join(e.storageDir, f))
		if err == nil {
			blob = append(blob, b...)
		}
	}
	require.NotEmpty(t, blob)
	for _, needle := range []string{pidName, "Mustermann", "1964-08-12", "Heidestra", "51147", "given_name", "locality",
		vctPID, e.issuerDID, jwt[:40]} {
		require.NotContains(t, string(blob), needle, "plaintext %q in the database", needle)
	}
	// The id is in clear (the primary key); that is all.
	require.Contains(t, string(blob), id)
}

// TestRowsCannotBeSwapped: a sealed row moved to another credential id or
// another account does not decrypt (AAD binding), and a tampered
// ciphertext is refused.
func TestRowsCannotBeSwapped(t *testing.T) {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	require.NoError(t, err)
	s, path := sqliteStore(t, eng)
	a := s.Account("acme", "alice", crypto.KeyRef{})
	b := s.Account("acme", "bob", crypto.KeyRef{})
	now := time.Now()
	require.NoError(t, a.Put(ctx, &wallet.StoredCredential{ID: "c1", Raw: "secret-1", Format: "dc+sd-jwt", ReceivedAt: now}))
	require.NoError(t, a.Put(ctx, &wallet.StoredCredential{ID: "c2", Raw: "secret-2", Format: "dc+sd-jwt", ReceivedAt: now}))
	require.NoError(t, b.Put(ctx, &wallet.StoredCredential{ID: "c3", Raw: "secret-3", Format: "dc+sd-jwt", ReceivedAt: now}))

	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		_, err := db.Exec(q, args...)
		require.NoError(t, err)
	}
	// Copy c1's sealed columns over c2: c2 no longer opens.
	exec(`UPDATE wallet_credentials SET meta = (SELECT meta FROM wallet_credentials WHERE id = 'c1'),
		body = (SELECT body FROM wallet_credentials WHERE id = 'c1') WHERE id = 'c2'`)
	_, err = a.Get(ctx, "c2")
	require.ErrorIs(t, err, walletsvc.ErrSealed)
	// Move bob's row into alice's account: refused.
	exec(`UPDATE wallet_credentials SET account = 'alice', id = 'c4' WHERE id = 'c3'`)
	_, err = a.Get(ctx, "c4")
	require.ErrorIs(t, err, walletsvc.ErrSealed)
	// Swap meta and body of one row: refused.
	exec(`UPDATE wallet_credentials SET meta = body, body = meta WHERE id = 'c1'`)
	_, err = a.Get(ctx, "c1")
	require.ErrorIs(t, err, walletsvc.ErrSealed)
	// Give bob alice's wrapped data key: it does not unwrap under bob's KEK.
	s2, err := walletsvc.OpenSQLite(ctx, path, walletsvc.StoreConfig{Engine: eng})
	require.NoError(t, err)
	defer s2.Close()
	exec(`UPDATE wallet_accounts SET wrapped_key = (SELECT wrapped_key FROM wallet_accounts WHERE account = 'alice') WHERE account = 'bob'`)
	_, err = s2.Account("acme", "bob", crypto.KeyRef{}).List(ctx, wallet.Filter{})
	require.ErrorIs(t, err, walletsvc.ErrSealed)
}

// TestStoreConcurrent: concurrent first use of an account agrees on one
// data key; concurrent writers and readers (run with -race -count=20).
func TestStoreConcurrent(t *testing.T) {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	require.NoError(t, err)
	s, path := sqliteStore(t, eng)
	s2, err := walletsvc.OpenSQLite(ctx, path, walletsvc.StoreConfig{Engine: eng}) // a second replica
	require.NoError(t, err)
	defer s2.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			st := s
			if i%2 == 1 {
				st = s2
			}
			a := st.Account("acme", "shared", crypto.KeyRef{})
			id := fmt.Sprintf("c%d", i)
			if err := a.Put(ctx, &wallet.StoredCredential{ID: id, Raw: "r" + id, ReceivedAt: time.Now()}); err != nil {
				errs <- err
				return
			}
			if c, err := a.Get(ctx, id); err != nil || c.Raw != "r"+id {
				errs <- fmt.Errorf("get %s: %v", id, err)
			}
			if _, err := a.List(ctx, wallet.Filter{}); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, st := range []*walletsvc.Store{s, s2} {
		all, err := st.Account("acme", "shared", crypto.KeyRef{}).List(ctx, wallet.Filter{})
		require.NoError(t, err)
		require.Len(t, all, 16)
	}
	if _, err := s.Account("acme", "nobody", crypto.KeyRef{}).Get(ctx, "x"); !errors.Is(err, wallet.ErrNotFound) {
		t.Fatal(err)
	}
}
