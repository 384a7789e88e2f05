package presentation

import (
	"context"
	gocrypto "crypto"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// Presentation is a verified presentation: its holder and the views of the
// credentials it carries (for SD-JWT, the one credential with what was
// disclosed).
type Presentation struct {
	// Format is the presentation format (jwt_vp_json, ldp_vp, dc+sd-jwt).
	Format vocab.Format
	// Raw is the presentation as received.
	Raw any
	// ID is the presentation id (jti / id) when present.
	ID string
	// Holder is the holder identifier (VP iss / holder, or the SD-JWT cnf
	// kid); empty when the holder is known only by key.
	Holder string
	// HolderKey is the key that signed the presentation (VP-JWT key, or
	// the SD-JWT cnf key), when known.
	HolderKey gocrypto.PublicKey
	// Nonce and Audience are the binding values that were checked.
	Nonce    string
	Audience string
	// Credentials holds the view of every presented credential.
	Credentials []*Credential
	// ExpiresAt is the presentation's own expiry (the exp of a
	// jwt_vp_json); zero when it has none.
	ExpiresAt time.Time
}

// PresentationOptions are the request values a presentation must be bound
// to. Both are required.
type PresentationOptions struct {
	// Nonce is the request nonce (KB-JWT nonce, VP-JWT nonce, ldp_vp
	// challenge).
	Nonce string
	// Audience is the verifier's client_id with its prefix (KB-JWT aud,
	// VP-JWT aud, ldp_vp domain), or "origin:<origin>" over the DC API.
	Audience string
	// TransactionDataHashes are the expected transaction_data_hashes
	// (OpenID4VP 1.0 §8.4); a format that cannot carry them fails with
	// ErrConfig rather than ignore them.
	TransactionDataHashes []string
	// SkipNonce verifies a jwt_vp_json bound by audience and its validity
	// claims only, as the Decentralized Claims Protocol does (its
	// presentation responses carry no nonce; vpcache uses it). Other
	// formats always require a nonce. Never set it for OpenID4VP.
	SkipNonce bool
}

func (o PresentationOptions) binding() Binding {
	return Binding{Nonce: o.Nonce, Audience: o.Audience, TransactionDataHashes: o.TransactionDataHashes}
}

// PresentationFormat returns the presentation format that carries
// credentials of format f in a vp_token (jwt_vc_json → jwt_vp_json,
// ldp_vc → ldp_vp; SD-JWT is presented as itself).
func PresentationFormat(f vocab.Format) vocab.Format {
	switch f {
	case vocab.FormatJWTVCJSON:
		return vocab.FormatJWTVPJSON
	case vocab.FormatDIFJWTVC:
		return vocab.FormatDIFJWTVP
	case vocab.FormatLDPVC:
		return vocab.FormatLDPVP
	}
	return f
}

// VerifyPresentation verifies a presentation received in a vp_token
// (OpenID4VP 1.0 §8.6): the holder's signature or proof, its binding to the
// request (nonce and audience), and for every credential it carries the
// issuer signature, validity window, status, issuer trust and holder
// binding (the credential's cnf key or subject DID must be the presenter).
// format may name the presentation format or the credential format of a
// DCQL query (jwt_vc_json means a jwt_vp_json). raw is the vp_token entry: a
// string (JWT, SD-JWT) or a JSON object (ldp_vp).
//
// Every failed check is listed in the returned *ValidationError. The
// presentation value, when returned together with an error, is for
// diagnostics only.
func (v *Validator) VerifyPresentation(ctx context.Context, format vocab.Format, raw any, o PresentationOptions) (*Presentation, error) {
	if o.Audience == "" {
		return nil, fmt.Errorf("%w: audience is required", ErrConfig)
	}
	if o.Nonce == "" {
		switch f := PresentationFormat(format); {
		case !o.SkipNonce:
			return nil, fmt.Errorf("%w: nonce is required", ErrConfig)
		case f != vocab.FormatJWTVPJSON && f != vocab.FormatDIFJWTVP:
			return nil, fmt.Errorf("%w: %s presentations are always bound by a nonce", ErrConfig, f)
		}
	}
	switch PresentationFormat(format) {
	case vocab.FormatJWTVPJSON, vocab.FormatDIFJWTVP, vocab.FormatLDPVP:
		if len(o.TransactionDataHashes) > 0 {
			return nil, fmt.Errorf("%w: %s cannot carry transaction data hashes", ErrConfig, format)
		}
	}
	switch PresentationFormat(format) {
	case vocab.FormatJWTVPJSON, vocab.FormatDIFJWTVP:
		return v.verifyJWTVP(ctx, PresentationFormat(format), raw, o)
	case vocab.FormatLDPVP:
		return v.verifyLDPVP(ctx, raw, o)
	case vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy, vocab.FormatDIFSDJWT:
		c, err := v.verifySDJWT(ctx, format, raw, o.binding())
		if c == nil {
			return nil, err
		}
		p := &Presentation{Format: format, Raw: raw, Holder: c.HolderID, Nonce: o.Nonce, Audience: o.Audience, Credentials: []*Credential{c}}
		if c.HolderJWK != nil {
			p.HolderKey, _ = crypto.PublicKeyFromJWK(c.HolderJWK)
		}
		return p, err
	}
	if d, ok := v.cfg.Parser.cfg.Decoders[format].(VerifyingDecoder); ok {
		return v.verifyDecoded(ctx, d, format, raw, o)
	}
	return nil, fmt.Errorf("%w: presentation format %q", ErrUnsupportedFormat, format)
}

// verifyDecoded verifies a presentation of a registered format: the
// decoder checks integrity and device binding, the Validator the window,
// status and trust.
func (v *Validator) verifyDecoded(ctx context.Context, d VerifyingDecoder, format vocab.Format, raw any, o PresentationOptions) (*Presentation, error) {
	f := &failures{format: format}
	c, err := d.VerifyPresentation(ctx, raw, o.binding())
	if err != nil {
		if errors.Is(err, ErrHolderBinding) || errors.Is(err, ErrNonce) || errors.Is(err, ErrAudience) {
			f.list = append(f.list, err)
		} else {
			f.add(ErrSignature, err)
		}
		return nil, f.err()
	}
	if c == nil {
		f.add(ErrPresentation, errors.New("decoder returned no credential"))
		return nil, f.err()
	}
	v.checkRest(ctx, c, true, f)
	p := &Presentation{Format: format, Raw: raw, Holder: c.HolderID, Nonce: o.Nonce, Audience: o.Audience, Credentials: []*Credential{c}}
	if c.HolderJWK != nil {
		p.HolderKey, _ = crypto.PublicKeyFromJWK(c.HolderJWK)
	}
	return p, f.err()
}

// bindingError maps the w3c binding errors to this package's.
func bindingError(err error) error {
	switch {
	case errors.Is(err, w3c.ErrNonce):
		return fmt.Errorf("%w: %w", ErrNonce, err)
	case errors.Is(err, w3c.ErrAudience):
		return fmt.Errorf("%w: %w", ErrAudience, err)
	case errors.Is(err, ErrNonce), errors.Is(err, ErrAudience):
		return err
	}
	return fmt.Errorf("%w: %w", ErrPresentation, err)
}

func (v *Validator) verifyJWTVP(ctx context.Context, format vocab.Format, raw any, o PresentationOptions) (*Presentation, error) {
	p := v.cfg.Parser
	tok, err := p.compact(raw)
	if err != nil {
		return nil, err
	}
	f := &failures{format: format}
	jp, err := w3c.ParsePresentationJWT(tok, p.w3cParse())
	if err != nil {
		f.add(ErrPresentation, err)
		return nil, f.err()
	}
	// The embedded credentials, parsed (not yet verified) to find the
	// holder key when the VP has no holder DID.
	items := jp.Presentation.VerifiableCredential.Items
	if len(items) > v.cfg.MaxCredentials {
		f.add(ErrPresentation, fmt.Errorf("%d credentials, at most %d", len(items), v.cfg.MaxCredentials))
		return nil, f.err()
	}
	creds := make([]*Credential, len(items))
	formats := make([]vocab.Format, len(items))
	for i, it := range items {
		formats[i] = vocab.FormatJWTVCJSON
		if _, isObj := it.(map[string]any); isObj {
			formats[i] = vocab.FormatLDPVC
		}
		creds[i], _ = p.Parse(ctx, formats[i], it)
	}
	var holderKey gocrypto.PublicKey
	vo := w3c.PresentationVerifyOptions{
		VerifyOptions: w3c.VerifyOptions{ParseOptions: p.w3cParse(), Now: v.cfg.Now, Leeway: v.cfg.Leeway},
		Nonce:         o.Nonce,
		Audience:      o.Audience,
		MaxAge:        v.cfg.MaxPresentationAge,
		SkipNonce:     o.SkipNonce && o.Nonce == "",
	}
	if jp.Holder != "" {
		if v.cfg.HolderKeys == nil {
			f.add(ErrConfig, errors.New("no holder key resolver for a jwt_vp_json with a holder"))
			return nil, f.err()
		}
		vo.Resolver = jose.KeyResolverFunc(func(ctx context.Context, j *jose.JWS) (gocrypto.PublicKey, error) {
			k, err := v.cfg.HolderKeys.ResolveKey(ctx, j)
			holderKey = k
			return k, err
		})
	} else {
		k, err := commonCnfKey(creds)
		if err != nil {
			f.add(ErrHolderBinding, err)
			return nil, f.err()
		}
		vo.Key, holderKey = k, k
	}
	jp, err = w3c.VerifyPresentationJWT(ctx, tok, vo)
	if err != nil {
		f.list = append(f.list, bindingError(err))
		return nil, f.err()
	}
	out := &Presentation{Format: format, Raw: raw, ID: jp.Presentation.ID, Holder: jp.Holder, HolderKey: holderKey, Nonce: o.Nonce, Audience: o.Audience}
	out.ExpiresAt, _, _ = jose.NumericDate(jp.Claims, "exp")
	v.verifyEmbedded(ctx, items, formats, out, f)
	return out, f.err()
}

// commonCnfKey returns the cnf key every credential is bound to, which
// must be one and the same.
func commonCnfKey(creds []*Credential) (gocrypto.PublicKey, error) {
	var key gocrypto.PublicKey
	var tp string
	for i, c := range creds {
		if c == nil || c.HolderJWK == nil {
			return nil, fmt.Errorf("no holder in the presentation and credential %d has no cnf key", i)
		}
		k, err := crypto.PublicKeyFromJWK(c.HolderJWK)
		if err != nil {
			return nil, err
		}
		t, err := crypto.Thumbprint(k)
		if err != nil {
			return nil, err
		}
		if key == nil {
			key, tp = k, t
		} else if t != tp {
			return nil, errors.New("credentials are bound to different keys")
		}
	}
	if key == nil {
		return nil, errors.New("presentation has no holder and no credentials")
	}
	return key, nil
}

func (v *Validator) verifyLDPVP(ctx context.Context, raw any, o PresentationOptions) (*Presentation, error) {
	p := v.cfg.Parser
	f := &failures{format: vocab.FormatLDPVP}
	doc, err := p.document(raw)
	if err != nil {
		return nil, err
	}
	vp, err := w3c.ParsePresentation(doc, w3c.Limits{MaxBytes: p.cfg.MaxSize, MaxDepth: p.cfg.MaxDepth})
	if err == nil {
		err = vp.Validate()
	}
	if err != nil {
		f.add(ErrPresentation, err)
		return nil, f.err()
	}
	if vp.Proof == nil {
		f.add(ErrPresentation, errors.New("ldp_vp without proof"))
		return nil, f.err()
	}
	if v.cfg.Proofs == nil {
		f.add(ErrConfig, errors.New("no proof verifier for ldp_vp"))
		return nil, f.err()
	}
	if n := len(vp.VerifiableCredential.Items); n > v.cfg.MaxCredentials {
		f.add(ErrPresentation, fmt.Errorf("%d credentials, at most %d", n, v.cfg.MaxCredentials))
		return nil, f.err()
	}
	res, err := v.cfg.Proofs.VerifyProof(ctx, doc, ProofOptions{Purpose: w3c.Authentication, Challenge: o.Nonce, Domain: o.Audience})
	if err != nil {
		f.list = append(f.list, bindingError(err))
		return nil, f.err()
	}
	holder := ""
	if vp.Holder != nil {
		holder = vp.Holder.ID
	} else if res != nil && len(res.VerificationMethods) > 0 {
		holder, _, _ = strings.Cut(res.VerificationMethods[0], "#")
	}
	if err := controlledBy(res, holder); err != nil {
		f.add(ErrPresentation, err)
		return nil, f.err()
	}
	out := &Presentation{Format: vocab.FormatLDPVP, Raw: raw, ID: vp.ID, Holder: holder, Nonce: o.Nonce, Audience: o.Audience}
	items := vp.VerifiableCredential.Items
	formats := make([]vocab.Format, len(items))
	for i, it := range items {
		formats[i] = vocab.FormatLDPVC
		if _, isStr := it.(string); isStr {
			formats[i] = vocab.FormatJWTVCJSON
		}
	}
	v.verifyEmbedded(ctx, items, formats, out, f)
	return out, f.err()
}

// verifyEmbedded verifies each credential of a presentation and its
// binding to the presentation's holder.
func (v *Validator) verifyEmbedded(ctx context.Context, items []any, formats []vocab.Format, out *Presentation, f *failures) {
	if len(items) == 0 {
		f.add(ErrPresentation, errors.New("presentation carries no credential"))
		return
	}
	var holderTP string
	if out.HolderKey != nil {
		holderTP, _ = crypto.Thumbprint(out.HolderKey)
	}
	for i, it := range items {
		c, err := v.Verify(ctx, formats[i], it)
		if err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				for _, e := range ve.Failures {
					f.list = append(f.list, fmt.Errorf("credential %d: %w", i, e))
				}
			} else {
				f.list = append(f.list, fmt.Errorf("credential %d: %w", i, err))
			}
		}
		if c == nil {
			continue
		}
		out.Credentials = append(out.Credentials, c)
		if v.cfg.SkipHolderBinding {
			continue
		}
		if err := bound(c, out.Holder, holderTP); err != nil {
			f.add(ErrHolderBinding, fmt.Errorf("credential %d: %w", i, err))
		}
	}
}

