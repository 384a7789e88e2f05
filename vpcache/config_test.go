package vpcache_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestConfigFromEnv(t *testing.T) {
	c, err := vpcache.ConfigFromEnv(env(nil))
	require.NoError(t, err)
	require.Equal(t, vpcache.DefaultConfig(), c)
	require.True(t, c.Active())
	require.Equal(t, 24*time.Hour, c.Validity)
	require.Equal(t, vpcache.BackendMemory, c.Backend)

	c, err = vpcache.ConfigFromEnv(env(map[string]string{
		vpcache.EnvEnabled:         "TRUE",
		vpcache.EnvValiditySeconds: "3600",
		vpcache.EnvBackend:         "postgres",
		vpcache.EnvDSN:             "postgres://x@h/db",
		vpcache.EnvTable:           "tenant_cache",
		vpcache.EnvMaxEntries:      "500",
		vpcache.EnvMaxPerContext:   "50",
		vpcache.EnvReaperInterval:  "90s",
		vpcache.EnvStrictExpiry:    "true",
	}))
	require.NoError(t, err)
	require.Equal(t, vpcache.Config{Enabled: true, Validity: time.Hour, Backend: "postgres", DSN: "postgres://x@h/db",
		Table: "tenant_cache", MaxEntries: 500, MaxEntriesPerContext: 50, ReaperInterval: 90 * time.Second, StrictExpiry: true}, c)

	// Property names (as EDC config keys) work too.
	c, err = vpcache.ConfigFromEnv(env(map[string]string{vpcache.SettingEnabled: "false", vpcache.SettingValiditySeconds: "60"}))
	require.NoError(t, err)
	require.False(t, c.Enabled)
	require.False(t, c.Active())
	require.Equal(t, time.Minute, c.Validity)

	// Validity 0 disables (decision record), without being an error.
	c, err = vpcache.ConfigFromEnv(env(map[string]string{vpcache.EnvValiditySeconds: "0"}))
	require.NoError(t, err)
	require.False(t, c.Active())
	// A disabled SQL backend does not need a DSN.
	_, err = vpcache.ConfigFromEnv(env(map[string]string{vpcache.EnvEnabled: "false", vpcache.EnvBackend: "sqlite"}))
	require.NoError(t, err)
}

func TestConfigFromEnvErrors(t *testing.T) {
	cases := map[string]map[string]string{
		"negative validity":   {vpcache.EnvValiditySeconds: "-1"},
		"validity not int":    {vpcache.EnvValiditySeconds: "1h"},
		"validity too large":  {vpcache.EnvValiditySeconds: "99999999999"},
		"enabled not bool":    {vpcache.EnvEnabled: "yes"},
		"conflicting":         {vpcache.EnvEnabled: "true", vpcache.SettingEnabled: "false"},
		"unknown backend":     {vpcache.EnvBackend: "redis"},
		"sqlite without dsn":  {vpcache.EnvBackend: "sqlite"},
		"max entries zero":    {vpcache.EnvMaxEntries: "0"},
		"max entries junk":    {vpcache.EnvMaxEntries: "many"},
		"per context junk":    {vpcache.EnvMaxPerContext: "-2"},
		"reaper negative":     {vpcache.EnvReaperInterval: "-1m"},
		"reaper junk":         {vpcache.EnvReaperInterval: "10"},
		"strict junk":         {vpcache.EnvStrictExpiry: "1"},
		"l1 junk":             {vpcache.EnvL1TTL: "5"},
		"l1 without postgres": {vpcache.EnvL1TTL: "5s"},
	}
	for name, m := range cases {
		_, err := vpcache.ConfigFromEnv(env(m))
		require.ErrorIs(t, err, vpcache.ErrConfig, name)
	}
}

func TestConfigOptionsDriveCache(t *testing.T) {
	c, err := vpcache.ConfigFromEnv(env(map[string]string{vpcache.EnvValiditySeconds: "0"}))
	require.NoError(t, err)
	cache, err := vpcache.New(nil, nil, c.Options()...)
	require.NoError(t, err, "a disabled cache needs no store or verifier")
	require.False(t, cache.Enabled())
	require.Zero(t, cache.Validity())

	c, err = vpcache.ConfigFromEnv(env(map[string]string{vpcache.EnvValiditySeconds: "5"}))
	require.NoError(t, err)
	ver := &vpcachetest.Verifier{}
	cache, err = vpcache.New(vpcache.NewMemoryStore(), ver, c.Options()...)
	require.NoError(t, err)
	defer cache.Close()
	require.Equal(t, 5*time.Second, cache.Validity())
}

func TestNewOptionErrors(t *testing.T) {
	ver := &vpcachetest.Verifier{}
	store := vpcache.NewMemoryStore()
	for name, opt := range map[string]vpcache.Option{
		"negative validity": vpcache.WithValidity(-time.Second),
		"huge validity":     vpcache.WithValidity(vpcache.MaxValidity + 1),
		"nil clock":         vpcache.WithClock(nil),
		"negative reaper":   vpcache.WithReaperInterval(-1),
		"nil coverage":      vpcache.WithCoverage(nil),
	} {
		_, err := vpcache.New(store, ver, opt)
		require.ErrorIs(t, err, vpcache.ErrConfig, name)
	}
	_, err := vpcache.New(nil, ver)
	require.ErrorIs(t, err, vpcache.ErrConfig)
	_, err = vpcache.New(store, nil)
	require.ErrorIs(t, err, vpcache.ErrConfig)
	_, err = vpcache.NewRequestService(nil, nil)
	require.ErrorIs(t, err, vpcache.ErrConfig)
}
