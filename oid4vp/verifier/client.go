package verifier

import (
	"bytes"
	gocrypto "crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
)

// Signer signs Request Objects: a jose.MessageSigner that also exposes its
// public key (jose.KeySigner over a key engine implements it), so that the
// configuration can check the key against a DID or certificate.
type Signer interface {
	jose.MessageSigner
	Public() gocrypto.PublicKey
}

// Client is the verifier's identity towards wallets for one tenant: its
// Client Identifier (with prefix, §5.9), the key that signs its Request
// Objects, and the external base URL under which the Handler is reachable
// for that tenant (request_uri and response_uri are built below it). Build
// it with one of the New…Client constructors, which check the identity
// against the key and certificates once, at configuration time.
type Client struct {
	id      oid4vp.ClientID
	signer  Signer
	x5c     []string
	base    string
	baseURL *url.URL
	// verifier_attestation: the JWT sent in the jwt header
	attestation    string
	attestationExp time.Time
	// VPFormats is sent as client_metadata.vp_formats_supported (§11);
	// when nil, every format of the DCQL query is listed without
	// parameters.
	VPFormats oid4vp.VPFormats
}

// Configuration errors.
var (
	ErrConfig = errors.New("verifier: invalid configuration")
)

func parseBase(base string, insecureHTTP bool) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: base URL %q must be an absolute URL without query or fragment", ErrConfig, base)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && insecureHTTP:
	default:
		return nil, fmt.Errorf("%w: base URL %q must use https", ErrConfig, base)
	}
	return u, nil
}

// ClientOptions configure the client constructors.
type ClientOptions struct {
	// InsecureAllowHTTP accepts an http:// base URL (tests on loopback).
	InsecureAllowHTTP bool
	// VPFormats sets Client.VPFormats.
	VPFormats oid4vp.VPFormats
}

func newClient(prefix oid4vp.ClientIDPrefix, ident string, s Signer, base string, o ClientOptions) (*Client, error) {
	u, err := parseBase(base, o.InsecureAllowHTTP)
	if err != nil {
		return nil, err
	}
	id, err := oid4vp.NewClientID(prefix, ident)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Client{id: id, signer: s, base: strings.TrimSuffix(u.String(), "/"), baseURL: u, VPFormats: o.VPFormats}, nil
}

// NewDIDClient returns a client with the decentralized_identifier prefix
// (§5.9.3): the client_id is the DID of the signer's kid, which must be a
// DID URL (did.NewKeyDIDSigner / NewJWKDIDSigner give one); wallets
// resolve it to verify the Request Object.
func NewDIDClient(s Signer, base string, o ClientOptions) (*Client, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil signer", ErrConfig)
	}
	kid := s.KID()
	did, frag, ok := strings.Cut(kid, "#")
	if !strings.HasPrefix(kid, "did:") || !ok || frag == "" {
		return nil, fmt.Errorf("%w: signer kid %q is not a DID URL", ErrConfig, kid)
	}
	return newClient(oid4vp.PrefixDecentralizedIdentifier, did, s, base, o)
}

// NewX509SANDNSClient returns a client with the x509_san_dns prefix
// (§5.9.3): the DNS name is the host of base, which must be a dNSName SAN
// of the chain's leaf certificate, whose public key must be the signer's.
// chain is leaf first and without the trust anchor (HAIP); it is sent as
// the x5c header.
func NewX509SANDNSClient(s Signer, chain []*x509.Certificate, base string, o ClientOptions) (*Client, error) {
	u, err := parseBase(base, o.InsecureAllowHTTP)
	if err != nil {
		return nil, err
	}
	if err := checkChain(s, chain); err != nil {
		return nil, err
	}
	host := u.Hostname()
	if !slices.Contains(chain[0].DNSNames, host) {
		return nil, fmt.Errorf("%w: leaf certificate has no dNSName SAN %q", ErrConfig, host)
	}
	c, err := newClient(oid4vp.PrefixX509SANDNS, host, s, base, o)
	if err != nil {
		return nil, err
	}
	c.x5c = encodeChain(chain)
	return c, nil
}

// NewX509HashClient returns a client with the x509_hash prefix (§5.9.3,
// HAIP): the identifier is the base64url SHA-256 hash of the DER leaf
// certificate, whose public key must be the signer's.
func NewX509HashClient(s Signer, chain []*x509.Certificate, base string, o ClientOptions) (*Client, error) {
	if err := checkChain(s, chain); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(chain[0].Raw)
	c, err := newClient(oid4vp.PrefixX509Hash, base64.RawURLEncoding.EncodeToString(sum[:]), s, base, o)
	if err != nil {
		return nil, err
	}
	c.x5c = encodeChain(chain)
	return c, nil
}

// NewRedirectURIClient returns a client with the redirect_uri prefix
// (§5.9.3): requests are unsigned and passed by value in the link, and the
// client_id of each transaction is redirect_uri:<its response_uri>.
func NewRedirectURIClient(base string, o ClientOptions) (*Client, error) {
	u, err := parseBase(base, o.InsecureAllowHTTP)
	if err != nil {
		return nil, err
	}
	return &Client{base: strings.TrimSuffix(u.String(), "/"), baseURL: u, VPFormats: o.VPFormats}, nil
}

