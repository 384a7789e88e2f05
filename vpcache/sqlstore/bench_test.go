package sqlstore_test

import (
	"testing"

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
