package natsplugin

import (
	"context"
	"testing"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

type countPlugin struct{ n int }

func (p *countPlugin) Configurations() map[string]*oid4vci.CredentialConfiguration {
	return map[string]*oid4vci.CredentialConfiguration{"c": {Format: oid4vci.FormatSDJWTVC, VCT: "https://x.example/v"}}
}

func (p *countPlugin) Issue(_ context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error) {
	p.n++
	return &issuer.IssueResult{Credentials: []oid4vci.IssuedCredential{oid4vci.StringCredential("x")}}, nil
}

// FuzzIssueMessage feeds arbitrary issue requests to the plugin side: no
// panic; malformed messages and keys never reach the plugin.
func FuzzIssueMessage(f *testing.F) {
	f.Add([]byte(`{"configuration_id":"c","holder_keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`))
	f.Add([]byte(`{"configuration_id":"c","holder_keys":[{}],"holder_kids":["a","b"]}`))
	f.Add([]byte(`{"configuration_id":"c","configuration_id":"d"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := &countPlugin{}
		r := handle(p.Configurations(), p, data, nil)
		if r.Error == nil && p.n != 1 {
			t.Fatal("success without issuance")
		}
		if r.Error != nil && p.n != 0 {
			t.Fatal("plugin called for a rejected message")
		}
	})
}
