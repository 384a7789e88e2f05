package loadgen

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	var n atomic.Int64
	r, err := Run(context.Background(), "sleep", 200, 8, func(ctx context.Context, w, i int) error {
		n.Add(1)
		time.Sleep(time.Millisecond)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n.Load() != 200 || r.Count != 200 {
		t.Fatalf("ran %d ops, result %+v", n.Load(), r)
	}
	if r.P50 < time.Millisecond || r.P99 < r.P50 || r.Max < r.P99 || r.PerSecond() <= 0 {
		t.Fatalf("implausible percentiles %+v", r)
	}
}

func TestRunStopsAtFirstError(t *testing.T) {
	boom := errors.New("boom")
	var n atomic.Int64
	_, err := Run(context.Background(), "fail", 10000, 4, func(ctx context.Context, w, i int) error {
		n.Add(1)
		if i == 10 {
			return boom
		}
		time.Sleep(100 * time.Microsecond)
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if n.Load() > 1000 {
		t.Fatalf("kept running after the error: %d ops", n.Load())
	}
	if _, err := Run(context.Background(), "x", 0, 1, nil); err == nil {
		t.Fatal("count 0 accepted")
	}
}
