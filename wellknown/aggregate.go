package wellknown

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/oid4vci"
)

// Defaults of the Aggregator.
const (
	// DefaultRegistrationTTL is how long a registration stays live without
	// being renewed: the W-Stack's CREDENTIAL_CONFIGURATION_EXPIRATION (60)
	// in seconds, twice the 30 s broadcast interval of its plugins.
	DefaultRegistrationTTL = 60 * time.Second
	// DefaultMaxRegistrationBytes bounds one registration's configurations
	// (the served document must stay below what wallets accept: oid4vci's
	// parser takes 1 MiB of issuer metadata by default).
	DefaultMaxRegistrationBytes = 512 << 10
	// DefaultMaxConfigurations bounds the configurations of one tenant
	// (base and registered together).
	DefaultMaxConfigurations = 1000
	// DefaultRefresh is how long an aggregated document is reused before
	// the registry is read again (registrations through this Aggregator
	// invalidate it at once).
	DefaultRefresh = time.Second
)

// AggregatorConfig configures an Aggregator.
type AggregatorConfig struct {
	// Registry stores the registrations (required).
	Registry Registry
	// Base yields each tenant's base metadata: credential_issuer, endpoints,
	// display and any configurations of its own (required). A tenant
	// unknown to Base accepts no registrations.
	Base MetadataSource
	// TTL: registrations not renewed within it are dropped from the
	// document (default DefaultRegistrationTTL).
	TTL time.Duration
	// MaxRegistrationBytes bounds one registration (default
	// DefaultMaxRegistrationBytes); MaxConfigurations bounds a tenant's
	// configurations (default DefaultMaxConfigurations).
	MaxRegistrationBytes int
	MaxConfigurations    int
	// Profile validates registered configurations (default 1.0 Final;
	// ProfileLegacy for plugins that register draft 13 shapes such as
	// vc+sd-jwt).
	Profile oid4vci.Profile
	// Refresh (default DefaultRefresh).
	Refresh time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives conflicts and dropped configurations (default:
	// discard).
	Logger *slog.Logger
}

// Aggregator combines base metadata with plugin registrations. It is a
// MetadataSource: serve it with IssuerMetadataHandler (or Server) and give
// the same value to the issuer (oid4vci/issuer), so that the served
// configurations and the ones the credential endpoint accepts are the same
// document. It returns the same pointer while nothing changed. Safe for
// concurrent use.
type Aggregator struct {
	cfg   AggregatorConfig
	mu    sync.Mutex
	cache map[string]*aggregated
	gen   map[string]uint64 // bumped by local registrations
}

type aggregated struct {
	md   *oid4vci.IssuerMetadata
	base *oid4vci.IssuerMetadata
	fp   [32]byte
	at   time.Time
	gen  uint64
}

var _ MetadataSource = (*Aggregator)(nil)

// NewAggregator returns an Aggregator.
func NewAggregator(cfg AggregatorConfig) (*Aggregator, error) {
	if cfg.Registry == nil || cfg.Base == nil {
		return nil, fmt.Errorf("%w: AggregatorConfig needs Registry and Base", ErrConfig)
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultRegistrationTTL
	}
	if cfg.MaxRegistrationBytes <= 0 {
		cfg.MaxRegistrationBytes = DefaultMaxRegistrationBytes
	}
	if cfg.MaxConfigurations <= 0 {
		cfg.MaxConfigurations = DefaultMaxConfigurations
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = DefaultRefresh
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Aggregator{cfg: cfg, cache: map[string]*aggregated{}, gen: map[string]uint64{}}, nil
}

// TTL returns the configured registration TTL.
func (a *Aggregator) TTL() time.Duration { return a.cfg.TTL }

// parseConfiguration decodes and validates one configuration and returns
// its canonical JSON.
// checkName bounds tenant, source and configuration ids: 1–256 bytes of
// valid UTF-8 without control characters (they are stored as SQL text and
// logged).
func checkName(what, s string) error {
	if s == "" || len(s) > 256 || !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s must be 1-256 bytes of UTF-8", ErrRegistration, what)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: %s contains control characters", ErrRegistration, what)
		}
	}
	return nil
}

func (a *Aggregator) parseConfiguration(id string, raw []byte) ([]byte, error) {
	if err := checkName("configuration id", id); err != nil {
		return nil, err
	}
	if len(raw) > a.cfg.MaxRegistrationBytes {
		return nil, fmt.Errorf("%w: configuration %.128q: %d bytes (at most %d)", ErrTooLarge, id, len(raw), a.cfg.MaxRegistrationBytes)
	}
	if err := jsonx.Validate(raw, jsonx.Limits{MaxBytes: a.cfg.MaxRegistrationBytes, MaxDepth: MaxDocumentDepth}); err != nil {
		return nil, fmt.Errorf("%w: configuration %.128q: %w", ErrRegistration, id, err)
	}
	var c oid4vci.CredentialConfiguration
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: configuration %.128q: %v", ErrRegistration, id, err)
	}
	if err := c.Validate(a.cfg.Profile); err != nil {
		return nil, fmt.Errorf("%w: configuration %.128q: %w", ErrRegistration, id, err)
	}
	return json.Marshal(&c)
}

