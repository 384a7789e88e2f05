package statuslist

// Test hooks for the external test package.

// SetAfterMiss installs a hook run between a cache miss and the single
// flight of c.
func SetAfterMiss(c *Checker, f func()) { c.afterMiss = f }

// CacheBytes and CacheLen report the checker's cache occupancy.
func CacheBytes(c *Checker) int64 { return c.cache.Bytes() }
func CacheLen(c *Checker) int     { return c.cache.Len() }

// CacheMaxBytes reports the checker's cache budget.
func CacheMaxBytes(c *Checker) int64 { return c.cache.MaxBytes() }
