package issuer

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"time"

	"github.com/ocmw/wstack/oid4vci"
)

// OfferRequest asks for a credential offer ("prepare credential data, return
// offering link").
type OfferRequest struct {
	// Subject is whom the credentials are for (opaque; handed to plugins).
	Subject string
	// ConfigurationIDs are the offered credential configuration ids:
	// non-empty, unique, each served by a plugin.
	ConfigurationIDs []string
	// Claims is the data the plugins build the credentials from.
	Claims map[string]any
	// TxCode, when set, protects the code with a transaction code that is
	// generated with crypto/rand (Length characters, default 6; digits for
	// numeric, else upper-case letters and digits) and handed to
	// Config.DeliverTxCode. Only its shape goes into the offer.
	TxCode *oid4vci.TxCode
	// ByReference serves the offer at credential_offer_uri (until the code
	// is redeemed or the offer expires) and puts only that URI in the link.
	ByReference bool
	// Endpoint is the wallet's credential_offer_endpoint
	// (default openid-credential-offer://).
	Endpoint string
	// TTL overrides Config.OfferTTL when positive.
	TTL time.Duration
	// Grants selects the grants of the offer (zero: GrantPreAuthorized).
	// GrantAuthorizationCode adds the authorization_code grant with a fresh
	// issuer_state that an external authorization server (one of
	// Config.AuthorizationServers) carries into its access token; see
	// AuthorizationServer. With both grants, whichever is used first
	// redeems the offer.
	Grants OfferGrants
	// AuthorizationServer is the authorization_server of the
	// authorization_code grant: the issuer of one of
	// Config.AuthorizationServers. Required when there are several; the only
	// one otherwise.
	AuthorizationServer string
	// Draft12 builds the offer in the drafts 11–12 shape the W-Stack's
	// deployed wallets read: credentials (ids) instead of
	// credential_configuration_ids and user_pin_required instead of tx_code
	// (the PIN is then numeric). Needs Config.Profile = ProfileLegacy.
	Draft12 bool
}

// OfferGrants is a set of grants of an offer.
type OfferGrants int

// Grants of an offer.
const (
	// GrantPreAuthorized is the pre-authorized code grant (§4.1.1), with
	// the issuer's own token endpoint.
	GrantPreAuthorized OfferGrants = 1 << iota
	// GrantAuthorizationCode is the authorization_code grant through an
	// external authorization server, correlated by issuer_state.
	GrantAuthorizationCode
)

// CreatedOffer is the result of CreateOffer.
type CreatedOffer struct {
	// ID identifies the offer.
	ID string
	// Offer is the credential offer (it carries the pre-authorized code).
	Offer *oid4vci.CredentialOffer
	// Link is the offer link, also the QR code payload.
	Link string
	// OfferURI is the credential_offer_uri of an offer by reference.
	OfferURI string
	// IssuerState is the issuer_state of the authorization_code grant
	// (also in Offer). Secret like the pre-authorized code.
	IssuerState string
	// ExpiresAt is when the pre-authorized code expires.
	ExpiresAt time.Time
}

const maxTxCodeLength = 32

