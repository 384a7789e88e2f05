package wallet

import (
	"context"
	gocrypto "crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
)

// Errors. Every error the wallet returns for a request it refuses wraps
// one of them (and, where the request itself is at fault, an *oid4vp.Error
// carrying the §8.5 code, see oid4vp.CodeOf).
var (
	// ErrConfig: the Config is incomplete.
	ErrConfig = errors.New("wallet: invalid configuration")
	// ErrFetch: request_uri could not be retrieved (redirect, size,
	// status, address, media type).
	ErrFetch = errors.New("wallet: request_uri fetch failed")
	// ErrRequestObject: the Request Object is not acceptable (signature,
	// typ, algorithm, key, certificate, attestation).
	ErrRequestObject = errors.New("wallet: request object rejected")
	// ErrUntrustedVerifier: the verifier could not be authenticated for
	// its client identifier prefix, or the trust policy refused it.
	ErrUntrustedVerifier = errors.New("wallet: verifier not trusted")
	// ErrUnsupportedPrefix: the client identifier prefix is not one the
	// wallet implements or accepts.
	ErrUnsupportedPrefix = errors.New("wallet: client identifier prefix not supported")
	// ErrDeclined: the consent hook declined the request (access_denied).
	ErrDeclined = errors.New("wallet: request declined")
	// ErrNoMatch: the wallet cannot answer the query (access_denied); it
	// wraps dcql.ErrUnsatisfiable or pex's equivalent.
	ErrNoMatch = errors.New("wallet: no credentials satisfy the request")
	// ErrQueryBudget: evaluating the verifier's query took more work than
	// the configured budget (invalid_request); it wraps
	// dcql.ErrBudgetExceeded.
	ErrQueryBudget = errors.New("wallet: query evaluation exceeds the work budget")
	// ErrResponse: posting the response failed or the verifier's answer
	// was not acceptable.
	ErrResponse = errors.New("wallet: response not accepted")
)

// CredentialSource yields the credentials the wallet holds, as parsed by
// presentation.Holder.Parse (the holder's views, every disclosure
// applied). hints lets a store pre-filter (format, vct, doctype, types);
// it may ignore them and yield everything.
type CredentialSource interface {
	Credentials(ctx context.Context, hints dcql.Hints) (iter.Seq[*presentation.Credential], error)
}

// StaticCredentials is a CredentialSource over a fixed slice (it ignores
// the hints).
type StaticCredentials []*presentation.Credential

// Credentials yields every credential of s.
func (s StaticCredentials) Credentials(context.Context, dcql.Hints) (iter.Seq[*presentation.Credential], error) {
	return func(yield func(*presentation.Credential) bool) {
		for _, c := range s {
			if !yield(c) {
				return
			}
		}
	}, nil
}

// ConsentFunc lets the caller (a person's UI or a machine policy) see what
// would be presented and narrow it with sel.Result.Choose (for example
// among several candidates, or several of a multiple=true query). A
// non-nil error declines the request; return ErrDeclined (or an error
// wrapping it) for a user's refusal, which is answered with
// access_denied.
type ConsentFunc func(ctx context.Context, req *Request, sel *Selection) error

// TrustPolicy decides whether an authenticated verifier is acceptable
// (for example by a registry of relying parties). It runs after the
// Request Object's signature and the prefix's checks passed.
type TrustPolicy func(ctx context.Context, req *Request) error

