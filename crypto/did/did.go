package did

import (
	"fmt"
	"strings"
)

// MaxDIDLength bounds DIDs and DID URLs accepted anywhere in this package
// (a did:jwk of an RSA-4096 key is about 1 000 characters).
const MaxDIDLength = 8 << 10

// DID is a parsed decentralized identifier (DID Core v1.0 §3.1):
// did:<method>:<method-specific-id>.
type DID struct {
	Method string
	// ID is the method-specific identifier, still percent-encoded.
	ID string
}

// String returns "did:method:id".
func (d DID) String() string { return "did:" + d.Method + ":" + d.ID }

// Parse parses a DID and checks the DID Core ABNF:
//
//	did                = "did:" method-name ":" method-specific-id
//	method-name        = 1*method-char            ; %x61-7A / DIGIT
//	method-specific-id = *( *idchar ":" ) 1*idchar
//	idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
//
// A DID URL (with path, query or fragment) is not a DID; use ParseURL.
func Parse(s string) (DID, error) {
	if len(s) > MaxDIDLength {
		return DID{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalidDID, MaxDIDLength)
	}
	rest, ok := strings.CutPrefix(s, "did:")
	if !ok {
		return DID{}, fmt.Errorf("%w: missing \"did:\" scheme", ErrInvalidDID)
	}
	i := strings.IndexByte(rest, ':')
	if i <= 0 {
		return DID{}, fmt.Errorf("%w: missing method name", ErrInvalidDID)
	}
	method, msid := rest[:i], rest[i+1:]
	for j := 0; j < len(method); j++ {
		c := method[j]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return DID{}, fmt.Errorf("%w: invalid method name", ErrInvalidDID)
		}
	}
	if err := checkMethodSpecificID(msid); err != nil {
		return DID{}, err
	}
	return DID{Method: method, ID: msid}, nil
}

func checkMethodSpecificID(s string) error {
	if s == "" || s[len(s)-1] == ':' {
		return fmt.Errorf("%w: empty method-specific identifier or trailing ':'", ErrInvalidDID)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.' || c == '-' || c == '_' || c == ':':
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return fmt.Errorf("%w: malformed percent-encoding", ErrInvalidDID)
			}
			i += 2
		default:
			return fmt.Errorf("%w: character %q not allowed in a DID", ErrInvalidDID, c)
		}
	}
	return nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// URL is a parsed absolute DID URL (DID Core §3.2):
// did path-abempty [ "?" query ] [ "#" fragment ].
type URL struct {
	DID      DID
	Path     string // "" or starting with "/"
	Query    string // without "?"
	Fragment string // without "#"
	// HasQuery and HasFragment distinguish "did:x:y#" from "did:x:y".
	HasQuery, HasFragment bool
}

// String reassembles the DID URL.
func (u URL) String() string {
	s := u.DID.String() + u.Path
	if u.HasQuery {
		s += "?" + u.Query
	}
	if u.HasFragment {
		s += "#" + u.Fragment
	}
	return s
}

// ParseURL parses an absolute DID URL. A relative DID URL ("#key-1",
// "/path") is rejected with ErrRelativeDIDURL; resolve those against a
// document with Document.ResolveReference.
func ParseURL(s string) (URL, error) {
	if len(s) > MaxDIDLength {
		return URL{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalidDIDURL, MaxDIDLength)
	}
	if !strings.HasPrefix(s, "did:") {
		if s == "" || s[0] == '#' || s[0] == '/' || s[0] == '?' || s[0] == ';' || !strings.Contains(s, ":") {
			return URL{}, fmt.Errorf("%w: %.64q", ErrRelativeDIDURL, s)
		}
		return URL{}, fmt.Errorf("%w: not a DID URL", ErrInvalidDIDURL)
	}
	var u URL
	rest := s
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		u.Fragment, u.HasFragment = rest[i+1:], true
		rest = rest[:i]
		if err := checkURLPart(u.Fragment, true); err != nil {
			return URL{}, fmt.Errorf("%w: fragment: %v", ErrInvalidDIDURL, err)
		}
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		u.Query, u.HasQuery = rest[i+1:], true
		rest = rest[:i]
		if err := checkURLPart(u.Query, true); err != nil {
			return URL{}, fmt.Errorf("%w: query: %v", ErrInvalidDIDURL, err)
		}
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		u.Path = rest[i:]
		rest = rest[:i]
		if err := checkURLPart(u.Path, false); err != nil {
			return URL{}, fmt.Errorf("%w: path: %v", ErrInvalidDIDURL, err)
		}
	}
	d, err := Parse(rest)
	if err != nil {
		return URL{}, fmt.Errorf("%w: %w", ErrInvalidDIDURL, err)
	}
	u.DID = d
	return u, nil
}

// checkURLPart checks RFC 3986 pchar / "/" (and "?" for query and
// fragment) with well-formed percent-encoding.
func checkURLPart(s string, queryOrFragment bool) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0:
		case c == '?' && queryOrFragment:
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return fmt.Errorf("malformed percent-encoding")
			}
			i += 2
		default:
			return fmt.Errorf("character %q not allowed", c)
		}
	}
	return nil
}
