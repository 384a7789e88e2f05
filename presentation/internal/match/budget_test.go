package match

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/vocab"
)

func TestMeter(t *testing.T) {
	t.Run("nil_is_unlimited", func(t *testing.T) {
		var m *Meter
		require.True(t, m.Spend(1<<40))
		require.NoError(t, m.Err())
	})
	t.Run("exhausted_is_sticky", func(t *testing.T) {
		m := NewMeter(context.Background(), NewPool(10))
		require.True(t, m.Spend(6))
		require.True(t, m.Spend(4))
		require.False(t, m.Spend(1))
		require.ErrorIs(t, m.Err(), ErrBudget)
		require.False(t, m.Spend(0+1))
	})
	t.Run("cancelled_context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		m := NewMeter(ctx, NewPool(1<<30))
		require.True(t, m.Spend(1))
		cancel()
		// At most one chunk is spent before the context is seen.
		ok := true
		for i := 0; i < 2*meterChunk && ok; i++ {
			ok = m.Spend(1)
		}
		require.False(t, ok)
		require.ErrorIs(t, m.Err(), context.Canceled)
	})
	t.Run("pool_shared_by_goroutines", func(t *testing.T) {
		pool := NewPool(100_000)
		var wg sync.WaitGroup
		spent := make([]int, 4)
		for g := range spent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := NewMeter(context.Background(), pool)
				for m.Spend(1) {
					spent[g]++
				}
			}()
		}
		wg.Wait()
		total := 0
		for _, n := range spent {
			total += n
		}
		require.Equal(t, 100_000, total, "the pool is spent exactly once")
	})
}

// bfsSelect is the level-by-level processing of OpenID4VP 1.0 §7.1 as it
// was implemented before the depth-first walk; the walk must select the
// same elements at the same locations and fail on the same pointers.
func bfsSelect(root any, p vocab.ClaimPath) ([]any, [][]any, error) {
	type node struct {
		v   any
		loc []any
	}
	sel := []node{{v: root}}
	for _, c := range p {
		var next []node
		for _, n := range sel {
			switch k := c.(type) {
			case string:
				obj, ok := asObject(n.v)
				if !ok {
					return nil, nil, ErrPointerType
				}
				if v, ok := obj[k]; ok {
					next = append(next, node{v, append(append([]any{}, n.loc...), k)})
				}
			case int:
				arr, ok := asArray(n.v)
				if !ok {
					return nil, nil, ErrPointerType
				}
				if k >= 0 && k < len(arr) {
					next = append(next, node{arr[k], append(append([]any{}, n.loc...), k)})
				}
			case nil:
				arr, ok := asArray(n.v)
				if !ok {
					return nil, nil, ErrPointerType
				}
				if len(next)+len(arr) > MaxResults {
					return nil, nil, ErrTooManyResults
				}
				for i, v := range arr {
					next = append(next, node{v, append(append([]any{}, n.loc...), i)})
				}
			}
		}
		if len(next) == 0 {
			return nil, nil, ErrPointerEmpty
		}
		sel = next
	}
	var vals []any
	var locs [][]any
	for _, n := range sel {
		vals, locs = append(vals, n.v), append(locs, n.loc)
	}
	return vals, locs, nil
}

func checkPointerAgainstBFS(t *testing.T, doc any, p vocab.ClaimPath) {
	t.Helper()
	wantVals, wantLocs, wantErr := bfsSelect(doc, p)
	var vals []any
	var locs [][]any
	err := SelectPointerMeter(doc, p, NewMeter(context.Background(), NewPool(1<<40)), func(v any, loc []any) bool {
		vals, locs = append(vals, v), append(locs, append([]any{}, loc...))
		return true
	})
	require.Equal(t, wantErr == nil, err == nil, "pointer %v: bfs %v, walk %v", p, wantErr, err)
	if err != nil {
		return
	}
	require.Equal(t, wantLocs, locs, "pointer %v", p)
	wb, _ := json.Marshal(wantVals)
	gb, _ := json.Marshal(vals)
	require.JSONEq(t, string(wb), string(gb))
}

