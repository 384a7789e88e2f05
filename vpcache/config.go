package vpcache

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Setting names. The Tractus-X settings are read under their property name
// and under the environment-variable form EDC derives from it; if both are
// set they must agree.
const (
	SettingEnabled         = "tx.edc.dcp.cache.enabled"
	SettingValiditySeconds = "tx.edc.dcp.cache.validity.seconds"
	EnvEnabled             = "TX_EDC_DCP_CACHE_ENABLED"
	EnvValiditySeconds     = "TX_EDC_DCP_CACHE_VALIDITY_SECONDS"

	EnvBackend        = "WSTACK_VPCACHE_BACKEND"                 // memory (default), sqlite, postgres
	EnvDSN            = "WSTACK_VPCACHE_DSN"                     // SQLite file path or PostgreSQL DSN
	EnvTable          = "WSTACK_VPCACHE_TABLE"                   // SQL table name (default edc_vp_cache)
	EnvMaxEntries     = "WSTACK_VPCACHE_MAX_ENTRIES"             // memory store bound (default 10000)
	EnvMaxPerContext  = "WSTACK_VPCACHE_MAX_ENTRIES_PER_CONTEXT" // memory store per-tenant quota (default none)
	EnvReaperInterval = "WSTACK_VPCACHE_REAPER_INTERVAL"         // Go duration, e.g. 10m; 0 = off
	EnvStrictExpiry   = "WSTACK_VPCACHE_STRICT_EXPIRY"           // true/false (default false)
	EnvL1TTL          = "WSTACK_VPCACHE_L1_TTL"                  // postgres: in-process L1 TTL, e.g. 5s; 0 = no L1
)

