package natsplugin_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/issuer/natsplugin"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
)

// natsURL returns WSTACK_TEST_NATS_URL or starts nats-server on a free
// loopback port.
func natsURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("WSTACK_TEST_NATS_URL"); u != "" {
		return u
	}
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nats-server not found; CI must run the NATS tests")
		}
		t.Skip("NATS tests skipped: install nats-server or set WSTACK_TEST_NATS_URL")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", fmt.Sprint(port))
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Server is ready") {
				close(ready)
				io.Copy(io.Discard, stderr)
				return
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("nats-server did not start")
	}
	return fmt.Sprintf("nats://127.0.0.1:%d", port)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestRemoteSDJWTPlugin: the SD-JWT plugin runs behind NATS; the issuer
// uses a natsplugin.Client; a wallet gets a credential over HTTPS and
// verifies it.
func TestRemoteSDJWTPlugin(t *testing.T) {
	ctx := context.Background()
	u := natsURL(t)
	pluginConn, err := nats.Connect(u)
	must(t, err)
	defer pluginConn.Close()
	issuerConn, err := nats.Connect(u)
	must(t, err)
	defer issuerConn.Close()

	eng, err := local.New(local.Options{})
	must(t, err)
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme"}, ID: "cred"}
	_, err = eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	must(t, err)
	credSigner, issuerDID, err := did.NewKeyDIDSigner(ctx, eng, ref, crypto.ES256)
	must(t, err)
	plugin, err := issuer.NewSDJWTPlugin(nil, issuer.SDJWTCredential{
		ID: "pid", Signer: credSigner, IssuerID: issuerDID,
		Configuration: oid4vci.CredentialConfiguration{
			Format: oid4vci.FormatSDJWTVC, VCT: "https://credentials.example.com/pid",
			CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
			ProofTypesSupported:                  map[string]*oid4vci.ProofTypeMetadata{"jwt": {ProofSigningAlgValuesSupported: []string{"ES256"}}},
		},
	})
	must(t, err)
	srvPlugin, err := natsplugin.Serve(pluginConn, "issuer.pid", "pid-workers", plugin, nil)
	must(t, err)
	defer srvPlugin.Close()
	must(t, pluginConn.Flush())

	client, err := natsplugin.NewClient(ctx, issuerConn, "issuer.pid")
	must(t, err)
	if client.Configurations()["pid"].VCT != "https://credentials.example.com/pid" {
		t.Fatalf("%+v", client.Configurations())
	}

	atRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme"}, ID: "at"}
	_, err = eng.GenerateKey(ctx, atRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	must(t, err)
	atSigner, err := jose.NewKeySigner(ctx, eng, atRef, crypto.ES256)
	must(t, err)
	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	iss, err := issuer.New(issuer.Config{Issuer: srv.URL, Signer: atSigner, Plugins: []issuer.Plugin{client}, AnonymousAccess: true})
	must(t, err)
	mux.Handle("/", iss.Handler())

	// Wallet.
	hc := srv.Client()
	created, err := iss.CreateOffer(ctx, issuer.OfferRequest{ConfigurationIDs: []string{"pid"}, Claims: map[string]any{"given_name": "Erika"}})
	must(t, err)
	form := url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {created.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode}}
	res, err := hc.PostForm(srv.URL+"/token", form)
	must(t, err)
	var tr oid4vci.TokenResponse
	must(t, json.NewDecoder(res.Body).Decode(&tr))
	res.Body.Close()
	res, err = hc.Post(srv.URL+"/nonce", "", nil)
	must(t, err)
	var nr oid4vci.NonceResponse
	must(t, json.NewDecoder(res.Body).Decode(&nr))
	res.Body.Close()
	hRef := crypto.KeyRef{Context: crypto.Context{Namespace: "wallet"}, ID: "h"}
	_, err = eng.GenerateKey(ctx, hRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	must(t, err)
	holder, err := jose.NewKeySigner(ctx, eng, hRef, crypto.ES256)
	must(t, err)
	jwk, _ := crypto.PublicJWK(holder.Public())
	proof, err := jose.SignJWT(ctx, holder, map[string]any{"typ": oid4vci.ProofJWTType, "jwk": jwk},
		map[string]any{"aud": srv.URL, "iat": time.Now().Unix(), "nonce": nr.CNonce})
	must(t, err)
	b, _ := json.Marshal(map[string]any{"credential_identifier": "pid", "proofs": map[string]any{"jwt": []string{proof}}})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/credential", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tr.AccessToken)
	res, err = hc.Do(req)
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	cr, err := oid4vci.Parser{}.CredentialResponse(res.StatusCode, body)
	must(t, err)
	cred, _ := cr.Credentials[0].String()
	reg, _ := did.NewRegistry(did.KeyMethod{})
	v, err := vc.NewVerifier(vc.Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, KeyResolver: did.NewKeyResolver(reg, did.KeyResolverOptions{})}})
	must(t, err)
	r, err := v.VerifyIssued(ctx, cred)
	must(t, err)
	if r.Claims["given_name"] != "Erika" || r.Claims["cnf"].(map[string]any)["jwk"].(map[string]any)["x"] != jwk["x"] {
		t.Fatalf("%v", r.Claims)
	}

	// A remote protocol error comes back as such.
	_, err = client.Issue(ctx, &issuer.IssueRequest{ConfigurationID: "nope"})
	var pe *oid4vci.Error
	if !errorsAs(err, &pe) || pe.Code != oid4vci.CodeUnknownCredentialConfiguration {
		t.Fatalf("remote error %v", err)
	}
	// No plugin on a subject: NewClient fails.
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := natsplugin.NewClient(cctx, issuerConn, "issuer.none"); err == nil {
		t.Fatal("client without a remote plugin")
	}
}
func errorsAs(err error, t any) bool { return errors.As(err, t) }
