package statuslist

import (
	"fmt"
	"math"
)

// BitOrder is the order in which entries are packed into a byte.
type BitOrder uint8

const (
	// LSBFirst is the IETF Token Status List order: entry 0 occupies the
	// least significant bits of byte 0 (draft-20 "Status List").
	LSBFirst BitOrder = iota
	// MSBFirst is the W3C Bitstring Status List order: index 0 is the
	// left-most (most significant) bit of byte 0 (BSL "Bitstring Expansion Algorithm").
	MSBFirst
)

// String returns "lsb-first" or "msb-first".
func (o BitOrder) String() string {
	if o == MSBFirst {
		return "msb-first"
	}
	return "lsb-first"
}

// Status is a status value. The IETF values are registered in draft-20
// "Status Types"; W3C lists report their raw entry value (1 = set).
type Status uint8

// IETF status types (draft-20 "Status Types"). 0x03 and 0x0C–0x0F are application
// specific.
const (
	Valid     Status = 0x00
	Invalid   Status = 0x01
	Suspended Status = 0x02
)

// String returns the IETF status type name, or 0xNN for other values.
func (s Status) String() string {
	switch s {
	case Valid:
		return "VALID"
	case Invalid:
		return "INVALID"
	case Suspended:
		return "SUSPENDED"
	}
	return fmt.Sprintf("0x%02X", uint8(s))
}

// MaxEntries is the largest list length handled (2^40 entries); an index
// above it is out of range by construction, which keeps every bit offset
// computation free of overflow.
const MaxEntries = 1 << 40

// List is a packed status list. Lookups work directly on the packed bytes in
// O(1) without allocating, so one decoded list serves any number of
// lookups. A List is not safe for concurrent Set; concurrent Get is safe.
type List struct {
	data  []byte
	n     uint64
	bits  uint8
	order BitOrder
	mask  uint8
	// flip turns the in-byte offset x of an entry's first bit into the
	// right shift of its byte: when entries never cross a byte (bits
	// divides 8) the shift is x^flip with flip 0 for LSB-first and 8-bits
	// for MSB-first (8-bits-x == (8-bits)^x for every multiple x of bits
	// below 8); for MSB-first entries that may cross (cross), the shift of
	// a 16-bit window is flip-x with flip 16-bits.
	flip uint8
	// cross: MSB-first entries of 3, 5, 6 or 7 bits may span two bytes.
	cross bool
}

// mkList fills in the derived fields.
func mkList(data []byte, n uint64, bits int, order BitOrder) *List {
	l := &List{data: data, n: n, bits: uint8(bits), order: order, mask: uint8(1<<bits - 1)}
	if order == MSBFirst {
		if ietfBits(bits) {
			l.flip = uint8(8 - bits)
		} else {
			l.cross, l.flip = true, uint8(16-bits)
		}
	}
	return l
}

// NewIETFList returns an all-VALID IETF list of at least n entries with
// bits ∈ {1,2,4,8}. The encoded list carries no entry count, only whole
// bytes, so n is rounded up to fill the last byte: Len reports the rounded
// count, the same before and after an encode/decode round trip
// (NewIETFList(2053, 1).Len() is 2056).
func NewIETFList(n uint64, bits int) (*List, error) {
	if !ietfBits(bits) {
		return nil, fmt.Errorf("%w: bits=%d", ErrBadBits, bits)
	}
	return newList(n, bits, LSBFirst)
}

// NewBitstringList returns an all-zero W3C list of at least n entries of
// statusSize bits (1..8), rounded up to fill the last byte as with
// NewIETFList. Callers publishing a list should use n ≥ MinBitstringEntries.
func NewBitstringList(n uint64, statusSize int) (*List, error) {
	if statusSize < 1 || statusSize > 8 {
		return nil, fmt.Errorf("%w: statusSize=%d", ErrBadBits, statusSize)
	}
	return newList(n, statusSize, MSBFirst)
}

func newList(n uint64, bits int, order BitOrder) (*List, error) {
	if n == 0 || n > MaxEntries {
		return nil, fmt.Errorf("%w: %d entries", ErrIndexOutOfRange, n)
	}
	nbytes := (n*uint64(bits) + 7) / 8
	// The entries the bytes hold, as ListFromBytes counts them (≥ n).
	n = nbytes * 8 / uint64(bits)
	return mkList(make([]byte, nbytes), n, bits, order), nil
}

