package sdjwt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

type benchEnv struct {
	issuer, holder *jose.KeySigner
	holderJWK      map[string]any
	claims         map[string]any
	paths          []vocab.ClaimPath
	verifier       *sdjwt.Verifier
	kb             sdjwt.KeyBinding
	expect         sdjwt.Expect
}

// newBenchEnv: 10 top-level claims and a nested object of 3, all
// selectively disclosable (14 disclosures), ES256 engine keys.
func newBenchEnv(b *testing.B) *benchEnv {
	ctx := context.Background()
	e, err := local.New(local.Options{})
	if err != nil {
		b.Fatal(err)
	}
	mk := func(id string) *jose.KeySigner {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "bench"}, ID: id}
		if _, err := e.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
			b.Fatal(err)
		}
		s, err := jose.NewKeySigner(ctx, e, ref, "")
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	env := &benchEnv{issuer: mk("issuer"), holder: mk("holder")}
	if env.holderJWK, err = crypto.PublicJWK(env.holder.Public()); err != nil {
		b.Fatal(err)
	}
	env.claims = map[string]any{"iss": "https://issuer.example.com", "iat": 1_700_000_000, "exp": 1_900_000_000}
	for i := 0; i < 10; i++ {
		name := "claim_" + strconv.Itoa(i)
		env.claims[name] = "value number " + strconv.Itoa(i)
		env.paths = append(env.paths, vocab.ClaimPath{name})
	}
	env.claims["address"] = map[string]any{"street_address": "123 Main St", "locality": "Anytown", "country": "US"}
	env.paths = append(env.paths, vocab.ClaimPath{"address"}, vocab.ClaimPath{"address", "street_address"},
		vocab.ClaimPath{"address", "locality"}, vocab.ClaimPath{"address", "country"})
	now := time.Unix(1_800_000_000, 0)
	env.expect = sdjwt.Expect{Audience: "https://verifier.example.org", Nonce: "bench-nonce-0123456789"}
	env.kb = sdjwt.KeyBinding{Signer: env.holder, Audience: env.expect.Audience, Nonce: env.expect.Nonce, Now: func() time.Time { return now }}
	env.verifier, err = sdjwt.NewVerifier(sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"dc+sd-jwt"},
		Key: env.issuer.Public(), Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	return env
}

func (env *benchEnv) issue(b *testing.B) *sdjwt.SDJWT {
	sd, err := sdjwt.Issue(context.Background(), env.issuer, env.claims, sdjwt.IssueOptions{Typ: "dc+sd-jwt", Disclosable: env.paths, HolderJWK: env.holderJWK})
	if err != nil {
		b.Fatal(err)
	}
	return sd
}

func BenchmarkIssue(b *testing.B) {
	env := newBenchEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		env.issue(b)
	}
}

