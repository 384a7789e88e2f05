package natsregistry_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
	"github.com/ocmw/wstack/wellknown/natsregistry"
)

func natsURL(t testing.TB) string {
	u := os.Getenv("WSTACK_TEST_NATS_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("WSTACK_TEST_NATS_URL is not set; CI must run the NATS tests")
		}
		t.Skip("NATS tests skipped: set WSTACK_TEST_NATS_URL (e.g. nats://127.0.0.1:4222)")
	}
	return u
}

const issuer = "https://issuer.example/tenant-a"

type outcome struct {
	ev  *natsregistry.Event
	err error
}

type rig struct {
	nc       *nats.Conn
	agg      *wellknown.Aggregator
	regSubj  string
	mdSubj   string
	outcomes chan outcome
}

// newRig connects to the real server with subjects unique to the test, so
// parallel runs do not see each other's messages.
func newRig(t testing.TB, max int) *rig {
	t.Helper()
	nc, err := nats.Connect(natsURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	b := make([]byte, 4)
	rand.Read(b)
	suffix := hex.EncodeToString(b)
	agg, err := wellknown.NewAggregator(wellknown.AggregatorConfig{
		Registry: wellknown.NewMemoryRegistry(),
		Base: wellknown.StaticMetadata{"tenant-a": {
			CredentialIssuer: issuer, CredentialEndpoint: issuer + "/credential",
			CredentialConfigurations: map[string]*oid4vci.CredentialConfiguration{},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{nc: nc, agg: agg, regSubj: natsregistry.SubjectRegistration + "." + suffix, mdSubj: natsregistry.SubjectMetadata + "." + suffix, outcomes: make(chan outcome, 16)}
	a, err := natsregistry.Start(natsregistry.Config{
		Conn: nc, Aggregator: agg, RegistrationSubject: r.regSubj, MetadataSubject: r.mdSubj, MaxMessageBytes: max,
		ExpireEvery:    time.Second,
		OnRegistration: func(ev *natsregistry.Event, err error) { r.outcomes <- outcome{ev, err} },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return r
}

func (r *rig) publish(t testing.TB, msg []byte) outcome {
	t.Helper()
	if err := r.nc.Publish(r.regSubj, msg); err != nil {
		t.Fatal(err)
	}
	select {
	case o := <-r.outcomes:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("registration not handled")
	}
	return outcome{}
}

func (r *rig) metadata(t testing.TB, data any) natsregistry.MetadataReply {
	t.Helper()
	req, _ := natsregistry.NewEvent("req-1", "issuance", "wellknown.issuer.metadata", data)
	m, err := r.nc.Request(r.mdSubj, req, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := natsregistry.DecodeEvent(m.Data, 0)
	if err != nil {
		t.Fatal(err)
	}
	var rep natsregistry.MetadataReply
	if err := json.Unmarshal(ev.Data, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func event(t testing.TB, source, typ string, data any) []byte {
	t.Helper()
	b, err := natsregistry.NewEvent("ev-"+source, source, typ, data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The dummycontentsigner's broadcast (xfsc.md §3).
var dummyIssuer = json.RawMessage(`{"credential_issuer":"https://plugin.example","credential_endpoint":"https://plugin.example/c","credential_configurations_supported":{
 "developer":{"format":"dc+sd-jwt","vct":"SD_JWT_DEVELOPER_CREDENTIAL","topic":"issuer.dummycontentsigner"},
 "ldp":{"format":"ldp_vc","credential_definition":{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"]},"topic":"issuer.dummycontentsigner"}}}`)

func TestNATSRegistrationAndMetadata(t *testing.T) {
	r := newRig(t, 0)
	o := r.publish(t, event(t, "issuer.dummycontentsigner", "wellknown.issuer.registration", map[string]any{"tenant_id": "tenant-a", "issuer": dummyIssuer}))
	if o.err != nil {
		t.Fatal(o.err)
	}
	o = r.publish(t, event(t, "other-plugin", "wellknown.issuer.credential.registration", map[string]any{
		"tenant_id": "tenant-a", "issuer": issuer, "ConfigurationId": "single",
		"CredentialConfiguration": map[string]any{"format": "dc+sd-jwt", "vct": "https://vct.example/single", "topic": "issuer.other"},
	}))
	if o.err != nil {
		t.Fatal(o.err)
	}
	rep := r.metadata(t, map[string]any{"tenant_id": "tenant-a", "request_id": "r1"})
	if rep.Error != nil || rep.Issuer == nil || rep.RequestID != "r1" {
		t.Fatalf("%+v", rep)
	}
	if rep.Issuer.CredentialIssuer != issuer || len(rep.Issuer.CredentialConfigurations) != 3 {
		t.Fatalf("%+v", rep.Issuer)
	}
	if topic := string(rep.Issuer.CredentialConfigurations["single"].Extra["topic"]); topic != `"issuer.other"` {
		t.Fatalf("topic %q", topic)
	}
	// The reply equals what the issuer reads from the Aggregator.
	md, _ := r.agg.IssuerMetadata(context.Background(), "tenant-a")
	a, _ := json.Marshal(md)
	b, _ := json.Marshal(rep.Issuer)
	if string(a) != string(b) {
		t.Fatalf("NATS reply differs from the aggregated document:\n%s\n%s", a, b)
	}
	t.Run("format filter", func(t *testing.T) {
		rep := r.metadata(t, map[string]any{"tenant_id": "tenant-a", "format": "ldp_vc"})
		if len(rep.Issuer.CredentialConfigurations) != 1 || rep.Issuer.CredentialConfigurations["ldp"] == nil {
			t.Fatalf("%+v", rep.Issuer.CredentialConfigurations)
		}
	})
	t.Run("unknown tenant", func(t *testing.T) {
		rep := r.metadata(t, map[string]any{"tenant_id": "nobody"})
		if rep.Error == nil || rep.Error.Status != 404 || rep.Issuer != nil {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("malformed request", func(t *testing.T) {
		m, err := r.nc.Request(r.mdSubj, []byte(`{"not":"an event"}`), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		ev, _ := natsregistry.DecodeEvent(m.Data, 0)
		var rep natsregistry.MetadataReply
		json.Unmarshal(ev.Data, &rep)
		if rep.Error == nil || rep.Error.Status != 400 {
			t.Fatalf("%s", m.Data)
		}
	})
}

func TestNATSBadRegistrations(t *testing.T) {
	r := newRig(t, 64<<10)
	r.publish(t, event(t, "plugin-1", "wellknown.issuer.credential.registration", map[string]any{
		"tenant_id": "tenant-a", "configurationId": "x", "credentialConfiguration": map[string]any{"format": "dc+sd-jwt", "vct": "one"},
	}))
	tests := []struct {
		name string
		msg  []byte
		want error
	}{
		{"conflicting registration", event(t, "plugin-2", "wellknown.issuer.credential.registration", map[string]any{
			"tenant_id": "tenant-a", "configurationId": "x", "credentialConfiguration": map[string]any{"format": "dc+sd-jwt", "vct": "two"},
		}), wellknown.ErrConflict},
		{"invalid configuration JSON", event(t, "plugin-3", "wellknown.issuer.registration", map[string]any{
			"tenant_id": "tenant-a", "issuer": map[string]any{"credential_configurations_supported": map[string]any{"y": map[string]any{"format": 7}}},
		}), wellknown.ErrRegistration},
		{"not JSON", []byte(`{"specversion":"1.0",`), natsregistry.ErrEvent},
		{"not a CloudEvent", []byte(`{"issuer":{}}`), natsregistry.ErrEvent},
		{"unknown type", event(t, "p", "something.else", map[string]any{}), natsregistry.ErrEvent},
		{"message above the bound", event(t, "p", "wellknown.issuer.registration", map[string]any{"issuer": map[string]any{"x": strings.Repeat("a", 100<<10)}}), natsregistry.ErrTooLarge},
		{"unknown tenant", event(t, "p", "wellknown.issuer.registration", map[string]any{"tenant_id": "nobody", "issuer": dummyIssuer}), wellknown.ErrUnknownTenant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := r.publish(t, tc.msg)
			if !errors.Is(o.err, tc.want) {
				t.Fatalf("got %v, want %v", o.err, tc.want)
			}
		})
	}
	md, _ := r.agg.IssuerMetadata(context.Background(), "tenant-a")
	if len(md.CredentialConfigurations) != 1 || md.CredentialConfigurations["x"].VCT != "one" {
		t.Fatalf("rejected registrations changed the document: %+v", md.CredentialConfigurations)
	}
}

func TestDecodeEventBounds(t *testing.T) {
	tenMB := append([]byte(`{"specversion":"1.0","id":"1","source":"p","type":"issuer.registration","data":{"x":"`), make([]byte, 10<<20)...)
	if _, err := natsregistry.DecodeEvent(tenMB, 0); !errors.Is(err, natsregistry.ErrTooLarge) {
		t.Fatalf("10 MB: %v", err)
	}
	deep := `{"specversion":"1.0","id":"1","source":"p","type":"t","data":` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100) + `}`
	if _, err := natsregistry.DecodeEvent([]byte(deep), 0); !errors.Is(err, natsregistry.ErrEvent) {
		t.Fatalf("deep: %v", err)
	}
	if _, err := natsregistry.DecodeEvent([]byte(`{"specversion":"1.0","id":"1","source":"p","type":"t","data":"x"}`), 0); !errors.Is(err, natsregistry.ErrEvent) {
		t.Fatalf("string data: %v", err)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"specversion":"1.0","id":"1","source":"p","type":"issuer.registration","data":{"issuer":{}}}`))
	f.Add([]byte(`{"specversion":"1.0","id":"1","source":"p","type":"x.issuer.credential.registration","data":{"configurationId":"a","credentialConfiguration":{"format":"dc+sd-jwt","vct":"v"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := natsregistry.DecodeEvent(data, 0)
		if err != nil {
			return
		}
		if ev.SpecVersion != "1.0" || ev.ID == "" || ev.Type == "" || ev.Data[0] != '{' {
			t.Fatalf("accepted %+v", ev)
		}
	})
}

var _ sync.Mutex
