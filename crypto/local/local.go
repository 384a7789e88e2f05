package local

import (
	"context"
	gocrypto "crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ocmw/wstack/crypto"
)

// Options configure an engine. The zero value is a purely in-memory engine.
type Options struct {
	// Path is the file keys are persisted to; empty keeps keys in memory
	// only. Passphrase is required with Path.
	Path       string
	Passphrase []byte
	// Now is the clock for key creation times (default time.Now).
	Now func() time.Time
}

// Engine is the local key engine. It is safe for concurrent use.
type Engine struct {
	mu     sync.RWMutex
	keys   map[crypto.KeyRef]*entry
	now    func() time.Time
	store  *fileStore
	closed bool
}

type entry struct {
	typ      crypto.KeyType
	name     string // caller-chosen kid name, "" for thumbprints
	versions []*version
}

type version struct {
	meta *crypto.Key
	priv any // *ecdsa.PrivateKey, ed25519.PrivateKey, *rsa.PrivateKey or []byte (AES)
	aead cipher.AEAD
}

var _ crypto.Engine = (*Engine)(nil)

// New opens an engine. With Options.Path set it loads the file if it exists
// (failing on a wrong passphrase or a corrupt file) and creates it on the
// first change otherwise.
func New(o Options) (*Engine, error) {
	e := &Engine{keys: map[crypto.KeyRef]*entry{}, now: o.Now}
	if e.now == nil {
		e.now = time.Now
	}
	if o.Path != "" {
		if len(o.Passphrase) == 0 {
			return nil, errors.New("local: a passphrase is required to persist keys")
		}
		fs, recs, err := openFileStore(o.Path, o.Passphrase)
		if err != nil {
			return nil, err
		}
		e.store = fs
		for _, r := range recs {
			if err := e.restore(r); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// Close releases the engine; later calls fail with crypto.ErrEngineClosed.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	return nil
}

// SupportedKeyTypes lists every key type the engine generates.
func (e *Engine) SupportedKeyTypes() []crypto.KeyType {
	return []crypto.KeyType{crypto.KeyTypeECP256, crypto.KeyTypeECP384, crypto.KeyTypeEd25519,
		crypto.KeyTypeRSA2048, crypto.KeyTypeRSA3072, crypto.KeyTypeRSA4096, crypto.KeyTypeAES256GCM}
}

// SupportedHashAlgorithms lists the hash functions Hash accepts.
func (e *Engine) SupportedHashAlgorithms() []crypto.HashAlgorithm {
	return []crypto.HashAlgorithm{crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA3_256, crypto.SHA3_384, crypto.SHA3_512}
}

func generate(t crypto.KeyType) (any, error) {
	switch t {
	case crypto.KeyTypeECP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case crypto.KeyTypeECP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case crypto.KeyTypeEd25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	case crypto.KeyTypeRSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case crypto.KeyTypeRSA3072:
		return rsa.GenerateKey(rand.Reader, 3072)
	case crypto.KeyTypeRSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	case crypto.KeyTypeAES256GCM:
		k := make([]byte, 32)
		_, err := rand.Read(k)
		return k, err
	}
	return nil, fmt.Errorf("%w: %q", crypto.ErrUnsupportedKeyType, t)
}

func publicOf(priv any) gocrypto.PublicKey {
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		return &k.PublicKey
	case ed25519.PrivateKey:
		return k.Public()
	case *rsa.PrivateKey:
		return &k.PublicKey
	}
	return nil
}

func (e *Engine) newVersion(ref crypto.KeyRef, t crypto.KeyType, name string, n int, priv any, created time.Time) (*version, error) {
	v := &version{priv: priv, meta: &crypto.Key{Ref: ref, Type: t, Version: n, CreatedAt: created}}
	if t.Symmetric() {
		block, err := aes.NewCipher(priv.([]byte))
		if err != nil {
			return nil, err
		}
		if v.aead, err = cipher.NewGCM(block); err != nil {
			return nil, err
		}
		if name == "" {
			name = ref.ID
		}
		v.meta.KID = crypto.VersionedKID(name, n)
		return v, nil
	}
	v.meta.Public = publicOf(priv)
	if name != "" {
		v.meta.KID = crypto.VersionedKID(name, n)
	} else {
		tp, err := crypto.Thumbprint(v.meta.Public)
		if err != nil {
			return nil, err
		}
		v.meta.KID = tp
	}
	return v, nil
}

func copyKey(k *crypto.Key) *crypto.Key { c := *k; return &c }

// GenerateKey creates a key.
func (e *Engine) GenerateKey(ctx context.Context, ref crypto.KeyRef, spec crypto.KeySpec) (*crypto.Key, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	if spec.KID != "" && !validKID(spec.KID) {
		return nil, fmt.Errorf("%w: kid %q", crypto.ErrInvalidKeyID, spec.KID)
	}
	priv, err := generate(spec.Type)
	if err != nil {
		return nil, err
	}
	v, err := e.newVersion(ref, spec.Type, spec.KID, 1, priv, e.now().UTC())
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, crypto.ErrEngineClosed
	}
	if _, ok := e.keys[ref]; ok {
		return nil, fmt.Errorf("%w: %s", crypto.ErrKeyExists, ref)
	}
	e.keys[ref] = &entry{typ: spec.Type, name: spec.KID, versions: []*version{v}}
	if err := e.persistLocked(); err != nil {
		delete(e.keys, ref)
		return nil, err
	}
	return copyKey(v.meta), nil
}

