package sdjwt

import (
	"bytes"
	"context"
	gocrypto "crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unsafe"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/b64url"
	"github.com/ocmw/wstack/vocab"
)

// KeyBindingPolicy is the verifier's decision whether key binding is
// required (RFC 9901 §7.3 step 1). It is fixed in the Config before any
// presentation is seen; the presence of a KB-JWT never changes it.
type KeyBindingPolicy int

const (
	// KeyBindingRequired (the zero value) rejects presentations without a
	// valid KB-JWT.
	KeyBindingRequired KeyBindingPolicy = iota
	// KeyBindingOptional accepts an SD-JWT without KB-JWT. A KB-JWT that is
	// present is still verified in full (signature by the cnf key, typ, iat
	// window, sd_hash, and nonce/aud whenever Expect names them).
	KeyBindingOptional
)

// HolderKeyResolver finds the holder's public key from a cnf claim that has
// no jwk member (cnf.kid, cnf.jku, …). It is called only for such cnf values.
type HolderKeyResolver interface {
	ResolveHolderKey(ctx context.Context, cnf map[string]any) (gocrypto.PublicKey, error)
}

// Config configures a Verifier. Algorithms and Typ are required; so is one
// of Key and KeyResolver.
type Config struct {
	// Algorithms is the allow-list for the issuer-signed JWT.
	Algorithms []crypto.Algorithm
	// Typ lists the accepted typ values of the issuer-signed JWT (e.g.
	// "dc+sd-jwt"); compared as media types (case-insensitive, optional
	// "application/" prefix).
	Typ []string
	// Key is a fixed issuer key; otherwise KeyResolver decides from the
	// issuer JWT (iss, kid, x5c) which key must have signed it.
	Key         gocrypto.PublicKey
	KeyResolver jose.KeyResolver
	// KeyBinding is the key binding policy (default KeyBindingRequired).
	KeyBinding KeyBindingPolicy
	// KBAlgorithms is the allow-list for KB-JWTs. The default,
	// DefaultKBAlgorithms (ES256, ES384, EdDSA), is independent of
	// Algorithms: the holder's key is the wallet's choice, not the issuer's,
	// so an ES256 issuer policy must not reject EdDSA holders.
	KBAlgorithms []crypto.Algorithm
	// KBMaxAge bounds the age of a KB-JWT iat (default 5 minutes).
	KBMaxAge time.Duration
	// Leeway is the clock skew allowed for exp, nbf and iat (default 60 s;
	// a negative value means none).
	Leeway time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RequireExp rejects SD-JWTs without exp (RFC 9901 §9.7: a required
	// validity claim that is absent, e.g. made disclosable and withheld).
	RequireExp bool
	// HolderKeyResolver resolves cnf values without jwk.
	HolderKeyResolver HolderKeyResolver
	// Limits bound the input (defaults: 1 MiB, 256 disclosures, depth 32,
	// 4096 digests).
	Limits Limits
	// Logger receives debug records of rejections (never tokens, disclosures
	// or keys); nil discards.
	Logger *slog.Logger
}

// DefaultKBAlgorithms returns the KB-JWT algorithms a Verifier accepts when
// Config.KBAlgorithms is empty: ES256 (HAIP's mandatory one), ES384 and
// EdDSA (Ed25519).
func DefaultKBAlgorithms() []crypto.Algorithm {
	return []crypto.Algorithm{crypto.ES256, crypto.ES384, crypto.EdDSA}
}

// Expect carries the per-transaction values a KB-JWT must match.
type Expect struct {
	// Nonce and Audience must equal the KB-JWT's nonce and aud (a string).
	// Both are required when key binding is required.
	Nonce    string
	Audience string
	// TransactionDataHashes, when set, must equal the KB-JWT's
	// transaction_data_hashes (OpenID4VP 1.0 §8.4), in order.
	TransactionDataHashes []string
}

// Result is a verified presentation.
type Result struct {
	// Claims is the processed SD-JWT payload.
	Claims map[string]any
	// Disclosed lists the claim path of every disclosure presented, in
	// presentation order.
	Disclosed []vocab.ClaimPath
	// Header is the issuer-signed JWT's protected header.
	Header jose.Header
	// HashAlg is the _sd_alg.
	HashAlg HashAlg
	// SDJWT is the parsed presentation.
	SDJWT *SDJWT
	// KeyBinding holds the verified KB-JWT claims; nil without KB-JWT.
	KeyBinding map[string]any
	// HolderKey is the cnf key that verified the KB-JWT, if any.
	HolderKey gocrypto.PublicKey
	// IssuerKey is the key that verified the issuer signature.
	IssuerKey gocrypto.PublicKey
}

// Verifier verifies SD-JWT presentations (RFC 9901 §7.1, §7.3). It is safe
// for concurrent use.
type Verifier struct {
	cfg Config
	log *slog.Logger
	// generalHash turns off the shared hashing of issuer signature and
	// sd_hash (verifyIssuerSignature); set only by tests, which compare
	// the two paths.
	generalHash bool
}

// NewVerifier checks the configuration and returns a Verifier.
func NewVerifier(cfg Config) (*Verifier, error) {
	if len(cfg.Algorithms) == 0 {
		return nil, fmt.Errorf("%w: empty algorithm allow-list", ErrOptions)
	}
	for _, a := range cfg.Algorithms {
		if !a.IsAsymmetricSignature() {
			return nil, fmt.Errorf("%w: %q is not an asymmetric signature algorithm", ErrOptions, a)
		}
	}
	if len(cfg.Typ) == 0 {
		return nil, fmt.Errorf("%w: expected typ not set", ErrOptions)
	}
	for _, t := range cfg.Typ {
		if jose.NormalizeTyp(t) == "kb+jwt" {
			return nil, fmt.Errorf("%w: kb+jwt cannot type an issuer-signed JWT", ErrOptions)
		}
	}
	if cfg.Key == nil && cfg.KeyResolver == nil {
		return nil, fmt.Errorf("%w: no issuer key or key resolver", ErrOptions)
	}
	if cfg.KeyBinding != KeyBindingRequired && cfg.KeyBinding != KeyBindingOptional {
		return nil, fmt.Errorf("%w: unknown key binding policy", ErrOptions)
	}
	if len(cfg.KBAlgorithms) == 0 {
		cfg.KBAlgorithms = DefaultKBAlgorithms()
	}
	if cfg.KBMaxAge <= 0 {
		cfg.KBMaxAge = 5 * time.Minute
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 60 * time.Second
	} else if cfg.Leeway < 0 {
		cfg.Leeway = 0
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Limits = cfg.Limits.norm()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Verifier{cfg: cfg, log: log}, nil
}

// Verify verifies a presentation (compact, or JWS JSON) under the policy:
// the issuer signature, every disclosure, the validity window and — when
// present or required — the KB-JWT.
func (v *Verifier) Verify(ctx context.Context, pres string, e Expect) (*Result, error) {
	if v.cfg.KeyBinding == KeyBindingRequired && (e.Nonce == "" || e.Audience == "") {
		return nil, fmt.Errorf("%w: key binding required but no expected nonce and audience", ErrOptions)
	}
	res, sdh, err := v.verifySDJWT(ctx, pres)
	if err != nil {
		v.log.DebugContext(ctx, "sdjwt: presentation rejected", "reason", reason(err))
		return nil, err
	}
	sd := res.SDJWT
	if sd.KBJWT == "" {
		if v.cfg.KeyBinding == KeyBindingRequired {
			return nil, ErrKeyBindingRequired
		}
		return res, nil
	}
	if err := v.verifyKB(ctx, res, &sdh, e); err != nil {
		v.log.DebugContext(ctx, "sdjwt: key binding rejected", "reason", reason(err))
		return nil, err
	}
	return res, nil
}

// VerifyIssued is the holder's check of an SD-JWT received from the issuer
// (RFC 9901 §7.2): §7.1 in full, and an SD-JWT+KB is rejected. The key
// binding policy does not apply.
func (v *Verifier) VerifyIssued(ctx context.Context, sdjwt string) (*Result, error) {
	res, _, err := v.verifySDJWT(ctx, sdjwt)
	if err != nil {
		return nil, err
	}
	if res.SDJWT.KBJWT != "" {
		return nil, ErrUnexpectedKeyBinding
	}
	return res, nil
}

// sdHashInput is what a KB-JWT's sd_hash must cover: the exact SD-JWT
// string and, when verifySDJWT could compute it along with the issuer
// signature's digest (both SHA-256, the signing input a prefix of the
// string), its SHA-256 digest.
type sdHashInput struct {
	s         string
	digest    [sha256.Size]byte
	hasDigest bool
}

// matches reports whether sdHash is the digest of the SD-JWT string under
// alg.
func (in *sdHashInput) matches(alg HashAlg, sdHash string) bool {
	if in.hasDigest && alg == SHA256 {
		var enc [43]byte
		return string(b64url.AppendEncode(enc[:0], in.digest[:])) == sdHash
	}
	return alg.digestIs(in.s, sdHash)
}

// verifySDJWT runs RFC 9901 §7.1 and returns what sd_hash must cover.
func (v *Verifier) verifySDJWT(ctx context.Context, pres string) (*Result, sdHashInput, error) {
	var sdh sdHashInput
	lim := v.cfg.Limits
	sd, err := Parse(pres, lim)
	if err != nil {
		return nil, sdh, err
	}
	if strings.HasPrefix(strings.TrimLeft(pres, " \t\r\n"), "{") {
		sdh.s = sd.SDJWTString() // JWS JSON: the compact form rebuilt (§8.1)
	} else {
		sdh.s = pres[:strings.LastIndexByte(pres, '~')+1] // the exact presented bytes
	}
	po := jose.ParseOptions{Algorithms: v.cfg.Algorithms, Typ: v.cfg.Typ, MaxSize: lim.MaxSize, MaxDepth: lim.MaxDepth}
	// The payload is checked (same rules, limits and errors as jose.Parse
	// would apply) and decoded in one pass before the signature check; its
	// shape is judged only after the signature verified.
	j, err := jose.Parse(sd.JWT, jose.ParseOptions{Algorithms: po.Algorithms, Typ: po.Typ, MaxSize: po.MaxSize, MaxDepth: po.MaxDepth, PayloadNotJSON: true})
	if err != nil {
		return nil, sdh, fmt.Errorf("%w: %w", ErrIssuerSignature, err)
	}
	// The decoded strings share memory with the buffer they were decoded
	// from: that must be one nobody else holds. j.Payload qualifies while j
	// stays here; a KeyResolver sees j, so then the decoder gets a copy.
	pb := j.Payload
	if v.cfg.Key == nil {
		pb = bytes.Clone(pb)
	}
	decoded, err := jose.DecodePayload(pb, po, true)
	if err != nil {
		return nil, sdh, fmt.Errorf("%w: %w", ErrIssuerSignature, err)
	}
	key := v.cfg.Key
	if key == nil {
		if key, err = v.cfg.KeyResolver.ResolveKey(ctx, j); err != nil {
			return nil, sdh, fmt.Errorf("%w: %w: %w", ErrIssuerSignature, jose.ErrNoKey, err)
		}
		if key == nil {
			return nil, sdh, fmt.Errorf("%w: %w", ErrIssuerSignature, jose.ErrNoKey)
		}
	}
	if err := v.verifyIssuerSignature(j, key, decoded, sd.KBJWT != "", &sdh); err != nil {
		return nil, sdh, fmt.Errorf("%w: %w", ErrIssuerSignature, err)
	}
	payload, ok := decoded.(map[string]any)
	if !ok {
		return nil, sdh, fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	}
	// The result and the processing share one allocation.
	a := new(struct {
		res Result
		pr  Processed
	})
	pr := &a.pr
	if err := processPayload(payload, sd.Disclosures, lim, true, pr); err != nil {
		return nil, sdh, err
	}
	if err := jose.ValidateTimes(pr.Claims, jose.TimeOptions{Now: v.cfg.Now(), Leeway: v.cfg.Leeway, RequireExp: v.cfg.RequireExp}); err != nil {
		return nil, sdh, fmt.Errorf("%w: %w", ErrValidity, err)
	}
	a.res = Result{
		Claims:    pr.Claims,
		Disclosed: pr.Paths,
		Header:    j.Header,
		HashAlg:   pr.HashAlg,
		SDJWT:     sd,
		IssuerKey: key,
	}
	return &a.res, sdh, nil
}

// verifyIssuerSignature verifies the issuer signature. When a KB-JWT's
// sd_hash will be checked and both it and the signature use SHA-256, the
// signing input (a prefix of the SD-JWT string) is hashed once for both:
// the hash state after it gives the signature's digest, and continued over
// the rest of the string, sd_hash's (kept in sdh).
func (v *Verifier) verifyIssuerSignature(j *jose.JWS, key gocrypto.PublicKey, payload any, kb bool, sdh *sdHashInput) error {
	alg := j.Header.Alg
	if !kb || v.generalHash || alg == crypto.EdDSA || alg.Hash() != gocrypto.SHA256 || !strings.HasPrefix(sdh.s, j.SigningInput) {
		return j.VerifySignature(key)
	}
	if m, ok := payload.(map[string]any); !ok {
		return j.VerifySignature(key)
	} else if a, present := m["_sd_alg"]; present && a != any(string(SHA256)) {
		return j.VerifySignature(key)
	}
	h := sha256.New()
	// The hash only reads the string's bytes.
	h.Write(unsafe.Slice(unsafe.StringData(sdh.s), len(j.SigningInput)))
	var d [sha256.Size]byte
	if err := j.VerifySignatureDigest(key, h.Sum(d[:0])); err != nil {
		return err
	}
	rest := sdh.s[len(j.SigningInput):]
	h.Write(unsafe.Slice(unsafe.StringData(rest), len(rest)))
	h.Sum(sdh.digest[:0])
	sdh.hasDigest = true
	return nil
}

func kbErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrKeyBinding}, a...)...)
}

