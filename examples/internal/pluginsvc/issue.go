package pluginsvc

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

// reserved are the claims the plugin sets itself (or SD-JWT reserves).
var reserved = map[string]bool{
	"iss": true, "iat": true, "nbf": true, "exp": true, "cnf": true, "vct": true, "status": true,
	"vct#integrity": true, "_sd": true, "_sd_alg": true, "...": true,
}

// StatusRequest is the data of a status.data.create request (event type
// create).
type StatusRequest struct {
	TenantID string `json:"tenant_id"`
	GroupID  string `json:"group_id"`
	Format   string `json:"format"`
	Purpose  string `json:"purpose"`
	Bits     int    `json:"bits"`
}

// StatusReply is the reply data: status is the object embedded into the
// credential (the IETF status claim).
type StatusReply struct {
	Index     uint64         `json:"index"`
	ListID    string         `json:"listId"`
	StatusURL string         `json:"statusUrl"`
	Type      string         `json:"type"`
	Purpose   string         `json:"purpose"`
	Status    map[string]any `json:"status"`
}

// Issue implements issuer.Plugin: one credential per proven holder key.
// The subject is "<tenant>/<subject>" (issuersvc qualifies it).
func (s *Service) Issue(ctx context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error) {
	tenant, _, ok := strings.Cut(req.Subject, "/")
	if !ok || !tenantRE.MatchString(tenant) {
		return nil, oid4vci.NewError(oid4vci.CodeCredentialRequestDenied, "subject without tenant")
	}
	if err := checkClaims(req.Claims); err != nil {
		return nil, oid4vci.NewError(oid4vci.CodeCredentialRequestDenied, err.Error())
	}
	if req.ConfigurationID == s.cfg.JWTVCConfigurationID && s.jwtvc != nil {
		return s.jwtvc.Issue(ctx, req)
	}
	if req.ConfigurationID != s.cfg.SDJWTConfigurationID {
		return nil, oid4vci.NewError(oid4vci.CodeUnknownCredentialConfiguration, "configuration not served by this plugin")
	}
	if len(req.HolderKeys) == 0 {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidProof, "holder key required")
	}
	disclosable := s.disclosable(req.Claims)
	out := &issuer.IssueResult{}
	for _, hk := range req.HolderKeys {
		claims := make(map[string]any, len(req.Claims)+5)
		for k, v := range req.Claims {
			claims[k] = v
		}
		now := s.cfg.Now()
		claims["iss"] = s.issuerID
		claims["vct"] = s.cfg.VCT
		claims["iat"] = now.Unix()
		claims["exp"] = now.Add(s.cfg.Validity).Unix()
		if s.cfg.Status != nil {
			st, err := s.allocateStatus(ctx, tenant)
			if err != nil {
				return nil, err
			}
			claims["status"] = st
		}
		sd, err := vc.Issue(ctx, s.signer, claims, sdjwt.IssueOptions{Disclosable: disclosable, HolderJWK: hk.JWK})
		if err != nil {
			return nil, fmt.Errorf("pluginsvc: issuing: %w", err)
		}
		out.Credentials = append(out.Credentials, oid4vci.StringCredential(sd.String()))
	}
	return out, nil
}

// disclosable makes every top-level claim selectively disclosable and, for
// RecursiveClaims holding objects, each of their members inside the
// disclosed object (recursive disclosures, RFC 9901 §4.2.6).
func (s *Service) disclosable(claims map[string]any) []vocab.ClaimPath {
	var out []vocab.ClaimPath
	keys := make([]string, 0, len(claims))
	for k := range claims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, vocab.ClaimPath{k})
		if !s.recursive(k) {
			continue
		}
		if obj, ok := claims[k].(map[string]any); ok {
			members := make([]string, 0, len(obj))
			for m := range obj {
				members = append(members, m)
			}
			sort.Strings(members)
			for _, m := range members {
				out = append(out, vocab.ClaimPath{k, m})
			}
		}
	}
	return out
}

func (s *Service) recursive(k string) bool {
	for _, r := range s.cfg.RecursiveClaims {
		if r == k {
			return true
		}
	}
	return false
}

// allocateStatus asks the status service for an entry and returns the
// status object to embed. A reply without it is an error (the W-Stack
// signer did not check).
func (s *Service) allocateStatus(ctx context.Context, tenant string) (map[string]any, error) {
	st := s.cfg.Status
	ctx, cancel := context.WithTimeout(ctx, st.Timeout)
	defer cancel()
	var rep StatusReply
	err := svc.Call(ctx, s.cfg.NATS, st.Subject, s.cfg.Topic, "create",
		StatusRequest{TenantID: tenant, GroupID: st.GroupID, Format: "ietf", Purpose: st.Purpose, Bits: st.Bits}, &rep)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStatus, err)
	}
	sl, ok := rep.Status["status_list"].(map[string]any)
	if !ok || sl["uri"] == nil || sl["idx"] == nil {
		return nil, fmt.Errorf("%w: reply without a status_list object", ErrStatus)
	}
	return rep.Status, nil
}

// checkClaims refuses claims data the plugin cannot issue: reserved
// claims, or no claims at all.
func checkClaims(c map[string]any) error {
	if len(c) == 0 {
		return fmt.Errorf("%w: no claims", ErrRequest)
	}
	for k := range c {
		if reserved[k] {
			return fmt.Errorf("%w: claim %q is set by the issuer", ErrRequest, k)
		}
	}
	return nil
}