func validKID(s string) bool {
	if len(s) == 0 || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func (e *Engine) lookup(ref crypto.KeyRef) (*entry, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	if e.closed {
		return nil, crypto.ErrEngineClosed
	}
	en, ok := e.keys[ref]
	if !ok {
		return nil, fmt.Errorf("%w: %s", crypto.ErrKeyNotFound, ref)
	}
	return en, nil
}

func (e *Engine) current(ref crypto.KeyRef) (*entry, *version, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	en, err := e.lookup(ref)
	if err != nil {
		return nil, nil, err
	}
	return en, en.versions[len(en.versions)-1], nil
}

// GetKey returns the current version of a key.
func (e *Engine) GetKey(ctx context.Context, ref crypto.KeyRef) (*crypto.Key, error) {
	_, v, err := e.current(ref)
	if err != nil {
		return nil, err
	}
	return copyKey(v.meta), nil
}

// KeyVersions returns every version of a key, oldest first.
func (e *Engine) KeyVersions(ctx context.Context, ref crypto.KeyRef) ([]*crypto.Key, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	en, err := e.lookup(ref)
	if err != nil {
		return nil, err
	}
	out := make([]*crypto.Key, len(en.versions))
	for i, v := range en.versions {
		out[i] = copyKey(v.meta)
	}
	return out, nil
}

// ListKeys returns the current version of each selected key.
func (e *Engine) ListKeys(ctx context.Context, f crypto.Filter) ([]*crypto.Key, error) {
	if err := f.Context.Validate(); err != nil {
		return nil, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return nil, crypto.ErrEngineClosed
	}
	var out []*crypto.Key
	for ref, en := range e.keys {
		if f.Match(ref, en.typ) {
			out = append(out, copyKey(en.versions[len(en.versions)-1].meta))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref.String() < out[j].Ref.String() })
	return out, nil
}

// RotateKey adds a new current version.
func (e *Engine) RotateKey(ctx context.Context, ref crypto.KeyRef) (*crypto.Key, error) {
	e.mu.RLock()
	en, err := e.lookup(ref)
	var typ crypto.KeyType
	if err == nil {
		typ = en.typ
	}
	e.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	priv, err := generate(typ)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if en, err = e.lookup(ref); err != nil {
		return nil, err
	}
	v, err := e.newVersion(ref, en.typ, en.name, len(en.versions)+1, priv, e.now().UTC())
	if err != nil {
		return nil, err
	}
	en.versions = append(en.versions, v)
	if err := e.persistLocked(); err != nil {
		en.versions = en.versions[:len(en.versions)-1]
		return nil, err
	}
	return copyKey(v.meta), nil
}

// DeleteKey removes a key with all its versions.
func (e *Engine) DeleteKey(ctx context.Context, ref crypto.KeyRef) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	en, err := e.lookup(ref)
	if err != nil {
		return err
	}
	delete(e.keys, ref)
	if err := e.persistLocked(); err != nil {
		e.keys[ref] = en
		return err
	}
	return nil
}

