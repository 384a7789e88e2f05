package sqlstore_test

import (
	"testing"
	"time"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

func BenchmarkQueryHitSQLite(b *testing.B) { vpcachetest.BenchQueryHit(b, newSQLite(b)) }

func BenchmarkQueryHitPostgres(b *testing.B) {
	vpcachetest.BenchQueryHit(b, newPostgres(b, uniqueTable()))
}

func BenchmarkStoreSQLite(b *testing.B) { vpcachetest.BenchStore(b, newSQLite(b)) }

func BenchmarkStorePostgres(b *testing.B) { vpcachetest.BenchStore(b, newPostgres(b, uniqueTable())) }

func BenchmarkQueryHitSQLite64Readers(b *testing.B) {
	vpcachetest.BenchParallelHit(b, newSQLite(b), 64)
}

func BenchmarkQueryHitPostgres64Readers(b *testing.B) {
	vpcachetest.BenchParallelHit(b, newPostgres(b, uniqueTable()), 64)
}

// BenchmarkQueryHitPostgresL1: PostgreSQL behind a TieredStore L1 (hits
// served in process; entries written through it keep their parsed form).
func BenchmarkQueryHitPostgresL1(b *testing.B) {
	ts, err := vpcache.NewTieredStore(newPostgres(b, uniqueTable()), vpcache.WithL1TTL(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	vpcachetest.BenchQueryHit(b, ts)
}