// bound checks that credential c is bound to the presenter: its cnf key is
// the key that signed the presentation, or its subject is the holder.
func bound(c *Credential, holder, holderTP string) error {
	if c.HolderJWK != nil {
		k, err := crypto.PublicKeyFromJWK(c.HolderJWK)
		if err != nil {
			return err
		}
		tp, err := crypto.Thumbprint(k)
		if err != nil {
			return err
		}
		if holderTP == "" || tp != holderTP {
			return errors.New("presentation not signed with the credential's cnf key")
		}
		return nil
	}
	if c.Subject != "" && holder != "" && c.Subject == holder {
		return nil
	}
	return fmt.Errorf("credential subject %q is not the holder %q", c.Subject, holder)
}

// DecodeFunc returns a function with the signature of dcql.DecoderFunc
// that verifies one vp_token entry for a credential query of the given
// credential format and returns the view of its single credential. Use it
// as dcql.DecoderFunc(v.DecodeFunc(opts)).
func (v *Validator) DecodeFunc(o PresentationOptions) func(ctx context.Context, format vocab.Format, p any) (*Credential, error) {
	return func(ctx context.Context, format vocab.Format, p any) (*Credential, error) {
		pres, err := v.VerifyPresentation(ctx, format, p, o)
		if err != nil {
			return nil, err
		}
		if len(pres.Credentials) != 1 {
			return nil, fmt.Errorf("%w: a vp_token entry must present one credential, got %d", ErrPresentation, len(pres.Credentials))
		}
		return pres.Credentials[0], nil
	}
}

