package w3c_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/presentation/w3c"
)

func TestJWKSFetcher(t *testing.T) {
	ctx := context.Background()
	iss, hol := newFixture(t)
	jwk := iss.JWK()
	jwk["kid"] = "k1"
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/jwks":
			w.Header().Set("Content-Type", "application/jwk-set+json")
			_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{jwk}})
		case "/dup":
			fmt.Fprint(w, `{"keys":[],"keys":[{"kty":"EC"}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	const issuer = "https://issuer.example.com"
	src := &w3c.JWKSFetcher{
		Fetcher: fetch.New(fetch.Options{AllowLoopback: true}),
		URI: func(i string) (string, error) {
			if i != issuer {
				return "", fmt.Errorf("unknown issuer %q", i)
			}
			return srv.URL + "/jwks", nil
		},
	}
	tok, err := w3c.SignCredentialJWT(ctx, iss.Signer, v1Credential(issuer, hol.DID), w3c.SignOptions{Now: now, Header: map[string]any{"kid": "k1"}})
	require.NoError(t, err)
	o := w3c.VerifyOptions{Resolver: &w3c.IssuerKeys{JWKS: src}, Now: clock}
	for range 3 {
		_, err = w3c.VerifyCredentialJWT(ctx, tok, o)
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, hits.Load(), "the key set is cached")

	bad := *src
	bad.URI = func(string) (string, error) { return srv.URL + "/dup", nil }
	_, err = w3c.VerifyCredentialJWT(ctx, tok, w3c.VerifyOptions{Resolver: &w3c.IssuerKeys{JWKS: &bad}, Now: clock})
	require.ErrorIs(t, err, w3c.ErrKeyResolution)
	bad.URI = func(string) (string, error) { return srv.URL + "/missing", nil }
	_, err = w3c.VerifyCredentialJWT(ctx, tok, w3c.VerifyOptions{Resolver: &w3c.IssuerKeys{JWKS: &bad}, Now: clock})
	require.ErrorIs(t, err, w3c.ErrKeyResolution)
}
