package wallet_test

import (
	"bytes"
	gocrypto "crypto"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation/pex"
)

const (
	seedTenant   = "tenant_space"
	seedClientID = "mytest"
)

// seedLink returns the W-Stack seed's example authorization link
// (seeds/ocm-w-stack-overview.md, kept verbatim in oid4vp's testdata) with
// only the request_uri's origin moved from cloud-wallet.xfsc.dev to the
// test server; its path and query (tenantId, id, requestId, groupId, ttl,
// the base64 presentationDefinition) and the authUrl parameter stay.
func seedLink(t *testing.T, origin string) string {
	t.Helper()
	raw, err := os.ReadFile("../testdata/legacy/xfsc_seed_authorization_link.txt")
	require.NoError(t, err)
	l, err := url.Parse(strings.TrimSpace(string(raw)))
	require.NoError(t, err)
	q := l.Query()
	ru, err := url.Parse(q.Get("request_uri"))
	require.NoError(t, err)
	require.Equal(t, "cloud-wallet.xfsc.dev", ru.Host)
	o, _ := url.Parse(origin)
	ru.Scheme, ru.Host = o.Scheme, o.Host
	q.Set("request_uri", ru.String())
	l.RawQuery = q.Encode()
	return l.String()
}

// seedServer serves the seed link's request_uri (GET /api/presentation/request)
// the way the W-Stack's verification service builds it: the presentation
// definition comes base64-encoded in the request_uri's own query.
type seedServer struct {
	mu    sync.Mutex
	tx    *verifier.Transaction
	serve func(w http.ResponseWriter, r *http.Request, def []byte)
}

func newSeedServer(t *testing.T, mux *http.ServeMux) *seedServer {
	s := &seedServer{}
	mux.HandleFunc("GET /api/presentation/request", func(w http.ResponseWriter, r *http.Request) {
		b64 := strings.TrimRight(r.URL.Query().Get("presentationDefinition"), "=")
		def, err := base64.RawStdEncoding.DecodeString(b64)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.serve(w, r, def)
	})
	return s
}

// repairSeedDefinition makes the seed's definition valid and satisfiable:
// its filter {"type": ""} is no JSON Schema type (presentation/pex rejects
// it, see oid4vp's golden test), and a string pattern on the
// credentialSubject object can match no credential; the repaired field
// applies the pattern "Al" to credentialSubject.name.
func repairSeedDefinition(t *testing.T, def []byte) []byte {
	t.Helper()
	var d map[string]any
	require.NoError(t, json.Unmarshal(def, &d))
	f := d["input_descriptors"].([]any)[0].(map[string]any)["constraints"].(map[string]any)["fields"].([]any)[0].(map[string]any)
	require.Equal(t, []any{"$.credentialSubject"}, f["path"])
	require.Equal(t, map[string]any{"type": "", "pattern": "Al"}, f["filter"])
	f["path"] = []any{"$.credentialSubject.name"}
	f["filter"] = map[string]any{"type": "string", "pattern": "Al"}
	out, err := json.Marshal(d)
	require.NoError(t, err)
	return out
}

