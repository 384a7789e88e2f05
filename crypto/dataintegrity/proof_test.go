package dataintegrity

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	wcrypto "github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
)

const credV2 = `{
  "@context": ["https://www.w3.org/ns/credentials/v2"],
  "id": "urn:uuid:0b4b2d0c-1f5e-4e5a-9a55-0e7c8f4f0a11",
  "type": ["VerifiableCredential"],
  "issuer": "did:example:issuer",
  "validFrom": "2025-01-01T00:00:00Z",
  "name": "Test credential",
  "credentialSubject": {"id": "did:example:holder"}
}`

const presV2 = `{
  "@context": ["https://www.w3.org/ns/credentials/v2"],
  "type": ["VerifiablePresentation"],
  "holder": "did:example:holder"
}`

type engineKey struct {
	signer *KeySigner
	res    StaticResolver
}

func newEngineKey(t testing.TB, kt wcrypto.KeyType, vm string, purposes ...string) engineKey {
	t.Helper()
	eng, err := local.New(local.Options{})
	require.NoError(t, err)
	ref := wcrypto.KeyRef{Context: wcrypto.Context{Namespace: "test"}, ID: "k1"}
	_, err = eng.GenerateKey(context.Background(), ref, wcrypto.KeySpec{Type: kt})
	require.NoError(t, err)
	s, err := NewKeySigner(context.Background(), eng, ref, vm)
	require.NoError(t, err)
	return engineKey{s, StaticResolver{vm: {Key: s.Public, Purposes: purposes}}}
}

var now = fixedClock("2025-06-01T12:00:00Z")

func TestRoundTripAllSuitesWithEngine(t *testing.T) {
	for _, c := range []struct {
		suite Suite
		kt    wcrypto.KeyType
	}{
		{EdDSARDFC2022, wcrypto.KeyTypeEd25519},
		{EdDSAJCS2022, wcrypto.KeyTypeEd25519},
		{ECDSARDFC2019, wcrypto.KeyTypeECP256},
		{ECDSARDFC2019, wcrypto.KeyTypeECP384},
		{ECDSAJCS2019, wcrypto.KeyTypeECP256},
		{ECDSAJCS2019, wcrypto.KeyTypeECP384},
		{Ed25519Signature2020, wcrypto.KeyTypeEd25519},
		{JsonWebSignature2020, wcrypto.KeyTypeEd25519},
		{JsonWebSignature2020, wcrypto.KeyTypeECP256},
		{JsonWebSignature2020, wcrypto.KeyTypeECP384},
	} {
		t.Run(string(c.suite)+"/"+string(c.kt), func(t *testing.T) {
			k := newEngineKey(t, c.kt, "did:example:issuer#key-1", PurposeAssertionMethod)
			p, err := New(Config{Resolver: k.res, Now: now})
			require.NoError(t, err)
			out, err := p.Sign(context.Background(), []byte(credV2), k.signer, ProofOptions{Suite: c.suite})
			require.NoError(t, err)
			res, err := p.Verify(context.Background(), out, VerifyOptions{Suites: []Suite{c.suite}})
			require.NoError(t, err)
			require.Equal(t, "did:example:issuer#key-1", res.Proofs[0].VerificationMethod)
			require.Equal(t, now().UTC(), res.Proofs[0].Created)
			// every suite rejects a changed claim
			bad := strings.Replace(string(out), "Test credential", "Test credentiaL", 1)
			_, err = p.Verify(context.Background(), []byte(bad), VerifyOptions{Suites: []Suite{c.suite}})
			require.ErrorIs(t, err, ErrInvalidSignature)
		})
	}
}

func sign(t *testing.T, p *Processor, k engineKey, doc string, o ProofOptions) []byte {
	t.Helper()
	out, err := p.Sign(context.Background(), []byte(doc), k.signer, o)
	require.NoError(t, err)
	return out
}

