package verifier_test

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/presentation/dcql"
)

// Golden files of what the verifier produces (testdata/golden): Request
// Objects (header and claims), links, request_uri POST answers, response
// endpoint answers and results, with the variable parts normalised
// (nonce, state, ids, keys, DIDs, certificates, port, times). Regenerate
// with
//
//	go test ./oid4vp/verifier -run TestGolden -update
//
// and review the diff. Each output is also compared field by field with
// the example of OpenID4VP 1.0 (../testdata/spec, from openid/OpenID4VP)
// it corresponds to: same members with the same values where the values
// are not ours to choose, and every difference named.
var update = flag.Bool("update", false, "rewrite the golden files of TestGolden*")

// normaliser replaces the variable parts of an output by placeholders.
type normaliser struct {
	pairs []string // old, new
}

func (n *normaliser) add(old, placeholder string) {
	if old != "" {
		n.pairs = append(n.pairs, old, placeholder)
	}
}

func (n *normaliser) str(s string) string {
	// longest first, so that a kid (DID URL) wins over its DID
	type pair struct{ old, new string }
	var ps []pair
	for i := 0; i < len(n.pairs); i += 2 {
		ps = append(ps, pair{n.pairs[i], n.pairs[i+1]})
	}
	sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].old) > len(ps[j].old) })
	var args []string
	for _, p := range ps {
		args = append(args, p.old, p.new)
	}
	return strings.NewReplacer(args...).Replace(s)
}