func BenchmarkPresentWithKB(b *testing.B) {
	env := newBenchEnv(b)
	sd := env.issue(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sd.Present(ctx, env.paths, &env.kb); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPresentDisclosuresWithKB presents an exact disclosure set (what
// a DCQL or PE evaluation hands to the wallet's presenter).
func BenchmarkPresentDisclosuresWithKB(b *testing.B) {
	env := newBenchEnv(b)
	sd := env.issue(b)
	ctx := context.Background()
	set := []vocab.ClaimPath{{"address"}, {"address", "locality"}, {"claim_1"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sd.PresentDisclosures(ctx, set, &env.kb); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDisclosuresFor converts claims path pointers into the exact
// disclosure set on an already processed SD-JWT.
func BenchmarkDisclosuresFor(b *testing.B) {
	env := newBenchEnv(b)
	pr, err := env.issue(b).Process(sdjwt.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	ptrs := []vocab.ClaimPath{{"address", "locality"}, {"claim_1"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pr.DisclosuresFor(ptrs...); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyWithKB(b *testing.B) {
	env := newBenchEnv(b)
	ctx := context.Background()
	pres, err := env.issue(b).Present(ctx, env.paths, &env.kb)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pres)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.verifier.Verify(ctx, pres, env.expect); err != nil {
			b.Fatal(err)
		}
	}
}

type signed struct {
	pub   *ecdsa.PublicKey
	input []byte
	r, s  *big.Int
}

// floorInputs extracts the two signatures of a presentation for the raw
// crypto/ecdsa floor.
func floorInputs(b *testing.B, env *benchEnv, pres string) []signed {
	split := func(jwt string, pub any) signed {
		b.Helper()
		i := strings.LastIndexByte(jwt, '.')
		sig, err := jose.Parse(jwt, jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, AllowAnyTyp: true, MaxSize: 1 << 20})
		if err != nil {
			b.Fatal(err)
		}
		return signed{pub.(*ecdsa.PublicKey), []byte(jwt[:i]), new(big.Int).SetBytes(sig.Signature[:32]), new(big.Int).SetBytes(sig.Signature[32:])}
	}
	parts := strings.Split(pres, "~")
	return []signed{split(parts[0], env.issuer.Public()), split(parts[len(parts)-1], env.holder.Public())}
}

func floor(b *testing.B, sigs []signed) {
	for _, s := range sigs {
		h := sha256.Sum256(s.input)
		if !ecdsa.Verify(s.pub, h[:], s.r, s.s) {
			b.Fatal("verify failed")
		}
	}
}

// BenchmarkFloorTwoES256Verifies is the raw cost of the signatures a
// verify-with-KB must check: SHA-256 over the same two signing inputs and
// two crypto/ecdsa verifications, nothing else.
func BenchmarkFloorTwoES256Verifies(b *testing.B) {
	env := newBenchEnv(b)
	pres, err := env.issue(b).Present(context.Background(), env.paths, &env.kb)
	if err != nil {
		b.Fatal(err)
	}
	sigs := floorInputs(b, env, pres)
	b.ReportAllocs()
	for b.Loop() {
		floor(b, sigs)
	}
}

// BenchmarkVerifyWithKBVsFloor interleaves one verify-with-KB and one floor
// (two raw ES256 verifies) per iteration and reports their time ratio as
// "x-floor", which stays meaningful on a loaded machine where absolute
// figures drift between separate benchmarks; "x-floor-cpu" is the same
// ratio of the thread's CPU time (on Linux), which other processes on the
// machine do not inflate.
func BenchmarkVerifyWithKBVsFloor(b *testing.B) {
	env := newBenchEnv(b)
	ctx := context.Background()
	pres, err := env.issue(b).Present(ctx, env.paths, &env.kb)
	if err != nil {
		b.Fatal(err)
	}
	sigs := floorInputs(b, env, pres)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var tv, tf, cv, cf time.Duration
	for b.Loop() {
		t0, c0 := time.Now(), threadCPU()
		if _, err := env.verifier.Verify(ctx, pres, env.expect); err != nil {
			b.Fatal(err)
		}
		t1, c1 := time.Now(), threadCPU()
		floor(b, sigs)
		t2, c2 := time.Now(), threadCPU()
		tv += t1.Sub(t0)
		tf += t2.Sub(t1)
		cv += c1 - c0
		cf += c2 - c1
	}
	b.ReportMetric(float64(tv)/float64(tf), "x-floor")
	b.ReportMetric(float64(cv)/float64(cf), "x-floor-cpu")
}

// BenchmarkFloorOneES256Sign is the raw cost of the one signature that
// issuing (and presenting with KB) needs.
func BenchmarkFloorOneES256Sign(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	msg := make([]byte, 1200)
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(msg)
		if _, _, err := ecdsa.Sign(rand.Reader, k, h[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// signingInput returns the JWS signing input of an issued SD-JWT: the
// bytes the one ES256 signature of an issuance covers.
func (env *benchEnv) signingInput(b *testing.B) []byte {
	jwt := env.issue(b).JWT
	return []byte(jwt[:strings.LastIndexByte(jwt, '.')])
}

// BenchmarkFloorES256Sign is the signature issuing pays for, through the
// same signer BenchmarkIssue uses (the crypto/local engine key behind a
// jose.KeySigner: SHA-256 of the signing input and one ECDSA P-256
// signature), over a signing input of the same length.
func BenchmarkFloorES256Sign(b *testing.B) {
	env := newBenchEnv(b)
	msg := env.signingInput(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.issuer.SignMessage(ctx, msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssueVsFloor interleaves one issuance, one signature through
// the issuer's KeySigner (BenchmarkFloorES256Sign) and one raw crypto/ecdsa
// signature (BenchmarkFloorOneES256Sign) per iteration, over signing inputs
// of the same length, and reports the issuance time as multiples of each:
// "x-floor" (the signer) and "x-raw" (crypto/ecdsa alone), in wall time and
// (-cpu) in the thread's CPU time.
func BenchmarkIssueVsFloor(b *testing.B) {
	env := newBenchEnv(b)
	msg := env.signingInput(b)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ctx := context.Background()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ti, tf, tr, ci, cf, cr time.Duration
	for b.Loop() {
		t0, c0 := time.Now(), threadCPU()
		env.issue(b)
		t1, c1 := time.Now(), threadCPU()
		if _, err := env.issuer.SignMessage(ctx, msg); err != nil {
			b.Fatal(err)
		}
		t2, c2 := time.Now(), threadCPU()
		h := sha256.Sum256(msg)
		if _, err := ecdsa.SignASN1(rand.Reader, k, h[:]); err != nil {
			b.Fatal(err)
		}
		t3, c3 := time.Now(), threadCPU()
		ti += t1.Sub(t0)
		tf += t2.Sub(t1)
		tr += t3.Sub(t2)
		ci += c1 - c0
		cf += c2 - c1
		cr += c3 - c2
	}
	b.ReportMetric(float64(ti)/float64(tf), "x-floor")
	b.ReportMetric(float64(ti)/float64(tr), "x-raw")
	b.ReportMetric(float64(ci)/float64(cf), "x-floor-cpu")
	b.ReportMetric(float64(ci)/float64(cr), "x-raw-cpu")
}
