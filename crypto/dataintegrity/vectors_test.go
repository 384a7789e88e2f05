package dataintegrity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"

	"github.com/stretchr/testify/require"
)

type eddsaVector struct {
	name   string
	file   string
	suite  Suite
	proofV string
}

func loadKeyPair(t testing.TB) (*KeySigner, StaticResolver) {
	t.Helper()
	kp := map[string]string{}
	b, err := os.ReadFile("testdata/vc-di-eddsa/keyPair.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &kp))
	priv, err := ed25519FromMultibase(kp["privateKeyMultibase"])
	require.NoError(t, err)
	pub, err := DecodeMultikey(kp["publicKeyMultibase"])
	require.NoError(t, err)
	require.Equal(t, priv.Public(), pub)
	enc, err := EncodeMultikey(pub)
	require.NoError(t, err)
	require.Equal(t, kp["publicKeyMultibase"], enc)
	vm := "https://vc.example/issuers/5678#" + kp["publicKeyMultibase"]
	return &KeySigner{Engine: stdSigner{priv}, Public: pub, VerificationMethod: vm},
		StaticResolver{vm: {Key: pub, Purposes: []string{PurposeAssertionMethod}}}
}

// TestEdDSAVectors reproduces the W3C vc-di-eddsa test vectors byte for
// byte (Ed25519 is deterministic) and verifies them.
func TestEdDSAVectors(t *testing.T) {
	signer, resolver := loadKeyPair(t)
	for _, v := range []eddsaVector{
		{"eddsa-rdfc-2022", "testdata/vc-di-eddsa/eddsa-rdfc-2022-signedDataInt.json", EdDSARDFC2022, ""},
		{"Ed25519Signature2020", "testdata/vc-di-eddsa/Ed25519Signature2020-signedEdSig.json", Ed25519Signature2020, ""},
		{"eddsa-jcs-2022", "testdata/vc-di-eddsa/eddsa-jcs-2022-signedJCS.json", EdDSAJCS2022, ""},
	} {
		t.Run(v.name, func(t *testing.T) {
			signed := readJSON(t, v.file)
			want := signed["proof"].(map[string]any)
			p, err := New(Config{Loader: testLoader(t), Resolver: resolver, Now: fixedClock("2024-01-01T00:00:00Z")})
			require.NoError(t, err)
			// verify the published document
			raw, err := os.ReadFile(v.file)
			require.NoError(t, err)
			res, err := p.Verify(context.Background(), raw, VerifyOptions{Suites: []Suite{v.suite}})
			require.NoError(t, err)
			require.Equal(t, v.suite, res.Proofs[0].Suite)
			// re-sign the unsigned document: identical proofValue
			unsigned := signed
			delete(unsigned, "proof")
			in, _ := json.Marshal(unsigned)
			created, _ := time.Parse(time.RFC3339, want["created"].(string))
			out, err := p.Sign(context.Background(), in, signer, ProofOptions{Suite: v.suite, Created: created})
			require.NoError(t, err)
			var got map[string]any
			require.NoError(t, json.Unmarshal(out, &got))
			require.Equal(t, want, got["proof"])
		})
	}
}

// TestEdDSAIntermediateValues checks the step-by-step values of the
// eddsa-rdfc-2022 vector: canonical proof configuration and hash data.
func TestEdDSAIntermediateValues(t *testing.T) {
	signed := readJSON(t, "testdata/vc-di-eddsa/eddsa-rdfc-2022-signedDataInt.json")
	proof := signed["proof"].(map[string]any)
	delete(signed, "proof")
	delete(proof, "proofValue")
	p, err := New(Config{Loader: testLoader(t)})
	require.NoError(t, err)
	cfg := map[string]any{"@context": signed["@context"]}
	for k, v := range proof {
		cfg[k] = v
	}
	canon, err := p.Canonicalizer().Canonicalize(context.Background(), cfg)
	require.NoError(t, err)
	want, err := os.ReadFile("testdata/vc-di-eddsa/eddsa-rdfc-2022-proofCanonDataInt.txt")
	require.NoError(t, err)
	require.Equal(t, string(want), canon)
	hd, err := p.hashData(context.Background(), EdDSARDFC2022, signed, proof, EdDSARDFC2022.hashFor(nil))
	require.NoError(t, err)
	wantHash, err := os.ReadFile("testdata/vc-di-eddsa/eddsa-rdfc-2022-combinedHashDataInt.txt")
	require.NoError(t, err)
	require.Equal(t, string(wantHash), hex.EncodeToString(hd))
}

func ecdsaFromMultibase(t *testing.T, s string, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	raw, err := multibaseDecode(s)
	require.NoError(t, err)
	size := (curve.Params().BitSize + 7) / 8
	require.Len(t, raw, 2+size)
	k, err := ecdsa.ParseRawPrivateKey(curve, raw[2:])
	require.NoError(t, err)
	return k
}

// TestECDSAVectors verifies the W3C vc-di-ecdsa ecdsa-rdfc-2019 vectors (P-256
// and P-384) and checks that a fresh signature with the vector keys verifies
// (ECDSA signatures are randomised, so they are not byte-identical).
func TestECDSAVectors(t *testing.T) {
	for _, c := range []struct {
		name, keys, doc, secretField string
		curve                        elliptic.Curve
	}{
		{"P-256", "p256KeyPair.json", "ecdsa-rdfc-2019-signedECDSAP256.json", "secretKeyMultibase", elliptic.P256()},
		{"P-384", "p384KeyPair.json", "ecdsa-rdfc-2019-signedECDSAP384.json", "privateKeyMultibase", elliptic.P384()},
	} {
		t.Run(c.name, func(t *testing.T) {
			kp := map[string]string{}
			b, err := os.ReadFile("testdata/vc-di-ecdsa/" + c.keys)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &kp))
			pub, err := DecodeMultikey(kp["publicKeyMultibase"])
			require.NoError(t, err)
			priv := ecdsaFromMultibase(t, kp[c.secretField], c.curve)
			require.True(t, priv.PublicKey.Equal(pub))
			enc, err := EncodeMultikey(pub)
			require.NoError(t, err)
			require.Equal(t, kp["publicKeyMultibase"], enc)
			vm := "https://vc.example/issuers/5678#" + kp["publicKeyMultibase"]
			resolver := StaticResolver{vm: {Key: pub, Purposes: []string{PurposeAssertionMethod}}}
			p, err := New(Config{Loader: draftV2Loader(t), Resolver: resolver})
			require.NoError(t, err)
			raw, err := os.ReadFile("testdata/vc-di-ecdsa/" + c.doc)
			require.NoError(t, err)
			res, err := p.Verify(context.Background(), raw, VerifyOptions{Suites: []Suite{ECDSARDFC2019}})
			require.NoError(t, err)
			require.Equal(t, vm, res.Proofs[0].VerificationMethod)

			// tampering breaks it
			tampered := strings.Replace(string(raw), "The School of Examples", "The School of Exampled", 1)
			_, err = p.Verify(context.Background(), []byte(tampered), VerifyOptions{Suites: []Suite{ECDSARDFC2019}})
			require.ErrorIs(t, err, ErrInvalidSignature)
			require.ErrorIs(t, err, ErrProofVerification)

			// with the REC context the old signature no longer verifies ...
			pRec, err := New(Config{Loader: testLoader(t), Resolver: resolver})
			require.NoError(t, err)
			_, err = pRec.Verify(context.Background(), raw, VerifyOptions{Suites: []Suite{ECDSARDFC2019}})
			require.ErrorIs(t, err, ErrInvalidSignature)
			p = pRec
			// ... and a fresh signature with the vector key verifies
			doc := readJSON(t, "testdata/vc-di-ecdsa/"+c.doc)
			delete(doc, "proof")
			in, _ := json.Marshal(doc)
			out, err := p.Sign(context.Background(), in, &KeySigner{Engine: stdSigner{priv}, Public: pub, VerificationMethod: vm}, ProofOptions{Suite: ECDSARDFC2019})
			require.NoError(t, err)
			_, err = p.Verify(context.Background(), out, VerifyOptions{Suites: []Suite{ECDSARDFC2019}})
			require.NoError(t, err)
		})
	}
}

