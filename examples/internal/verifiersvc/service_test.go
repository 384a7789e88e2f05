package verifiersvc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/presentation/dcql"
)

func query(t testing.TB) json.RawMessage { return json.RawMessage(pidQuery) }

// TestFlow: the internal API creates a direct_post.jwt request, the
// library wallet answers it over loopback, and the proof shows exactly the
// requested claims (a recursive disclosure: address.street_address without
// its siblings); NATS carries the W-Stack's statuses in order.
func TestFlow(t *testing.T) {
	w := newWorld(t)
	nc := natsConn(t)
	notes := collect(t, nc)
	in := w.start(instanceOptions{nats: nc})
	created := in.request(t, map[string]any{"dcql_query": query(t), "group": "onboarding"})
	require.Equal(t, StatusRequested, created.Status)
	require.False(t, created.FromCache)
	link, err := url.Parse(created.AuthorizationRequest)
	require.NoError(t, err)
	require.Equal(t, "openid4vp", link.Scheme)
	require.Contains(t, link.Query().Get("client_id"), "decentralized_identifier:did:key:")
	require.Equal(t, created.RequestURI, link.Query().Get("request_uri"))
	require.Equal(t, in.url+"/v1/tenants/acme/presentation/request/"+created.PresentationID, created.RequestURI)
	require.Equal(t, StatusRequested, in.proof(t, created.PresentationID).Status)

	out, err := w.wallet().Present(w.ctx, created.AuthorizationRequest)
	require.NoError(t, err)
	require.Len(t, out.VPToken["pid"], 1)

	p := in.proof(t, created.PresentationID)
	require.Equal(t, StatusVerified, p.Status)
	require.False(t, p.FromCache)
	require.Equal(t, "onboarding", p.GroupID)
	c := p.Credentials["pid"][0]
	require.Equal(t, w.issuerDID, c.Issuer)
	require.Equal(t, "urn:eudi:pid:1", c.VCT)
	require.Equal(t, "Erika", c.Claims["given_name"])
	require.NotContains(t, c.Claims, "family_name")
	addr := c.Claims["address"].(map[string]any)
	require.Equal(t, "Heidestraße 17", addr["street_address"])
	require.NotContains(t, addr, "locality")
	require.Equal(t, []string{StatusRequested, StatusFetched, StatusReceived, StatusVerified},
		notes.statuses(t, created.PresentationID, 4))

	var list struct{ Proofs []*Proof }
	require.Equal(t, 200, in.call(t, "GET", "/v1/tenants/acme/internal/list/proofs/onboarding", nil, &list))
	require.Len(t, list.Proofs, 1)
	require.Equal(t, created.PresentationID, list.Proofs[0].PresentationID)
	require.Equal(t, StatusVerified, list.Proofs[0].Status)
	require.Nil(t, list.Proofs[0].Credentials)

	// A second response to the same transaction is refused.
	_, err = w.wallet().Present(w.ctx, created.AuthorizationRequest)
	require.Error(t, err)
}

// TestRevoked: a revoked credential is rejected, with the revocation in
// the result and a rejected notification.
func TestRevoked(t *testing.T) {
	w := newWorld(t)
	nc := natsConn(t)
	notes := collect(t, nc)
	in := w.start(instanceOptions{nats: nc})
	w.revoke()
	created := in.request(t, map[string]any{"dcql_query": query(t)})
	_, err := w.wallet().Present(w.ctx, created.AuthorizationRequest)
	require.Error(t, err)
	p := in.proof(t, created.PresentationID)
	require.Equal(t, StatusRejected, p.Status)
	require.Equal(t, "invalid_request", p.ErrorCode)
	require.Contains(t, p.Error, "revoked")
	require.Empty(t, p.Credentials)
	got := notes.statuses(t, created.PresentationID, 4)
	require.Equal(t, StatusRejected, got[len(got)-1])
}

