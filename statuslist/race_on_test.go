//go:build race

package statuslist

// raceEnabled: the race detector makes sync.Pool drop objects at random,
// so allocation bounds that rely on pooling are only checked without it.
const raceEnabled = true
