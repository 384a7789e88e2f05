package dcql_test

import (
	"context"
	"errors"
	"math"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/vocab"
)

func compileRaw(t testing.TB, raw []byte, opts ...dcql.Option) *dcql.Compiled {
	t.Helper()
	q, err := dcql.Parse(raw)
	require.NoError(t, err)
	c, err := dcql.Compile(q, opts...)
	require.NoError(t, err)
	return c
}

// processCPU returns the user+system CPU time of the process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// allocated runs f and returns the bytes it allocated on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHostileQueryStopsAtBudget: the 33 KB query of 64 credential queries
// × 12 null-pointer claims against wallets of credentials holding 12
// arrays of 1,000 elements (before: 10 credentials took 5.9 s and 1.2 GB,
// 1,000 took 54 s and 7.5 GB) fails with ErrBudgetExceeded after a
// bounded amount of work and memory.
func TestHostileQueryStopsAtBudget(t *testing.T) {
	raw := hostileQuery(64, 12, nil, false)
	require.Greater(t, len(raw), 30_000)
	require.Less(t, len(raw), dcql.MaxQueryBytes)
	for _, tc := range []struct {
		name  string
		creds int
		par   int
	}{
		{"creds_10", 10, 1},
		{"creds_1000", 1000, 1},
		{"creds_1000_parallel", 1000, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := compileRaw(t, raw, dcql.WithParallelism(tc.par))
			wallet := hostileWallet(tc.creds, 12, 1000)
			var err error
			var res *dcql.Result
			bytes := allocated(func() { res, err = c.Evaluate(context.Background(), seq(wallet...)) })
			require.Nil(t, res)
			require.ErrorIs(t, err, dcql.ErrBudgetExceeded)
			require.Equal(t, dcql.CodeInvalidRequest, dcql.Code(err))
			require.Less(t, bytes, uint64(50<<20), "allocated %d bytes", bytes)
		})
	}
}

// TestHostileQueryMatchCredential: MatchCredential has the same budget.
func TestHostileQueryMatchCredential(t *testing.T) {
	c := compileRaw(t, hostileQuery(1, 12, nil, false), dcql.WithBudget(5000))
	_, err := c.MatchCredential(context.Background(), "query_00", hostileCred("h", 12, 1000))
	require.ErrorIs(t, err, dcql.ErrBudgetExceeded)
	// The same credential query with the default budget is answered.
	c = compileRaw(t, hostileQuery(1, 12, nil, false))
	m, err := c.MatchCredential(context.Background(), "query_00", hostileCred("h", 12, 1000))
	require.NoError(t, err)
	require.Len(t, m.Paths, 12*1000)
	require.Len(t, m.Disclose, 12*1000)
}

// TestHostileDeadlineHonoured: with the budget lifted, a 3 s deadline
// ends the evaluation within a second of expiring, sequentially and in
// parallel. The query's values never match and every claim is its own
// claim set, so all 64×12 claims select 1,000 elements in each of the
// 1,000 credentials and nothing is retained. Before, the context was only
// looked at between batches of 64 credentials.
func TestHostileDeadlineHonoured(t *testing.T) {
	raw := hostileQuery(64, 12, []any{"absent"}, true)
	wallet := hostileWallet(1000, 12, 1000)
	for _, par := range []int{1, 2} {
		t.Run("parallelism_"+string(rune('0'+par)), func(t *testing.T) {
			c := compileRaw(t, raw, dcql.WithParallelism(par), dcql.WithBudget(math.MaxInt64))
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			start := time.Now()
			_, err := c.Evaluate(ctx, seq(wallet...))
			elapsed := time.Since(start)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Less(t, elapsed, 10*time.Second)
		})
	}
}

// TestManyDisclosablePathsLinear: one credential with 24,000 disclosable
// paths and a query selecting all of them (before: the pairwise scan made
// 288 million comparisons, 32 s) is answered correctly within the default
// budget.
func TestManyDisclosablePathsLinear(t *testing.T) {
	c := compileRaw(t, hostileQuery(1, 24, nil, false))
	cred := hostileCred("h", 24, 1000)
	var res *dcql.Result
	var err error
	start := time.Now()
	bytes := allocated(func() { res, err = c.Evaluate(context.Background(), seq(cred)) })
	elapsed := time.Since(start)
	require.NoError(t, err)
	// Generous for a loaded machine and the race detector; the pairwise
	// scan took over 30 s here.
	require.Less(t, elapsed, 15*time.Second)
	m := res.Selection["query_00"][0]
	require.Len(t, m.Paths, 24000)
	require.Equal(t, cred.Disclosable, m.Disclose, "every element, in the credential's order")
	require.Less(t, bytes, uint64(50<<20), "allocated %d bytes", bytes)

	// A query that needs only one array's elements gets exactly those.
	one := compileRaw(t, []byte(`{"credentials":[{"id":"q","format":"dc+sd-jwt","meta":{"vct_values":["`+vctHostile+`"]},"claims":[{"path":["a7",null],"values":["v3","v999"]}]}]}`))
	res, err = one.Evaluate(context.Background(), seq(cred))
	require.NoError(t, err)
	require.Equal(t, []vocab.ClaimPath{cp("a7", 3), cp("a7", 999)}, res.Selection["q"][0].Disclose)
}

