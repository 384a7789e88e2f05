package pex_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

// The shapes of issue #10 item 2, as a Presentation Exchange definition.

// hostileDefinition has nd input descriptors of nf optional fields, each
// with np path alternatives; every path is paths(descriptor, field, path).
// With limit, every descriptor has limit_disclosure=required.
func hostileDefinition(nd, nf, np int, limit bool, paths func(d, f, p int) string) []byte {
	type field struct {
		Path     []string `json:"path"`
		Optional bool     `json:"optional,omitempty"`
	}
	type constraints struct {
		LimitDisclosure string  `json:"limit_disclosure,omitempty"`
		Fields          []field `json:"fields"`
	}
	type desc struct {
		ID          string      `json:"id"`
		Constraints constraints `json:"constraints"`
	}
	def := struct {
		ID   string `json:"id"`
		Desc []desc `json:"input_descriptors"`
	}{ID: "hostile"}
	for d := range nd {
		ds := desc{ID: fmt.Sprintf("d%d", d)}
		if limit {
			ds.Constraints.LimitDisclosure = "required"
		}
		for f := range nf {
			fl := field{Optional: !limit}
			for p := range np {
				fl.Path = append(fl.Path, paths(d, f, p))
			}
			ds.Constraints.Fields = append(ds.Constraints.Fields, fl)
		}
		def.Desc = append(def.Desc, ds)
	}
	out, err := json.Marshal(def)
	if err != nil {
		panic(err)
	}
	return out
}

// descendantDefinition: 64 descriptors × 16 optional fields × 16 paths
// "$..absent<n>", each of which walks the whole credential and finds
// nothing.
func descendantDefinition() []byte {
	return hostileDefinition(64, 16, 16, false, func(d, f, p int) string { return fmt.Sprintf("$..absent%d", p) })
}

// arraysDefinition: 64 descriptors with limit_disclosure=required asking
// for the arrays a0…a<n-1>, so that each needs every element disclosure.
func arraysDefinition(n int) []byte {
	return hostileDefinition(64, n, 1, true, func(d, f, p int) string { return fmt.Sprintf("$.a%d", f) })
}

// hostileCred is an SD-JWT VC holding arrays a0…a<arrays-1> of elems
// strings, every element selectively disclosable.
func hostileCred(arrays, elems int) *presentation.Credential {
	claims := map[string]any{"vct": "https://hostile.example/credential"}
	var disclosable []vocab.ClaimPath
	for a := range arrays {
		name := fmt.Sprintf("a%d", a)
		arr := make([]any, elems)
		for e := range arr {
			arr[e] = fmt.Sprintf("v%d", e)
			disclosable = append(disclosable, cp(name, e))
		}
		claims[name] = arr
	}
	return &presentation.Credential{
		Format: vocab.FormatSDJWTVC, ID: "h", VCT: "https://hostile.example/credential", Raw: jwtRaw("ES256") + "~",
		Issuer: "https://issuer.example", HolderJWK: holderJWK, Claims: claims, Disclosable: disclosable,
	}
}

// hostileWallet: n distinct credentials sharing one hostileCred's data.
func hostileWallet(n, arrays, elems int) []*presentation.Credential {
	proto := hostileCred(arrays, elems)
	out := make([]*presentation.Credential, n)
	for i := range out {
		c := *proto
		c.ID = fmt.Sprintf("h%d", i)
		out[i] = &c
	}
	return out
}

func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHostileDefinitionStopsAtBudget: before, the descendant definition
// made every credential cost 64×16×16 walks of 12,000 nodes (about 200
// million steps) and the arrays definition compared 24,000 disclosable
// paths with every field location of every descriptor.
func TestHostileDefinitionStopsAtBudget(t *testing.T) {
	desc := descendantDefinition()
	require.Less(t, len(desc), pex.MaxDefinitionBytes)
	for _, tc := range []struct {
		name   string
		def    []byte
		wallet []*presentation.Credential
		par    int
	}{
		{"descendant_creds_10", desc, hostileWallet(10, 12, 1000), 1},
		{"descendant_creds_1000", desc, hostileWallet(1000, 12, 1000), 1},
		{"descendant_creds_1000_parallel", desc, hostileWallet(1000, 12, 1000), 2},
		{"limit_disclosure_24000_paths", arraysDefinition(24), hostileWallet(1, 24, 1000), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := parseCompile(t, string(tc.def), pex.WithParallelism(tc.par))
			var err error
			var res *pex.Result
			bytes := allocated(func() { res, err = c.Evaluate(context.Background(), seq(tc.wallet...)) })
			require.Nil(t, res)
			require.ErrorIs(t, err, pex.ErrEvaluationBudget)
			require.False(t, errors.Is(err, pex.ErrUnsatisfiable))
			require.Less(t, bytes, uint64(50<<20), "allocated %d bytes", bytes)
		})
	}
}

