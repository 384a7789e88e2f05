package jose

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto"
)

// appendHeader writes exactly what json.Marshal writes for the header with
// alg and kid set.
func TestAppendHeaderMatchesMarshal(t *testing.T) {
	for _, c := range []struct {
		header        map[string]any
		alg, kid, typ string
	}{
		{nil, "ES256", "", ""},
		{nil, "ES256", "k1", "dc+sd-jwt"},
		{map[string]any{"typ": "JWT", "x5c": []any{"MIIB"}}, "ES256", "", "dc+sd-jwt"},
		{map[string]any{"typ": "JWT"}, "ES256", "k", "a<b"},
		{map[string]any{}, "ES256", "k1", ""},
		{map[string]any{"typ": "dc+sd-jwt"}, "ES256", "did:example:issuer#key-1", ""},
		{map[string]any{"typ": "kb+jwt", "alg": "none"}, "EdDSA", "", ""},
		{map[string]any{"kid": "<&>"}, "ES256", "", ""},
		{map[string]any{"typ": "a\"b\\c", "x": "ünï\u2028", "y": "\x01\n"}, "PS256", "k", ""},
		{map[string]any{"x5c": []any{"MIIB", "MIIC"}, "jwk": map[string]any{"kty": "EC", "crv": "P-256"}, "b64": false, "n": 1.5}, "ES384", "", ""},
		{map[string]any{"crit": []string{"b64"}, "z": nil, "A": "a", "_": "_", "bad": string([]byte{0xff})}, "ES256", "kid", ""},
	} {
		want := maps.Clone(c.header)
		if want == nil {
			want = map[string]any{}
		}
		want["alg"] = c.alg
		if c.kid != "" {
			want["kid"] = c.kid
		}
		if c.typ != "" {
			want["typ"] = c.typ
		}
		wb, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendHeader(nil, c.header, c.alg, c.kid, c.typ)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(wb) {
			t.Errorf("header %v:\n got %s\nwant %s", c.header, got, wb)
		}
	}
	if _, err := appendHeader(nil, map[string]any{"x": func() {}}, "ES256", "", ""); err == nil {
		t.Error("unencodable header member accepted")
	}
}

// retainingSigner keeps msg and scribbles over it after returning, which
// MessageSigner forbids: tokens Sign returned must not change.
type retainingSigner struct{ kept [][]byte }

func (*retainingSigner) Algorithm() crypto.Algorithm { return crypto.ES256 }
func (*retainingSigner) KID() string                 { return "k" }
func (r *retainingSigner) SignMessage(_ context.Context, msg []byte) ([]byte, error) {
	r.kept = append(r.kept, msg)
	return make([]byte, 64), nil
}

func TestSignTokenImmutableAgainstRetainingSigner(t *testing.T) {
	r := &retainingSigner{}
	var toks, want []string
	for i := range 20 {
		tok, err := SignTyped(context.Background(), r, "JWT", nil, []byte(fmt.Sprintf(`{"i":%d,"pad":"%s"}`, i, strings.Repeat("x", i*50))))
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
		want = append(want, strings.Clone(tok))
		for _, k := range r.kept {
			for j := range k {
				k[j] = '!'
			}
		}
	}
	for i := range toks {
		if toks[i] != want[i] {
			t.Fatalf("token %d changed after the signer wrote to its msg", i)
		}
	}
	if _, err := SignTyped(context.Background(), r, "", nil, []byte("{}")); err == nil {
		t.Fatal("empty typ accepted")
	}
}
