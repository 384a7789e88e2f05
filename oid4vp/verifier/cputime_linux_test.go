package verifier_test

import (
	"syscall"
	"time"
)

// threadCPU returns the calling OS thread's CPU time (user + system), so
// that interleaved benchmark timings are not distorted by other processes
// on a shared machine. The caller locks its goroutine to the thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
