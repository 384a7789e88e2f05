package wallet_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// TestDisplayImages: display images are https or size-capped data:image
// URIs.
func TestDisplayImages(t *testing.T) {
	w := fuzzWallet(t)
	big := "data:image/png;base64," + strings.Repeat("A", wallet.MaxDataURIBytes)
	cases := []struct {
		name, issuerLogo, credLogo, background string
		ok                                     bool
	}{
		{"https logo", "https://i.example/logo.png", "", "", true},
		{"data logo", "data:image/png;base64,iVBORw0KGgo=", "data:image/svg+xml,%3Csvg%2F%3E", "", true},
		{"data too large", "", big, "", false},
		{"data not an image", "", "data:text/html,<script>", "", false},
		{"http background", "", "", "http://i.example/bg.png", false},
		{"javascript logo", "javascript:alert(1)", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			md := map[string]any{"credential_issuer": "https://i.example", "credential_endpoint": "https://i.example/c"}
			if tc.issuerLogo != "" {
				md["display"] = []any{map[string]any{"name": "I", "logo": map[string]any{"uri": tc.issuerLogo}}}
			}
			d := map[string]any{"name": "PID"}
			if tc.credLogo != "" {
				d["logo"] = map[string]any{"uri": tc.credLogo}
			}
			if tc.background != "" {
				d["background_image"] = map[string]any{"uri": tc.background}
			}
			md["credential_configurations_supported"] = map[string]any{"pid": map[string]any{
				"format": "dc+sd-jwt", "vct": "https://v.example", "credential_metadata": map[string]any{"display": []any{d}}}}
			b, _ := json.Marshal(md)
			parsed, err := oid4vci.Parser{Limits: oid4vci.Limits{MaxBytes: 1 << 20}}.IssuerMetadata(b)
			must(t, err) // the wire parser accepts them all: the check is the wallet's
			err = w.CheckMetadata(parsed)
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, wallet.ErrMetadata)) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
