package walletsvc

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/internal/lru"
	vpwallet "github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/vocab"
)

// AuthorizeRequest is the body of POST …/presentation/authorize/{account}.
type AuthorizeRequest struct {
	// AuthorizationRequest is the verifier's link: openid4vp://…,
	// haip-vp://… or an https URL carrying the request.
	AuthorizationRequest string `json:"authorization_request"`
}

// Disclosed is one presented credential and what of it was revealed.
type Disclosed struct {
	QueryID      string            `json:"query_id"`
	CredentialID string            `json:"credential_id"`
	Format       string            `json:"format"`
	VCT          string            `json:"vct,omitempty"`
	Disclosed    []vocab.ClaimPath `json:"disclosed"`
}

// AuthorizeResult is the outcome of a presentation: the verifier it went to,
// where to send a user agent next (same-device flows) and what was
// disclosed.
type AuthorizeResult struct {
	Status       string      `json:"status"` // presented
	Verifier     string      `json:"verifier"`
	ResponseMode string      `json:"response_mode"`
	RedirectURI  string      `json:"redirect_uri,omitempty"`
	Presented    []Disclosed `json:"presented"`
}

// accountSource is the oid4vp wallet's CredentialSource over one account
// of the encrypted store: credentials are decrypted and parsed per
// request, pre-filtered by the query's format and vct hints.
type accountSource struct {
	acct   *AccountStore
	views  *lru.Cache[viewKey, cachedCredential] // nil: no cache
	ttl    time.Duration
	mu     sync.Mutex
	byView map[*presentation.Credential]*Record
}

func (a *accountSource) Credentials(ctx context.Context, hints dcql.Hints) (iter.Seq[*presentation.Credential], error) {
	// The ids first (in clear); a credential the cache holds needs
	// nothing opened, the others are opened and parsed once (one query
	// when there are several).
	ids, err := a.acct.IDs(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var views []*presentation.Credential
	var missing []string
	add := func(c cachedCredential) {
		if mayMatch(hints, c.rec) {
			a.remember(c.view, c.rec)
			views = append(views, c.view)
		}
	}
	for _, id := range ids {
		if c, ok := a.cached(id, now); ok {
			add(c)
			continue
		}
		missing = append(missing, id)
	}
	if len(missing) > 0 {
		var recs []*Record
		if len(missing) == 1 {
			r, err := a.acct.Record(ctx, missing[0])
			if err != nil && !errors.Is(err, ErrNotFound) {
				return nil, err
			}
			if r != nil {
				recs = append(recs, r)
			}
		} else if recs, err = a.acct.Records(ctx, true); err != nil {
			return nil, err
		}
		want := make(map[string]bool, len(missing))
		for _, id := range missing {
			want[id] = true
		}
		for _, r := range recs {
			if !want[r.ID] {
				continue
			}
			v, err := view(ctx, r)
			if err != nil {
				continue // verified on receipt; a format the parser no longer reads is skipped
			}
			c := cachedCredential{rec: r, view: v}
			a.store(c, now)
			add(c)
		}
	}
	return slices.Values(views), nil
}

// cachedCredential is an opened and parsed credential: its record (sealed
// metadata and raw form, opened) and its view.
type cachedCredential struct {
	rec  *Record
	view *presentation.Credential
}

func (a *accountSource) cached(id string, now time.Time) (cachedCredential, bool) {
	if a.views == nil {
		return cachedCredential{}, false
	}
	return a.views.Get(viewKey{a.acct.tenant, a.acct.account, id}, now)
}

func (a *accountSource) store(c cachedCredential, now time.Time) {
	if a.views == nil {
		return
	}
	// The raw form twice (record and view) plus the parsed claims.
	a.views.Add(viewKey{a.acct.tenant, a.acct.account, c.rec.ID}, c, int64(4*len(c.rec.Raw)), now.Add(a.ttl))
}

func (a *accountSource) remember(v *presentation.Credential, r *Record) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.byView[v] = r
}

// mayMatch pre-filters on what the metadata says: a record can only match
// a credential query of its format and, for SD-JWT VC queries with
// vct_values, of one of those types. Without per-query hints everything
// passes.
func mayMatch(h dcql.Hints, r *Record) bool {
	if len(h.Queries) == 0 {
		return true
	}
	for _, q := range h.Queries {
		if q.Format != "" && q.Format != vocab.Format(r.Format) {
			continue
		}
		if len(q.VCTValues) > 0 && !slices.Contains(q.VCTValues, r.VCT) {
			continue
		}
		return true
	}
	return false
}

func (a *accountSource) record(v *presentation.Credential) *Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byView[v]
}

// slotSigner is the holder signer of one presentation: the key is chosen
// after selection (the key the selected credentials are bound to), before
// anything is signed.
type slotSigner struct {
	mu sync.Mutex
	s  *jose.KeySigner
}

func (s *slotSigner) get() *jose.KeySigner {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.s
}

func (s *slotSigner) Algorithm() crypto.Algorithm {
	if k := s.get(); k != nil {
		return k.Algorithm()
	}
	return ""
}

func (s *slotSigner) KID() string {
	if k := s.get(); k != nil {
		return k.KID()
	}
	return ""
}