// RegisterIssuer registers a whole issuer (the W-Stack's issuer.registration
// event): metadata is Credential Issuer Metadata JSON whose
// credential_configurations_supported are recorded for source. Its other
// members are ignored: the tenant's base metadata owns them.
func (a *Aggregator) RegisterIssuer(ctx context.Context, tenant, source string, metadata []byte) error {
	if len(metadata) > a.cfg.MaxRegistrationBytes {
		return fmt.Errorf("%w: registration of %.64q: %d bytes (at most %d)", ErrTooLarge, source, len(metadata), a.cfg.MaxRegistrationBytes)
	}
	if err := jsonx.Validate(metadata, jsonx.Limits{MaxBytes: a.cfg.MaxRegistrationBytes, MaxDepth: MaxDocumentDepth}); err != nil {
		return fmt.Errorf("%w: registration of %.64q: %w", ErrRegistration, source, err)
	}
	var md struct {
		Configs map[string]json.RawMessage `json:"credential_configurations_supported"`
	}
	if err := json.Unmarshal(metadata, &md); err != nil {
		return fmt.Errorf("%w: registration of %.64q: %v", ErrRegistration, source, err)
	}
	cfgs := make(map[string][]byte, len(md.Configs))
	for id, c := range md.Configs {
		cfgs[id] = c
	}
	return a.Register(ctx, Registration{Tenant: tenant, Source: source, Configurations: cfgs})
}

// RegisterConfiguration registers one configuration (the W-Stack's
// issuer.credential.registration event).
func (a *Aggregator) RegisterConfiguration(ctx context.Context, tenant, source, id string, configuration []byte) error {
	return a.Register(ctx, Registration{Tenant: tenant, Source: source, Configurations: map[string][]byte{id: configuration}})
}

// Register validates reg (every configuration a valid OpenID4VCI
// configuration within the bounds; at most MaxConfigurations per tenant),
// rejects ids the base metadata holds with different content
// (*ConflictError), canonicalises the JSON, and upserts it with Seen = now
// (when zero). Errors match ErrRegistration, ErrTooLarge, ErrConflict or
// ErrUnknownTenant.
func (a *Aggregator) Register(ctx context.Context, reg Registration) error {
	if err := checkName("tenant", reg.Tenant); err != nil {
		return err
	}
	if err := checkName("source", reg.Source); err != nil {
		return err
	}
	if len(reg.Configurations) == 0 {
		return fmt.Errorf("%w: %.64q registers no configurations", ErrRegistration, reg.Source)
	}
	if len(reg.Configurations) > a.cfg.MaxConfigurations {
		return fmt.Errorf("%w: %.64q registers %d configurations (at most %d)", ErrTooLarge, reg.Source, len(reg.Configurations), a.cfg.MaxConfigurations)
	}
	total := 0
	for id, c := range reg.Configurations {
		total += len(id) + len(c)
		if total > a.cfg.MaxRegistrationBytes {
			return fmt.Errorf("%w: registration of %.64q exceeds %d bytes", ErrTooLarge, reg.Source, a.cfg.MaxRegistrationBytes)
		}
	}
	base, err := a.cfg.Base.IssuerMetadata(ctx, reg.Tenant)
	if err != nil {
		return err
	}
	canon := make(map[string][]byte, len(reg.Configurations))
	for _, id := range sortedKeys(reg.Configurations) {
		c, err := a.parseConfiguration(id, reg.Configurations[id])
		if err != nil {
			return err
		}
		if b, ok := base.CredentialConfigurations[id]; ok {
			bc, err := json.Marshal(b)
			if err != nil || !bytes.Equal(bc, c) {
				return &ConflictError{Tenant: reg.Tenant, ID: id, Source: reg.Source}
			}
		}
		canon[id] = c
	}
	now := a.cfg.Now()
	live := now.Add(-a.cfg.TTL)
	existing, err := a.cfg.Registry.List(ctx, reg.Tenant, live)
	if err != nil {
		return err
	}
	ids := make(map[string]bool, len(existing)+len(canon)+len(base.CredentialConfigurations))
	for id := range base.CredentialConfigurations {
		ids[id] = true
	}
	for _, r := range existing {
		ids[r.ID] = true
	}
	for id := range canon {
		ids[id] = true
	}
	if len(ids) > a.cfg.MaxConfigurations {
		return fmt.Errorf("%w: tenant %.64q would have %d configurations (at most %d)", ErrTooLarge, reg.Tenant, len(ids), a.cfg.MaxConfigurations)
	}
	reg.Configurations = canon
	if reg.Seen.IsZero() {
		reg.Seen = now
	}
	if err := a.cfg.Registry.Upsert(ctx, reg, live); err != nil {
		var ce *ConflictError
		if errors.As(err, &ce) {
			a.cfg.Logger.WarnContext(ctx, "wellknown: conflicting registration rejected", "tenant", ce.Tenant, "configuration", ce.ID, "source", ce.Source, "holder", ce.Holder)
		}
		return err
	}
	a.mu.Lock()
	a.gen[reg.Tenant]++
	a.mu.Unlock()
	return nil
}