// CreateOffer creates an offer with a fresh pre-authorized code.
func (i *Issuer) CreateOffer(ctx context.Context, req OfferRequest) (*CreatedOffer, error) {
	if len(req.ConfigurationIDs) == 0 {
		return nil, fmt.Errorf("%w: no configuration ids", ErrOffer)
	}
	seen := map[string]bool{}
	for _, id := range req.ConfigurationIDs {
		if seen[id] {
			return nil, fmt.Errorf("%w: configuration id %q repeated", ErrOffer, id)
		}
		seen[id] = true
		if _, ok := i.configs[id]; !ok {
			return nil, fmt.Errorf("%w: unknown configuration id %q", ErrOffer, id)
		}
	}
	now := i.now()
	ttl := req.TTL
	if ttl <= 0 {
		ttl = i.cfg.OfferTTL
	}
	grants := req.Grants
	if grants == 0 {
		grants = GrantPreAuthorized
	}
	if grants&^(GrantPreAuthorized|GrantAuthorizationCode) != 0 {
		return nil, fmt.Errorf("%w: unknown grants %d", ErrOffer, grants)
	}
	code := randomID(32)
	o := &Offer{
		ID: randomID(16), CodeHash: hashHex("code", code), Subject: req.Subject,
		ConfigurationIDs: append([]string(nil), req.ConfigurationIDs...), Claims: req.Claims,
		ExpiresAt: now.Add(ttl),
	}
	grant := &oid4vci.PreAuthorizedCodeGrant{PreAuthorizedCode: code}
	var acGrant *oid4vci.AuthorizationCodeGrant
	var issuerState string
	if grants&GrantAuthorizationCode != 0 {
		as := req.AuthorizationServer
		switch {
		case len(i.cfg.AuthorizationServers) == 0:
			return nil, fmt.Errorf("%w: the authorization_code grant needs Config.AuthorizationServers", ErrOffer)
		case as == "" && len(i.cfg.AuthorizationServers) > 1:
			return nil, fmt.Errorf("%w: several authorization servers: AuthorizationServer required", ErrOffer)
		case as == "":
			as = i.cfg.AuthorizationServers[0].Issuer
		case i.external[as] == nil:
			return nil, fmt.Errorf("%w: authorization server %q is not configured", ErrOffer, as)
		}
		if req.TxCode != nil && grants&GrantPreAuthorized == 0 {
			return nil, fmt.Errorf("%w: a transaction code needs the pre-authorized code grant", ErrOffer)
		}
		secret := randomID(32)
		issuerState = o.ID + "." + secret
		o.IssuerStateHash = hashHex("issuer_state", o.ID, secret)
		acGrant = &oid4vci.AuthorizationCodeGrant{IssuerState: issuerState, AuthorizationServer: as}
		if grants&GrantPreAuthorized == 0 {
			// No pre-authorized code: the code hash is of a secret nobody
			// holds, so the token endpoint can never redeem it.
			o.CodeHash, grant = hashHex("no-code", randomID(32)), nil
		}
	}
	var tx string
	if req.TxCode != nil {
		if i.cfg.DeliverTxCode == nil {
			return nil, fmt.Errorf("%w: a transaction code needs Config.DeliverTxCode", ErrOffer)
		}
		shape := *req.TxCode
		if shape.InputMode == "" {
			shape.InputMode = oid4vci.InputModeNumeric
		}
		if shape.Length == 0 {
			shape.Length = 6
		}
		if shape.Length < 4 || shape.Length > maxTxCodeLength {
			return nil, fmt.Errorf("%w: transaction code length %d outside [4, %d]", ErrOffer, shape.Length, maxTxCodeLength)
		}
		if err := shape.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrOffer, err)
		}
		var err error
		if tx, err = newTxCode(shape.InputMode, shape.Length); err != nil {
			return nil, err
		}
		o.TxCodeHash = hashHex("tx", o.CodeHash, tx)
		grant.TxCode = &shape
	}
	offer := &oid4vci.CredentialOffer{
		CredentialIssuer:           i.cfg.Issuer,
		CredentialConfigurationIDs: o.ConfigurationIDs,
		Grants:                     &oid4vci.Grants{PreAuthorizedCode: grant, AuthorizationCode: acGrant},
	}
	profile := oid4vci.ProfileFinal
	if req.Draft12 && grant == nil {
		return nil, fmt.Errorf("%w: Draft12 offers have a pre-authorized code", ErrOffer)
	}
	if req.Draft12 {
		if i.cfg.Profile != oid4vci.ProfileLegacy {
			return nil, fmt.Errorf("%w: Draft12 offers need Config.Profile = ProfileLegacy", ErrOffer)
		}
		if grant.TxCode != nil && grant.TxCode.InputMode != oid4vci.InputModeNumeric {
			return nil, fmt.Errorf("%w: drafts 11-12 PINs are numeric", ErrOffer)
		}
		profile = oid4vci.ProfileLegacy
		pin := grant.TxCode != nil
		grant.TxCode, grant.UserPinRequired = nil, &pin
		offer.CredentialConfigurationIDs = nil
		for _, id := range o.ConfigurationIDs {
			offer.Credentials = append(offer.Credentials, oid4vci.OfferedCredential{ID: id})
		}
	}
	if err := offer.Validate(profile); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOffer, err)
	}
	link := &oid4vci.OfferLink{Endpoint: req.Endpoint}
	out := &CreatedOffer{ID: o.ID, Offer: offer, ExpiresAt: o.ExpiresAt, IssuerState: issuerState}
	if req.ByReference {
		doc, err := json.Marshal(offer)
		if err != nil {
			return nil, err
		}
		o.Document = doc
		out.OfferURI = i.endpoint("offers/" + o.ID)
		link.OfferURI = out.OfferURI
	} else {
		link.Offer = offer
	}
	s, err := link.Build()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOffer, err)
	}
	out.Link = s
	if err := i.cfg.Offers.Put(ctx, o); err != nil {
		return nil, err
	}
	if tx != "" {
		if err := i.cfg.DeliverTxCode(ctx, TxCodeDelivery{OfferID: o.ID, Subject: o.Subject, Code: tx, ExpiresAt: o.ExpiresAt}); err != nil {
			// The offer is useless without its code: lock it.
			for k := 0; k < i.cfg.MaxTxCodeAttempts; k++ {
				_, _ = i.cfg.Offers.Fail(ctx, o.CodeHash, i.cfg.MaxTxCodeAttempts)
			}
			return nil, fmt.Errorf("issuer: delivering the transaction code: %w", err)
		}
	}
	i.metrics.Record(ctx, Event{Kind: EventOfferCreated, Endpoint: "offer"})
	return out, nil
}

const txAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func newTxCode(mode string, n int) (string, error) {
	alphabet := "0123456789"
	if mode == oid4vci.InputModeText {
		alphabet = txAlphabet
	}
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for k := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[k] = alphabet[v.Int64()]
	}
	return string(b), nil
}

// OfferHandler serves offers by reference (GET …/offers/{offer}) until the
// code is redeemed or the offer expires. With a custom router, the offer id
// is the path value "offer".
func (i *Issuer) OfferHandler() http.Handler {
	return i.timed("offer", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("offer")
		o, err := i.cfg.Offers.Get(r.Context(), id, i.now())
		if err == nil && (o.Redeemed || len(o.Document) == 0) {
			err = ErrNotFound
		}
		if err != nil {
			if !errors.Is(err, ErrNotFound) {
				i.log.ErrorContext(r.Context(), "issuer: offer lookup", "err", err)
			}
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "offer not found", http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("Content-Type", oid4vci.MediaTypeJSON)
		h.Set("Cache-Control", "no-store")
		_, _ = w.Write(o.Document)
	})
}
