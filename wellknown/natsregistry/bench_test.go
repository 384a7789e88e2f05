package natsregistry_test

import (
	"testing"
)

// BenchmarkRegistration measures one registration broadcast over NATS: publish, decode, validate and upsert into the Aggregator, until the adapter reports the outcome.
func BenchmarkRegistration(b *testing.B) {
	for _, tc := range []struct {
		name, typ string
		data      map[string]any
	}{
		{"issuer", "wellknown.issuer.registration", map[string]any{"tenant_id": "tenant-a", "issuer": dummyIssuer}},
		{"credential", "wellknown.issuer.credential.registration", map[string]any{
			"tenant_id": "tenant-a", "issuer": issuer, "configurationId": "single",
			"credentialConfiguration": map[string]any{"format": "dc+sd-jwt", "vct": "https://vct.example/single", "topic": "issuer.other"},
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := newRig(b, 0)
			msg := event(b, "plugin-"+tc.name, tc.typ, tc.data)
			b.ReportAllocs()
			for b.Loop() {
				if o := r.publish(b, msg); o.err != nil {
					b.Fatal(o.err)
				}
			}
		})
	}
}

// BenchmarkMetadataRequest measures a wellknown.issuer.metadata request/reply over NATS for a tenant with three registered configurations, decoded by the caller.
func BenchmarkMetadataRequest(b *testing.B) {
	r := newRig(b, 0)
	if o := r.publish(b, event(b, "issuer.dummycontentsigner", "wellknown.issuer.registration", map[string]any{"tenant_id": "tenant-a", "issuer": dummyIssuer})); o.err != nil {
		b.Fatal(o.err)
	}
	if o := r.publish(b, event(b, "other-plugin", "wellknown.issuer.credential.registration", map[string]any{
		"tenant_id": "tenant-a", "configurationId": "single",
		"credentialConfiguration": map[string]any{"format": "dc+sd-jwt", "vct": "https://vct.example/single"},
	})); o.err != nil {
		b.Fatal(o.err)
	}
	req := map[string]any{"tenant_id": "tenant-a", "request_id": "r1"}
	b.ReportAllocs()
	for b.Loop() {
		rep := r.metadata(b, req)
		if rep.Error != nil || rep.Issuer == nil || len(rep.Issuer.CredentialConfigurations) != 3 {
			b.Fatalf("%+v", rep)
		}
	}
}
