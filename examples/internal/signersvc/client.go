package signersvc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ocmw/wstack/crypto"
)

// MaxResponse bounds a response body the client reads.
const MaxResponse = 4 << 20

// Client is a crypto.Engine (and crypto.NamespaceLister) that calls a
// signer Service over HTTP with a bearer token. It is safe for concurrent
// use. Sentinel errors survive the wire: a missing key is
// crypto.ErrKeyNotFound, an invalid signature crypto.ErrInvalidSignature,
// and so on; failures of the transport itself are returned as they are.
//
// Key references are validated locally before anything is sent. To guard
// against a signer that is not trusted to return correct signatures, wrap
// the client in crypto.Guarded with VerifySignatures.
type Client struct {
	base  string
	token string
	hc    *http.Client

	mu   sync.Mutex
	caps *Capabilities
}

var (
	_ crypto.Engine          = (*Client)(nil)
	_ crypto.NamespaceLister = (*Client)(nil)
)

// NewClient returns a client of the signer at baseURL (e.g.
// http://127.0.0.1:8080, without /v1) authenticating with bearerToken. A nil
// hc gets a client with a 30 s timeout and a connection pool sized for
// concurrent signing.
func NewClient(baseURL, bearerToken string, hc *http.Client) *Client {
	if hc == nil {
		tr := &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 128,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 5 * time.Second,
			ForceAttemptHTTP2:   true,
		}
		hc = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), token: bearerToken, hc: hc}
}

// do sends a request with an optional JSON body and decodes a JSON answer
// into out (nil: the body is discarded).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return err
	}
	if len(raw) > MaxResponse {
		return fmt.Errorf("%w: response over %d bytes", ErrProtocol, MaxResponse)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Error == "" {
			e.Description = http.StatusText(resp.StatusCode)
		}
		return remoteError(resp.StatusCode, e.Error, e.Description)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	return nil
}

func keyPath(ref crypto.KeyRef, suffix string) (string, url.Values) {
	p := "/v1/namespaces/" + url.PathEscape(ref.Namespace) + "/keys/" + url.PathEscape(ref.ID) + suffix
	q := url.Values{}
	if ref.Group != "" {
		q.Set("group", ref.Group)
	}
	return p, q
}

func (c *Client) key(ctx context.Context, method string, ref crypto.KeyRef, suffix string) (*crypto.Key, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	p, q := keyPath(ref, suffix)
	var d KeyDoc
	if err := c.do(ctx, method, p, q, nil, &d); err != nil {
		return nil, err
	}
	return checked(d, ref)
}

// checked decodes d and checks that it is the key asked for.
func checked(d KeyDoc, ref crypto.KeyRef) (*crypto.Key, error) {
	k, err := d.key()
	if err != nil {
		return nil, err
	}
	if k.Ref != ref {
		return nil, fmt.Errorf("%w: asked for %s, got %s", ErrProtocol, ref, k.Ref)
	}
	return k, nil
}

