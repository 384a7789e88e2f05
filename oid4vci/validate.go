package oid4vci

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// checkIssuerID checks a Credential Issuer Identifier (§12.2.1): a case
// sensitive https URL with a host and optionally port and path, but no
// query, fragment or user information.
func checkIssuerID(field, s string) error {
	if s == "" {
		return fieldErr(field, ErrMissing, "")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fieldErr(field, ErrInvalidValue, "not a URL")
	}
	switch {
	case u.Scheme != "https":
		return fieldErr(field, ErrInvalidValue, "scheme must be https")
	case u.Host == "" || u.Opaque != "":
		return fieldErr(field, ErrInvalidValue, "no host")
	case u.User != nil:
		return fieldErr(field, ErrInvalidValue, "user information not allowed")
	case u.RawQuery != "" || u.ForceQuery:
		return fieldErr(field, ErrInvalidValue, "query not allowed")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fieldErr(field, ErrInvalidValue, "fragment not allowed")
	}
	return nil
}

// checkHTTPSURL checks an endpoint URL: https with a host; port, path and
// query are allowed, a fragment is not.
func checkHTTPSURL(field, s string) error {
	if s == "" {
		return fieldErr(field, ErrMissing, "")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fieldErr(field, ErrInvalidValue, "not a URL")
	}
	switch {
	case u.Scheme != "https":
		return fieldErr(field, ErrInvalidValue, "scheme must be https")
	case u.Host == "" || u.Opaque != "":
		return fieldErr(field, ErrInvalidValue, "no host")
	case u.User != nil:
		return fieldErr(field, ErrInvalidValue, "user information not allowed")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fieldErr(field, ErrInvalidValue, "fragment not allowed")
	}
	return nil
}

func checkOptionalHTTPSURL(field, s string) error {
	if s == "" {
		return nil
	}
	return checkHTTPSURL(field, s)
}

// checkStrings requires a non-empty array of non-empty, unique strings
// when present (nil means absent).
func checkStrings(field string, v []string, unique bool) error {
	if v == nil {
		return nil
	}
	if len(v) == 0 {
		return fieldErr(field, ErrEmpty, "")
	}
	seen := make(map[string]struct{}, len(v))
	for i, s := range v {
		if s == "" {
			return fieldErr(fmt.Sprintf("%s[%d]", field, i), ErrMissing, "empty string")
		}
		if unique {
			if _, dup := seen[s]; dup {
				return fieldErr(fmt.Sprintf("%s[%d]", field, i), ErrDuplicate, truncate(s))
			}
			seen[s] = struct{}{}
		}
	}
	return nil
}

// isErrorASCII reports whether s uses only the characters allowed in
// error_description and event_description: %x20-21 / %x23-5B / %x5D-7E.
func isErrorASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// SanitizeDescription returns s with every character outside
// %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2, OpenID4VCI §8.3.1.2)
// replaced by '?', so it can be sent as error_description.
func SanitizeDescription(s string) string {
	if isErrorASCII(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			b.WriteByte('?')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func truncate(s string) string {
	if len(s) <= 40 {
		return SanitizeDescription(s)
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return SanitizeDescription(s[:cut]) + "..."
}

func checkLocales(field string, locales []string) error {
	seen := make(map[string]struct{}, len(locales))
	for i, l := range locales {
		if l == "" {
			continue
		}
		k := strings.ToLower(l)
		if _, dup := seen[k]; dup {
			return fieldErr(fmt.Sprintf("%s[%d].locale", field, i), ErrDuplicate, truncate(l))
		}
		seen[k] = struct{}{}
	}
	return nil
}