func mutateProof(t *testing.T, doc []byte, f func(proof map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(doc, &m))
	f(m["proof"].(map[string]any))
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// Security.md "Data Integrity" checks, as named cases.
func TestDataIntegrityBadInputs(t *testing.T) {
	k := newEngineKey(t, wcrypto.KeyTypeEd25519, "did:example:issuer#key-1", PurposeAssertionMethod, PurposeAuthentication)
	p, err := New(Config{Resolver: k.res, Now: now})
	require.NoError(t, err)
	all := []Suite{EdDSARDFC2022}
	vc := sign(t, p, k, credV2, ProofOptions{Suite: EdDSARDFC2022})
	vp := sign(t, p, k, presV2, ProofOptions{Suite: EdDSARDFC2022, Purpose: PurposeAuthentication, Challenge: "n-0S6_WzA2Mj", Domain: "https://verifier.example"})
	authOpts := VerifyOptions{Suites: all, Purpose: PurposeAuthentication, Challenge: "n-0S6_WzA2Mj", Domain: "https://verifier.example"}
	_, err = p.Verify(context.Background(), vp, authOpts)
	require.NoError(t, err)
	_, err = p.Verify(context.Background(), vc, VerifyOptions{Suites: all, Controller: "did:example:issuer"})
	require.NoError(t, err)

	cases := []struct {
		name string
		doc  []byte
		opts VerifyOptions
		want []error
	}{
		{"missing_proof", []byte(credV2), VerifyOptions{Suites: all}, []error{ErrParsing, ErrMissingProof}},
		{"missing_type", mutateProof(t, vc, func(m map[string]any) { delete(m, "type") }), VerifyOptions{Suites: all}, []error{ErrParsing, ErrMissingProof}},
		{"missing_verification_method", mutateProof(t, vc, func(m map[string]any) { delete(m, "verificationMethod") }), VerifyOptions{Suites: all}, []error{ErrParsing, ErrMissingProof}},
		{"missing_purpose", mutateProof(t, vc, func(m map[string]any) { delete(m, "proofPurpose") }), VerifyOptions{Suites: all}, []error{ErrParsing, ErrMissingProof}},
		{"missing_proof_value", mutateProof(t, vc, func(m map[string]any) { delete(m, "proofValue") }), VerifyOptions{Suites: all}, []error{ErrParsing, ErrMissingProof}},
		{"purpose_mismatch", vc, VerifyOptions{Suites: all, Purpose: PurposeAuthentication, Challenge: "x"}, []error{ErrProofVerification, ErrPurposeMismatch}},
		{"purpose_mismatch_assertion", vp, VerifyOptions{Suites: all}, []error{ErrProofVerification, ErrPurposeMismatch}},
		{"authentication_without_expected_challenge", vp, VerifyOptions{Suites: all, Purpose: PurposeAuthentication}, []error{ErrInvalidChallenge}},
		{"challenge_mismatch", vp, VerifyOptions{Suites: all, Purpose: PurposeAuthentication, Challenge: "other", Domain: "https://verifier.example"}, []error{ErrInvalidChallenge}},
		{"domain_mismatch", vp, VerifyOptions{Suites: all, Purpose: PurposeAuthentication, Challenge: "n-0S6_WzA2Mj", Domain: "https://evil.example"}, []error{ErrInvalidDomain}},
		{"challenge_changed_in_proof", mutateProof(t, vp, func(m map[string]any) { m["challenge"] = "other" }), VerifyOptions{Suites: all, Purpose: PurposeAuthentication, Challenge: "other"}, []error{ErrProofVerification, ErrInvalidSignature}},
		{"expired", sign(t, p, k, credV2, ProofOptions{Suite: EdDSARDFC2022, Expires: now().Add(-time.Hour)}), VerifyOptions{Suites: all}, []error{ErrProofVerification, ErrExpired}},
		{"created_in_future", sign(t, p, k, credV2, ProofOptions{Suite: EdDSARDFC2022, Created: now().Add(time.Hour)}), VerifyOptions{Suites: all}, []error{ErrProofVerification, ErrCreated}},
		{"bad_created", mutateProof(t, vc, func(m map[string]any) { m["created"] = "yesterday" }), VerifyOptions{Suites: all}, []error{ErrParsing, ErrCreated}},
		{"wrong_cryptosuite", mutateProof(t, vc, func(m map[string]any) { m["cryptosuite"] = "ecdsa-rdfc-2019" }), VerifyOptions{Suites: all}, []error{ErrProofVerification, ErrUnsupportedSuite}},
		{"unknown_cryptosuite", mutateProof(t, vc, func(m map[string]any) { m["cryptosuite"] = "bbs-2023" }), VerifyOptions{Suites: all}, []error{ErrProofVerification, ErrUnsupportedSuite}},
		{"suite_not_allowed", vc, VerifyOptions{Suites: []Suite{ECDSARDFC2019}}, []error{ErrProofVerification, ErrUnsupportedSuite}},
		{"empty_allow_list", vc, VerifyOptions{}, []error{ErrProofVerification, ErrUnsupportedSuite}},
		{"vm_not_authorized", vc, VerifyOptions{Suites: all}, nil}, // replaced below
		{"proof_value_not_multibase", mutateProof(t, vc, func(m map[string]any) { m["proofValue"] = "uAAAA" }), VerifyOptions{Suites: all}, []error{ErrParsing}},
		{"proof_context_not_prefix", mutateProof(t, vc, func(m map[string]any) { m["@context"] = []any{"https://www.w3.org/2018/credentials/v1"} }), VerifyOptions{Suites: all}, []error{ErrProofVerification, ErrContextMismatch}},
		{"previous_proof", mutateProof(t, vc, func(m map[string]any) { m["previousProof"] = "urn:x" }), VerifyOptions{Suites: all}, []error{ErrProofVerification, ErrUnsupportedSuite}},
		{"not_json", []byte(`{"@context":`), VerifyOptions{Suites: all}, []error{ErrParsing}},
		{"vm_of_other_controller", vc, VerifyOptions{Suites: all, Controller: "did:example:someone-else"}, []error{ErrProofVerification, ErrNotAuthorized}},
		{"duplicate_member", []byte(`{"@context":"https://www.w3.org/ns/credentials/v2","@context":"x"}`), VerifyOptions{Suites: all}, []error{ErrParsing}},
		{"deeply_nested", []byte(`{"@context":"https://www.w3.org/ns/credentials/v2","a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`), VerifyOptions{Suites: all}, []error{ErrParsing}},
	}
	// a key authorised only for authentication cannot make assertions
	kAuth := newEngineKey(t, wcrypto.KeyTypeEd25519, "did:example:issuer#key-2", PurposeAuthentication)
	pAuth, err := New(Config{Resolver: kAuth.res, Now: now})
	require.NoError(t, err)
	for i := range cases {
		if cases[i].name == "vm_not_authorized" {
			cases[i].doc = sign(t, pAuth, kAuth, credV2, ProofOptions{Suite: EdDSARDFC2022})
			cases[i].want = []error{ErrProofVerification, ErrNotAuthorized}
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pp := p
			if c.name == "vm_not_authorized" {
				pp = pAuth
			}
			_, err := pp.Verify(context.Background(), c.doc, c.opts)
			require.Error(t, err)
			for _, w := range c.want {
				require.ErrorIs(t, err, w)
			}
		})
	}
}

