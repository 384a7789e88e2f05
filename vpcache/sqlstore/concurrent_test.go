package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/sqlstore"
)

// TestConcurrentReadYourWrites: 16 goroutines, each owning its keys, put,
// read back, invalidate and read again on one store while the others do
// the same; a Get after a write answered (on a reader connection on
// SQLite) must see that write, and every write of a key gets its own
// version.
func TestConcurrentReadYourWrites(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *sqlstore.Store{
		"sqlite": func(t *testing.T) *sqlstore.Store { return newSQLite(t) },
		"sqlite/conns=1": func(t *testing.T) *sqlstore.Store {
			s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "vpcache.db"), sqlstore.WithMaxOpenConns(1))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		"postgres": func(t *testing.T) *sqlstore.Store { postgresDSN(t); return newPostgres(t, uniqueTable()) },
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			ctx := context.Background()
			const workers, rounds = 16, 20
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- readYourWrites(ctx, s, w, rounds)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
		})
	}
}

func readYourWrites(ctx context.Context, s *sqlstore.Store, w, rounds int) error {
	pc, did := fmt.Sprintf("pc-%d", w%4), fmt.Sprintf("did:web:w%d.example", w)
	ka, err := vpcache.NewKey(pc, did, []string{"a"})
	if err != nil {
		return err
	}
	kb, err := vpcache.NewKey(pc, did, []string{"a", "b"})
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for i := range rounds {
		raw := fmt.Sprintf("w%d-r%d", w, i)
		for _, k := range []vpcache.Key{ka, kb} {
			v, err := s.Put(ctx, mixEntry(k, raw))
			if err != nil {
				return err
			}
			if seen[v] {
				return fmt.Errorf("version %d given twice", v)
			}
			seen[v] = true
			got, err := s.Get(ctx, k)
			if err != nil {
				return fmt.Errorf("get after put: %w", err)
			}
			if got.Version != v || got.Presentations[0].Raw != raw {
				return fmt.Errorf("get after put: version %d raw %q, want %d %q", got.Version, got.Presentations[0].Raw, v, raw)
			}
		}
		switch i % 3 {
		case 0: // compare-and-delete of a stale version removes nothing
			got, err := s.Get(ctx, ka)
			if err != nil {
				return err
			}
			n, err := s.Delete(ctx, vpcache.ByKeyVersion(ka, got.Version+1))
			if err != nil || n != 0 {
				return fmt.Errorf("stale compare-and-delete: %d, %v", n, err)
			}
			if n, err := s.Delete(ctx, vpcache.ByKeyVersion(ka, got.Version)); err != nil || n != 1 {
				return fmt.Errorf("compare-and-delete: %d, %v", n, err)
			}
		case 1: // invalidate the counterparty: both scope sets
			if n, err := s.Delete(ctx, vpcache.ByCounterparty(pc, did)); err != nil || n != 2 {
				return fmt.Errorf("invalidate: %d, %v", n, err)
			}
			if _, err := s.Get(ctx, kb); !errors.Is(err, vpcache.ErrNotFound) {
				return fmt.Errorf("get after invalidate: %v", err)
			}
		case 2:
			if n, err := s.Delete(ctx, vpcache.ByKey(kb)); err != nil || n != 1 {
				return fmt.Errorf("delete: %d, %v", n, err)
			}
		}
		if i%3 != 2 {
			if _, err := s.Get(ctx, ka); !errors.Is(err, vpcache.ErrNotFound) {
				return fmt.Errorf("get after delete: %v", err)
			}
		}
	}
	return nil
}

// TestSQLiteConnectionPolicy: OpenSQLite writes through one connection
// and reads through n-1 read-only ones; n = 1 and ":memory:" read on the
// writer.
func TestSQLiteConnectionPolicy(t *testing.T) {
	ctx := context.Background()
	s := newSQLite(t)
	require.Equal(t, 1, s.DB().Stats().MaxOpenConnections)
	require.NotSame(t, s.DB(), s.ReadDB())
	require.Equal(t, sqlstore.DefaultSQLiteConns-1, s.ReadDB().Stats().MaxOpenConnections)
	_, err := s.ReadDB().ExecContext(ctx, "DELETE FROM "+s.Table())
	require.Error(t, err, "readers are query_only")

	one, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "one.db"), sqlstore.WithMaxOpenConns(1))
	require.NoError(t, err)
	defer one.Close()
	require.Same(t, one.DB(), one.ReadDB())
	require.Equal(t, 1, one.DB().Stats().MaxOpenConnections)

	mem, err := sqlstore.OpenSQLite(ctx, ":memory:")
	require.NoError(t, err)
	defer mem.Close()
	require.Same(t, mem.DB(), mem.ReadDB())
	k, err := vpcache.NewKey("pc", "did:web:a.example", []string{"s"})
	require.NoError(t, err)
	v, err := mem.Put(ctx, mixEntry(k, "r"))
	require.NoError(t, err)
	got, err := mem.Get(ctx, k)
	require.NoError(t, err)
	require.Equal(t, v, got.Version)
}
