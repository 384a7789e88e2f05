package sdjwt

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/ocmw/wstack/vocab"
	"github.com/stretchr/testify/require"
)

// frameClaims has members whose names exercise the sorted member walk
// (upper case before lower case, shared prefixes, non-ASCII, more members
// than frameIndexAt in one object) and nested objects and arrays.
func frameClaims() map[string]any {
	big := map[string]any{}
	for i := 0; i < frameIndexAt+4; i++ {
		big["m"+strconv.Itoa(i)] = float64(i)
	}
	return map[string]any{
		"iss": "https://issuer.example.com",
		"B":   "upper", "a": "lower", "a_b": "prefix", "ab": "prefix2", "é": "non-ascii", "z": "last",
		"address":       map[string]any{"street_address": "Main St 1", "locality": "Köln", "country": "DE"},
		"nationalities": []any{"DE", "FR", "IT"},
		"big":           big,
	}
}

// disclosedPaths issues claims with paths and returns the paths the
// holder's SD-JWT discloses, after checking that processing restores the
// claims.
func disclosedPaths(t *testing.T, env *testEnv, claims map[string]any, paths []vocab.ClaimPath) []vocab.ClaimPath {
	t.Helper()
	sd, err := Issue(context.Background(), env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: paths})
	require.NoError(t, err)
	pr, err := sd.Process(Limits{})
	require.NoError(t, err)
	require.Equal(t, claims, pr.Claims)
	return pr.Paths
}

func TestIssueFrameCache(t *testing.T) {
	env := newEnv(t)
	claims := frameClaims()
	p := func(c ...any) vocab.ClaimPath { return vocab.ClaimPath(c) }
	// One slice, changed in place between calls: the cached frame must
	// follow the contents, not the slice.
	paths := []vocab.ClaimPath{p("B"), p("é"), p("address", "locality")}
	require.ElementsMatch(t, paths, disclosedPaths(t, env, claims, paths))
	require.ElementsMatch(t, paths, disclosedPaths(t, env, claims, paths))
	paths[0][0] = "a"
	require.ElementsMatch(t, []vocab.ClaimPath{p("a"), p("é"), p("address", "locality")}, disclosedPaths(t, env, claims, paths))
	paths[2] = p("address", "country")
	require.ElementsMatch(t, []vocab.ClaimPath{p("a"), p("é"), p("address", "country")}, disclosedPaths(t, env, claims, paths))
	paths = paths[:2]
	require.ElementsMatch(t, []vocab.ClaimPath{p("a"), p("é")}, disclosedPaths(t, env, claims, paths))

	for i, c := range []struct{ paths, want []vocab.ClaimPath }{
		{[]vocab.ClaimPath{p("a_b"), p("ab"), p("z")}, nil},
		{[]vocab.ClaimPath{p("nationalities", 1)}, nil},
		{[]vocab.ClaimPath{p("nationalities", 2)}, nil},
		{[]vocab.ClaimPath{p("nationalities", float64(2))}, []vocab.ClaimPath{p("nationalities", 2)}},
		{[]vocab.ClaimPath{p("nationalities", float64(2))}, []vocab.ClaimPath{p("nationalities", 2)}},
		{[]vocab.ClaimPath{p("nationalities", nil)}, []vocab.ClaimPath{p("nationalities", 0), p("nationalities", 1), p("nationalities", 2)}},
		{[]vocab.ClaimPath{p("big", "m3"), p("big", "m19"), p("big")}, nil},
		{[]vocab.ClaimPath{p("big", "m3"), p("big", "m19")}, nil},
		{[]vocab.ClaimPath{p("address"), p("address", "street_address"), p("B")}, nil},
		{[]vocab.ClaimPath{p("address", "street_address"), p("address"), p("B")}, nil},
	} {
		want := c.want
		if want == nil {
			want = c.paths
		}
		require.ElementsMatch(t, want, disclosedPaths(t, env, claims, c.paths), "case %d", i)
	}

	// A refused set of paths leaves nothing cached that a later call could
	// pick up.
	_, err := Issue(context.Background(), env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: []vocab.ClaimPath{p("nosuch")}})
	require.ErrorIs(t, err, ErrPathNotFound)
	_, err = Issue(context.Background(), env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: []vocab.ClaimPath{p("a", true)}})
	require.ErrorIs(t, err, ErrOptions)
	require.ElementsMatch(t, []vocab.ClaimPath{p("z")}, disclosedPaths(t, env, claims, []vocab.ClaimPath{p("z")}))
}

func TestSameFrame(t *testing.T) {
	p := func(c ...any) vocab.ClaimPath { return vocab.ClaimPath(c) }
	a := []vocab.ClaimPath{p("x", 1, nil), p("y")}
	require.True(t, sameFrame(a, []vocab.ClaimPath{p("x", 1, nil), p("y")}))
	for _, b := range [][]vocab.ClaimPath{
		{p("x", 1, nil)},
		{p("x", 1, nil), p("y"), p("z")},
		{p("x", 1), p("y")},
		{p("x", 2, nil), p("y")},
		{p("x", "1", nil), p("y")},
		{p("x", 1, 0), p("y")},
		{p("x", float64(1), nil), p("y")},
		{p("x", 1, nil), p("Y")},
	} {
		require.False(t, sameFrame(a, b), "%v", b)
		require.False(t, sameFrame(b, a), "%v", b)
	}
	// Components no frame is cached for never compare equal.
	require.False(t, sameFrame([]vocab.ClaimPath{p(true)}, []vocab.ClaimPath{p(true)}))
}

// TestIssueFrameCacheConcurrent: goroutines issuing with their own paths
// share the pool of issuers (and their cached frames).
func TestIssueFrameCacheConcurrent(t *testing.T) {
	env := newEnv(t)
	claims := frameClaims()
	names := []string{"B", "a", "a_b", "ab", "é", "z"}
	var wg sync.WaitGroup
	errs := make(chan error, len(names))
	for g, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths := []vocab.ClaimPath{{name}, {"nationalities", g % 3}, {"big", "m" + strconv.Itoa(g)}}
			for i := 0; i < 30; i++ {
				sd, err := Issue(context.Background(), env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: paths})
				if err != nil {
					errs <- err
					return
				}
				pr, err := sd.Process(Limits{})
				if err != nil {
					errs <- err
					return
				}
				got := slices.Clone(pr.Paths)
				if len(got) != len(paths) {
					errs <- fmt.Errorf("goroutine %d: disclosed %v, want %v", g, got, paths)
					return
				}
				for _, w := range paths {
					if !slices.ContainsFunc(got, func(p vocab.ClaimPath) bool { return slices.Equal(p, w) }) {
						errs <- fmt.Errorf("goroutine %d: disclosed %v, want %v", g, got, paths)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
