package oid4vp

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tdExample is the §5.1 example object, base64url-encoded (compact JSON);
// its digests were computed independently (Python hashlib).
const (
	tdExample       = "eyJ0eXBlIjoiZXhhbXBsZV90eXBlIiwiY3JlZGVudGlhbF9pZHMiOlsiaWRfY2FyZF9jcmVkZW50aWFsIl19"
	tdExampleSHA256 = "lTp84kYtj5cZfVVmkrjZg-TZnQSfDoGWfNN9YKZo14M"
	tdExampleSHA384 = "2qy7zbWAhiOWuNcD-Zxoaz-mkZkXFe-iBQQGLS62f4LFUtm6LQejKH1t5kSpoTpq"
)

func TestTransactionDataHashes(t *testing.T) {
	for _, tc := range []struct{ alg, want string }{{"", tdExampleSHA256}, {HashSHA256, tdExampleSHA256}, {HashSHA384, tdExampleSHA384}} {
		got, err := TransactionDataHashes([]string{tdExample}, tc.alg)
		require.NoError(t, err)
		require.Equal(t, []string{tc.want}, got)
	}
	_, err := TransactionDataHashes([]string{tdExample}, "md5")
	require.ErrorIs(t, err, ErrUnsupportedHash)
}

func TestDecodeTransactionData(t *testing.T) {
	td, err := DecodeTransactionData(tdExample)
	require.NoError(t, err)
	require.Equal(t, "example_type", td.Type)
	require.Equal(t, []string{"id_card_credential"}, td.CredentialIDs)
	alg, err := td.HashAlgorithm()
	require.NoError(t, err)
	require.Equal(t, HashSHA256, alg)

	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	bad := []struct {
		name, in string
		wantErr  error
	}{
		{"padding", tdExample + "=", ErrTransactionData},
		{"standard alphabet", base64.RawStdEncoding.EncodeToString([]byte(`{"type":"a??","credential_ids":["x"]}`)), ErrTransactionData},
		{"embedded newline", tdExample[:10] + "\n" + tdExample[10:], ErrTransactionData},
		{"non-canonical trailing bits", enc(`{"type":"t","credential_ids":["x"]}`)[:len(enc(`{"type":"t","credential_ids":["x"]}`))-1] + "_", ErrTransactionData},
		{"not an object", enc(`["t"]`), ErrTransactionData},
		{"duplicate member", enc(`{"type":"a","type":"b","credential_ids":["x"]}`), ErrTransactionData},
		{"no type", enc(`{"credential_ids":["x"]}`), ErrTransactionData},
		{"type a number", enc(`{"type":1,"credential_ids":["x"]}`), ErrTransactionData},
		{"empty credential_ids", enc(`{"type":"t","credential_ids":[]}`), ErrTransactionData},
		{"credential id with a space", enc(`{"type":"t","credential_ids":["a b"]}`), ErrTransactionData},
		{"empty hash alg list", enc(`{"type":"t","credential_ids":["x"],"transaction_data_hashes_alg":[]}`), ErrTransactionData},
		{"deep", enc(`{"type":"t","credential_ids":["x"],"d":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`), ErrTransactionData},
		{"too large", strings.Repeat("A", MaxTransactionDataBytes+1), ErrTooLarge},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeTransactionData(tc.in)
			require.ErrorIs(t, err, tc.wantErr)
			require.Equal(t, CodeInvalidTransactionData, CodeOf(err))
		})
	}
}

func TestCheckTransactionDataHashes(t *testing.T) {
	plain, err := DecodeTransactionData(tdExample)
	require.NoError(t, err)
	listed := &TransactionData{Type: "t", CredentialIDs: []string{"x"}, HashAlgorithms: []string{HashSHA384}}
	_, err = EncodeTransactionData(listed)
	require.NoError(t, err)
	h384, err := TransactionDataHashes([]string{listed.Encoded()}, HashSHA384)
	require.NoError(t, err)

	tests := []struct {
		name    string
		entries []*TransactionData
		hashes  []string
		alg     string
		wantErr bool
	}{
		{"default sha-256", []*TransactionData{plain}, []string{tdExampleSHA256}, "", false},
		{"explicit sha-256", []*TransactionData{plain}, []string{tdExampleSHA256}, HashSHA256, false},
		{"sha-384 not requested", []*TransactionData{plain}, []string{tdExampleSHA384}, HashSHA384, true},
		{"listed sha-384", []*TransactionData{listed}, h384, HashSHA384, false},
		{"alg missing though listed", []*TransactionData{listed}, h384, "", true},
		{"wrong hash", []*TransactionData{plain}, []string{tdExampleSHA384[:43]}, "", true},
		{"hash count", []*TransactionData{plain}, []string{tdExampleSHA256, tdExampleSHA256}, "", true},
		{"no hashes", []*TransactionData{plain}, nil, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckTransactionDataHashes(tc.entries, tc.hashes, tc.alg)
			if !tc.wantErr {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrTransactionData)
		})
	}
}
