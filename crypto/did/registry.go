package did

import (
	"context"
	"fmt"
	"strings"
)

// Resolver resolves a DID to its DID document (DID Resolution: resolve).
// Implementations return errors matching the package's Err… values.
// Documents returned must be treated as read-only by callers.
type Resolver interface {
	Resolve(ctx context.Context, did string) (*Document, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(ctx context.Context, did string) (*Document, error)

// Resolve calls f.
func (f ResolverFunc) Resolve(ctx context.Context, did string) (*Document, error) { return f(ctx, did) }

// MethodResolver is a Resolver for one DID method.
type MethodResolver interface {
	Resolver
	// Method returns the method name ("key", "jwk", "web").
	Method() string
}

// Registry dispatches resolution to the resolver registered for the DID's
// method. It is immutable after construction and safe for concurrent use.
type Registry struct {
	methods map[string]MethodResolver
	names   []string
}

// NewRegistry returns a registry over the given method resolvers; two
// resolvers for the same method are an error.
func NewRegistry(methods ...MethodResolver) (*Registry, error) {
	r := &Registry{methods: make(map[string]MethodResolver, len(methods))}
	for _, m := range methods {
		name := m.Method()
		if _, dup := r.methods[name]; dup {
			return nil, fmt.Errorf("did: method %q registered twice", name)
		}
		r.methods[name] = m
		r.names = append(r.names, name)
	}
	return r, nil
}

// Methods returns the registered method names in registration order.
func (r *Registry) Methods() []string { return append([]string(nil), r.names...) }

// Resolve checks the DID syntax and asks the method's resolver.
func (r *Registry) Resolve(ctx context.Context, did string) (*Document, error) {
	d, err := Parse(did)
	if err != nil {
		return nil, err
	}
	m, ok := r.methods[d.Method]
	if !ok {
		return nil, fmt.Errorf("%w: %q (supported: %s)", ErrMethodNotSupported, d.Method, strings.Join(r.names, ", "))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrResolution, err)
	}
	return m.Resolve(ctx, did)
}

// NewDefaultRegistry returns a registry for did:key (Multikey documents),
// did:jwk and, when f is not nil, did:web fetched through f.
func NewDefaultRegistry(f Fetcher, web WebOptions) *Registry {
	ms := []MethodResolver{KeyMethod{}, JWKMethod{}}
	if f != nil {
		ms = append(ms, NewWebMethod(f, web))
	}
	r, _ := NewRegistry(ms...) // distinct names: cannot fail
	return r
}