func keys(l KeyList) ([]*crypto.Key, error) {
	out := make([]*crypto.Key, 0, len(l.Keys))
	for _, d := range l.Keys {
		k, err := d.key()
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// GenerateKey implements crypto.KeyManager.
func (c *Client) GenerateKey(ctx context.Context, ref crypto.KeyRef, spec crypto.KeySpec) (*crypto.Key, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	var d KeyDoc
	err := c.do(ctx, http.MethodPost, "/v1/namespaces/"+url.PathEscape(ref.Namespace)+"/keys", nil,
		CreateKeyRequest{Group: ref.Group, Key: ref.ID, Type: spec.Type, KID: spec.KID}, &d)
	if err != nil {
		return nil, err
	}
	return checked(d, ref)
}

// GetKey implements crypto.KeyManager.
func (c *Client) GetKey(ctx context.Context, ref crypto.KeyRef) (*crypto.Key, error) {
	return c.key(ctx, http.MethodGet, ref, "")
}

// RotateKey implements crypto.KeyManager.
func (c *Client) RotateKey(ctx context.Context, ref crypto.KeyRef) (*crypto.Key, error) {
	return c.key(ctx, http.MethodPost, ref, "/rotate")
}

// KeyVersions implements crypto.KeyManager.
func (c *Client) KeyVersions(ctx context.Context, ref crypto.KeyRef) ([]*crypto.Key, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	p, q := keyPath(ref, "/versions")
	var l KeyList
	if err := c.do(ctx, http.MethodGet, p, q, nil, &l); err != nil {
		return nil, err
	}
	ks, err := keys(l)
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		if k.Ref != ref {
			return nil, fmt.Errorf("%w: versions of %s include %s", ErrProtocol, ref, k.Ref)
		}
	}
	return ks, nil
}

// ListKeys implements crypto.KeyManager.
func (c *Client) ListKeys(ctx context.Context, f crypto.Filter) ([]*crypto.Key, error) {
	if err := f.Context.Validate(); err != nil {
		return nil, err
	}
	q := url.Values{}
	if f.Group != "" {
		q.Set("group", f.Group)
	}
	if f.Type != "" {
		q.Set("type", string(f.Type))
	}
	if f.IDPattern != nil {
		q.Set("pattern", f.IDPattern.String())
	}
	var l KeyList
	if err := c.do(ctx, http.MethodGet, "/v1/namespaces/"+url.PathEscape(f.Namespace)+"/keys", q, nil, &l); err != nil {
		return nil, err
	}
	ks, err := keys(l)
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		if !f.Match(k.Ref, k.Type) {
			return nil, fmt.Errorf("%w: listing returned %s outside the filter", ErrProtocol, k.Ref)
		}
	}
	return ks, nil
}

// DeleteKey implements crypto.KeyManager.
func (c *Client) DeleteKey(ctx context.Context, ref crypto.KeyRef) error {
	if err := ref.Validate(); err != nil {
		return err
	}
	p, q := keyPath(ref, "")
	return c.do(ctx, http.MethodDelete, p, q, nil, nil)
}

// Namespaces implements crypto.NamespaceLister (the namespaces the token's
// principal may use).
func (c *Client) Namespaces(ctx context.Context) ([]string, error) {
	var l NamespaceList
	if err := c.do(ctx, http.MethodGet, "/v1/namespaces", nil, nil, &l); err != nil {
		return nil, err
	}
	return l.Namespaces, nil
}

func (c *Client) sign(ctx context.Context, req SignRequest) ([]byte, error) {
	if err := req.ref().Validate(); err != nil {
		return nil, err
	}
	var resp SignResponse
	if err := c.do(ctx, http.MethodPost, "/v1/sign", nil, req, &resp); err != nil {
		return nil, err
	}
	sig, err := b64.DecodeString(resp.Signature)
	if err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("%w: signature encoding", ErrProtocol)
	}
	return sig, nil
}

// Sign implements crypto.Signer.
func (c *Client) Sign(ctx context.Context, ref crypto.KeyRef, alg crypto.Algorithm, message []byte) ([]byte, error) {
	m := enc(message)
	return c.sign(ctx, SignRequest{KeyRefJSON: refJSON(ref), Alg: alg, Data: &m})
}

// SignDigest implements crypto.Signer.
func (c *Client) SignDigest(ctx context.Context, ref crypto.KeyRef, alg crypto.Algorithm, digest []byte) ([]byte, error) {
	d := enc(digest)
	return c.sign(ctx, SignRequest{KeyRefJSON: refJSON(ref), Alg: alg, Digest: &d})
}

// Verify implements crypto.Verifier.
func (c *Client) Verify(ctx context.Context, ref crypto.KeyRef, alg crypto.Algorithm, message, sig []byte) error {
	if err := ref.Validate(); err != nil {
		return err
	}
	var resp VerifyResponse
	if err := c.do(ctx, http.MethodPost, "/v1/verify", nil,
		VerifyRequest{KeyRefJSON: refJSON(ref), Alg: alg, Data: enc(message), Signature: enc(sig)}, &resp); err != nil {
		return err
	}
	if !resp.Valid {
		return crypto.ErrInvalidSignature
	}
	return nil
}

