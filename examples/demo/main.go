// Command demo starts every example service in one process on embedded
// defaults — SQLite files in a temporary directory, an embedded NATS
// server, the local key engine behind the signer service — and tells the
// W-Stack's story over real HTTP and NATS, one line per step:
//
//  1. the issuance plugin prepares claims and asks the issuer for an offer
//     (NATS issuer.dummycontentsigner.request → credential.offer.url);
//  2. the transaction code arrives as an event on NATS (pin);
//  3. the wallet service retrieves the offering and accepts it with the
//     code: pre-authorized token, nonce, key proof, credential (signed by
//     the plugin, with an entry allocated in the status list service);
//  4. the credential is stored encrypted per account (checked: no claim
//     value in the wallet's SQLite files);
//  5. the verifier service creates a DCQL request; the wallet answers it
//     with direct_post.jwt, disclosing only what was asked; the verifier
//     reports the verified claims and its statuses on NATS;
//  6. a repeated request for the same holder is answered from the
//     presentation cache, without the wallet;
//  7. the issuer revokes the credential in the status list service;
//  8. the cache no longer answers, and the wallet's next presentation is
//     rejected with the revocation as the reason.
//
// It exits 0 only if every step did what it says.
//
//	go run ./examples/demo
//
// examples/librarydemo tells a shorter story with the library packages
// alone.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/pluginsvc"
	"github.com/ocmw/wstack/examples/internal/stack"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/examples/internal/verifiersvc"
	"github.com/ocmw/wstack/examples/internal/walletsvc"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "wstack-demo-")
	if err != nil {
		log.Fatal(err)
	}
	err = run(ctx, os.Stdout, dir)
	_ = os.RemoveAll(dir)
	if err != nil {
		log.Fatal(err)
	}
}

// The DCQL query of the verifier: the holder's role and the locality of
// the address (a recursively disclosable member).
const query = `{"credentials":[{"id":"developer","format":"dc+sd-jwt",
  "meta":{"vct_values":["` + pluginsvc.DefaultVCT + `"]},
  "claims":[{"path":["role"]},{"path":["address","locality"]}]}]}`

