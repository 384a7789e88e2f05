package statuslist

import (
	"encoding/base64"
	"errors"
	"fmt"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// base64Alphabet reports the first byte of s outside the unpadded base64url
// (RFC 4648 §5) or, with std, standard (§4) alphabet. encoding/base64 skips
// CR and LF even in Strict mode, so the alphabet is checked first.
func base64Alphabet(s string, std bool) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case !std && (c == '-' || c == '_'), std && (c == '+' || c == '/'):
		default:
			return fmt.Errorf("%w: byte 0x%02x at offset %d is not in the base64 alphabet", ErrEncoding, c, i)
		}
	}
	return nil
}

// base64Raw decodes canonical unpadded base64url.
func base64Raw(s string) ([]byte, error) {
	if err := base64Alphabet(s, false); err != nil {
		return nil, err
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEncoding, err)
	}
	return b, nil
}

func base64RawEncode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