// TestCache: a request naming the holder is answered by the wallet once,
// then from the cache (from_cache, same claims, no wallet); the status is
// re-checked on every hit, so after revocation the cache no longer serves
// it; invalidation through the API removes the entry.
func TestCache(t *testing.T) {
	w := newWorld(t)
	in := w.start(instanceOptions{})
	body := map[string]any{"dcql_query": query(t), "holder": w.holderDID}

	first := in.request(t, body)
	require.False(t, first.FromCache)
	_, err := w.wallet().Present(w.ctx, first.AuthorizationRequest)
	require.NoError(t, err)

	// Same credential queries under another id, holder as did:jwk: a hit.
	q2 := `{"credentials":[{"id":"person","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},
	  "claims":[{"path":["given_name"]},{"path":["address","street_address"]}]}]}`
	jwkDID := didJWK(t, w)
	hit := in.request(t, map[string]any{"dcql_query": json.RawMessage(q2), "holder": jwkDID})
	require.True(t, hit.FromCache)
	require.Equal(t, StatusVerified, hit.Status)
	require.Empty(t, hit.AuthorizationRequest)
	p := in.proof(t, hit.PresentationID)
	require.True(t, p.FromCache)
	require.Equal(t, StatusVerified, p.Status)
	require.Equal(t, "Erika", p.Credentials["person"][0].Claims["given_name"])

	// Other claims: another scope, a miss.
	q3 := `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["family_name"]}]}]}`
	require.False(t, in.request(t, map[string]any{"dcql_query": json.RawMessage(q3), "holder": w.holderDID}).FromCache)
	// Another holder: a miss.
	require.False(t, in.request(t, map[string]any{"dcql_query": query(t), "holder": w.issuerDID}).FromCache)

	// Invalidate, miss, answer again, hit.
	require.Equal(t, http.StatusNoContent, in.call(t, "DELETE", "/v1/tenants/acme/presentation/cache?participantId="+url.QueryEscape(jwkDID), nil, nil))
	again := in.request(t, body)
	require.False(t, again.FromCache)
	_, err = w.wallet().Present(w.ctx, again.AuthorizationRequest)
	require.NoError(t, err)
	require.True(t, in.request(t, body).FromCache)

	// Revoked: never served from the cache.
	w.revoke()
	in.svc.status.Purge() // the list cache's TTL (StatusCacheTTL) is what a deployment waits
	after := in.request(t, body)
	require.False(t, after.FromCache)
	_, err = w.wallet().Present(w.ctx, after.AuthorizationRequest)
	require.Error(t, err)
	require.Contains(t, in.proof(t, after.PresentationID).Error, "revoked")

	// Another tenant's entries cannot be invalidated through this tenant.
	require.Equal(t, http.StatusForbidden, in.call(t, "DELETE", "/v1/tenants/acme/presentation/cache?participantId="+
		url.QueryEscape(w.holderDID)+"&participantContextId=other", nil, nil))
}

func didJWK(t *testing.T, w *world) string {
	t.Helper()
	jwk, err := w.holderKey.JWK()
	require.NoError(t, err)
	b, err := json.Marshal(jwk)
	require.NoError(t, err)
	d := "did:jwk:" + b64(b)
	c, err := CanonicalHolder(d)
	require.NoError(t, err)
	require.Equal(t, w.holderDID, c)
	return d
}

// TestNATSAuthorization: verifier.presentation.authorization answers
// with the same body as the HTTP API, in the W-Stack envelope.
func TestNATSAuthorization(t *testing.T) {
	w := newWorld(t)
	nc := natsConn(t)
	in := w.start(instanceOptions{nats: nc})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var rep AuthorizationReply
	require.NoError(t, svc.Call(ctx, nc, SubjectAuthorization, "test", "verifier.presentation.authorization",
		map[string]any{"tenant_id": "acme", "request_id": "r1", "group_id": "g1", "dcql_query": query(t), "ttl": 60}, &rep))
	require.Equal(t, "acme", rep.TenantID)
	require.Equal(t, "r1", rep.RequestID)
	require.NotEmpty(t, rep.PresentationID)
	require.WithinDuration(t, time.Now().Add(time.Minute), rep.ExpiresAt, 5*time.Second)
	_, err := w.wallet().Present(w.ctx, rep.AuthorizationRequest)
	require.NoError(t, err)
	p := in.proof(t, rep.PresentationID)
	require.Equal(t, StatusVerified, p.Status)
	require.Equal(t, "g1", p.GroupID)

	err = svc.Call(ctx, nc, SubjectAuthorization, "test", "verifier.presentation.authorization",
		map[string]any{"tenant_id": "nobody", "dcql_query": query(t)}, &rep)
	require.ErrorIs(t, err, svc.ErrRemote)
	require.Contains(t, err.Error(), "(404)")
}