// TestSeedAuthorizationLink: the seed's example authorization link
// (legacy profile: a pre-registered client_id "mytest", request_uri
// carrying an ldp_vp presentation definition) resolves end to end: the
// wallet fetches the request from the test server, which creates the
// request with our verifier from the definition in the request_uri (as
// the W-Stack does), selects the ldp_vc with Presentation Exchange, and
// answers with a Data Integrity VP and a presentation_submission that our
// verifier accepts. The request object the W-Stack itself serves for that
// link is refused for the two faults xfsc.md lists.
func TestSeedAuthorizationLink(t *testing.T) {
	m := newMatrixEnv(t)
	srv := newSeedServer(t, m.mux)
	link := seedLink(t, m.origin)
	w := m.wallet(func(c *wallet.Config) {
		c.Profile = oid4vp.ProfileLegacy
		c.PreRegistered = map[string]gocrypto.PublicKey{seedClientID: m.x509Signer.Public()}
	})

	t.Run("end to end", func(t *testing.T) {
		srv.serve = func(rw http.ResponseWriter, r *http.Request, raw []byte) {
			def, err := pex.ParseDefinition(repairSeedDefinition(t, raw))
			require.NoError(t, err)
			tx, err := m.v.Create(r.Context(), verifier.CreateRequest{Tenant: seedTenant, PresentationDefinition: def,
				ResponseMode: oid4vp.ResponseModeDirectPost})
			require.NoError(t, err)
			srv.mu.Lock()
			srv.tx = tx
			srv.mu.Unlock()
			// The request object our verifier serves for that transaction.
			rec := httptest.NewRecorder()
			m.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tx.Request.RequestURI, nil))
			for k, v := range rec.Header() {
				rw.Header()[k] = v
			}
			rw.WriteHeader(rec.Code)
			_, _ = io.Copy(rw, rec.Body)
		}
		req, err := w.Resolve(m.ctx, link)
		require.NoError(t, err)
		require.Equal(t, oid4vp.PrefixPreRegistered, req.ClientID.Prefix)
		require.Equal(t, seedClientID, req.ClientID.String())
		require.True(t, req.Signed)
		require.NotNil(t, req.Params.PresentationDefinition)
		require.Equal(t, "86a7df4b-dd0d-4a22-a5d1-595448036830", req.Params.PresentationDefinition.ID)
		sel, err := w.Select(m.ctx, req)
		require.NoError(t, err)
		require.NotNil(t, sel.PEX)
		out, err := w.Respond(m.ctx, req, sel)
		require.NoError(t, err)
		_, pending := out.NextStep()
		require.False(t, pending, "cross-device")
		srv.mu.Lock()
		tx := srv.tx
		srv.mu.Unlock()
		res := m.accepted(t, tx)
		got := res.Credentials["3363a247-ffee-464b-98ab-21cb6a5f96bc"]
		require.Len(t, got, 1)
		require.Equal(t, "ldp_vc", string(got[0].Format))
		require.Contains(t, got[0].Types, "MembershipCredential")
		require.Equal(t, "Alice Mustermann", got[0].Claims["credentialSubject"].(map[string]any)["name"])
	})

	// As the W-Stack serves it (xfsc.md): client_id the verifier's DID
	// with client_id_scheme did while the link says mytest, no typ, aud,
	// iat or exp.
	wstack := func(def []byte) func(http.ResponseWriter, *http.Request, []byte) {
		return func(rw http.ResponseWriter, r *http.Request, raw []byte) {
			if def != nil {
				raw = def
			}
			var pd any
			require.NoError(t, json.Unmarshal(raw, &pd))
			q := r.URL.Query()
			claims := map[string]any{"client_id": "did:web:cloud-wallet.xfsc.dev", "client_id_scheme": "did",
				"response_type": "vp_token", "response_mode": "direct_post",
				"response_uri": m.origin + "/api/presentation/v1/tenants/" + q.Get("tenantId") + "/presentation/proof/" + q.Get("id"),
				"nonce":        q.Get("requestId"), "state": q.Get("id"), "presentation_definition": pd}
			tok, err := jose.SignJWT(m.ctx, m.x509Signer, map[string]any{}, claims) // no typ, as the W-Stack's signer
			require.NoError(t, err)
			rw.Header().Set("Content-Type", oid4vp.MediaTypeRequestObject)
			_, _ = io.WriteString(rw, tok)
		}
	}
	t.Run("W-Stack request object: client_id differs from the link", func(t *testing.T) {
		fixed := bytes.Replace(readDef(t), []byte(`"type":""`), []byte(`"type":"string"`), 1)
		srv.serve = wstack(fixed)
		_, err := w.Present(m.ctx, link)
		require.ErrorIs(t, err, oid4vp.ErrClientIDMismatch)
	})
	t.Run("W-Stack request object: definition with filter type empty", func(t *testing.T) {
		srv.serve = wstack(nil)
		_, err := w.Present(m.ctx, link)
		require.ErrorIs(t, err, pex.ErrInvalidDefinition)
		require.Equal(t, oid4vp.CodeInvalidRequest, oid4vp.CodeOf(err))
	})
}

// readDef returns the seed link's presentation definition as embedded.
func readDef(t *testing.T) []byte {
	t.Helper()
	l, err := url.Parse(seedLink(t, "https://localhost"))
	require.NoError(t, err)
	ru, err := url.Parse(l.Query().Get("request_uri"))
	require.NoError(t, err)
	def, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(ru.Query().Get("presentationDefinition"), "="))
	require.NoError(t, err)
	return def
}
