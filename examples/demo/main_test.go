package main

import (
	"context"
	"testing"
)

// TestDemo runs the whole demo flow; it fails if any step (issuance,
// matching, presentation, verification, revocation) does not behave.
func TestDemo(t *testing.T) {
	if err := run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
