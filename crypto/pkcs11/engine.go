package pkcs11

import (
	"context"
	gocrypto "crypto"
	"crypto/cipher"
	"crypto/elliptic"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThalesGroup/crypto11"
	p11 "github.com/miekg/pkcs11"

	"github.com/ocmw/wstack/crypto"
)

// Errors of this package. Token failures wrap ErrToken and, when the
// module returned one, the PKCS#11 return value (errors.As with
// *pkcs11.Error of github.com/miekg/pkcs11).
var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("pkcs11: invalid configuration")
	// ErrOpen reports that the module could not be loaded or the token
	// could not be found or logged into.
	ErrOpen = errors.New("pkcs11: cannot open token")
	// ErrToken reports a failed operation of the token.
	ErrToken = errors.New("pkcs11: token operation failed")
	// ErrInput reports an argument out of range (random length, plaintext
	// size).
	ErrInput = errors.New("pkcs11: input out of range")
)

// PKCS#11 v3.0 constants for Edwards curves, absent from miekg/pkcs11 v1.1.2
// (PKCS#11 v3.0 §2.3.10, §6.3).
const (
	ckkECEdwards             = 0x00000040
	ckmECEdwardsKeyPairGen   = 0x00001055
	ckmEdDSA                 = 0x00001057
	defaultDirectSessions    = 8
	maxRandom                = 1 << 20
	gcmNonceSize             = 12
	gcmTagSize               = 16
	ciphertextVersionSize    = 4
	minCiphertextSize        = ciphertextVersionSize + gcmNonceSize + gcmTagSize
	defaultCrypto11PoolLimit = 64
)

// Config selects a PKCS#11 module and token. Exactly one of TokenLabel,
// TokenSerial and Slot selects the token.
type Config struct {
	// Module is the path of the PKCS#11 library, e.g.
	// /usr/lib/softhsm/libsofthsm2.so.
	Module string
	// TokenLabel, TokenSerial or Slot selects the token.
	TokenLabel  string
	TokenSerial string
	Slot        *int
	// PIN is the user PIN (CKU_USER). It is kept by crypto11 for the
	// lifetime of the engine and never logged.
	PIN string
	// MaxSessions bounds the sessions crypto11 opens for signing and
	// encryption (default 64, at least 2); the engine opens up to 8 more
	// for object management and Ed25519.
	MaxSessions int
	// Now is the clock for key creation times (default time.Now).
	Now func() time.Time
	// Logger receives warnings about token objects that cannot be used
	// (never key material or the PIN); nil discards them.
	Logger *slog.Logger
}

// Engine is a crypto.Engine over a PKCS#11 token. It is safe for concurrent
// use. Create it with Open and release the module with Close.
type Engine struct {
	c11   *crypto11.Context
	mod   *p11.Ctx
	slot  uint
	pool  *sessionPool
	rand  io.Reader
	now   func() time.Time
	log   *slog.Logger
	types []crypto.KeyType

	mu     sync.RWMutex
	keys   map[crypto.KeyRef]*entry
	closed bool
	ops    sync.WaitGroup

	seed    maphash.Seed
	stripes [64]sync.Mutex // serialise lifecycle operations per key
	// objects serialises the creation and destruction of token objects
	// and index rebuilds across all keys: SoftHSM2's file-backed object
	// store fails intermittently (CKR_GENERAL_ERROR,
	// CKR_TEMPLATE_INCONSISTENT) when sessions create and destroy token
	// objects concurrently. Lifecycle operations are rare; signing and
	// encryption stay concurrent. Lock order: stripe(s), then objects.
	objects sync.RWMutex
}

// entry is one key with all its versions, oldest first. Entries are
// immutable once published in Engine.keys; changes replace the entry.
type entry struct {
	typ      crypto.KeyType
	name     string
	versions []*version
}

func (en *entry) current() *version { return en.versions[len(en.versions)-1] }

func (en *entry) version(n int) *version {
	i := sort.Search(len(en.versions), func(i int) bool { return en.versions[i].meta.Version >= n })
	if i < len(en.versions) && en.versions[i].meta.Version == n {
		return en.versions[i]
	}
	return nil
}

// version is one key version. The public key is cached at load time; the
// handles that perform private-key operations are resolved on first use.
type version struct {
	meta  *crypto.Key
	label []byte
	id    []byte

	mu  sync.Mutex
	ops atomic.Pointer[handles]
}

