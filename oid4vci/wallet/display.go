package wallet

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ocmw/wstack/oid4vci"
)

// MaxDataURIBytes caps a display image given inline as a data: URI.
const MaxDataURIBytes = 64 << 10

// checkImage accepts a display image URI a wallet may later render: https
// (subject to the endpoint rules) or a data:image/… URI of at most
// MaxDataURIBytes. The wallet itself fetches no images.
func (c *Client) checkImage(field, uri string) error {
	if strings.HasPrefix(strings.ToLower(uri), "data:") {
		if len(uri) > MaxDataURIBytes {
			return fmt.Errorf("%w: %s: data URI of %d bytes > %d", ErrMetadata, field, len(uri), MaxDataURIBytes)
		}
		if !strings.HasPrefix(strings.ToLower(uri), "data:image/") || !strings.Contains(uri, ",") {
			return fmt.Errorf("%w: %s: data URI is not an image", ErrMetadata, field)
		}
		return nil
	}
	return c.checkEndpoint(field, uri)
}

// checkDisplay checks the image URIs of issuer and credential display.
func (c *Client) checkDisplay(md *oid4vci.IssuerMetadata) error {
	for i, d := range md.Display {
		if d.Logo != nil && d.Logo.URI != "" {
			if err := c.checkImage(fmt.Sprintf("display[%d].logo.uri", i), d.Logo.URI); err != nil {
				return err
			}
		}
	}
	ids := make([]string, 0, len(md.CredentialConfigurations))
	for id := range md.CredentialConfigurations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		cfg := md.CredentialConfigurations[id]
		if cfg == nil {
			continue
		}
		displays := cfg.Display
		if cfg.CredentialMetadata != nil {
			displays = append(displays, cfg.CredentialMetadata.Display...)
		}
		for i, d := range displays {
			if d.Logo != nil && d.Logo.URI != "" {
				if err := c.checkImage(fmt.Sprintf("%s display[%d].logo.uri", id, i), d.Logo.URI); err != nil {
					return err
				}
			}
			if d.BackgroundImage != nil && d.BackgroundImage.URI != "" {
				if err := c.checkImage(fmt.Sprintf("%s display[%d].background_image.uri", id, i), d.BackgroundImage.URI); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
