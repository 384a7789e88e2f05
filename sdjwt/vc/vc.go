package vc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

// Media types and typ values.
const (
	// Typ is the typ of an SD-JWT VC issuer-signed JWT.
	Typ = "dc+sd-jwt"
	// LegacyTyp is the typ used until November 2024; accepted only with
	// Config.AllowLegacyTyp.
	LegacyTyp = "vc+sd-jwt"
)

// Errors of the SD-JWT VC profile.
var (
	ErrVCT            = errors.New("vc: missing or invalid vct")
	ErrNonDisclosable = errors.New("vc: claim must not be selectively disclosable")
	ErrStatus         = errors.New("vc: invalid status claim")
	// ErrRevoked: the Token Status List entry is INVALID (0x01). The status
	// errors are vocab's, so errors.Is matches them across packages.
	ErrRevoked = vocab.ErrRevoked
	// ErrSuspended: the Token Status List entry is SUSPENDED (0x02).
	ErrSuspended = vocab.ErrSuspended
	// ErrStatusInvalid: the entry holds a value other than VALID, INVALID
	// or SUSPENDED (application specific, 0x03 and up), which this
	// verifier does not accept.
	ErrStatusInvalid = vocab.ErrStatusInvalid
	// ErrStatusUnknown: the status could not be established — no
	// StatusChecker configured, the list unavailable or invalid (the
	// checker's error is in the chain), or a status mechanism other than
	// status_list. The credential is not accepted without its status.
	ErrStatusUnknown = vocab.ErrStatusUnavailable
	ErrIssuerKey     = errors.New("vc: issuer key not validated")
	ErrMetadata      = errors.New("vc: invalid JWT VC issuer metadata")
	ErrTypeMetadata  = errors.New("vc: invalid type metadata")
	ErrIntegrity     = errors.New("vc: integrity mismatch")
	ErrClaimMetadata = errors.New("vc: claim metadata violated")
)

// NonDisclosable lists the claims that must not be selectively disclosable
// (draft -18 §"Registered JWT Claims").
var nonDisclosable = []string{"iss", "nbf", "exp", "cnf", "status", "vct", "vct#integrity", "aka_vcts"}

// StatusChecker answers the status value of a credential's status
// reference (Token Status List: 0x00 VALID, 0x01 INVALID, 0x02 SUSPENDED,
// others application specific). It must verify the status list and return
// an error rather than a value it could not establish. It is the
// credential view's checker: statuslist.Checker plugs in through its
// Presentation method.
type StatusChecker = vocab.StatusChecker

// StatusCheckerFunc adapts a function to StatusChecker.
type StatusCheckerFunc = vocab.StatusCheckerFunc

// Config configures a Verifier.
type Config struct {
	// SDJWT configures the underlying RFC 9901 verifier. Its Typ must be
	// empty: the profile sets dc+sd-jwt. KeyResolver is typically an
	// *IssuerKeyResolver.
	SDJWT sdjwt.Config
	// AllowLegacyTyp also accepts typ vc+sd-jwt.
	AllowLegacyTyp bool
	// StatusChecker is asked about the status reference of every
	// credential that has one. Without it, a credential carrying a status
	// claim fails with ErrStatusUnknown unless SkipStatusCheck is set.
	StatusChecker StatusChecker
	// SkipStatusCheck accepts credentials without checking their status
	// claim (the claim is still parsed and returned in Result.Status); for
	// callers that check status themselves. It cannot be combined with
	// StatusChecker.
	SkipStatusCheck bool
	// TypeMetadata, when set, turns on type metadata processing.
	TypeMetadata *TypeMetadataResolver
	// AcceptedVCTs, when set, lists the vct values accepted.
	AcceptedVCTs []string
}

// Verifier verifies SD-JWT VC presentations.
type Verifier struct {
	sd  *sdjwt.Verifier
	cfg Config
}

