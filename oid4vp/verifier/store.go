package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// Status is the state of a transaction. It only moves forward:
// StatusCreated → StatusFetched (optional) → StatusReceived →
// StatusAccepted | StatusRejected.
type Status string

// Transaction states.
const (
	// StatusCreated: the request is waiting for the wallet.
	StatusCreated Status = "created"
	// StatusFetched: the wallet fetched the Request Object (it may fetch
	// again until it responds).
	StatusFetched Status = "request_fetched"
	// StatusReceived: a response was claimed and is being verified; every
	// further response is rejected.
	StatusReceived Status = "response_received"
	// StatusAccepted: the response was verified.
	StatusAccepted Status = "accepted"
	// StatusRejected: the response failed verification, or the wallet
	// answered with an error.
	StatusRejected Status = "rejected"
)

// Final reports whether s is a terminal state.
func (s Status) Final() bool { return s == StatusAccepted || s == StatusRejected }

// Record is a transaction as a Store keeps it. Secrets are stored only as
// SHA-256 hashes; the response decryption key is the transaction's own
// ephemeral key, deleted (zeroed) once a response was received.
type Record struct {
	// ID is the public handle in request_uri and response_uri (128 random
	// bits); it never grants access to the result.
	ID     string `json:"id"`
	Tenant string `json:"tenant"`
	Status Status `json:"status"`
	// CreatedAt / ExpiresAt bound the transaction (the wallet must answer
	// before ExpiresAt).
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Request is the JSON of the Request Object claims (or of the request
	// passed by value).
	Request json.RawMessage `json:"request"`
	// Legacy marks a request of the legacy profile (Presentation
	// Exchange, client_id_scheme; oid4vp.ProfileLegacy).
	Legacy bool `json:"legacy,omitempty"`
	// RequestObject is the signed Request Object served to GET requests
	// (empty for unsigned clients).
	RequestObject string `json:"request_object,omitempty"`
	// EncryptionKey is the raw P-256 private key (ecdh.PrivateKey.Bytes)
	// of direct_post.jwt; EncryptionKID its kid.
	EncryptionKey []byte `json:"encryption_key,omitempty"`
	EncryptionKID string `json:"encryption_kid,omitempty"`
	// RedirectURI is the same-device redirect target (empty for
	// cross-device flows).
	RedirectURI string `json:"redirect_uri,omitempty"`
	// SecretHash is the SHA-256 of the transaction secret handed to the
	// process that created it; ResponseCodeHash that of the one-time
	// response code of same-device flows, cleared once used.
	SecretHash       []byte `json:"secret_hash"`
	ResponseCodeHash []byte `json:"response_code_hash,omitempty"`
	// Fetches counts Request Object fetches.
	Fetches int `json:"fetches,omitempty"`
	// Result is set in the final states.
	Result *Result `json:"result,omitempty"`
	// ResultRead records that the result was read.
	ResultRead bool `json:"result_read,omitempty"`
}

// Store errors.
var (
	ErrNotFound = errors.New("verifier: transaction not found")
	ErrExists   = errors.New("verifier: transaction id already exists")
)

// Store keeps transactions. Implementations must make Update atomic: fn
// runs on a copy of the current record with no other Update of the same
// id in between, and its result is stored only when fn returns nil — so
// that two concurrent responses to one transaction cannot both be claimed
// (security.md row 49). storetest.Run is the contract suite.
type Store interface {
	// Create stores a new record; ErrExists if the id is taken.
	Create(ctx context.Context, r *Record) error
	// Get returns a copy of a record; ErrNotFound if absent.
	Get(ctx context.Context, id string) (*Record, error)
	// Update applies fn atomically and returns the stored result; fn's
	// error is returned unchanged and nothing is stored.
	Update(ctx context.Context, id string, fn func(*Record) error) (*Record, error)
	// DeleteExpired removes records whose ExpiresAt is before t (a final
	// record is kept until then too) and returns how many.
	DeleteExpired(ctx context.Context, t time.Time) (int, error)
}

// MemoryStore is a Store in process memory (one replica).
type MemoryStore struct {
	mu   sync.Mutex
	recs map[string]*Record
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{recs: map[string]*Record{}} }

var _ Store = (*MemoryStore)(nil)

func cloneRecord(r *Record) *Record {
	c := *r
	c.Request = append(json.RawMessage(nil), r.Request...)
	c.EncryptionKey = append([]byte(nil), r.EncryptionKey...)
	c.SecretHash = append([]byte(nil), r.SecretHash...)
	c.ResponseCodeHash = append([]byte(nil), r.ResponseCodeHash...)
	if r.Result != nil {
		c.Result = r.Result.clone()
	}
	return &c
}

// Create implements Store.
func (m *MemoryStore) Create(ctx context.Context, r *Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.recs[r.ID]; ok {
		return ErrExists
	}
	m.recs[r.ID] = cloneRecord(r)
	return nil
}

// Get implements Store.
func (m *MemoryStore) Get(ctx context.Context, id string) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return nil, ErrNotFound
	}
	return cloneRecord(r), nil
}

// Update implements Store.
func (m *MemoryStore) Update(ctx context.Context, id string, fn func(*Record) error) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return nil, ErrNotFound
	}
	c := cloneRecord(r)
	if err := fn(c); err != nil {
		return nil, err
	}
	c.ID = id // the id is immutable
	m.recs[id] = cloneRecord(c)
	return c, nil
}

// DeleteExpired implements Store.
func (m *MemoryStore) DeleteExpired(ctx context.Context, t time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, r := range m.recs {
		if r.ExpiresAt.Before(t) {
			delete(m.recs, id)
			n++
		}
	}
	return n, nil
}
