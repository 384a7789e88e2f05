package statuslist_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

type fakeDI struct{}

// VerifyStatusListCredential stands in for a Data Integrity verifier: it
// accepts documents whose proof says "ok".
func (fakeDI) VerifyStatusListCredential(_ context.Context, doc []byte) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, err
	}
	if p, _ := m["proof"].(map[string]any); p == nil || p["proofValue"] != "ok" {
		return nil, errors.New("bad proof")
	}
	delete(m, "proof")
	return json.Marshal(m)
}

func TestStatusList2021AndDataIntegrity(t *testing.T) {
	ctx := context.Background()
	s := newSigner(t)
	now := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	l, _ := statuslist.NewBitstringList(statuslist.MinBitstringEntries, 1)
	l.Set(94567, 1)
	enc, _ := statuslist.EncodeBitstring(l)
	legacyEnc := enc[1:] // StatusList2021: no multibase prefix
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sl2021 := map[string]any{
		"@context": []string{"https://www.w3.org/2018/credentials/v1", statuslist.ContextStatusList2021},
		"type":     []string{"VerifiableCredential", "StatusList2021Credential"},
		"credentialSubject": map[string]any{
			"id": srv.URL + "/sl2021#list", "type": "StatusList2021", "statusPurpose": "revocation", "encodedList": legacyEnc,
		},
	}
	tok, err := jose.SignJWT(ctx, s, map[string]any{"typ": "JWT"}, map[string]any{
		"iss": "did:example:issuer", "jti": srv.URL + "/sl2021", "nbf": now.Add(-time.Hour).Unix(), "exp": now.Add(time.Hour).Unix(), "vc": sl2021,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("GET /sl2021", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwt")
		w.Write([]byte(tok))
	})
	di := func(proof string, purpose string) []byte {
		doc, _ := json.Marshal(map[string]any{
			"@context": []string{statuslist.ContextVCv2}, "id": srv.URL + "/di-" + proof,
			"type": []string{"VerifiableCredential", "BitstringStatusListCredential"}, "issuer": "did:example:issuer",
			"validUntil":        now.Add(time.Hour).Format(time.RFC3339),
			"credentialSubject": map[string]any{"type": "BitstringStatusList", "statusPurpose": purpose, "encodedList": enc},
			"proof":             map[string]any{"type": "DataIntegrityProof", "proofValue": proof},
		})
		return doc
	}
	for _, proof := range []string{"ok", "forged"} {
		doc := di(proof, "revocation")
		mux.HandleFunc("GET /di-"+proof, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", statuslist.MediaTypeVCLD)
			w.Write(doc)
		})
	}
	e := newEnv(t) // for the loopback-capable fetcher
	c, _ := statuslist.NewChecker(statuslist.CheckerConfig{Fetcher: e.fetcher, Keys: statuslist.StaticKey(s.Public()), Now: func() time.Time { return now }, CredentialVerifier: fakeDI{}})
	legacy := func(idx uint64) vocab.StatusReference {
		return vocab.StatusReference{Type: "StatusList2021Entry", URI: srv.URL + "/sl2021", Index: idx, Purpose: "revocation", Size: 1}
	}
	if st, err := c.Status(ctx, legacy(94567)); err != nil || st != statuslist.Invalid {
		t.Fatalf("StatusList2021 revoked: %v %v", st, err)
	}
	if st, err := c.Status(ctx, legacy(94568)); err != nil || st != statuslist.Valid {
		t.Fatalf("StatusList2021 valid: %v %v", st, err)
	}
	// A Bitstring entry pointing at a StatusList2021 credential is refused.
	if _, err := c.Status(ctx, w3cRef(srv.URL+"/sl2021", 1, "revocation", 1, nil)); !errors.Is(err, statuslist.ErrTokenType) {
		t.Fatalf("bitstring entry on legacy list: %v", err)
	}
	if st, err := c.Status(ctx, w3cRef(srv.URL+"/di-ok", 94567, "revocation", 1, nil)); err != nil || st != statuslist.Invalid {
		t.Fatalf("Data Integrity list: %v %v", st, err)
	}
	if _, err := c.Status(ctx, w3cRef(srv.URL+"/di-forged", 94567, "revocation", 1, nil)); !errors.Is(err, statuslist.ErrSignature) {
		t.Fatalf("row36 forged proof: %v", err)
	}
	// Without a CredentialVerifier, JSON-LD lists are not trusted.
	c2, _ := statuslist.NewChecker(statuslist.CheckerConfig{Fetcher: e.fetcher, Keys: statuslist.StaticKey(s.Public()), Now: func() time.Time { return now }})
	if _, err := c2.Status(ctx, w3cRef(srv.URL+"/di-ok", 1, "revocation", 1, nil)); !errors.Is(err, statuslist.ErrSignature) {
		t.Fatalf("no DI verifier: %v", err)
	}
	// After validUntil: expired.
	c3, _ := statuslist.NewChecker(statuslist.CheckerConfig{Fetcher: e.fetcher, Keys: statuslist.StaticKey(s.Public()), Now: func() time.Time { return now.Add(2 * time.Hour) }, CredentialVerifier: fakeDI{}})
	if _, err := c3.Status(ctx, w3cRef(srv.URL+"/di-ok", 1, "revocation", 1, nil)); !errors.Is(err, statuslist.ErrExpired) {
		t.Fatalf("row36 expired list credential: %v", err)
	}
}

