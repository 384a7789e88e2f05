package oid4vp

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWriteError(t *testing.T) {
	secret := errors.New("db password=hunter2")
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantBody   string
	}{
		{"invalid_request", invalidRequest(ErrMissingParameter, "nonce is required"), 400, `{"error":"invalid_request","error_description":"nonce is required"}`},
		{"invalid_client is 401", newErr(CodeInvalidClient, ErrInvalidClientID, "unknown client"), 401, `{"error":"invalid_client","error_description":"unknown client"}`},
		{"wrapped", errors.Join(errors.New("ctx"), NewError(CodeVPFormatsNotSupported, "")), 400, `{"error":"vp_formats_not_supported"}`},
		{"cause stays private", NewError(CodeAccessDenied, "denied").WithCause(secret), 400, `{"error":"access_denied","error_description":"denied"}`},
		{"other error is server_error", secret, 500, `{"error":"server_error"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteError(w, tc.err)
			require.Equal(t, tc.wantStatus, w.Code)
			require.Equal(t, "application/json", w.Header().Get("Content-Type"))
			require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			require.JSONEq(t, tc.wantBody, w.Body.String())
		})
	}
	e := NewError(CodeAccessDenied, "denied").WithCause(secret)
	require.ErrorIs(t, e, secret)
	require.Equal(t, http.StatusBadRequest, e.Status)
}

func TestErrorValuesAndParse(t *testing.T) {
	e := NewError(CodeWalletUnavailable, "no wallet")
	v := e.Values("st")
	require.Equal(t, "wallet_unavailable", v.Get("error"))
	require.Equal(t, "no wallet", v.Get("error_description"))
	require.Equal(t, "st", v.Get("state"))

	for _, bad := range []string{`{}`, `{"error":1}`, `{"error":"a","error":"b"}`, `[`} {
		_, err := ParseError([]byte(bad))
		require.Error(t, err, bad)
	}
	got, err := ParseError([]byte(`{"error":"invalid_transaction_data","error_description":"x","error_uri":"https://e.example"}`))
	require.NoError(t, err)
	b, err := json.Marshal(got)
	require.NoError(t, err)
	require.JSONEq(t, `{"error":"invalid_transaction_data","error_description":"x","error_uri":"https://e.example"}`, string(b))
}

func TestLongDescriptionTruncated(t *testing.T) {
	long := make([]byte, 1000)
	for i := range long {
		long[i] = 'a'
	}
	e := invalidRequest(ErrInvalidParameter, "%s", long)
	require.LessOrEqual(t, len(e.Description), maxDescription+len("…"))
}
