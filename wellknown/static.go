package wellknown

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"text/template"

	"github.com/ocmw/wstack/oid4vci"
)

// MaxStaticFileBytes bounds each file LoadStaticMetadata reads.
const MaxStaticFileBytes = 1 << 20

// LoadStaticMetadata reads base issuer metadata in the layout of the
// W-Stack's Git importer: for every top-level directory <tenant> of fsys,
// <tenant>/issuer.json (a text/template executed with vars, missing keys
// are errors) and <tenant>/credentials/*.json, one credential
// configuration each, its id the file name without ".json" (a
// configuration also present in issuer.json is an ErrConflict). Every
// document is validated (oid4vci 1.0 Final unless profile says otherwise);
// other files (images/) are ignored. The result is the Base of an
// Aggregator or a Tenant's Metadata.
func LoadStaticMetadata(fsys fs.FS, vars any, profile oid4vci.Profile) (StaticMetadata, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	out := StaticMetadata{}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		tenant := e.Name()
		raw, err := readBounded(fsys, path.Join(tenant, "issuer.json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		tmpl, err := template.New(tenant).Option("missingkey=error").Parse(string(raw))
		if err != nil {
			return nil, fmt.Errorf("%w: %s/issuer.json: %v", ErrConfig, tenant, err)
		}
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, vars); err != nil {
			return nil, fmt.Errorf("%w: %s/issuer.json: %v", ErrConfig, tenant, err)
		}
		p := oid4vci.Parser{Profile: profile}
		md, err := p.IssuerMetadata(buf.Bytes())
		if err != nil {
			return nil, fmt.Errorf("%w: %s/issuer.json: %w", ErrConfig, tenant, err)
		}
		if md.CredentialConfigurations == nil {
			md.CredentialConfigurations = map[string]*oid4vci.CredentialConfiguration{}
		}
		creds, err := fs.Glob(fsys, path.Join(tenant, "credentials", "*.json"))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		if len(creds)+len(md.CredentialConfigurations) > DefaultMaxConfigurations {
			return nil, fmt.Errorf("%w: tenant %s has more than %d configurations", ErrTooLarge, tenant, DefaultMaxConfigurations)
		}
		for _, f := range creds {
			id := strings.TrimSuffix(path.Base(f), ".json")
			if _, dup := md.CredentialConfigurations[id]; dup {
				return nil, fmt.Errorf("%w: %s: configuration %q also in issuer.json", ErrConflict, f, id)
			}
			b, err := readBounded(fsys, f)
			if err != nil {
				return nil, err
			}
			var c oid4vci.CredentialConfiguration
			if err := strictDecodeLarge(b, &c); err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrConfig, f, err)
			}
			if err := c.Validate(profile); err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrConfig, f, err)
			}
			md.CredentialConfigurations[id] = &c
		}
		if err := md.Validate(profile); err != nil {
			return nil, fmt.Errorf("%w: tenant %s: %w", ErrConfig, tenant, err)
		}
		out[tenant] = md
	}
	return out, nil
}

func readBounded(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(f, MaxStaticFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrConfig, name, err)
	}
	if n > MaxStaticFileBytes {
		return nil, fmt.Errorf("%w: %s exceeds %d bytes", ErrTooLarge, name, MaxStaticFileBytes)
	}
	return buf.Bytes(), nil
}

func strictDecodeLarge(data []byte, v any) error {
	if err := jsonxValidate(data); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
