package oid4vci

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWriteErrorJSON(t *testing.T) {
	cause := errors.New("db: row locked")
	for _, tc := range []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"token invalid_grant", NewError(CodeInvalidGrant, "wrong transaction code"), 400, `{"error":"invalid_grant","error_description":"wrong transaction code"}`},
		{"token invalid_client with error_uri", &Error{Code: CodeInvalidClient, URI: "https://as.example.com/errors/anon", Status: 401}, 401, `{"error":"invalid_client","error_uri":"https://as.example.com/errors/anon"}`},
		{"credential invalid_proof wrapped", fmt.Errorf("issuer: %w", NewError(CodeInvalidProof, "nonce expired").Wrap(cause)), 400, `{"error":"invalid_proof","error_description":"nonce expired"}`},
		{"description sanitised", NewError(CodeInvalidNonce, "bad \"nonce\"\n\\ é"), 400, `{"error":"invalid_nonce","error_description":"bad ?nonce??? ?"}`},
		{"deferred invalid_transaction_id", NewError(CodeInvalidTransactionID, ""), 400, `{"error":"invalid_transaction_id"}`},
		{"legacy c_nonce", &Error{Code: CodeInvalidProof, CNonce: "8YE9hCnyV2", CNonceExpiresIn: 86400}, 400, `{"error":"invalid_proof","c_nonce":"8YE9hCnyV2","c_nonce_expires_in":86400}`},
		{"field error with code", withCode(fieldErr("proofs", ErrMissing, ""), CodeInvalidProof), 400, `{"error":"invalid_proof","error_description":"oid4vci: required member missing: proofs"}`},
		{"internal error hidden", cause, 500, `{"error":"server_error"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, tc.err)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Body.String(); got != tc.body {
				t.Errorf("body %s, want %s", got, tc.body)
			}
			if rec.Header().Get("Content-Type") != MediaTypeJSON || rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v", rec.Header())
			}
			if rec.Header().Get("WWW-Authenticate") != "" {
				t.Errorf("JSON error with a challenge")
			}
		})
	}
}

func TestWriteErrorChallenge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    *Error
		status int
		header string
		nonce  string
	}{
		{"bearer invalid_token", &Error{Code: CodeInvalidToken, Description: "The access token expired", Scheme: SchemeBearer, Realm: "example"}, 401,
			`Bearer realm="example", error="invalid_token", error_description="The access token expired"`, ""},
		{"bearer insufficient_scope", &Error{Code: CodeInsufficientScope, Scheme: SchemeBearer, Scope: "pid"}, 403, `Bearer scope="pid", error="insufficient_scope"`, ""},
		{"no token presented", &Error{Scheme: SchemeBearer, Realm: "issuer"}, 401, `Bearer realm="issuer"`, ""},
		{"dpop use_dpop_nonce", &Error{Code: CodeUseDPoPNonce, Description: "Resource server requires nonce in DPoP proof", Scheme: SchemeDPoP, Algs: []string{"ES256", "EdDSA"}, DPoPNonce: "eyJ7S_zG.eyJH0-Z.HX4w-7v"}, 401,
			`DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256 EdDSA"`, "eyJ7S_zG.eyJH0-Z.HX4w-7v"},
		{"dpop invalid_dpop_proof", &Error{Code: CodeInvalidDPoPProof, Scheme: SchemeDPoP, Algs: []string{"ES256"}}, 401, `DPoP error="invalid_dpop_proof", algs="ES256"`, ""},
		{"quote in description", &Error{Code: CodeInvalidToken, Description: `a"b\c`, Scheme: SchemeBearer}, 401, `Bearer error="invalid_token", error_description="a?b?c"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, tc.err)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tc.header {
				t.Errorf("WWW-Authenticate %s\nwant %s", got, tc.header)
			}
			if rec.Body.Len() != 0 {
				t.Errorf("challenge with a body: %s", rec.Body)
			}
			if got := rec.Header().Get("DPoP-Nonce"); got != tc.nonce {
				t.Errorf("DPoP-Nonce %q", got)
			}
			// the wallet side reads the challenge back
			cs, err := ParseWWWAuthenticate(rec.Header().Values("WWW-Authenticate")...)
			if err != nil || len(cs) != 1 {
				t.Fatalf("parse back: %v %v", cs, err)
			}
			back := cs[0].Error()
			if tc.err.Code == "" {
				if back != nil {
					t.Fatalf("error from a bare challenge: %v", back)
				}
				return
			}
			if back.Code != tc.err.Code || back.Scheme != tc.err.Scheme || back.Realm != tc.err.Realm || fmt.Sprint(back.Algs) != fmt.Sprint(tc.err.Algs) {
				t.Errorf("parsed back %+v", back)
			}
		})
	}
}

func TestErrorMatching(t *testing.T) {
	cause := errors.New("nonce store down")
	err := fmt.Errorf("wrapped: %w", NewError(CodeInvalidNonce, "stale").Wrap(cause))
	if !errors.Is(err, NewError(CodeInvalidNonce, "")) || errors.Is(err, NewError(CodeInvalidProof, "")) {
		t.Fatal("errors.Is by code")
	}
	if !errors.Is(err, cause) {
		t.Fatal("cause not reachable with errors.Is")
	}
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus() != http.StatusBadRequest {
		t.Fatal("errors.As")
	}
	b, _ := json.Marshal(e)
	if string(b) != `{"error":"invalid_nonce","error_description":"stale"}` {
		t.Fatalf("cause leaked into the body: %s", b)
	}
}

func TestParseWWWAuthenticate(t *testing.T) {
	cs, err := ParseWWWAuthenticate(`Bearer realm="a, b", error="invalid_token", DPoP algs="ES256 PS256", error="use_dpop_nonce"`, `Basic realm="x"`)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || cs[0].Params["realm"] != "a, b" || cs[1].Scheme != "DPoP" || cs[1].Params["error"] != "use_dpop_nonce" || cs[2].Scheme != "Basic" {
		t.Fatalf("%+v", cs)
	}
	if e := cs[1].Error(); e.Scheme != SchemeDPoP || len(e.Algs) != 2 || e.Code != CodeUseDPoPNonce {
		t.Fatalf("%+v", e)
	}
	cs, err = ParseWWWAuthenticate(`Bearer, DPoP algs=ES256`)
	if err != nil || len(cs) != 2 || cs[1].Params["algs"] != "ES256" {
		t.Fatalf("%+v %v", cs, err)
	}
	for _, bad := range []string{
		`Bearer realm="unterminated`,
		`Bearer realm="a" error="b"`,
		`Bearer error="a", error="b"`,
		`Bearer error=`,
		`"quoted"`,
		string(make([]byte, maxWWWAuthenticate+1)),
	} {
		if _, err := ParseWWWAuthenticate(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestErrorResponseSpecShapes(t *testing.T) {
	e, err := Parser{Profile: ProfileLegacy}.ErrorResponse(400, []byte(`{"error":"issuance_pending","interval":10,"x":1}`))
	if err != nil || e.Code != CodeIssuancePending || e.Interval != 10 || string(e.Extra["x"]) != "1" || e.HTTPStatus() != 400 {
		t.Fatalf("%+v %v", e, err)
	}
}
