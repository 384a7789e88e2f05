package did

import (
	"fmt"
)

// base58btc alphabet (the Bitcoin alphabet, multibase prefix 'z').
const b58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var b58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b58Alphabet); i++ {
		t[b58Alphabet[i]] = int8(i)
	}
	return t
}()

// maxBase58Input bounds the base58 text decoded anywhere in this package.
// The algorithm is quadratic; keys need far less (a P-384 did:key is 83
// characters; an RSA-4096 one, which is reported as unsupported, about 720).
const maxBase58Input = 1024

// base58Encode encodes b in base58btc: every leading zero byte becomes '1',
// the rest is the big-endian number written in base 58.
func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// log(256)/log(58) ≈ 1.366
	buf := make([]byte, (len(b)-zeros)*138/100+1)
	n := 0 // digits in use, least significant first
	for _, c := range b[zeros:] {
		carry := int(c)
		for i := 0; i < n; i++ {
			carry += int(buf[i]) << 8
			buf[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			buf[n] = byte(carry % 58)
			n++
			carry /= 58
		}
	}
	out := make([]byte, zeros+n)
	for i := 0; i < zeros; i++ {
		out[i] = '1'
	}
	for i := 0; i < n; i++ {
		out[zeros+i] = b58Alphabet[buf[n-1-i]]
	}
	return string(out)
}

// base58Decode decodes base58btc text. Each leading '1' is a zero byte.
func base58Decode(s string) ([]byte, error) {
	if len(s) > maxBase58Input {
		return nil, fmt.Errorf("base58 input of %d characters exceeds %d", len(s), maxBase58Input)
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// log(58)/log(256) ≈ 0.733
	buf := make([]byte, (len(s)-zeros)*733/1000+1)
	n := 0 // bytes in use, least significant first
	for i := zeros; i < len(s); i++ {
		d := b58Index[s[i]]
		if d < 0 {
			return nil, fmt.Errorf("invalid base58btc character %q at %d", s[i], i)
		}
		carry := int(d)
		for j := 0; j < n; j++ {
			carry += int(buf[j]) * 58
			buf[j] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			buf[n] = byte(carry)
			n++
			carry >>= 8
		}
	}
	out := make([]byte, zeros+n)
	for i := 0; i < n; i++ {
		out[zeros+i] = buf[n-1-i]
	}
	return out, nil
}