// verifyKB runs RFC 9901 §7.3 step 5.
func (v *Verifier) verifyKB(ctx context.Context, res *Result, sdh *sdHashInput, e Expect) error {
	po := jose.ParseOptions{Algorithms: v.cfg.KBAlgorithms, Typ: []string{"kb+jwt"}, MaxSize: v.cfg.Limits.MaxSize, MaxDepth: v.cfg.Limits.MaxDepth}
	j, err := jose.Parse(res.SDJWT.KBJWT, jose.ParseOptions{Algorithms: po.Algorithms, Typ: po.Typ, MaxSize: po.MaxSize, MaxDepth: po.MaxDepth, PayloadNotJSON: true})
	if err != nil {
		return kbErr("%w", err)
	}
	// j stays here: its payload buffer is private (see verifySDJWT).
	decoded, err := jose.DecodePayload(j.Payload, po, true)
	if err != nil {
		return kbErr("%w", err)
	}
	hk, err := v.holderKey(ctx, res.Claims)
	if err != nil {
		return err
	}
	if err := j.VerifySignature(hk); err != nil {
		return kbErr("%w", err)
	}
	claims, ok := decoded.(map[string]any)
	if !ok {
		return kbErr("%w: payload is not a JSON object", ErrMalformed)
	}
	if err := jose.ValidateTimes(claims, jose.TimeOptions{Now: v.cfg.Now(), Leeway: v.cfg.Leeway, RequireIat: true, MaxAge: v.cfg.KBMaxAge}); err != nil {
		return kbErr("%w", err)
	}
	nonce, ok := claims["nonce"].(string)
	if !ok || nonce == "" {
		return kbErr("nonce missing or not a string")
	}
	if e.Nonce != "" && nonce != e.Nonce {
		return kbErr("%w", ErrKBNonce)
	}
	aud, ok := claims["aud"].(string)
	if !ok || aud == "" {
		return kbErr("aud missing or not a single string")
	}
	if e.Audience != "" && aud != e.Audience {
		return kbErr("%w", ErrKBAudience)
	}
	sdHash, ok := claims["sd_hash"].(string)
	if !ok {
		return kbErr("sd_hash missing")
	}
	if !sdh.matches(res.HashAlg, sdHash) {
		return kbErr("sd_hash mismatch")
	}
	if e.TransactionDataHashes != nil {
		got, ok := claims["transaction_data_hashes"].([]any)
		if !ok || len(got) != len(e.TransactionDataHashes) {
			return kbErr("transaction_data_hashes mismatch")
		}
		for i, h := range e.TransactionDataHashes {
			if s, ok := got[i].(string); !ok || s != h {
				return kbErr("transaction_data_hashes mismatch")
			}
		}
	}
	res.KeyBinding = claims
	res.HolderKey = hk
	return nil
}