// TestOrdinaryWalletWithinBudget: legitimate large answers are not
// refused. 1,000 ordinary credentials (250 matching PIDs) against the
// spec's claim-set query, and 1,000 PIDs against a query of every PID
// claim including a null pointer, are answered at half the default
// budget.
func TestOrdinaryWalletWithinBudget(t *testing.T) {
	ctx := context.Background()
	base := load(t, "claims_alternatives.json")
	for _, tc := range []struct {
		name   string
		q      *dcql.Query
		wallet []*presentation.Credential
		want   int
	}{
		{"claims_alternatives_1000_mixed", base.Query(), benchWallet(1000), 250},
		{"all_pid_claims_1000_pids", func() *dcql.Query {
			q, err := dcql.Parse([]byte(`{"credentials":[{"id":"pid","format":"dc+sd-jwt","multiple":true,"meta":{"vct_values":["` + vctPID + `"]},"claims":[
				{"path":["given_name"]},{"path":["family_name"]},{"path":["date_of_birth"]},{"path":["address"]},
				{"path":["nationalities",null]},{"path":["locality"]},{"path":["region"]},{"path":["postal_code"]}]}]}`))
			require.NoError(t, err)
			return q
		}(), func() []*presentation.Credential {
			w := make([]*presentation.Credential, 1000)
			for i := range w {
				w[i] = pid()
			}
			return w
		}(), 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, opts := range [][]dcql.Option{nil, {dcql.WithBudget(dcql.DefaultBudget / 2)}, {dcql.WithParallelism(2), dcql.WithBudget(dcql.DefaultBudget / 2)}} {
				c, err := dcql.Compile(tc.q, opts...)
				require.NoError(t, err)
				res, err := c.Evaluate(ctx, seq(tc.wallet...))
				require.NoError(t, err)
				require.Len(t, res.Candidates["pid"], tc.want)
				require.NotEmpty(t, res.Selection["pid"][0].Disclose)
			}
		})
	}
}

// TestBudgetOption: a budget too small for an ordinary evaluation fails
// with the typed error, not with a partial or unsatisfied answer.
func TestBudgetOption(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget int64
		ok     bool
	}{
		{"tiny", 10, false},
		{"enough", 10_000, true},
		{"zero_means_default", 0, true},
		{"negative_means_default", -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dcql.Compile(load(t, "claims_alternatives.json").Query(), dcql.WithBudget(tc.budget))
			require.NoError(t, err)
			res, err := c.Evaluate(context.Background(), seq(benchWallet(100)...))
			if tc.ok {
				require.NoError(t, err)
				require.Len(t, res.Candidates["pid"], 25)
				return
			}
			require.ErrorIs(t, err, dcql.ErrBudgetExceeded)
			require.False(t, errors.Is(err, dcql.ErrUnsatisfiable))
		})
	}
}

func BenchmarkEvaluateHostile(b *testing.B) {
	ctx := context.Background()
	null := compileRaw(b, hostileQuery(64, 12, nil, false))
	one := compileRaw(b, hostileQuery(1, 24, nil, false))
	for _, bc := range []struct {
		name    string
		c       *dcql.Compiled
		wallet  []*presentation.Credential
		wantErr error
	}{
		{"nullPointers/creds=10", null, hostileWallet(10, 12, 1000), dcql.ErrBudgetExceeded},
		{"nullPointers/creds=1000", null, hostileWallet(1000, 12, 1000), dcql.ErrBudgetExceeded},
		{"disclosable=24000", one, hostileWallet(1, 24, 1000), nil},
		{"disclosable=24000/query=64x12", null, hostileWallet(1, 24, 1000), dcql.ErrBudgetExceeded},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				_, err := bc.c.Evaluate(ctx, seq(bc.wallet...))
				if !errors.Is(err, bc.wantErr) {
					b.Fatal(err)
				}
			}
			// CPU time (GC included) is steadier than wall time on a
			// shared machine.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
