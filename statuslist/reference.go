package statuslist

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/ocmw/wstack/vocab"
)

// ReferenceFromIETF reads a referenced token's status claim
// ({"status_list": {"idx": …, "uri": …}}, draft-20 "Referenced Token") as decoded from
// JSON (numbers as float64 or json.Number). idx must be a non-negative
// integer ≤ 2^53 (security.md row 32); uri a non-empty string.
func ReferenceFromIETF(status map[string]any) (vocab.StatusReference, error) {
	ref := vocab.StatusReference{Type: TypeIETFStatusList, Raw: status}
	sl, ok := status["status_list"].(map[string]any)
	if !ok {
		return ref, fmt.Errorf("%w: status.status_list missing", ErrUnsupportedReference)
	}
	uri, ok := sl["uri"].(string)
	if !ok || uri == "" {
		return ref, fmt.Errorf("%w: status_list.uri missing", ErrToken)
	}
	idx, err := jsonIndex(sl["idx"])
	if err != nil {
		return ref, err
	}
	ref.URI, ref.Index = uri, idx
	return ref, nil
}

func jsonIndex(v any) (uint64, error) {
	switch n := v.(type) {
	case float64:
		return IndexFromFloat(n)
	case json.Number:
		u, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil || u > 1<<53 {
			return 0, fmt.Errorf("%w: idx %s", ErrIndexOutOfRange, n)
		}
		return u, nil
	case int:
		if n < 0 {
			return 0, fmt.Errorf("%w: idx %d", ErrIndexOutOfRange, n)
		}
		return uint64(n), nil
	case uint64:
		if n > 1<<53 {
			return 0, fmt.Errorf("%w: idx %d", ErrIndexOutOfRange, n)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%w: idx is %T, not a number", ErrIndexOutOfRange, v)
}

// ReferenceFromW3C reads a credentialStatus entry of type
// BitstringStatusListEntry or StatusList2021Entry. statusListIndex must be
// a base-10 string of digits (BSL "BitstringStatusListEntry"); statusSize an integer in 1..8;
// statusMessage, when required or present, must have 2^statusSize entries.
func ReferenceFromW3C(entry map[string]any) (vocab.StatusReference, error) {
	ref := vocab.StatusReference{Raw: entry, Size: 1}
	t, _ := entry["type"].(string)
	if t != TypeBitstringEntry && t != TypeStatusList2021Ent {
		return ref, fmt.Errorf("%w: type %q", ErrUnsupportedReference, t)
	}
	ref.Type = t
	ref.Purpose, _ = entry["statusPurpose"].(string)
	if ref.Purpose == "" {
		return ref, fmt.Errorf("%w: statusPurpose missing", ErrToken)
	}
	ref.URI, _ = entry["statusListCredential"].(string)
	if ref.URI == "" {
		return ref, fmt.Errorf("%w: statusListCredential missing", ErrToken)
	}
	s, ok := entry["statusListIndex"].(string)
	if !ok {
		return ref, fmt.Errorf("%w: statusListIndex must be a base-10 string", ErrIndexOutOfRange)
	}
	idx, err := ParseStatusListIndex(s)
	if err != nil {
		return ref, err
	}
	ref.Index = idx
	if sz, ok := entry["statusSize"]; ok {
		f, ok := sz.(float64)
		if n, isNum := sz.(json.Number); isNum {
			f, _ = n.Float64()
			ok = true
		}
		if !ok || f != float64(int(f)) || f < 1 || f > 8 {
			return ref, fmt.Errorf("%w: statusSize %v", ErrBadBits, sz)
		}
		ref.Size = int(f)
		if t == TypeStatusList2021Ent && ref.Size != 1 {
			return ref, fmt.Errorf("%w: StatusList2021 has 1-bit entries", ErrBadBits)
		}
	}
	msgs, err := statusMessages(entry["statusMessage"])
	if err != nil {
		return ref, err
	}
	if err := CheckStatusMessages(ref.Size, msgs); err != nil {
		return ref, err
	}
	return ref, nil
}

// ParseStatusListIndex parses a W3C statusListIndex: ASCII digits only, no
// sign, no leading zeros (except "0"), at most MaxEntries.
func ParseStatusListIndex(s string) (uint64, error) {
	if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%w: statusListIndex %q", ErrIndexOutOfRange, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: statusListIndex %q", ErrIndexOutOfRange, s)
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v >= MaxEntries {
		return 0, fmt.Errorf("%w: statusListIndex %q", ErrIndexOutOfRange, s)
	}
	return v, nil
}

func statusMessages(v any) ([]StatusMessage, error) {
	if v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok || len(arr) > 256 {
		return nil, fmt.Errorf("%w: statusMessage must be an array", ErrStatusMessage)
	}
	out := make([]StatusMessage, 0, len(arr))
	for _, x := range arr {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: statusMessage entry is not an object", ErrStatusMessage)
		}
		st, ok1 := m["status"].(string)
		msg, ok2 := m["message"].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%w: statusMessage entry needs status and message strings", ErrStatusMessage)
		}
		out = append(out, StatusMessage{Status: st, Message: msg})
	}
	return out, nil
}

// ReferenceFromCWTClaims reads the status claim (key 65535, draft-20
// "Referenced Token" in CWT form) from the CBOR claims set of a referenced
// CWT (the COSE payload, after the caller verified the token):
// {65535: {"status_list": {"idx": uint, "uri": tstr}}}.
func ReferenceFromCWTClaims(claims []byte) (vocab.StatusReference, error) {
	ref := vocab.StatusReference{Type: TypeIETFStatusList}
	v, err := cborDecode(claims)
	if err != nil {
		return ref, err
	}
	m, ok := v.(*cborMap)
	if !ok {
		return ref, fmt.Errorf("%w: claims are not a map", ErrToken)
	}
	sv, ok := m.get(int64(cwtStatus))
	if !ok {
		return ref, fmt.Errorf("%w: status claim (65535) missing", ErrUnsupportedReference)
	}
	sm, ok := sv.(*cborMap)
	if !ok {
		return ref, fmt.Errorf("%w: status claim is not a map", ErrToken)
	}
	slv, ok := sm.get("status_list")
	if !ok {
		return ref, fmt.Errorf("%w: status_list missing", ErrUnsupportedReference)
	}
	sl, ok := slv.(*cborMap)
	if !ok {
		return ref, fmt.Errorf("%w: status_list is not a map", ErrToken)
	}
	iv, _ := sl.get("idx")
	idx, ok := iv.(uint64)
	if !ok || idx > 1<<53 {
		return ref, fmt.Errorf("%w: idx %v", ErrIndexOutOfRange, iv)
	}
	uv, _ := sl.get("uri")
	uri, ok := uv.(string)
	if !ok || uri == "" {
		return ref, fmt.Errorf("%w: uri missing", ErrToken)
	}
	ref.URI, ref.Index = uri, idx
	ref.Raw = map[string]any{"status_list": map[string]any{"idx": idx, "uri": uri}}
	return ref, nil
}
