package oid4vp

import (
	"net/url"
	"strings"
)

// ClientIDPrefix is a Client Identifier Prefix (§5.9).
type ClientIDPrefix string

// Client Identifier Prefixes of OpenID4VP 1.0 (§5.9.3). PrefixPreRegistered
// is the value of client_id_prefixes_supported for a client_id without a
// prefix; it never appears inside a client_id.
const (
	PrefixPreRegistered           ClientIDPrefix = "pre-registered"
	PrefixRedirectURI             ClientIDPrefix = "redirect_uri"
	PrefixOpenIDFederation        ClientIDPrefix = "openid_federation"
	PrefixDecentralizedIdentifier ClientIDPrefix = "decentralized_identifier"
	PrefixVerifierAttestation     ClientIDPrefix = "verifier_attestation"
	PrefixX509SANDNS              ClientIDPrefix = "x509_san_dns"
	PrefixX509Hash                ClientIDPrefix = "x509_hash"
	// PrefixOrigin is reserved for the audience of presentations over the
	// Digital Credentials API (A.2); requests carrying it are rejected.
	PrefixOrigin ClientIDPrefix = "origin"
	// PrefixX509SANURI is the x509_san_uri scheme of drafts ≤ 24 (legacy
	// profile only).
	PrefixX509SANURI ClientIDPrefix = "x509_san_uri"
)

// Legacy client_id_scheme values of drafts ≤ 21 that differ from a 1.0
// prefix name.
const (
	LegacySchemeEntityID  = "entity_id"
	LegacySchemeDID       = "did"
	LegacySchemeWebOrigin = "web-origin"
)

// MaxClientIDLength bounds a client_id.
const MaxClientIDLength = 2048

// ClientID is a parsed client_id: the prefix that tells how to authenticate
// the verifier and the original identifier within that prefix. String
// returns the value exactly as it appeared on the wire (the full prefixed
// form in 1.0), which is what every audience and comparison must use
// (§14.8).
type ClientID struct {
	Prefix     ClientIDPrefix
	Identifier string
	raw        string
}

// NewClientID builds the 1.0 client_id for a prefix and an original
// identifier (PrefixPreRegistered: the identifier itself). It checks the
// identifier as ParseClientID does.
func NewClientID(prefix ClientIDPrefix, identifier string) (ClientID, error) {
	raw := identifier
	if prefix != PrefixPreRegistered {
		raw = string(prefix) + ":" + identifier
	}
	c, err := ParseClientID(raw)
	if err != nil {
		return ClientID{}, err
	}
	if c.Prefix != prefix {
		return ClientID{}, invalidRequest(ErrInvalidClientID, "pre-registered client_id %q looks prefixed", identifier)
	}
	return c, nil
}

// String returns the client_id as sent: the full prefixed value.
func (c ClientID) String() string { return c.raw }

// IsZero reports whether c is the zero ClientID.
func (c ClientID) IsZero() bool { return c.raw == "" }

// MustSign reports whether requests with this prefix must be signed
// Request Objects (§5.9.3).
func (c ClientID) MustSign() bool {
	switch c.Prefix {
	case PrefixOpenIDFederation, PrefixDecentralizedIdentifier, PrefixVerifierAttestation, PrefixX509SANDNS, PrefixX509Hash, PrefixX509SANURI:
		return true
	}
	return false
}

// MustNotSign reports whether requests with this prefix cannot be signed
// (redirect_uri, §5.9.3).
func (c ClientID) MustNotSign() bool { return c.Prefix == PrefixRedirectURI }

// ParseClientID parses a 1.0 client_id (§5.9.1): the prefix is the text
// before the first ':'. Without a ':' — or with text before it that is not
// a prefix of §5.9.3 — the client is pre-registered and Identifier is the
// whole value (§5.9.2). The identifier must fit its prefix: an absolute URI
// for redirect_uri, an https URL for openid_federation, a DID for
// decentralized_identifier, a DNS name for x509_san_dns, the base64url
// SHA-256 of a certificate for x509_hash. The reserved origin prefix is
// rejected (ErrRejectedPrefix).
func ParseClientID(s string) (ClientID, error) {
	if err := checkClientIDChars(s); err != nil {
		return ClientID{}, err
	}
	p, id, ok := strings.Cut(s, ":")
	if !ok {
		return ClientID{Prefix: PrefixPreRegistered, Identifier: s, raw: s}, nil
	}
	prefix := ClientIDPrefix(p)
	switch prefix {
	case PrefixRedirectURI, PrefixOpenIDFederation, PrefixDecentralizedIdentifier, PrefixVerifierAttestation, PrefixX509SANDNS, PrefixX509Hash:
	case PrefixOrigin:
		return ClientID{}, invalidRequest(ErrRejectedPrefix, "the origin client identifier prefix is reserved")
	default:
		return ClientID{Prefix: PrefixPreRegistered, Identifier: s, raw: s}, nil
	}
	if err := checkIdentifier(prefix, id); err != nil {
		return ClientID{}, err
	}
	return ClientID{Prefix: prefix, Identifier: id, raw: s}, nil
}

