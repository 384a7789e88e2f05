package wellknown_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
)

func TestLoadStaticMetadata(t *testing.T) {
	issuerJSON := `{"credential_issuer":"{{.BaseURL}}/tenant-a","credential_endpoint":"{{.BaseURL}}/tenant-a/credential",
	 "credential_configurations_supported":{"inline":{"format":"dc+sd-jwt","vct":"https://vct.example/inline"}}}`
	fsys := fstest.MapFS{
		"tenant-a/issuer.json":          {Data: []byte(issuerJSON)},
		"tenant-a/credentials/pid.json": {Data: []byte(`{"format":"dc+sd-jwt","vct":"https://vct.example/pid"}`)},
		"tenant-a/images/logo.png":      {Data: []byte{0x89, 'P', 'N', 'G'}},
		"not-a-tenant/readme.txt":       {Data: []byte("x")},
		".git/config":                   {Data: []byte("x")},
	}
	md, err := wellknown.LoadStaticMetadata(fsys, map[string]string{"BaseURL": "https://issuer.example"}, oid4vci.ProfileFinal)
	if err != nil {
		t.Fatal(err)
	}
	a := md["tenant-a"]
	if len(md) != 1 || a == nil || a.CredentialIssuer != "https://issuer.example/tenant-a" || len(a.CredentialConfigurations) != 2 || a.CredentialConfigurations["pid"].VCT != "https://vct.example/pid" {
		t.Fatalf("%+v", md)
	}
	bad := []struct {
		name string
		fs   fstest.MapFS
		vars any
		want error
	}{
		{"missing template key", fstest.MapFS{"t/issuer.json": {Data: []byte(issuerJSON)}}, map[string]string{}, wellknown.ErrConfig},
		{"invalid issuer.json", fstest.MapFS{"t/issuer.json": {Data: []byte(`{"credential_issuer":"http://x"}`)}}, nil, wellknown.ErrConfig},
		{"invalid configuration", fstest.MapFS{"t/issuer.json": {Data: []byte(strings.ReplaceAll(issuerJSON, "{{.BaseURL}}", "https://i.example"))}, "t/credentials/x.json": {Data: []byte(`{"format":"dc+sd-jwt"}`)}}, nil, wellknown.ErrConfig},
		{"configuration in both places", fstest.MapFS{"t/issuer.json": {Data: []byte(strings.ReplaceAll(issuerJSON, "{{.BaseURL}}", "https://i.example"))}, "t/credentials/inline.json": {Data: []byte(`{"format":"dc+sd-jwt","vct":"v"}`)}}, nil, wellknown.ErrConflict},
		{"file too large", fstest.MapFS{"t/issuer.json": {Data: []byte(strings.Repeat(" ", 2<<20))}}, nil, wellknown.ErrTooLarge},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := wellknown.LoadStaticMetadata(tc.fs, tc.vars, oid4vci.ProfileFinal); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}
