package oid4vci

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// OfferLink is a Credential Offer as passed to a wallet (§4.1): a URL whose
// query carries exactly one of credential_offer (the offer by value) or
// credential_offer_uri (an https URL to fetch it from). Endpoint is the
// part before the query: "openid-credential-offer://" or the wallet's
// https credential_offer_endpoint. The link is also the QR code payload.
type OfferLink struct {
	// Endpoint is the URL without the offer parameter, e.g.
	// "openid-credential-offer://" or "https://wallet.example.org/offer".
	Endpoint string
	// Offer is set for an offer by value.
	Offer *CredentialOffer
	// OfferURI is set for an offer by reference.
	OfferURI string
}

// DefaultOfferEndpoint is used when a link is built without a wallet
// credential_offer_endpoint (§12.1.1).
const DefaultOfferEndpoint = OfferScheme + "://"

// OfferLink parses and validates an offer link. By value, the offer is
// decoded and validated under the Parser's profile; by reference, the URI
// must be https. The wallet then fetches it and passes the body to
// CredentialOffer.
func (p Parser) OfferLink(link string) (*OfferLink, error) {
	lim := p.Limits.with(defaultSmall)
	if len(link) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: offer link of %d bytes > %d", ErrTooLarge, len(link), lim.MaxBytes)
	}
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return nil, fieldErr("", ErrMalformed, "not a URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if !p.offerScheme(scheme) {
		return nil, fieldErr("", ErrInvalidValue, "offer link scheme must be openid-credential-offer or https")
	}
	if scheme == "https" && u.Host == "" {
		return nil, fieldErr("", ErrInvalidValue, "https offer link without host")
	}
	if u.User != nil {
		return nil, fieldErr("", ErrInvalidValue, "user information not allowed")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fieldErr("", ErrMalformed, "bad query encoding")
	}
	byValue, hasValue := q["credential_offer"]
	byRef, hasRef := q["credential_offer_uri"]
	switch {
	case hasValue && hasRef:
		return nil, fieldErr("credential_offer_uri", ErrConflict, "credential_offer and credential_offer_uri both present")
	case !hasValue && !hasRef:
		return nil, fieldErr("credential_offer", ErrMissing, "neither credential_offer nor credential_offer_uri present")
	case len(byValue) > 1 || len(byRef) > 1:
		return nil, fieldErr("", ErrDuplicate, "offer parameter repeated")
	}
	// Endpoint: the link without the offer parameter.
	q.Del("credential_offer")
	q.Del("credential_offer_uri")
	ep := *u
	ep.RawQuery = q.Encode()
	ep.Fragment, ep.RawFragment = "", ""
	l := &OfferLink{Endpoint: ep.String()}
	if ep.RawQuery == "" && ep.Host == "" && ep.Path == "" {
		l.Endpoint = u.Scheme + "://"
	}
	if hasRef {
		if err := checkHTTPSURL("credential_offer_uri", byRef[0]); err != nil {
			return nil, err
		}
		l.OfferURI = byRef[0]
		return l, nil
	}
	o, err := p.CredentialOffer([]byte(byValue[0]))
	if err != nil {
		return nil, prefix("credential_offer", err)
	}
	l.Offer = o
	return l, nil
}

func (p Parser) offerScheme(s string) bool {
	if s == OfferScheme || s == "https" {
		return true
	}
	for _, e := range p.ExtraOfferSchemes {
		if strings.EqualFold(e, s) && s != "http" {
			return true
		}
	}
	return false
}

// String builds the link. Exactly one of Offer and OfferURI must be set;
// String returns "" otherwise (use Build for the error).
func (l *OfferLink) String() string {
	s, err := l.Build()
	if err != nil {
		return ""
	}
	return s
}

// Build encodes the link: Endpoint (DefaultOfferEndpoint if empty) with
// credential_offer=<url-encoded JSON> or credential_offer_uri=<url-encoded
// URI> appended to its query. The offer is validated under ProfileFinal
// unless it uses legacy members, in which case ProfileLegacy applies.
func (l *OfferLink) Build() (string, error) {
	switch {
	case l.Offer != nil && l.OfferURI != "":
		return "", fieldErr("credential_offer_uri", ErrConflict, "credential_offer and credential_offer_uri both set")
	case l.Offer == nil && l.OfferURI == "":
		return "", fieldErr("credential_offer", ErrMissing, "neither credential_offer nor credential_offer_uri set")
	}
	ep := l.Endpoint
	if ep == "" {
		ep = DefaultOfferEndpoint
	}
	u, err := url.Parse(ep)
	if err != nil {
		return "", fieldErr("endpoint", ErrMalformed, "not a URL")
	}
	if strings.EqualFold(u.Scheme, "http") {
		return "", fieldErr("endpoint", ErrInvalidValue, "plain http endpoint")
	}
	if u.Query().Has("credential_offer") || u.Query().Has("credential_offer_uri") {
		return "", fieldErr("endpoint", ErrConflict, "endpoint already carries an offer parameter")
	}
	var name, value string
	if l.OfferURI != "" {
		if err := checkHTTPSURL("credential_offer_uri", l.OfferURI); err != nil {
			return "", err
		}
		name, value = "credential_offer_uri", l.OfferURI
	} else {
		prof := ProfileFinal
		if l.Offer.Credentials != nil {
			prof = ProfileLegacy
		}
		if err := l.Offer.Validate(prof); err != nil {
			return "", prefix("credential_offer", err)
		}
		b, err := json.Marshal(l.Offer)
		if err != nil {
			return "", err
		}
		name, value = "credential_offer", string(b)
	}
	sep := "?"
	if strings.Contains(ep, "?") {
		sep = "&"
		if strings.HasSuffix(ep, "?") || strings.HasSuffix(ep, "&") {
			sep = ""
		}
	}
	return ep + sep + name + "=" + url.QueryEscape(value), nil
}