func TestMultikeyHeader(t *testing.T) {
	// security.md: Multikey header ≠ 0xed01 for an Ed25519 key
	for name, s := range map[string]string{
		"x25519_header":    multibaseEncode(append([]byte{0xec, 0x01}, make([]byte, 32)...)),
		"secp256k1":        multibaseEncode(append([]byte{0xe7, 0x01}, make([]byte, 33)...)),
		"truncated":        multibaseEncode([]byte{0xed}),
		"not_base58btc":    "u7QE",
		"bad_base58":       "z0OIl",
		"short_ed25519":    multibaseEncode(append([]byte{0xed, 0x01}, make([]byte, 31)...)),
		"p256_x_not_field": multibaseEncode(append([]byte{0x80, 0x24, 0x02}, bytes.Repeat([]byte{0xff}, 32)...)),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeMultikey(s)
			require.Error(t, err)
		})
	}
	_, err := DecodeMultikey(multibaseEncode(append([]byte{0xec, 0x01}, make([]byte, 32)...)))
	require.ErrorIs(t, err, ErrMultikeyHeader)
}

func TestKeyMustFitSuite(t *testing.T) {
	k := newEngineKey(t, wcrypto.KeyTypeECP256, "did:example:issuer#key-1", PurposeAssertionMethod)
	p, err := New(Config{Resolver: k.res, Now: now})
	require.NoError(t, err)
	_, err = p.Sign(context.Background(), []byte(credV2), k.signer, ProofOptions{Suite: EdDSARDFC2022})
	require.ErrorIs(t, err, ErrInvalidKey)
	// an eddsa proof whose verification method resolves to a P-256 key
	ed := newEngineKey(t, wcrypto.KeyTypeEd25519, "did:example:issuer#key-1", PurposeAssertionMethod)
	pe, err := New(Config{Resolver: ed.res, Now: now})
	require.NoError(t, err)
	doc := sign(t, pe, ed, credV2, ProofOptions{Suite: EdDSARDFC2022})
	_, err = p.Verify(context.Background(), doc, VerifyOptions{Suites: []Suite{EdDSARDFC2022}})
	require.ErrorIs(t, err, ErrInvalidKey)
}

