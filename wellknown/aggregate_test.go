package wellknown_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
	"github.com/ocmw/wstack/wellknown/registrytest"
)

func TestMemoryRegistryContract(t *testing.T) {
	registrytest.Run(t, func(t *testing.T) wellknown.Registry { return wellknown.NewMemoryRegistry() })
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const issuerA = "https://issuer.example/tenant-a"

func newAggregator(t testing.TB, cfg wellknown.AggregatorConfig) (*wellknown.Aggregator, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	if cfg.Registry == nil {
		cfg.Registry = wellknown.NewMemoryRegistry()
	}
	if cfg.Base == nil {
		cfg.Base = wellknown.StaticMetadata{"tenant-a": issuerMetadata(issuerA, map[string]*oid4vci.CredentialConfiguration{
			"base": sdJWTConfig("https://vct.example/base"),
		})}
	}
	cfg.Now = clk.Now
	a, err := wellknown.NewAggregator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a, clk
}

const pluginIssuer = `{"credential_issuer":"https://plugin.example","credential_endpoint":"https://plugin.example/c",
 "credential_configurations_supported":{
  "developer":{"format":"dc+sd-jwt","vct":"SD_JWT_DEVELOPER_CREDENTIAL","topic":"issuer.dummycontentsigner"},
  "ldp":{"format":"ldp_vc","credential_definition":{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"]},"topic":"issuer.dummycontentsigner"}}}`

func TestAggregation(t *testing.T) {
	ctx := context.Background()
	a, clk := newAggregator(t, wellknown.AggregatorConfig{})
	if err := a.RegisterIssuer(ctx, "tenant-a", "dummycontentsigner", []byte(pluginIssuer)); err != nil {
		t.Fatal(err)
	}
	if err := a.RegisterConfiguration(ctx, "tenant-a", "other-plugin", "single", []byte(`{"format":"jwt_vc_json","credential_definition":{"type":["VerifiableCredential","X"]}}`)); err != nil {
		t.Fatal(err)
	}
	md, err := a.IssuerMetadata(ctx, "tenant-a")
	if err != nil {
		t.Fatal(err)
	}
	if md.CredentialIssuer != issuerA {
		t.Fatalf("base members must win: %s", md.CredentialIssuer)
	}
	got := strings.Join(sortedIDs(md), ",")
	if got != "base,developer,ldp,single" {
		t.Fatalf("configurations %s", got)
	}
	if topic := string(md.CredentialConfigurations["developer"].Extra["topic"]); topic != `"issuer.dummycontentsigner"` {
		t.Fatalf("plugin routing member lost: %q", topic)
	}
	if err := md.Validate(oid4vci.ProfileFinal); err != nil {
		t.Fatal(err)
	}
	t.Run("same pointer while unchanged", func(t *testing.T) {
		md2, _ := a.IssuerMetadata(ctx, "tenant-a")
		clk.Add(5 * time.Second) // past Refresh: the registry is read again
		md3, _ := a.IssuerMetadata(ctx, "tenant-a")
		if md2 != md || md3 != md {
			t.Fatal("a new document although nothing changed")
		}
	})
	t.Run("renewal keeps configurations, expiry drops them", func(t *testing.T) {
		clk.Add(40 * time.Second)
		if err := a.RegisterConfiguration(ctx, "tenant-a", "other-plugin", "single", []byte(`{"format":"jwt_vc_json","credential_definition":{"type":["VerifiableCredential","X"]}}`)); err != nil {
			t.Fatal(err)
		}
		clk.Add(30 * time.Second) // dummycontentsigner last seen 75 s ago > TTL 60 s
		md, err := a.IssuerMetadata(ctx, "tenant-a")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(sortedIDs(md), ","); got != "base,single" {
			t.Fatalf("after expiry: %s", got)
		}
		n, err := a.Expire(ctx)
		if err != nil || n != 2 {
			t.Fatalf("Expire = %d, %v", n, err)
		}
	})
	t.Run("unknown tenant", func(t *testing.T) {
		if err := a.RegisterIssuer(ctx, "nobody", "p", []byte(pluginIssuer)); !errors.Is(err, wellknown.ErrUnknownTenant) {
			t.Fatalf("got %v", err)
		}
	})
}

func sortedIDs(md *oid4vci.IssuerMetadata) []string {
	var ids []string
	for id := range md.CredentialConfigurations {
		ids = append(ids, id)
	}
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			if ids[j] < ids[i] {
				ids[i], ids[j] = ids[j], ids[i]
			}
		}
	}
	return ids
}

