package sdjwt

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ocmw/wstack/internal/anybox"
	"github.com/ocmw/wstack/internal/jsonx"
)

// Default limits (security note §2: 1 MiB presentations, 256 disclosures,
// depth 32).
const (
	DefaultMaxSize        = 1 << 20
	DefaultMaxDisclosures = 256
	DefaultMaxDepth       = 32
	DefaultMaxDigests     = 4096
)

// Limits bound the untrusted input. Zero values mean the defaults.
type Limits struct {
	// MaxSize bounds the whole serialization in bytes.
	MaxSize int
	// MaxDisclosures bounds the number of disclosures.
	MaxDisclosures int
	// MaxDepth bounds JSON nesting, counted across recursive disclosures
	// (a disclosed value nests at the depth where its digest was found).
	MaxDepth int
	// MaxDigests bounds the number of digests (real and decoy) that
	// processing visits.
	MaxDigests int
}

func (l Limits) norm() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultMaxSize
	}
	if l.MaxDisclosures <= 0 {
		l.MaxDisclosures = DefaultMaxDisclosures
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxDigests <= 0 {
		l.MaxDigests = DefaultMaxDigests
	}
	return l
}

// SDJWT is an SD-JWT or SD-JWT+KB split into its parts (RFC 9901 §4). Parsing
// checks the structure and decodes the disclosures; it does not verify any
// signature (see Verifier).
type SDJWT struct {
	// JWT is the issuer-signed JWT in compact form.
	JWT string
	// Disclosures are the disclosures in presentation order.
	Disclosures []*Disclosure
	// KBJWT is the Key Binding JWT, empty for an SD-JWT without key binding.
	KBJWT string
}

// String returns the compact serialization:
// <JWT>~<D1>~...~<Dn>~[<KB-JWT>].
func (s *SDJWT) String() string {
	return s.SDJWTString() + s.KBJWT
}

// SDJWTString returns the compact serialization without the KB-JWT (always
// ending in "~"): the string sd_hash is computed over (RFC 9901 §4.3.1).
func (s *SDJWT) SDJWTString() string {
	n := len(s.JWT) + 1
	for _, d := range s.Disclosures {
		n += len(d.Raw) + 1
	}
	var b strings.Builder
	b.Grow(n + len(s.KBJWT))
	b.WriteString(s.JWT)
	b.WriteByte('~')
	for _, d := range s.Disclosures {
		b.WriteString(d.Raw)
		b.WriteByte('~')
	}
	return b.String()
}

// Parse splits an SD-JWT or SD-JWT+KB in compact serialization, or in JWS
// JSON serialization (flattened or general, RFC 9901 §8) when the input
// starts with "{". A bare JWT without "~" is rejected. Limits are enforced
// before splitting.
func Parse(s string, lim Limits) (*SDJWT, error) {
	lim = lim.norm()
	if len(s) > lim.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes > %d", ErrTooLarge, len(s), lim.MaxSize)
	}
	if strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "{") {
		return parseJSON(s, lim)
	}
	n := strings.Count(s, "~")
	if n == 0 {
		return nil, fmt.Errorf("%w: no '~' separator (a bare JWT is not an SD-JWT)", ErrMalformed)
	}
	if n-1 > lim.MaxDisclosures {
		return nil, fmt.Errorf("%w: %d disclosures > %d", ErrTooLarge, n-1, lim.MaxDisclosures)
	}
	parts := strings.Split(s, "~")
	out := &SDJWT{JWT: parts[0], KBJWT: parts[len(parts)-1]}
	if out.JWT == "" {
		return nil, fmt.Errorf("%w: empty issuer-signed JWT", ErrMalformed)
	}
	if out.KBJWT != "" && strings.Count(out.KBJWT, ".") != 2 {
		return nil, fmt.Errorf("%w: final component is neither empty nor a JWT", ErrMalformed)
	}
	ds, err := parseDisclosures(parts[1:len(parts)-1], lim)
	if err != nil {
		return nil, err
	}
	out.Disclosures = ds
	return out, nil
}

func parseDisclosures(raw []string, lim Limits) ([]*Disclosure, error) {
	if len(raw) > lim.MaxDisclosures {
		return nil, fmt.Errorf("%w: %d disclosures > %d", ErrTooLarge, len(raw), lim.MaxDisclosures)
	}
	out := make([]*Disclosure, 0, len(raw))
	// Duplicates are found with the pooled map of process (cleared on
	// return; it holds views of raw only while here).
	sc := scratchPool.Get().(*scratch)
	seen := sc.byDigest
	defer sc.release(seen)
	// One arena holds the decoded JSON of every disclosure (the decoded
	// strings point into it).
	total := 0
	for _, r := range raw {
		total += strictB64.DecodedLen(len(r))
	}
	arena := make([]byte, 0, min(total, lim.MaxSize))
	slab := make([]Disclosure, len(raw)) // one allocation for all of them
	var boxes anybox.Strings             // and a few for the strings in their values
	for i, r := range raw {
		if r == "" {
			return nil, fmt.Errorf("%w: empty disclosure", ErrMalformed)
		}
		if _, dup := seen[r]; dup {
			return nil, ErrDuplicateDisclosure
		}
		seen[r] = i
		d := &slab[i]
		a, err := parseDisclosure(r, lim, arena, &boxes, d)
		if err != nil {
			return nil, err
		}
		arena = a
		out = append(out, d)
	}
	return out, nil
}

