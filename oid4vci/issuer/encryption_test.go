package issuer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

func (w *wallet) post(path, ctype, auth string, body []byte) *response {
	req := mustReq(http.NewRequest(http.MethodPost, w.e.id+path, strings.NewReader(string(body))))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", auth)
	return w.do(req)
}

// TestEncryption: an encrypted request (JWE to the published key) asking
// for an encrypted response gets one (ECDH-ES to the wallet's key, kid
// echoed); the rules of §10 are enforced and errors are never encrypted.
func TestEncryption(t *testing.T) {
	issKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	for _, required := range []bool{false, true} {
		t.Run(map[bool]string{false: "optional", true: "required"}[required], func(t *testing.T) {
			e := newEnv(t, func(c *issuer.Config) {
				c.Encryption = &issuer.EncryptionConfig{Keys: []issuer.DecryptionKey{{KID: "req-1", Private: issKey}}, Required: required}
			})
			md, err := e.iss.IssuerMetadata(context.Background())
			must(t, err)
			if md.CredentialRequestEncryption == nil || md.CredentialResponseEncryption == nil || md.CredentialResponseEncryption.EncryptionRequired != required {
				t.Fatalf("metadata %+v", md)
			}
			var set struct {
				Keys []map[string]any `json:"keys"`
			}
			must(t, json.Unmarshal(md.CredentialRequestEncryption.JWKS, &set))
			if set.Keys[0]["kid"] != "req-1" || set.Keys[0]["d"] != nil {
				t.Fatalf("jwks %v", set.Keys)
			}
			w := e.wallet(1)
			tr := w.token(mustOffer(w), "")
			walletKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			must(t, err)
			wjwk, _ := crypto.PublicJWK(&walletKey.PublicKey)
			wjwk["alg"], wjwk["kid"] = "ECDH-ES", "resp-1"
			req := func(n string, enc map[string]any) map[string]any {
				m := map[string]any{"credential_identifier": cfgPID, "proofs": map[string]any{"jwt": []string{w.proof(0, n, nil)}}}
				if enc != nil {
					m["credential_response_encryption"] = enc
				}
				return m
			}
			respEnc := map[string]any{"jwk": wjwk, "enc": "A256GCM"}
			seal := func(v any, hdr map[string]any) []byte {
				tok, err := jose.Encrypt(body(v), set.Keys[0], jose.EncryptOptions{Enc: "A128GCM", Header: hdr})
				must(t, err)
				return []byte(tok)
			}
			bearer := "Bearer " + tr.AccessToken
			n := w.nonce()
			for _, tc := range []struct {
				name  string
				ctype string
				body  []byte
			}{
				{"response encryption asked in the clear", "application/json", body(req(n, respEnc))},
				{"zip header (decompression bomb)", "application/jwt", rewriteHeader(t, seal(req(n, respEnc), nil), "zip", "DEF")},
				{"unknown kid", "application/jwt", rewriteHeader(t, seal(req(n, respEnc), nil), "kid", "other")},
				{"tampered protected header", "application/jwt", rewriteHeader(t, seal(req(n, respEnc), nil), "x", "y")},
				{"not a JWE", "application/jwt", []byte("e30.e30.e30.e30.e30")},
				{"response alg not ECDH-ES", "application/jwt", seal(req(n, map[string]any{"jwk": map[string]any{"kty": "EC", "crv": "P-256", "x": wjwk["x"], "y": wjwk["y"], "alg": "ECDH-ES+A128KW"}, "enc": "A256GCM"}), nil)},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := w.post("/credential", tc.ctype, bearer, tc.body)
					if r.status != 400 || r.errCode() != "invalid_encryption_parameters" || r.header.Get("Content-Type") != "application/json" {
						t.Fatalf("%d %s %v", r.status, r.body, r.header)
					}
				})
			}
			if required {
				if r := w.post("/credential", "application/json", bearer, body(req(n, nil))); r.errCode() != "invalid_encryption_parameters" {
					t.Fatalf("clear request accepted: %s", r.body)
				}
				if r := w.post("/credential", "application/jwt", bearer, seal(req(n, nil), nil)); r.errCode() != "invalid_encryption_parameters" {
					t.Fatalf("clear response asked: %s", r.body)
				}
			} else {
				// Encrypted request without response encryption: plain response.
				n2 := w.nonce()
				r := w.post("/credential", "application/jwt", bearer, seal(req(n2, nil), nil))
				credentials(t, r)
			}
			r := w.post("/credential", "application/jwt", bearer, seal(req(n, respEnc), nil))
			if r.status != 200 || r.header.Get("Content-Type") != "application/jwt" {
				t.Fatalf("%d %s", r.status, r.body)
			}
			pt, hdr, err := jose.Decrypt(string(r.body), walletKey, jose.DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A256GCM"}})
			must(t, err)
			if hdr.Kid != "resp-1" || hdr.Enc != "A256GCM" {
				t.Fatalf("header %+v", hdr)
			}
			cr, err := oid4vci.Parser{}.CredentialResponse(200, pt)
			must(t, err)
			cred, _ := cr.Credentials[0].String()
			if _, err := e.verifier().VerifyIssued(context.Background(), cred); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// rewriteHeader sets a member of a JWE's protected header (zip:DEF is
// security.md row 6: refused before any decryption or decompression).
func rewriteHeader(t *testing.T, jwe []byte, k, v string) []byte {
	parts := strings.Split(string(jwe), ".")
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	must(t, err)
	var h map[string]any
	must(t, json.Unmarshal(hb, &h))
	h[k] = v
	nb, _ := json.Marshal(h)
	parts[0] = base64.RawURLEncoding.EncodeToString(nb)
	return []byte(strings.Join(parts, "."))
}
