package pkcs11_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	p11 "github.com/miekg/pkcs11"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/testkeys"
)

// importEd25519 creates an Ed25519 key pair on the token the way another
// application would (C_CreateObject with a wstack label and CKA_ID), with
// point as CKA_EC_POINT and seed as the private value.
func importEd25519(t *testing.T, tok testToken, ref crypto.KeyRef, seed []byte, point []byte) {
	t.Helper()
	mod := p11.New(tok.module)
	if mod == nil {
		t.Fatal("cannot load module")
	}
	defer mod.Destroy() // the engine owns initialisation; no C_Finalize here
	if err := mod.Initialize(); err != nil && !errors.Is(err, p11.Error(p11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
		t.Fatal(err)
	}
	slots, err := mod.GetSlotList(true)
	if err != nil {
		t.Fatal(err)
	}
	slot, found := uint(0), false
	for _, s := range slots {
		if ti, err := mod.GetTokenInfo(s); err == nil && ti.Label == tok.label {
			slot, found = s, true
		}
	}
	if !found {
		t.Fatal("token not found")
	}
	s, err := mod.OpenSession(slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	defer mod.CloseSession(s)
	if err := mod.Login(s, p11.CKU_USER, tok.pin); err != nil && !errors.Is(err, p11.Error(p11.CKR_USER_ALREADY_LOGGED_IN)) {
		t.Fatal(err)
	}
	const ckkECEdwards = 0x40
	oid, _ := asn1.Marshal(asn1.ObjectIdentifier{1, 3, 101, 112})
	ecPoint, _ := asn1.Marshal(point)
	label := []byte("wstack/" + ref.Namespace + "/" + ref.Group + "/" + ref.ID)
	id := binary.BigEndian.AppendUint32([]byte("wsk\x01"), 1)
	id = binary.BigEndian.AppendUint64(id, uint64(time.Now().UnixNano()))
	id = binary.BigEndian.AppendUint16(id, 0)
	common := func(class uint) []*p11.Attribute {
		return []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, class), p11.NewAttribute(p11.CKA_KEY_TYPE, ckkECEdwards),
			p11.NewAttribute(p11.CKA_TOKEN, true), p11.NewAttribute(p11.CKA_EC_PARAMS, oid),
			p11.NewAttribute(p11.CKA_LABEL, label), p11.NewAttribute(p11.CKA_ID, id),
		}
	}
	if _, err := mod.CreateObject(s, append(common(p11.CKO_PUBLIC_KEY),
		p11.NewAttribute(p11.CKA_VERIFY, true), p11.NewAttribute(p11.CKA_EC_POINT, ecPoint))); err != nil {
		t.Fatalf("C_CreateObject public: %v", err)
	}
	if _, err := mod.CreateObject(s, append(common(p11.CKO_PRIVATE_KEY),
		p11.NewAttribute(p11.CKA_PRIVATE, true), p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_SIGN, true), p11.NewAttribute(p11.CKA_VALUE, seed))); err != nil {
		t.Fatalf("C_CreateObject private: %v", err)
	}
}

// Issue #10 item 3, PKCS#11 import: an Ed25519 key put on the token by
// another application whose public point is of small order (or
// non-canonical) is not usable: GetKey reports ErrKeyNotFound. A correctly
// imported key (the control) is found and signs verifiably. Before the fix
// the small-order keys were found and their public part was the weak point.
func TestImportedSmallOrderEd25519Ignored(t *testing.T) {
	tok := newToken(t)
	e := openEngine(t, tok)
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		t.Fatal(err)
	}
	good := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	control := kref("ns", "import", "control")
	importEd25519(t, tok, control, seed, good)
	k, err := e.GetKey(bg, control)
	if err != nil || !good.Equal(k.Public) {
		t.Fatalf("control key: %v, %v", k, err)
	}
	sig, err := e.Sign(bg, control, crypto.EdDSA, []byte("m"))
	if err != nil || crypto.VerifySignature(good, crypto.EdDSA, []byte("m"), sig) != nil {
		t.Fatalf("control key does not sign: %v", err)
	}
	for _, w := range testkeys.SmallOrderEd25519 {
		t.Run(w.Name, func(t *testing.T) {
			ref := kref("ns", "import", w.Name)
			importEd25519(t, tok, ref, seed, w.Key)
			if k, err := e.GetKey(bg, ref); !errors.Is(err, crypto.ErrKeyNotFound) {
				t.Fatalf("GetKey = %v, %v; want ErrKeyNotFound", k, err)
			}
		})
	}
}
