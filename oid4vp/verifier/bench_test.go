package verifier_test

import (
	"crypto/ecdh"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
)

// BenchmarkVerifyResponse measures HandleResponse on a direct_post.jwt
// response holding two SD-JWT VC presentations with KB-JWT (decrypt,
// 2 issuer + 2 KB signature verifications, status from a warm
// statuslist.Checker, DCQL re-check, store updates),
// against the floor: the same JWE decrypted and the same four ES256
// signatures verified, in the same run.
func BenchmarkVerifyResponse(b *testing.B) {
	// Both credentials carry status list entries; the checker is warm
	// after the first response.
	e, v := newEnv(b, envOptions{status: true})
	type prepared struct {
		id   string
		form url.Values
	}
	prepare := func() prepared {
		f := e.start(v, twoQuery, oid4vp.ResponseModeDirectPostJWT)
		return prepared{f.tx.ID, e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{})}
	}
	b.Run("verifier", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			p := prepare()
			b.StartTimer()
			if _, err := v.HandleResponse(e.ctx, "acme", p.id, p.form); err != nil {
				b.Fatal(err)
			}
		}
	})
	floor := func() func() {
		// One response and its key, kept for the floor.
		f := e.start(v, twoQuery, oid4vp.ResponseModeDirectPostJWT)
		tok := e.present(f.claims, presentOptions{})
		rec, err := e.store.Get(e.ctx, f.tx.ID)
		if err != nil {
			b.Fatal(err)
		}
		key, err := ecdh.P256().NewPrivateKey(rec.EncryptionKey)
		if err != nil {
			b.Fatal(err)
		}
		jwe := e.responseForm(f.claims, tok, postOptions{}).Get("response")
		var jwts []string
		var keys []any
		for _, id := range []string{"pid", "employee"} {
			parts := strings.Split(tok[id][0].(string), "~")
			jwts = append(jwts, parts[0], parts[len(parts)-1])
			keys = append(keys, e.issuer.Public(), e.holder.Public())
		}
		typs := []string{"dc+sd-jwt", "kb+jwt"}
		return func() {
			if _, _, err := jose.Decrypt(jwe, key, jose.DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A128GCM"}}); err != nil {
				b.Fatal(err)
			}
			for i, j := range jwts {
				if _, err := jose.Verify(e.ctx, j, jose.VerifyOptions{Key: keys[i],
					ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{typs[i%2]}}}); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("floor", func(b *testing.B) {
		run := floor()
		for b.Loop() {
			run()
		}
	})
	// Interleaved: each iteration times one verification and one floor
	// run back to back, so that the shared machine's load affects both
	// alike; reports the ratio of the sums.
	b.Run("interleaved", func(b *testing.B) {
		run := floor()
		var wv, wf time.Duration
		for b.Loop() {
			b.StopTimer()
			p := prepare()
			b.StartTimer()
			w0 := time.Now()
			if _, err := v.HandleResponse(e.ctx, "acme", p.id, p.form); err != nil {
				b.Fatal(err)
			}
			w1 := time.Now()
			run()
			wf += time.Since(w1)
			wv += w1.Sub(w0)
		}
		b.ReportMetric(float64(wv)/float64(wf), "wall-verify/floor")
		b.ReportMetric(float64(wv)/float64(b.N), "wall-verify-ns/op")
		b.ReportMetric(float64(wf)/float64(b.N), "wall-floor-ns/op")
	})
}

// BenchmarkCreate measures creating a transaction: randomness, the
// ephemeral ECDH key, the request's own checks, signing the Request Object
// through the key engine, and the store write.
func BenchmarkCreate(b *testing.B) {
	e, v := newEnv(b, envOptions{})
	q := mustQuery(b, twoQuery)
	for _, mode := range []oid4vp.ResponseMode{oid4vp.ResponseModeDirectPostJWT, oid4vp.ResponseModeDirectPost} {
		b.Run(string(mode), func(b *testing.B) {
			for b.Loop() {
				if _, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: q, ResponseMode: mode}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