// ParseLegacyClientID parses the client identifier of a draft ≤ 25
// request. With a client_id_scheme (drafts ≤ 21) the client_id is the bare
// identifier and the scheme names its kind (entity_id is
// openid_federation, did is decentralized_identifier). Without one, drafts
// 22–25 put the scheme in front of the client_id except for DIDs and
// OpenID Federation entity ids, which stay bare (did:…, https:…); other
// values are parsed as ParseClientID does, plus x509_san_uri:. String keeps
// the value as sent, which is what those drafts use as audience.
func ParseLegacyClientID(clientID, clientIDScheme string) (ClientID, error) {
	if err := checkClientIDChars(clientID); err != nil {
		return ClientID{}, err
	}
	if clientIDScheme != "" {
		var prefix ClientIDPrefix
		switch clientIDScheme {
		case string(PrefixPreRegistered):
			return ClientID{Prefix: PrefixPreRegistered, Identifier: clientID, raw: clientID}, nil
		case LegacySchemeEntityID:
			prefix = PrefixOpenIDFederation
		case LegacySchemeDID:
			prefix = PrefixDecentralizedIdentifier
		case string(PrefixRedirectURI), string(PrefixVerifierAttestation), string(PrefixX509SANDNS), string(PrefixX509SANURI):
			prefix = ClientIDPrefix(clientIDScheme)
		default:
			return ClientID{}, invalidRequest(ErrRejectedPrefix, "unsupported client_id_scheme %q", clientIDScheme)
		}
		if err := checkIdentifier(prefix, clientID); err != nil {
			return ClientID{}, err
		}
		return ClientID{Prefix: prefix, Identifier: clientID, raw: clientID}, nil
	}
	switch {
	case strings.HasPrefix(clientID, "did:"):
		if err := checkIdentifier(PrefixDecentralizedIdentifier, clientID); err != nil {
			return ClientID{}, err
		}
		return ClientID{Prefix: PrefixDecentralizedIdentifier, Identifier: clientID, raw: clientID}, nil
	case strings.HasPrefix(clientID, "https:"):
		if err := checkIdentifier(PrefixOpenIDFederation, clientID); err != nil {
			return ClientID{}, err
		}
		return ClientID{Prefix: PrefixOpenIDFederation, Identifier: clientID, raw: clientID}, nil
	case strings.HasPrefix(clientID, string(PrefixX509SANURI)+":"):
		id := clientID[len(PrefixX509SANURI)+1:]
		if err := checkIdentifier(PrefixX509SANURI, id); err != nil {
			return ClientID{}, err
		}
		return ClientID{Prefix: PrefixX509SANURI, Identifier: id, raw: clientID}, nil
	case strings.HasPrefix(clientID, LegacySchemeWebOrigin+":"):
		return ClientID{}, invalidRequest(ErrRejectedPrefix, "the web-origin client identifier scheme is reserved")
	}
	return ParseClientID(clientID)
}

func checkClientIDChars(s string) error {
	if s == "" {
		return invalidRequest(ErrMissingParameter, "client_id is empty")
	}
	if len(s) > MaxClientIDLength {
		return newErr(CodeInvalidRequest, ErrTooLarge, "client_id longer than %d bytes", MaxClientIDLength)
	}
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return invalidRequest(ErrInvalidClientID, "client_id contains a control character")
		}
	}
	return nil
}

func checkIdentifier(prefix ClientIDPrefix, id string) error {
	bad := func(what string) error {
		return invalidRequest(ErrInvalidClientID, "%s client_id: %s", prefix, what)
	}
	if id == "" {
		return bad("empty identifier")
	}
	switch prefix {
	case PrefixRedirectURI, PrefixX509SANURI:
		if !absoluteURI(id) {
			return bad("not an absolute URI")
		}
	case PrefixOpenIDFederation:
		u, err := url.Parse(id)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return bad("not an https entity identifier")
		}
	case PrefixDecentralizedIdentifier:
		if !validDID(id) {
			return bad("not a DID")
		}
	case PrefixX509SANDNS:
		if !validDNSName(id) {
			return bad("not a DNS name")
		}
	case PrefixX509Hash:
		b, err := decodeB64URL(id)
		if err != nil || len(b) != 32 {
			return bad("not the base64url SHA-256 of a certificate")
		}
	}
	return nil
}

func absoluteURI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "") && u.Fragment == ""
}

// validDID checks did:<method>:<method-specific-id> (DID Core §3.1).
func validDID(s string) bool {
	rest, ok := strings.CutPrefix(s, "did:")
	if !ok {
		return false
	}
	method, msid, ok := strings.Cut(rest, ":")
	if !ok || method == "" || msid == "" {
		return false
	}
	for i := range len(method) {
		c := method[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	for i := range len(msid) {
		c := msid[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-_:%", c) >= 0) {
			return false
		}
	}
	return !strings.HasSuffix(msid, ":")
}

func validDNSName(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 1 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := range len(l) {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// HostMatches reports whether the host of uri equals the DNS name of an
// x509_san_dns client identifier (case-insensitive), the rule of §5.9.3 for
// redirect_uri and response_uri when the client is not on a trusted list.
// It is false for every other prefix.
func (c ClientID) HostMatches(uri string) bool {
	if c.Prefix != PrefixX509SANDNS {
		return false
	}
	u, err := url.Parse(uri)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Hostname(), c.Identifier)
}

// OriginAudience returns the audience of presentations made over the
// Digital Credentials API: the origin prefixed by "origin:" (A.2, §5.9.3).
func OriginAudience(origin string) string { return string(PrefixOrigin) + ":" + origin }