func TestSelectPointerMatchesLevelByLevel(t *testing.T) {
	doc := map[string]any{
		"a": []any{map[string]any{"x": 1.0, "y": []any{"p", "q"}}, map[string]any{"x": 2.0}, 5.0},
		"b": []any{[]any{1.0, 2.0}, []any{3.0}},
		"c": map[string]any{"d": "e"},
		"t": []string{"VerifiableCredential", "X"},
	}
	for name, p := range map[string]vocab.ClaimPath{
		"member":                  {"c", "d"},
		"null_then_member_mixed":  {"a", nil, "x"},
		"null_then_member_absent": {"a", nil, "z"},
		"null_null":               {"b", nil, nil},
		"null_index":              {"b", nil, 1},
		"null_on_object":          {"c", nil},
		"string_slice":            {"t", nil},
		"nested_null_missing":     {"a", nil, "y", nil},
		"index_on_object":         {"c", 0},
	} {
		t.Run(name, func(t *testing.T) { checkPointerAgainstBFS(t, doc, p) })
	}
	t.Run("too_many_results", func(t *testing.T) {
		big := map[string]any{"a": []any{make([]any, 600), make([]any, 600)}}
		checkPointerAgainstBFS(t, big, vocab.ClaimPath{"a", nil, nil})
		err := SelectPointer(big, vocab.ClaimPath{"a", nil, nil}, func(any, []any) bool { return true })
		require.ErrorIs(t, err, ErrTooManyResults)
	})
}

func TestSelectPointerBudget(t *testing.T) {
	doc := map[string]any{"a": make([]any, 1000)}
	m := NewMeter(context.Background(), NewPool(500))
	n := 0
	err := SelectPointerMeter(doc, vocab.ClaimPath{"a", nil}, m, func(any, []any) bool { n++; return true })
	require.ErrorIs(t, err, ErrBudget)
	require.Zero(t, n, "nothing is emitted past the budget")
	// Selecting the elements of a large array allocates nothing per element.
	m = NewMeter(context.Background(), NewPool(1<<40))
	allocs := testing.AllocsPerRun(10, func() {
		_ = SelectPointerMeter(doc, vocab.ClaimPath{"a", nil}, m, func(any, []any) bool { return true })
	})
	require.Less(t, allocs, 10.0)
}

// randomPath draws a path over a small alphabet so that prefixes collide.
func randomPath(r *rand.Rand, concrete bool) []any {
	n := r.IntN(4)
	p := make([]any, n)
	for i := range p {
		switch r.IntN(5) {
		case 0, 1:
			p[i] = []string{"a", "b", "c"}[r.IntN(3)]
		case 2, 3:
			p[i] = r.IntN(3)
		default:
			if concrete {
				p[i] = r.IntN(3)
			} else {
				p[i] = nil
			}
		}
	}
	return p
}

func checkIndexAgainstScan(t *testing.T, disclosable []vocab.ClaimPath, used [][]any) {
	t.Helper()
	want := scanDisclosures(disclosable, used)
	idx, err := NewDisclosureIndex(disclosable, nil)
	require.NoError(t, err)
	for range 2 { // a second Select on the same index gives the same answer
		got, err := idx.Select(used, nil)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprint(want), fmt.Sprint(got), "disclosable %v used %v", disclosable, used)
	}
}

