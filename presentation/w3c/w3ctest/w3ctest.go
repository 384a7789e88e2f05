package w3ctest

import (
	"context"
	gocrypto "crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
)

// ErrDID is returned for a DID URL that is not a did:jwk method "#0".
var ErrDID = errors.New("w3ctest: not a did:jwk verification method")

// DIDJWK returns the did:jwk of a public key.
func DIDJWK(pub gocrypto.PublicKey) (string, error) {
	jwk, err := crypto.PublicJWK(pub)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(jwk)
	if err != nil {
		return "", err
	}
	return "did:jwk:" + base64.RawURLEncoding.EncodeToString(b), nil
}

// ResolveDIDJWK resolves a did:jwk DID or its "#0" verification method. It
// ignores the relationship: a did:jwk key holds every relationship except
// keyAgreement, which signatures never use.
func ResolveDIDJWK(_ context.Context, vm, _ string) (gocrypto.PublicKey, error) {
	did, frag, _ := strings.Cut(vm, "#")
	if frag != "" && frag != "0" {
		return nil, fmt.Errorf("%w: %q", ErrDID, vm)
	}
	enc, ok := strings.CutPrefix(did, "did:jwk:")
	if !ok || enc == "" {
		return nil, fmt.Errorf("%w: %q", ErrDID, vm)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDID, err)
	}
	return crypto.ParsePublicJWK(b)
}

// Party is a key holder (issuer or holder) whose identifier is a did:jwk.
type Party struct {
	DID    string
	Signer *jose.KeySigner
	Engine *local.Engine
	Ref    crypto.KeyRef
}

// NewParty creates a key of type kt in a fresh in-memory engine and a
// signer whose kid is the did:jwk verification method "<did>#0".
func NewParty(ctx context.Context, kt crypto.KeyType) (*Party, error) {
	e, err := local.New(local.Options{})
	if err != nil {
		return nil, err
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "test"}, ID: "k"}
	k, err := e.GenerateKey(ctx, ref, crypto.KeySpec{Type: kt})
	if err != nil {
		return nil, err
	}
	did, err := DIDJWK(k.Public)
	if err != nil {
		return nil, err
	}
	s, err := jose.NewKeySigner(ctx, e, ref, "")
	if err != nil {
		return nil, err
	}
	return &Party{DID: did, Signer: s, Engine: e, Ref: ref}, nil
}

// KID returns the verification method id to put in a JWS kid.
func (p *Party) KID() string { return p.DID + "#0" }

// Header returns a JWS header naming the party's verification method.
func (p *Party) Header() map[string]any { return map[string]any{"kid": p.KID()} }

// JWK returns the party's public JWK.
func (p *Party) JWK() map[string]any {
	j, _ := crypto.PublicJWK(p.Signer.Public())
	return j
}
