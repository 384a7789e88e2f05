package jsonx

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// Wire types keep the members they do not define (an Extra map) so that a
// round trip loses nothing; these helpers implement that once.

// KnownKeys returns the JSON member names declared by the struct type t.
func KnownKeys(t reflect.Type) map[string]bool {
	keys := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}

// UnmarshalExtra decodes data into dst (a pointer to a struct without
// custom unmarshalling) and returns the members that known does not name.
func UnmarshalExtra(data []byte, dst any, known map[string]bool) (map[string]json.RawMessage, error) {
	if err := json.Unmarshal(data, dst); err != nil {
		return nil, err
	}
	if extra, ok := scanExtra(data, known); ok {
		return extra, nil
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	var extra map[string]json.RawMessage
	for k, v := range all {
		if known[k] {
			continue
		}
		if extra == nil {
			extra = make(map[string]json.RawMessage)
		}
		extra[k] = v
	}
	return extra, nil
}

// scanExtra collects the unknown top-level members of data (valid JSON,
// already decoded by encoding/json) without decoding it a second time. It
// reports false, leaving the work to encoding/json, for anything but an
// object whose member names have no escapes, so that the result is exactly
// what decoding into map[string]json.RawMessage gives.
func scanExtra(data []byte, known map[string]bool) (map[string]json.RawMessage, bool) {
	s := scanner{data: data, maxDepth: 10000, maxValues: int(^uint(0) >> 1)}
	s.ws()
	if s.pos >= len(data) || data[s.pos] != '{' {
		return nil, false
	}
	s.pos++
	s.ws()
	if s.pos < len(data) && data[s.pos] == '}' {
		return nil, true
	}
	var extra map[string]json.RawMessage
	for {
		s.ws()
		if s.pos >= len(data) || data[s.pos] != '"' {
			return nil, false
		}
		name, esc, err := s.str()
		if err != nil || esc {
			return nil, false
		}
		s.ws()
		if s.pos >= len(data) || data[s.pos] != ':' {
			return nil, false
		}
		s.pos++
		s.ws()
		start := s.pos
		if err := s.value(1); err != nil {
			return nil, false
		}
		if !known[string(name)] {
			if extra == nil {
				extra = make(map[string]json.RawMessage)
			}
			extra[string(name)] = json.RawMessage(bytes.Clone(data[start:s.pos]))
		}
		s.ws()
		if s.pos >= len(data) {
			return nil, false
		}
		switch data[s.pos] {
		case ',':
			s.pos++
		case '}':
			return extra, true
		default:
			return nil, false
		}
	}
}

// MarshalExtra encodes src (a struct without custom marshalling) and merges
// the extra members that src does not define itself.
func MarshalExtra(src any, extra map[string]json.RawMessage, known map[string]bool) ([]byte, error) {
	b, err := json.Marshal(src)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var add []string
	for k := range extra {
		if !known[k] {
			add = append(add, k)
		}
	}
	if len(add) == 0 {
		return b, nil
	}
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1])
	first := len(b) == 2
	slices.Sort(add)
	for _, k := range add {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		v := extra[k]
		if len(v) == 0 || !json.Valid(v) {
			v = json.RawMessage("null")
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
