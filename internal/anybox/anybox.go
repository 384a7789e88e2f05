// Package anybox boxes many strings into interface values with a few
// allocations instead of one each.
//
// Converting a string to an interface (any(s)) copies its two-word header
// into a new 16-byte heap object and points the interface at it; a decoder
// that produces hundreds of strings pays one allocation for each. Strings
// instead writes the headers into a chunk of a []string and points each
// interface at its element. The element is written once, before the
// interface is made, and never again: the interface sees exactly what the
// runtime's own boxing gives (a pointer to an immutable copy of the
// header), only that the copies share one allocation, which stays alive
// while any of them is referenced.
package anybox

import "unsafe"

// eface is the layout of an empty interface: its type word and a pointer
// to the value (for a string, to a string header).
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// stringType is the type word of a string in an interface. It is set once,
// when the package is initialised, and only read afterwards.
var stringType = func() unsafe.Pointer {
	var v any = ""
	return (*eface)(unsafe.Pointer(&v)).typ
}()

// usable reports that the interface layout is the one this package relies
// on (checked once at initialisation; otherwise Box boxes the ordinary way).
var usable = func() bool {
	s := "anybox"
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = stringType, unsafe.Pointer(&s)
	got, ok := v.(string)
	return ok && got == s && v == any(s)
}()

const (
	minChunk = 8
	maxChunk = 128
)

// Strings boxes strings from shared chunks. The zero value is ready to
// use. It is not safe for concurrent use, and two copies of one Strings
// must never both box (they would write the same chunk elements): a copy
// may replace the original only when the original is not used again.
type Strings struct {
	buf      []string
	next     int
	reserved bool // next was set by Reserve
}

// Reserve makes the next chunk Box allocates (when the current one is full)
// hold n strings (at most 128) instead of the default size, for a caller
// that knows about how many follow.
func (b *Strings) Reserve(n int) {
	b.next = max(1, min(n, maxChunk))
	b.reserved = true
}

// Box returns s as an interface value, equal in every respect to any(s).
func (b *Strings) Box(s string) any {
	if s == "" || !usable {
		return s // the empty string boxes without allocating
	}
	if len(b.buf) == cap(b.buf) {
		// A new chunk; the full one stays with the interfaces that point
		// into it. Chunks double up to maxChunk.
		n := b.next
		if !b.reserved {
			n = max(n, minChunk)
		}
		b.reserved = false
		b.next = min(2*max(n, minChunk/2), maxChunk)
		b.buf = make([]string, 0, n)
	}
	b.buf = append(b.buf, s)
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = stringType, unsafe.Pointer(&b.buf[len(b.buf)-1])
	return v
}
