// Package match holds the machinery shared by the Presentation Exchange and
// DCQL matchers: claims path pointers (OpenID4VP 1.0 §7), a bounded JSONPath
// subset, JSON Schema filters with a deny-all loader, and minimal SD-JWT
// disclosure sets.
package match
