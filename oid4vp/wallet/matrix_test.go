package wallet_test

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/ldp"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

// matrixEnv is a testEnv whose holder has a did:key that signs KB-JWTs,
// jwt_vp_json and (ecdsa-rdfc-2019) Data Integrity VPs, holding a PID
// (dc+sd-jwt), an EmployeeCredential (jwt_vc_json) and a
// MembershipCredential (ldp_vc); our verifier serves one tenant per client
// identifier prefix and verifies all three formats.
type matrixEnv struct {
	*testEnv
	v         *verifier.Verifier
	holderDID string
	tenants   map[oid4vp.ClientIDPrefix]string
}

// The matrix's formats, with a DCQL query and a Presentation Exchange
// definition asking for the same credential (id q/pd id/descriptor id).
type matrixFormat struct {
	format vocab.Format
	id     string
	query  string
	def    string
	check  func(t *testing.T, c verifier.VerifiedCredential)
}

var matrixFormats = []matrixFormat{
	{vocab.FormatSDJWTVC, "pid",
		`{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["given_name"]}]}]}`,
		pidDefinition,
		func(t *testing.T, c verifier.VerifiedCredential) {
			require.Equal(t, "Erika", c.Claims["given_name"])
			require.NotContains(t, c.Claims, "family_name", "minimal disclosure")
			require.NotContains(t, c.Claims, "address", "minimal disclosure")
		}},
	{vocab.FormatJWTVCJSON, "emp",
		`{"credentials":[{"id":"emp","format":"jwt_vc_json","meta":{"type_values":[["EmployeeCredential"]]},"claims":[{"path":["credentialSubject","role"]}]}]}`,
		`{"id":"pd-emp","input_descriptors":[{"id":"emp","format":{"jwt_vc_json":{"alg":["ES256"]},"jwt_vp_json":{"alg":["ES256"]}},
		  "constraints":{"fields":[{"path":["$.vc.type","$.type"],"filter":{"type":"array","contains":{"const":"EmployeeCredential"}}}]}}]}`,
		func(t *testing.T, c verifier.VerifiedCredential) {
			require.Contains(t, c.Types, "EmployeeCredential")
		}},
	{vocab.FormatLDPVC, "member",
		`{"credentials":[{"id":"member","format":"ldp_vc","meta":{"type_values":[["MembershipCredential"]]},"claims":[{"path":["credentialSubject","memberOf"]}]}]}`,
		`{"id":"pd-member","input_descriptors":[{"id":"member","format":{"ldp_vc":{"proof_type":["DataIntegrityProof"]},"ldp_vp":{"proof_type":["DataIntegrityProof"]}},
		  "constraints":{"fields":[{"path":["$.type"],"filter":{"type":"array","contains":{"const":"MembershipCredential"}}}]}}]}`,
		func(t *testing.T, c verifier.VerifiedCredential) {
			require.Contains(t, c.Types, "MembershipCredential")
		}},
}

var matrixPrefixes = []oid4vp.ClientIDPrefix{oid4vp.PrefixDecentralizedIdentifier, oid4vp.PrefixX509SANDNS,
	oid4vp.PrefixX509Hash, oid4vp.PrefixRedirectURI, oid4vp.PrefixVerifierAttestation}