func TestProofSet(t *testing.T) {
	a := newEngineKey(t, wcrypto.KeyTypeEd25519, "did:example:a#k", PurposeAssertionMethod)
	b := newEngineKey(t, wcrypto.KeyTypeECP256, "did:example:b#k", PurposeAssertionMethod)
	res := StaticResolver{}
	for k, v := range a.res {
		res[k] = v
	}
	for k, v := range b.res {
		res[k] = v
	}
	p, err := New(Config{Resolver: res, Now: now})
	require.NoError(t, err)
	one := sign(t, p, a, credV2, ProofOptions{Suite: EdDSARDFC2022})
	two, err := p.Sign(context.Background(), one, b.signer, ProofOptions{Suite: ECDSARDFC2019})
	require.NoError(t, err)
	r, err := p.Verify(context.Background(), two, VerifyOptions{Suites: []Suite{EdDSARDFC2022, ECDSARDFC2019}})
	require.NoError(t, err)
	require.Len(t, r.Proofs, 2)
	// only one suite allowed: the set fails
	_, err = p.Verify(context.Background(), two, VerifyOptions{Suites: []Suite{EdDSARDFC2022}})
	require.ErrorIs(t, err, ErrUnsupportedSuite)
}

func TestSignRejectsUndefinedTerms(t *testing.T) {
	k := newEngineKey(t, wcrypto.KeyTypeEd25519, "did:example:issuer#key-1", PurposeAssertionMethod)
	p, err := New(Config{Resolver: k.res, Now: now})
	require.NoError(t, err)
	doc := strings.Replace(credV2, `"name": "Test credential",`, `"name": "Test credential", "degree": "BSc",`, 1)
	_, err = p.Sign(context.Background(), []byte(doc), k.signer, ProofOptions{Suite: EdDSARDFC2022})
	require.ErrorIs(t, err, ErrUndefinedTerm)
}

