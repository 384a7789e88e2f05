package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestDemo runs the whole demo flow; it fails if any step (issuance,
// matching, presentation, verification, revocation) does not behave, or
// if the vp_token discloses more than the query asked for (role and
// address.locality, which needs the address disclosure) — what the demo
// prints is read from the presentation itself.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  disclosed: address, address.locality, role\n",
		"  withheld:  address.country, address.postal_code, address.street_address, family_name, given_name\n",
		"demo complete\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}