// Sign signs message with the current version.
func (e *Engine) Sign(ctx context.Context, ref crypto.KeyRef, alg crypto.Algorithm, message []byte) ([]byte, error) {
	en, v, err := e.current(ref)
	if err != nil {
		return nil, err
	}
	if err := crypto.CheckSignAlgorithm(en.typ, alg); err != nil {
		return nil, err
	}
	if alg == crypto.EdDSA {
		return ed25519.Sign(v.priv.(ed25519.PrivateKey), message), nil
	}
	h := alg.Hash().New()
	h.Write(message)
	return signDigest(v.priv, alg, h.Sum(nil))
}

// SignDigest signs a precomputed digest (not EdDSA).
func (e *Engine) SignDigest(ctx context.Context, ref crypto.KeyRef, alg crypto.Algorithm, digest []byte) ([]byte, error) {
	en, v, err := e.current(ref)
	if err != nil {
		return nil, err
	}
	if err := crypto.CheckSignAlgorithm(en.typ, alg); err != nil {
		return nil, err
	}
	if alg == crypto.EdDSA {
		return nil, fmt.Errorf("%w: EdDSA signs messages, not digests", crypto.ErrUnsupportedAlgorithm)
	}
	if len(digest) != alg.Hash().Size() {
		return nil, fmt.Errorf("%w: digest length %d for %s", crypto.ErrUnsupportedAlgorithm, len(digest), alg)
	}
	return signDigest(v.priv, alg, digest)
}

func signDigest(priv any, alg crypto.Algorithm, digest []byte) ([]byte, error) {
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest)
		if err != nil {
			return nil, err
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		out := make([]byte, 2*size)
		r.FillBytes(out[:size])
		s.FillBytes(out[size:])
		return out, nil
	case *rsa.PrivateKey:
		switch alg {
		case crypto.PS256, crypto.PS384, crypto.PS512:
			return rsa.SignPSS(rand.Reader, k, alg.Hash(), digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		default:
			return rsa.SignPKCS1v15(rand.Reader, k, alg.Hash(), digest)
		}
	}
	return nil, fmt.Errorf("%w: key cannot sign", crypto.ErrWrongKeyUse)
}

// Verify verifies sig under any version of the key.
func (e *Engine) Verify(ctx context.Context, ref crypto.KeyRef, alg crypto.Algorithm, message, sig []byte) error {
	e.mu.RLock()
	en, err := e.lookup(ref)
	var pubs []gocrypto.PublicKey
	var typ crypto.KeyType
	if err == nil {
		typ = en.typ
		for i := len(en.versions) - 1; i >= 0; i-- {
			pubs = append(pubs, en.versions[i].meta.Public)
		}
	}
	e.mu.RUnlock()
	if err != nil {
		return err
	}
	if err := crypto.CheckSignAlgorithm(typ, alg); err != nil {
		return err
	}
	for _, p := range pubs {
		if err := crypto.VerifySignature(p, alg, message, sig); err == nil {
			return nil
		}
	}
	return crypto.ErrInvalidSignature
}

// Encrypt seals plaintext with the current version of an AES-256-GCM key.
// The output is version (4 bytes, big endian) ‖ nonce (12) ‖ ciphertext ‖ tag.
func (e *Engine) Encrypt(ctx context.Context, ref crypto.KeyRef, plaintext, aad []byte) ([]byte, error) {
	en, v, err := e.current(ref)
	if err != nil {
		return nil, err
	}
	if !en.typ.Symmetric() {
		return nil, fmt.Errorf("%w: %s cannot encrypt", crypto.ErrWrongKeyUse, en.typ)
	}
	out := make([]byte, 4+12, 4+12+len(plaintext)+16)
	binary.BigEndian.PutUint32(out, uint32(v.meta.Version))
	if _, err := rand.Read(out[4:16]); err != nil {
		return nil, err
	}
	return v.aead.Seal(out, out[4:16], plaintext, aad), nil
}