// handles are the token objects a version signs or encrypts with.
type handles struct {
	signer gocrypto.Signer  // crypto11 key pair (ECDSA, RSA)
	aead   cipher.AEAD      // crypto11 AES-GCM
	ed     p11.ObjectHandle // Ed25519 private key
}

var _ crypto.Engine = (*Engine)(nil)

// Open loads the module, logs into the token and indexes every wstack key
// on it (see the package documentation for the object naming), so an engine
// reopened on the same token finds every key and version.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Module == "" {
		return nil, fmt.Errorf("%w: Module is required", ErrConfig)
	}
	n := 0
	if cfg.TokenLabel != "" {
		n++
	}
	if cfg.TokenSerial != "" {
		n++
	}
	if cfg.Slot != nil {
		n++
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: exactly one of TokenLabel, TokenSerial and Slot must be set", ErrConfig)
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = defaultCrypto11PoolLimit
	}
	if cfg.MaxSessions < 2 {
		return nil, fmt.Errorf("%w: MaxSessions must be at least 2", ErrConfig)
	}
	// crypto11 shares one initialised module per path; resolve symlinks so
	// two spellings of one library do not initialise it twice.
	path := cfg.Module
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c11, err := crypto11.Configure(&crypto11.Config{
		Path:        path,
		TokenLabel:  cfg.TokenLabel,
		TokenSerial: cfg.TokenSerial,
		SlotNumber:  cfg.Slot,
		Pin:         cfg.PIN,
		MaxSessions: cfg.MaxSessions,
		GCMIVLength: gcmNonceSize,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOpen, err)
	}
	e := &Engine{c11: c11, now: cfg.Now, log: cfg.Logger, keys: map[crypto.KeyRef]*entry{}, seed: maphash.MakeSeed()}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if err := e.openDirect(path, cfg); err != nil {
		_ = c11.Close()
		return nil, err
	}
	if e.rand, err = c11.NewRandomReader(); err != nil {
		e.closeAll()
		return nil, fmt.Errorf("%w: %w", ErrOpen, err)
	}
	if err := e.loadAll(ctx); err != nil {
		e.closeAll()
		return nil, err
	}
	return e, nil
}

