package oid4vci

import (
	"fmt"
	"strings"
)

// Challenge is one challenge of a WWW-Authenticate header (RFC 9110 §11.6.1),
// e.g. Bearer or DPoP with its auth-params (names lower-cased).
type Challenge struct {
	Scheme string
	Params map[string]string
}

// maxWWWAuthenticate bounds a WWW-Authenticate value.
const maxWWWAuthenticate = 8 << 10

// ParseWWWAuthenticate parses the challenges of WWW-Authenticate header
// values (wallet side: the access-token errors of RFC 6750 §3 and
// RFC 9449 §7.1). token68 challenges keep the token under the "" key.
func ParseWWWAuthenticate(values ...string) ([]Challenge, error) {
	var out []Challenge
	total := 0
	for _, v := range values {
		total += len(v)
		if total > maxWWWAuthenticate {
			return nil, fmt.Errorf("%w: WWW-Authenticate longer than %d bytes", ErrTooLarge, maxWWWAuthenticate)
		}
		cs, err := parseChallenges(v)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

func isTChar(c byte) bool {
	return c > 0x20 && c < 0x7f && !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, rune(c))
}

func parseChallenges(s string) ([]Challenge, error) {
	bad := func(msg string) error { return fieldErr("WWW-Authenticate", ErrMalformed, msg) }
	var out []Challenge
	i := 0
	ws := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	token := func() string {
		st := i
		for i < len(s) && isTChar(s[i]) {
			i++
		}
		return s[st:i]
	}
	for {
		ws()
		for i < len(s) && s[i] == ',' { // empty list elements
			i++
			ws()
		}
		if i >= len(s) {
			return out, nil
		}
		scheme := token()
		if scheme == "" {
			return nil, bad("expected auth-scheme")
		}
		c := Challenge{Scheme: scheme, Params: map[string]string{}}
		out = append(out, c)
		for first := true; ; first = false {
			ws()
			if i >= len(s) {
				return out, nil
			}
			if s[i] == ',' {
				for i < len(s) && (s[i] == ',' || s[i] == ' ' || s[i] == '\t') {
					i++
				}
				if i >= len(s) {
					return out, nil
				}
			} else if !first {
				return nil, bad("expected ,")
			}
			st := i
			name := token()
			ws()
			if name == "" {
				return nil, bad("expected auth-param")
			}
			if i >= len(s) || s[i] != '=' {
				i = st // the next challenge starts here
				break
			}
			i++ // '='
			ws()
			var val string
			if i < len(s) && s[i] == '"' {
				i++
				var b strings.Builder
				closed := false
				for i < len(s) {
					ch := s[i]
					if ch == '\\' && i+1 < len(s) {
						b.WriteByte(s[i+1])
						i += 2
						continue
					}
					if ch == '"' {
						i++
						closed = true
						break
					}
					b.WriteByte(ch)
					i++
				}
				if !closed {
					return nil, bad("unterminated quoted-string")
				}
				val = b.String()
			} else {
				val = token()
				if val == "" {
					return nil, bad("empty auth-param value")
				}
			}
			key := strings.ToLower(name)
			if _, dup := c.Params[key]; dup {
				return nil, bad("auth-param repeated: " + truncate(key))
			}
			c.Params[key] = val
		}
	}
}

// Error returns the challenge's error as an *Error (nil if it carries no
// error attribute), with Scheme, Realm, Scope and Algs filled in.
func (c Challenge) Error() *Error {
	code := c.Params["error"]
	if code == "" {
		return nil
	}
	e := &Error{
		Code: ErrorCode(code), Description: c.Params["error_description"], URI: c.Params["error_uri"],
		Scheme: AuthScheme(c.Scheme), Realm: c.Params["realm"], Scope: c.Params["scope"],
	}
	if strings.EqualFold(c.Scheme, string(SchemeDPoP)) {
		e.Scheme = SchemeDPoP
		if a := c.Params["algs"]; a != "" {
			e.Algs = strings.Fields(a)
		}
	} else if strings.EqualFold(c.Scheme, string(SchemeBearer)) {
		e.Scheme = SchemeBearer
	}
	return e
}
