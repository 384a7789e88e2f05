package pkcs11

import (
	"context"
	gocrypto "crypto"
	"crypto/rsa"
	"encoding/binary"
	"fmt"
	"math/big"
	"sort"

	p11 "github.com/miekg/pkcs11"

	"github.com/ocmw/wstack/crypto"
)

// maxObjects bounds how many objects one search returns, so a token filled
// by another application cannot exhaust memory.
const maxObjects = 1 << 20

// findObjects runs one C_FindObjects search.
func findObjects(mod *p11.Ctx, s p11.SessionHandle, tmpl []*p11.Attribute) ([]p11.ObjectHandle, error) {
	if err := mod.FindObjectsInit(s, tmpl); err != nil {
		return nil, tokenError("C_FindObjectsInit", err)
	}
	var out []p11.ObjectHandle
	for {
		objs, _, err := mod.FindObjects(s, 256)
		if err != nil {
			_ = mod.FindObjectsFinal(s)
			return nil, tokenError("C_FindObjects", err)
		}
		out = append(out, objs...)
		if len(objs) == 0 || len(out) >= maxObjects {
			break
		}
	}
	if err := mod.FindObjectsFinal(s); err != nil {
		return nil, tokenError("C_FindObjectsFinal", err)
	}
	return out, nil
}

// object is what the index needs from one token object.
type object struct {
	class   uint
	ref     crypto.KeyRef
	meta    objectMeta
	label   []byte
	id      []byte
	keyType uint
	handle  p11.ObjectHandle
}

func ulong(b []byte) uint {
	switch len(b) {
	case 4:
		return uint(binary.NativeEndian.Uint32(b))
	case 8:
		return uint(binary.NativeEndian.Uint64(b))
	}
	return ^uint(0)
}

// readObjects reads the naming attributes of objs, keeping wstack objects.
func (e *Engine) readObjects(s p11.SessionHandle, objs []p11.ObjectHandle) []object {
	var out []object
	for _, o := range objs {
		attrs, err := e.mod.GetAttributeValue(s, o, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, nil),
			p11.NewAttribute(p11.CKA_LABEL, nil),
			p11.NewAttribute(p11.CKA_ID, nil),
			p11.NewAttribute(p11.CKA_KEY_TYPE, nil),
		})
		if err != nil {
			continue // not a key object, or unreadable
		}
		ref, err := parseLabel(attrs[1].Value)
		if err != nil {
			continue
		}
		meta, err := parseID(attrs[2].Value)
		if err != nil {
			e.log.Warn("pkcs11: ignoring object with a malformed CKA_ID", "key", ref.String())
			continue
		}
		out = append(out, object{class: ulong(attrs[0].Value), ref: ref, meta: meta, label: attrs[1].Value,
			id: attrs[2].Value, keyType: ulong(attrs[3].Value), handle: o})
	}
	return out
}

// publicOf reads the public key and key type of a version from its objects:
// the private key (RSA modulus and exponent are public attributes) or the
// public key (EC and Edwards points).
func (e *Engine) publicOf(s p11.SessionHandle, priv object, pub *object) (gocrypto.PublicKey, crypto.KeyType, error) {
	get := func(o p11.ObjectHandle, types ...uint) ([][]byte, error) {
		tmpl := make([]*p11.Attribute, len(types))
		for i, t := range types {
			tmpl[i] = p11.NewAttribute(t, nil)
		}
		attrs, err := e.mod.GetAttributeValue(s, o, tmpl)
		if err != nil {
			return nil, err
		}
		out := make([][]byte, len(attrs))
		for i, a := range attrs {
			out[i] = a.Value
		}
		return out, nil
	}
	switch priv.keyType {
	case p11.CKK_AES:
		v, err := get(priv.handle, p11.CKA_VALUE_LEN)
		if err != nil || ulong(v[0]) != 32 {
			return nil, "", fmt.Errorf("%w: AES key is not 256 bits", errObject)
		}
		return nil, crypto.KeyTypeAES256GCM, nil
	case p11.CKK_RSA:
		v, err := get(priv.handle, p11.CKA_MODULUS, p11.CKA_PUBLIC_EXPONENT)
		if err != nil {
			return nil, "", err
		}
		if len(v[0]) > 4096/8+1 || len(v[1]) == 0 || len(v[1]) > 4 {
			return nil, "", fmt.Errorf("%w: RSA parameters", errObject)
		}
		n := new(big.Int).SetBytes(v[0])
		exp := new(big.Int).SetBytes(v[1])
		pk := &rsa.PublicKey{N: n, E: int(exp.Int64())}
		switch n.BitLen() {
		case 2048:
			return pk, crypto.KeyTypeRSA2048, nil
		case 3072:
			return pk, crypto.KeyTypeRSA3072, nil
		case 4096:
			return pk, crypto.KeyTypeRSA4096, nil
		}
		return nil, "", fmt.Errorf("%w: RSA modulus of %d bits", errObject, n.BitLen())
	case p11.CKK_EC, ckkECEdwards:
		if pub == nil {
			return nil, "", fmt.Errorf("%w: public key object missing", errObject)
		}
		v, err := get(pub.handle, p11.CKA_EC_PARAMS, p11.CKA_EC_POINT)
		if err != nil {
			return nil, "", err
		}
		if priv.keyType == ckkECEdwards {
			pk, err := parseEd25519Public(v[0], v[1])
			return pk, crypto.KeyTypeEd25519, err
		}
		pk, t, err := parseECPublic(v[0], v[1])
		return pk, t, err
	}
	return nil, "", fmt.Errorf("%w: key type %#x", errObject, priv.keyType)
}