// openDirect opens the engine's own handle on the module crypto11 already
// initialised (C_Initialize then returns CKR_CRYPTOKI_ALREADY_INITIALIZED,
// which is expected), finds the slot and probes the mechanisms.
func (e *Engine) openDirect(path string, cfg Config) error {
	mod := p11.New(path)
	if mod == nil {
		return fmt.Errorf("%w: cannot load %s", ErrOpen, path)
	}
	if err := mod.Initialize(); err != nil && !errors.Is(err, p11.Error(p11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
		mod.Destroy()
		return fmt.Errorf("%w: C_Initialize: %w", ErrOpen, err)
	}
	slots, err := mod.GetSlotList(true)
	if err != nil {
		mod.Destroy()
		return fmt.Errorf("%w: C_GetSlotList: %w", ErrOpen, err)
	}
	found := false
	for _, s := range slots {
		ti, err := mod.GetTokenInfo(s)
		if err != nil {
			continue
		}
		if (cfg.Slot != nil && uint(*cfg.Slot) == s) || (cfg.TokenLabel != "" && ti.Label == cfg.TokenLabel) ||
			(cfg.TokenSerial != "" && ti.SerialNumber == cfg.TokenSerial) {
			e.slot, found = s, true
			break
		}
	}
	if !found {
		mod.Destroy()
		return fmt.Errorf("%w: token not found", ErrOpen)
	}
	e.mod = mod
	e.pool = newSessionPool(mod, e.slot, defaultDirectSessions)
	mechs, err := mod.GetMechanismList(e.slot)
	if err != nil {
		e.pool.close()
		mod.Destroy()
		return fmt.Errorf("%w: C_GetMechanismList: %w", ErrOpen, err)
	}
	e.types = supportedTypes(mod, e.slot, mechs)
	return nil
}

// supportedTypes derives the key types from the token's mechanism list, so
// SupportedKeyTypes only names what GenerateKey can do on this token.
func supportedTypes(mod *p11.Ctx, slot uint, mechs []*p11.Mechanism) []crypto.KeyType {
	has := map[uint]bool{}
	for _, m := range mechs {
		has[m.Mechanism] = true
	}
	maxSize := func(m uint) uint {
		info, err := mod.GetMechanismInfo(slot, []*p11.Mechanism{p11.NewMechanism(m, nil)})
		if err != nil {
			return 0
		}
		return info.MaxKeySize
	}
	var out []crypto.KeyType
	if has[p11.CKM_EC_KEY_PAIR_GEN] && has[p11.CKM_ECDSA] {
		max := maxSize(p11.CKM_EC_KEY_PAIR_GEN)
		if max >= 256 {
			out = append(out, crypto.KeyTypeECP256)
		}
		if max >= 384 {
			out = append(out, crypto.KeyTypeECP384)
		}
	}
	if has[ckmECEdwardsKeyPairGen] && has[ckmEdDSA] {
		out = append(out, crypto.KeyTypeEd25519)
	}
	if has[p11.CKM_RSA_PKCS_KEY_PAIR_GEN] && has[p11.CKM_RSA_PKCS] && has[p11.CKM_RSA_PKCS_PSS] {
		max := maxSize(p11.CKM_RSA_PKCS_KEY_PAIR_GEN)
		for _, b := range []struct {
			t    crypto.KeyType
			bits uint
		}{{crypto.KeyTypeRSA2048, 2048}, {crypto.KeyTypeRSA3072, 3072}, {crypto.KeyTypeRSA4096, 4096}} {
			if max >= b.bits {
				out = append(out, b.t)
			}
		}
	}
	if has[p11.CKM_AES_KEY_GEN] && has[p11.CKM_AES_GCM] && maxSize(p11.CKM_AES_KEY_GEN) >= 32 {
		out = append(out, crypto.KeyTypeAES256GCM)
	}
	return out
}

// Close waits for running operations, closes the engine's sessions and
// releases the module (crypto11 finalises it when its last context closes).
// Later calls fail with crypto.ErrEngineClosed.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	e.ops.Wait()
	return e.closeAll()
}

func (e *Engine) closeAll() error {
	e.pool.close()
	e.mod.Destroy() // no C_Finalize: crypto11 owns the initialisation
	if err := e.c11.Close(); err != nil {
		return fmt.Errorf("%w: %w", ErrToken, err)
	}
	return nil
}

// begin registers a running operation; done must be called when it ends.
func (e *Engine) begin() (done func(), err error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return nil, crypto.ErrEngineClosed
	}
	e.ops.Add(1)
	return e.ops.Done, nil
}

// SupportedKeyTypes lists the key types this token can generate and use,
// derived from its mechanism list when the engine was opened.
func (e *Engine) SupportedKeyTypes() []crypto.KeyType {
	return append([]crypto.KeyType(nil), e.types...)
}

func (e *Engine) supports(t crypto.KeyType) bool {
	for _, s := range e.types {
		if s == t {
			return true
		}
	}
	return false
}

// SupportedHashAlgorithms lists the hash functions Hash accepts (computed in
// software).
func (e *Engine) SupportedHashAlgorithms() []crypto.HashAlgorithm {
	return []crypto.HashAlgorithm{crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA3_256, crypto.SHA3_384, crypto.SHA3_512}
}

func (e *Engine) stripe(ref crypto.KeyRef) *sync.Mutex {
	return &e.stripes[maphash.String(e.seed, ref.String())%uint64(len(e.stripes))]
}

// lookup returns the entry of ref from the index, or loads it from the token
// when another process created it since the engine was opened.
func (e *Engine) lookup(ctx context.Context, ref crypto.KeyRef) (*entry, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	e.mu.RLock()
	en, ok := e.keys[ref]
	e.mu.RUnlock()
	if ok {
		return en, nil
	}
	l := e.stripe(ref)
	l.Lock()
	defer l.Unlock()
	return e.lookupLocked(ctx, ref)
}

// lookupLocked is lookup with the key's stripe held.
func (e *Engine) lookupLocked(ctx context.Context, ref crypto.KeyRef) (*entry, error) {
	e.mu.RLock()
	en, ok := e.keys[ref]
	e.mu.RUnlock()
	if ok {
		return en, nil
	}
	en, err := e.loadRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if en == nil {
		return nil, fmt.Errorf("%w: %s", crypto.ErrKeyNotFound, ref)
	}
	e.mu.Lock()
	e.keys[ref] = en
	e.mu.Unlock()
	return en, nil
}

