package jsonx

import "github.com/ocmw/wstack/internal/anybox"

// DecodeDisclosure is the fast path of Decode (DecodeAliased when alias)
// for the shape of an SD-JWT disclosure: a JSON array of two or three
// elements whose first element (and, of three, the second) is a string.
// For such input, when Decode would accept it under lim, it returns ok
// with the array's length n (2 or 3), its first element s0, for n == 3 its
// second element s1, and its last element v as Decode decodes it; the
// strings are not boxed into a []any. For any other input (another shape,
// or input Decode rejects) ok is false and the caller decodes it with
// Decode, which reports the rejection. It applies the limits exactly as
// Decode does (the array counts as one value at depth 1);
// TestDecodeDisclosureMatchesDecode and FuzzDecodeDisclosure keep the two
// in agreement.
//
// The strings inside v are boxed through boxes when it is not nil (so that
// the disclosures of one presentation share its chunks).
func DecodeDisclosure(data []byte, lim Limits, alias bool, boxes *anybox.Strings) (s0, s1 string, v any, n int, ok bool) {
	lim = lim.norm()
	if len(data) > lim.MaxBytes || lim.MaxDepth < 1 {
		return "", "", nil, 0, false
	}
	d := strictDecoder{b: data, maxDepth: lim.MaxDepth, maxValues: lim.MaxValues, alias: alias}
	if boxes != nil {
		// The decoder boxes with a copy of *boxes, handed back at the end
		// (so that nothing of the caller's escapes through the decoder).
		d.box, d.boxes = true, *boxes
		defer func() { *boxes = d.boxes }()
	}
	defer d.release()
	d.ws()
	if !d.at('[') || !d.count() {
		return "", "", nil, 0, false
	}
	d.i++
	d.ws()
	if !d.at('"') || !d.count() {
		return "", "", nil, 0, false
	}
	if s0, ok = d.str(); !ok {
		return "", "", nil, 0, false
	}
	d.ws()
	if !d.at(',') {
		return "", "", nil, 0, false
	}
	d.i++
	d.ws()
	n = 2
	if d.at('"') {
		if !d.count() {
			return "", "", nil, 0, false
		}
		s, ok := d.str()
		if !ok {
			return "", "", nil, 0, false
		}
		d.ws()
		if d.at(',') {
			d.i++
			d.ws()
			s1, n = s, 3
			if v, ok = d.value(1); !ok {
				return "", "", nil, 0, false
			}
		} else {
			v = d.boxString(s)
		}
	} else if v, ok = d.value(1); !ok {
		return "", "", nil, 0, false
	}
	d.ws()
	if !d.at(']') {
		return "", "", nil, 0, false
	}
	d.i++
	d.ws()
	if d.i != len(d.b) {
		return "", "", nil, 0, false
	}
	return s0, s1, v, n, true
}

// at reports whether the decoder stands on c.
func (d *strictDecoder) at(c byte) bool { return d.i < len(d.b) && d.b[d.i] == c }

// count counts one more value, as value does, and reports whether the
// limit still holds.
func (d *strictDecoder) count() bool {
	d.values++
	return d.values <= d.maxValues
}
