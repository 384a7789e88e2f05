package wellknown_test

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"

	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/wellknown"
)

func TestVerifierMetadata(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	formats := oid4vp.VPFormats{"dc+sd-jwt": oid4vp.FormatParameters{}}
	m, err := wellknown.VerifierMetadata(wellknown.VerifierMetadataOptions{
		EncryptionKeys: []wellknown.EncryptionKey{{KID: "enc-1", Public: &k.PublicKey}},
		EncValues:      []string{"A128GCM", "A256GCM"},
		VPFormats:      formats,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(m)
	back, err := oid4vp.ParseClientMetadata(b)
	if err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	s, err := wellknown.ParseJWKS(back.JWKS)
	if err != nil || s.Keys[0]["use"] != "enc" || s.Keys[0]["alg"] != "ECDH-ES" {
		t.Fatalf("%v %s", err, back.JWKS)
	}
	_ = ecdh.P256
	bad := []struct {
		name string
		o    wellknown.VerifierMetadataOptions
	}{
		{"no formats", wellknown.VerifierMetadataOptions{}},
		{"key without kid", wellknown.VerifierMetadataOptions{VPFormats: formats, EncryptionKeys: []wellknown.EncryptionKey{{Public: &k.PublicKey}}}},
		{"duplicate kids", wellknown.VerifierMetadataOptions{VPFormats: formats, EncryptionKeys: []wellknown.EncryptionKey{{KID: "a", Public: &k.PublicKey}, {KID: "a", Public: &k.PublicKey}}}},
		{"empty enc list entry", wellknown.VerifierMetadataOptions{VPFormats: formats, EncValues: []string{""}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := wellknown.VerifierMetadata(tc.o); err == nil || (!errors.Is(err, wellknown.ErrConfig) && !errors.Is(err, wellknown.ErrDuplicateKID)) {
				t.Fatalf("got %v", err)
			}
		})
	}
}