func newMatrixEnv(t testing.TB) *matrixEnv {
	t.Helper()
	e := newTestEnv(t)
	ctx := e.ctx
	m := &matrixEnv{testEnv: e}

	// The holder: one did:key for KB-JWT, VP-JWT and Data Integrity VP.
	hRef := e.key("wallet", "did")
	hs, hDID, err := did.NewKeyDIDSigner(ctx, e.engine, hRef, crypto.ES256)
	require.NoError(t, err)
	m.holderDID = hDID
	reg, err := did.NewRegistry(did.KeyMethod{}, did.JWKMethod{})
	require.NoError(t, err)
	keys := did.NewKeyResolver(reg, did.KeyResolverOptions{})
	proc, err := dataintegrity.New(dataintegrity.Config{Resolver: keys})
	require.NoError(t, err)
	_, hVM, err := did.NewKeyDIDFromEngine(ctx, e.engine, hRef)
	require.NoError(t, err)
	hDI, err := dataintegrity.NewKeySigner(ctx, e.engine, hRef, hVM)
	require.NoError(t, err)
	ldpSigner, err := ldp.NewSigner(proc, hDI, dataintegrity.ECDSARDFC2019)
	require.NoError(t, err)
	e.holderKey = hs
	e.holder, err = presentation.NewHolder(presentation.HolderConfig{Signer: hs, DID: hDID, LDPSigner: ldpSigner})
	require.NoError(t, err)
	e.held = nil
	e.hold(pidClaims(), pidDisclosable())

	now := time.Now().UTC()
	jc := &w3c.Credential{
		Context:           w3c.Many[any](w3c.ContextV1),
		Type:              w3c.Many("VerifiableCredential", "EmployeeCredential"),
		Issuer:            &w3c.Issuer{ID: e.issuerDID},
		IssuanceDate:      now.Add(-time.Hour).Format(time.RFC3339),
		ExpirationDate:    now.Add(time.Hour).Format(time.RFC3339),
		CredentialSubject: w3c.One(map[string]any{"id": hDID, "givenName": "Erika", "role": "engineer"}),
	}
	jtok, err := w3c.SignCredentialJWT(ctx, e.issuer, jc, w3c.SignOptions{Header: map[string]any{"kid": e.issuer.KID()}})
	require.NoError(t, err)
	cred, err := e.holder.Parse(ctx, vocab.FormatJWTVCJSON, jtok)
	require.NoError(t, err)
	e.held = append(e.held, cred)

	iRef := crypto.KeyRef{Context: crypto.Context{Namespace: "issuer", Group: "g"}, ID: "sign"}
	_, iVM, err := did.NewKeyDIDFromEngine(ctx, e.engine, iRef)
	require.NoError(t, err)
	iDI, err := dataintegrity.NewKeySigner(ctx, e.engine, iRef, iVM)
	require.NoError(t, err)
	doc, err := json.Marshal(map[string]any{
		"@context": []any{w3c.ContextV2, map[string]any{
			"MembershipCredential": "https://credentials.example.com/vocab#MembershipCredential",
			"memberOf":             "https://credentials.example.com/vocab#memberOf"}},
		"type":              []any{"VerifiableCredential", "MembershipCredential"},
		"issuer":            e.issuerDID,
		"validFrom":         now.Add(-time.Hour).Format(time.RFC3339),
		"validUntil":        now.Add(time.Hour).Format(time.RFC3339),
		"credentialSubject": map[string]any{"id": hDID, "memberOf": "ACME", "name": "Alice Mustermann"},
	})
	require.NoError(t, err)
	signed, err := proc.Sign(ctx, doc, iDI, dataintegrity.ProofOptions{Suite: dataintegrity.ECDSARDFC2019})
	require.NoError(t, err)
	cred, err = e.holder.Parse(ctx, vocab.FormatLDPVC, signed)
	require.NoError(t, err)
	e.held = append(e.held, cred)

	// The verifier's validator: SD-JWT VC, VC-JWT, Data Integrity.
	sdv, err := vc.NewVerifier(vc.Config{SDJWT: sdjwt.Config{
		Algorithms: []crypto.Algorithm{crypto.ES256}, KBAlgorithms: []crypto.Algorithm{crypto.ES256},
		KeyResolver: &vc.IssuerKeyResolver{DIDs: keys},
	}})
	require.NoError(t, err)
	proofs, err := ldp.NewDefaultVerifier(keys)
	require.NoError(t, err)
	e.validator = presentation.NewValidator(presentation.ValidatorConfig{
		Parser:     presentation.NewParser(presentation.ParserConfig{SDJWT: &presentation.SDJWTVCHandler{Verifier: sdv}, AllowLegacySDJWT: true}),
		IssuerKeys: &w3c.IssuerKeys{DID: keys},
		HolderKeys: &w3c.IssuerKeys{DID: keys, Relationship: w3c.Authentication},
		Proofs:     proofs,
		Trust:      presentation.TrustedIssuers{e.issuerDID},
		SkipStatus: true,
	})

	// One verifier, one tenant per prefix.
	m.tenants = map[oid4vp.ClientIDPrefix]string{}
	clients := verifier.StaticClients{}
	for _, p := range matrixPrefixes {
		tenant := string(p)
		base := e.origin + "/tenants/" + tenant + "/oid4vp"
		var c *verifier.Client
		switch p {
		case oid4vp.PrefixDecentralizedIdentifier:
			c, err = verifier.NewDIDClient(e.didSigner, base, verifier.ClientOptions{})
		case oid4vp.PrefixX509SANDNS:
			c, err = verifier.NewX509SANDNSClient(e.x509Signer, []*x509.Certificate{e.leaf}, base, verifier.ClientOptions{})
		case oid4vp.PrefixX509Hash:
			c, err = verifier.NewX509HashClient(e.x509Signer, []*x509.Certificate{e.leaf}, base, verifier.ClientOptions{})
		case oid4vp.PrefixVerifierAttestation:
			c, err = verifier.NewVerifierAttestationClient(e.x509Signer, e.attestation(nil), base, verifier.ClientOptions{})
		case oid4vp.PrefixRedirectURI:
			c, err = verifier.NewRedirectURIClient(base, verifier.ClientOptions{})
		}
		require.NoError(t, err)
		clients[tenant] = c
		m.tenants[p] = tenant
	}
	// The W-Stack seed's tenant: a pre-registered client "mytest".
	if clients[seedTenant], err = verifier.NewPreRegisteredClient(e.x509Signer, seedClientID,
		e.origin+"/tenants/"+seedTenant+"/oid4vp", verifier.ClientOptions{}); err != nil {
		t.Fatal(err)
	}
	m.v, err = verifier.New(verifier.Config{Clients: clients, Validator: e.validator})
	require.NoError(t, err)
	e.mux.Handle("/tenants/{tenant}/oid4vp/", m.v.Handler())
	return m
}