func TestDisclosureIndexMatchesScan(t *testing.T) {
	for name, tc := range map[string]struct {
		d []vocab.ClaimPath
		u [][]any
	}{
		"parents_and_children": {[]vocab.ClaimPath{{"address"}, {"address", "street"}, {"name"}, {"nat", nil}}, [][]any{{"address"}, {"nat", 1}}},
		"null_matches_index":   {[]vocab.ClaimPath{{"a", nil, "x"}, {"a", 2, "x"}, {"a", 3}}, [][]any{{"a", 2, "x"}}},
		"float_index":          {[]vocab.ClaimPath{{"a", 1.0}, {"a", 1.5}}, [][]any{{"a", 1}}},
		"odd_components":       {[]vocab.ClaimPath{{"a", true}, {"a", int64(1)}, {"b"}}, [][]any{{"a"}}},
		"duplicates":           {[]vocab.ClaimPath{{"a"}, {"a"}, {"a", 0}}, [][]any{{"a", 0}, {"a", 0}}},
		"empty_path":           {[]vocab.ClaimPath{{}, {"a"}}, [][]any{{"b"}}},
		"used_root":            {[]vocab.ClaimPath{{"a"}, {"b", 0}}, [][]any{{}}},
		"nothing_related":      {[]vocab.ClaimPath{{"a"}}, [][]any{{"b", 0}}},
	} {
		t.Run(name, func(t *testing.T) { checkIndexAgainstScan(t, tc.d, tc.u) })
	}
	t.Run("random", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for range 2000 {
			var d []vocab.ClaimPath
			for range r.IntN(12) {
				d = append(d, randomPath(r, false))
			}
			var u [][]any
			for range r.IntN(6) {
				u = append(u, randomPath(r, true))
			}
			checkIndexAgainstScan(t, d, u)
		}
	})
}

// TestDisclosuresLinear: 24,000 disclosable paths against 24,000 used
// locations cost a number of units linear in the paths (the pairwise scan
// made 288 million comparisons), and a budget below that fails typed.
func TestDisclosuresLinear(t *testing.T) {
	var d []vocab.ClaimPath
	var u [][]any
	for a := range 24 {
		for e := range 1000 {
			d = append(d, vocab.ClaimPath{fmt.Sprintf("a%d", a), e})
			u = append(u, []any{fmt.Sprintf("a%d", a), e})
		}
	}
	pool := NewPool(1 << 40)
	got, err := DisclosuresMeter(d, u, NewMeter(context.Background(), pool))
	require.NoError(t, err)
	require.Equal(t, d, got)
	spent := 1<<40 - pool.left.Load()
	require.Less(t, spent, int64(10*len(d)), "units spent: %d", spent)

	_, err = DisclosuresMeter(d, u, NewMeter(context.Background(), NewPool(int64(len(d)))))
	require.ErrorIs(t, err, ErrBudget)
	require.False(t, errors.Is(err, context.Canceled))
}

func FuzzDisclosureIndex(f *testing.F) {
	f.Add([]byte(`[["a"],["a",null,"b"],["c",0]]`), []byte(`[["a",1,"b"],["c"]]`))
	f.Add([]byte(`[[],["x",1.0]]`), []byte(`[["x",1]]`))
	f.Fuzz(func(t *testing.T, dRaw, uRaw []byte) {
		var d []vocab.ClaimPath
		var u [][]any
		if json.Unmarshal(dRaw, &d) != nil || json.Unmarshal(uRaw, &u) != nil || len(d) > 64 || len(u) > 64 {
			return
		}
		// Locations hold ints, as SelectPointer and JSONPath produce them.
		for _, loc := range u {
			for i, c := range loc {
				if fl, ok := c.(float64); ok && fl >= 0 && fl < 1<<20 && fl == float64(int(fl)) {
					loc[i] = int(fl)
				}
			}
		}
		checkIndexAgainstScan(t, d, u)
	})
}

// FuzzSelectPointerDepthFirst: the depth-first walk agrees with the
// level-by-level processing on every pointer and document.
func FuzzSelectPointerDepthFirst(f *testing.F) {
	f.Add([]byte(`{"a":[{"x":1},{"x":2},3]}`), []byte(`["a",null,"x"]`))
	f.Add([]byte(`{"b":[[1,2],[3]]}`), []byte(`["b",null,null]`))
	f.Add([]byte(`[1,[2]]`), []byte(`[null,0]`))
	f.Fuzz(func(t *testing.T, docRaw, pRaw []byte) {
		var doc any
		var raw []any
		if json.Unmarshal(docRaw, &doc) != nil || json.Unmarshal(pRaw, &raw) != nil {
			return
		}
		p, err := ParsePointer(raw)
		if err != nil {
			return
		}
		checkPointerAgainstBFS(t, doc, p)
	})
}