// tree normalises a decoded JSON value: strings through the replacements,
// JWK coordinates and kids, times.
func (n *normaliser) tree(v any) any {
	switch x := v.(type) {
	case string:
		return n.str(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = n.tree(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		_, isJWK := x["kty"]
		for k, e := range x {
			switch {
			case isJWK && (k == "x" || k == "y" || k == "kid"):
				out[k] = "<" + k + ">"
			case k == "iat" || k == "exp" || k == "at":
				out[k] = "<time>"
			case k == "x5c":
				out[k] = []any{"<leaf certificate>"}
			case k == "jwt":
				out[k] = "<verifier attestation>"
			default:
				out[k] = n.tree(e)
			}
		}
		return out
	}
	return v
}

func goldenCompare(t *testing.T, name string, got any) {
	t.Helper()
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(got))
	b := []byte(buf.String())
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, b, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create %s", path)
	var w, g any
	require.NoError(t, json.Unmarshal(want, &w))
	require.NoError(t, json.Unmarshal(b, &g))
	if d := cmp.Diff(w, g); d != "" {
		t.Fatalf("%s differs (-golden +got):\n%s", name, d)
	}
}

func specExample(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// fieldByField compares our output with a spec example: every member of
// the example is in ours (or named in missing) with the same value when it
// is in same, else the same JSON type; every member of ours is in the
// example or named in extra.
func fieldByField(t *testing.T, spec, ours map[string]any, same, missing, extra []string) {
	t.Helper()
	for k, sv := range spec {
		ov, ok := ours[k]
		if slices.Contains(missing, k) {
			require.False(t, ok, "%s: expected absent", k)
			continue
		}
		require.True(t, ok, "member %q of the spec example is missing", k)
		if slices.Contains(same, k) {
			require.Empty(t, cmp.Diff(sv, ov), "member %q differs from the spec example", k)
			continue
		}
		require.IsType(t, sv, ov, "member %q has another JSON type than in the spec example", k)
	}
	for k := range ours {
		if _, ok := spec[k]; !ok {
			require.Contains(t, extra, k, "member %q is not in the spec example and not expected", k)
		}
	}
	for _, k := range extra {
		_, ok := ours[k]
		require.True(t, ok, "expected extra member %q", k)
	}
}

// requestObject fetches and verifies tx's Request Object (GET, or POST
// with form) and returns its header and claims as JSON maps.
func (e *env) requestObject(t *testing.T, tx *verifier.Transaction, form url.Values) (hdr, claims map[string]any, raw string) {
	t.Helper()
	var resp *http.Response
	var err error
	if form != nil {
		resp, err = e.http.PostForm(tx.Request.RequestURI, form)
	} else {
		resp, err = e.http.Get(tx.Request.RequestURI)
	}
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, 200, resp.StatusCode, string(body))
	require.Equal(t, oid4vp.MediaTypeRequestObject, resp.Header.Get("Content-Type"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	j, err := jose.Verify(e.ctx, string(body), jose.VerifyOptions{Key: e.requestKey(string(body)),
		ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{oid4vp.TypRequestObject}}})
	require.NoError(t, err)
	parts := strings.Split(string(body), ".")
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(hb, &hdr))
	require.NoError(t, json.Unmarshal(j.Payload, &claims))
	iat, exp := claims["iat"].(float64), claims["exp"].(float64)
	require.InDelta(t, 300, exp-iat, 0, "exp is the transaction's expiry (TTL 5 min)")
	return hdr, claims, string(body)
}

func (e *env) normaliser(tx *verifier.Transaction, claims map[string]any) *normaliser {
	n := &normaliser{}
	u, _ := url.Parse(e.base)
	n.add(u.Host, "example.com:<port>")
	n.add(tx.ID, "<id>")
	if claims != nil {
		n.add(claims["nonce"].(string), "<nonce>")
		n.add(claims["state"].(string), "<state>")
	}
	cid := tx.Request.ClientID
	if id, err := oid4vp.ParseClientID(cid); err == nil {
		switch id.Prefix {
		case oid4vp.PrefixDecentralizedIdentifier:
			if e.signer != nil {
				n.add(e.signer.KID(), "did:key:<verifier>#<key>")
			}
			n.add(id.Identifier, "did:key:<verifier>")
		case oid4vp.PrefixX509Hash:
			n.add(id.Identifier, "<leaf certificate hash>")
		}
	}
	if strings.HasPrefix(cid, "did:") { // legacy: bare DID
		if e.signer != nil {
			n.add(e.signer.KID(), "did:key:<verifier>#<key>")
		}
		n.add(cid, "did:key:<verifier>")
	}
	if e.signer != nil { // other prefixes: the engine key's id
		n.add(e.signer.KID(), "<verifier key id>")
	}
	return n
}

// specQuery is the DCQL query of the spec's Request Object examples
// (examples/query_lang/simple.json).
func specQuery(t *testing.T) *dcql.Query {
	b, err := json.Marshal(specExample(t, "spec/request_object_client_id_did.json")["dcql_query"])
	require.NoError(t, err)
	return mustQuery(t, string(b))
}

// specFormats is client_metadata.vp_formats_supported of the spec's
// examples/client_metadata/sd_jwt_vc_verifier_metadata.json.
func specFormats(t *testing.T) oid4vp.VPFormats {
	b, err := json.Marshal(specExample(t, "spec/client_metadata_sd_jwt_vc_verifier_metadata.json")["vp_formats_supported"])
	require.NoError(t, err)
	var f oid4vp.VPFormats
	require.NoError(t, json.Unmarshal(b, &f))
	return f
}

func withSpecFormats(t *testing.T) func(*verifier.Config) {
	return func(c *verifier.Config) {
		for _, cl := range c.Clients.(verifier.StaticClients) {
			cl.VPFormats = specFormats(t)
		}
	}
}

// TestGoldenRequestObjects: the signed Request Object of every signing
// prefix, against golden files and the spec's §5.1 / §5.10.1 examples.
func TestGoldenRequestObjects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prefix oid4vp.ClientIDPrefix
		mode   oid4vp.ResponseMode
		method string
		// header members expected besides typ and alg
		header []string
	}{
		{"decentralized_identifier_direct_post_jwt", oid4vp.PrefixDecentralizedIdentifier, oid4vp.ResponseModeDirectPostJWT, "", []string{"kid"}},
		{"decentralized_identifier_direct_post", oid4vp.PrefixDecentralizedIdentifier, oid4vp.ResponseModeDirectPost, oid4vp.RequestURIMethodGet, []string{"kid"}},
		{"x509_san_dns_direct_post_jwt", oid4vp.PrefixX509SANDNS, oid4vp.ResponseModeDirectPostJWT, "", []string{"x5c"}},
		{"x509_hash_direct_post_jwt", oid4vp.PrefixX509Hash, oid4vp.ResponseModeDirectPostJWT, "", []string{"x5c"}},
		{"verifier_attestation_direct_post_jwt", oid4vp.PrefixVerifierAttestation, oid4vp.ResponseModeDirectPostJWT, "", []string{"jwt", "kid"}},
		{"pre_registered_direct_post_jwt", oid4vp.PrefixPreRegistered, oid4vp.ResponseModeDirectPostJWT, "", []string{"kid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, v := newEnv(t, envOptions{prefix: tc.prefix, cfg: withSpecFormats(t)})
			tx := e.create(v, verifier.CreateRequest{Query: specQuery(t), ResponseMode: tc.mode, RequestURIMethod: tc.method})
			hdr, claims, _ := e.requestObject(t, tx, nil)
			n := e.normaliser(tx, claims)

			// Header: §5 / the spec's request_header_client_id_did.json.
			specHdr := specExample(t, "spec/request_header_client_id_did.json")
			var extra []string
			for _, h := range tc.header {
				if _, inSpec := specHdr[h]; !inSpec {
					extra = append(extra, h)
				}
			}
			var missing []string
			if !slices.Contains(tc.header, "kid") {
				missing = []string{"kid"}
			}
			fieldByField(t, specHdr, hdr, []string{"typ"}, missing, extra)
			require.Equal(t, "ES256", hdr["alg"])

			// Claims: the spec's Request Object examples.
			extraClaims := []string{"aud", "iat", "exp", "state", "response_mode", "response_uri"}
			spec := specExample(t, "spec/request_object_client_id_did.json")
			if tc.mode == oid4vp.ResponseModeDirectPost {
				// §8.2: no client_metadata keys; client_metadata still
				// carries the formats.
				require.NotContains(t, claims["client_metadata"], "jwks")
			} else {
				cm := claims["client_metadata"].(map[string]any)
				fieldByField(t, specExample(t, "spec/client_metadata_sd_jwt_vc_verifier_metadata.json"), cm,
					[]string{"vp_formats_supported"}, nil, []string{"jwks", "encrypted_response_enc_values_supported"})
				jwks := cm["jwks"].(map[string]any)["keys"].([]any)
				require.Len(t, jwks, 1)
				require.Subset(t, mapKeys(jwks[0].(map[string]any)), []string{"kty", "crv", "x", "y", "kid", "use", "alg"})
				require.NotContains(t, jwks[0], "d")
			}
			fieldByField(t, spec, claims, []string{"response_type", "dcql_query"},
				[]string{"redirect_uri"}, extraClaims)
			require.Equal(t, tx.Request.ClientID, claims["client_id"], "§5.10.1: identical to the link's client_id")
			require.Equal(t, oid4vp.AudienceSelfIssued, claims["aud"], "§5.8: static discovery")
			require.Equal(t, string(tc.mode), claims["response_mode"])
			if tc.mode == oid4vp.ResponseModeDirectPost {
				fieldByField(t, specExample(t, "spec/request_object_direct_post_8_2.json"), claims,
					[]string{"response_type", "response_mode", "dcql_query"}, nil, []string{"aud", "iat", "exp", "client_metadata"})
			}
			goldenCompare(t, "request_object_"+tc.name+".json", map[string]any{"header": n.tree(hdr), "claims": n.tree(claims)})
		})
	}
}

func mapKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestGoldenRequestURIPost: the spec's §5.10 request_uri POST body, sent
// as printed, answered with the §5.10.1 Request Object (wallet_nonce
// echoed, the formats narrowed to the wallet's).
func TestGoldenRequestURIPost(t *testing.T) {
	e, v := newEnv(t, envOptions{prefix: oid4vp.PrefixX509SANDNS, cfg: withSpecFormats(t)})
	tx := e.create(v, verifier.CreateRequest{Query: specQuery(t), ResponseMode: oid4vp.ResponseModeDirectPost, RequestURIMethod: oid4vp.RequestURIMethodPost})
	// §5.10, the example request body (the line breaks of the printed
	// example removed).
	body := "wallet_metadata=%7B%22vp_formats_supported%22%3A%7B%22dc%2Bsd-jwt%22%3A%7B%22sd-jwt_a" +
		"lg_values%22%3A%20%5B%22ES256%22%5D%2C%22kb-jwt_alg_values%22%3A%20%5B%22ES256%22%5D%" +
		"7D%7D%7D&wallet_nonce=qPmxiNFCR3QTm19POc8u"
	form, err := url.ParseQuery(body)
	require.NoError(t, err)
	hdr, claims, _ := e.requestObject(t, tx, form)
	require.Contains(t, hdr, "x5c")
	fieldByField(t, specExample(t, "spec/request_object_request_uri_post_5_10_1.json"), claims,
		[]string{"response_type", "response_mode", "dcql_query", "wallet_nonce"}, nil,
		[]string{"aud", "iat", "exp", "client_metadata"})
	require.Equal(t, "x509_san_dns:example.com", claims["client_id"])
	require.Equal(t, "qPmxiNFCR3QTm19POc8u", claims["wallet_nonce"])
	require.Equal(t, map[string]any{"dc+sd-jwt": map[string]any{"sd-jwt_alg_values": []any{"ES256"}, "kb-jwt_alg_values": []any{"ES256"}}},
		claims["client_metadata"].(map[string]any)["vp_formats_supported"], "narrowed to the wallet's ES256")
	n := e.normaliser(tx, claims)
	goldenCompare(t, "request_object_request_uri_post.json", map[string]any{"header": n.tree(hdr), "claims": n.tree(claims)})
}

