package jose

import (
	gocrypto "crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"fmt"
)

func sameCurve(epk gocrypto.PublicKey, priv gocrypto.PrivateKey) error {
	e, ok := epk.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w: epk is not an EC key", ErrJWEEphemeralKey)
	}
	var name string
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		name = k.Curve.Params().Name
	case *ecdh.PrivateKey:
		name = fmt.Sprint(k.Curve())
	default:
		return fmt.Errorf("%w: ECDH-ES needs an EC private key, have %T", ErrJWEEphemeralKey, priv)
	}
	if e.Curve.Params().Name != name {
		return fmt.Errorf("%w: epk curve %s, key curve %s", ErrJWEEphemeralKey, e.Curve.Params().Name, name)
	}
	return nil
}
