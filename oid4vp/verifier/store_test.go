package verifier_test

import (
	"testing"

	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/verifier/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) verifier.Store { return verifier.NewMemoryStore() })
}