// linkJSON splits a link into its endpoint and its decoded parameters
// (JSON-valued parameters decoded too).
func linkJSON(t *testing.T, link string) map[string]any {
	t.Helper()
	i := strings.IndexByte(link, '?')
	require.Positive(t, i)
	q, err := url.ParseQuery(link[i+1:])
	require.NoError(t, err)
	params := map[string]any{}
	for k, vs := range q {
		require.Len(t, vs, 1, k)
		var j any
		if strings.HasPrefix(vs[0], "{") && json.Unmarshal([]byte(vs[0]), &j) == nil {
			params[k] = j
			continue
		}
		params[k] = vs[0]
	}
	return map[string]any{"endpoint": link[:i], "params": params}
}

// TestGoldenLinks: the invocation links for QR codes and same-device use
// (§9): by reference for signed clients (the spec's openid4vp:// and
// request_uri_method=post links), by value for the redirect_uri prefix
// (§5.9.3's example link).
func TestGoldenLinks(t *testing.T) {
	specLinks := map[string]string{}
	b, err := os.ReadFile(filepath.Join("..", "testdata", "spec", "links.txt"))
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && !strings.HasPrefix(line, "#") {
			specLinks[f[0]] = f[2]
		}
	}
	for _, tc := range []struct {
		name     string
		prefix   oid4vp.ClientIDPrefix
		method   string
		endpoint string
		spec     string
		same     []string // parameters equal to the spec link's
		extra    []string // parameters the spec link does not have
		missing  []string
	}{
		{"openid4vp_x509_san_dns", oid4vp.PrefixX509SANDNS, "", "openid4vp://", "openid4vp_scheme_request_uri", nil, nil, nil},
		{"haip_vp_x509_hash_post", oid4vp.PrefixX509Hash, oid4vp.RequestURIMethodPost, "haip-vp://", "request_uri_post_5_4", []string{"request_uri_method"}, nil, nil},
		{"https_wallet_did", oid4vp.PrefixDecentralizedIdentifier, "", "https://wallet.example.com/authorize", "openid4vp_scheme_request_uri", nil, nil, nil},
		{"openid4vp_redirect_uri_by_value", oid4vp.PrefixRedirectURI, "", "openid4vp://", "redirect_uri_prefix_5_9_3", []string{"response_type"},
			[]string{"response_mode", "response_uri", "state"}, []string{"redirect_uri"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, v := newEnv(t, envOptions{prefix: tc.prefix, cfg: withSpecFormats(t)})
			cr := verifier.CreateRequest{Query: specQuery(t), RequestURIMethod: tc.method}
			if tc.prefix == oid4vp.PrefixRedirectURI {
				cr.ResponseMode = oid4vp.ResponseModeDirectPost
			}
			tx := e.create(v, cr)
			link, err := tx.Link(tc.endpoint)
			require.NoError(t, err)
			parsed, err := oid4vp.ParseLink(link, oid4vp.LinkOptions{Schemes: []string{oid4vp.SchemeHAIP}})
			require.NoError(t, err, "our link parses")
			require.Equal(t, tx.Request.ClientID, parsed.Request.ClientID)
			ours := linkJSON(t, link)
			spec := linkJSON(t, specLinks[tc.spec])
			require.Equal(t, tc.endpoint, ours["endpoint"])
			params := ours["params"].(map[string]any)
			// The spec link's dcql_query / client_metadata are the same
			// query and formats as ours.
			same := append([]string{}, tc.same...)
			if _, ok := params["dcql_query"]; ok {
				same = append(same, "dcql_query")
			}
			fieldByField(t, spec["params"].(map[string]any), params, same, tc.missing, tc.extra)
			if cm, ok := params["client_metadata"].(map[string]any); ok {
				require.Equal(t, toMap(t, specFormats(t)), cm["vp_formats_supported"])
			}
			var claims map[string]any
			if parsed.Request.Nonce != "" {
				claims = map[string]any{"nonce": parsed.Request.Nonce, "state": parsed.Request.State}
			}
			goldenCompare(t, "link_"+tc.name+".json", e.normaliser(tx, claims).tree(ours))
		})
	}
}

