package did

// SetAfterMiss installs a hook run between a cache miss and the single
// flight of c (tests of issue #10 item 8).
func SetAfterMiss(c *CachingResolver, f func()) { c.afterMiss = f }
