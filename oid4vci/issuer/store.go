package issuer

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrNotFound is returned by stores for a record that does not exist, has
// expired, or (for codes) was already redeemed or locked.
var ErrNotFound = errors.New("issuer: record not found")

// Offer is the issuer-side record of a credential offer and, once its
// pre-authorized code is redeemed, of the grant the access token is bound to.
// Secrets are kept only as hashes: CodeHash is SHA-256 of the pre-authorized
// code, TxCodeHash SHA-256 over the code hash and the transaction code.
type Offer struct {
	// ID identifies the offer (credential_offer_uri path, access token
	// grant claim). Random, 128 bits.
	ID string
	// CodeHash is the SHA-256 of the pre-authorized code, hex encoded.
	CodeHash string
	// Subject is the subject the offer was made for (opaque to the issuer).
	Subject string
	// ConfigurationIDs are the offered credential configuration ids.
	ConfigurationIDs []string
	// Claims is the data the issuance plugin needs for the credentials.
	Claims map[string]any
	// TxCodeHash is empty when the offer has no transaction code.
	TxCodeHash string
	// Attempts counts failed transaction code attempts.
	Attempts int
	// Redeemed is set once, by Redeem.
	Redeemed bool
	// Document is the offer JSON served at credential_offer_uri (by
	// reference only; it holds the pre-authorized code).
	Document []byte
	// ExpiresAt bounds redemption (and serving Document).
	ExpiresAt time.Time
	// GrantExpiresAt bounds the use of the redeemed grant (set by Redeem's
	// caller through the value passed to Redeem).
	GrantExpiresAt time.Time
	// ClientID and DPoPJKT are set at redemption.
	ClientID string
	DPoPJKT  string
	// IssuerStateHash is SHA-256 over the offer id and the secret part of
	// the issuer_state of an authorization_code grant ("" without one).
	IssuerStateHash string
	// Holder names the user of an external authorization server who
	// redeemed the offer through issuer_state (set at redemption).
	Holder string
}

func (o *Offer) clone() *Offer {
	c := *o
	c.ConfigurationIDs = append([]string(nil), o.ConfigurationIDs...)
	c.Document = append([]byte(nil), o.Document...)
	return &c
}

// Redemption is what Redeem records on the offer.
type Redemption struct {
	Now            time.Time
	MaxAttempts    int
	GrantExpiresAt time.Time
	ClientID       string
	DPoPJKT        string
	// Holder is recorded as Offer.Holder (external grants).
	Holder string
}

// OfferStore keeps offers and their pre-authorized codes.
//
// Redeem is the single atomic step of the token endpoint: it succeeds for
// exactly one caller per code, across replicas sharing the store (for SQL, one
// conditional UPDATE … WHERE NOT redeemed AND expires_at > now AND attempts <
// max … RETURNING), and only if the code is unexpired, unredeemed and not
// locked by failed transaction code attempts.
type OfferStore interface {
	// Put stores a new offer.
	Put(ctx context.Context, o *Offer) error
	// Get returns the offer by ID (ErrNotFound if absent or, with the
	// grant not yet redeemed, past ExpiresAt; redeemed grants are returned
	// until GrantExpiresAt).
	Get(ctx context.Context, id string, now time.Time) (*Offer, error)
	// ByCode returns the unredeemed, unexpired, unlocked offer for a code hash.
	ByCode(ctx context.Context, codeHash string, r Redemption) (*Offer, error)
	// Fail counts a failed transaction code attempt atomically; at
	// MaxAttempts the code is invalidated. It returns the attempts left.
	Fail(ctx context.Context, codeHash string, maxAttempts int) (int, error)
	// Redeem atomically marks the code redeemed and records r (see the
	// type comment); ErrNotFound for every caller but the first.
	Redeem(ctx context.Context, codeHash string, r Redemption) (*Offer, error)
}

// NonceStore keeps c_nonce values. Consume is atomic: a nonce is accepted by
// exactly one request.
type NonceStore interface {
	// Put stores a fresh nonce (its hash) until exp.
	Put(ctx context.Context, nonce string, exp time.Time) error
	// Consume removes an unexpired nonce; ErrNotFound if it is unknown,
	// used or expired.
	Consume(ctx context.Context, nonce string, now time.Time) error
}

// ReplayStore remembers DPoP proof identifiers until they expire.
type ReplayStore interface {
	// Seen records key until exp and reports whether it was already
	// recorded (a replay). It is atomic.
	Seen(ctx context.Context, key string, exp, now time.Time) (bool, error)
}

// Transaction is a deferred issuance in progress.
type Transaction struct {
	ID        string
	OfferID   string
	Request   IssueRequest
	Interval  int
	ExpiresAt time.Time
}

// TransactionStore keeps deferred issuance transactions.
type TransactionStore interface {
	Put(ctx context.Context, t *Transaction) error
	// Get returns an unexpired transaction (ErrNotFound otherwise).
	Get(ctx context.Context, id string, now time.Time) (*Transaction, error)
	// Delete removes a transaction; ErrNotFound if it was already removed.
	Delete(ctx context.Context, id string) error
}

