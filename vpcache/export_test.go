package vpcache

// SetRequestHooks installs the RequestService's test hooks: afterMiss runs
// between a caller's cache miss and its look at the running flights,
// inFlight at the start of a new flight (before its repeated lookup). Call
// it before the service is used.
func SetRequestHooks(s *RequestService, afterMiss, inFlight func(Request)) {
	s.afterMiss, s.inFlight = afterMiss, inFlight
}