// TestAPI: authentication, tenants and malformed requests.
func TestAPI(t *testing.T) {
	w := newWorld(t)
	in := w.start(instanceOptions{})
	created := in.request(t, map[string]any{"dcql_query": query(t)})
	for _, path := range []string{"/v1/tenants/acme/presentation/proof/" + created.PresentationID,
		"/v1/tenants/acme/internal/list/proofs/x"} {
		resp, err := http.Get(in.url + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, path)
	}
	resp, err := http.Post(in.url+"/v1/tenants/acme/presentation/request", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	cases := []struct {
		name   string
		path   string
		body   any
		status int
	}{
		{"unknown tenant", "/v1/tenants/other/presentation/request", map[string]any{"dcql_query": query(t)}, 404},
		{"no query", "/v1/tenants/acme/presentation/request", map[string]any{}, 400},
		{"both queries", "/v1/tenants/acme/presentation/request", map[string]any{"dcql_query": query(t), "presentation_definition": map[string]any{"id": "x", "input_descriptors": []any{}}}, 400},
		{"bad dcql", "/v1/tenants/acme/presentation/request", map[string]any{"dcql_query": map[string]any{"credentials": []any{}}}, 400},
		{"bad mode", "/v1/tenants/acme/presentation/request", map[string]any{"dcql_query": query(t), "response_mode": "fragment"}, 400},
		{"ttl too long", "/v1/tenants/acme/presentation/request", map[string]any{"dcql_query": query(t), "ttl": 86400}, 400},
		{"negative ttl", "/v1/tenants/acme/presentation/request", map[string]any{"dcql_query": query(t), "ttl": -1}, 400},
		{"holder not a DID", "/v1/tenants/acme/presentation/request", map[string]any{"dcql_query": query(t), "holder": "alice"}, 400},
		{"bad group", "/v1/tenants/acme/presentation/request", map[string]any{"dcql_query": query(t), "group": "a b"}, 400},
		{"unknown proof", "/v1/tenants/acme/presentation/proof/nope", nil, 404},
		{"proof of another tenant", "/v1/tenants/other/presentation/proof/" + created.PresentationID, nil, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if tc.body == nil {
				method = "GET"
			}
			require.Equal(t, tc.status, in.call(t, method, tc.path, tc.body, nil))
		})
	}
	var legacy PresentationCreated
	require.Equal(t, 201, in.call(t, "POST", "/v1/tenants/acme/presentation/request", map[string]any{
		"presentation_definition": map[string]any{"id": "pd", "input_descriptors": []any{map[string]any{"id": "pid",
			"format": map[string]any{"vc+sd-jwt": map[string]any{}}, "constraints": map[string]any{"fields": []any{
				map[string]any{"path": []any{"$.vct"}, "filter": map[string]any{"type": "string", "const": "urn:eudi:pid:1"}}}}}}},
	}, &legacy))
	require.Contains(t, legacy.AuthorizationRequest, "client_id=did%3Akey%3A")
}

