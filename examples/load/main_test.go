package main

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestLoad runs a short bounded load; every operation must succeed.
func TestLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := run(ctx, &out, options{N: 24, C: 4, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(res) != 2 || res[0].Count != 24 || res[1].Count != 24 {
		t.Fatalf("results %+v", res)
	}
	t.Log("\n" + out.String())
}
