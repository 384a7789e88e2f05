package sdjwt

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/ocmw/wstack/vocab"
)

// fuzzFixture is a fixed issuer/holder pair and a valid presentation.
type fuzzFixture struct {
	env  *testEnv
	sd   *SDJWT
	pres string
	vOpt *Verifier
	vReq *Verifier
}

var (
	fixtureOnce sync.Once
	fixture     *fuzzFixture
)

func getFixture(t testing.TB) *fuzzFixture {
	fixtureOnce.Do(func() {
		ctx := context.Background()
		env := newEnv(t)
		claims, frame := nestedClaims()
		sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame, HolderJWK: env.holderJWK, Decoys: 2})
		if err != nil {
			t.Fatal(err)
		}
		pres, err := sd.Present(ctx, []vocab.ClaimPath{{"address", "street_address"}, {"nationalities", 1}}, env.kb())
		if err != nil {
			t.Fatal(err)
		}
		fixture = &fuzzFixture{env: env, sd: sd, pres: pres, vOpt: env.verifier(t, KeyBindingOptional), vReq: env.verifier(t, KeyBindingRequired)}
	})
	return fixture
}

func seedRFC(f *testing.F) {
	for _, n := range []string{"sec5_1_issuance.txt", "sec5_2_presentation.txt", "sec8_2_flattened_kb.json", "sec8_3_general_kb.json"} {
		if b, err := os.ReadFile("testdata/rfc9901/" + n); err == nil {
			f.Add(strings.TrimSpace(string(b)))
		}
	}
}

func checkProcessedInvariants(t *testing.T, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "_sd" || k == "..." || k == "_sd_alg" {
				t.Fatalf("reserved member %q survived processing", k)
			}
			checkProcessedInvariants(t, e)
		}
	case []any:
		for _, e := range x {
			checkProcessedInvariants(t, e)
		}
	}
}

// FuzzParse: Parse and Process never panic, errors are sentinels, and
// processed output holds no reserved members.
func FuzzParse(f *testing.F) {
	seedRFC(f)
	f.Add("a.b.c~")
	f.Add("~~~~")
	f.Add(`{"payload":"e30","signatures":[{"signature":"AA"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		sd, err := Parse(s, Limits{})
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("non-sentinel error %v", err)
			}
			return
		}
		pr, err := sd.Process(Limits{})
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("non-sentinel error %v", err)
			}
			return
		}
		checkProcessedInvariants(t, pr.Claims)
		if len(pr.Paths) != len(sd.Disclosures) {
			t.Fatal("path count mismatch")
		}
	})
}

// FuzzVerify (security note fuzz #3): with a fixed issuer key, an accepted
// presentation references each disclosure exactly once, leaves no reserved
// member, and verifies to the same claims with its disclosures reversed.
func FuzzVerify(f *testing.F) {
	fx := getFixture(f)
	f.Add(fx.pres)
	f.Add(fx.sd.String())
	seedRFC(f)
	f.Fuzz(func(t *testing.T, s string) {
		ctx := context.Background()
		res, err := fx.vOpt.Verify(ctx, s, Expect{})
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("non-sentinel error %v", err)
			}
			return
		}
		checkProcessedInvariants(t, res.Claims)
		if len(res.Disclosed) != len(res.SDJWT.Disclosures) {
			t.Fatal("a disclosure was not placed exactly once")
		}
		rev := &SDJWT{JWT: res.SDJWT.JWT}
		for i := len(res.SDJWT.Disclosures) - 1; i >= 0; i-- {
			rev.Disclosures = append(rev.Disclosures, res.SDJWT.Disclosures[i])
		}
		res2, err := fx.vOpt.Verify(ctx, rev.String(), Expect{})
		if err != nil {
			t.Fatalf("reversed disclosures rejected: %v", err)
		}
		if !equalJSON(res.Claims, res2.Claims) {
			t.Fatal("result depends on disclosure order")
		}
	})
}

// FuzzKeyBinding (security note fuzz #4): any change to a valid SD-JWT+KB
// is rejected under a key-binding-required policy.
func FuzzKeyBinding(f *testing.F) {
	fx := getFixture(f)
	f.Add(0, byte(1))
	f.Add(len(fx.pres)-1, byte(0x20))
	f.Add(strings.Index(fx.pres, "~"), byte('x'))
	f.Fuzz(func(t *testing.T, pos int, b byte) {
		if pos < 0 || pos >= len(fx.pres) || b == 0 {
			return
		}
		buf := []byte(fx.pres)
		buf[pos] ^= b
		if _, err := fx.vReq.Verify(context.Background(), string(buf), testExpect); err == nil {
			t.Fatalf("modified presentation accepted (pos %d xor %#x)", pos, b)
		} else if !isSentinel(err) {
			t.Fatalf("non-sentinel error %v", err)
		}
	})
}
