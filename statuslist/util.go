package statuslist

import (
	"encoding/base64"
	"errors"
	"fmt"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func base64Raw(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEncoding, err)
	}
	return b, nil
}

func base64RawEncode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