// Notification is an issued credential's notification record.
type Notification struct {
	ID        string
	OfferID   string
	Event     string
	ExpiresAt time.Time
}

// NotificationStore keeps notification ids of issued credentials.
type NotificationStore interface {
	Put(ctx context.Context, n *Notification) error
	// Record sets the event of an unexpired notification of offerID;
	// repeating it is harmless (idempotent). ErrNotFound for an unknown
	// id or one of another offer.
	Record(ctx context.Context, id, offerID, event string, now time.Time) error
}

// Memory holds every store in process memory. It is safe for concurrent use;
// expired entries are reaped on write.
type Memory struct {
	mu     sync.Mutex
	offers map[string]*Offer // by ID
	codes  map[string]string // code hash -> ID
	nonces map[string]time.Time
	jtis   map[string]time.Time
	txs    map[string]*Transaction
	notes  map[string]*Notification
	// refresh tokens by hash, and their families
	refresh  map[string]*memRefresh
	families map[string]*memFamily
	writes   int
}

// NewMemory returns empty memory stores.
func NewMemory() *Memory {
	return &Memory{
		offers: map[string]*Offer{}, codes: map[string]string{}, nonces: map[string]time.Time{},
		jtis: map[string]time.Time{}, txs: map[string]*Transaction{}, notes: map[string]*Notification{},
		refresh: map[string]*memRefresh{}, families: map[string]*memFamily{},
	}
}

// Offers returns the OfferStore.
func (m *Memory) Offers() OfferStore { return memOffers{m} }

// Nonces returns the NonceStore.
func (m *Memory) Nonces() NonceStore { return memNonces{m} }

// Replays returns the ReplayStore.
func (m *Memory) Replays() ReplayStore { return memReplays{m} }

// Transactions returns the TransactionStore.
func (m *Memory) Transactions() TransactionStore { return memTxs{m} }

// Notifications returns the NotificationStore.
func (m *Memory) Notifications() NotificationStore { return memNotes{m} }

// reap drops expired entries every 1024 writes; m.mu is held.
func (m *Memory) reap(now time.Time) {
	m.writes++
	if m.writes%1024 != 0 {
		return
	}
	for id, o := range m.offers {
		if now.After(o.ExpiresAt) && (!o.Redeemed || now.After(o.GrantExpiresAt)) {
			delete(m.offers, id)
			delete(m.codes, o.CodeHash)
		}
	}
	for k, exp := range m.nonces {
		if now.After(exp) {
			delete(m.nonces, k)
		}
	}
	for k, exp := range m.jtis {
		if now.After(exp) {
			delete(m.jtis, k)
		}
	}
	for k, t := range m.txs {
		if now.After(t.ExpiresAt) {
			delete(m.txs, k)
		}
	}
	for k, n := range m.notes {
		if now.After(n.ExpiresAt) {
			delete(m.notes, k)
		}
	}
	for k, r := range m.refresh {
		if now.After(r.tok.ExpiresAt) {
			delete(m.refresh, k)
		}
	}
	for k, f := range m.families {
		if now.After(f.exp) {
			delete(m.families, k)
		}
	}
}

type memOffers struct{ m *Memory }

func (s memOffers) Put(_ context.Context, o *Offer) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if _, dup := s.m.offers[o.ID]; dup {
		return errors.New("issuer: duplicate offer id")
	}
	if _, dup := s.m.codes[o.CodeHash]; dup {
		return errors.New("issuer: duplicate code")
	}
	s.m.reap(time.Now())
	s.m.offers[o.ID] = o.clone()
	s.m.codes[o.CodeHash] = o.ID
	return nil
}

func (s memOffers) Get(_ context.Context, id string, now time.Time) (*Offer, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	o, ok := s.m.offers[id]
	if !ok || (!o.Redeemed && !now.Before(o.ExpiresAt)) || (o.Redeemed && !now.Before(o.GrantExpiresAt)) {
		return nil, ErrNotFound
	}
	return o.clone(), nil
}

func (s memOffers) live(codeHash string, r Redemption) (*Offer, bool) {
	id, ok := s.m.codes[codeHash]
	if !ok {
		return nil, false
	}
	o := s.m.offers[id]
	if o == nil || o.Redeemed || !r.Now.Before(o.ExpiresAt) || (r.MaxAttempts > 0 && o.Attempts >= r.MaxAttempts) {
		return nil, false
	}
	return o, true
}

func (s memOffers) ByCode(_ context.Context, codeHash string, r Redemption) (*Offer, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	o, ok := s.live(codeHash, r)
	if !ok {
		return nil, ErrNotFound
	}
	return o.clone(), nil
}

func (s memOffers) Fail(_ context.Context, codeHash string, maxAttempts int) (int, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	id, ok := s.m.codes[codeHash]
	if !ok {
		return 0, ErrNotFound
	}
	o := s.m.offers[id]
	if o == nil || o.Redeemed {
		return 0, ErrNotFound
	}
	o.Attempts++
	left := maxAttempts - o.Attempts
	if left < 0 {
		left = 0
	}
	return left, nil
}