func copyKey(k *crypto.Key) *crypto.Key { c := *k; return &c }

// GenerateKey creates a key as token objects: a non-extractable, sensitive
// private key (or secret key) and, for key pairs, the public key.
func (e *Engine) GenerateKey(ctx context.Context, ref crypto.KeyRef, spec crypto.KeySpec) (*crypto.Key, error) {
	done, err := e.begin()
	if err != nil {
		return nil, err
	}
	defer done()
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	if spec.KID != "" && !validKID(spec.KID) {
		return nil, fmt.Errorf("%w: kid %q", crypto.ErrInvalidKeyID, spec.KID)
	}
	if !e.supports(spec.Type) {
		return nil, fmt.Errorf("%w: %q on this token", crypto.ErrUnsupportedKeyType, spec.Type)
	}
	l := e.stripe(ref)
	l.Lock()
	defer l.Unlock()
	if _, err := e.lookupLocked(ctx, ref); err == nil {
		return nil, fmt.Errorf("%w: %s", crypto.ErrKeyExists, ref)
	} else if !errors.Is(err, crypto.ErrKeyNotFound) {
		return nil, err
	}
	e.objects.Lock()
	v, err := e.generate(ctx, ref, spec.Type, objectMeta{Version: 1, Created: e.now().UTC(), Name: spec.KID})
	e.objects.Unlock()
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.keys[ref] = &entry{typ: spec.Type, name: spec.KID, versions: []*version{v}}
	e.mu.Unlock()
	return copyKey(v.meta), nil
}

// GetKey returns the current version of a key.
func (e *Engine) GetKey(ctx context.Context, ref crypto.KeyRef) (*crypto.Key, error) {
	done, err := e.begin()
	if err != nil {
		return nil, err
	}
	defer done()
	en, err := e.lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	return copyKey(en.current().meta), nil
}

// KeyVersions returns every version of a key, oldest first.
func (e *Engine) KeyVersions(ctx context.Context, ref crypto.KeyRef) ([]*crypto.Key, error) {
	done, err := e.begin()
	if err != nil {
		return nil, err
	}
	defer done()
	en, err := e.lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	out := make([]*crypto.Key, len(en.versions))
	for i, v := range en.versions {
		out[i] = copyKey(v.meta)
	}
	return out, nil
}

// ListKeys returns the current version of each selected key from the
// engine's index. Keys created on the token by another process since Open
// appear after Reload (or after they were used by reference).
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
			out = append(out, copyKey(en.current().meta))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref.String() < out[j].Ref.String() })
	return out, nil
}

// RotateKey generates a new current version on the token. Older versions
// stay on the token and keep verifying and decrypting.
func (e *Engine) RotateKey(ctx context.Context, ref crypto.KeyRef) (*crypto.Key, error) {
	done, err := e.begin()
	if err != nil {
		return nil, err
	}
	defer done()
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	l := e.stripe(ref)
	l.Lock()
	defer l.Unlock()
	en, err := e.lookupLocked(ctx, ref)
	if err != nil {
		return nil, err
	}
	n := en.current().meta.Version + 1
	e.objects.Lock()
	v, err := e.generate(ctx, ref, en.typ, objectMeta{Version: n, Created: e.now().UTC(), Name: en.name})
	e.objects.Unlock()
	if err != nil {
		return nil, err
	}
	next := &entry{typ: en.typ, name: en.name, versions: append(append(make([]*version, 0, len(en.versions)+1), en.versions...), v)}
	e.mu.Lock()
	e.keys[ref] = next
	e.mu.Unlock()
	return copyKey(v.meta), nil
}