// Encrypt implements crypto.Encrypter.
func (c *Client) Encrypt(ctx context.Context, ref crypto.KeyRef, plaintext, aad []byte) ([]byte, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	var resp EncryptResponse
	if err := c.do(ctx, http.MethodPost, "/v1/encrypt", nil,
		EncryptRequest{KeyRefJSON: refJSON(ref), Plaintext: enc(plaintext), AAD: enc(aad)}, &resp); err != nil {
		return nil, err
	}
	ct, err := b64.DecodeString(resp.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("%w: ciphertext encoding", ErrProtocol)
	}
	return ct, nil
}

// Decrypt implements crypto.Encrypter.
func (c *Client) Decrypt(ctx context.Context, ref crypto.KeyRef, ciphertext, aad []byte) ([]byte, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	var resp DecryptResponse
	if err := c.do(ctx, http.MethodPost, "/v1/decrypt", nil,
		DecryptRequest{KeyRefJSON: refJSON(ref), Ciphertext: enc(ciphertext), AAD: enc(aad)}, &resp); err != nil {
		return nil, err
	}
	pt, err := b64.DecodeString(resp.Plaintext)
	if err != nil {
		return nil, fmt.Errorf("%w: plaintext encoding", ErrProtocol)
	}
	return pt, nil
}

// Random implements crypto.Engine.
func (c *Client) Random(ctx context.Context, n int) ([]byte, error) {
	if n < 1 || n > MaxRandom {
		return nil, fmt.Errorf("signersvc: random length must be 1..%d", MaxRandom)
	}
	var resp RandomResponse
	if err := c.do(ctx, http.MethodPost, "/v1/random", nil, RandomRequest{Length: n}, &resp); err != nil {
		return nil, err
	}
	b, err := b64.DecodeString(resp.Random)
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("%w: random bytes", ErrProtocol)
	}
	return b, nil
}

// Hash implements crypto.Engine. Hashing needs no secret, so it runs
// locally for the algorithms crypto knows and remotely only for others.
func (c *Client) Hash(ctx context.Context, alg crypto.HashAlgorithm, data []byte) ([]byte, error) {
	if d, err := alg.Sum(data); err == nil {
		return d, nil
	}
	var resp HashResponse
	if err := c.do(ctx, http.MethodPost, "/v1/hash", nil, HashRequest{Alg: alg, Data: enc(data)}, &resp); err != nil {
		return nil, err
	}
	d, err := b64.DecodeString(resp.Digest)
	if err != nil {
		return nil, fmt.Errorf("%w: digest encoding", ErrProtocol)
	}
	return d, nil
}

// Capabilities fetches (once, then cached) what the remote engine
// supports.
func (c *Client) Capabilities(ctx context.Context) (Capabilities, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.caps != nil {
		return *c.caps, nil
	}
	var caps Capabilities
	if err := c.do(ctx, http.MethodGet, "/v1/capabilities", nil, nil, &caps); err != nil {
		return Capabilities{}, err
	}
	c.caps = &caps
	return caps, nil
}

func (c *Client) capabilities() Capabilities {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	caps, _ := c.Capabilities(ctx)
	return caps
}

// SupportedKeyTypes implements crypto.Engine from the remote capabilities
// (nil while the signer cannot be reached).
func (c *Client) SupportedKeyTypes() []crypto.KeyType { return c.capabilities().KeyTypes }

// SupportedHashAlgorithms implements crypto.Engine.
func (c *Client) SupportedHashAlgorithms() []crypto.HashAlgorithm {
	return c.capabilities().HashAlgorithms
}

// IsRemote reports whether err is an error answer of the signer (as
// opposed to a transport failure).
func IsRemote(err error) bool {
	var re *RemoteError
	return errors.As(err, &re)
}
