package sdjwt

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortDigests checks sortDigests against a plain sort, with digests
// that share their first eight bytes (the tie path) and lengths on both
// sides of the insertion-sort bound.
func TestSortDigests(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, dl := range []int{43, 64, 86} {
		for n := 0; n <= 40; n++ {
			dg := make([]byte, n*dl)
			for i := range dg {
				dg[i] = "AB-_z9"[r.IntN(6)]
			}
			for i := 1; i < n; i += 3 { // same prefix as the previous one
				copy(dg[i*dl:i*dl+8], dg[(i-1)*dl:])
			}
			sd := make([]int32, n)
			for i := range sd {
				sd[i] = int32(i * dl)
			}
			r.Shuffle(n, func(i, j int) { sd[i], sd[j] = sd[j], sd[i] })
			want := slices.Clone(sd)
			slices.SortFunc(want, func(x, y int32) int { return bytes.Compare(dg[x:int(x)+dl], dg[y:int(y)+dl]) })
			sortDigests(sd, dg, dl)
			for i := range sd {
				if !bytes.Equal(dg[sd[i]:int(sd[i])+dl], dg[want[i]:int(want[i])+dl]) {
					t.Fatalf("dl=%d n=%d: order differs at %d", dl, n, i)
				}
			}
		}
	}
}