func checkChain(s Signer, chain []*x509.Certificate) error {
	if s == nil {
		return fmt.Errorf("%w: nil signer", ErrConfig)
	}
	if len(chain) == 0 || chain[0] == nil {
		return fmt.Errorf("%w: empty certificate chain", ErrConfig)
	}
	leafKey, err := x509.MarshalPKIXPublicKey(chain[0].PublicKey)
	if err != nil {
		return fmt.Errorf("%w: leaf public key: %v", ErrConfig, err)
	}
	sk, err := x509.MarshalPKIXPublicKey(s.Public())
	if err != nil || !bytes.Equal(leafKey, sk) {
		return fmt.Errorf("%w: the signer's key is not the leaf certificate's", ErrConfig)
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return fmt.Errorf("%w: certificate %d is not signed by certificate %d: %v", ErrConfig, i, i+1, err)
		}
	}
	return nil
}

func encodeChain(chain []*x509.Certificate) []string {
	out := make([]string, len(chain))
	for i, c := range chain {
		out[i] = base64.StdEncoding.EncodeToString(c.Raw)
	}
	return out
}

// ClientID returns the client_id for a transaction with the given
// response_uri (only the redirect_uri prefix depends on it).
func (c *Client) clientID(responseURI string) (oid4vp.ClientID, error) {
	if c.signer == nil {
		return oid4vp.NewClientID(oid4vp.PrefixRedirectURI, responseURI)
	}
	return c.id, nil
}

// Signed reports whether the client signs its Request Objects.
func (c *Client) Signed() bool { return c.signer != nil }

// ClientID returns the client's prefixed identifier; zero for the
// redirect_uri prefix, whose identifier is per transaction.
func (c *Client) ClientID() oid4vp.ClientID { return c.id }

func (c *Client) requestURI(id string) string  { return c.base + "/request/" + id }
func (c *Client) responseURI(id string) string { return c.base + "/response/" + id }

// NewPreRegisteredClient returns a client whose client_id has no prefix
// (§5.9.2): wallets know it, and its key, from pre-registration. Its
// Request Objects are signed with the signer's kid.
func NewPreRegisteredClient(s Signer, clientID, base string, o ClientOptions) (*Client, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil signer", ErrConfig)
	}
	return newClient(oid4vp.PrefixPreRegistered, clientID, s, base, o)
}

// NewVerifierAttestationClient returns a client with the
// verifier_attestation prefix (§5.9.3, §12): attestation is a Verifier
// Attestation JWT (typ verifier-attestation+jwt) issued to this verifier
// by a party the wallets trust; it is sent in the jwt header of every
// Request Object, the client_id is verifier_attestation:<its sub>, and the
// signer's key must be its cnf.jwk. The attestation's signature is the
// wallet's to check against its trust list; here its structure, typ, sub,
// cnf and exp are checked, and Create refuses to use it once expired.
// Attestations restricting redirect_uris are refused: every transaction
// has its own response_uri.
func NewVerifierAttestationClient(s Signer, attestation, base string, o ClientOptions) (*Client, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil signer", ErrConfig)
	}
	j, err := jose.Parse(attestation, jose.ParseOptions{Algorithms: attestationAlgs, Typ: []string{oid4vp.TypVerifierAttestation}})
	if err != nil {
		return nil, fmt.Errorf("%w: verifier attestation: %w", ErrConfig, err)
	}
	var claims struct {
		Sub          string   `json:"sub"`
		Exp          *int64   `json:"exp"`
		RedirectURIs []string `json:"redirect_uris"`
		Cnf          struct {
			JWK map[string]any `json:"jwk"`
		} `json:"cnf"`
	}
	if err := j.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: verifier attestation claims: %w", ErrConfig, err)
	}
	if claims.Sub == "" || claims.Exp == nil {
		return nil, fmt.Errorf("%w: verifier attestation without sub or exp", ErrConfig)
	}
	if claims.RedirectURIs != nil {
		return nil, fmt.Errorf("%w: verifier attestation restricts redirect_uris", ErrConfig)
	}
	if claims.Cnf.JWK == nil {
		return nil, fmt.Errorf("%w: verifier attestation without cnf.jwk", ErrConfig)
	}
	cnf, err := crypto.PublicKeyFromJWK(claims.Cnf.JWK)
	if err != nil {
		return nil, fmt.Errorf("%w: verifier attestation cnf.jwk: %w", ErrConfig, err)
	}
	a, errA := x509.MarshalPKIXPublicKey(cnf)
	b, errB := x509.MarshalPKIXPublicKey(s.Public())
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		return nil, fmt.Errorf("%w: the signer's key is not the attestation's cnf key", ErrConfig)
	}
	c, err := newClient(oid4vp.PrefixVerifierAttestation, claims.Sub, s, base, o)
	if err != nil {
		return nil, err
	}
	c.attestation = attestation
	c.attestationExp = time.Unix(*claims.Exp, 0)
	return c, nil
}

var attestationAlgs = []crypto.Algorithm{crypto.ES256, crypto.ES384, crypto.EdDSA, crypto.PS256, crypto.RS256}
