package walletsvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// MaxOfferBytes bounds the body of an offering retrieval (a link or an
// offer JSON).
const MaxOfferBytes = 64 << 10

// Offering is a pending credential offer as the offering API lists it:
// what the issuer offers and how it presents itself, never the
// pre-authorized code.
type Offering struct {
	// ID is the request id of DELETE …/offering/clear/{group}/{request}.
	ID string `json:"id"`
	// Group is the group (= storage account) the offering belongs to.
	Group string `json:"group"`
	// CredentialIssuer is the issuer identifier; IssuerDisplay its display
	// data from the issuer metadata.
	CredentialIssuer string                  `json:"credential_issuer"`
	IssuerDisplay    []oid4vci.IssuerDisplay `json:"issuer_display,omitempty"`
	// Credentials are the offered configurations with their display data.
	Credentials []OfferedCredential `json:"credentials"`
	// TxCode, when present, is the shape of the transaction code the
	// Acceptance must carry (delivered to the user out of band).
	TxCode *oid4vci.TxCode `json:"tx_code,omitempty"`
	// CreatedAt and ExpiresAt bound the offering (OfferingTTL).
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// OfferedCredential is one configuration of an offering.
type OfferedCredential struct {
	ConfigurationID string                      `json:"configuration_id"`
	Format          string                      `json:"format"`
	VCT             string                      `json:"vct,omitempty"`
	Types           []string                    `json:"types,omitempty"`
	Display         []oid4vci.CredentialDisplay `json:"display,omitempty"`
}

// Acceptance is the body of DELETE …/offering/clear/{group}/{request}
// (the W-Stack's shape): accept redeems the offering, otherwise it is
// discarded. The holder key {holderNamespace, holderGroup, holderKey}
// defaults to {tenant, "holder", group}; it is created on demand and its
// namespace must be the tenant.
type Acceptance struct {
	Accept          bool   `json:"accept"`
	HolderKey       string `json:"holderKey,omitempty"`
	HolderNamespace string `json:"holderNamespace,omitempty"`
	HolderGroup     string `json:"holderGroup,omitempty"`
	TxCode          string `json:"tx_code,omitempty"`
}

// ClearResult answers DELETE …/offering/clear: accepted with the stored
// credentials' metadata, or rejected.
type ClearResult struct {
	Status      string            `json:"status"` // accepted | rejected
	Credentials []*CredentialInfo `json:"credentials,omitempty"`
}

// stored is the sealed form of an offering: its public view and the
// resolved offer (with the pre-authorized code).
type storedOffering struct {
	Offering Offering        `json:"offering"`
	Offer    json.RawMessage `json:"offer"`
}

// Retrieve resolves an offer (openid-credential-offer:// or https link,
// by value or by reference, or the offer JSON), fetches and checks the
// issuer's metadata, and stores a pending offering for tenant/group.
func (s *Service) Retrieve(ctx context.Context, tenant, group, input string) (*Offering, error) {
	if err := checkNames(tenant, group); err != nil {
		return nil, err
	}
	offer, err := s.probe.ResolveOffer(ctx, input)
	if err != nil {
		return nil, err
	}
	if offer.Grants == nil || offer.Grants.PreAuthorizedCode == nil {
		return nil, ErrUnsupportedOffer
	}
	sess, err := s.probe.Start(ctx, offer)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	o := Offering{ID: svc.RandomID(), Group: group, CredentialIssuer: offer.CredentialIssuer,
		IssuerDisplay: sess.Metadata.Display, TxCode: offer.Grants.PreAuthorizedCode.TxCode,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.OfferingTTL)}
	if o.TxCode == nil && offer.Grants.PreAuthorizedCode.TxCodeRequired() {
		o.TxCode = &oid4vci.TxCode{}
	}
	for _, id := range offer.ConfigurationIDs() {
		oc := OfferedCredential{ConfigurationID: id}
		if c := sess.Metadata.CredentialConfigurations[id]; c != nil {
			oc.Format, oc.VCT, oc.Display = c.Format, c.VCT, c.Display
			if c.CredentialMetadata != nil {
				oc.Display = append(oc.Display, c.CredentialMetadata.Display...)
			}
			if c.CredentialDefinition != nil {
				oc.Types = c.CredentialDefinition.Type
			}
		}
		o.Credentials = append(o.Credentials, oc)
	}
	raw, err := json.Marshal(offer)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(storedOffering{Offering: o, Offer: raw})
	if err != nil {
		return nil, err
	}
	if err := s.store.putOffering(ctx, tenant, group, o.ID, o.CreatedAt, o.ExpiresAt, data); err != nil {
		return nil, err
	}
	if n, err := s.store.DeleteExpiredOfferings(ctx, now); err == nil && n > 0 {
		s.log.DebugContext(ctx, "expired offerings removed", "count", n)
	}
	s.publish(tenant, group, "retrieval.offering.publication", &o)
	s.log.InfoContext(ctx, "offering retrieved", "tenant", tenant, "group", group, "offering", o.ID, "issuer", o.CredentialIssuer)
	return &o, nil
}

