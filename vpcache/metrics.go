package vpcache

import "time"

// Reason labels evictions, misses and rejected stores in metrics and logs.
type Reason string

// Reasons.
const (
	ReasonAbsent      Reason = "absent"           // miss: no entry
	ReasonStoreError  Reason = "store_error"      // miss or rejection: backend failure
	ReasonTTL         Reason = "ttl"              // entry older than validity / earliest expiry
	ReasonVCExpired   Reason = "vc_expired"       // credential validUntil passed
	ReasonNotYetValid Reason = "vc_not_yet_valid" // credential validFrom in the future
	ReasonVPExpired   Reason = "vp_expired"       // presentation exp passed (strict)
	ReasonRevoked     Reason = "revoked"          // status: revoked
	ReasonSuspended   Reason = "suspended"        // status: suspended
	ReasonStatus      Reason = "status"           // status other, unavailable or unchecked
	ReasonIssuer      Reason = "issuer"           // issuer no longer trusted
	ReasonInvalid     Reason = "invalid"          // parse or verification failure
	ReasonScope       Reason = "scope"            // scopes not covered
	ReasonHolder      Reason = "holder"           // holder is not the counterparty
	ReasonDownstream  Reason = "downstream"       // RequestService.Reject / Cache.ReportInvalid
	ReasonLRU         Reason = "lru"              // MemoryStore capacity eviction
	ReasonManual      Reason = "manual"           // Remove*, invalidation API
	ReasonReaper      Reason = "reaper"           // background removal of expired entries
)

// Metrics receives cache events. Implementations must be safe for
// concurrent use and fast (they are called on the hit path). [NopMetrics]
// is the default.
type Metrics interface {
	// Hit counts a served entry.
	Hit()
	// Miss counts a query that did not serve an entry.
	Miss(reason Reason)
	// Evicted counts removed entries.
	Evicted(reason Reason, n int)
	// StoreRejected counts presentations that were not cached.
	StoreRejected(reason Reason)
	// SharedCall counts a request that waited for another request's
	// upstream call instead of making its own.
	SharedCall()
	// UpstreamLatency observes one upstream request.
	UpstreamLatency(d time.Duration, err error)
	// StoreLatency observes one backend operation ("get", "put", "delete").
	StoreLatency(op string, d time.Duration, err error)
}

// NopMetrics discards every event.
type NopMetrics struct{}

// Hit does nothing.
func (NopMetrics) Hit() {}

// Miss does nothing.
func (NopMetrics) Miss(Reason) {}

// Evicted does nothing.
func (NopMetrics) Evicted(Reason, int) {}

// StoreRejected does nothing.
func (NopMetrics) StoreRejected(Reason) {}

// SharedCall does nothing.
func (NopMetrics) SharedCall() {}

// UpstreamLatency does nothing.
func (NopMetrics) UpstreamLatency(time.Duration, error) {}

// StoreLatency does nothing.
func (NopMetrics) StoreLatency(string, time.Duration, error) {}