// DeleteKey destroys every token object of a key (all versions).
func (e *Engine) DeleteKey(ctx context.Context, ref crypto.KeyRef) error {
	done, err := e.begin()
	if err != nil {
		return err
	}
	defer done()
	if err := ref.Validate(); err != nil {
		return err
	}
	l := e.stripe(ref)
	l.Lock()
	defer l.Unlock()
	if _, err := e.lookupLocked(ctx, ref); err != nil {
		return err
	}
	e.objects.Lock()
	derr := e.pool.with(ctx, func(s p11.SessionHandle) error {
		objs, err := findObjects(e.mod, s, []*p11.Attribute{p11.NewAttribute(p11.CKA_LABEL, keyLabel(ref))})
		if err != nil {
			return err
		}
		var first error
		for _, o := range objs {
			if err := e.mod.DestroyObject(s, o); err != nil && first == nil {
				first = tokenError("C_DestroyObject", err)
			}
		}
		return first
	})
	e.objects.Unlock()
	e.mu.Lock()
	delete(e.keys, ref)
	e.mu.Unlock()
	if derr != nil {
		// Re-read what is left so the index matches the token.
		if en, err := e.loadRef(ctx, ref); err == nil && en != nil {
			e.mu.Lock()
			e.keys[ref] = en
			e.mu.Unlock()
		}
		return derr
	}
	return nil
}

// Reload rebuilds the index from the token, picking up keys that other
// processes created, rotated or deleted.
func (e *Engine) Reload(ctx context.Context) error {
	done, err := e.begin()
	if err != nil {
		return err
	}
	defer done()
	// Hold every key's lifecycle lock so that no generation, rotation or
	// deletion interleaves with the rebuild.
	for i := range e.stripes {
		e.stripes[i].Lock()
	}
	defer func() {
		for i := range e.stripes {
			e.stripes[i].Unlock()
		}
	}()
	e.objects.Lock()
	defer e.objects.Unlock()
	return e.loadAll(ctx)
}

// newVersion builds the metadata of a version from its public key.
func newVersion(ref crypto.KeyRef, t crypto.KeyType, m objectMeta, pub gocrypto.PublicKey) (*version, error) {
	v := &version{label: keyLabel(ref), id: encodeID(m),
		meta: &crypto.Key{Ref: ref, Type: t, Version: m.Version, Public: pub, CreatedAt: m.Created}}
	switch {
	case t.Symmetric():
		name := m.Name
		if name == "" {
			name = ref.ID
		}
		v.meta.KID = crypto.VersionedKID(name, m.Version)
	case m.Name != "":
		v.meta.KID = crypto.VersionedKID(m.Name, m.Version)
	default:
		tp, err := crypto.Thumbprint(pub)
		if err != nil {
			return nil, err
		}
		v.meta.KID = tp
	}
	return v, nil
}