// holderKey determines the holder's public key from cnf (RFC 9901 §4.1.2,
// §7.3 step 5.1) — never from the KB-JWT header.
func (v *Verifier) holderKey(ctx context.Context, claims map[string]any) (gocrypto.PublicKey, error) {
	cnf, ok := claims["cnf"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %w", ErrKeyBinding, ErrNoHolderKey)
	}
	if jwk, ok := cnf["jwk"]; ok {
		m, ok := jwk.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: %w: cnf.jwk is not an object", ErrKeyBinding, ErrNoHolderKey)
		}
		k, err := crypto.PublicKeyFromJWK(m)
		if err != nil {
			return nil, fmt.Errorf("%w: %w: %w", ErrKeyBinding, ErrNoHolderKey, err)
		}
		return k, nil
	}
	if v.cfg.HolderKeyResolver == nil {
		return nil, fmt.Errorf("%w: %w: cnf without jwk and no HolderKeyResolver", ErrKeyBinding, ErrNoHolderKey)
	}
	k, err := v.cfg.HolderKeyResolver.ResolveHolderKey(ctx, cnf)
	if err != nil || k == nil {
		return nil, fmt.Errorf("%w: %w: %v", ErrKeyBinding, ErrNoHolderKey, err)
	}
	return k, nil
}

var reasons = []error{ErrMalformed, ErrTooLarge, ErrHashAlgorithm, ErrDisclosure, ErrReservedName, ErrClaimCollision,
	ErrDuplicateDigest, ErrDuplicateDisclosure, ErrUnreferencedDisclosure, ErrInvalidDigests, ErrIssuerSignature,
	ErrValidity, ErrKeyBindingRequired, ErrUnexpectedKeyBinding, ErrKeyBinding, ErrNoHolderKey}

// reason names the failure class for logs: only the sentinel text, never
// claim names, values, tokens or disclosures from the detailed error.
func reason(err error) string {
	for _, r := range reasons {
		if errors.Is(err, r) {
			return r.Error()
		}
	}
	return "other"
}