// Offerings lists the unexpired pending offerings of tenant/group.
func (s *Service) Offerings(ctx context.Context, tenant, group string) ([]*Offering, error) {
	if err := checkNames(tenant, group); err != nil {
		return nil, err
	}
	_, datas, err := s.store.offerings(ctx, tenant, group, "", s.cfg.Now())
	if err != nil {
		return nil, err
	}
	out := []*Offering{}
	for _, d := range datas {
		var so storedOffering
		if err := json.Unmarshal(d, &so); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSealed, err)
		}
		out = append(out, &so.Offering)
	}
	return out, nil
}

// Clear accepts or rejects a pending offering. Accepting runs the
// pre-authorized code flow with the Acceptance's tx_code, proves
// possession of the holder key (created on demand) through the engine,
// verifies the credentials and stores them encrypted in the group's
// account; the offering is removed only when that succeeded, so a wrong
// tx_code can be corrected until the issuer gives up on the code. Rejecting
// discards the offering; OpenID4VCI has no message for declining an offer
// before issuance (notification_id comes with a credential), so the issuer
// is not told.
func (s *Service) Clear(ctx context.Context, tenant, group, id string, a Acceptance) (*ClearResult, error) {
	if err := checkNames(tenant, group); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, fmt.Errorf("%w: offering id", ErrInput)
	}
	if !a.Accept {
		ok, err := s.store.deleteOffering(ctx, tenant, group, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrNotFound
		}
		s.publish(tenant, group, "retrieval.offering.rejected", map[string]string{"id": id})
		return &ClearResult{Status: "rejected"}, nil
	}
	ids, datas, err := s.store.offerings(ctx, tenant, group, id, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, ErrNotFound
	}
	var so storedOffering
	if err := json.Unmarshal(datas[0], &so); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSealed, err)
	}
	ref, err := s.holderRef(tenant, group, a)
	if err != nil {
		return nil, err
	}
	hk, err := s.holderKey(ctx, ref)
	if err != nil {
		return nil, err
	}
	acct := s.store.Account(tenant, group, ref)
	code := a.TxCode
	c, err := s.retrievalClient(hk, acct, &code)
	if err != nil {
		return nil, err
	}
	creds, err := c.AcceptOffer(ctx, string(so.Offer))
	if err != nil {
		s.log.WarnContext(ctx, "offering not accepted", "tenant", tenant, "group", group, "offering", id, "err", err)
		return nil, err
	}
	if _, err := s.store.deleteOffering(ctx, tenant, group, id); err != nil {
		return nil, err
	}
	res := &ClearResult{Status: "accepted"}
	for _, sc := range creds {
		res.Credentials = append(res.Credentials, infoOf(&Record{StoredCredential: *sc, HolderKey: ref}))
	}
	s.publish(tenant, group, "retrieval.offering.accepted", map[string]any{"id": id, "credentials": len(creds)})
	s.log.InfoContext(ctx, "offering accepted", "tenant", tenant, "group", group, "offering", id, "credentials", len(creds))
	return res, nil
}

