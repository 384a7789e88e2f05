package w3c

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParseCredential(f *testing.F) {
	files, _ := filepath.Glob("testdata/vcdm2/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(v1Doc))
	f.Add([]byte(v2Doc))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCredential(data, Limits{MaxBytes: 64 << 10})
		if err != nil {
			return
		}
		_ = c.Validate()
		_ = c.Validity()
		for _, s := range c.CredentialStatus.Items {
			_, _ = s.StatusEntry()
		}
		// A decoded credential always re-encodes, and re-decodes to the
		// same members.
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if _, err := ParseCredential(out, Limits{MaxBytes: 1 << 20}); err != nil {
			t.Fatalf("re-parse: %v", err)
		}
	})
}

func FuzzParsePresentation(f *testing.F) {
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","verifiableCredential":[` + v2Doc + `,"eyJ"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePresentation(data, Limits{MaxBytes: 64 << 10})
		if err != nil {
			return
		}
		_ = p.Validate()
		if _, err := json.Marshal(p); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	})
}

func FuzzParseCredentialJWT(f *testing.F) {
	f.Add("eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJkaWQ6ZXhhbXBsZTppc3N1ZXIiLCJ2YyI6eyJAY29udGV4dCI6WyJodHRwczovL3d3dy53My5vcmcvMjAxOC9jcmVkZW50aWFscy92MSJdLCJ0eXBlIjpbIlZlcmlmaWFibGVDcmVkZW50aWFsIl0sImlzc3VhbmNlRGF0ZSI6IjIwMjYtMDEtMDFUMDA6MDA6MDBaIiwiY3JlZGVudGlhbFN1YmplY3QiOnsiYSI6MX19fQ.AAAA")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := ParseCredentialJWT(tok, ParseOptions{MaxSize: 64 << 10})
		if err == nil && c.Credential == nil {
			t.Fatal("nil credential without error")
		}
		_, _ = ParsePresentationJWT(tok, ParseOptions{MaxSize: 64 << 10})
	})
}
