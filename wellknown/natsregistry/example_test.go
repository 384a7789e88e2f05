package natsregistry_test

import (
	"log"
	"os"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
	"github.com/ocmw/wstack/wellknown/natsregistry"
)

// The well-known service of the W-Stack: plugin registrations arrive over
// NATS, the aggregated metadata is served over HTTP and NATS. (Not run: it
// needs a NATS server.)
func ExampleStart() {
	nc, err := nats.Connect(os.Getenv("NATS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	issuer := "https://issuer.example/tenant-a"
	agg, _ := wellknown.NewAggregator(wellknown.AggregatorConfig{
		Registry: wellknown.NewMemoryRegistry(),
		Base: wellknown.StaticMetadata{"tenant-a": {
			CredentialIssuer: issuer, CredentialEndpoint: issuer + "/credential",
			CredentialConfigurations: map[string]*oid4vci.CredentialConfiguration{},
		}},
	})
	a, err := natsregistry.Start(natsregistry.Config{Conn: nc, Aggregator: agg, ExpireEvery: agg.TTL()})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	srv, _ := wellknown.New(wellknown.Config{Tenants: []wellknown.Tenant{{ID: "tenant-a", CredentialIssuer: issuer, Metadata: agg}}})
	_ = srv.Handler() // mount at the origin root of https://issuer.example
}
