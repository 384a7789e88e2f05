package did

import (
	"context"
	gocrypto "crypto"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// did-method-key test-vectors/ed25519-x25519.json: seed → did:key, the raw
// public key, and the derived X25519 key agreement key.
func TestDIDKeyVectorsEd25519(t *testing.T) {
	var vectors []struct {
		DID, Seed, PublicKeyBase58, KeyAgreementID, KeyAgreementPublicKeyBase58 string
	}
	readJSON(t, "testdata/did-key/ed25519-x25519.json", &vectors)
	if len(vectors) != 5 {
		t.Fatalf("%d vectors", len(vectors))
	}
	for _, v := range vectors {
		t.Run(v.DID, func(t *testing.T) {
			seed, _ := hex.DecodeString(v.Seed)
			pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
			did, kid, err := NewKeyDID(pub)
			if err != nil || did != v.DID {
				t.Fatalf("NewKeyDID = %q, %v; want %q", did, err, v.DID)
			}
			raw, err := base58Decode(v.PublicKeyBase58)
			if err != nil || string(raw) != string(pub) {
				t.Fatalf("publicKeyBase58 differs from the seed's key")
			}
			doc, err := KeyMethod{EnableEncryptionKeyDerivation: true}.Resolve(context.Background(), v.DID)
			if err != nil {
				t.Fatal(err)
			}
			vm, err := doc.MethodFor(kid, AssertionMethod)
			if err != nil {
				t.Fatal(err)
			}
			if vm.Type != TypeMultikey || vm.PublicKeyMultibase != v.DID[len("did:key:"):] || vm.Controller != v.DID {
				t.Fatalf("verification method %+v", vm)
			}
			got, err := vm.PublicKey()
			if err != nil || !pub.Equal(got) {
				t.Fatalf("PublicKey = %v, %v", got, err)
			}
			ka, err := doc.MethodFor(v.DID+v.KeyAgreementID, KeyAgreement)
			if err != nil {
				t.Fatal(err)
			}
			xk, err := ka.PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			wantX, _ := base58Decode(v.KeyAgreementPublicKeyBase58)
			if string(xk.(*ecdh.PublicKey).Bytes()) != string(wantX) {
				t.Fatalf("derived X25519 key %x, want %x", xk.(*ecdh.PublicKey).Bytes(), wantX)
			}
			if doc.Authorized(ka.ID, AssertionMethod) || !doc.Authorized(kid, CapabilityDelegation) {
				t.Fatal("relationships wrong")
			}
			// The legacy 2018 representation decodes to the same key.
			legacy := VerificationMethod{Type: TypeEd25519VerificationKey2018, PublicKeyBase58: v.PublicKeyBase58}
			if k, err := legacy.PublicKey(); err != nil || !pub.Equal(k) {
				t.Fatalf("publicKeyBase58: %v", err)
			}
		})
	}
}

// did-method-key test-vectors/nist-curves.json (P-256, P-384): did:key ↔ JWK.
func TestDIDKeyVectorsNIST(t *testing.T) {
	var vectors []struct {
		DID          string
		PublicKeyJwk map[string]any
	}
	readJSON(t, "testdata/did-key/nist-curves.json", &vectors)
	for _, v := range vectors {
		t.Run(v.DID, func(t *testing.T) {
			for _, f := range []PublicKeyFormat{FormatJsonWebKey2020, FormatJsonWebKey} {
				doc, err := KeyMethod{Format: f}.Resolve(context.Background(), v.DID)
				if err != nil {
					t.Fatal(err)
				}
				vm := doc.VerificationMethod[0]
				if vm.Type != string(f) || vm.ID != v.DID+"#"+v.DID[len("did:key:"):] {
					t.Fatalf("vm %s %s", vm.Type, vm.ID)
				}
				if d := cmp.Diff(v.PublicKeyJwk, vm.PublicKeyJwk); d != "" {
					t.Fatalf("JWK (-vector +got):\n%s", d)
				}
				if doc.KeyAgreement != nil {
					t.Fatal("NIST did:key must not derive key agreement")
				}
			}
			pub, err := PublicKeyFromJWK(v.PublicKeyJwk)
			if err != nil {
				t.Fatal(err)
			}
			did, _, err := NewKeyDID(pub)
			if err != nil || did != v.DID {
				t.Fatalf("NewKeyDID = %q, %v", did, err)
			}
			dec, err := DecodeKeyDID(v.DID + "#frag")
			if err != nil || !pub.(interface{ Equal(gocrypto.PublicKey) bool }).Equal(dec) {
				t.Fatalf("DecodeKeyDID: %v", err)
			}
		})
	}
}

func TestDIDKeyUnsupportedVectors(t *testing.T) {
	var vectors []struct{ Name, DID string }
	readJSON(t, "testdata/did-key/unsupported.json", &vectors)
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			_, err := KeyMethod{}.Resolve(context.Background(), v.DID)
			if !errors.Is(err, ErrUnsupportedPublicKeyType) || ErrorCode(err) != "unsupportedPublicKeyType" {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestDIDKeyX25519Vectors(t *testing.T) {
	var dids []string
	readJSON(t, "testdata/did-key/x25519.json", &dids)
	for _, d := range dids {
		doc, err := KeyMethod{}.Resolve(context.Background(), d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		ref := d + "#" + d[len("did:key:"):]
		if _, err := doc.MethodFor(ref, KeyAgreement); err != nil {
			t.Fatal(err)
		}
		if _, err := doc.MethodFor(ref, AssertionMethod); !errors.Is(err, ErrNotAuthorized) {
			t.Fatalf("X25519 key authorized for assertionMethod: %v", err)
		}
		pub, _ := doc.VerificationMethod[0].PublicKey()
		again, _, err := NewKeyDID(pub)
		if err != nil || again != d {
			t.Fatalf("round trip %q, %v", again, err)
		}
	}
}

// normalized views a document as its methods (embedded ones included) and
// the sorted method ids per relationship, so that documents that embed or
// reference methods compare equal.
type normalized struct {
	Context       any
	ID            string
	Methods       map[string]VerificationMethod
	Relationships map[Relationship][]string
}

func normalize(t *testing.T, d *Document) normalized {
	t.Helper()
	n := normalized{Context: d.Context, ID: d.ID, Methods: map[string]VerificationMethod{}, Relationships: map[Relationship][]string{}}
	add := func(vm VerificationMethod) {
		vm.key = nil
		n.Methods[vm.ID] = vm
	}
	for _, vm := range d.VerificationMethod {
		add(vm)
	}
	for _, r := range relationships {
		for _, e := range d.Relationship(r) {
			id := e.ID
			if e.Embedded != nil {
				add(*e.Embedded)
				id = e.Embedded.ID
			}
			abs, err := d.ResolveReference(id)
			if err != nil {
				t.Fatal(err)
			}
			n.Relationships[r] = append(n.Relationships[r], abs)
		}
		sort.Strings(n.Relationships[r])
	}
	return n
}

// The did:key v0.9 §"Create" example document (Ed25519VerificationKey2020
// with the derived X25519KeyAgreementKey2020).
func TestDIDKeySpecExampleDocument(t *testing.T) {
	b, err := os.ReadFile("testdata/did-key/spec-example-ed25519-2020.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ParseDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := KeyMethod{Format: FormatEd25519VerificationKey2020, EnableEncryptionKeyDerivation: true}.Resolve(context.Background(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(normalize(t, want), normalize(t, got), cmp.AllowUnexported(VerificationMethod{})); d != "" {
		t.Fatalf("document (-spec +got):\n%s", d)
	}
}

// The did:key v0.9 §"Test Vectors" JWK example (JsonWebKey2020, Ed25519 and
// derived X25519).
func TestDIDKeySpecExampleJWK(t *testing.T) {
	var want []VerificationMethod
	readJSON(t, "testdata/did-key/spec-example-jwk-vms.json", &want)
	doc, err := KeyMethod{Format: FormatJsonWebKey2020, EnableEncryptionKeyDerivation: true}.Resolve(context.Background(), want[0].Controller)
	if err != nil {
		t.Fatal(err)
	}
	got := doc.VerificationMethod
	for i := range got {
		got[i].key = nil
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(VerificationMethod{})); d != "" {
		t.Fatalf("verification methods (-spec +got):\n%s", d)
	}
	if c := doc.Context.([]any); len(c) != 2 || c[1] != ContextJWS2020 {
		t.Fatalf("@context %v", c)
	}
}

// The two examples of the did:jwk specification, as golden documents.
func TestDIDJWKSpecExamples(t *testing.T) {
	for _, name := range []string{"p256", "x25519"} {
		t.Run(name, func(t *testing.T) {
			golden, err := os.ReadFile("testdata/did-jwk/" + name + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal(golden, &want); err != nil {
				t.Fatal(err)
			}
			doc, err := JWKMethod{}.Resolve(context.Background(), want["id"].(string))
			if err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("document (-spec +got):\n%s", d)
			}
			// The golden document parses and round-trips.
			parsed, err := ParseDocument(golden)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := parsed.VerificationMethodByID("#0"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