func draftV2Loader(t *testing.T) *contexts.Loader {
	t.Helper()
	ex, err := os.ReadFile("testdata/contexts/credentials-examples-v2.jsonld")
	require.NoError(t, err)
	v2, err := os.ReadFile("testdata/contexts/credentials-v2-draft-2023.jsonld")
	require.NoError(t, err)
	l, err := contexts.NewLoader(contexts.Options{Pinned: map[string][]byte{
		"https://www.w3.org/ns/credentials/examples/v2": ex,
		contexts.CredentialsV2:                          v2,
	}})
	require.NoError(t, err)
	return l
}

// TestJCSDocumentVector checks the JCS form of the vector document.
func TestJCSDocumentVector(t *testing.T) {
	doc := readJSON(t, "testdata/vc-di-eddsa/eddsa-jcs-2022-signedJCS.json")
	delete(doc, "proof")
	got, err := jcs(doc)
	require.NoError(t, err)
	want, err := os.ReadFile("testdata/vc-di-eddsa/eddsa-jcs-2022-canonDocJCS.txt")
	require.NoError(t, err)
	require.Equal(t, string(want), got)
}

// TestECDSAJCSVectors verifies the W3C vc-di-ecdsa ecdsa-jcs-2019 vectors
// (P-256, P-384; did:key verification methods) and re-signs with the vector
// keys.
func TestECDSAJCSVectors(t *testing.T) {
	for _, c := range []struct{ name, keys, doc, secretField string }{
		{"P-256", "p256KeyPair.json", "ecdsa-jcs-2019-signedJCSECDSAP256.json", "secretKeyMultibase"},
		{"P-384", "p384KeyPair.json", "ecdsa-jcs-2019-signedJCSECDSAP384.json", "privateKeyMultibase"},
	} {
		t.Run(c.name, func(t *testing.T) {
			kp := map[string]string{}
			b, err := os.ReadFile("testdata/vc-di-ecdsa/" + c.keys)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &kp))
			pub, err := DecodeMultikey(kp["publicKeyMultibase"])
			require.NoError(t, err)
			vm := "did:key:" + kp["publicKeyMultibase"] + "#" + kp["publicKeyMultibase"]
			p, err := New(Config{Resolver: StaticResolver{vm: {Key: pub, Purposes: []string{PurposeAssertionMethod}}}})
			require.NoError(t, err)
			raw, err := os.ReadFile("testdata/vc-di-ecdsa/" + c.doc)
			require.NoError(t, err)
			_, err = p.Verify(context.Background(), raw, VerifyOptions{Suites: []Suite{ECDSAJCS2019}, Controller: "did:key:" + kp["publicKeyMultibase"]})
			require.NoError(t, err)
			bad := strings.Replace(string(raw), "The School of Examples", "The School of Exampled", 1)
			_, err = p.Verify(context.Background(), []byte(bad), VerifyOptions{Suites: []Suite{ECDSAJCS2019}})
			require.ErrorIs(t, err, ErrInvalidSignature)
			curve := elliptic.P256()
			if c.name == "P-384" {
				curve = elliptic.P384()
			}
			priv := ecdsaFromMultibase(t, kp[c.secretField], curve)
			doc := readJSON(t, "testdata/vc-di-ecdsa/"+c.doc)
			delete(doc, "proof")
			in, _ := json.Marshal(doc)
			out, err := p.Sign(context.Background(), in, &KeySigner{Engine: stdSigner{priv}, Public: pub, VerificationMethod: vm}, ProofOptions{Suite: ECDSAJCS2019})
			require.NoError(t, err)
			_, err = p.Verify(context.Background(), out, VerifyOptions{Suites: []Suite{ECDSAJCS2019}})
			require.NoError(t, err)
		})
	}
}
