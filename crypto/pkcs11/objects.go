package pkcs11

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
)

// Object naming on the token.
//
// Every object of a wstack key carries
//
//	CKA_LABEL = "wstack/" namespace "/" group "/" id
//
// (the same label for all versions and for both halves of a key pair), so a
// key is found with one exact-match C_FindObjects on the label and contexts
// never share an object: the context alphabet of crypto.Context excludes
// '/', so the label is unambiguous. Each version's objects carry
//
//	CKA_ID = "wsk" 0x01 | version (uint32 BE) | created (Unix ns, int64 BE) |
//	         len(name) (uint16 BE) | name
//
// where name is the caller-chosen kid of version 1 (empty for thumbprint
// kids). CKA_ID differs per version, which pairs a private key with its
// public key (crypto11 pairs by CKA_ID and CKA_LABEL).

const (
	labelPrefix = "wstack/"
	idMagic     = "wsk\x01"
	// maxLabelLen bounds the labels parsed from the token (three names of at
	// most 128 bytes, two separators and the prefix).
	maxLabelLen = len(labelPrefix) + 3*128 + 2
	// maxKIDLen matches the kid limit of the engines (256 printable bytes).
	maxKIDLen = 256
	// maxIDLen bounds the CKA_ID values parsed from the token.
	maxIDLen = len(idMagic) + 4 + 8 + 2 + maxKIDLen
)

// errObject reports a token object that does not follow the naming scheme;
// such objects are ignored when the index is built.
var errObject = errors.New("pkcs11: object is not a wstack key")

// keyLabel returns the CKA_LABEL of a key.
func keyLabel(ref crypto.KeyRef) []byte {
	return []byte(labelPrefix + ref.Namespace + "/" + ref.Group + "/" + ref.ID)
}

// parseLabel decodes a CKA_LABEL written by keyLabel. It rejects labels over
// maxLabelLen and names outside the crypto.Context alphabet.
func parseLabel(b []byte) (crypto.KeyRef, error) {
	if len(b) > maxLabelLen || !bytes.HasPrefix(b, []byte(labelPrefix)) {
		return crypto.KeyRef{}, errObject
	}
	parts := strings.Split(string(b[len(labelPrefix):]), "/")
	if len(parts) != 3 {
		return crypto.KeyRef{}, errObject
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: parts[0], Group: parts[1]}, ID: parts[2]}
	if err := ref.Validate(); err != nil {
		return crypto.KeyRef{}, fmt.Errorf("%w: %v", errObject, err)
	}
	return ref, nil
}

// objectMeta is what CKA_ID records about one key version.
type objectMeta struct {
	Version int
	Created time.Time
	Name    string // caller-chosen kid of the key, "" for thumbprint kids
}

// encodeID encodes m as a CKA_ID.
func encodeID(m objectMeta) []byte {
	b := make([]byte, 0, len(idMagic)+4+8+2+len(m.Name))
	b = append(b, idMagic...)
	b = binary.BigEndian.AppendUint32(b, uint32(m.Version))
	b = binary.BigEndian.AppendUint64(b, uint64(m.Created.UnixNano()))
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.Name)))
	return append(b, m.Name...)
}

// parseID decodes a CKA_ID written by encodeID. The length is bounded, the
// version must be positive and the name must be a valid kid.
func parseID(b []byte) (objectMeta, error) {
	if len(b) > maxIDLen || len(b) < len(idMagic)+14 || string(b[:len(idMagic)]) != idMagic {
		return objectMeta{}, errObject
	}
	b = b[len(idMagic):]
	v := binary.BigEndian.Uint32(b)
	ns := int64(binary.BigEndian.Uint64(b[4:]))
	n := int(binary.BigEndian.Uint16(b[12:]))
	name := b[14:]
	if v == 0 || v > 1<<30 || n != len(name) || (n > 0 && !validKID(string(name))) {
		return objectMeta{}, errObject
	}
	return objectMeta{Version: int(v), Created: time.Unix(0, ns).UTC(), Name: string(name)}, nil
}

// validKID reports whether s is usable as a caller-chosen kid: 1 to 256
// printable ASCII characters without spaces (the local engine's rule).
func validKID(s string) bool {
	if len(s) == 0 || len(s) > maxKIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// DER encodings of the curve OIDs used in CKA_EC_PARAMS.
var (
	oidP256    = mustOID(asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})
	oidP384    = mustOID(asn1.ObjectIdentifier{1, 3, 132, 0, 34})
	oidEd25519 = mustOID(asn1.ObjectIdentifier{1, 3, 101, 112})
	// PKCS#11 v3.0 §2.3.10 also allows the curve name as a PrintableString.
	nameEd25519 = mustPrintable("edwards25519")
)

func mustOID(o asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(o)
	if err != nil {
		panic(err)
	}
	return b
}

