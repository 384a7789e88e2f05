package issuer_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// TestClientAttestation: with attestation-based client authentication
// required (HAIP), the token endpoint accepts a wallet provider's
// attestation plus a PoP by the attested instance key, takes client_id
// from its sub, and rejects every broken variant without burning the code.
func TestClientAttestation(t *testing.T) {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	must(t, err)
	mk := func(id string) *jose.KeySigner {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "wp"}, ID: id}
		_, err := eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256, KID: id})
		must(t, err)
		s, err := jose.NewKeySigner(ctx, eng, ref, crypto.ES256)
		must(t, err)
		return s
	}
	provider, rogue, instance, other := mk("wp-1"), mk("wp-1x"), mk("inst"), mk("other")
	trusted := jose.NewTrustedKeys()
	must(t, trusted.Add("https://wallet-provider.example", "wp-1", provider.Public()))
	e := newEnv(t, func(c *issuer.Config) {
		c.ClientAttestation = &issuer.ClientAttestationConfig{Providers: trusted, Required: true}
	})
	w := e.wallet(0)
	w.clientID = ""
	instJWK, _ := crypto.PublicJWK(instance.Public())
	attestation := func(s *jose.KeySigner, mod func(c map[string]any)) string {
		c := map[string]any{"iss": "https://wallet-provider.example", "sub": "wallet-app", "iat": e.clock.Now().Unix(),
			"exp": e.clock.Now().Add(time.Hour).Unix(), "cnf": map[string]any{"jwk": instJWK}}
		if mod != nil {
			mod(c)
		}
		tok, err := jose.SignJWT(ctx, s, map[string]any{"typ": issuer.ClientAttestationType}, c)
		must(t, err)
		return tok
	}
	pop := func(s *jose.KeySigner, mod func(c map[string]any)) string {
		c := map[string]any{"iss": "wallet-app", "aud": e.id, "jti": rand.Text(), "iat": e.clock.Now().Unix()}
		if mod != nil {
			mod(c)
		}
		tok, err := jose.SignJWT(ctx, s, map[string]any{"typ": issuer.ClientAttestationPoPType}, c)
		must(t, err)
		return tok
	}
	offer := mustOffer(w)
	code := offer.Grants.PreAuthorizedCode.PreAuthorizedCode
	send := func(att, p string, form map[string]string) *response {
		f := w.preAuthForm(code, "")
		for k, v := range form {
			f.Set(k, v)
		}
		req := mustReq(http.NewRequest(http.MethodPost, e.id+"/token", strings.NewReader(f.Encode())))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if att != "" {
			req.Header.Set(issuer.HeaderClientAttestation, att)
		}
		if p != "" {
			req.Header.Set(issuer.HeaderClientAttestationPoP, p)
		}
		return w.do(req)
	}
	replayedPoP := pop(instance, nil)
	for _, tc := range []struct {
		name, att, pop string
		form           map[string]string
	}{
		{"no attestation", "", "", nil},
		{"attestation without PoP", attestation(provider, nil), "", nil},
		{"untrusted provider", attestation(rogue, nil), pop(instance, nil), nil},
		{"expired attestation", attestation(provider, func(c map[string]any) { c["exp"] = e.clock.Now().Add(-time.Hour).Unix() }), pop(instance, nil), nil},
		{"attestation without cnf", attestation(provider, func(c map[string]any) { delete(c, "cnf") }), pop(instance, nil), nil},
		{"PoP by another key", attestation(provider, nil), pop(other, nil), nil},
		{"PoP for another audience", attestation(provider, nil), pop(instance, func(c map[string]any) { c["aud"] = "https://evil.example" }), nil},
		{"PoP of another client", attestation(provider, nil), pop(instance, func(c map[string]any) { c["iss"] = "other-app" }), nil},
		{"stale PoP", attestation(provider, nil), pop(instance, func(c map[string]any) { c["iat"] = e.clock.Now().Add(-time.Hour).Unix() }), nil},
		{"PoP without jti", attestation(provider, nil), pop(instance, func(c map[string]any) { delete(c, "jti") }), nil},
		{"client_id differs from sub", attestation(provider, nil), pop(instance, nil), map[string]string{"client_id": "someone-else"}},
		{"typ swapped", pop(instance, nil), attestation(provider, nil), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := send(tc.att, tc.pop, tc.form)
			if r.errCode() != "invalid_client" {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
	r := send(attestation(provider, nil), replayedPoP, nil)
	if r.status != 200 {
		t.Fatalf("valid attestation: %d %s", r.status, r.body)
	}
	tr, err := oid4vci.Parser{}.TokenResponse(r.body)
	must(t, err)
	_, claims := decodeJWT(t, tr.AccessToken)
	if claims["client_id"] != "wallet-app" {
		t.Fatalf("client_id %v", claims["client_id"])
	}
	offer2 := mustOffer(w)
	code = offer2.Grants.PreAuthorizedCode.PreAuthorizedCode
	if r := send(attestation(provider, nil), replayedPoP, nil); r.errCode() != "invalid_client" {
		t.Fatalf("replayed PoP: %d %s", r.status, r.body)
	}
}