// Backends.
const (
	BackendMemory   = "memory"
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// Config is the cache configuration as read from the environment.
type Config struct {
	// Enabled is tx.edc.dcp.cache.enabled (default true).
	Enabled bool
	// Validity is tx.edc.dcp.cache.validity.seconds (default 86400 s); 0
	// disables the cache.
	Validity time.Duration
	// Backend is memory, sqlite or postgres.
	Backend string
	// DSN is the SQLite path or PostgreSQL connection string (required for
	// SQL backends). Never logged.
	DSN string
	// Table is the SQL table name.
	Table string
	// MaxEntries bounds the memory store.
	MaxEntries int
	// MaxEntriesPerContext is the memory store's per-participant-context
	// quota (0: none).
	MaxEntriesPerContext int
	// ReaperInterval is how often expired entries are deleted (0: never).
	ReaperInterval time.Duration
	// StrictExpiry bounds entries by the presentations' exp.
	StrictExpiry bool
	// L1TTL, for the postgres backend, puts a TieredStore L1 with this TTL
	// in front of PostgreSQL, kept coherent across replicas by LISTEN/NOTIFY
	// (0: no L1).
	L1TTL time.Duration
}

// DefaultTable is the SQL table name unless configured.
const DefaultTable = "edc_vp_cache"

// DefaultConfig returns the defaults: enabled, 24 h, memory, 10000 entries,
// reaper every 10 min, strict expiry off.
func DefaultConfig() Config {
	return Config{
		Enabled:        true,
		Validity:       DefaultValidity,
		Backend:        BackendMemory,
		Table:          DefaultTable,
		MaxEntries:     DefaultMaxEntries,
		ReaperInterval: DefaultReaperInterval,
	}
}

// ConfigFromEnv reads the configuration through lookup (os.LookupEnv when
// nil) on top of [DefaultConfig]. Booleans are true or false (any case);
// validity is a whole number of seconds, 0 disables the cache, negative is
// an error. Errors match [ErrConfig].
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	c := DefaultConfig()
	if v, ok, err := pair(lookup, SettingEnabled, EnvEnabled); err != nil {
		return Config{}, err
	} else if ok {
		b, err := parseBool(SettingEnabled, v)
		if err != nil {
			return Config{}, err
		}
		c.Enabled = b
	}
	if v, ok, err := pair(lookup, SettingValiditySeconds, EnvValiditySeconds); err != nil {
		return Config{}, err
	} else if ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return Config{}, fmt.Errorf("%w: %s: not an integer", ErrConfig, SettingValiditySeconds)
		}
		if n < 0 {
			return Config{}, fmt.Errorf("%w: %s: negative", ErrConfig, SettingValiditySeconds)
		}
		if n > int64(MaxValidity/time.Second) {
			return Config{}, fmt.Errorf("%w: %s: above %d", ErrConfig, SettingValiditySeconds, int64(MaxValidity/time.Second))
		}
		c.Validity = time.Duration(n) * time.Second
	}
	if v, ok := lookup(EnvBackend); ok {
		switch b := strings.ToLower(strings.TrimSpace(v)); b {
		case BackendMemory, BackendSQLite, BackendPostgres:
			c.Backend = b
		default:
			return Config{}, fmt.Errorf("%w: %s: unknown backend %q", ErrConfig, EnvBackend, v)
		}
	}
	if v, ok := lookup(EnvDSN); ok {
		c.DSN = v
	}
	if v, ok := lookup(EnvTable); ok {
		c.Table = strings.TrimSpace(v)
	}
	if v, ok := lookup(EnvMaxEntries); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return Config{}, fmt.Errorf("%w: %s: must be a positive integer", ErrConfig, EnvMaxEntries)
		}
		c.MaxEntries = n
	}
	if v, ok := lookup(EnvMaxPerContext); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return Config{}, fmt.Errorf("%w: %s: must be a non-negative integer", ErrConfig, EnvMaxPerContext)
		}
		c.MaxEntriesPerContext = n
	}
	if v, ok := lookup(EnvReaperInterval); ok {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < 0 {
			return Config{}, fmt.Errorf("%w: %s: must be a non-negative duration such as 10m", ErrConfig, EnvReaperInterval)
		}
		c.ReaperInterval = d
	}
	if v, ok := lookup(EnvL1TTL); ok {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < 0 {
			return Config{}, fmt.Errorf("%w: %s: must be a non-negative duration such as 5s", ErrConfig, EnvL1TTL)
		}
		c.L1TTL = d
	}
	if v, ok := lookup(EnvStrictExpiry); ok {
		b, err := parseBool(EnvStrictExpiry, v)
		if err != nil {
			return Config{}, err
		}
		c.StrictExpiry = b
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate checks a configuration (errors match [ErrConfig]).
func (c Config) Validate() error {
	if c.Validity < 0 || c.Validity > MaxValidity {
		return fmt.Errorf("%w: validity outside [0, %v]", ErrConfig, MaxValidity)
	}
	if c.ReaperInterval < 0 {
		return fmt.Errorf("%w: negative reaper interval", ErrConfig)
	}
	if c.L1TTL < 0 || (c.L1TTL > 0 && c.Backend != BackendPostgres) {
		return fmt.Errorf("%w: %s applies to the postgres backend only", ErrConfig, EnvL1TTL)
	}
	switch c.Backend {
	case BackendMemory:
	case BackendSQLite, BackendPostgres:
		if c.Active() && c.DSN == "" {
			return fmt.Errorf("%w: backend %s needs %s", ErrConfig, c.Backend, EnvDSN)
		}
	default:
		return fmt.Errorf("%w: unknown backend %q", ErrConfig, c.Backend)
	}
	return nil
}

// Active reports whether the configuration enables caching (enabled and a
// validity above 0).
func (c Config) Active() bool { return c.Enabled && c.Validity > 0 }

// Options returns the cache options of c (validity, enabled, reaper
// interval, strict expiry).
func (c Config) Options() []Option {
	return []Option{
		WithEnabled(c.Enabled),
		WithValidity(c.Validity),
		WithReaperInterval(c.ReaperInterval),
		WithStrictExpiry(c.StrictExpiry),
	}
}

func pair(lookup func(string) (string, bool), prop, env string) (string, bool, error) {
	pv, pok := lookup(prop)
	ev, eok := lookup(env)
	switch {
	case pok && eok && strings.TrimSpace(pv) != strings.TrimSpace(ev):
		return "", false, fmt.Errorf("%w: %s and %s are both set and differ", ErrConfig, prop, env)
	case pok:
		return pv, true, nil
	case eok:
		return ev, true, nil
	}
	return "", false, nil
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%w: %s: want true or false", ErrConfig, name)
}