// TestScopes: the mapping from DCQL to cache scopes.
func TestScopes(t *testing.T) {
	parse := func(s string) *dcql.Query {
		q, err := dcql.Parse([]byte(s))
		require.NoError(t, err)
		return q
	}
	a, err := Scopes(parse(pidQuery))
	require.NoError(t, err)
	require.Len(t, a, 1)
	require.Regexp(t, `^openid4vp\.dcql:[0-9a-f]{32}:dc\+sd-jwt:urn:eudi:pid:1$`, a[0])
	renamed, err := Scopes(parse(`{"credentials":[{"id":"other","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},
	  "claims":[{"path":["given_name"]},{"path":["address","street_address"]}]}]}`))
	require.NoError(t, err)
	require.Equal(t, a, renamed, "query ids do not matter")
	values, err := Scopes(parse(`{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},
	  "claims":[{"path":["given_name"],"values":["Erika"]},{"path":["address","street_address"]}]}]}`))
	require.NoError(t, err)
	require.NotEqual(t, a, values, "claim values matter")
	for name, q := range map[string]string{
		"jwt_vc_json":    `{"credentials":[{"id":"a","format":"jwt_vc_json","meta":{"type_values":[["X"]]}}]}`,
		"no binding":     `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"require_cryptographic_holder_binding":false}]}`,
		"credential set": `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]}}],"credential_sets":[{"options":[["a"]]}]}`,
	} {
		_, err := Scopes(parse(q))
		require.ErrorIs(t, err, ErrNotCacheable, name)
	}
}

// TestConfig: what New refuses.
func TestConfig(t *testing.T) {
	w := newWorld(t)
	auth, _ := svc.NewStaticTokens("x:" + testToken)
	base := func() Config {
		return Config{PublicURL: "https://verifier.example", Engine: w.engine, Auth: auth,
			Storage: svc.Storage{SQLiteDir: t.TempDir()}, TrustedIssuers: []string{w.issuerDID},
			Tenants: map[string]TenantConfig{"acme": {GenerateKey: true}}}
	}
	cases := map[string]func(*Config){
		"no engine":       func(c *Config) { c.Engine = nil },
		"no auth":         func(c *Config) { c.Auth = nil },
		"http public url": func(c *Config) { c.PublicURL = "http://127.0.0.1:1" },
		"no tenants":      func(c *Config) { c.Tenants = nil },
		"no trust":        func(c *Config) { c.TrustedIssuers = nil },
		"bad prefix":      func(c *Config) { c.TablePrefix = "Drop;" },
		"bad tenant":      func(c *Config) { c.Tenants = map[string]TenantConfig{"a/b": {}} },
		"missing key":     func(c *Config) { c.Tenants = map[string]TenantConfig{"acme": {}} },
		"x509 no chain": func(c *Config) {
			c.Tenants = map[string]TenantConfig{"acme": {ClientIDPrefix: PrefixX509DNS, GenerateKey: true}}
		},
		"unknown prefix": func(c *Config) {
			c.Tenants = map[string]TenantConfig{"acme": {ClientIDPrefix: "origin", GenerateKey: true}}
		},
		"bad did method":   func(c *Config) { c.Tenants = map[string]TenantConfig{"acme": {DIDMethod: "web", GenerateKey: true}} },
		"ttl above max":    func(c *Config) { c.TTL, c.MaxTTL = time.Hour, time.Minute },
		"negative caching": func(c *Config) { c.Cache.Validity = -1 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := base()
			for k, v := range cfg.Tenants {
				v.Key.Namespace, v.Key.Group, v.Key.ID = "acme", "verifier", "cfg-"+name
				cfg.Tenants[k] = v
			}
			mutate(&cfg)
			for k, v := range cfg.Tenants {
				if v.Key.ID == "" {
					v.Key.Namespace, v.Key.Group, v.Key.ID = "acme", "verifier", "missing-"+name
					cfg.Tenants[k] = v
				}
			}
			_, err := New(context.Background(), cfg)
			require.ErrorIs(t, err, ErrConfig)
		})
	}
	s, err := New(context.Background(), func() Config {
		c := base()
		c.Tenants = map[string]TenantConfig{"acme": {GenerateKey: true, DIDMethod: "jwk",
			Key: keyRef("jwk")}}
		return c
	}())
	require.NoError(t, err)
	require.Contains(t, s.clients["acme"].ClientID().String(), "decentralized_identifier:did:jwk:")
	require.NoError(t, s.Close())
}
