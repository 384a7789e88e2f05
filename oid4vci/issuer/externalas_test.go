package issuer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

type staticJWKS map[string][]map[string]any

func (s staticJWKS) IssuerJWKS(_ context.Context, iss string) ([]map[string]any, error) {
	if k, ok := s[iss]; ok {
		return k, nil
	}
	return nil, errors.New("unknown issuer")
}

// TestExternalAuthorizationServer: JWT access tokens (RFC 9068) of a
// configured external AS are accepted for the configurations their scope or
// authorization_details grant; the Grant callback supplies the claims data.
func TestExternalAuthorizationServer(t *testing.T) {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	must(t, err)
	mk := func(id string) *jose.KeySigner {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "as"}, ID: id}
		_, err := eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256, KID: id})
		must(t, err)
		s, err := jose.NewKeySigner(ctx, eng, ref, crypto.ES256)
		must(t, err)
		return s
	}
	asKey := mk("as-1")
	jwk, _ := asKey.JWK()
	var seen *issuer.ExternalToken
	e := newEnv(t, func(c *issuer.Config) {
		c.AuthorizationServers = []issuer.AuthorizationServer{{
			Issuer: "https://as.example", JWKS: staticJWKS{"https://as.example": {jwk}},
			Grant: func(_ context.Context, tok *issuer.ExternalToken) (*issuer.ExternalGrant, error) {
				seen = tok
				return &issuer.ExternalGrant{Subject: tok.Subject, Claims: pidClaims}, nil
			},
		}}
	})
	md, err := e.iss.IssuerMetadata(ctx)
	must(t, err)
	if len(md.AuthorizationServers) != 2 || md.AuthorizationServers[0] != "https://as.example" || md.AuthorizationServers[1] != e.id {
		t.Fatalf("authorization_servers %v", md.AuthorizationServers)
	}
	w := e.wallet(1)
	token := func(s *jose.KeySigner, mod func(c map[string]any)) string {
		c := map[string]any{"iss": "https://as.example", "sub": "user-7", "aud": []string{e.id}, "client_id": "wallet-1",
			"iat": e.clock.Now().Unix(), "exp": e.clock.Now().Add(5 * time.Minute).Unix(), "jti": "j1", "scope": "openid pid"}
		if mod != nil {
			mod(c)
		}
		tok, err := jose.SignJWT(ctx, s, map[string]any{"typ": "at+jwt"}, c)
		must(t, err)
		return tok
	}
	otherKey := mk("other")
	reqBody := func() []byte {
		return body(map[string]any{"credential_configuration_id": cfgPID, "proofs": map[string]any{"jwt": []string{w.proof(0, w.nonce(), nil)}}})
	}
	for _, tc := range []struct {
		name, tok, code string
		status          int
	}{
		{"signed by another key", token(otherKey, nil), "invalid_token", 401},
		{"other audience", token(asKey, func(c map[string]any) { c["aud"] = "https://other-issuer.example" }), "invalid_token", 401},
		{"expired", token(asKey, func(c map[string]any) { c["exp"] = e.clock.Now().Add(-time.Hour).Unix() }), "invalid_token", 401},
		{"unknown AS", token(asKey, func(c map[string]any) { c["iss"] = "https://evil-as.example" }), "invalid_token", 401},
		{"no granted configuration", token(asKey, func(c map[string]any) { c["scope"] = "openid" }), "insufficient_scope", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.credentialRaw("Bearer "+tc.tok, reqBody(), "")
			if r.status != tc.status || r.errCode() != tc.code {
				t.Fatalf("%d %v", r.status, r.header)
			}
		})
	}
	// The badge configuration (scope badge) is not granted by scope pid.
	good := token(asKey, nil)
	if r := w.credentialRaw("Bearer "+good, body(map[string]any{"credential_configuration_id": cfgBadge}), ""); r.errCode() != "unknown_credential_configuration" {
		t.Fatalf("ungranted configuration: %s", r.body)
	}
	creds, nid := credentials(t, w.credentialRaw("Bearer "+good, reqBody(), ""))
	res, err := e.verifier().VerifyIssued(ctx, creds[0])
	must(t, err)
	if res.Claims["given_name"] != "Erika" || seen == nil || seen.Subject != "user-7" || seen.ClientID != "wallet-1" {
		t.Fatalf("%v %+v", res.Claims, seen)
	}
	r := w.post("/notification", "application/json", "Bearer "+good, body(map[string]any{"notification_id": nid, "event": "credential_accepted"}))
	if r.status != 204 {
		t.Fatalf("notification: %d %s", r.status, r.body)
	}
}