// security.md: "JCS context prefix" — an eddsa-jcs-2022 proof whose
// @context is not a prefix of the document's is rejected, and changing the
// document's @context after signing breaks the signature.
func TestJCSContextPrefix(t *testing.T) {
	k := newEngineKey(t, wcrypto.KeyTypeEd25519, "did:example:issuer#key-1", PurposeAssertionMethod)
	p, err := New(Config{Resolver: k.res, Now: now})
	require.NoError(t, err)
	doc := sign(t, p, k, credV2, ProofOptions{Suite: EdDSAJCS2022})
	all := VerifyOptions{Suites: []Suite{EdDSAJCS2022}}
	_, err = p.Verify(context.Background(), doc, all)
	require.NoError(t, err)
	t.Run("jcs_proof_context_not_prefix", func(t *testing.T) {
		bad := mutateProof(t, doc, func(m map[string]any) { m["@context"] = []any{"https://www.w3.org/2018/credentials/v1"} })
		_, err := p.Verify(context.Background(), bad, all)
		require.ErrorIs(t, err, ErrContextMismatch)
	})
	t.Run("jcs_document_context_extended", func(t *testing.T) {
		var m map[string]any
		require.NoError(t, json.Unmarshal(doc, &m))
		m["@context"] = append(m["@context"].([]any), "https://w3id.org/security/data-integrity/v2")
		b, _ := json.Marshal(m)
		// the proof context is still a prefix; as VC-DI-EdDSA §3.3.2 says
		// the document is verified with the proof's @context, and the
		// verified document returned carries only the signed contexts.
		res, err := p.Verify(context.Background(), b, all)
		require.NoError(t, err)
		require.Equal(t, []any{"https://www.w3.org/ns/credentials/v2"}, res.Document["@context"])
	})
}

// TestPresentationWithEmbeddedCredential: an ldp_vp whose
// verifiableCredential carries its own proof; the presentation proof covers
// the embedded credential (as a named graph), and the credential verifies on
// its own.
func TestPresentationWithEmbeddedCredential(t *testing.T) {
	issuer := newEngineKey(t, wcrypto.KeyTypeEd25519, "did:example:issuer#key-1", PurposeAssertionMethod)
	holder := newEngineKey(t, wcrypto.KeyTypeECP256, "did:example:holder#key-1", PurposeAuthentication)
	res := StaticResolver{}
	for k, v := range issuer.res {
		res[k] = v
	}
	for k, v := range holder.res {
		res[k] = v
	}
	p, err := New(Config{Resolver: res, Now: now})
	require.NoError(t, err)
	vc := sign(t, p, issuer, credV2, ProofOptions{Suite: EdDSARDFC2022})
	var vcm, vpm map[string]any
	require.NoError(t, json.Unmarshal(vc, &vcm))
	require.NoError(t, json.Unmarshal([]byte(presV2), &vpm))
	vpm["verifiableCredential"] = []any{vcm}
	vpIn, _ := json.Marshal(vpm)
	vp, err := p.Sign(context.Background(), vpIn, holder.signer, ProofOptions{Suite: ECDSARDFC2019, Purpose: PurposeAuthentication, Challenge: "nonce-123", Domain: "https://verifier.example"})
	require.NoError(t, err)
	vo := VerifyOptions{Suites: []Suite{ECDSARDFC2019}, Purpose: PurposeAuthentication, Challenge: "nonce-123", Domain: "https://verifier.example", Controller: "did:example:holder"}
	r, err := p.Verify(context.Background(), vp, vo)
	require.NoError(t, err)
	embedded := r.Document["verifiableCredential"].([]any)[0]
	eb, _ := json.Marshal(embedded)
	_, err = p.Verify(context.Background(), eb, VerifyOptions{Suites: []Suite{EdDSARDFC2022}, Controller: "did:example:issuer"})
	require.NoError(t, err)
	// tampering with the embedded credential breaks both proofs
	bad := strings.Replace(string(vp), "Test credential", "Test credentiaL", 1)
	_, err = p.Verify(context.Background(), []byte(bad), vo)
	require.ErrorIs(t, err, ErrInvalidSignature)
}