// ProofSigner adds a Data Integrity proof to a JSON document (an adapter
// over crypto/dataintegrity's Processor.Sign with the holder's key).
type ProofSigner interface {
	SignProof(ctx context.Context, document []byte, o ProofOptions) ([]byte, error)
}

// SDJWTPresenter builds an SD-JWT presentation from an SD-JWT as held and
// a KB-JWT with the binding. disclose is an exact disclosure set, given by
// the disclosures' paths (entries of Credential.Disclosable, as computed by
// DCQL or Presentation Exchange evaluation): an implementation reveals those
// disclosures and the disclosures enclosing them, and nothing else — the
// path of a selectively disclosable object stands for that object's own
// disclosure, not for its members (OpenID4VP 1.0 §6.4: selectively
// disclosable claims that were not requested are not sent). An empty set
// reveals no disclosure. sdjwt.SDJWT.PresentDisclosures implements this
// (presentation.SDJWTVCPresenter is the adapter).
type SDJWTPresenter interface {
	PresentSDJWT(ctx context.Context, raw string, disclose []vocab.ClaimPath, b Binding) (string, error)
}

// Presenter builds one presentation of credentials in a format: what DCQL
// (dcql.Result.VPToken) and Presentation Exchange (pex.Result.Present) call
// for every selected credential. RequestPresenter implements it for one
// request's binding (Holder.Presenter returns one); other implementations
// add formats (mdoc). disclose[i] lists the disclosures to reveal for
// creds[i] as an exact set (for SD-JWT see SDJWTPresenter: those
// disclosures and the ones enclosing them, nothing below or beside them;
// for mdoc [namespace, element] pairs); nil: only what is always disclosed.
type Presenter interface {
	Present(ctx context.Context, format vocab.Format, creds []*Credential, disclose [][]vocab.ClaimPath) (any, error)
}

