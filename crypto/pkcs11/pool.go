package pkcs11

import (
	"context"
	"errors"
	"fmt"
	"sync"

	p11 "github.com/miekg/pkcs11"
)

// sessionPool hands out PKCS#11 sessions of the engine's own module handle
// (used for what crypto11 does not cover: object enumeration, attribute
// reads, deletion and Ed25519). A session is used by one goroutine at a
// time, as PKCS#11 v2.40 §5.1.2 requires. Sessions share the login state of
// crypto11's persistent session (login is per application and token).
type sessionPool struct {
	mod  *p11.Ctx
	slot uint
	idle chan p11.SessionHandle
	sem  chan struct{} // one token per open session

	mu     sync.Mutex
	closed bool
}

func newSessionPool(mod *p11.Ctx, slot uint, max int) *sessionPool {
	return &sessionPool{mod: mod, slot: slot, idle: make(chan p11.SessionHandle, max), sem: make(chan struct{}, max)}
}

var errPoolClosed = errors.New("pkcs11: session pool closed")

// get returns an idle session, opens a new one while under the limit, or
// waits for one to be returned until ctx is done.
func (p *sessionPool) get(ctx context.Context) (p11.SessionHandle, error) {
	select {
	case s := <-p.idle:
		return s, nil
	default:
	}
	select {
	case s := <-p.idle:
		return s, nil
	case p.sem <- struct{}{}:
		p.mu.Lock()
		closed := p.closed
		p.mu.Unlock()
		if closed {
			<-p.sem
			return 0, errPoolClosed
		}
		s, err := p.mod.OpenSession(p.slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
		if err != nil {
			<-p.sem
			return 0, tokenError("C_OpenSession", err)
		}
		return s, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// put returns a session for reuse; a session that failed with a session
// level error is closed instead.
func (p *sessionPool) put(s p11.SessionHandle, err error) {
	var pe p11.Error
	if errors.As(err, &pe) && (pe == p11.CKR_SESSION_HANDLE_INVALID || pe == p11.CKR_SESSION_CLOSED ||
		pe == p11.CKR_DEVICE_REMOVED || pe == p11.CKR_TOKEN_NOT_PRESENT || pe == p11.CKR_OPERATION_ACTIVE) {
		_ = p.mod.CloseSession(s)
		<-p.sem
		return
	}
	p.idle <- s
}

// with runs f with a pooled session.
func (p *sessionPool) with(ctx context.Context, f func(s p11.SessionHandle) error) error {
	s, err := p.get(ctx)
	if err != nil {
		return err
	}
	err = f(s)
	p.put(s, err)
	return err
}

// close closes the idle sessions; callers make sure none is in use.
func (p *sessionPool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	for {
		select {
		case s := <-p.idle:
			_ = p.mod.CloseSession(s)
			<-p.sem
		default:
			return
		}
	}
}

// tokenError wraps an error from the module with ErrToken, keeping the
// PKCS#11 return value matchable with errors.As(err, *pkcs11.Error).
func tokenError(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %s: %w", ErrToken, op, err)
}