type versionKey struct {
	ref crypto.KeyRef
	v   int
}

// build turns token objects into index entries. A version exists when its
// private (or secret) key exists; versions of another type than the oldest
// one, and objects that do not parse, are skipped with a warning.
func (e *Engine) build(s p11.SessionHandle, objs []object) map[crypto.KeyRef]*entry {
	pubs := map[versionKey]*object{}
	var privs []object
	for i := range objs {
		o := &objs[i]
		switch o.class {
		case p11.CKO_PUBLIC_KEY:
			pubs[versionKey{o.ref, o.meta.Version}] = o
		case p11.CKO_PRIVATE_KEY, p11.CKO_SECRET_KEY:
			privs = append(privs, *o)
		}
	}
	sort.Slice(privs, func(i, j int) bool {
		if privs[i].ref != privs[j].ref {
			return privs[i].ref.String() < privs[j].ref.String()
		}
		return privs[i].meta.Version < privs[j].meta.Version
	})
	out := map[crypto.KeyRef]*entry{}
	for _, p := range privs {
		pub, t, err := e.publicOf(s, p, pubs[versionKey{p.ref, p.meta.Version}])
		if err != nil {
			e.log.Warn("pkcs11: ignoring unusable key version", "key", p.ref.String(), "version", p.meta.Version, "error", err.Error())
			continue
		}
		en := out[p.ref]
		if en == nil {
			en = &entry{typ: t, name: p.meta.Name}
			out[p.ref] = en
		}
		if t != en.typ || (len(en.versions) > 0 && en.current().meta.Version == p.meta.Version) {
			e.log.Warn("pkcs11: ignoring conflicting key version", "key", p.ref.String(), "version", p.meta.Version)
			continue
		}
		m := p.meta
		m.Name = en.name
		v, err := newVersion(p.ref, t, m, pub)
		if err != nil {
			continue
		}
		v.id = p.id // keep the stored CKA_ID, which finds the objects
		en.versions = append(en.versions, v)
	}
	return out
}

// loadAll rebuilds the whole index from the token.
func (e *Engine) loadAll(ctx context.Context) error {
	var idx map[crypto.KeyRef]*entry
	err := e.pool.with(ctx, func(s p11.SessionHandle) error {
		var objs []object
		for _, class := range []uint{p11.CKO_PRIVATE_KEY, p11.CKO_SECRET_KEY, p11.CKO_PUBLIC_KEY} {
			hs, err := findObjects(e.mod, s, []*p11.Attribute{
				p11.NewAttribute(p11.CKA_TOKEN, true), p11.NewAttribute(p11.CKA_CLASS, class)})
			if err != nil {
				return err
			}
			objs = append(objs, e.readObjects(s, hs)...)
		}
		idx = e.build(s, objs)
		return nil
	})
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.keys = idx
	e.mu.Unlock()
	return nil
}

// loadRef reads one key from the token; nil when it has no usable version.
func (e *Engine) loadRef(ctx context.Context, ref crypto.KeyRef) (*entry, error) {
	e.objects.RLock()
	defer e.objects.RUnlock()
	var en *entry
	err := e.pool.with(ctx, func(s p11.SessionHandle) error {
		hs, err := findObjects(e.mod, s, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_TOKEN, true), p11.NewAttribute(p11.CKA_LABEL, keyLabel(ref))})
		if err != nil {
			return err
		}
		en = e.build(s, e.readObjects(s, hs))[ref]
		return nil
	})
	return en, err
}