// ListFromBytes wraps packed bytes (not copied) as a list. The length is the
// number of whole entries the bytes hold. IETF lists (LSBFirst) need bits in
// {1,2,4,8}; W3C lists (MSBFirst) accept 1..8.
func ListFromBytes(data []byte, bits int, order BitOrder) (*List, error) {
	if order == LSBFirst && !ietfBits(bits) || bits < 1 || bits > 8 {
		return nil, fmt.Errorf("%w: bits=%d", ErrBadBits, bits)
	}
	n := uint64(len(data)) * 8 / uint64(bits)
	if n == 0 {
		return nil, fmt.Errorf("%w: empty list", ErrEncoding)
	}
	if n > MaxEntries {
		return nil, fmt.Errorf("%w: %d entries", ErrTooLarge, n)
	}
	return mkList(data, n, bits, order), nil
}

func ietfBits(b int) bool { return b == 1 || b == 2 || b == 4 || b == 8 }

// Len returns the number of entries.
func (l *List) Len() uint64 { return l.n }

// Bits returns the bits per entry (IETF bits, W3C statusSize).
func (l *List) Bits() int { return int(l.bits) }

// Order returns the bit order.
func (l *List) Order() BitOrder { return l.order }

// Bytes returns the packed bytes. They are shared with the list: do not
// modify them while the list is in use.
func (l *List) Bytes() []byte { return l.data }

// Clone returns a deep copy.
func (l *List) Clone() *List {
	c := *l
	c.data = append([]byte(nil), l.data...)
	return &c
}

// Get returns the status at index i, or ErrIndexOutOfRange when i ≥ Len.
// It never allocates.
func (l *List) Get(i uint64) (Status, error) {
	if i >= l.n {
		return 0, ErrIndexOutOfRange
	}
	return l.At(i), nil
}

// At returns the status at index i, for callers that checked i < Len once
// (when they parsed the status reference, say) and then look it up many
// times. It skips Get's range check and error result and is small enough
// to be inlined. At does not check i: memory safety holds (Go's slice
// bounds checks remain), but an index ≥ Len either panics or returns an
// unspecified status — use Get for indexes from untrusted input that were
// not checked against Len. It never allocates; concurrent At and Get are
// safe.
func (l *List) At(i uint64) Status {
	p := i * uint64(l.bits) // bit offset; < 2^43 for i < Len ≤ 2^40
	if !l.cross {
		// The entry lies within one byte.
		return Status(l.data[p>>3] >> (uint8(p&7) ^ l.flip) & l.mask)
	}
	// MSB-first entries of 3, 5, 6 or 7 bits: the first bit is bit
	// (7 - p%8) of byte p/8; a 16-bit big-endian window holds the entry.
	d := l.data[p>>3:]
	w := uint16(d[0]) << 8
	if len(d) > 1 {
		w |= uint16(d[1])
	}
	return Status(uint8(w>>(l.flip-uint8(p&7))) & l.mask)
}

// Set sets the status at index i.
func (l *List) Set(i uint64, v Status) error {
	if i >= l.n {
		return ErrIndexOutOfRange
	}
	if uint8(v)&^l.mask != 0 {
		return fmt.Errorf("%w: 0x%02X in %d bits", ErrBadValue, uint8(v), l.bits)
	}
	p := i * uint64(l.bits)
	if l.order == LSBFirst {
		s := p & 7
		b := &l.data[p>>3]
		*b = *b&^(l.mask<<s) | uint8(v)<<s
		return nil
	}
	shift := 16 - uint(l.bits) - uint(p&7)
	m := uint16(l.mask) << shift
	val := uint16(v) << shift
	hi := &l.data[p>>3]
	*hi = *hi&^uint8(m>>8) | uint8(val>>8)
	if uint8(m) != 0 {
		lo := &l.data[p>>3+1]
		*lo = *lo&^uint8(m) | uint8(val)
	}
	return nil
}

// IndexFromFloat converts a JSON number to an index, rejecting negative,
// fractional, non-finite and > 2^53 values (security.md row 32).
func IndexFromFloat(f float64) (uint64, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f != math.Trunc(f) || f > 1<<53 {
		return 0, fmt.Errorf("%w: %v", ErrIndexOutOfRange, f)
	}
	return uint64(f), nil
}
