package natsplugin_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/issuer/natsplugin"
)

// benchPlugin answers every issuance at once with one fixed credential
// per holder key, so that a benchmark measures the transport and the
// codecs, not signing.
type benchPlugin struct{}

func (benchPlugin) Configurations() map[string]*oid4vci.CredentialConfiguration {
	return map[string]*oid4vci.CredentialConfiguration{"pid": {
		Format: oid4vci.FormatSDJWTVC, VCT: "https://credentials.example.com/pid",
		CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
		ProofTypesSupported:                  map[string]*oid4vci.ProofTypeMetadata{"jwt": {ProofSigningAlgValuesSupported: []string{"ES256"}}},
	}}
}

func (benchPlugin) Issue(_ context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error) {
	res := &issuer.IssueResult{}
	for range req.HolderKeys {
		res.Credentials = append(res.Credentials, oid4vci.StringCredential("eyJhbGciOiJFUzI1NiJ9.eyJ2Y3QiOiJwaWQifQ.c2ln~"))
	}
	return res, nil
}

// benchServe serves benchPlugin on a subject unique to the benchmark (the
// server may be shared) and returns the issuer-side connection and subject.
func benchServe(b *testing.B) (*nats.Conn, string) {
	b.Helper()
	u := natsURL(b)
	pc, err := nats.Connect(u)
	must(b, err)
	b.Cleanup(pc.Close)
	ic, err := nats.Connect(u)
	must(b, err)
	b.Cleanup(ic.Close)
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	subject := "issuer.bench." + hex.EncodeToString(suffix)
	srv, err := natsplugin.Serve(pc, subject, "", benchPlugin{}, nil)
	must(b, err)
	b.Cleanup(func() { _ = srv.Close() })
	must(b, pc.Flush())
	return ic, subject
}

// BenchmarkIssue measures Client.Issue: one issue request/reply through a remote plugin over NATS with claims and one holder key (encode, JWK parse and thumbprint on the plugin side, decode).
func BenchmarkIssue(b *testing.B) {
	ctx := context.Background()
	ic, subject := benchServe(b)
	c, err := natsplugin.NewClient(ctx, ic, subject)
	must(b, err)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(b, err)
	jwk, err := crypto.PublicJWK(&k.PublicKey)
	must(b, err)
	req := &issuer.IssueRequest{
		ConfigurationID: "pid", CredentialIdentifier: "pid", Subject: "user-1", ClientID: "wallet",
		Claims:     map[string]any{"given_name": "Erika", "family_name": "Mustermann", "address": map[string]any{"locality": "Berlin"}},
		HolderKeys: []issuer.HolderKey{{Public: &k.PublicKey, JWK: jwk}},
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Issue(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Credentials) != 1 {
			b.Fatalf("%d credentials", len(res.Credentials))
		}
	}
}

// BenchmarkNewClient measures natsplugin.NewClient: the metadata request/reply over NATS and validation of the plugin's configurations.
func BenchmarkNewClient(b *testing.B) {
	ctx := context.Background()
	ic, subject := benchServe(b)
	b.ReportAllocs()
	for b.Loop() {
		c, err := natsplugin.NewClient(ctx, ic, subject)
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Configurations()) != 1 {
			b.Fatalf("%+v", c.Configurations())
		}
	}
}