// generate creates one key version on the token.
func (e *Engine) generate(ctx context.Context, ref crypto.KeyRef, t crypto.KeyType, m objectMeta) (*version, error) {
	label, id := keyLabel(ref), encodeID(m)
	var (
		pub gocrypto.PublicKey
		h   handles
	)
	err := e.call(ctx, "generate", func() error {
		switch t {
		case crypto.KeyTypeECP256, crypto.KeyTypeECP384:
			curve := elliptic.P256()
			if t == crypto.KeyTypeECP384 {
				curve = elliptic.P384()
			}
			pubAttr, privAttr, err := pairAttributes(id, label)
			if err != nil {
				return err
			}
			_ = privAttr.Set(crypto11.CkaDerive, false)
			k, err := e.c11.GenerateECDSAKeyPairWithAttributes(pubAttr, privAttr, curve)
			if err != nil {
				return tokenError("C_GenerateKeyPair", err)
			}
			pub, h.signer = k.Public(), k
		case crypto.KeyTypeRSA2048, crypto.KeyTypeRSA3072, crypto.KeyTypeRSA4096:
			bits := map[crypto.KeyType]int{crypto.KeyTypeRSA2048: 2048, crypto.KeyTypeRSA3072: 3072, crypto.KeyTypeRSA4096: 4096}[t]
			pubAttr, privAttr, err := pairAttributes(id, label)
			if err != nil {
				return err
			}
			// Signing keys only: no decryption or unwrapping.
			_ = pubAttr.Set(crypto11.CkaEncrypt, false)
			_ = privAttr.Set(crypto11.CkaDecrypt, false)
			k, err := e.c11.GenerateRSAKeyPairWithAttributes(pubAttr, privAttr, bits)
			if err != nil {
				return tokenError("C_GenerateKeyPair", err)
			}
			pub, h.signer = k.Public(), k
		case crypto.KeyTypeAES256GCM:
			tmpl, err := crypto11.NewAttributeSetWithIDAndLabel(id, label)
			if err != nil {
				return err
			}
			_ = tmpl.Set(crypto11.CkaPrivate, true)
			_ = tmpl.Set(crypto11.CkaWrap, false)
			_ = tmpl.Set(crypto11.CkaUnwrap, false)
			k, err := e.c11.GenerateSecretKeyWithAttributes(tmpl, 256, crypto11.CipherAES)
			if err != nil {
				return tokenError("C_GenerateKey", err)
			}
			if h.aead, err = k.NewGCM(); err != nil {
				return tokenError("GCM", err)
			}
		case crypto.KeyTypeEd25519:
			var err error
			pub, h.ed, err = e.generateEd25519(ctx, id, label)
			if err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: %q", crypto.ErrUnsupportedKeyType, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	v, err := newVersion(ref, t, m, pub)
	if err != nil {
		return nil, err
	}
	v.ops.Store(&h)
	return v, nil
}

// pairAttributes returns the templates of a key pair: token objects, the
// private key private, sensitive and never extractable.
func pairAttributes(id, label []byte) (pub, priv crypto11.AttributeSet, err error) {
	if pub, err = crypto11.NewAttributeSetWithIDAndLabel(id, label); err != nil {
		return nil, nil, err
	}
	if priv, err = crypto11.NewAttributeSetWithIDAndLabel(id, label); err != nil {
		return nil, nil, err
	}
	_ = pub.Set(crypto11.CkaPrivate, false)
	_ = priv.Set(crypto11.CkaPrivate, true)
	_ = priv.Set(crypto11.CkaSensitive, true)
	_ = priv.Set(crypto11.CkaExtractable, false)
	_ = priv.Set(crypto11.CkaUnwrap, false)
	return pub, priv, nil
}

// generateEd25519 generates an Ed25519 key pair with CKM_EC_EDWARDS_KEY_PAIR_GEN
// (PKCS#11 v3.0 §2.3.11), which crypto11 does not cover.
func (e *Engine) generateEd25519(ctx context.Context, id, label []byte) (gocrypto.PublicKey, p11.ObjectHandle, error) {
	var pub gocrypto.PublicKey
	var priv p11.ObjectHandle
	err := e.pool.with(ctx, func(s p11.SessionHandle) error {
		pubT := []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PUBLIC_KEY),
			p11.NewAttribute(p11.CKA_KEY_TYPE, ckkECEdwards),
			p11.NewAttribute(p11.CKA_TOKEN, true),
			p11.NewAttribute(p11.CKA_PRIVATE, false),
			p11.NewAttribute(p11.CKA_VERIFY, true),
			p11.NewAttribute(p11.CKA_EC_PARAMS, oidEd25519),
			p11.NewAttribute(p11.CKA_LABEL, label),
			p11.NewAttribute(p11.CKA_ID, id),
		}
		privT := []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY),
			p11.NewAttribute(p11.CKA_KEY_TYPE, ckkECEdwards),
			p11.NewAttribute(p11.CKA_TOKEN, true),
			p11.NewAttribute(p11.CKA_PRIVATE, true),
			p11.NewAttribute(p11.CKA_SIGN, true),
			p11.NewAttribute(p11.CKA_SENSITIVE, true),
			p11.NewAttribute(p11.CKA_EXTRACTABLE, false),
			p11.NewAttribute(p11.CKA_DERIVE, false),
			p11.NewAttribute(p11.CKA_LABEL, label),
			p11.NewAttribute(p11.CKA_ID, id),
		}
		pubH, privH, err := e.mod.GenerateKeyPair(s, []*p11.Mechanism{p11.NewMechanism(ckmECEdwardsKeyPairGen, nil)}, pubT, privT)
		if err != nil {
			return tokenError("C_GenerateKeyPair", err)
		}
		attrs, err := e.mod.GetAttributeValue(s, pubH, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_EC_PARAMS, nil), p11.NewAttribute(p11.CKA_EC_POINT, nil)})
		if err == nil {
			pub, err = parseEd25519Public(attrs[0].Value, attrs[1].Value)
		}
		if err != nil {
			_ = e.mod.DestroyObject(s, privH)
			_ = e.mod.DestroyObject(s, pubH)
			return tokenError("C_GetAttributeValue", err)
		}
		priv = privH
		return nil
	})
	return pub, priv, err
}

