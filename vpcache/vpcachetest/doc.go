// Package vpcachetest is the contract suite every vpcache.Store passes
// ([Run]), plus the test doubles it uses, which are also handy in users'
// tests: a manual [Clock], a [Verifier] for the [FakeFormat] presentation
// format, a [StatusList], counting [Metrics] and a fault-injecting
// [FaultStore].
//
// The suite covers every case of the Tractus-X tests of the presentation
// cache (VerifiablePresentationCacheImplTest, InMemoryVerifiablePresentation
// CacheStoreTest, CachePresentationRequestServiceTest; tractusx-edc
// 0d88f8cbd) — the subtests are named txNN_… after them — and the gaps
// wstack adds (gap_…), run against the store under test.
package vpcachetest