// NewVerifier returns a Verifier for the profile.
func NewVerifier(cfg Config) (*Verifier, error) {
	if len(cfg.SDJWT.Typ) != 0 {
		return nil, fmt.Errorf("%w: typ is set by the SD-JWT VC profile", sdjwt.ErrOptions)
	}
	if cfg.SkipStatusCheck && cfg.StatusChecker != nil {
		return nil, fmt.Errorf("%w: SkipStatusCheck with a StatusChecker", sdjwt.ErrOptions)
	}
	cfg.SDJWT.Typ = []string{Typ}
	if cfg.AllowLegacyTyp {
		cfg.SDJWT.Typ = append(cfg.SDJWT.Typ, LegacyTyp)
	}
	sd, err := sdjwt.NewVerifier(cfg.SDJWT)
	if err != nil {
		return nil, err
	}
	return &Verifier{sd: sd, cfg: cfg}, nil
}

// Result is a verified SD-JWT VC.
type Result struct {
	*sdjwt.Result
	// VCT is the credential type.
	VCT string
	// Status is the status reference, nil when the credential has none.
	Status *vocab.StatusReference
	// TypeMetadata is the resolved type metadata (with extends merged) when
	// type metadata processing is on.
	TypeMetadata *TypeMetadata
}

// Verify verifies a presentation: RFC 9901 (issuer signature, disclosures,
// validity, key binding per policy), then the SD-JWT VC rules, the status
// check and type metadata.
func (v *Verifier) Verify(ctx context.Context, pres string, e sdjwt.Expect) (*Result, error) {
	return v.verify(ctx, pres, e, false)
}

func (v *Verifier) verify(ctx context.Context, pres string, e sdjwt.Expect, view bool) (*Result, error) {
	r, err := v.sd.Verify(ctx, pres, e)
	if err != nil {
		return nil, err
	}
	return v.profile(ctx, r, false, view)
}

// VerifyDeferStatus is Verify for a caller that checks the credential's
// status itself, as presentation.Validator does for every credential it
// validates: when the Verifier has no StatusChecker, a status claim does not
// fail the credential here (Verify fails it with ErrStatusUnknown). With a
// StatusChecker it behaves as Verify.
func (v *Verifier) VerifyDeferStatus(ctx context.Context, pres string, e sdjwt.Expect) (*Result, error) {
	return v.verify(ctx, pres, e, true)
}

// VerifyIssuedDeferStatus is VerifyIssued with the status deferred to the
// caller, as VerifyDeferStatus.
func (v *Verifier) VerifyIssuedDeferStatus(ctx context.Context, sdJWT string) (*Result, error) {
	return v.verifyIssued(ctx, sdJWT, true)
}

// VerifyIssued is the holder's check of an issued SD-JWT VC (all
// disclosures present, no KB-JWT); claim metadata is enforced in full.
func (v *Verifier) VerifyIssued(ctx context.Context, sdJWT string) (*Result, error) {
	return v.verifyIssued(ctx, sdJWT, false)
}

func (v *Verifier) verifyIssued(ctx context.Context, sdJWT string, view bool) (*Result, error) {
	r, err := v.sd.VerifyIssued(ctx, sdJWT)
	if err != nil {
		return nil, err
	}
	return v.profile(ctx, r, true, view)
}

// profile applies the SD-JWT VC rules. viewStatus is set by the *DeferStatus
// methods: without a StatusChecker the status is left to the caller
// (presentation.Validator checks every credential's status references).
func (v *Verifier) profile(ctx context.Context, r *sdjwt.Result, complete, viewStatus bool) (*Result, error) {
	if err := CheckClaims(r.Claims, r.Disclosed); err != nil {
		return nil, err
	}
	out := &Result{Result: r, VCT: r.Claims["vct"].(string)}
	if len(v.cfg.AcceptedVCTs) > 0 {
		ok := false
		for _, a := range v.cfg.AcceptedVCTs {
			ok = ok || a == out.VCT
		}
		if !ok {
			return nil, fmt.Errorf("%w: vct %q not accepted", ErrVCT, out.VCT)
		}
	}
	ref, err := StatusReference(r.Claims)
	if err != nil {
		return nil, err
	}
	out.Status = ref
	if _, has := r.Claims["status"]; has && !v.cfg.SkipStatusCheck && !(viewStatus && v.cfg.StatusChecker == nil) {
		if err := v.checkStatus(ctx, ref); err != nil {
			return nil, err
		}
	}
	if v.cfg.TypeMetadata != nil {
		integrity, _ := r.Claims["vct#integrity"].(string)
		md, err := v.cfg.TypeMetadata.Resolve(ctx, out.VCT, integrity)
		if err != nil {
			return nil, err
		}
		if err := md.CheckClaims(r.Claims, r.Disclosed, complete); err != nil {
			return nil, err
		}
		out.TypeMetadata = md
	}
	return out, nil
}

