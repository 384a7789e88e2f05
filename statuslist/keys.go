package statuslist

import (
	"context"
	gocrypto "crypto"

	"github.com/ocmw/wstack/crypto/jose"
)

// TrustedKeys resolves status list token keys from statically configured
// issuer keys: the key of the token's issuer (iss, or the W3C list
// credential's issuer) that its kid names, usable with its algorithm. The
// same jose.TrustedKeys serves the credentials' own issuer keys
// (vc.IssuerKeyResolver.Trusted, w3c.VerifyOptions.Resolver).
func TrustedKeys(t *jose.TrustedKeys) KeyResolver {
	return KeyResolverFunc(func(_ context.Context, h KeyHint) (gocrypto.PublicKey, error) {
		return t.Lookup(h.Issuer, h.KeyID, h.Alg)
	})
}
