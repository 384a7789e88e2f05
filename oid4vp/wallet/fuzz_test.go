package wallet_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation"
)

// FuzzResolve feeds links to Resolve: plain parameters, a Request Object by
// value (request=), request_uri (the fetcher refuses every host, so nothing
// leaves the process). A request that resolves must be authenticated and
// complete.
func FuzzResolve(f *testing.F) {
	ctx := context.Background()
	engine, err := local.New(local.Options{})
	if err != nil {
		f.Fatal(err)
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "v", Group: "g"}, ID: "k"}
	if _, err := engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		f.Fatal(err)
	}
	signer, vdid, err := did.NewKeyDIDSigner(ctx, engine, ref, crypto.ES256)
	if err != nil {
		f.Fatal(err)
	}
	hkey, err := jose.NewKeySigner(ctx, engine, ref, crypto.ES256)
	if err != nil {
		f.Fatal(err)
	}
	holder, err := presentation.NewHolder(presentation.HolderConfig{Signer: hkey})
	if err != nil {
		f.Fatal(err)
	}
	blocked := fetch.New(fetch.Options{HostAllowed: func(string) error { return errors.New("fuzz: no network") }})
	w, err := wallet.New(wallet.Config{Holder: holder, Credentials: wallet.StaticCredentials(nil), Fetcher: blocked,
		DIDs: did.NewDefaultRegistry(blocked, did.WebOptions{}), TransactionDataTypes: []string{"payment"}})
	if err != nil {
		f.Fatal(err)
	}
	cid := "decentralized_identifier:" + vdid
	var q any
	_ = json.Unmarshal([]byte(pidQuery), &q)
	claims := map[string]any{"client_id": cid, "response_type": "vp_token", "response_mode": "direct_post",
		"response_uri": "https://verifier.example.com/response", "nonce": "n-0123456789", "state": "s",
		"dcql_query": q, "exp": time.Now().Add(24 * time.Hour).Unix()}
	tok, err := jose.SignJWT(ctx, signer, map[string]any{"typ": oid4vp.TypRequestObject}, claims)
	if err != nil {
		f.Fatal(err)
	}
	byValue := "openid4vp://?" + url.Values{"client_id": {cid}, "request": {tok}}.Encode()
	if _, err := w.Resolve(ctx, byValue); err != nil {
		f.Fatalf("the by-value seed must resolve: %v", err)
	}
	f.Add(byValue)
	f.Add("openid4vp://?" + url.Values{"client_id": {cid}, "request_uri": {"https://verifier.example.com/r"}, "request_uri_method": {"post"}}.Encode())
	f.Add("openid4vp://?" + url.Values{"client_id": {"redirect_uri:https://v.example.com/cb"}, "response_type": {"vp_token"},
		"response_mode": {"direct_post"}, "response_uri": {"https://v.example.com/cb"}, "nonce": {"abc"}, "dcql_query": {pidQuery}}.Encode())
	f.Add("haip-vp://?client_id=x509_san_dns:example.com&request_uri=https://example.com/r")
	f.Add("https://wallet.example.com/authorize?client_id=a&request=a.b.c")
	f.Fuzz(func(t *testing.T, link string) {
		req, err := w.Resolve(ctx, link)
		if err != nil {
			if req != nil {
				t.Fatal("request with error")
			}
			return
		}
		if req.Params.Nonce == "" || req.ClientID.IsZero() || req.Params.DCQLQuery == nil {
			t.Fatalf("incomplete request resolved: %+v", req.Params)
		}
		if req.ClientID.MustSign() && !req.Signed {
			t.Fatal("unsigned request for a signing prefix")
		}
		if req.Signed && req.Params.ClientID != req.ClientID.String() {
			t.Fatal("client_id differs from the link's")
		}
	})
}
