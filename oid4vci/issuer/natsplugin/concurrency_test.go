package natsplugin_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/issuer/natsplugin"
)

// gatePlugin blocks every Issue until release is closed and records the
// highest number of calls in progress at once.
type gatePlugin struct {
	release      chan struct{}
	running, max atomic.Int32
	started      chan struct{}
}

func (p *gatePlugin) Configurations() map[string]*oid4vci.CredentialConfiguration {
	return map[string]*oid4vci.CredentialConfiguration{"pid": {
		Format: oid4vci.FormatSDJWTVC, VCT: "https://credentials.example.com/pid",
	}}
}

func (p *gatePlugin) Issue(ctx context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error) {
	n := p.running.Add(1)
	defer p.running.Add(-1)
	for {
		m := p.max.Load()
		if n <= m || p.max.CompareAndSwap(m, n) {
			break
		}
	}
	p.started <- struct{}{}
	<-p.release
	return &issuer.IssueResult{Credentials: []oid4vci.IssuedCredential{oid4vci.StringCredential("c")}}, nil
}

// TestServeConcurrency: issue requests run concurrently up to the bound,
// never beyond it, and Close waits for those in progress.
func TestServeConcurrency(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []natsplugin.ServeOption
		bound int
	}{
		{"default", nil, 8}, // 8 requests < DefaultConcurrency: all at once
		{"bounded", []natsplugin.ServeOption{natsplugin.WithConcurrency(3)}, 3},
		{"serial", []natsplugin.ServeOption{natsplugin.WithConcurrency(1)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			u := natsURL(t)
			pc, err := nats.Connect(u)
			must(t, err)
			defer pc.Close()
			ic, err := nats.Connect(u)
			must(t, err)
			defer ic.Close()
			p := &gatePlugin{release: make(chan struct{}), started: make(chan struct{}, 16)}
			srv, err := natsplugin.Serve(pc, "issuer.gate", "", p, nil, tc.opts...)
			must(t, err)
			must(t, pc.Flush())
			c, err := natsplugin.NewClient(ctx, ic, "issuer.gate")
			must(t, err)
			const requests = 8
			var wg sync.WaitGroup
			var ok atomic.Int32
			for range requests {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
					defer cancel()
					res, err := c.Issue(rctx, &issuer.IssueRequest{ConfigurationID: "pid"})
					if err != nil || len(res.Credentials) != 1 {
						t.Errorf("issue: %v %+v", err, res)
						return
					}
					ok.Add(1)
				}()
			}
			for range tc.bound {
				select {
				case <-p.started:
				case <-time.After(10 * time.Second):
					t.Fatalf("only %d requests started", p.running.Load())
				}
			}
			time.Sleep(50 * time.Millisecond) // would let more start if the bound leaked
			if got := int(p.running.Load()); got != tc.bound {
				t.Fatalf("%d in progress, want %d", got, tc.bound)
			}
			close(p.release)
			wg.Wait()
			if ok.Load() != requests || int(p.max.Load()) != tc.bound {
				t.Fatalf("ok %d, max in progress %d", ok.Load(), p.max.Load())
			}
			must(t, srv.Close())
		})
	}
}

// TestCloseWaits: Close returns only after the request in progress has
// been answered.
func TestCloseWaits(t *testing.T) {
	ctx := context.Background()
	u := natsURL(t)
	pc, err := nats.Connect(u)
	must(t, err)
	defer pc.Close()
	ic, err := nats.Connect(u)
	must(t, err)
	defer ic.Close()
	p := &gatePlugin{release: make(chan struct{}), started: make(chan struct{}, 1)}
	srv, err := natsplugin.Serve(pc, "issuer.gate", "", p, nil)
	must(t, err)
	must(t, pc.Flush())
	c, err := natsplugin.NewClient(ctx, ic, "issuer.gate")
	must(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := c.Issue(ctx, &issuer.IssueRequest{ConfigurationID: "pid"})
		done <- err
	}()
	<-p.started
	closed := make(chan struct{})
	go func() { _ = srv.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned with a request in progress")
	case <-time.After(50 * time.Millisecond):
	}
	close(p.release)
	<-closed
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