func (m *matrixEnv) legacyWallet() *wallet.Wallet {
	return m.wallet(func(c *wallet.Config) { c.Profile = oid4vp.ProfileLegacy })
}

// accepted reads the transaction's result and requires it accepted.
func (m *matrixEnv) accepted(t *testing.T, tx *verifier.Transaction) *verifier.Result {
	t.Helper()
	res, err := m.v.Result(m.ctx, tx.Tenant, tx.ID, tx.Secret)
	require.NoError(t, err)
	require.Equal(t, verifier.StatusAccepted, res.Status, "%s: %s", res.ErrorCode, res.Error)
	return res
}

// TestProofMatrix: our wallet against our verifier over HTTPS for every
// client identifier prefix × response mode × query language (DCQL; PE
// under the legacy profile) × format (dc+sd-jwt, jwt_vc_json, ldp_vc),
// each cell a named subtest. The verifier checks every presentation's
// signature and binding (KB-JWT nonce/aud, VP-JWT nonce/aud, Data
// Integrity challenge/domain) and re-evaluates the query. The legacy
// profile has no client_id_scheme for x509_hash: those cells assert that
// our verifier refuses to make such a request and that a legacy wallet
// refuses one.
func TestProofMatrix(t *testing.T) {
	m := newMatrixEnv(t)
	for _, prefix := range matrixPrefixes {
		for _, mode := range []oid4vp.ResponseMode{oid4vp.ResponseModeDirectPost, oid4vp.ResponseModeDirectPostJWT} {
			for _, lang := range []string{"dcql", "pe"} {
				for _, f := range matrixFormats {
					t.Run(fmt.Sprintf("%s/%s/%s/%s", prefix, mode, lang, f.format), func(t *testing.T) {
						cr := verifier.CreateRequest{Tenant: m.tenants[prefix], ResponseMode: mode}
						w := m.wallet(nil)
						if lang == "dcql" {
							cr.Query = mustQuery(t, f.query)
						} else {
							def, err := pex.ParseDefinition([]byte(f.def))
							require.NoError(t, err)
							cr.PresentationDefinition = def
							w = m.legacyWallet()
						}
						if lang == "pe" && prefix == oid4vp.PrefixX509Hash {
							_, err := m.v.Create(m.ctx, cr)
							require.ErrorIs(t, err, verifier.ErrConfig, "no legacy client_id_scheme for x509_hash")
							link := "openid4vp://?" + url.Values{"client_id": {x509Hash(m.leaf)}, "client_id_scheme": {"x509_hash"},
								"request_uri": {m.origin + "/tenants/x509_hash/oid4vp/request/none"}}.Encode()
							_, err = w.Resolve(m.ctx, link)
							require.ErrorIs(t, err, oid4vp.ErrRejectedPrefix)
							require.Equal(t, oid4vp.CodeInvalidRequest, oid4vp.CodeOf(err))
							return
						}
						tx, err := m.v.Create(m.ctx, cr)
						require.NoError(t, err)
						link, err := tx.Link("openid4vp://")
						require.NoError(t, err)
						req, err := w.Resolve(m.ctx, link)
						require.NoError(t, err)
						require.Equal(t, prefix, req.ClientID.Prefix)
						require.Equal(t, prefix != oid4vp.PrefixRedirectURI, req.Signed)
						sel, err := w.Select(m.ctx, req)
						require.NoError(t, err)
						if lang == "pe" {
							require.NotNil(t, sel.PEX)
						} else {
							require.Len(t, sel.Result.Selection[f.id], 1)
						}
						_, err = w.Respond(m.ctx, req, sel)
						require.NoError(t, err)
						res := m.accepted(t, tx)
						require.Len(t, res.Credentials, 1)
						require.Len(t, res.Credentials[f.id], 1)
						got := res.Credentials[f.id][0]
						want := f.format
						if lang == "pe" && want == vocab.FormatSDJWTVC {
							want = vocab.FormatSDJWTVCLegacy // as the definition names it
						}
						require.Equal(t, want, got.Format)
						require.Equal(t, m.issuerDID, got.Issuer)
						f.check(t, got)
					})
				}
			}
		}
	}
}

