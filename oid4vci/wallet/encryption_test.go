package wallet_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// TestEncryption: when the issuer offers or requires encryption, the
// credential request is a JWE to its key (application/jwt) asking for an
// encrypted response to an ephemeral wallet key, and the response is
// decrypted; SkipEncryption only matters when encryption is optional.
func TestEncryption(t *testing.T) {
	cases := []struct {
		name      string
		required  bool
		skip      bool
		encrypted bool
	}{
		{"offered", false, false, true},
		{"offered, skipped", false, true, false},
		{"required", true, false, true},
		{"required, skip ignored", true, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			e := newEnv(t, func(c *issuer.Config, _ *env) {
				c.Encryption = &issuer.EncryptionConfig{Keys: []issuer.DecryptionKey{{KID: "req-1", Private: key}}, Required: tc.required}
			})
			var cts []string
			e.setIntercept(func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if p == "/credential" {
					cts = append(cts, r.Header.Get("Content-Type"))
				}
				return false
			})
			link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
			w := e.wallet(walletOpts{mod: func(c *wallet.Config) { c.SkipEncryption = tc.skip }})
			got, err := w.AcceptOffer(context.Background(), link)
			must(t, err)
			if len(got) != 1 || len(cts) != 1 {
				t.Fatalf("got %d, requests %v", len(got), cts)
			}
			if want := map[bool]string{true: "application/jwt", false: "application/json"}[tc.encrypted]; cts[0] != want {
				t.Fatalf("content type %q, want %q", cts[0], want)
			}
			if tc.encrypted && strings.Contains(e.requests("/credential")[0].body, "proofs") {
				t.Fatal("request sent in plaintext")
			}
		})
	}
}

// TestEncryptionWrongKid: an encrypted response under another kid than
// the wallet's ephemeral key is rejected and nothing is stored.
func TestEncryptionWrongKid(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	e := newEnv(t, func(c *issuer.Config, _ *env) {
		c.Encryption = &issuer.EncryptionConfig{Keys: []issuer.DecryptionKey{{KID: "req-1", Private: key}}, Required: true}
	})
	// A man in the middle holding the issuer's key relabels the wallet's
	// response key.
	e.setIntercept(func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
		if p != "/credential" {
			return false
		}
		b, _ := io.ReadAll(r.Body)
		pt, _, err := jose.Decrypt(string(b), key, jose.DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A128GCM", "A256GCM"}})
		must(t, err)
		var m map[string]any
		must(t, json.Unmarshal(pt, &m))
		m["credential_response_encryption"].(map[string]any)["jwk"].(map[string]any)["kid"] = "someone-else"
		pt, _ = json.Marshal(m)
		jwk := map[string]any{}
		pub, _ := json.Marshal(map[string]any{"kty": "EC", "crv": "P-256", "x": b64(key.X.FillBytes(make([]byte, 32))), "y": b64(key.Y.FillBytes(make([]byte, 32))), "kid": "req-1"})
		must(t, json.Unmarshal(pub, &jwk))
		tok, err := jose.Encrypt(pt, jwk, jose.EncryptOptions{Alg: "ECDH-ES", Enc: "A256GCM"})
		must(t, err)
		r.Body = io.NopCloser(bytes.NewReader([]byte(tok)))
		r.ContentLength = int64(len(tok))
		return false
	})
	link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	w := e.wallet(walletOpts{})
	_, err := w.AcceptOffer(context.Background(), link)
	if !errors.Is(err, wallet.ErrResponse) || !strings.Contains(err.Error(), "kid") {
		t.Fatalf("err = %v", err)
	}
	if got, _ := w.Store().List(context.Background(), wallet.Filter{}); len(got) != 0 {
		t.Fatal("stored")
	}
}
