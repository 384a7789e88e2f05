package statuslist_test

import (
	"testing"

	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/statuslist/storetest"
)

func TestMemoryStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) statuslist.Store { return statuslist.NewMemory() })
}