// checkStatus establishes the status of a credential with a status claim
// (ref nil: a mechanism other than status_list) with the one mapping of
// vocab.CheckStatus.
func (v *Verifier) checkStatus(ctx context.Context, ref *vocab.StatusReference) error {
	if ref == nil {
		return fmt.Errorf("%w: status mechanism other than status_list", ErrStatusUnknown)
	}
	return vocab.CheckStatus(ctx, v.cfg.StatusChecker, *ref)
}

// CheckClaims applies the SD-JWT VC claim rules to a processed payload and
// the paths that were disclosed: vct present and a string, vct#integrity a
// string if present, and none of iss, nbf, exp, cnf, status, vct,
// vct#integrity, aka_vcts selectively disclosed.
func CheckClaims(claims map[string]any, disclosed []vocab.ClaimPath) error {
	for _, p := range disclosed {
		if len(p) != 1 {
			continue
		}
		name, _ := p[0].(string)
		for _, n := range nonDisclosable {
			if name == n {
				return fmt.Errorf("%w: %s", ErrNonDisclosable, n)
			}
		}
	}
	vct, ok := claims["vct"].(string)
	if !ok || vct == "" {
		return ErrVCT
	}
	if v, ok := claims["vct#integrity"]; ok {
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%w: vct#integrity is not a string", ErrIntegrity)
		}
	}
	if v, ok := claims["iss"]; ok {
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%w: iss is not a string", jose.ErrClaim)
		}
	}
	return nil
}

// StatusReference extracts status.status_list{idx,uri} (Token Status List,
// draft-ietf-oauth-status-list-20 §"Referenced Token"). It returns nil
// without a status claim and ErrStatus for a malformed one.
func StatusReference(claims map[string]any) (*vocab.StatusReference, error) {
	raw, ok := claims["status"]
	if !ok {
		return nil, nil
	}
	st, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: status is not an object", ErrStatus)
	}
	slRaw, ok := st["status_list"]
	if !ok {
		return nil, nil // another status mechanism; not ours to judge
	}
	sl, ok := slRaw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: status_list is not an object", ErrStatus)
	}
	idx, ok := index(sl["idx"])
	if !ok {
		return nil, fmt.Errorf("%w: idx must be a non-negative integer", ErrStatus)
	}
	uri, ok := sl["uri"].(string)
	if !ok || uri == "" {
		return nil, fmt.Errorf("%w: uri must be a non-empty string", ErrStatus)
	}
	return &vocab.StatusReference{Type: "status_list", URI: uri, Index: idx, Raw: sl}, nil
}

// index reads a non-negative integer up to 2^53 from a decoded JSON number
// or, at issuance, a Go integer.
func index(v any) (uint64, bool) {
	switch n := v.(type) {
	case float64:
		if n < 0 || n != math.Trunc(n) || n > 1<<53 {
			return 0, false
		}
		return uint64(n), true
	case json.Number:
		i, err := strconv.ParseUint(string(n), 10, 64)
		return i, err == nil && i <= 1<<53
	case int:
		return uint64(n), n >= 0 && uint64(n) <= 1<<53
	case int64:
		return uint64(n), n >= 0 && uint64(n) <= 1<<53
	case uint64:
		return n, n <= 1<<53
	}
	return 0, false
}
