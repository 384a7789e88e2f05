package sqlregistry_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
	"github.com/ocmw/wstack/wellknown/sqlregistry"
)

// An Aggregator whose registrations survive restarts in SQLite.
func ExampleOpenSQLite() {
	dir, _ := os.MkdirTemp("", "wellknown")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	reg, err := sqlregistry.OpenSQLite(ctx, filepath.Join(dir, "wellknown.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reg.Close()
	issuer := "https://issuer.example/tenant-a"
	agg, _ := wellknown.NewAggregator(wellknown.AggregatorConfig{
		Registry: reg,
		Base: wellknown.StaticMetadata{"tenant-a": {
			CredentialIssuer: issuer, CredentialEndpoint: issuer + "/credential",
			CredentialConfigurations: map[string]*oid4vci.CredentialConfiguration{},
		}},
	})
	fmt.Println(agg.RegisterConfiguration(ctx, "tenant-a", "plugin", "pid", []byte(`{"format":"dc+sd-jwt","vct":"https://vct.example/pid"}`)))
	md, _ := agg.IssuerMetadata(ctx, "tenant-a")
	fmt.Println(md.CredentialConfigurations["pid"].VCT)
	// Output:
	// <nil>
	// https://vct.example/pid
}
