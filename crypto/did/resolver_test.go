package did_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
)

func registry(t testing.TB) *did.Registry {
	r, err := did.NewRegistry(did.KeyMethod{}, did.JWKMethod{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRegistry(t *testing.T) {
	r := registry(t)
	ctx := context.Background()
	if _, err := r.Resolve(ctx, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resolve(ctx, "did:example:123"); !errors.Is(err, did.ErrMethodNotSupported) || did.ErrorCode(err) != "methodNotSupported" {
		t.Fatalf("unknown method: %v", err)
	}
	if _, err := r.Resolve(ctx, "not-a-did"); !errors.Is(err, did.ErrInvalidDID) {
		t.Fatalf("syntax: %v", err)
	}
	if _, err := did.NewRegistry(did.KeyMethod{}, did.KeyMethod{}); err == nil {
		t.Fatal("duplicate method accepted")
	}
	if got := r.Methods(); strings.Join(got, ",") != "key,jwk" {
		t.Fatalf("methods %v", got)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.Resolve(cancelled, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	def := did.NewDefaultRegistry(nil, did.WebOptions{})
	if _, err := def.Resolve(ctx, "did:web:example.com"); !errors.Is(err, did.ErrMethodNotSupported) {
		t.Fatalf("web without fetcher: %v", err)
	}
}

// staticResolver serves fixed documents and counts calls.
type staticResolver struct {
	docs  map[string]string
	calls atomic.Int64
}

func (s *staticResolver) Resolve(_ context.Context, d string) (*did.Document, error) {
	s.calls.Add(1)
	b, ok := s.docs[d]
	if !ok {
		return nil, did.ErrNotFound
	}
	return did.ParseDocument([]byte(b))
}

func TestDereference(t *testing.T) {
	ctx := context.Background()
	const good = "did:example:good"
	const evil = "did:example:evil"
	jwk := `{"kty":"OKP","crv":"Ed25519","x":"O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"}`
	r := &staticResolver{docs: map[string]string{
		good: `{"id":"` + good + `",
			"verificationMethod":[
				{"id":"#k1","type":"JsonWebKey2020","controller":"` + good + `","publicKeyJwk":` + jwk + `},
				{"id":"` + evil + `#stolen","type":"JsonWebKey2020","controller":"` + evil + `","publicKeyJwk":` + jwk + `},
				{"id":"` + good + `#auth-only","type":"JsonWebKey2020","controller":"` + good + `","publicKeyJwk":` + jwk + `},
				{"id":"#unknown","type":"EcdsaSecp256k1VerificationKey2019","controller":"` + good + `","publicKeyHex":"02"}
			],
			"assertionMethod":["#k1","` + evil + `#stolen",
				{"id":"#embedded","type":"Multikey","controller":"` + good + `","publicKeyMultibase":"z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}],
			"authentication":["` + good + `#auth-only"]}`,
		// A document served for "evil" that claims to be "good".
		evil: `{"id":"` + good + `","verificationMethod":[{"id":"#k1","type":"JsonWebKey2020","controller":"` + good + `","publicKeyJwk":` + jwk + `}]}`,
	}}
	// Absolute, relative-in-document and embedded references.
	for _, ref := range []string{good + "#k1", good + "#embedded"} {
		doc, vm, err := did.Dereference(ctx, r, ref)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if _, err := vm.PublicKey(); err != nil {
			t.Fatal(err)
		}
		if !doc.Authorized(ref, did.AssertionMethod) || !doc.Authorized("#"+strings.SplitN(ref, "#", 2)[1], did.AssertionMethod) {
			t.Fatalf("%s not authorized", ref)
		}
		j, err := vm.JWK()
		if err != nil || j["crv"] != "Ed25519" {
			t.Fatalf("JWK %v, %v", j, err)
		}
	}
	kr := did.NewKeyResolver(r, did.KeyResolverOptions{})
	for _, tc := range []struct {
		name    string
		ref     string
		purpose string
		err     error
	}{
		{"ok", good + "#k1", "assertionMethod", nil},
		{"ok_embedded", good + "#embedded", "assertionMethod", nil},
		{"ok_authentication", good + "#auth-only", "authentication", nil},
		{"row59_relative", "#k1", "assertionMethod", did.ErrRelativeDIDURL},
		{"row59_foreign_method_in_document", evil + "#stolen", "assertionMethod", did.ErrInvalidDocument},
		{"row59_foreign_id_via_good", good + "#stolen", "assertionMethod", did.ErrVerificationMethodNotFound},
		{"row59_document_for_other_did", evil + "#k1", "assertionMethod", did.ErrInvalidDocument},
		{"not_authorized", good + "#auth-only", "assertionMethod", did.ErrNotAuthorized},
		{"unknown_purpose", good + "#k1", "owner", did.ErrUnknownRelationship},
		{"missing_method", good + "#nope", "assertionMethod", did.ErrVerificationMethodNotFound},
		{"no_fragment", good, "assertionMethod", did.ErrInvalidDIDURL},
		{"empty_fragment", good + "#", "assertionMethod", did.ErrInvalidDIDURL},
		{"path", good + "/keys#k1", "assertionMethod", did.ErrInvalidDIDURL},
		{"query", good + "?versionId=2#k1", "assertionMethod", did.ErrInvalidDIDURL},
		{"not_found", "did:example:nobody#k1", "assertionMethod", did.ErrNotFound},
		{"unknown_key_type", good + "#unknown", "assertionMethod", did.ErrNotAuthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub, err := kr.ResolveVerificationMethod(ctx, tc.ref, tc.purpose)
			if tc.err == nil {
				if err != nil || pub == nil {
					t.Fatalf("ResolveVerificationMethod: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v; want %v", err, tc.err)
			}
		})
	}
	// A method with an unknown key representation is found but has no key.
	doc, _ := r.Resolve(ctx, good)
	vm, err := doc.VerificationMethodByID("#unknown")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vm.PublicKey(); !errors.Is(err, did.ErrInvalidPublicKey) {
		t.Fatalf("unknown representation: %v", err)
	}
}

// JWS verification through crypto/jose with the kid as a DID URL
// (security.md rows 3 and 16).
func TestKeyResolverJOSE(t *testing.T) {
	ctx := context.Background()
	e, keys := engineKeys(t, crypto.KeyTypeECP256, crypto.KeyTypeEd25519, crypto.KeyTypeRSA2048)
	r := registry(t)
	kr := did.NewKeyResolver(r, did.KeyResolverOptions{})
	algs := []crypto.Algorithm{crypto.ES256, crypto.EdDSA, crypto.RS256}
	verify := func(token string, res jose.KeyResolver) error {
		_, err := jose.Verify(ctx, token, jose.VerifyOptions{
			ParseOptions: jose.ParseOptions{Algorithms: algs, Typ: []string{"JWT"}},
			Resolver:     res,
		})
		return err
	}
	sign := func(k *crypto.Key, header map[string]any) string {
		s, err := jose.NewKeySigner(ctx, e, k.Ref, "")
		if err != nil {
			t.Fatal(err)
		}
		h := map[string]any{"typ": "JWT"}
		for k, v := range header {
			h[k] = v
		}
		tok, err := jose.Sign(ctx, s, h, []byte(`{"iss":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	var kids []string
	for _, k := range keys {
		var d, kid string
		var err error
		if k.Type == crypto.KeyTypeRSA2048 {
			d, kid, err = did.NewJWKDIDFromEngine(ctx, e, k.Ref)
		} else {
			d, kid, err = did.NewKeyDIDFromEngine(ctx, e, k.Ref)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(kid, d+"#") {
			t.Fatalf("kid %s for %s", kid, d)
		}
		kids = append(kids, kid)
		if err := verify(sign(k, map[string]any{"kid": kid}), kr); err != nil {
			t.Fatalf("%s: %v", k.Type, err)
		}
	}
	// did:key of an RSA key does not exist.
	if _, _, err := did.NewKeyDIDFromEngine(ctx, e, keys[2].Ref); !errors.Is(err, did.ErrUnsupportedPublicKeyType) {
		t.Fatalf("rsa did:key: %v", err)
	}
	// did:jwk of an EC key works too.
	d, kid, err := did.NewJWKDIDFromEngine(ctx, e, keys[0].Ref)
	if err != nil || !strings.HasPrefix(d, "did:jwk:") {
		t.Fatal(err)
	}
	if err := verify(sign(keys[0], map[string]any{"kid": kid}), kr); err != nil {
		t.Fatal(err)
	}

	var calls atomic.Int64
	counting := did.NewKeyResolver(did.ResolverFunc(func(ctx context.Context, d string) (*did.Document, error) {
		calls.Add(1)
		return r.Resolve(ctx, d)
	}), did.KeyResolverOptions{})
	for _, tc := range []struct {
		name string
		tok  string
		err  error
	}{
		{"wrong_key", sign(keys[0], map[string]any{"kid": kids[1]}), jose.ErrAlgorithmNotAllowed},
		{"other_p256_key", sign(keys[0], map[string]any{"kid": otherP256KID(t)}), jose.ErrSignature},
		{"row3_embedded_jwk_ignored", sign(keys[0], map[string]any{"kid": otherP256KID(t), "jwk": mustJWK(t, keys[0])}), jose.ErrSignature},
		{"no_kid", sign(keys[0], map[string]any{"jwk": mustJWK(t, keys[0])}), did.ErrInvalidDIDURL},
		{"row16_relative_kid", sign(keys[0], map[string]any{"kid": "#" + strings.SplitN(kids[0], "#", 2)[1]}), did.ErrRelativeDIDURL},
		{"row16_path_traversal_kid", sign(keys[0], map[string]any{"kid": "../../dev/null"}), did.ErrRelativeDIDURL},
		{"row16_sql_kid", sign(keys[0], map[string]any{"kid": "' UNION SELECT key FROM keys --"}), did.ErrInvalidDIDURL},
		{"row16_url_kid", sign(keys[0], map[string]any{"kid": "https://evil.example/jwks.json"}), did.ErrInvalidDIDURL},
		{"row16_bare_did_kid", sign(keys[0], map[string]any{"kid": strings.SplitN(kids[0], "#", 2)[0]}), did.ErrInvalidDIDURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := calls.Load()
			err := verify(tc.tok, counting)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v; want %v", err, tc.err)
			}
			if strings.HasPrefix(tc.name, "row16") && calls.Load() != before {
				t.Fatal("a malformed kid reached the resolver")
			}
		})
	}

	// alg in the method's JWK must match the JWS alg; use=enc is not
	// authorized for assertionMethod.
	encDID := "did:jwk:" + b64(`{"kty":"EC","crv":"P-256","use":"enc",`+jwkXY(t, keys[0])+`}`)
	if err := verify(sign(keys[0], map[string]any{"kid": encDID + "#0"}), kr); !errors.Is(err, did.ErrNotAuthorized) {
		t.Fatalf("use=enc: %v", err)
	}
	algDID := "did:jwk:" + b64(`{"kty":"EC","crv":"P-256","alg":"ES384",`+jwkXY(t, keys[0])+`}`)
	if err := verify(sign(keys[0], map[string]any{"kid": algDID + "#0"}), kr); !errors.Is(err, jose.ErrAlgorithmNotAllowed) {
		t.Fatalf("alg mismatch: %v", err)
	}
	// Restricting methods.
	onlyJWK := did.NewKeyResolver(r, did.KeyResolverOptions{Methods: []string{"jwk"}})
	if err := verify(sign(keys[0], map[string]any{"kid": kids[0]}), onlyJWK); !errors.Is(err, did.ErrMethodNotSupported) {
		t.Fatalf("method restriction: %v", err)
	}
	// Authentication relationship for key-binding style tokens.
	authn := did.NewKeyResolver(r, did.KeyResolverOptions{Relationship: did.Authentication})
	if err := verify(sign(keys[1], map[string]any{"kid": kids[1]}), authn); err != nil {
		t.Fatal(err)
	}
	// X25519 keys never verify signatures.
	xk := "did:key:z6LSeu9HkTHSfLLeUs2nnzUSNedgDUevfNQgQjQC23ZCit6F#z6LSeu9HkTHSfLLeUs2nnzUSNedgDUevfNQgQjQC23ZCit6F"
	if _, err := kr.ResolveVerificationMethod(ctx, xk, "keyAgreement"); err != nil {
		t.Fatal(err)
	}
	if err := verify(sign(keys[1], map[string]any{"kid": xk}), kr); !errors.Is(err, did.ErrNotAuthorized) {
		t.Fatalf("x25519: %v", err)
	}
}

func otherP256KID(t *testing.T) string {
	e, keys := engineKeys(t, crypto.KeyTypeECP256)
	_, kid, err := did.NewKeyDIDFromEngine(context.Background(), e, keys[0].Ref)
	if err != nil {
		t.Fatal(err)
	}
	return kid
}

func mustJWK(t *testing.T, k *crypto.Key) map[string]any {
	j, err := k.JWK()
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func jwkXY(t *testing.T, k *crypto.Key) string {
	j := mustJWK(t, k)
	return `"x":"` + j["x"].(string) + `","y":"` + j["y"].(string) + `"`
}

func TestCachingResolver(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	var calls atomic.Int64
	up := did.ResolverFunc(func(ctx context.Context, d string) (*did.Document, error) {
		calls.Add(1)
		if strings.HasSuffix(d, "fail") {
			return nil, did.ErrNotFound
		}
		return &did.Document{ID: d}, nil
	})
	c := did.NewCachingResolver(up, did.CacheOptions{TTL: time.Minute, MaxEntries: 2, Now: clock})
	get := func(d string) *did.Document {
		doc, err := c.Resolve(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	a1 := get("did:ex:a")
	if a2 := get("did:ex:a"); a2 != a1 || calls.Load() != 1 {
		t.Fatalf("second resolution not cached (%d calls)", calls.Load())
	}
	advance(59 * time.Second)
	get("did:ex:a")
	if calls.Load() != 1 {
		t.Fatal("expired too early")
	}
	advance(time.Second)
	get("did:ex:a")
	if calls.Load() != 2 {
		t.Fatal("TTL not enforced")
	}
	// LRU bound: a, b, then touching a and adding c evicts b.
	get("did:ex:b")
	get("did:ex:a")
	get("did:ex:c")
	if c.Len() != 2 {
		t.Fatalf("len %d", c.Len())
	}
	n := calls.Load()
	get("did:ex:a")
	if calls.Load() != n {
		t.Fatal("recently used entry evicted")
	}
	get("did:ex:b")
	if calls.Load() != n+1 {
		t.Fatal("least recently used entry kept")
	}
	// Errors are not cached.
	for i := 0; i < 2; i++ {
		if _, err := c.Resolve(ctx, "did:ex:fail"); !errors.Is(err, did.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if calls.Load() != n+3 {
		t.Fatalf("errors cached? %d calls", calls.Load()-n)
	}
	c.Invalidate("did:ex:b")
	get("did:ex:b")
	if calls.Load() != n+4 {
		t.Fatal("Invalidate ignored")
	}
	if _, err := c.Resolve(ctx, "did:ex:"+strings.Repeat("a", did.MaxDIDLength)); !errors.Is(err, did.ErrInvalidDID) {
		t.Fatalf("long DID: %v", err)
	}
}

func TestCachingResolverSingleFlight(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 100)
	var calls atomic.Int64
	up := did.ResolverFunc(func(ctx context.Context, d string) (*did.Document, error) {
		calls.Add(1)
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &did.Document{ID: d}, nil
	})
	c := did.NewCachingResolver(up, did.CacheOptions{})
	const n = 32
	var wg sync.WaitGroup
	docs := make([]*did.Document, n)
	errs := make([]error, n)
	// One caller gives up early: the shared resolution must go on for the
	// others.
	impatient, cancel := context.WithCancel(context.Background())
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := c.Resolve(impatient, "did:ex:shared")
		if !errors.Is(err, context.Canceled) || !errors.Is(err, did.ErrResolution) {
			t.Errorf("impatient caller: %v", err)
		}
	}()
	<-started
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			docs[i], errs[i] = c.Resolve(context.Background(), "did:ex:shared")
		}(i)
	}
	cancel()
	time.Sleep(50 * time.Millisecond) // let the callers join the flight
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("%d upstream resolutions for one DID", calls.Load())
	}
	for i := range docs {
		if errs[i] != nil || docs[i] != docs[0] {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
	}
}

func TestDocumentJSONRoundTrip(t *testing.T) {
	in := `{"@context":["https://www.w3.org/ns/did/v1"],"id":"did:web:example.com","controller":["did:web:a.com","did:web:b.com"],
		"alsoKnownAs":["https://example.com"],"custom":{"a":[1,2]},
		"verificationMethod":[{"id":"#k","type":"Multikey","controller":"did:web:example.com","publicKeyMultibase":"z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","expires":"2030-01-01T00:00:00Z"}],
		"assertionMethod":["#k"],
		"service":[{"id":"#linked","type":"LinkedDomains","serviceEndpoint":{"origins":["https://example.com"]},"note":"x"}]}`
	doc, err := did.ParseDocument([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	json.Unmarshal([]byte(in), &a)
	json.Unmarshal(out, &b)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("round trip lost data:\n%s\n%s", ja, jb)
	}
	if c := doc.Clone(); c == nil || c.ID != doc.ID || &c.VerificationMethod[0] == &doc.VerificationMethod[0] {
		t.Fatal("Clone")
	}
	single, err := did.ParseDocument([]byte(`{"id":"did:web:example.com","controller":"did:web:a.com"}`))
	if err != nil || len(single.Controller) != 1 {
		t.Fatal(err)
	}
	if out, _ := json.Marshal(single); !strings.Contains(string(out), `"controller":"did:web:a.com"`) {
		t.Fatal(string(out))
	}
	for name, bad := range map[string]string{
		"controller_number":   `{"id":"did:web:example.com","controller":5}`,
		"controller_not_did":  `{"id":"did:web:example.com","controller":"https://x"}`,
		"relationship_number": `{"id":"did:web:example.com","assertionMethod":[5]}`,
		"relationship_bad":    `{"id":"did:web:example.com","assertionMethod":["not a did url"]}`,
		"vm_no_type":          `{"id":"did:web:example.com","verificationMethod":[{"id":"#a"}]}`,
		"vm_bad_controller":   `{"id":"did:web:example.com","verificationMethod":[{"id":"#a","type":"X","controller":"x"}]}`,
		"id_not_did":          `{"id":"https://example.com"}`,
	} {
		if _, err := did.ParseDocument([]byte(bad)); !errors.Is(err, did.ErrInvalidDocument) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func b64(s string) string { return strings.TrimRight(jwkDID(s)[len("did:jwk:"):], "=") }

func TestCachingResolverErrorTTL(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var calls atomic.Int64
	up := did.ResolverFunc(func(ctx context.Context, d string) (*did.Document, error) {
		calls.Add(1)
		return nil, did.ErrNotFound
	})
	c := did.NewCachingResolver(up, did.CacheOptions{ErrorTTL: 10 * time.Second, Now: clock})
	for i := 0; i < 3; i++ {
		if _, err := c.Resolve(context.Background(), "did:ex:gone"); !errors.Is(err, did.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("%d calls; error not cached", calls.Load())
	}
	mu.Lock()
	now = now.Add(10 * time.Second)
	mu.Unlock()
	c.Resolve(context.Background(), "did:ex:gone")
	if calls.Load() != 2 {
		t.Fatal("cached error outlived ErrorTTL")
	}
}

func TestDocumentMethodLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"id":"did:web:example.com","verificationMethod":[`)
	for i := 0; i <= did.MaxVerificationMethods; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":"#k` + strings.Repeat("x", i%7) + fmt.Sprint(i) + `","type":"X"}`)
	}
	b.WriteString(`]}`)
	if _, err := did.ParseDocument([]byte(b.String())); !errors.Is(err, did.ErrInvalidDocument) {
		t.Fatalf("%v", err)
	}
}