// Expire deletes registrations not seen within the TTL.
func (a *Aggregator) Expire(ctx context.Context) (int, error) {
	n, err := a.cfg.Registry.Expire(ctx, a.cfg.Now().Add(-a.cfg.TTL))
	if n > 0 {
		a.mu.Lock()
		for t := range a.gen {
			a.gen[t]++
		}
		a.mu.Unlock()
	}
	return n, err
}

// IssuerMetadata implements MetadataSource: the base metadata with every
// live registered configuration added. An id held by two live sources with
// different content (possible when several replicas share a registry) is
// left out and logged, never merged.
func (a *Aggregator) IssuerMetadata(ctx context.Context, tenant string) (*oid4vci.IssuerMetadata, error) {
	base, err := a.cfg.Base.IssuerMetadata(ctx, tenant)
	if err != nil {
		return nil, err
	}
	now := a.cfg.Now()
	a.mu.Lock()
	c := a.cache[tenant]
	gen := a.gen[tenant]
	a.mu.Unlock()
	if c != nil && c.base == base && c.gen == gen && now.Sub(c.at) < a.cfg.Refresh {
		return c.md, nil
	}
	recs, err := a.cfg.Registry.List(ctx, tenant, now.Add(-a.cfg.TTL))
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	for _, r := range recs {
		fmt.Fprintf(h, "%d:%s%d:%s%d:", len(r.ID), r.ID, len(r.Source), r.Source, len(r.Configuration))
		h.Write(r.Configuration)
	}
	var fp [32]byte
	h.Sum(fp[:0])
	if c != nil && c.base == base && c.fp == fp {
		a.store(tenant, &aggregated{md: c.md, base: base, fp: fp, at: now, gen: gen})
		return c.md, nil
	}
	md := *base
	md.CredentialConfigurations = make(map[string]*oid4vci.CredentialConfiguration, len(base.CredentialConfigurations)+len(recs))
	for id, cc := range base.CredentialConfigurations {
		md.CredentialConfigurations[id] = cc
	}
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && recs[j].ID == recs[i].ID {
			j++
		}
		id := recs[i].ID
		conflict := false
		for k := i + 1; k < j; k++ {
			if !bytes.Equal(recs[k].Configuration, recs[i].Configuration) {
				conflict = true
			}
		}
		switch {
		case conflict:
			a.cfg.Logger.WarnContext(ctx, "wellknown: configuration held by two sources with different content; left out", "tenant", tenant, "configuration", id)
		case base.CredentialConfigurations[id] != nil:
			// The base document owns the id (Register rejects different
			// content, so this is the same configuration).
		default:
			var cc oid4vci.CredentialConfiguration
			if err := json.Unmarshal(recs[i].Configuration, &cc); err != nil {
				a.cfg.Logger.WarnContext(ctx, "wellknown: stored configuration does not decode; left out", "tenant", tenant, "configuration", id, "error", err)
				break
			}
			md.CredentialConfigurations[id] = &cc
		}
		i = j
	}
	a.store(tenant, &aggregated{md: &md, base: base, fp: fp, at: now, gen: gen})
	return &md, nil
}

func (a *Aggregator) store(tenant string, c *aggregated) {
	a.mu.Lock()
	a.cache[tenant] = c
	a.mu.Unlock()
}

// Conflicts lists the configuration ids of a tenant that two live sources
// hold with different content (they are left out of the document).
func (a *Aggregator) Conflicts(ctx context.Context, tenant string) ([]ConflictError, error) {
	recs, err := a.cfg.Registry.List(ctx, tenant, a.cfg.Now().Add(-a.cfg.TTL))
	if err != nil {
		return nil, err
	}
	var out []ConflictError
	for i := 1; i < len(recs); i++ {
		if recs[i].ID == recs[i-1].ID && !bytes.Equal(recs[i].Configuration, recs[i-1].Configuration) {
			out = append(out, ConflictError{Tenant: tenant, ID: recs[i].ID, Source: recs[i].Source, Holder: recs[i-1].Source})
		}
	}
	return out, nil
}