var _ Presenter = (*RequestPresenter)(nil)

// RequestPresenter builds the presentations of one request on the holder
// side: a jwt_vp_json or ldp_vp for W3C credentials, SD-JWT+KB through
// SDJWT, all bound to Binding. It implements Presenter.
type RequestPresenter struct {
	// Binding is the request's nonce and audience.
	Binding Binding
	// Holder is the holder's identifier (a DID) written as VP holder / iss;
	// empty for a VP signed with a credential's cnf key.
	Holder string
	// JWTSigner signs jwt_vp_json; JWTHeader adds header members (kid).
	JWTSigner jose.MessageSigner
	JWTHeader map[string]any
	// LDPSigner signs ldp_vp.
	LDPSigner ProofSigner
	// SDJWT presents dc+sd-jwt credentials.
	SDJWT SDJWTPresenter
	// Now is the clock (default time.Now); Lifetime the VP-JWT lifetime.
	Now      func() time.Time
	Lifetime time.Duration
}

// Present builds one presentation of creds in format (a credential format
// of the query or the presentation format): a jwt_vp_json carrying the
// credentials' JWTs, an ldp_vp carrying their documents, or an SD-JWT+KB
// revealing exactly the disclosures listed in disclose[0] and their
// enclosing disclosures (one credential only; see SDJWTPresenter).
func (p *RequestPresenter) Present(ctx context.Context, format vocab.Format, creds []*Credential, disclose [][]vocab.ClaimPath) (any, error) {
	if p.Binding.Nonce == "" || p.Binding.Audience == "" {
		return nil, fmt.Errorf("%w: presenter needs nonce and audience", ErrConfig)
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("%w: no credential to present", ErrConfig)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	switch PresentationFormat(format) {
	case vocab.FormatJWTVPJSON, vocab.FormatDIFJWTVP:
		if p.JWTSigner == nil {
			return nil, fmt.Errorf("%w: no JWT signer", ErrConfig)
		}
		vp := &w3c.Presentation{Context: w3c.Many[any](w3c.ContextV1), Type: w3c.One(w3c.TypeVerifiablePresentation)}
		for _, c := range creds {
			if c.Format != vocab.FormatJWTVCJSON && c.Format != vocab.FormatDIFJWTVC {
				return nil, fmt.Errorf("%w: %s credential in a jwt_vp_json", ErrUnsupportedFormat, c.Format)
			}
			vp.VerifiableCredential.Items = append(vp.VerifiableCredential.Items, c.Raw)
		}
		vp.VerifiableCredential.Array = true
		if p.Holder != "" {
			vp.Holder = &w3c.Issuer{ID: p.Holder}
		}
		return w3c.SignPresentationJWT(ctx, p.JWTSigner, vp, w3c.PresentationSignOptions{
			Nonce: p.Binding.Nonce, Audience: p.Binding.Audience, Now: now(), Lifetime: p.Lifetime, Header: p.JWTHeader,
		})
	case vocab.FormatLDPVP:
		if p.LDPSigner == nil {
			return nil, fmt.Errorf("%w: no proof signer", ErrConfig)
		}
		ctxURL := w3c.ContextV2
		vcs := make([]any, 0, len(creds))
		for _, c := range creds {
			if c.Format != vocab.FormatLDPVC {
				return nil, fmt.Errorf("%w: %s credential in an ldp_vp", ErrUnsupportedFormat, c.Format)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(c.Raw), &doc); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			if ctxs, ok := doc["@context"].([]any); ok && len(ctxs) > 0 && ctxs[0] == w3c.ContextV1 {
				ctxURL = w3c.ContextV1
			}
			vcs = append(vcs, doc)
		}
		vp := &w3c.Presentation{
			Context:              w3c.Many[any](ctxURL),
			Type:                 w3c.One(w3c.TypeVerifiablePresentation),
			VerifiableCredential: w3c.Many(vcs...),
		}
		if p.Holder != "" {
			vp.Holder = &w3c.Issuer{ID: p.Holder}
		}
		doc, err := json.Marshal(vp)
		if err != nil {
			return nil, err
		}
		signed, err := p.LDPSigner.SignProof(ctx, doc, ProofOptions{Purpose: w3c.Authentication, Challenge: p.Binding.Nonce, Domain: p.Binding.Audience})
		if err != nil {
			return nil, err
		}
		var out map[string]any
		if err := json.Unmarshal(signed, &out); err != nil {
			return nil, fmt.Errorf("%w: signed ldp_vp: %v", ErrMalformed, err)
		}
		return out, nil
	case vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy, vocab.FormatDIFSDJWT:
		if p.SDJWT == nil {
			return nil, fmt.Errorf("%w: no SD-JWT presenter", ErrConfig)
		}
		if len(creds) != 1 {
			return nil, fmt.Errorf("%w: an SD-JWT presentation carries one credential", ErrConfig)
		}
		var paths []vocab.ClaimPath
		if len(disclose) > 0 {
			paths = disclose[0]
		}
		return p.SDJWT.PresentSDJWT(ctx, creds[0].Raw, paths, p.Binding)
	}
	return nil, fmt.Errorf("%w: presentation format %q", ErrUnsupportedFormat, format)
}