func run(ctx context.Context, out io.Writer, dir string) error {
	n := 0
	step := func(format string, args ...any) {
		n++
		fmt.Fprintf(out, "%2d. "+format+"\n", append([]any{n}, args...)...)
	}
	detail := func(format string, args ...any) { fmt.Fprintf(out, "      "+format+"\n", args...) }
	s, err := stack.Start(ctx, stack.Options{Dir: dir, RemoteSigning: true})
	if err != nil {
		return fmt.Errorf("starting the services: %w", err)
	}
	defer s.Close()
	t := s.Tenant
	names := []string{"signer", "statuslist", "wellknown", "plugin", "issuer", "wallet", "verifier"}
	var ups []string
	for _, name := range names {
		ups = append(ups, name+" "+strings.TrimPrefix(strings.TrimPrefix(s.URLs[name], "http://"), "https://"))
	}
	step("services up (tenant %q): %s; NATS %s", t, strings.Join(ups, ", "), s.URLs["nats"])

	// Events the story watches on NATS.
	pins := make(chan issuersvc.PinEvent, 4)
	notes := &statuses{}
	for subject, f := range map[string]func(*svc.Event){
		issuersvc.DefaultPinSubject: func(e *svc.Event) {
			var p issuersvc.PinEvent
			if json.Unmarshal(e.Data, &p) == nil {
				pins <- p
			}
		},
		"verifier.proof.notification": func(e *svc.Event) {
			var nt verifiersvc.Notification
			if json.Unmarshal(e.Data, &nt) == nil {
				notes.add(nt.PresentationID, nt.Status)
			}
		},
	} {
		sub, err := s.NATS.Subscribe(subject, func(m *nats.Msg) {
			if e, err := svc.DecodeEvent(m.Data); err == nil {
				f(e)
			}
		})
		if err != nil {
			return err
		}
		defer func() { _ = sub.Unsubscribe() }()
	}
	if err := s.NATS.Flush(); err != nil {
		return err
	}

	// The well-known document lists the plugin's configuration.
	var md struct {
		Issuer  string                     `json:"credential_issuer"`
		Configs map[string]json.RawMessage `json:"credential_configurations_supported"`
	}
	if err := s.Call(ctx, "GET", "wellknown", "/v1/tenants/"+t+"/.well-known/openid-credential-issuer", nil, &md, 200); err != nil {
		return err
	}
	if md.Configs[pluginsvc.DefaultSDJWTConfigurationID] == nil {
		return fmt.Errorf("well-known metadata lacks %s", pluginsvc.DefaultSDJWTConfigurationID)
	}
	step("well-known service: issuer %s offers %s (registered by the plugin over NATS)", md.Issuer, strings.Join(keys(md.Configs), ", "))

	// 1. Offer.
	var rep pluginsvc.IssuanceReply
	if err := svc.Call(ctx, s.NATS, pluginsvc.DefaultTopic+".request", "demo", "issuance.request", pluginsvc.IssuanceRequest{
		Request: svc.Request{TenantID: t, RequestID: "demo-1"}, Identifier: "erika",
		Payload: map[string]any{"given_name": "Erika", "family_name": "Mustermann", "email": "erika@example.com", "role": "developer",
			"address": map[string]any{"street_address": "Heidestraße 17", "locality": "Köln", "postal_code": "51147", "country": "DE"}},
		TwoFactor: issuersvc.TwoFactor{Enabled: true, RecipientType: "email", RecipientAddress: "erika@example.com"},
	}, &rep); err != nil {
		return fmt.Errorf("offer: %w", err)
	}
	if !strings.HasPrefix(rep.Offer, "openid-credential-offer://") {
		return fmt.Errorf("offer link %q", rep.Offer)
	}
	step("plugin prepared Erika's claims; issuer made an offer: %s…", rep.Offer[:60])
	var pin issuersvc.PinEvent
	select {
	case pin = <-pins:
	case <-ctx.Done():
		return errors.New("no transaction code event on NATS")
	}
	if len(pin.Pin) != 6 {
		return fmt.Errorf("transaction code of %d digits", len(pin.Pin))
	}
	step("transaction code delivered as %s event to %s (%d digits, never in the offer or a log)", "email.pin.v1", pin.Recipient, len(pin.Pin))

	// 2. Wallet accepts.
	var off walletsvc.Offering
	if err := s.Call(ctx, "PUT", "wallet", "/v1/tenants/"+t+"/offering/retrieve/alice", map[string]string{"offer": rep.Offer}, &off, 201); err != nil {
		return fmt.Errorf("retrieve: %w", err)
	}
	step("wallet listed offering %s…: %d credential(s) from %s, tx_code required: %v", off.ID[:8], len(off.Credentials), off.CredentialIssuer, off.TxCode != nil)
	wrong := "000000"
	if pin.Pin == wrong {
		wrong = "111111"
	}
	err = s.Call(ctx, "DELETE", "wallet", "/v1/tenants/"+t+"/offering/clear/alice/"+off.ID,
		walletsvc.Acceptance{Accept: true, TxCode: wrong}, nil, 200)
	if ae := (*stack.APIError)(nil); !errors.As(err, &ae) || ae.Status < 400 || ae.Status >= 500 {
		return fmt.Errorf("a wrong transaction code was not refused: %v", err)
	}
	var clr walletsvc.ClearResult
	if err := s.Call(ctx, "DELETE", "wallet", "/v1/tenants/"+t+"/offering/clear/alice/"+off.ID,
		walletsvc.Acceptance{Accept: true, TxCode: pin.Pin}, &clr, 200); err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	if clr.Status != "accepted" || len(clr.Credentials) != 1 {
		return fmt.Errorf("accept: %+v", clr)
	}
	cred := clr.Credentials[0]
	step("wallet accepted with the code (a wrong code was refused first): %s %s, holder key %s", cred.Format, cred.VCT, cred.HolderKey)

	// 3. Encrypted at rest.
	leaks, err := plaintextIn(filepath.Join(dir, "wallet"), "Mustermann", "Heidestra", "erika@example.com", s.IssuerDID)
	if err != nil {
		return err
	}
	if len(leaks) > 0 {
		return fmt.Errorf("wallet database holds plaintext: %v", leaks)
	}
	var info walletsvc.CredentialInfo
	if err := s.Call(ctx, "GET", "wallet", "/v1/tenants/"+t+"/storage/alice/credentials/"+cred.ID+"?include=claims", nil, &info, 200); err != nil {
		return err
	}
	status, _ := info.Claims["status"].(map[string]any)
	sl, _ := status["status_list"].(map[string]any)
	uri, _ := sl["uri"].(string)
	idx, _ := sl["idx"].(float64)
	if uri == "" {
		return fmt.Errorf("credential has no status list entry: %v", info.Claims["status"])
	}
	step("stored encrypted per account (AES-256-GCM, key wrapped in the engine): no claim value in the wallet's SQLite files; status entry %d in %s", int(idx), uri)

	// The holder's DID, for the presentation cache.
	ref, err := parseKeyRef(cred.HolderKey)
	if err != nil {
		return err
	}
	holderDID, _, err := did.NewKeyDIDFromEngine(ctx, s.Engine, ref)
	if err != nil {
		return err
	}

	// 4. Verifier request, wallet answers.
	present := func() (*verifiersvc.Proof, *walletsvc.AuthorizeResult, *verifiersvc.PresentationCreated, error) {
		var pc verifiersvc.PresentationCreated
		if err := s.Call(ctx, "POST", "verifier", "/v1/tenants/"+t+"/presentation/request",
			verifiersvc.PresentationRequest{DCQLQuery: json.RawMessage(query), Holder: holderDID}, &pc, 201); err != nil {
			return nil, nil, nil, fmt.Errorf("verifier request: %w", err)
		}
		var ar walletsvc.AuthorizeResult
		if !pc.FromCache {
			if err := s.Call(ctx, "POST", "wallet", "/v1/tenants/"+t+"/presentation/authorize/alice",
				walletsvc.AuthorizeRequest{AuthorizationRequest: pc.AuthorizationRequest}, &ar, 200); err != nil {
				var ae *stack.APIError
				if !errors.As(err, &ae) {
					return nil, nil, nil, fmt.Errorf("wallet authorize: %w", err)
				}
			}
		}
		var pr verifiersvc.Proof
		if err := s.Call(ctx, "GET", "verifier", "/v1/tenants/"+t+"/presentation/proof/"+pc.PresentationID, nil, &pr, 200); err != nil {
			return nil, nil, nil, err
		}
		return &pr, &ar, &pc, nil
	}
	pr, ar, pc, err := present()
	if err != nil {
		return err
	}
	if pc.FromCache || pr.Status != "transmitted" || len(ar.Presented) != 1 {
		return fmt.Errorf("first presentation: created %+v, proof %s %s %s, wallet %+v", pc, pr.Status, pr.ErrorCode, pr.Error, ar)
	}
	step("verifier created a DCQL request (%s); the wallet answered with %s to %s", shortLink(pc.AuthorizationRequest), ar.ResponseMode, ar.Verifier[:40]+"…")
	var disclosed []string
	for _, p := range ar.Presented[0].Disclosed {
		disclosed = append(disclosed, pathString(p))
	}
	slices.Sort(disclosed)
	if strings.Join(disclosed, ",") != "address,address.locality,role" {
		return fmt.Errorf("wallet disclosed %v", disclosed)
	}
	vc := pr.Credentials["developer"]
	if len(vc) != 1 {
		return fmt.Errorf("proof credentials %+v", pr.Credentials)
	}
	claims := vc[0].Claims
	addr, _ := claims["address"].(map[string]any)
	if claims["role"] != "developer" || addr["locality"] != "Köln" || claims["given_name"] != nil || addr["street_address"] != nil {
		return fmt.Errorf("verified claims %v", claims)
	}
	detail("disclosed only %s; verified: role=%v, address.locality=%v (given_name, street_address withheld)", strings.Join(disclosed, ", "), claims["role"], addr["locality"])
	if err := notes.wait(ctx, pc.PresentationID, "requested", "request-object-fetched", "received", "transmitted"); err != nil {
		return err
	}
	detail("verifier.proof.notification on NATS: %s", strings.Join(notes.get(pc.PresentationID), " → "))

	// 5. From the cache.
	pr2, _, pc2, err := present()
	if err != nil {
		return err
	}
	if !pc2.FromCache || pr2.Status != "transmitted" || pr2.Credentials["developer"] == nil {
		return fmt.Errorf("repeated request not answered from the cache: %+v / %s", pc2, pr2.Status)
	}
	step("a repeated request for holder %s… was answered from the presentation cache (no wallet round trip)", holderDID[:24])

	// 6. Revocation.
	listID := uri[strings.LastIndex(uri, "/")+1:]
	if err := s.Call(ctx, "POST", "statuslist", fmt.Sprintf("/v1/tenants/%s/status/%s/revoke/%d", t, url.PathEscape(listID), int(idx)), nil, nil, 200); err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	step("issuer revoked the credential (status list %s…, index %d)", listID[:8], int(idx))

	// 7. Rejected. The verifier re-reads status lists after its status
	// cache time (one second here; a minute by default).
	var pr3 *verifiersvc.Proof
	var pc3 *verifiersvc.PresentationCreated
	for deadline := time.Now().Add(10 * time.Second); ; {
		time.Sleep(1100 * time.Millisecond)
		if pr3, _, pc3, err = present(); err != nil {
			return err
		}
		if !pc3.FromCache || time.Now().After(deadline) {
			break
		}
	}
	if pc3.FromCache {
		return errors.New("revoked credential still served from the cache")
	}
	if pr3.Status != "rejected" || !strings.Contains(pr3.Error, "revoked") {
		return fmt.Errorf("after revocation: proof %s %s %q", pr3.Status, pr3.ErrorCode, pr3.Error)
	}
	step("after revocation the cache no longer answers, and the wallet's new presentation is rejected: %s", pr3.Error)
	fmt.Fprintln(out, "demo complete")
	return nil
}

// statuses collects verifier notifications per presentation.
type statuses struct {
	mu sync.Mutex
	m  map[string][]string
}

func (s *statuses) add(id, st string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]string{}
	}
	s.m[id] = append(s.m[id], st)
}

func (s *statuses) get(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.m[id])
}

func (s *statuses) wait(ctx context.Context, id string, want ...string) error {
	for {
		if slices.Equal(s.get(id), want) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("notifications %v, want %v", s.get(id), want)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// plaintextIn lists the needles found in any file under dir.
func plaintextIn(dir string, needles ...string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				found = append(found, filepath.Base(p)+": "+n)
			}
		}
		return nil
	})
	return found, err
}

func parseKeyRef(s string) (crypto.KeyRef, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return crypto.KeyRef{}, fmt.Errorf("holder key %q is not namespace/group/id", s)
	}
	return crypto.KeyRef{Context: crypto.Context{Namespace: parts[0], Group: parts[1]}, ID: parts[2]}, nil
}

func keys(m map[string]json.RawMessage) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	slices.Sort(k)
	return k
}

func shortLink(l string) string {
	if len(l) > 48 {
		return l[:48] + "…"
	}
	return l
}

func pathString(p []any) string {
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
