package oid4vci

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/ocmw/wstack/internal/jsonx"
)

// Library errors. Every error returned by a Parser method or a Validate
// method wraps exactly one of them, so callers match with errors.Is; the
// member at fault is available through errors.As with *FieldError.
var (
	// ErrMalformed: the input is not well-formed (JSON syntax, invalid
	// UTF-8, duplicate member names, a member of the wrong JSON type, bad
	// base64url, bad URL or form encoding).
	ErrMalformed = errors.New("oid4vci: malformed message")
	// ErrTooLarge: the input exceeds the size or nesting limit.
	ErrTooLarge = errors.New("oid4vci: message exceeds size or depth limit")
	// ErrMissing: a required member is absent or empty.
	ErrMissing = errors.New("oid4vci: required member missing")
	// ErrEmpty: an array or object that must be non-empty is empty.
	ErrEmpty = errors.New("oid4vci: member must not be empty")
	// ErrDuplicate: a value that must be unique appears twice.
	ErrDuplicate = errors.New("oid4vci: duplicate value")
	// ErrConflict: members that exclude each other are both present.
	ErrConflict = errors.New("oid4vci: mutually exclusive members present")
	// ErrInvalidValue: a member has a value the specification does not allow.
	ErrInvalidValue = errors.New("oid4vci: invalid member value")
	// ErrUnsupportedProofType: a proof type this package does not know and
	// the Parser was not told to accept.
	ErrUnsupportedProofType = errors.New("oid4vci: unsupported proof type")
	// ErrLegacy: a member or message that only drafts 11–13 define was used
	// under the 1.0 Final profile.
	ErrLegacy = errors.New("oid4vci: member defined only by drafts 11-13 (legacy profile)")
	// ErrSignature: a signed message (signed issuer metadata) failed its
	// JOSE checks or its signature verification.
	ErrSignature = errors.New("oid4vci: signature invalid")
)

// FieldError reports which member of a message failed validation. Err is
// one of the package sentinels; Code is the protocol error code an endpoint
// should answer with (empty where the message is a response, which has no
// error answer).
type FieldError struct {
	// Field is the JSON path of the member, e.g. "grants.tx_code.input_mode".
	Field string
	// Err is the sentinel (ErrMissing, ErrConflict, …).
	Err error
	// Detail is a short ASCII explanation; may be empty.
	Detail string
	// Code is the OpenID4VCI / OAuth error code this failure maps to at
	// the endpoint that received the message.
	Code ErrorCode
}

// Error formats the sentinel, the field path and the detail.
func (e *FieldError) Error() string {
	msg := e.Err.Error()
	if e.Field != "" {
		msg += ": " + e.Field
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns the sentinel.
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, sentinel error, detail string) *FieldError {
	return &FieldError{Field: field, Err: sentinel, Detail: detail}
}

// withCode sets the protocol error code on a *FieldError chain element
// that has none and returns err.
func withCode(err error, code ErrorCode) error {
	var fe *FieldError
	if errors.As(err, &fe) && fe.Code == "" {
		fe.Code = code
	}
	return err
}

// prefix prepends a parent path to the Field of a *FieldError.
func prefix(parent string, err error) error {
	var fe *FieldError
	if err == nil || parent == "" || !errors.As(err, &fe) {
		return err
	}
	if fe.Field == "" {
		fe.Field = parent
	} else if fe.Field[0] == '[' {
		fe.Field = parent + fe.Field
	} else {
		fe.Field = parent + "." + fe.Field
	}
	return err
}

// Profile selects the protocol version a Parser validates against.
type Profile uint8

const (
	// ProfileFinal is OpenID4VCI 1.0 Final (the default, zero value).
	ProfileFinal Profile = iota
	// ProfileLegacy accepts the shapes of drafts 11, 12 and 13 as the
	// deployed W-Stack wallets and issuers speak them, in addition to 1.0:
	// offers with credentials and user_pin_required (≤12) or
	// credential_configuration_ids and tx_code (13), the singular proof,
	// c_nonce in token and credential responses, format-based credential
	// requests, the singular credential in responses, the batch credential
	// endpoint and the draft error codes.
	ProfileLegacy
)

// String names the profile.
func (p Profile) String() string {
	if p == ProfileLegacy {
		return "OpenID4VCI drafts 11-13 (legacy)"
	}
	return "OpenID4VCI 1.0 Final"
}

// Limits bounds untrusted input. Zero fields mean the per-message default.
type Limits struct {
	// MaxBytes bounds the encoded message (the link, JSON body, form or
	// compact JWT). Defaults: 64 KiB for offer links, offers, token and
	// nonce messages, notification requests and proof JWTs; 1 MiB for
	// issuer metadata and credential requests; 4 MiB for credential
	// responses.
	MaxBytes int
	// MaxDepth bounds JSON nesting. Default 32.
	MaxDepth int
}

const (
	defaultSmall    = 64 << 10
	defaultMedium   = 1 << 20
	defaultLarge    = 4 << 20
	defaultMaxDepth = 32
)

func (l Limits) with(defBytes int) Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = defBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = defaultMaxDepth
	}
	return l
}

