// Command librarydemo is the library-level example: a whole credential
// round in one process, calling wstack's packages directly (no services,
// no HTTP between the roles except the status list), on the embedded
// defaults: an issuer signs an SD-JWT VC (dc+sd-jwt) with a key in
// the local key engine, identified by a did:key, and gives it a random index
// in an IETF Token Status List that it serves over HTTP; a wallet answers a
// DCQL query by disclosing only the requested claims with a Key Binding JWT;
// a verifier re-validates the vp_token (issuer key through the DID, key
// binding, status through the guarded fetcher); the issuer revokes the
// credential and the verifier rejects the same presentation.
//
// The status list server listens on 127.0.0.1, so the verifier's fetcher is
// told to allow loopback; a deployment uses https and the default fetcher.
//
//	go run ./examples/librarydemo
//
// examples/demo tells the same story through the example services.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer) error {
	step := func(format string, args ...any) { fmt.Fprintf(out, "• "+format+"\n", args...) }
	// --- Keys: one engine, tenant-scoped keys for the issuer and the holder.
	engine, err := local.New(local.Options{})
	if err != nil {
		return err
	}
	issuerRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	holderRef := crypto.KeyRef{Context: crypto.Context{Namespace: "wallet-alice", Group: "holder"}, ID: "device"}
	if _, err := engine.GenerateKey(ctx, issuerRef, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		return err
	}
	if _, err := engine.GenerateKey(ctx, holderRef, crypto.KeySpec{Type: crypto.KeyTypeEd25519}); err != nil {
		return err
	}
	// The issuer signs with its did:key: the signer's kid is the DID URL
	// that verifiers resolve.
	issuer, issuerDID, err := did.NewKeyDIDSigner(ctx, engine, issuerRef, crypto.ES256)
	if err != nil {
		return err
	}
	holder, err := jose.NewKeySigner(ctx, engine, holderRef, crypto.EdDSA)
	if err != nil {
		return err
	}
	holderJWK, err := holder.JWK()
	if err != nil {
		return err
	}
	step("issuer %s…, holder key %s (Ed25519)", issuerDID[:32], holder.KID())

	// --- Issuer: status lists in a store, signed and served over HTTP.
	lists := statuslist.NewMemory()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	listURI := func(tenant, list string) string { return srv.URL + "/tenants/" + tenant + "/statuslists/" + list }
	alloc := statuslist.NewAllocator(lists, statuslist.WithListURI(listURI))
	pub, err := statuslist.NewPublisher(statuslist.PublisherConfig{Store: lists, Signer: issuer, ListURI: listURI,
		Issuer: func(string) string { return issuerDID }})
	if err != nil {
		return err
	}
	mux.Handle("GET /tenants/{tenant}/statuslists/{list}", pub.Handler())
	slot, err := alloc.Allocate(ctx, "acme", "employee", statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2})
	if err != nil {
		return err
	}
	step("status list entry: index %d (random) in %s", slot.Index, slot.URI)
	status, err := statuslist.NewStatusListClaim(slot)
	if err != nil {
		return err
	}

	// --- Issuer: the SD-JWT VC, bound to the holder's key.
	now := time.Now()
	issued, err := vc.Issue(ctx, issuer, map[string]any{
		"iss":         issuerDID,
		"vct":         "https://credentials.example.com/employee",
		"iat":         now.Unix(),
		"exp":         now.Add(365 * 24 * time.Hour).Unix(),
		"given_name":  "Alice",
		"family_name": "Smith",
		"role":        "engineer",
		"address":     map[string]any{"street_address": "Alexanderplatz 1", "postal_code": "10178", "locality": "Berlin", "country": "DE"},
		"status":      status,
	}, sdjwt.IssueOptions{
		// Recursive disclosures (RFC 9901 §4.2.6), as the PID is issued:
		// address is disclosable and so is each of its members.
		Disclosable: []vocab.ClaimPath{{"given_name"}, {"family_name"}, {"role"},
			{"address"}, {"address", "street_address"}, {"address", "postal_code"}, {"address", "locality"}, {"address", "country"}},
		Decoys:    3,
		HolderJWK: holderJWK,
	})
	if err != nil {
		return err
	}
	step("issued dc+sd-jwt: %d bytes, %d disclosures", len(issued.String()), len(issued.Disclosures))

	// --- Verifier side configuration, one call: trust the issuer DID; its
	// key comes through the DID, status through the guarded fetcher (told
	// to allow loopback for this demo's own server; a deployment keeps the
	// default, https only).
	fetcher := fetch.New(fetch.Options{AllowLoopback: true})
	newValidator := func() (*presentation.Validator, error) {
		return presentation.NewDefaultValidator(presentation.TrustedIssuers{issuerDID}, presentation.WithFetcher(fetcher))
	}
	validator, err := newValidator()
	if err != nil {
		return err
	}

	// --- Wallet: verify what was received, then answer a DCQL query.
	held, err := validator.Verify(ctx, vocab.FormatSDJWTVC, issued.String())
	if err != nil {
		return fmt.Errorf("wallet rejects the issued credential: %w", err)
	}
	step("wallet accepted the credential; disclosable paths %v", held.Disclosable)
	query, err := dcql.Parse([]byte(`{"credentials":[{"id":"employee","format":"dc+sd-jwt",
	  "meta":{"vct_values":["https://credentials.example.com/employee"]},
	  "claims":[{"path":["role"],"values":["engineer"]},{"path":["address","locality"]}]}]}`))
	if err != nil {
		return err
	}
	compiled, err := dcql.Compile(query)
	if err != nil {
		return err
	}
	match, err := compiled.Evaluate(ctx, slices.Values([]*presentation.Credential{held}))
	if err != nil {
		return err
	}
	request := presentation.Binding{Nonce: "n-0S6_WzA2Mj-" + fmt.Sprint(now.UnixNano()), Audience: "x509_san_dns:verifier.example.org"}
	wallet, err := presentation.NewHolder(presentation.HolderConfig{Signer: holder})
	if err != nil {
		return err
	}
	vpToken, err := match.VPToken(ctx, wallet.Presenter(request))
	if err != nil {
		return err
	}
	disclosed, withheld, err := disclosures(issued, vpToken["employee"][0])
	if err != nil {
		return err
	}
	step("wallet built vp_token for query %q", "employee")
	step("  disclosed: %s", strings.Join(disclosed, ", "))
	step("  withheld:  %s", strings.Join(withheld, ", "))

	// --- Verifier: re-validate the vp_token against the query.
	verify := func() (*dcql.Verification, error) {
		return compiled.Verify(ctx, vpToken, dcql.DecoderFunc(validator.DecodeFunc(presentation.PresentationOptions{Nonce: request.Nonce, Audience: request.Audience})))
	}
	res, err := verify()
	if err != nil {
		return fmt.Errorf("verifier rejects the presentation: %w", err)
	}
	got := res.Accepted["employee"][0].Claims
	step("verifier accepted: role=%v address=%v given_name present=%v", got["role"], got["address"], got["given_name"] != nil)

	// --- Issuer revokes; the verifier sees it once its status cache lapses.
	if err := alloc.Revoke(ctx, "acme", slot.ListID, slot.Index); err != nil {
		return err
	}
	// A fresh verifier: a running one would see the change once the list's
	// ttl lapses.
	if validator, err = newValidator(); err != nil {
		return err
	}
	res, err = verify()
	if err == nil {
		return errors.New("revoked credential still accepted")
	}
	revoked := false
	for _, f := range res.Failures {
		revoked = revoked || errors.Is(f.Err, presentation.ErrRevoked)
	}
	if !revoked {
		return fmt.Errorf("unexpected failure after revocation: %w", err)
	}
	step("after revocation the verifier rejects it: %v", res.Failures[0].Err)
	fmt.Fprintln(out, "demo complete")
	return nil
}

