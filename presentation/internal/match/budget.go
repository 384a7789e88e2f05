package match

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrBudget: an evaluation spent its whole work budget. The query
// languages wrap it in their own exported error.
var ErrBudget = errors.New("match: evaluation work budget exceeded")

// meterChunk is how many units a Meter draws from its Pool at a time; the
// context is checked at every draw, so at most every meterChunk units.
const meterChunk = 1024

// Pool is the work budget of one evaluation, shared by the goroutines that
// evaluate it. A unit is one element selected by a path (claims path
// pointer or JSONPath step), one value compared, one value node a filter
// sees, one disclosure-index node visited or one disclosure returned.
type Pool struct{ left atomic.Int64 }

// NewPool returns a pool of n units.
func NewPool(n int64) *Pool {
	p := &Pool{}
	p.left.Store(n)
	return p
}

// take removes up to n units and returns how many it removed.
func (p *Pool) take(n int64) int64 {
	for {
		left := p.left.Load()
		if left <= 0 {
			return 0
		}
		got := min(n, left)
		if p.left.CompareAndSwap(left, left-got) {
			return got
		}
	}
}

// Meter spends units of a Pool for one goroutine and checks its context
// whenever it draws from the pool. Once it fails (budget exhausted or
// context done) it stays failed and Err says why. A nil *Meter is
// unlimited and never fails. It also caches the boxed array indices that
// locations are made of, so that selecting elements does not allocate.
type Meter struct {
	ctx   context.Context
	pool  *Pool
	local int64
	err   error
	ints  []any
}

// NewMeter returns a meter drawing from pool under ctx.
func NewMeter(ctx context.Context, pool *Pool) *Meter {
	return &Meter{ctx: ctx, pool: pool}
}

// Spend takes n units and reports whether the evaluation may go on.
func (m *Meter) Spend(n int) bool {
	if m == nil {
		return true
	}
	if m.local >= int64(n) {
		m.local -= int64(n)
		return true
	}
	return m.refill(int64(n))
}

func (m *Meter) refill(n int64) bool {
	if m.err != nil {
		return false
	}
	if err := m.ctx.Err(); err != nil {
		m.err = err
		return false
	}
	m.local += m.pool.take(max(n-m.local, meterChunk))
	if m.local < n {
		m.local = 0
		m.err = ErrBudget
		return false
	}
	m.local -= n
	return true
}

// Err returns nil while the meter may go on, else ErrBudget or the
// context's error.
func (m *Meter) Err() error {
	if m == nil {
		return nil
	}
	return m.err
}

// index returns i as an interface value without allocating for indices
// seen before.
func (m *Meter) index(i int) any {
	if m == nil || i >= maxCachedIndex {
		return i
	}
	if i >= len(m.ints) {
		n := max(2*len(m.ints), i+1, 64)
		n = min(n, maxCachedIndex)
		grown := make([]any, n)
		copy(grown, m.ints)
		for k := len(m.ints); k < n; k++ {
			grown[k] = k
		}
		m.ints = grown
	}
	return m.ints[i]
}

// maxCachedIndex bounds the boxed-index cache (MaxResults elements of one
// array are the most a pointer component can select).
const maxCachedIndex = 1 << 16
