package lru

import "reflect"

// SizeOf estimates the heap bytes reachable from v: the inline size of v
// plus, recursively, string bytes, slice backing arrays (capacity, not
// length), map storage (an estimate of the runtime's table layout: a
// power-of-two number of slots, at least eight, at most 7/8 full, each of
// key plus value size and a control byte, and a 48-byte header), boxed interface values and pointed-to values. Pointers and
// slices seen before are counted once; substrings sharing one backing array
// are counted each time (an overestimate). Functions and channels count as
// their pointer. Slices and arrays of pointer-free elements (a decoded
// bitstring) are sized without visiting each element, so the walk costs
// time proportional to the number of pointers, not of bytes.
//
// It is an estimate for cache budgets, not an exact account: allocator size
// classes and headers are not modelled.
func SizeOf(v any) int64 {
	if v == nil {
		return 0
	}
	s := sizer{seen: map[uintptr]bool{}}
	rv := reflect.ValueOf(v)
	return int64(rv.Type().Size()) + s.deep(rv)
}

type sizer struct {
	seen map[uintptr]bool
}

// deep returns the bytes v references beyond its own inline size.
func (s *sizer) deep(v reflect.Value) int64 {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || s.visited(v.Pointer()) {
			return 0
		}
		e := v.Elem()
		return int64(e.Type().Size()) + s.deep(e)
	case reflect.Interface:
		if v.IsNil() {
			return 0
		}
		e := v.Elem()
		return int64(e.Type().Size()) + s.deep(e)
	case reflect.String:
		return int64(v.Len())
	case reflect.Slice:
		if v.IsNil() || v.Cap() == 0 || s.visited(v.Pointer()) {
			return 0
		}
		et := v.Type().Elem()
		n := int64(v.Cap()) * int64(et.Size())
		if hasPointers(et) {
			for i := 0; i < v.Len(); i++ {
				n += s.deep(v.Index(i))
			}
		}
		return n
	case reflect.Array:
		var n int64
		if hasPointers(v.Type().Elem()) {
			for i := 0; i < v.Len(); i++ {
				n += s.deep(v.Index(i))
			}
		}
		return n
	case reflect.Struct:
		var n int64
		for i := 0; i < v.NumField(); i++ {
			n += s.deep(v.Field(i))
		}
		return n
	case reflect.Map:
		if v.IsNil() || s.visited(v.Pointer()) {
			return 0
		}
		t := v.Type()
		slot := int64(t.Key().Size()+t.Elem().Size()) + 1
		slots := int64(8) // a small map holds one group of eight slots
		for want := int64(v.Len()) * 8 / 7; slots < want; {
			slots *= 2
		}
		n := 48 + slots*slot
		deepK, deepV := hasPointers(t.Key()), hasPointers(t.Elem())
		if deepK || deepV {
			it := v.MapRange()
			for it.Next() {
				if deepK {
					n += s.deep(it.Key())
				}
				if deepV {
					n += s.deep(it.Value())
				}
			}
		}
		return n
	}
	return 0
}

func (s *sizer) visited(p uintptr) bool {
	if s.seen[p] {
		return true
	}
	s.seen[p] = true
	return false
}

// hasPointers reports whether values of t can reference further memory.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return true
}
