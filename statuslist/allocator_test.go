package statuslist

import (
	"bytes"
	"testing"
)

func TestPermutationIsBijection(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 7, 16, 100, 1000, 4097, 10007} {
		key := bytes.Repeat([]byte{byte(n)}, 32)
		p := newPermutation(key, n)
		seen := make([]bool, n)
		inOrder := 0
		for s := uint64(0); s < n; s++ {
			i := p.Forward(s)
			if i >= n || seen[i] {
				t.Fatalf("n=%d: seq %d → %d (dup or out of range)", n, s, i)
			}
			seen[i] = true
			if i == s {
				inOrder++
			}
			if back := p.Inverse(i); back != s {
				t.Fatalf("n=%d: inverse(%d)=%d want %d", n, i, back, s)
			}
		}
		if n >= 1000 && inOrder > int(n/100) {
			t.Fatalf("n=%d: %d fixed points, not a shuffle", n, inOrder)
		}
	}
	// Different keys give different orders.
	a, b := newPermutation(make([]byte, 32), 1<<20), newPermutation(bytes.Repeat([]byte{1}, 32), 1<<20)
	same := 0
	for s := uint64(0); s < 64; s++ {
		if a.Forward(s) == b.Forward(s) {
			same++
		}
	}
	if same > 2 {
		t.Fatalf("%d of 64 equal under different keys", same)
	}
}
