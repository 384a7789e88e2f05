package oid4vp

import (
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash"
	"reflect"
	"slices"

	"github.com/ocmw/wstack/internal/jsonx"
)

// Limits of transaction_data decoding.
const (
	MaxTransactionData      = 16
	MaxTransactionDataBytes = 16 << 10 // of one encoded entry
	MaxTransactionDataDepth = 16
	maxHashAlgs             = 8
)

// TransactionData is one decoded transaction_data entry (§5.1, and the
// SD-JWT VC profile of B.3.3). Type-specific members stay in Extra.
type TransactionData struct {
	Type          string   `json:"type"`
	CredentialIDs []string `json:"credential_ids"`
	// HashAlgorithms is transaction_data_hashes_alg; absent means sha-256.
	HashAlgorithms []string                   `json:"transaction_data_hashes_alg,omitempty"`
	Extra          map[string]json.RawMessage `json:"-"`
	encoded        string
}

var keysTransactionData = jsonx.KnownKeys(reflect.TypeFor[TransactionData]())

// UnmarshalJSON keeps unknown members in Extra.
func (t *TransactionData) UnmarshalJSON(b []byte) error {
	type plain TransactionData
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysTransactionData)
	if err != nil {
		return err
	}
	*t = TransactionData(p)
	t.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (t TransactionData) MarshalJSON() ([]byte, error) {
	type plain TransactionData
	return jsonx.MarshalExtra(plain(t), t.Extra, keysTransactionData)
}

// Encoded returns the base64url string the entry was decoded from (or was
// encoded to by EncodeTransactionData): hashes are computed over it.
func (t *TransactionData) Encoded() string { return t.encoded }

func txErr(format string, args ...any) *Error {
	return newErr(CodeInvalidTransactionData, ErrTransactionData, format, args...)
}

// DecodeTransactionData decodes one transaction_data string: canonical
// unpadded base64url (non-canonical encodings are rejected so that two
// spellings of one object cannot hash differently), a strict JSON object
// within MaxTransactionDataBytes, type a non-empty string, credential_ids a
// non-empty array of DCQL ids, transaction_data_hashes_alg a non-empty
// array when present. Errors carry code invalid_transaction_data.
func DecodeTransactionData(encoded string) (*TransactionData, error) {
	if len(encoded) > MaxTransactionDataBytes {
		return nil, newErr(CodeInvalidTransactionData, ErrTooLarge, "transaction_data entry longer than %d bytes", MaxTransactionDataBytes)
	}
	raw, err := decodeB64URL(encoded)
	if err != nil {
		return nil, txErr("transaction_data entry is not canonical base64url: %v", err)
	}
	if err := jsonx.Validate(raw, jsonx.Limits{MaxBytes: MaxTransactionDataBytes, MaxDepth: MaxTransactionDataDepth}); err != nil {
		e := wrapErr(CodeInvalidTransactionData, ErrTransactionData, err, "transaction_data entry")
		return nil, e
	}
	var t TransactionData
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, txErr("transaction_data entry: %v", err)
	}
	if t.Type == "" {
		return nil, txErr("transaction_data entry without type")
	}
	if len(t.CredentialIDs) == 0 {
		return nil, txErr("transaction_data %q without credential_ids", t.Type)
	}
	for _, id := range t.CredentialIDs {
		if !validQueryID(id) {
			return nil, txErr("transaction_data %q: credential_ids entry %q is not a credential query id", t.Type, id)
		}
	}
	if t.HashAlgorithms != nil && (len(t.HashAlgorithms) == 0 || len(t.HashAlgorithms) > maxHashAlgs) {
		return nil, txErr("transaction_data %q: transaction_data_hashes_alg must hold 1 to %d values", t.Type, maxHashAlgs)
	}
	t.encoded = encoded
	return &t, nil
}

// EncodeTransactionData encodes t as a transaction_data string (base64url
// of its JSON) and records the encoding in t.
func EncodeTransactionData(t *TransactionData) (string, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return "", err
	}
	t.encoded = base64.RawURLEncoding.EncodeToString(b)
	return t.encoded, nil
}

