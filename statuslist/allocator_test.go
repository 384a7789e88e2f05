package statuslist

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
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

func TestAllocationURIAndClaims(t *testing.T) {
	ctx := context.Background()
	uri := func(tenant, list string) string { return "https://status.example/" + tenant + "/" + list }
	alloc := NewAllocator(NewMemory(), WithListURI(uri))
	a, err := alloc.Allocate(ctx, "acme", "p", ListConfig{Format: FormatIETF, Bits: 1})
	if err != nil {
		t.Fatal(err)
	}
	if a.URI != uri("acme", a.ListID) {
		t.Fatalf("URI %q", a.URI)
	}
	claim, err := NewStatusListClaim(a)
	if err != nil {
		t.Fatal(err)
	}
	sl := claim["status_list"].(map[string]any)
	if sl["idx"] != a.Index || sl["uri"] != a.URI {
		t.Fatalf("claim %v", claim)
	}
	w, err := alloc.Allocate(ctx, "acme", "w3c", ListConfig{Format: FormatBitstring, Bits: 1, Purpose: "revocation"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewBitstringEntry(w, "", nil)
	if err != nil || e.StatusListCredential != w.URI {
		t.Fatalf("entry %+v: %v", e, err)
	}
	if _, err := NewStatusListClaim(w); !errors.Is(err, ErrConfig) {
		t.Fatalf("W3C allocation as IETF claim: %v", err)
	}
	bare, err := NewAllocator(NewMemory()).Allocate(ctx, "acme", "p", ListConfig{Format: FormatIETF, Bits: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewStatusListClaim(bare); !errors.Is(err, ErrConfig) {
		t.Fatalf("claim without URI: %v", err)
	}
}

func TestTrustedKeysResolver(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	tk := jose.NewTrustedKeys()
	if err := tk.Add("https://issuer.example", "k1", pub); err != nil {
		t.Fatal(err)
	}
	r := TrustedKeys(tk)
	ctx := context.Background()
	if k, err := r.ResolveStatusListKey(ctx, KeyHint{Format: "jwt", Issuer: "https://issuer.example", KeyID: "k1", Alg: crypto.EdDSA}); err != nil || k == nil {
		t.Fatalf("configured key: %v", err)
	}
	for name, h := range map[string]KeyHint{
		"other issuer":    {Format: "jwt", Issuer: "https://evil.example", KeyID: "k1", Alg: crypto.EdDSA},
		"unknown kid":     {Format: "jwt", Issuer: "https://issuer.example", KeyID: "k2", Alg: crypto.EdDSA},
		"wrong algorithm": {Format: "jwt", Issuer: "https://issuer.example", KeyID: "k1", Alg: crypto.ES256},
	} {
		if _, err := r.ResolveStatusListKey(ctx, h); !errors.Is(err, jose.ErrUntrustedKey) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