func mustPrintable(s string) []byte {
	b, err := asn1.MarshalWithParams(s, "printable")
	if err != nil {
		panic(err)
	}
	return b
}

// maxPointLen bounds the CKA_EC_POINT values parsed (a P-384 point in an
// OCTET STRING is 99 bytes).
const maxPointLen = 160

// unwrapPoint returns the content of a DER OCTET STRING holding an EC point,
// or raw itself when the token returned the bare point (some tokens do,
// against PKCS#11 v2.40 §2.3.3) and its length fits the expected size.
func unwrapPoint(raw []byte, want int) ([]byte, error) {
	if len(raw) > maxPointLen {
		return nil, fmt.Errorf("%w: EC point of %d bytes", errObject, len(raw))
	}
	var inner []byte
	if rest, err := asn1.Unmarshal(raw, &inner); err == nil && len(rest) == 0 && len(inner) == want {
		return inner, nil
	}
	if len(raw) == want {
		return raw, nil
	}
	return nil, fmt.Errorf("%w: malformed EC point", errObject)
}

// parseECPublic decodes CKA_EC_PARAMS and CKA_EC_POINT of an ECDSA public key.
func parseECPublic(params, point []byte) (*ecdsa.PublicKey, crypto.KeyType, error) {
	var curve elliptic.Curve
	var t crypto.KeyType
	switch {
	case bytes.Equal(params, oidP256):
		curve, t = elliptic.P256(), crypto.KeyTypeECP256
	case bytes.Equal(params, oidP384):
		curve, t = elliptic.P384(), crypto.KeyTypeECP384
	default:
		return nil, "", fmt.Errorf("%w: unsupported EC parameters", errObject)
	}
	size := (curve.Params().BitSize + 7) / 8
	raw, err := unwrapPoint(point, 1+2*size)
	if err != nil {
		return nil, "", err
	}
	// ParseUncompressedPublicKey checks that the point is on the curve.
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, raw)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", errObject, err)
	}
	return pub, t, nil
}

// parseEd25519Public decodes the CKA_EC_PARAMS and CKA_EC_POINT of an
// Edwards public key (PKCS#11 v3.0 §2.3.10). Small-order and
// non-canonical keys are rejected (errObject and crypto.ErrWeakKey), so
// such a key imported into the token by another application is skipped.
func parseEd25519Public(params, point []byte) (ed25519.PublicKey, error) {
	if !bytes.Equal(params, oidEd25519) && !bytes.Equal(params, nameEd25519) {
		return nil, fmt.Errorf("%w: not an Ed25519 key", errObject)
	}
	raw, err := unwrapPoint(point, ed25519.PublicKeySize)
	if err != nil {
		return nil, err
	}
	// A small-order key on the token would accept forged signatures.
	if err := crypto.CheckEd25519Point(raw); err != nil {
		return nil, fmt.Errorf("%w: %w", errObject, err)
	}
	return ed25519.PublicKey(bytes.Clone(raw)), nil
}

// maxSigDER bounds the DER ECDSA signatures accepted from crypto11 (P-384:
// 2 + 2·(2+49) = 104 bytes).
const maxSigDER = 128

// derToRaw converts a DER ECDSA-Sig-Value (what crypto11's crypto.Signer
// returns) to the fixed-size JOSE form r‖s of RFC 7518 §3.4, each half
// left-padded to size bytes. r and s must be positive and fit in size
// bytes; trailing data is rejected.
func derToRaw(der []byte, size int) ([]byte, error) {
	if len(der) > maxSigDER {
		return nil, fmt.Errorf("%w: ECDSA signature of %d bytes from the token", ErrToken, len(der))
	}
	var sig struct{ R, S asn1.RawValue }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: malformed ECDSA signature from the token", ErrToken)
	}
	out := make([]byte, 2*size)
	for i, v := range []asn1.RawValue{sig.R, sig.S} {
		if v.Class != asn1.ClassUniversal || v.Tag != asn1.TagInteger || v.IsCompound {
			return nil, fmt.Errorf("%w: malformed ECDSA signature from the token", ErrToken)
		}
		b := v.Bytes
		if len(b) == 0 || b[0]&0x80 != 0 {
			return nil, fmt.Errorf("%w: non-positive ECDSA signature value from the token", ErrToken)
		}
		if len(b) > 1 && b[0] == 0 && b[1]&0x80 == 0 {
			return nil, fmt.Errorf("%w: non-minimal ECDSA signature integer from the token", ErrToken)
		}
		b = bytes.TrimLeft(b, "\x00")
		if len(b) == 0 || len(b) > size {
			return nil, fmt.Errorf("%w: ECDSA signature value out of range", ErrToken)
		}
		copy(out[i*size+size-len(b):(i+1)*size], b)
	}
	return out, nil
}