func (s memOffers) Redeem(_ context.Context, codeHash string, r Redemption) (*Offer, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	o, ok := s.live(codeHash, r)
	if !ok {
		return nil, ErrNotFound
	}
	o.Redeemed = true
	o.GrantExpiresAt = r.GrantExpiresAt
	o.ClientID = r.ClientID
	o.DPoPJKT = r.DPoPJKT
	o.Holder = r.Holder
	o.Document = nil
	return o.clone(), nil
}

type memNonces struct{ m *Memory }

func (s memNonces) Put(_ context.Context, nonce string, exp time.Time) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.reap(time.Now())
	s.m.nonces[nonce] = exp
	return nil
}

func (s memNonces) Consume(_ context.Context, nonce string, now time.Time) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	exp, ok := s.m.nonces[nonce]
	if !ok {
		return ErrNotFound
	}
	delete(s.m.nonces, nonce)
	if !now.Before(exp) {
		return ErrNotFound
	}
	return nil
}

type memReplays struct{ m *Memory }

func (s memReplays) Seen(_ context.Context, key string, exp, now time.Time) (bool, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if old, ok := s.m.jtis[key]; ok && now.Before(old) {
		return true, nil
	}
	s.m.reap(now)
	s.m.jtis[key] = exp
	return false, nil
}

type memTxs struct{ m *Memory }

func (s memTxs) Put(_ context.Context, t *Transaction) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.reap(time.Now())
	c := *t
	s.m.txs[t.ID] = &c
	return nil
}

func (s memTxs) Get(_ context.Context, id string, now time.Time) (*Transaction, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	t, ok := s.m.txs[id]
	if !ok || !now.Before(t.ExpiresAt) {
		return nil, ErrNotFound
	}
	c := *t
	return &c, nil
}

func (s memTxs) Delete(_ context.Context, id string) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if _, ok := s.m.txs[id]; !ok {
		return ErrNotFound
	}
	delete(s.m.txs, id)
	return nil
}

type memNotes struct{ m *Memory }

func (s memNotes) Put(_ context.Context, n *Notification) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.reap(time.Now())
	c := *n
	s.m.notes[n.ID] = &c
	return nil
}

func (s memNotes) Record(_ context.Context, id, offerID, event string, now time.Time) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	n, ok := s.m.notes[id]
	if !ok || n.OfferID != offerID || !now.Before(n.ExpiresAt) {
		return ErrNotFound
	}
	n.Event = event
	return nil
}

// ErrRefreshTokenReused is returned by RefreshTokenStore.Use for a refresh
// token that was already used: the store has then revoked its whole family.
var ErrRefreshTokenReused = errors.New("issuer: refresh token reused; its family is revoked")

// RefreshToken is a stored refresh token (RFC 6749 §6). Only its hash is
// kept. Every rotation adds a token to the same Family; all tokens of a
// family share its ExpiresAt (the grant's lifetime).
type RefreshToken struct {
	Hash      string
	Family    string
	OfferID   string
	ClientID  string
	DPoPJKT   string
	ExpiresAt time.Time
}

// RefreshTokenStore keeps refresh tokens with single-use rotation and reuse
// detection.
type RefreshTokenStore interface {
	// Put stores a new, unused refresh token (of a new or existing family).
	Put(ctx context.Context, t *RefreshToken) error
	// Use atomically marks an unused, unexpired token of an unrevoked family
	// used and returns it: exactly one caller succeeds per token. A token
	// already used gets ErrRefreshTokenReused and revokes its family (every
	// token of it, those stored later included); an unknown, expired or
	// revoked one gets ErrNotFound.
	Use(ctx context.Context, hash string, now time.Time) (*RefreshToken, error)
}

type memRefresh struct {
	tok  RefreshToken
	used bool
}

// RefreshTokens returns the RefreshTokenStore.
func (m *Memory) RefreshTokens() RefreshTokenStore { return memRefreshes{m} }

type memRefreshes struct{ m *Memory }

func (s memRefreshes) Put(_ context.Context, t *RefreshToken) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if _, dup := s.m.refresh[t.Hash]; dup {
		return errors.New("issuer: duplicate refresh token")
	}
	s.m.reap(time.Now())
	s.m.refresh[t.Hash] = &memRefresh{tok: *t}
	if _, ok := s.m.families[t.Family]; !ok {
		s.m.families[t.Family] = &memFamily{exp: t.ExpiresAt}
	}
	return nil
}

func (s memRefreshes) Use(_ context.Context, hash string, now time.Time) (*RefreshToken, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	r, ok := s.m.refresh[hash]
	if !ok {
		return nil, ErrNotFound
	}
	f := s.m.families[r.tok.Family]
	if r.used {
		if f != nil {
			f.revoked = true
		}
		return nil, ErrRefreshTokenReused
	}
	if (f != nil && f.revoked) || !now.Before(r.tok.ExpiresAt) {
		return nil, ErrNotFound
	}
	r.used = true
	c := r.tok
	return &c, nil
}

type memFamily struct {
	exp     time.Time
	revoked bool
}
