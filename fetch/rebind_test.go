package fetch

import (
	"context"
	"net"
)

// rebindDialer simulates a host name whose DNS answer is the given loopback
// address: it dials target through the fetcher's guarded dialer.
func rebindDialer(f *Fetcher, target string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{ControlContext: f.control}
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, target)
	}
}