func validQueryID(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func newHash(alg string) (hash.Hash, bool) {
	switch alg {
	case HashSHA256:
		return sha256.New(), true
	case HashSHA384:
		return sha512.New384(), true
	case HashSHA512:
		return sha512.New(), true
	case "sha3-256":
		return sha3.New256(), true
	case "sha3-384":
		return sha3.New384(), true
	case "sha3-512":
		return sha3.New512(), true
	}
	return nil, false
}

// HashAlgorithm returns the hash algorithm to use for this entry: sha-256
// when transaction_data_hashes_alg is absent, else the first listed value
// this package implements (sha-256, sha-384, sha-512, sha3-256, sha3-384,
// sha3-512). It fails with invalid_transaction_data when none is.
func (t *TransactionData) HashAlgorithm() (string, error) {
	if len(t.HashAlgorithms) == 0 {
		return HashSHA256, nil
	}
	for _, a := range t.HashAlgorithms {
		if _, ok := newHash(a); ok {
			return a, nil
		}
	}
	return "", newErr(CodeInvalidTransactionData, ErrUnsupportedHash, "transaction_data %q: no supported hash in %q", t.Type, t.HashAlgorithms)
}

// TransactionDataHashes computes transaction_data_hashes (B.3.3): for each
// encoded transaction_data string, the base64url hash with alg over the
// string itself (it is not decoded first). An empty alg means sha-256.
func TransactionDataHashes(encoded []string, alg string) ([]string, error) {
	if alg == "" {
		alg = HashSHA256
	}
	out := make([]string, len(encoded))
	for i, s := range encoded {
		h, ok := newHash(alg)
		if !ok {
			return nil, newErr(CodeInvalidTransactionData, ErrUnsupportedHash, "hash algorithm %q", alg)
		}
		h.Write([]byte(s))
		out[i] = base64.RawURLEncoding.EncodeToString(h.Sum(nil))
	}
	return out, nil
}

// CheckTransactionDataHashes verifies a presentation's
// transaction_data_hashes and transaction_data_hashes_alg (B.3.3) against
// the requested entries that reference its credential query: one hash per
// entry in request order, alg "" only when no entry listed
// transaction_data_hashes_alg (then sha-256), otherwise a value every such
// entry listed.
func CheckTransactionDataHashes(entries []*TransactionData, hashes []string, alg string) error {
	anyListed := false
	for _, t := range entries {
		if len(t.HashAlgorithms) > 0 {
			anyListed = true
			if !slices.Contains(t.HashAlgorithms, alg) {
				return txErr("transaction_data_hashes_alg %q not among the requested %q", alg, t.HashAlgorithms)
			}
		}
	}
	if alg == "" {
		if anyListed {
			return txErr("transaction_data_hashes_alg missing although the request listed algorithms")
		}
		alg = HashSHA256
	} else if !anyListed && alg != HashSHA256 {
		return txErr("transaction_data_hashes_alg %q but sha-256 was required", alg)
	}
	if len(hashes) != len(entries) {
		return txErr("%d transaction_data_hashes for %d transaction_data entries", len(hashes), len(entries))
	}
	enc := make([]string, len(entries))
	for i, t := range entries {
		enc[i] = t.encoded
	}
	want, err := TransactionDataHashes(enc, alg)
	if err != nil {
		return err
	}
	for i := range want {
		if subtle.ConstantTimeCompare([]byte(want[i]), []byte(hashes[i])) != 1 {
			return txErr("transaction_data_hashes[%d] does not match", i)
		}
	}
	return nil
}

// decodeB64URL decodes canonical unpadded base64url. Go's decoder skips
// '\r' and '\n' even in strict mode, so the alphabet is checked first.
func decodeB64URL(s string) ([]byte, error) {
	for i := range len(s) {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, errors.New("character outside the base64url alphabet")
		}
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}