func TestCheckAtHistorical(t *testing.T) {
	ctx := context.Background()
	s := newSigner(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	uri := srv.URL + "/hist"
	// The server keeps daily snapshots: index 7 was revoked on day 2.
	mux.HandleFunc("GET /hist", func(w http.ResponseWriter, r *http.Request) {
		ts, err := strconv.ParseInt(r.URL.Query().Get("time"), 10, 64)
		if err != nil {
			http.Error(w, "no", http.StatusNotImplemented)
			return
		}
		day := time.Unix(ts, 0).UTC().Truncate(24 * time.Hour)
		if r.URL.Query().Get("skew") != "" {
			day = day.Add(-48 * time.Hour) // a snapshot that does not cover the time
		}
		l, _ := statuslist.NewIETFList(64, 1)
		if !day.Before(t0.Add(24 * time.Hour)) {
			l.Set(7, 1)
		}
		sl, _ := statuslist.NewIETFStatusList(l, "")
		sub := uri
		if r.URL.Query().Get("skew") != "" {
			sub = uri + "?skew=1"
		}
		tok, _ := statuslist.SignJWT(r.Context(), s, statuslist.TokenClaims{Subject: sub, IssuedAt: day, ExpiresAt: day.Add(24 * time.Hour), StatusList: sl})
		w.Header().Set("Content-Type", statuslist.MediaTypeJWT)
		w.Write([]byte(tok))
	})
	e := newEnv(t)
	c, _ := statuslist.NewChecker(statuslist.CheckerConfig{Fetcher: e.fetcher, Keys: statuslist.StaticKey(s.Public())})
	ref := ietfRef(uri, 7)
	if st, err := c.CheckAt(ctx, ref, t0.Add(12*time.Hour)); err != nil || st != statuslist.Valid {
		t.Fatalf("day 1: %v %v", st, err)
	}
	if st, err := c.CheckAt(ctx, ref, t0.Add(36*time.Hour)); err != nil || st != statuslist.Invalid {
		t.Fatalf("day 2: %v %v", st, err)
	}
	// A token whose validity does not cover the requested time is rejected.
	if _, err := c.CheckAt(ctx, ietfRef(uri+"?skew=1", 7), t0.Add(72*time.Hour+time.Hour)); !errors.Is(err, statuslist.ErrExpired) {
		t.Fatalf("historical token outside its validity: %v", err)
	}
	if _, err := c.CheckAt(ctx, w3cRef(uri, 1, "revocation", 1, nil), t0); !errors.Is(err, statuslist.ErrUnsupportedReference) {
		t.Fatalf("W3C historical: %v", err)
	}
}

func TestRow37_RedirectLoopAndInternalURIs(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("GET /loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	c := e.checker(t, nil)
	if _, err := c.Status(ctx, ietfRef(srv.URL+"/loop", 0)); !errors.Is(err, statuslist.ErrRetrieval) {
		t.Fatalf("row37_redirect_loop: %v", err)
	}
	// The default guarded fetcher refuses internal addresses and plain http.
	strict, _ := statuslist.NewChecker(statuslist.CheckerConfig{
		Fetcher: statuslist.GuardedFetcher(fetch.New(fetch.Options{})),
		Keys:    statuslist.StaticKey(e.signer.Public()),
	})
	for _, u := range []string{srv.URL + "/x", "https://127.0.0.1/x", "https://[::1]/x", "file:///etc/passwd"} {
		if _, err := strict.Status(ctx, ietfRef(u, 0)); !errors.Is(err, statuslist.ErrRetrieval) {
			t.Fatalf("row37_internal_uri %s: %v", u, err)
		}
	}
}

func TestPresentationAdapter(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	msg := statuslist.ListConfig{Format: statuslist.FormatBitstring, Purpose: statuslist.PurposeMessage, Bits: 2}
	rev := statuslist.ListConfig{Format: statuslist.FormatBitstring, Purpose: statuslist.PurposeRevocation}
	am, _ := e.alloc.Allocate(ctx, "t", "msg", msg)
	ar, _ := e.alloc.Allocate(ctx, "t", "rev", rev)
	e.alloc.SetStatus(ctx, "t", am.ListID, am.Index, 2)
	e.alloc.Revoke(ctx, "t", ar.ListID, ar.Index)
	var sc vocab.StatusChecker = e.checker(t, nil)
	raw := []any{
		map[string]any{"status": "0x0", "message": "valid"}, map[string]any{"status": "0x1", "message": "invalid"},
		map[string]any{"status": "0x2", "message": "pending_review"}, map[string]any{"status": "0x3", "message": "undefined"},
	}
	res, err := sc.Check(ctx, w3cRef(e.uri("t", am.ListID), am.Index, "message", 2, map[string]any{"statusMessage": raw}))
	if err != nil || res.Value != 2 || res.Message != "pending_review" {
		t.Fatalf("message list: %+v %v", res, err)
	}
	// W3C values are raw bits: presentation interprets them by purpose.
	res, err = sc.Check(ctx, w3cRef(e.uri("t", ar.ListID), ar.Index, "revocation", 1, nil))
	if err != nil || res.Value != 1 {
		t.Fatalf("revocation list: %+v %v", res, err)
	}
	if _, err := sc.Check(ctx, w3cRef(e.uri("t", ar.ListID), statuslist.MinBitstringEntries, "revocation", 1, nil)); !errors.Is(err, statuslist.ErrIndexOutOfRange) {
		t.Fatalf("out of range through the adapter: %v", err)
	}
}