// TestGoldenLegacyRequestObject: the legacy profile's Request Object
// (drafts ≤ 21: client_id_scheme, bare DID, presentation_definition,
// client_metadata.vp_formats) against the draft-21 example.
func TestGoldenLegacyRequestObject(t *testing.T) {
	e, v := newEnv(t, envOptions{cfg: func(c *verifier.Config) {
		for _, cl := range c.Clients.(verifier.StaticClients) {
			cl.VPFormats = oid4vp.VPFormats{"vc+sd-jwt": {}, "jwt_vp": {Extra: map[string]json.RawMessage{"alg": json.RawMessage(`["EdDSA","ES256"]`)}}}
		}
	}})
	spec := specExample(t, "legacy/draft21_request_object_client_id_did.json")
	b, err := json.Marshal(spec["presentation_definition"])
	require.NoError(t, err)
	tx := e.create(v, verifier.CreateRequest{PresentationDefinition: mustDefinition(t, string(b)), ResponseMode: oid4vp.ResponseModeDirectPost})
	require.Equal(t, "did", tx.Request.ClientIDScheme)
	hdr, claims, _ := e.requestObject(t, tx, nil)
	fieldByField(t, spec, claims, []string{"client_id_scheme", "response_type", "presentation_definition"}, []string{"redirect_uri"},
		[]string{"aud", "iat", "exp", "state", "response_mode", "response_uri"})
	require.Equal(t, tx.Request.ClientID, claims["client_id"])
	fieldByField(t, spec["client_metadata"].(map[string]any), claims["client_metadata"].(map[string]any), nil, nil, nil)
	require.Contains(t, claims["client_metadata"].(map[string]any)["vp_formats"], "jwt_vp")
	n := e.normaliser(tx, claims)
	goldenCompare(t, "request_object_legacy_did.json", map[string]any{"header": n.tree(hdr), "claims": n.tree(claims)})
}