// holderRef applies the Acceptance's holder key naming and its defaults.
func (s *Service) holderRef(tenant, group string, a Acceptance) (crypto.KeyRef, error) {
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: a.HolderNamespace, Group: a.HolderGroup}, ID: a.HolderKey}
	if ref.Namespace == "" {
		ref.Namespace = tenant
	}
	if ref.Group == "" {
		ref.Group = s.cfg.DefaultHolderGroup
	}
	if ref.ID == "" {
		ref.ID = s.cfg.DefaultHolderKey
		if ref.ID == "" {
			ref.ID = group
		}
	}
	if err := ref.Validate(); err != nil {
		return ref, fmt.Errorf("%w: holder key: %w", ErrInput, err)
	}
	// A caller of one tenant must not make the wallet sign with another
	// tenant's keys, nor with the storage key-encryption keys.
	if ref.Namespace != tenant {
		return ref, fmt.Errorf("%w: holderNamespace must be the tenant", ErrForbidden)
	}
	if ref.Group == s.store.keyGroup {
		return ref, fmt.Errorf("%w: holderGroup %q is reserved", ErrForbidden, ref.Group)
	}
	return ref, nil
}

// holderKey returns the holder key, creating it when missing.
func (s *Service) holderKey(ctx context.Context, ref crypto.KeyRef) (*wallet.HolderKey, error) {
	k, err := s.cfg.Engine.GetKey(ctx, ref)
	if errors.Is(err, crypto.ErrKeyNotFound) {
		k, err = s.cfg.Engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: s.cfg.HolderKeyType})
		if errors.Is(err, crypto.ErrKeyExists) {
			k, err = s.cfg.Engine.GetKey(ctx, ref)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("walletsvc: holder key %s: %w", ref, err)
	}
	if k.Type.Symmetric() {
		return nil, fmt.Errorf("%w: holder key %s is not a signing key", ErrInput, ref)
	}
	return wallet.NewHolderKey(ctx, s.cfg.Engine, ref, "")
}

// --- HTTP ---

func (s *Service) handleRetrieve(w http.ResponseWriter, r *http.Request) {
	input, err := readOffer(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.Retrieve(r.Context(), r.PathValue("tenant"), r.PathValue("group"), input)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	svc.WriteJSON(w, http.StatusCreated, o)
}

// readOffer reads the retrieval body: a JSON object {"offer": "<link or
// offer JSON>"} (also "credential_offer" / "offering"), the Credential Offer
// object itself, or the link as text/plain.
func readOffer(r *http.Request) (string, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxOfferBytes+1))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInput, err)
	}
	if len(body) > MaxOfferBytes {
		return "", fmt.Errorf("%w: body over %d bytes", ErrTooLarge, MaxOfferBytes)
	}
	mt := "application/json"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			return "", fmt.Errorf("%w: content type", ErrInput)
		}
	}
	text := strings.TrimSpace(string(body))
	switch {
	case mt == "text/plain" || mt == "text/uri-list":
		if text == "" {
			return "", fmt.Errorf("%w: empty offer", ErrInput)
		}
		return text, nil
	case mt != "application/json":
		return "", fmt.Errorf("%w: content type %q", ErrInput, mt)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return "", fmt.Errorf("%w: %v", ErrInput, err)
	}
	if _, ok := m["credential_issuer"]; ok {
		return text, nil
	}
	for _, k := range []string{"offer", "credential_offer", "offering"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		var str string
		if json.Unmarshal(v, &str) == nil && strings.TrimSpace(str) != "" {
			return str, nil
		}
		if len(v) > 0 && v[0] == '{' {
			return string(v), nil
		}
	}
	return "", fmt.Errorf("%w: body has no offer", ErrInput)
}

func (s *Service) handleListOfferings(w http.ResponseWriter, r *http.Request) {
	list, err := s.Offerings(r.Context(), r.PathValue("tenant"), r.PathValue("group"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, map[string]any{"offerings": list})
}

func (s *Service) handleClear(w http.ResponseWriter, r *http.Request) {
	var a Acceptance
	if err := svc.DecodeJSON(r, &a); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.Clear(r.Context(), r.PathValue("tenant"), r.PathValue("group"), r.PathValue("request"), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, res)
}

// publish sends an offering event when NATS is configured.
func (s *Service) publish(tenant, group, typ string, data any) {
	if s.cfg.NATS == nil {
		return
	}
	ev := map[string]any{"tenant_id": tenant, "group_id": group, "request_id": svc.RandomID(), "data": data}
	if err := svc.Publish(s.cfg.NATS, s.cfg.OfferingTopic, ServiceName, typ, ev); err != nil {
		s.log.Warn("publish offering event", "type", typ, "err", err)
	}
}