// call runs a token operation, converting a panic inside the PKCS#11
// wrappers into an error (crypto11's AEAD panics when C_Encrypt fails) and
// returning when ctx is done even if the module does not: PKCS#11 calls
// cannot be cancelled, so the call finishes in the background and Close
// waits for it.
func (e *Engine) call(ctx context.Context, op string, f func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	run := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: %s panicked: %v", ErrToken, op, r)
			}
		}()
		return f()
	}
	if ctx.Done() == nil {
		return run()
	}
	e.ops.Add(1) // the caller holds an operation, so the counter is positive
	ch := make(chan error, 1)
	go func() {
		defer e.ops.Done()
		ch <- run()
	}()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w: %s: %w", ErrToken, op, ctx.Err())
	}
}

// resolve returns the handles of a version loaded from the token, finding
// them on first use.
func (e *Engine) resolve(ctx context.Context, typ crypto.KeyType, v *version) (*handles, error) {
	if h := v.ops.Load(); h != nil {
		return h, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if h := v.ops.Load(); h != nil {
		return h, nil
	}
	var h handles
	e.objects.RLock()
	defer e.objects.RUnlock()
	err := e.call(ctx, "find key", func() error {
		switch {
		case typ == crypto.KeyTypeEd25519:
			return e.pool.with(ctx, func(s p11.SessionHandle) error {
				objs, err := findObjects(e.mod, s, []*p11.Attribute{
					p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY),
					p11.NewAttribute(p11.CKA_LABEL, v.label),
					p11.NewAttribute(p11.CKA_ID, v.id),
				})
				if err != nil {
					return err
				}
				if len(objs) != 1 {
					return fmt.Errorf("%w: %s version %d: private key missing", crypto.ErrKeyNotFound, v.meta.Ref, v.meta.Version)
				}
				h.ed = objs[0]
				return nil
			})
		case typ.Symmetric():
			attrs, err := crypto11.NewAttributeSetWithIDAndLabel(v.id, v.label)
			if err != nil {
				return err
			}
			k, err := e.c11.FindKeyWithAttributes(attrs)
			if err != nil || k == nil {
				return fmt.Errorf("%w: %s version %d: secret key missing", crypto.ErrKeyNotFound, v.meta.Ref, v.meta.Version)
			}
			h.aead, err = k.NewGCM()
			return err
		default:
			attrs, err := crypto11.NewAttributeSetWithIDAndLabel(v.id, v.label)
			if err != nil {
				return err
			}
			k, err := e.c11.FindKeyPairWithAttributes(attrs)
			if err != nil || k == nil {
				return fmt.Errorf("%w: %s version %d: key pair missing", crypto.ErrKeyNotFound, v.meta.Ref, v.meta.Version)
			}
			h.signer = k
			return nil
		}
	})
	if err != nil {
		return nil, err
	}
	v.ops.Store(&h)
	return &h, nil
}

// keyGone maps the module's "object no longer exists" errors to
// crypto.ErrKeyNotFound (the key was deleted while in use).
func keyGone(ref crypto.KeyRef, err error) error {
	var pe p11.Error
	if errors.As(err, &pe) && (pe == p11.CKR_KEY_HANDLE_INVALID || pe == p11.CKR_OBJECT_HANDLE_INVALID) {
		return fmt.Errorf("%w: %s: %w", crypto.ErrKeyNotFound, ref, err)
	}
	if err != nil && strings.Contains(err.Error(), "CKR_KEY_HANDLE_INVALID") {
		return fmt.Errorf("%w: %s: %w", crypto.ErrKeyNotFound, ref, err)
	}
	return err
}

// Namespaces implements crypto.NamespaceLister: every namespace holding a
// key in the index (keys another process created appear after Reload),
// sorted.
func (e *Engine) Namespaces(ctx context.Context) ([]string, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return nil, crypto.ErrEngineClosed
	}
	seen := map[string]bool{}
	out := []string{}
	for ref := range e.keys {
		if !seen[ref.Namespace] {
			seen[ref.Namespace] = true
			out = append(out, ref.Namespace)
		}
	}
	sort.Strings(out)
	return out, nil
}