// TestProofMatrixExtras: request_uri_method=post for every prefix,
// transaction_data for every format, credential_sets with an optional set
// the wallet cannot meet for every format; combinations the spec does not
// allow are asserted to be refused.
func TestProofMatrixExtras(t *testing.T) {
	m := newMatrixEnv(t)
	sdq := matrixFormats[0].query

	for _, prefix := range matrixPrefixes {
		t.Run("request_uri_method=post/"+string(prefix), func(t *testing.T) {
			cr := verifier.CreateRequest{Tenant: m.tenants[prefix], Query: mustQuery(t, sdq), RequestURIMethod: oid4vp.RequestURIMethodPost}
			if prefix == oid4vp.PrefixRedirectURI {
				// §5.10: request_uri_method only with request_uri, which
				// the unsigned redirect_uri prefix cannot use (§5.9.3).
				_, err := m.v.Create(m.ctx, cr)
				require.ErrorIs(t, err, verifier.ErrConfig)
				link := "openid4vp://?" + url.Values{"client_id": {"redirect_uri:" + m.origin + "/cb"},
					"request_uri": {m.origin + "/evil/request"}, "request_uri_method": {"post"}}.Encode()
				_, err = m.wallet(nil).Resolve(m.ctx, link)
				require.ErrorIs(t, err, oid4vp.ErrRejectedPrefix)
				return
			}
			tx, err := m.v.Create(m.ctx, cr)
			require.NoError(t, err)
			link, _ := tx.Link("openid4vp://")
			w := m.wallet(nil)
			req, err := w.Resolve(m.ctx, link)
			require.NoError(t, err)
			require.NotEmpty(t, req.WalletNonce)
			require.Equal(t, req.WalletNonce, req.Params.WalletNonce, "the Request Object echoes wallet_nonce")
			sel, err := w.Select(m.ctx, req)
			require.NoError(t, err)
			_, err = w.Respond(m.ctx, req, sel)
			require.NoError(t, err)
			m.accepted(t, tx)
		})
	}

	td := func(id string) []*oid4vp.TransactionData {
		return []*oid4vp.TransactionData{{Type: "payment", CredentialIDs: []string{id}}}
	}
	for _, f := range matrixFormats {
		t.Run("transaction_data/"+string(f.format), func(t *testing.T) {
			cr := verifier.CreateRequest{Tenant: m.tenants[oid4vp.PrefixX509Hash], Query: mustQuery(t, f.query), TransactionData: td(f.id)}
			if f.format != vocab.FormatSDJWTVC {
				// Only SD-JWT VC (B.3.3) and mdoc define where the
				// transaction_data_hashes go: a W3C VP cannot carry them.
				_, err := m.v.Create(m.ctx, cr)
				require.ErrorIs(t, err, verifier.ErrConfig)
				enc, err := oid4vp.EncodeTransactionData(td(f.id)[0])
				require.NoError(t, err)
				cb := m.origin + "/evil/response"
				link := "openid4vp://?" + url.Values{"client_id": {"redirect_uri:" + cb}, "response_type": {"vp_token"},
					"response_mode": {"direct_post"}, "response_uri": {cb}, "nonce": {"n-0123456789abcdef"},
					"dcql_query": {f.query}, "transaction_data": {`["` + enc + `"]`}}.Encode()
				_, err = m.wallet(nil).Resolve(m.ctx, link)
				require.ErrorIs(t, err, oid4vp.ErrTransactionData)
				require.Equal(t, oid4vp.CodeInvalidTransactionData, oid4vp.CodeOf(err))
				return
			}
			tx, err := m.v.Create(m.ctx, cr)
			require.NoError(t, err)
			link, _ := tx.Link("openid4vp://")
			w := m.wallet(nil)
			req, err := w.Resolve(m.ctx, link)
			require.NoError(t, err)
			require.Len(t, req.TransactionData, 1)
			sel, err := w.Select(m.ctx, req)
			require.NoError(t, err)
			_, err = w.Respond(m.ctx, req, sel)
			require.NoError(t, err)
			m.accepted(t, tx)
		})
	}
	t.Run("transaction_data/pe", func(t *testing.T) {
		def, err := pex.ParseDefinition([]byte(pidDefinition))
		require.NoError(t, err)
		_, err = m.v.Create(m.ctx, verifier.CreateRequest{Tenant: m.tenants[oid4vp.PrefixDecentralizedIdentifier],
			PresentationDefinition: def, TransactionData: td("pid")})
		require.ErrorIs(t, err, verifier.ErrConfig, "transaction_data is OpenID4VP 1.0 (DCQL credential ids)")
	})

	for _, f := range matrixFormats {
		t.Run("credential_sets optional unmet/"+string(f.format), func(t *testing.T) {
			var q map[string]any
			require.NoError(t, json.Unmarshal([]byte(f.query), &q))
			creds := q["credentials"].([]any)
			creds = append(creds, map[string]any{"id": "mdl", "format": "dc+sd-jwt",
				"meta": map[string]any{"vct_values": []any{"urn:example:mdl"}}, "claims": []any{map[string]any{"path": []any{"driving_privileges"}}}})
			q["credentials"] = creds
			q["credential_sets"] = []any{
				map[string]any{"options": []any{[]any{f.id}}},
				map[string]any{"required": false, "options": []any{[]any{"mdl"}}},
			}
			raw, err := json.Marshal(q)
			require.NoError(t, err)
			tx, err := m.v.Create(m.ctx, verifier.CreateRequest{Tenant: m.tenants[oid4vp.PrefixDecentralizedIdentifier], Query: mustQuery(t, string(raw))})
			require.NoError(t, err)
			link, _ := tx.Link("openid4vp://")
			out, err := m.wallet(nil).Present(m.ctx, link)
			require.NoError(t, err)
			require.Equal(t, []string{f.id}, slices.Sorted(maps.Keys(out.VPToken)), "no key for the unmet optional set")
			res := m.accepted(t, tx)
			require.Contains(t, res.Credentials, f.id)
			require.NotContains(t, res.Credentials, "mdl")
		})
	}
	t.Run("credential_sets required unmet", func(t *testing.T) {
		const q = `{"credentials":[
		 {"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["given_name"]}]},
		 {"id":"mdl","format":"dc+sd-jwt","meta":{"vct_values":["urn:example:mdl"]}}],
		 "credential_sets":[{"options":[["pid"]]},{"options":[["mdl"]]}]}`
		tx, err := m.v.Create(m.ctx, verifier.CreateRequest{Tenant: m.tenants[oid4vp.PrefixDecentralizedIdentifier], Query: mustQuery(t, q)})
		require.NoError(t, err)
		link, _ := tx.Link("openid4vp://")
		out, err := m.wallet(nil).Present(m.ctx, link)
		require.ErrorIs(t, err, wallet.ErrNoMatch, "§6.4.2: if the required sets cannot be met, return nothing")
		require.Nil(t, out)
		res, err := m.v.Result(m.ctx, tx.Tenant, tx.ID, tx.Secret)
		require.NoError(t, err)
		require.Equal(t, oid4vp.CodeAccessDenied, res.ErrorCode)
	})
}

