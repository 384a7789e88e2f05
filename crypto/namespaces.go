package crypto

import "context"

// NamespaceLister is implemented by engines that can enumerate the
// namespaces holding keys (the XFSC provider's GetNamespaces). It is
// optional: callers test for it with a type assertion.
type NamespaceLister interface {
	// Namespaces returns every namespace that holds at least one key,
	// sorted.
	Namespaces(ctx context.Context) ([]string, error)
}