// jwsJSON is the JWS JSON serialization with the SD-JWT unprotected header
// members (RFC 9901 §8.1).
type jwsJSON struct {
	Payload    *string        `json:"payload"`
	Protected  *string        `json:"protected"`
	Signature  *string        `json:"signature"`
	Header     *unprotected   `json:"header"`
	Signatures []jwsSignature `json:"signatures"`
}

type jwsSignature struct {
	Protected *string      `json:"protected"`
	Signature *string      `json:"signature"`
	Header    *unprotected `json:"header"`
}

type unprotected struct {
	Disclosures *[]string `json:"disclosures"`
	KBJWT       *string   `json:"kb_jwt"`
	Extra       map[string]json.RawMessage
}

func (u *unprotected) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if v, ok := m["disclosures"]; ok {
		var ds []string
		if err := json.Unmarshal(v, &ds); err != nil {
			return fmt.Errorf("disclosures: %w", err)
		}
		u.Disclosures = &ds
		delete(m, "disclosures")
	}
	if v, ok := m["kb_jwt"]; ok {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("kb_jwt: %w", err)
		}
		u.KBJWT = &s
		delete(m, "kb_jwt")
	}
	u.Extra = m
	return nil
}

func parseJSON(s string, lim Limits) (*SDJWT, error) {
	if err := jsonx.Validate([]byte(s), jsonx.Limits{MaxBytes: lim.MaxSize, MaxDepth: lim.MaxDepth}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var j jwsJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if j.Payload == nil {
		return nil, fmt.Errorf("%w: JWS JSON without payload", ErrMalformed)
	}
	var prot, sig *string
	var hdr *unprotected
	switch {
	case j.Signatures != nil:
		if j.Protected != nil || j.Signature != nil || j.Header != nil {
			return nil, fmt.Errorf("%w: general JWS JSON with flattened members", ErrMalformed)
		}
		if len(j.Signatures) == 0 || len(j.Signatures) > 16 {
			return nil, fmt.Errorf("%w: general JWS JSON needs 1..16 signatures", ErrMalformed)
		}
		for i, sg := range j.Signatures[1:] {
			if sg.Header != nil && (sg.Header.Disclosures != nil || sg.Header.KBJWT != nil) {
				return nil, fmt.Errorf("%w: disclosures or kb_jwt in signature %d (only the first may carry them)", ErrMalformed, i+1)
			}
		}
		prot, sig, hdr = j.Signatures[0].Protected, j.Signatures[0].Signature, j.Signatures[0].Header
	default:
		prot, sig, hdr = j.Protected, j.Signature, j.Header
	}
	// A signature without a protected header is rejected (CVE-2024-21664 class).
	if prot == nil || sig == nil || *prot == "" || *sig == "" {
		return nil, fmt.Errorf("%w: JWS JSON without protected header or signature", ErrMalformed)
	}
	out := &SDJWT{JWT: *prot + "." + *j.Payload + "." + *sig}
	if strings.Count(out.JWT, ".") != 2 {
		return nil, fmt.Errorf("%w: '.' inside a JWS JSON member", ErrMalformed)
	}
	if hdr != nil {
		if hdr.KBJWT != nil {
			if strings.Count(*hdr.KBJWT, ".") != 2 {
				return nil, fmt.Errorf("%w: kb_jwt is not a compact JWT", ErrMalformed)
			}
			out.KBJWT = *hdr.KBJWT
		}
		if hdr.Disclosures != nil {
			ds, err := parseDisclosures(*hdr.Disclosures, lim)
			if err != nil {
				return nil, err
			}
			out.Disclosures = ds
		}
	}
	return out, nil
}

// FlattenedJSON returns the flattened JWS JSON serialization (RFC 9901
// §8.2), with disclosures and kb_jwt in the unprotected header.
func (s *SDJWT) FlattenedJSON() ([]byte, error) {
	p, err := s.jwsParts()
	if err != nil {
		return nil, err
	}
	return encodeJSON(map[string]any{
		"header":    s.unprotectedHeader(),
		"payload":   p[1],
		"protected": p[0],
		"signature": p[2],
	})
}

// GeneralJSON returns the general JWS JSON serialization (RFC 9901 §8.3)
// with one signature carrying disclosures and kb_jwt.
func (s *SDJWT) GeneralJSON() ([]byte, error) {
	p, err := s.jwsParts()
	if err != nil {
		return nil, err
	}
	return encodeJSON(map[string]any{
		"payload": p[1],
		"signatures": []any{map[string]any{
			"header":    s.unprotectedHeader(),
			"protected": p[0],
			"signature": p[2],
		}},
	})
}

func (s *SDJWT) unprotectedHeader() map[string]any {
	ds := make([]string, len(s.Disclosures))
	for i, d := range s.Disclosures {
		ds[i] = d.Raw
	}
	h := map[string]any{"disclosures": ds}
	if s.KBJWT != "" {
		h["kb_jwt"] = s.KBJWT
	}
	return h
}

func (s *SDJWT) jwsParts() ([]string, error) {
	p := strings.Split(s.JWT, ".")
	if len(p) != 3 {
		return nil, fmt.Errorf("%w: issuer-signed JWT is not compact", ErrMalformed)
	}
	return p, nil
}
