package walletsvc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

// CredentialInfo is a stored credential as the storage API shows it:
// metadata always, the decoded claims and the raw credential only when
// asked for (?include=claims, ?include=raw).
type CredentialInfo struct {
	ID                  string         `json:"id"`
	Issuer              string         `json:"issuer"`
	ConfigurationID     string         `json:"configuration_id,omitempty"`
	Format              string         `json:"format"`
	VCT                 string         `json:"vct,omitempty"`
	Types               []string       `json:"types,omitempty"`
	HolderKey           string         `json:"holder_key,omitempty"`
	HolderKeyThumbprint string         `json:"holder_key_thumbprint,omitempty"`
	ReceivedAt          time.Time      `json:"received_at"`
	ValidUntil          *time.Time     `json:"valid_until,omitempty"`
	Claims              map[string]any `json:"claims,omitempty"`
	Raw                 string         `json:"raw,omitempty"`
}

func infoOf(r *Record) *CredentialInfo {
	ci := &CredentialInfo{ID: r.ID, Issuer: r.Issuer, ConfigurationID: r.ConfigurationID, Format: r.Format, VCT: r.VCT,
		Types: r.Types, HolderKeyThumbprint: r.HolderKeyThumbprint, ReceivedAt: r.ReceivedAt}
	if r.HolderKey.ID != "" {
		ci.HolderKey = r.HolderKey.String()
	}
	return ci
}

// view parses a record's credential (no verification: it was verified on
// receipt).
func view(ctx context.Context, r *Record) (*presentation.Credential, error) {
	return presentation.Parse(ctx, vocab.Format(r.Format), r.Raw)
}

func (s *Service) account(tenant, account string) (*AccountStore, error) {
	if err := checkNames(tenant, account); err != nil {
		return nil, err
	}
	return s.store.Account(tenant, account, crypto.KeyRef{}), nil
}

func wantInclude(r *http.Request, what string) bool {
	return slices.Contains(r.URL.Query()["include"], what)
}

func (s *Service) detail(ctx context.Context, r *http.Request, rec *Record) *CredentialInfo {
	ci := infoOf(rec)
	if wantInclude(r, "raw") {
		ci.Raw = rec.Raw
	}
	if v, err := view(ctx, rec); err == nil {
		if !v.ValidUntil.IsZero() {
			vu := v.ValidUntil.UTC()
			ci.ValidUntil = &vu
		}
		if wantInclude(r, "claims") {
			ci.Claims = v.Claims
		}
	}
	return ci
}

func (s *Service) handleListCredentials(w http.ResponseWriter, r *http.Request) {
	a, err := s.account(r.PathValue("tenant"), r.PathValue("account"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	full := wantInclude(r, "raw") || wantInclude(r, "claims")
	recs, err := a.Records(r.Context(), true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []*CredentialInfo{}
	for _, rec := range recs {
		if full {
			out = append(out, s.detail(r.Context(), r, rec))
		} else {
			ci := infoOf(rec)
			if v, err := view(r.Context(), rec); err == nil && !v.ValidUntil.IsZero() {
				vu := v.ValidUntil.UTC()
				ci.ValidUntil = &vu
			}
			out = append(out, ci)
		}
	}
	svc.WriteJSON(w, http.StatusOK, map[string]any{"credentials": out})
}

func (s *Service) handleGetCredential(w http.ResponseWriter, r *http.Request) {
	a, err := s.account(r.PathValue("tenant"), r.PathValue("account"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := a.Record(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, s.detail(r.Context(), r, rec))
}

func (s *Service) handleDeleteCredential(w http.ResponseWriter, r *http.Request) {
	a, err := s.account(r.PathValue("tenant"), r.PathValue("account"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := a.Delete(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	if s.views != nil {
		s.views.Remove(viewKey{a.tenant, a.account, r.PathValue("id")})
	}
	w.WriteHeader(http.StatusNoContent)
}

// QueryRequest is the body of POST …/credentials/query: a DCQL query or a
// Presentation Exchange definition.
type QueryRequest struct {
	DCQLQuery              json.RawMessage `json:"dcql_query,omitempty"`
	PresentationDefinition json.RawMessage `json:"presentation_definition,omitempty"`
}

// QueryMatch is one credential matching one credential query (DCQL) or
// input descriptor (PE), with the claims a presentation would disclose.
type QueryMatch struct {
	Credential *CredentialInfo   `json:"credential"`
	Disclose   []vocab.ClaimPath `json:"disclose,omitempty"`
}

// QueryResult answers a query: per query / descriptor id every matching
// credential, and whether the query as a whole can be satisfied.
type QueryResult struct {
	Satisfiable bool                     `json:"satisfiable"`
	Matches     map[string][]*QueryMatch `json:"matches"`
}

// Query evaluates a DCQL query or PE definition over the account's
// credentials (decrypted in memory only).
func (s *Service) Query(ctx context.Context, tenant, account string, q QueryRequest) (*QueryResult, error) {
	a, err := s.account(tenant, account)
	if err != nil {
		return nil, err
	}
	if (len(q.DCQLQuery) == 0) == (len(q.PresentationDefinition) == 0) {
		return nil, fmt.Errorf("%w: exactly one of dcql_query and presentation_definition", ErrInput)
	}
	recs, err := a.Records(ctx, true)
	if err != nil {
		return nil, err
	}
	byView := map[*presentation.Credential]*Record{}
	var views []*presentation.Credential
	for _, rec := range recs {
		v, err := view(ctx, rec)
		if err != nil {
			s.log.WarnContext(ctx, "stored credential does not parse", "id", rec.ID, "err", err)
			continue
		}
		byView[v] = rec
		views = append(views, v)
	}
	res := &QueryResult{Matches: map[string][]*QueryMatch{}}
	if len(q.DCQLQuery) > 0 {
		dq, err := dcql.Parse(q.DCQLQuery)
		if err != nil {
			return nil, err
		}
		c, err := dcql.Compile(dq)
		if err != nil {
			return nil, err
		}
		cands, _, err := c.Candidates(ctx, slices.Values(views))
		if err != nil {
			return nil, err
		}
		for id, ms := range cands {
			for _, m := range ms {
				res.Matches[id] = append(res.Matches[id], &QueryMatch{Credential: infoOf(byView[m.Credential]), Disclose: m.Disclose})
			}
		}
		_, err = c.Select(cands, nil)
		res.Satisfiable = err == nil
		return res, nil
	}
	def, err := pex.ParseDefinition(q.PresentationDefinition)
	if err != nil {
		return nil, err
	}
	c, err := pex.Compile(def)
	if err != nil {
		return nil, err
	}
	pr, err := c.Evaluate(ctx, slices.Values(views))
	if err != nil && pr == nil {
		return nil, err
	}
	for _, d := range pr.Descriptors {
		for _, cand := range d.Candidates {
			res.Matches[d.ID] = append(res.Matches[d.ID], &QueryMatch{Credential: infoOf(byView[cand.Credential]), Disclose: cand.Disclose})
		}
	}
	res.Satisfiable = pr.Satisfiable
	return res, nil
}

func (s *Service) handleQuery(w http.ResponseWriter, r *http.Request) {
	var q QueryRequest
	if err := svc.DecodeJSON(r, &q); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.Query(r.Context(), r.PathValue("tenant"), r.PathValue("account"), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, res)
}