// Config configures a Wallet. Fetcher, HTTPClient-independent defaults
// are secure: the zero value of every optional member keeps the strictest
// behaviour.
type Config struct {
	// Holder parses credentials and builds presentations; required.
	Holder *presentation.Holder
	// Credentials is the store the queries run over; required.
	Credentials CredentialSource
	// Fetcher retrieves request_uri with method get; required. It never
	// follows redirects (the wallet asks for none) and caps the size.
	Fetcher *fetch.Fetcher
	// HTTPClient posts to request_uri (request_uri_method=post) and to
	// response_uri. Its redirect policy is replaced by one that follows
	// none. Nil (recommended) uses a guarded client like fetch's: no
	// proxy, TLS 1.2+, a 10 s timeout, and every dialled address checked
	// with fetch.CheckAddr (no loopback, private or special-purpose
	// ranges), so a verifier cannot make the wallet post into its network.
	HTTPClient *http.Client
	// RootCAs overrides the system roots of the guarded client (tests).
	RootCAs *x509.CertPool
	// InsecureAllowLoopback lets the guarded client dial loopback
	// addresses (tests only; the Fetcher has its own AllowLoopback).
	InsecureAllowLoopback bool
	// DIDs resolves decentralized_identifier verifiers (their kid must be
	// a verification method of the DID). Nil rejects that prefix.
	DIDs did.Resolver
	// X509Roots are the trust anchors of x509_san_dns and x509_hash
	// verifiers. Nil rejects those prefixes.
	X509Roots *x509.CertPool
	// Attesters maps the iss of Verifier Attestation JWTs to the key that
	// signs them. Empty rejects the verifier_attestation prefix.
	Attesters map[string]gocrypto.PublicKey
	// PreRegistered maps pre-registered client_ids to their request
	// signing key. Empty rejects pre-registered clients.
	PreRegistered map[string]gocrypto.PublicKey
	// Algorithms is the allow-list of Request Object signature algorithms
	// (default ES256). none and MAC algorithms are never accepted.
	Algorithms []crypto.Algorithm
	// Schemes are the custom link schemes beyond openid4vp:// (for
	// example oid4vp.SchemeHAIP).
	Schemes []string
	// Profile selects OpenID4VP 1.0 (zero) or the legacy profile.
	Profile oid4vp.Profile
	// TransactionDataTypes lists the transaction data types the wallet
	// (its caller) understands and shows the user; requests with other
	// types are rejected.
	TransactionDataTypes []string
	// MinNonceLength is a local policy minimum for nonce (0: any).
	MinNonceLength int
	// Metadata is sent as wallet_metadata with request_uri_method=post;
	// nil sends a minimal document naming the formats presentation.Holder
	// builds.
	Metadata *oid4vp.WalletMetadata
	// Audiences are the aud values a Request Object may carry (the
	// wallet's issuer with dynamic discovery); empty means
	// https://self-issued.me/v2.
	Audiences []string
	// Trust, when set, is asked about every authenticated verifier.
	Trust TrustPolicy
	// Consent, when set, is asked before anything is presented.
	Consent ConsentFunc
	// Budget bounds the work of one query evaluation
	// (dcql.WithBudget; 0: dcql.DefaultBudget).
	Budget int64
	// MaxRequestObjectBytes caps a fetched Request Object (default
	// oid4vp.MaxRequestBytes).
	MaxRequestObjectBytes int64
	// MaxResponseBytes caps the verifier's answer to a response post
	// (default 64 KiB).
	MaxResponseBytes int64
	// Leeway is the clock skew allowed for exp, nbf and iat.
	Leeway time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// FollowRedirect makes a machine wallet (one without a browser)
	// follow the verifier's redirect_uri itself after a direct_post
	// (Wallet.Follow): Respond and Present then return the answer in
	// Outcome.Followed, with the response_code of the redirect, and
	// Outcome.NextStep reports nothing left to do. Off: the redirect is
	// returned as the caller's next step and never fetched.
	FollowRedirect bool
	// InsecureAllowHTTP accepts http:// response_uri and request_uri on
	// loopback hosts (tests only).
	InsecureAllowHTTP bool
}

// Wallet is the holder side of OpenID4VP. It is safe for concurrent use.
type Wallet struct {
	cfg    Config
	client *http.Client
}

// New checks cfg and returns a Wallet.
func New(cfg Config) (*Wallet, error) {
	if cfg.Holder == nil || cfg.Credentials == nil || cfg.Fetcher == nil {
		return nil, fmt.Errorf("%w: Holder, Credentials and Fetcher are required", ErrConfig)
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = []crypto.Algorithm{crypto.ES256}
	}
	if cfg.MaxRequestObjectBytes <= 0 {
		cfg.MaxRequestObjectBytes = oid4vp.MaxRequestBytes
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = 64 << 10
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var c http.Client
	if cfg.HTTPClient != nil {
		c = *cfg.HTTPClient
	} else {
		c = guardedClient(cfg.RootCAs, cfg.InsecureAllowLoopback)
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Jar = nil
	return &Wallet{cfg: cfg, client: &c}, nil
}

// newWalletNonce returns 128 bits of randomness, base64url.
func newWalletNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// guardedClient dials only public unicast addresses (loopback when
// allowed), checked after name resolution on the address actually dialled.
func guardedClient(roots *x509.CertPool, allowLoopback bool) http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", fetch.ErrBlockedAddress, address)
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("%w: %s", fetch.ErrBlockedAddress, address)
		}
		return fetch.CheckAddr(ip, allowLoopback)
	}}
	return http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  10 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true,
	}}
}
