package issuer_test

import (
	"testing"

	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/issuer/issuertest"
)

// TestMemoryContract runs the store contract suite against Memory.
func TestMemoryContract(t *testing.T) {
	issuertest.Run(t, func(*testing.T) issuertest.Stores {
		m := issuer.NewMemory()
		return issuertest.Stores{Offers: m.Offers(), Nonces: m.Nonces(), Replays: m.Replays(), Transactions: m.Transactions(), Notifications: m.Notifications(), RefreshTokens: m.RefreshTokens()}
	}, issuertest.Options{Concurrency: 1000})
}
