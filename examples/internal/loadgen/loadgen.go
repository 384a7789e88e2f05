// Package loadgen drives a bounded loopback load: a fixed number of
// operations spread over N concurrent workers, with throughput and latency
// percentiles. It stops by itself (count reached, first error, or the
// context's deadline) and never retries, so a failure is a failure.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Op is one operation; worker is the worker's index, i the operation's.
type Op func(ctx context.Context, worker, i int) error

// Result is what a run measured.
type Result struct {
	Name        string
	Count       int
	Concurrency int
	Elapsed     time.Duration
	P50, P90    time.Duration
	P99, Max    time.Duration
}

// PerSecond is the throughput.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Count) / r.Elapsed.Seconds()
}

// String is one line a person can read.
func (r Result) String() string {
	return fmt.Sprintf("%-28s %6d ops  %3d workers  %8.1f ops/s  p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %6.2f ms",
		r.Name, r.Count, r.Concurrency, r.PerSecond(), ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Run performs count operations on concurrency workers. The first error
// stops the run and is returned with the index of the failing operation.
func Run(ctx context.Context, name string, count, concurrency int, op Op) (Result, error) {
	if count <= 0 || concurrency <= 0 {
		return Result{}, errors.New("loadgen: count and concurrency must be positive")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lat := make([]time.Duration, count)
	var next atomic.Int64
	var once sync.Once
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= count || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if err := op(ctx, w, i); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("%s: operation %d: %w", name, i, err); cancel() })
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return Result{}, firstErr
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(count-1, int(float64(count)*p))] }
	return Result{Name: name, Count: count, Concurrency: concurrency, Elapsed: elapsed,
		P50: pct(0.50), P90: pct(0.90), P99: pct(0.99), Max: lat[count-1]}, nil
}