// TestGoldenResponses: what the response endpoint answers (§8.2: 200 with
// {} cross-device, {"redirect_uri"} with a response code same-device;
// §8.5 errors), what request_uri answers when wallet_metadata has nothing
// in common, and the Result handed to the internal process.
func TestGoldenResponses(t *testing.T) {
	type answer struct {
		Status       int            `json:"status"`
		ContentType  string         `json:"content_type"`
		CacheControl string         `json:"cache_control"`
		Body         map[string]any `json:"body"`
	}
	post := func(e *env, uri string, form url.Values) answer {
		resp, err := e.http.PostForm(uri, form)
		require.NoError(e.t, err)
		defer resp.Body.Close()
		var a answer
		a.Status, a.ContentType, a.CacheControl = resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control")
		require.NoError(e.t, json.NewDecoder(resp.Body).Decode(&a.Body))
		return a
	}
	t.Run("cross_device_accepted", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		f := e.start(v, pidQuery, "")
		a := post(e, f.claims.ResponseURI, e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{}))
		require.Equal(t, 200, a.Status)
		require.Empty(t, a.Body, "§8.2: no redirect_uri cross-device")
		res, err := v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
		require.NoError(t, err)
		n := e.normaliser(f.tx, nil)
		n.add(e.issuerDID, "did:key:<issuer>")
		r := toMap(t, res)
		for _, c := range r["credentials"].(map[string]any)["pid"].([]any) {
			cl := c.(map[string]any)["claims"].(map[string]any)
			require.Contains(t, cl, "cnf")
			cl["cnf"] = "<holder key>"
		}
		goldenCompare(t, "response_cross_device_accepted.json", map[string]any{"answer": a, "result": n.tree(r)})
	})
	t.Run("same_device_accepted", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery), RedirectURI: "https://client.example.org/cb"})
		claims, err := e.fetch(mustLink(t, tx), "")
		require.NoError(t, err)
		a := post(e, claims.ResponseURI, e.responseForm(claims, e.present(claims, presentOptions{}), postOptions{}))
		require.Equal(t, 200, a.Status)
		spec := specExample(t, "spec/direct_post_result_8_2.json")
		fieldByField(t, spec, a.Body, nil, nil, nil)
		ru := a.Body["redirect_uri"].(string)
		require.True(t, strings.HasPrefix(ru, "https://client.example.org/cb#response_code="), ru)
		code := strings.TrimPrefix(ru, "https://client.example.org/cb#response_code=")
		require.GreaterOrEqual(t, len(code), 22)
		n := e.normaliser(tx, nil)
		n.add(code, "<response code>")
		goldenCompare(t, "response_same_device_accepted.json", n.tree(toMap(t, a)))
	})
	t.Run("rejected", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		f := e.start(v, pidQuery, "")
		a := post(e, f.claims.ResponseURI, e.responseForm(f.claims, e.present(f.claims, presentOptions{nonce: "another-nonce-0123456789"}), postOptions{}))
		require.Equal(t, 400, a.Status)
		res, err := v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
		require.NoError(t, err)
		r := toMap(t, res)
		require.Contains(t, r["error"], "nonce")
		r["error"] = "<reason>"
		goldenCompare(t, "response_rejected.json", map[string]any{"answer": a, "result": e.normaliser(f.tx, nil).tree(r)})
	})
	t.Run("unknown_transaction", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		f := e.start(v, pidQuery, oid4vp.ResponseModeDirectPost)
		a := post(e, e.base+"/response/AAAAAAAAAAAAAAAAAAAAAA", e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{}))
		goldenCompare(t, "response_unknown_transaction.json", a)
	})
	t.Run("wallet_error", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		f := e.start(v, pidQuery, oid4vp.ResponseModeDirectPost)
		a := post(e, f.claims.ResponseURI, url.Values{"error": {"access_denied"}, "error_description": {"The End-User did not give consent"}, "state": {f.claims.State}})
		res, err := v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
		require.NoError(t, err)
		goldenCompare(t, "response_wallet_error.json", map[string]any{"answer": a, "result": e.normaliser(f.tx, nil).tree(toMap(t, res))})
	})
	t.Run("request_uri_post_no_common_format", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery), RequestURIMethod: oid4vp.RequestURIMethodPost})
		a := post(e, tx.Request.RequestURI, url.Values{"wallet_metadata": {`{"vp_formats_supported":{"mso_mdoc":{}}}`}, "wallet_nonce": {"qPmxiNFCR3QTm19POc8u"}})
		goldenCompare(t, "request_uri_post_no_common_format.json", a)
	})
}
