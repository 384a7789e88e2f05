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