// disclosures reads the SD-JWT+KB the wallet built and names, by their
// claim paths in the credential as issued, the disclosures it carries and
// the ones it leaves out.
func disclosures(issued *sdjwt.SDJWT, presented any) (disclosed, withheld []string, err error) {
	s, ok := presented.(string)
	if !ok {
		return nil, nil, fmt.Errorf("vp_token entry is %T, not an SD-JWT", presented)
	}
	pres, err := sdjwt.Parse(s, sdjwt.Limits{})
	if err != nil {
		return nil, nil, err
	}
	full, err := issued.Process(sdjwt.Limits{})
	if err != nil {
		return nil, nil, err
	}
	sent := make(map[string]bool, len(pres.Disclosures))
	for _, d := range pres.Disclosures {
		sent[d.Raw] = true
	}
	for i, d := range issued.Disclosures {
		name := pathString(full.Paths[i])
		if sent[d.Raw] {
			disclosed = append(disclosed, name)
			delete(sent, d.Raw)
		} else {
			withheld = append(withheld, name)
		}
	}
	if len(sent) > 0 {
		return nil, nil, errors.New("presentation carries a disclosure the credential does not have")
	}
	slices.Sort(disclosed)
	slices.Sort(withheld)
	return disclosed, withheld, nil
}

func pathString(p vocab.ClaimPath) string {
	var b strings.Builder
	for _, c := range p {
		switch k := c.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(k)
		default:
			fmt.Fprintf(&b, "[%v]", k)
		}
	}
	return b.String()
}