// TestLegacyNestedVPRejected: our verifier verifies a path_nested VP as a
// whole; a jwt_vp_json or ldp_vp bound to another nonce, or a bare
// credential without its VP, rejects the response.
func TestLegacyNestedVPRejected(t *testing.T) {
	m := newMatrixEnv(t)
	for _, f := range matrixFormats[1:] {
		for _, tc := range []string{"wrong nonce", "credential without VP"} {
			t.Run(string(f.format)+"/"+tc, func(t *testing.T) {
				def, err := pex.ParseDefinition([]byte(f.def))
				require.NoError(t, err)
				tx, err := m.v.Create(m.ctx, verifier.CreateRequest{Tenant: m.tenants[oid4vp.PrefixDecentralizedIdentifier],
					PresentationDefinition: def, ResponseMode: oid4vp.ResponseModeDirectPost})
				require.NoError(t, err)
				link, _ := tx.Link("openid4vp://")
				w := m.legacyWallet()
				req, err := w.Resolve(m.ctx, link)
				require.NoError(t, err)
				sel, err := w.Select(m.ctx, req)
				require.NoError(t, err)
				nonce := req.Params.Nonce
				if tc == "wrong nonce" {
					nonce = "another-nonce-0123456789"
				}
				p := m.holder.Presenter(presentation.Binding{Nonce: nonce, Audience: req.ClientID.String()})
				vp, sub, err := sel.PEX.Present(m.ctx, p, pex.PresentOptions{})
				require.NoError(t, err)
				var tok any = vp
				if tc == "credential without VP" {
					// The credential itself at "$", claimed as a credential format.
					cred := sel.PEX.Credentials()[0]
					if f.format == vocab.FormatLDPVC {
						var doc any
						require.NoError(t, json.Unmarshal([]byte(cred.Raw), &doc))
						tok = doc
					} else {
						tok = cred.Raw
					}
					sub.DescriptorMap[0].Format = sub.DescriptorMap[0].PathNested.Format
					sub.DescriptorMap[0].PathNested = nil
				}
				rawTok, err := json.Marshal(tok)
				require.NoError(t, err)
				rawSub, err := json.Marshal(sub)
				require.NoError(t, err)
				resp, err := m.client.PostForm(req.Params.ResponseURI, url.Values{"vp_token": {string(rawTok)},
					"presentation_submission": {string(rawSub)}, "state": {req.Params.State}})
				require.NoError(t, err)
				resp.Body.Close()
				require.Equal(t, 400, resp.StatusCode)
				res, err := m.v.Result(m.ctx, tx.Tenant, tx.ID, tx.Secret)
				require.NoError(t, err)
				require.NotEqual(t, verifier.StatusAccepted, res.Status)
			})
		}
	}
}