// Decrypt opens a ciphertext produced by Encrypt with the version it names.
func (e *Engine) Decrypt(ctx context.Context, ref crypto.KeyRef, ciphertext, aad []byte) ([]byte, error) {
	e.mu.RLock()
	en, err := e.lookup(ref)
	var v *version
	var typ crypto.KeyType
	if err == nil {
		typ = en.typ
		if len(ciphertext) >= 4+12+16 {
			n := int(binary.BigEndian.Uint32(ciphertext))
			if n >= 1 && n <= len(en.versions) {
				v = en.versions[n-1]
			}
		}
	}
	e.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if !typ.Symmetric() {
		return nil, fmt.Errorf("%w: %s cannot decrypt", crypto.ErrWrongKeyUse, typ)
	}
	if v == nil {
		return nil, crypto.ErrDecrypt
	}
	pt, err := v.aead.Open(nil, ciphertext[4:16], ciphertext[16:], aad)
	if err != nil {
		return nil, crypto.ErrDecrypt
	}
	return pt, nil
}

// Random returns n bytes from crypto/rand.
func (e *Engine) Random(ctx context.Context, n int) ([]byte, error) {
	if n < 0 || n > 1<<20 {
		return nil, fmt.Errorf("local: random length %d out of range", n)
	}
	b := make([]byte, n)
	_, err := rand.Read(b)
	return b, err
}

// Hash hashes data.
func (e *Engine) Hash(ctx context.Context, alg crypto.HashAlgorithm, data []byte) ([]byte, error) {
	return alg.Sum(data)
}

// record is the persisted form of one key.
type record struct {
	Namespace string    `json:"ns"`
	Group     string    `json:"group"`
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Name      string    `json:"name,omitempty"`
	Versions  []recordV `json:"versions"`
}

type recordV struct {
	Key     []byte    `json:"key"` // PKCS #8 DER, or the raw AES key
	Created time.Time `json:"created"`
}

func (e *Engine) persistLocked() error {
	if e.store == nil {
		return nil
	}
	recs := make([]record, 0, len(e.keys))
	for ref, en := range e.keys {
		r := record{Namespace: ref.Namespace, Group: ref.Group, ID: ref.ID, Type: string(en.typ), Name: en.name}
		for _, v := range en.versions {
			var der []byte
			if b, ok := v.priv.([]byte); ok {
				der = b
			} else {
				var err error
				if der, err = x509.MarshalPKCS8PrivateKey(v.priv); err != nil {
					return err
				}
			}
			r.Versions = append(r.Versions, recordV{Key: der, Created: v.meta.CreatedAt})
		}
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool {
		a, b := recs[i], recs[j]
		return a.Namespace+"/"+a.Group+"/"+a.ID < b.Namespace+"/"+b.Group+"/"+b.ID
	})
	return e.store.save(recs)
}

func (e *Engine) restore(r record) error {
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: r.Namespace, Group: r.Group}, ID: r.ID}
	t := crypto.KeyType(r.Type)
	en := &entry{typ: t, name: r.Name}
	for i, rv := range r.Versions {
		var priv any
		if t.Symmetric() {
			priv = rv.Key
		} else {
			k, err := x509.ParsePKCS8PrivateKey(rv.Key)
			if err != nil {
				return fmt.Errorf("local: key file: %w", err)
			}
			priv = k
			if ek, ok := k.(ed25519.PrivateKey); ok {
				priv = ek
			}
		}
		v, err := e.newVersion(ref, t, r.Name, i+1, priv, rv.Created)
		if err != nil {
			return err
		}
		en.versions = append(en.versions, v)
	}
	if len(en.versions) == 0 {
		return errors.New("local: key file: key without versions")
	}
	e.keys[ref] = en
	return nil
}

// Namespaces implements crypto.NamespaceLister: every namespace holding a
// key, sorted.
func (e *Engine) Namespaces(ctx context.Context) ([]string, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return nil, crypto.ErrEngineClosed
	}
	return namespacesOf(e.keys), nil
}

func namespacesOf(keys map[crypto.KeyRef]*entry) []string {
	seen := map[string]bool{}
	out := []string{}
	for ref := range keys {
		if !seen[ref.Namespace] {
			seen[ref.Namespace] = true
			out = append(out, ref.Namespace)
		}
	}
	sort.Strings(out)
	return out
}