const credV1 = `{
  "@context": ["https://www.w3.org/2018/credentials/v1"],
  "id": "urn:uuid:7d4c1e8e-4a4b-4f0e-9f1c-1f0a2b3c4d5e",
  "type": ["VerifiableCredential"],
  "issuer": "did:example:issuer",
  "issuanceDate": "2025-01-01T00:00:00Z",
  "credentialSubject": {"id": "did:example:holder"}
}`

// TestVCDM11Credentials signs VCDM 1.1 credentials with every suite; the
// suite's context (ed25519-2020, jws-2020 or data-integrity v2) is added.
func TestVCDM11Credentials(t *testing.T) {
	for _, suite := range []Suite{Ed25519Signature2020, JsonWebSignature2020, EdDSARDFC2022} {
		t.Run(string(suite), func(t *testing.T) {
			k := newEngineKey(t, wcrypto.KeyTypeEd25519, "did:example:issuer#key-1", PurposeAssertionMethod)
			p, err := New(Config{Resolver: k.res, Now: now})
			require.NoError(t, err)
			out := sign(t, p, k, credV1, ProofOptions{Suite: suite})
			var m map[string]any
			require.NoError(t, json.Unmarshal(out, &m))
			require.Len(t, m["@context"], 2)
			_, err = p.Verify(context.Background(), out, VerifyOptions{Suites: []Suite{suite}})
			require.NoError(t, err)
		})
	}
}

func TestJsonWebSignature2020BadJWS(t *testing.T) {
	k := newEngineKey(t, wcrypto.KeyTypeEd25519, "did:example:issuer#key-1", PurposeAssertionMethod)
	p, err := New(Config{Resolver: k.res, Now: now})
	require.NoError(t, err)
	doc := sign(t, p, k, credV2, ProofOptions{Suite: JsonWebSignature2020})
	var m map[string]any
	require.NoError(t, json.Unmarshal(doc, &m))
	jws := m["proof"].(map[string]any)["jws"].(string)
	parts := strings.Split(jws, ".")
	_, err = p.Verify(context.Background(), doc, VerifyOptions{Suites: []Suite{JsonWebSignature2020}})
	require.NoError(t, err, "the unmodified proof verifies")
	hdr := func(h string) string { return base64.RawURLEncoding.EncodeToString([]byte(h)) }
	for name, bad := range map[string]string{
		"alg_not_fitting_key":   hdr(`{"alg":"ES256","b64":false,"crit":["b64"]}`) + ".." + parts[2],
		"alg_none":              hdr(`{"alg":"none","b64":false,"crit":["b64"]}`) + ".." + parts[2],
		"b64_true":              hdr(`{"alg":"EdDSA","b64":true,"crit":["b64"]}`) + ".." + parts[2],
		"crit_missing":          hdr(`{"alg":"EdDSA","b64":false}`) + ".." + parts[2],
		"attached_payload":      parts[0] + ".cGF5bG9hZA." + parts[2],
		"not_three_parts":       parts[0] + "." + parts[2],
		"signature_not_b64":     parts[0] + "..***",
		"other_header_same_alg": hdr(`{"alg":"EdDSA","b64":false,"crit":["b64"],"kid":"x"}`) + ".." + parts[2],
		// encoding/base64 skips CR and LF even in Strict mode.
		"line_break_in_signature": parts[0] + ".." + parts[2][:10] + "\n" + parts[2][10:],
		"line_break_in_header":    parts[0][:10] + "\r\n" + parts[0][10:] + ".." + parts[2],
	} {
		t.Run(name, func(t *testing.T) {
			d := mutateProof(t, doc, func(pm map[string]any) { pm["jws"] = bad })
			_, err := p.Verify(context.Background(), d, VerifyOptions{Suites: []Suite{JsonWebSignature2020}})
			require.Error(t, err)
			require.True(t, errors.Is(err, ErrParsing) || errors.Is(err, ErrProofVerification), err)
		})
	}
}
