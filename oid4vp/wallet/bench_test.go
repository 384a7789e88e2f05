package wallet_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// benchSetup serves a static direct_post.jwt Request Object asking for two
// credentials (the PID with a nested claim and the employee credential).
func benchSetup(b *testing.B) (*testEnv, *evil) {
	e := newTestEnv(b)
	ev := newEvil(e)
	c, _ := encClaims(b, ev, []string{"A128GCM"})
	var q any
	require.NoError(b, json.Unmarshal([]byte(twoQuery), &q))
	c["dcql_query"] = q
	ev.serveObject(ev.sign(e.didSigner, ev.didHeader(), c))
	return e, ev
}

// BenchmarkPresent: resolve (HTTPS fetch, signature, did:key, checks) +
// select (DCQL) + build (two SD-JWT+KB) + encrypt (ECDH-ES) + post.
func BenchmarkPresent(b *testing.B) {
	e, ev := benchSetup(b)
	w := e.wallet(nil)
	link := ev.link(ev.didClientID())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Present(e.ctx, link); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSelectBuild: select + build for a resolved request, no I/O.
func BenchmarkSelectBuild(b *testing.B) {
	e, ev := benchSetup(b)
	w := e.wallet(nil)
	req, err := w.Resolve(e.ctx, ev.link(ev.didClientID()))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		sel, err := w.Select(e.ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.BuildVPToken(e.ctx, req, sel); err != nil {
			b.Fatal(err)
		}
	}
}