// Parser decodes and validates OpenID4VCI messages received from the other
// party. The zero value parses OpenID4VCI 1.0 Final with the default limits;
// it is safe for concurrent use and holds no state besides its options.
type Parser struct {
	// Profile selects 1.0 Final (zero) or the drafts 11–13 legacy profile.
	Profile Profile
	// Limits bounds every input; zero fields mean the defaults.
	Limits Limits
	// ExtraProofTypes names proof types beyond jwt, di_vp and attestation
	// (and, under the legacy profile, cwt and ldp_vp) that a credential
	// request may carry. Their values must be non-empty arrays.
	ExtraProofTypes []string
	// ExtraOfferSchemes names URL schemes besides openid-credential-offer
	// and https that offer links may use (a wallet-specific scheme); plain
	// http is never accepted.
	ExtraOfferSchemes []string
}

// decode checks data against the limits and the strict JSON rules
// (well-formed, valid UTF-8, no duplicate member names) and decodes it into v.
func (p Parser) decode(data []byte, defBytes int, v any) error {
	lim := p.Limits.with(defBytes)
	if len(data) > lim.MaxBytes {
		return fieldErr("", ErrTooLarge, fmt.Sprintf("%d bytes > %d", len(data), lim.MaxBytes))
	}
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: lim.MaxBytes, MaxDepth: lim.MaxDepth}); err != nil {
		if errors.Is(err, jsonx.ErrTooDeep) || errors.Is(err, jsonx.ErrTooLarge) {
			return fieldErr("", ErrTooLarge, err.Error())
		}
		return fieldErr("", ErrMalformed, err.Error())
	}
	if err := json.Unmarshal(data, v); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return err
		}
		return fieldErr("", ErrMalformed, strings.ReplaceAll(err.Error(), "plain.", ""))
	}
	return nil
}

// Extra holds the members of a wire object that this package does not
// define, so that a decode/encode round trip loses nothing.
type Extra = map[string]json.RawMessage

func known[T any]() map[string]bool { return jsonxKnown(reflect.TypeFor[T]()) }

func jsonxKnown(t reflect.Type) map[string]bool { return jsonx.KnownKeys(t) }

// unmarshalExtra decodes b into *dst (whose type P must be a method-free
// copy of the wire struct) and returns the unknown members.
func unmarshalExtra(b []byte, dst any, keys map[string]bool) (Extra, error) {
	if len(b) == 0 || b[0] != '{' {
		if string(b) == "null" {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: expected a JSON object", ErrMalformed)
	}
	return jsonx.UnmarshalExtra(b, dst, keys)
}

func marshalExtra(src any, extra Extra, keys map[string]bool) ([]byte, error) {
	return jsonx.MarshalExtra(src, extra, keys)
}

func isErr(err, target error) bool { return errors.Is(err, target) }