func TestRegistrationBadInput(t *testing.T) {
	ctx := context.Background()
	big := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"credential_configurations_supported":{`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"c%d":{"format":"dc+sd-jwt","vct":"https://vct.example/%d"}`, i, i)
		}
		b.WriteString(`}}`)
		return []byte(b.String())
	}
	tenMB := []byte(`{"credential_configurations_supported":{"x":{"format":"dc+sd-jwt","vct":"` + strings.Repeat("a", 10<<20) + `"}}}`)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"invalid configuration JSON", []byte(`{"credential_configurations_supported":{"x":{"format":`), wellknown.ErrRegistration},
		{"configuration not an object", []byte(`{"credential_configurations_supported":{"x":"dc+sd-jwt"}}`), wellknown.ErrRegistration},
		{"configuration without format", []byte(`{"credential_configurations_supported":{"x":{"vct":"v"}}}`), wellknown.ErrRegistration},
		{"sd-jwt without vct", []byte(`{"credential_configurations_supported":{"x":{"format":"dc+sd-jwt"}}}`), wellknown.ErrRegistration},
		{"duplicate member", []byte(`{"credential_configurations_supported":{"x":{"format":"dc+sd-jwt","vct":"a","vct":"b"}}}`), wellknown.ErrRegistration},
		{"no configurations", []byte(`{"credential_configurations_supported":{}}`), wellknown.ErrRegistration},
		{"10 MB of configurations", tenMB, wellknown.ErrTooLarge},
		{"10,000 configurations", big(10000), wellknown.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := newAggregator(t, wellknown.AggregatorConfig{})
			err := a.RegisterIssuer(ctx, "tenant-a", "p", tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if md, _ := a.IssuerMetadata(ctx, "tenant-a"); len(md.CredentialConfigurations) != 1 {
				t.Fatalf("bad registration changed the document: %d configurations", len(md.CredentialConfigurations))
			}
		})
	}
	t.Run("control characters in names", func(t *testing.T) {
		a, _ := newAggregator(t, wellknown.AggregatorConfig{})
		cfg := []byte(`{"format":"dc+sd-jwt","vct":"v"}`)
		for _, tc := range [][3]string{{"tenant-a", "p\x00", "x"}, {"tenant-a", "p", "x\n"}, {"tenant-a", "", "x"}, {"tenant-a", "p", strings.Repeat("x", 300)}} {
			if err := a.RegisterConfiguration(ctx, tc[0], tc[1], tc[2], cfg); !errors.Is(err, wellknown.ErrRegistration) {
				t.Fatalf("%q: got %v", tc, err)
			}
		}
	})
	t.Run("tenant total bounded", func(t *testing.T) {
		a, _ := newAggregator(t, wellknown.AggregatorConfig{MaxConfigurations: 10})
		if err := a.RegisterIssuer(ctx, "tenant-a", "p", big(9)); err != nil {
			t.Fatal(err)
		}
		err := a.RegisterConfiguration(ctx, "tenant-a", "q", "one-more", []byte(`{"format":"dc+sd-jwt","vct":"v"}`))
		if !errors.Is(err, wellknown.ErrTooLarge) || !strings.Contains(err.Error(), "at most 10") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestRegistrationConflicts(t *testing.T) {
	ctx := context.Background()
	a, _ := newAggregator(t, wellknown.AggregatorConfig{})
	cfg1 := []byte(`{"format":"dc+sd-jwt","vct":"https://vct.example/one"}`)
	cfg1Reordered := []byte(`{ "vct":"https://vct.example/one", "format":"dc+sd-jwt" }`)
	cfg2 := []byte(`{"format":"dc+sd-jwt","vct":"https://vct.example/two"}`)
	if err := a.RegisterConfiguration(ctx, "tenant-a", "plugin-1", "x", cfg1); err != nil {
		t.Fatal(err)
	}
	t.Run("same content from another plugin is fine", func(t *testing.T) {
		if err := a.RegisterConfiguration(ctx, "tenant-a", "plugin-2", "x", cfg1Reordered); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("different content from another plugin is rejected", func(t *testing.T) {
		err := a.RegisterConfiguration(ctx, "tenant-a", "plugin-3", "x", cfg2)
		var ce *wellknown.ConflictError
		if !errors.As(err, &ce) || !errors.Is(err, wellknown.ErrConflict) || ce.ID != "x" || ce.Source != "plugin-3" {
			t.Fatalf("got %v", err)
		}
		md, _ := a.IssuerMetadata(ctx, "tenant-a")
		if md.CredentialConfigurations["x"].VCT != "https://vct.example/one" {
			t.Fatal("conflicting content merged")
		}
	})
	t.Run("conflict with the base document", func(t *testing.T) {
		err := a.RegisterConfiguration(ctx, "tenant-a", "plugin-1", "base", cfg2)
		var ce *wellknown.ConflictError
		if !errors.As(err, &ce) || ce.Holder != "" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("conflict in a shared registry is left out and reported", func(t *testing.T) {
		// Two replicas share a registry whose rows were written without the
		// conflict check (e.g. before an upgrade).
		reg := wellknown.NewMemoryRegistry()
		now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		reg.Upsert(ctx, wellknown.Registration{Tenant: "tenant-a", Source: "p1", Seen: now, Configurations: map[string][]byte{"y": cfg1}}, now)
		reg.Upsert(ctx, wellknown.Registration{Tenant: "tenant-a", Source: "p2", Seen: now, Configurations: map[string][]byte{"y": cfg2}}, now.Add(time.Hour))
		b, _ := newAggregator(t, wellknown.AggregatorConfig{Registry: reg})
		md, err := b.IssuerMetadata(ctx, "tenant-a")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := md.CredentialConfigurations["y"]; ok {
			t.Fatal("conflicting configuration served")
		}
		cs, err := b.Conflicts(ctx, "tenant-a")
		if err != nil || len(cs) != 1 || cs[0].ID != "y" {
			t.Fatalf("Conflicts = %+v, %v", cs, err)
		}
	})
}

// TestServedEqualsEnforced: the handler serves exactly what the
// Aggregator gives the issuer.
func TestServedEqualsEnforced(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	issuer := ts.URL + "/tenant-a"
	clk := &clock{t: time.Now()}
	a, err := wellknown.NewAggregator(wellknown.AggregatorConfig{
		Registry: wellknown.NewMemoryRegistry(),
		Base:     wellknown.StaticMetadata{"tenant-a": issuerMetadata(issuer, map[string]*oid4vci.CredentialConfiguration{"base": sdJWTConfig("v")})},
		Now:      clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := wellknown.New(wellknown.Config{Tenants: []wellknown.Tenant{{ID: "tenant-a", CredentialIssuer: issuer, Metadata: a}}})
	if err != nil {
		t.Fatal(err)
	}
	ts.set(srv.Handler())
	u := ts.URL + "/.well-known/openid-credential-issuer/tenant-a"
	fetchIDs := func() string {
		_, b := get(t, ts.Client(), "GET", u, nil)
		md, err := oid4vci.Parser{}.IssuerMetadata(b)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(sortedIDs(md), ",")
	}
	enforced := func() string {
		md, err := a.IssuerMetadata(ctx, "tenant-a")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(sortedIDs(md), ",")
	}
	if s, e := fetchIDs(), enforced(); s != e || s != "base" {
		t.Fatalf("served %s, enforced %s", s, e)
	}
	if err := a.RegisterConfiguration(ctx, "tenant-a", "p", "new", []byte(`{"format":"dc+sd-jwt","vct":"w"}`)); err != nil {
		t.Fatal(err)
	}
	if s, e := fetchIDs(), enforced(); s != e || s != "base,new" {
		t.Fatalf("served %s, enforced %s", s, e)
	}
	clk.Add(2 * time.Minute)
	if s, e := fetchIDs(), enforced(); s != e || s != "base" {
		t.Fatalf("after expiry served %s, enforced %s", s, e)
	}
	var raw map[string]json.RawMessage
	_, b := get(t, ts.Client(), "GET", u, nil)
	json.Unmarshal(b, &raw)
}