func (s *slotSigner) SignMessage(ctx context.Context, msg []byte) ([]byte, error) {
	k := s.get()
	if k == nil {
		return nil, fmt.Errorf("%w: no holder key chosen", ErrConfig)
	}
	return k.SignMessage(ctx, msg)
}

// trust is the verifier trust policy of Config.
func (s *Service) trust(_ context.Context, req *vpwallet.Request) error {
	if s.cfg.TrustAnyVerifier || slices.Contains(s.cfg.TrustedVerifiers, req.ClientID.String()) {
		return nil
	}
	return fmt.Errorf("%w: %.200q is not a trusted verifier", vpwallet.ErrUntrustedVerifier, req.ClientID.String())
}

// Authorize answers a verifier's authorization request from the account's
// credentials: the request is resolved and the verifier authenticated
// (oid4vp/wallet) and checked against the trust policy, the query is
// evaluated over the decrypted credentials, the consent policy decides,
// the key binding JWTs are signed in the engine by the key the selected
// credentials are bound to, and the response is posted (direct_post or
// direct_post.jwt). A request that resolves but cannot be answered gets an
// error response at the verifier.
func (s *Service) Authorize(ctx context.Context, tenant, account, link string) (*AuthorizeResult, error) {
	acct, err := s.account(tenant, account)
	if err != nil {
		return nil, err
	}
	link = strings.TrimSpace(link)
	if link == "" {
		return nil, fmt.Errorf("%w: authorization_request is required", ErrInput)
	}
	src := &accountSource{acct: acct, views: s.views, ttl: s.cfg.ViewCacheTTL, byView: map[*presentation.Credential]*Record{}}
	signer := &slotSigner{}
	holder, err := presentation.NewHolder(presentation.HolderConfig{Signer: signer, Now: s.cfg.Now})
	if err != nil {
		return nil, err
	}
	var presented []Disclosed
	consent := func(ctx context.Context, req *vpwallet.Request, sel *vpwallet.Selection) error {
		if s.cfg.Consent != nil {
			if err := s.cfg.Consent(ctx, tenant, account, req, sel); err != nil {
				return err
			}
		}
		if sel.Result == nil {
			return fmt.Errorf("%w: only DCQL requests are answered", vpwallet.ErrDeclined)
		}
		var key crypto.KeyRef
		presented = presented[:0]
		ids := make([]string, 0, len(sel.Result.Selection))
		for id := range sel.Result.Selection {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			for _, m := range sel.Result.Selection[id] {
				rec := src.record(m.Credential)
				if rec == nil {
					return fmt.Errorf("%w: selected credential not from the store", ErrConfig)
				}
				switch {
				case rec.HolderKey.ID == "":
					return fmt.Errorf("%w: credential %s has no holder key", vpwallet.ErrDeclined, rec.ID)
				case key.ID == "":
					key = rec.HolderKey
				case key != rec.HolderKey:
					return fmt.Errorf("%w: %w", vpwallet.ErrDeclined, ErrMixedHolderKeys)
				}
				presented = append(presented, Disclosed{QueryID: id, CredentialID: rec.ID, Format: rec.Format, VCT: rec.VCT,
					Disclosed: slices.Clone(m.Disclose)})
			}
		}
		if key.ID == "" {
			return fmt.Errorf("%w: nothing selected", vpwallet.ErrDeclined)
		}
		ks, err := jose.NewKeySigner(ctx, s.cfg.Engine, key, "")
		if err != nil {
			return fmt.Errorf("walletsvc: holder key %s: %w", key, err)
		}
		signer.mu.Lock()
		signer.s = ks
		signer.mu.Unlock()
		return nil
	}
	w, err := vpwallet.New(vpwallet.Config{
		Holder: holder, Credentials: src, Fetcher: s.fetcher, HTTPClient: s.hc,
		DIDs: s.dids, X509Roots: s.cfg.VerifierRoots,
		Trust: s.trust, Consent: consent, Now: s.cfg.Now,
		InsecureAllowHTTP: s.cfg.InsecureLoopback,
	})
	if err != nil {
		return nil, err
	}
	req, err := w.Resolve(ctx, link)
	if err != nil {
		return nil, err
	}
	sel, err := w.Select(ctx, req)
	if err != nil {
		if _, derr := w.Decline(ctx, req, err); derr != nil {
			s.log.WarnContext(ctx, "error response not delivered", "err", derr)
		}
		return nil, err
	}
	out, err := w.Respond(ctx, req, sel)
	if err != nil {
		return nil, err
	}
	res := &AuthorizeResult{Status: "presented", Verifier: req.ClientID.String(), ResponseMode: string(req.Params.ResponseMode),
		RedirectURI: out.RedirectURI, Presented: presented}
	s.log.InfoContext(ctx, "presented", "tenant", tenant, "account", account, "verifier", res.Verifier, "credentials", len(presented))
	return res, nil
}

func (s *Service) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	var body AuthorizeRequest
	if err := svc.DecodeJSON(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.Authorize(r.Context(), r.PathValue("tenant"), r.PathValue("account"), body.AuthorizationRequest)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, res)
}
