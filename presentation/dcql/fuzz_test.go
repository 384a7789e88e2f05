package dcql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/internal/match"
	"github.com/ocmw/wstack/vocab"
)

// FuzzDCQL: any input either fails with ErrInvalidQuery or compiles and
// evaluates without panicking; every selected credential is a candidate of
// its query, and every disclosure is one the credential offers.
func FuzzDCQL(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "spec", "*.json"))
	for _, fn := range files {
		b, err := os.ReadFile(fn)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"credentials":[{"id":"q","format":"dc+sd-jwt","meta":{"vct_values":["` + vctPID + `"]},"claims":[{"path":["nationalities",null]}]}]}`))
	f.Add([]byte(`{"credentials":[{"id":"q","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claims":[{"path":["a",-1]}]}]}`))
	wallet := []*presentation.Credential{pid(), mdl(), vrc(), jwtVC()}
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := dcql.Parse(data)
		if err != nil {
			if !errorsIs(err, dcql.ErrInvalidQuery) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		c, err := dcql.Compile(q, trustOpt())
		if err != nil {
			t.Fatalf("Parse accepted but Compile refused: %v", err)
		}
		cands, _, err := c.Candidates(context.Background(), seq(wallet...))
		if err != nil {
			t.Fatal(err)
		}
		h := c.Hints()
		for _, ms := range cands {
			for _, m := range ms {
				cr := m.Credential
				if !slices.Contains(h.Formats, cr.Format) {
					t.Fatalf("hint formats %v exclude matching %s", h.Formats, cr.Format)
				}
				if cr.VCT != "" && m.Format == vocab.FormatSDJWTVC && !slices.Contains(h.VCTValues, cr.VCT) {
					t.Fatalf("hint vct values exclude matching %q", cr.VCT)
				}
				if cr.DocType != "" && m.Format == vocab.FormatMsoMdoc && !slices.Contains(h.DocTypes, cr.DocType) {
					t.Fatalf("hint doctypes exclude matching %q", cr.DocType)
				}
			}
		}
		res, err := c.Select(cands, nil)
		if err != nil {
			if !errorsIs(err, dcql.ErrUnsatisfiable) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for id, ms := range res.Selection {
			for _, m := range ms {
				found := false
				for _, cm := range cands[id] {
					if cm == m {
						found = true
					}
				}
				if !found {
					t.Fatalf("selected credential is not a candidate of %q", id)
				}
				for _, d := range m.Disclose {
					ok := false
					for _, have := range m.Credential.Disclosable {
						if equalPath(d, have) {
							ok = true
						}
					}
					if m.Credential.Format == vocab.FormatMsoMdoc && len(d) == 2 {
						// mdoc: a requested [namespace, element] that exists.
						ns, _ := m.Credential.Claims[fmt.Sprint(d[0])].(map[string]any)
						_, ok = ns[fmt.Sprint(d[1])]
					}
					if !ok {
						t.Fatalf("disclosure %v not offered", d)
					}
				}
			}
		}
		if _, err := json.Marshal(q); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzClaimsPathPointer: a pointer is either refused as invalid or selects
// only nodes that exist in the document, at locations that lead to them.
func FuzzClaimsPathPointer(f *testing.F) {
	for _, s := range []string{`["address","street_address"]`, `["nationalities",null]`, `["nationalities",1]`, `[]`, `[-1]`, `[1.5]`, `[{}]`, `[null,null,null]`, `["a",0,null,"b"]`} {
		f.Add([]byte(s))
	}
	doc := pidClaims()
	f.Fuzz(func(t *testing.T, data []byte) {
		var raw []any
		if json.Unmarshal(data, &raw) != nil {
			return
		}
		p, err := match.ParsePointer(raw)
		if err != nil {
			if !errorsIs(err, match.ErrPointerInvalid) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		err = match.SelectPointer(doc, p, func(v any, loc []any) bool {
			if len(loc) != len(p) {
				t.Fatalf("location %v has a different length than %v", loc, p)
			}
			for _, c := range loc {
				if c == nil {
					t.Fatalf("location %v holds null", loc)
				}
			}
			got := any(doc)
			for _, c := range loc {
				switch k := c.(type) {
				case string:
					got = got.(map[string]any)[k]
				case int:
					got = got.([]any)[k]
				}
			}
			gb, _ := json.Marshal(got)
			vb, _ := json.Marshal(v)
			if string(gb) != string(vb) {
				t.Fatalf("location %v does not lead to the selected value", loc)
			}
			return true
		})
		if err != nil && !errorsIs(err, match.ErrPointerType) && !errorsIs(err, match.ErrPointerEmpty) && !errorsIs(err, match.ErrTooManyResults) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

func equalPath(a, b vocab.ClaimPath) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzVPToken: a received vp_token is refused with a typed error or
// verified; acceptance implies every query id is known, counts respect
// multiple, and every accepted credential matches its query again.
func FuzzVPToken(f *testing.F) {
	f.Add([]byte(`{"pid":["dc+sd-jwt|pid-1|[[\"last_name\"],[\"locality\"],[\"region\"],[\"date_of_birth\"]]"]}`))
	f.Add([]byte(`{"pid":["dc+sd-jwt|pid-1|[]","x"]}`))
	f.Add([]byte(`{"other":[{}],"pid":[]}`))
	c := load(f, "claims_alternatives.json")
	dec := fakeDecoder{"pid-1": pid()}
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := dcql.ParseVPToken(data)
		if err != nil {
			if !errorsIs(err, dcql.ErrVPTokenRejected) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		v, err := c.Verify(context.Background(), tok, dec)
		if err != nil {
			if !errorsIs(err, dcql.ErrVPTokenRejected) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for id, creds := range v.Accepted {
			if id != "pid" || len(creds) != 1 {
				t.Fatalf("accepted %q with %d credentials", id, len(creds))
			}
			if _, err := c.MatchCredential(context.Background(), id, creds[0]); err != nil {
				t.Fatalf("accepted credential does not match: %v", err)
			}
		}
	})
}
