//go:build !linux

package verifier_test

import "time"

var start = time.Now()

// threadCPU falls back to wall-clock time.
func threadCPU() time.Duration { return time.Since(start) }