// TestManyDisclosablePathsPEX: one descriptor asking for all 24 arrays
// of a credential with 24,000 element disclosures gets exactly those,
// within the default budget.
func TestManyDisclosablePathsPEX(t *testing.T) {
	cred := hostileCred(24, 1000)
	def := hostileDefinition(1, 24, 1, true, func(d, f, p int) string { return fmt.Sprintf("$.a%d", f) })
	c := parseCompile(t, string(def))
	res, err := c.Evaluate(context.Background(), seq(cred))
	require.NoError(t, err)
	require.Equal(t, cred.Disclosable, res.Selection["d0"].Disclose)
	// One array only: its 1,000 elements.
	one := parseCompile(t, `{"id":"d","input_descriptors":[{"id":"a","constraints":{"limit_disclosure":"required","fields":[{"path":["$.a7"]}]}}]}`)
	cand, err := one.MatchDescriptor(context.Background(), "a", cred)
	require.NoError(t, err)
	require.Len(t, cand.Disclose, 1000)
	require.Equal(t, cp("a7", 0), cand.Disclose[0])
	require.Equal(t, cp("a7", 999), cand.Disclose[999])
}

// TestHostileDefinitionDeadline: with the budget lifted, a 3 s deadline
// ends the evaluation within a second of expiring. Before, ctx was only
// looked at between batches of 64 credentials, each costing seconds.
func TestHostileDefinitionDeadline(t *testing.T) {
	wallet := hostileWallet(1000, 12, 1000)
	for _, par := range []int{1, 2} {
		t.Run(fmt.Sprintf("parallelism_%d", par), func(t *testing.T) {
			c := parseCompile(t, string(descendantDefinition()), pex.WithParallelism(par), pex.WithEvaluationBudget(math.MaxInt64))
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			start := time.Now()
			_, err := c.Evaluate(ctx, seq(wallet...))
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Less(t, time.Since(start), 10*time.Second)
		})
	}
}

// TestOrdinaryWalletWithinEvaluationBudget: the benchmark definition over
// 1,000 ordinary credentials is answered at a tenth of the default budget;
// a tiny budget fails with the typed error.
func TestOrdinaryWalletWithinEvaluationBudget(t *testing.T) {
	d, err := pex.ParseDefinition([]byte(benchDefinition))
	require.NoError(t, err)
	wallet := benchWallet(1000)
	for _, tc := range []struct {
		name   string
		budget int64
		ok     bool
	}{
		{"default", 0, true},
		{"tenth", pex.DefaultEvaluationBudget / 10, true},
		{"tiny", 100, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := pex.Compile(d, pex.WithEvaluationBudget(tc.budget))
			require.NoError(t, err)
			res, err := c.Evaluate(context.Background(), seq(wallet...))
			if !tc.ok {
				require.ErrorIs(t, err, pex.ErrEvaluationBudget)
				return
			}
			require.NoError(t, err)
			require.Len(t, res.Descriptors[0].Candidates, 250)
		})
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkEvaluateHostile(b *testing.B) {
	ctx := context.Background()
	desc := parseCompile(b, string(descendantDefinition()))
	arrays := parseCompile(b, string(arraysDefinition(24)))
	for _, bc := range []struct {
		name   string
		c      *pex.Compiled
		wallet []*presentation.Credential
	}{
		{"descendant/creds=10", desc, hostileWallet(10, 12, 1000)},
		{"descendant/creds=1000", desc, hostileWallet(1000, 12, 1000)},
		{"limitDisclosure/disclosable=24000", arrays, hostileWallet(1, 24, 1000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if _, err := bc.c.Evaluate(ctx, seq(bc.wallet...)); !errors.Is(err, pex.ErrEvaluationBudget) {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
