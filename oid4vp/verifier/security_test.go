package verifier_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

var b64 = base64.RawURLEncoding

// splitKB splits an SD-JWT+KB into the part the KB-JWT's sd_hash covers
// and the KB-JWT's header, payload and signature.
func splitKB(t testing.TB, pres string) (prefix string, header, payload map[string]any) {
	i := strings.LastIndex(pres, "~")
	prefix = pres[:i+1]
	parts := strings.Split(pres[i+1:], ".")
	require.Len(t, parts, 3)
	hb, _ := b64.DecodeString(parts[0])
	pb, _ := b64.DecodeString(parts[1])
	require.NoError(t, json.Unmarshal(hb, &header))
	require.NoError(t, json.Unmarshal(pb, &payload))
	return prefix, header, payload
}

// kbWith re-signs the KB-JWT of pres with the holder key over raw header
// and payload JSON (so that duplicate members survive); sig overrides the
// signature when non-nil.
func (e *env) kbWith(pres, rawHeader, rawPayload string, sig func(input string) string) string {
	i := strings.LastIndex(pres, "~")
	input := b64.EncodeToString([]byte(rawHeader)) + "." + b64.EncodeToString([]byte(rawPayload))
	var s string
	if sig != nil {
		s = sig(input)
	} else {
		raw, err := e.holder.SignMessage(e.ctx, []byte(input))
		require.NoError(e.t, err)
		s = b64.EncodeToString(raw)
	}
	return pres[:i+1] + input + "." + s
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSecurityRows covers, from the verifier's side, the rows of
// security.md that a vp_token can carry (1–3, 10–15, 48, 50): each
// response is rejected and the transaction ends rejected.
func TestSecurityRows(t *testing.T) {
	cases := []struct {
		name string
		// mutate returns the pid presentation to send instead of the valid
		// one (the employee presentation stays valid).
		mutate func(e *env, f flow, pid string) any
	}{
		{"row 1: KB-JWT alg none", func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			h["alg"] = "none"
			return e.kbWith(pid, mustJSON(h), mustJSON(p), func(string) string { return "" })
		}},
		{"row 1: KB-JWT with empty signature", func(e *env, _ flow, pid string) any {
			return pid[:strings.LastIndex(pid, ".")+1]
		}},
		{"row 1: issuer JWT alg none", func(e *env, _ flow, pid string) any {
			parts := strings.SplitN(pid, "~", 2)
			jp := strings.Split(parts[0], ".")
			hb, _ := b64.DecodeString(jp[0])
			var h map[string]any
			require.NoError(e.t, json.Unmarshal(hb, &h))
			h["alg"] = "none"
			return b64.EncodeToString([]byte(mustJSON(h))) + "." + jp[1] + ".~" + parts[1]
		}},
		{"row 2: KB-JWT HS256 keyed with the holder's public key", func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			h["alg"] = "HS256"
			pub, _ := x509.MarshalPKIXPublicKey(e.holder.Public())
			return e.kbWith(pid, mustJSON(h), mustJSON(p), func(in string) string {
				m := hmac.New(sha256.New, pub)
				m.Write([]byte(in))
				return b64.EncodeToString(m.Sum(nil))
			})
		}},
		{"row 2: KB-JWT alg outside the allow-list (ES384 label)", func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			h["alg"] = "ES384"
			return e.kbWith(pid, mustJSON(h), mustJSON(p), nil)
		}},
		{"row 3: credential signed by a key embedded as jwk, claiming the trusted issuer", func(e *env, f flow, _ string) any {
			return e.forgedWithEmbeddedJWK(f)
		}},
		{"row 10: KB-JWT with an unknown crit", func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			h["crit"] = []string{"x-unknown"}
			h["x-unknown"] = true
			return e.kbWith(pid, mustJSON(h), mustJSON(p), nil)
		}},
		{"row 11: KB-JWT header with a duplicate alg", func(e *env, _ flow, pid string) any {
			_, _, p := splitKB(e.t, pid)
			return e.kbWith(pid, `{"alg":"ES256","typ":"kb+jwt","alg":"none"}`, mustJSON(p), nil)
		}},
		{"row 11: KB-JWT payload with a duplicate nonce", func(e *env, f flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			raw := mustJSON(p)
			raw = raw[:len(raw)-1] + `,"nonce":"` + f.claims.Nonce + `"}`
			return e.kbWith(pid, mustJSON(h), raw, nil)
		}},
		{"row 12: KB-JWT aud as an array with the bare id", func(e *env, f flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			p["aud"] = []string{mustParsedID(e.t, f.claims).Identifier}
			return e.kbWith(pid, mustJSON(h), mustJSON(p), nil)
		}},
		{"row 12: KB-JWT with empty aud", func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			p["aud"] = ""
			return e.kbWith(pid, mustJSON(h), mustJSON(p), nil)
		}},
		{"row 13: KB-JWT payload nested 10000 deep", func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			raw := mustJSON(p)
			raw = raw[:len(raw)-1] + `,"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`
			return e.kbWith(pid, mustJSON(h), raw, nil)
		}},
		{"row 14: KB-JWT signature in non-canonical base64url", func(e *env, _ flow, pid string) any {
			i := strings.LastIndex(pid, ".")
			sig := pid[i+1:]
			// The last character of a 64-byte signature carries 4 unused
			// bits; setting one keeps the decoded bytes but breaks
			// canonical form.
			last := strings.IndexByte("AQgw", sig[len(sig)-1])
			if last < 0 {
				return pid + "x"
			}
			return pid[:i+1] + sig[:len(sig)-1] + string("BRhx"[last])
		}},
		{"row 15: KB-JWT typ JWT", func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			h["typ"] = "JWT"
			return e.kbWith(pid, mustJSON(h), mustJSON(p), nil)
		}},
		{"row 15: a Request Object in the KB-JWT's place", func(e *env, f flow, pid string) any {
			_, _, p := splitKB(e.t, pid)
			return e.kbWith(pid, `{"alg":"ES256","typ":"oauth-authz-req+jwt"}`, mustJSON(p), nil)
		}},
		{"KB-JWT iat far in the past", func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			p["iat"] = time.Now().Add(-24 * time.Hour).Unix()
			return e.kbWith(pid, mustJSON(h), mustJSON(p), nil)
		}},
		{"KB-JWT iat in the future", func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			p["iat"] = time.Now().Add(time.Hour).Unix()
			return e.kbWith(pid, mustJSON(h), mustJSON(p), nil)
		}},
		{"KB-JWT sd_hash of another presentation", func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			p["sd_hash"] = b64.EncodeToString(make([]byte, 32))
			return e.kbWith(pid, mustJSON(h), mustJSON(p), nil)
		}},
		{"KB-JWT signed by another key", func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			other, err := jose.Sign(e.ctx, e.signer, h, []byte(mustJSON(p)))
			require.NoError(e.t, err)
			return pid[:strings.LastIndex(pid, "~")+1] + other
		}},
		{"row 48: no KB-JWT although binding is required", func(e *env, _ flow, pid string) any {
			return pid[:strings.LastIndex(pid, "~")+1]
		}},
		{"row 50: a credential of another type under the query id (no trust in wallet-side matching)", func(e *env, f flow, _ string) any {
			return e.presentHeld(f, 1) // the employee credential under pid
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, v := newEnv(t, envOptions{})
			f := e.start(v, twoQuery, "")
			tok := e.present(f.claims, presentOptions{})
			tok["pid"] = []any{tc.mutate(e, f, tok["pid"][0].(string))}
			status, body := e.post(f.claims.ResponseURI, e.responseForm(f.claims, tok, postOptions{}))
			require.Equal(t, 400, status, string(body))
			require.Equal(t, oid4vp.CodeInvalidRequest, errorCode(t, body))
			res, err := v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
			require.NoError(t, err)
			require.Equal(t, "rejected", string(res.Status))
			require.Empty(t, res.Credentials)
			t.Log(e.lastEvent().Reason)
		})
	}
}

// presentHeld presents held credential i with the request's binding,
// disclosing everything.
func (e *env) presentHeld(f flow, i int) string {
	h := e.held[i]
	p := &presentation.SDJWTVCPresenter{Signer: e.holder}
	s, err := p.PresentSDJWT(e.ctx, h.Raw, h.Disclosable, presentation.Binding{Nonce: f.claims.Nonce, Audience: f.claims.ClientID})
	require.NoError(e.t, err)
	return s
}

// forgedWithEmbeddedJWK issues a pid with iss = the trusted issuer DID
// but signed by an attacker key that the header carries as jwk, and
// presents it correctly bound.
func (e *env) forgedWithEmbeddedJWK(f flow) string {
	attacker := e.signer // any key other than the issuer's
	ajwk, err := attacker.JWK()
	require.NoError(e.t, err)
	hjwk, err := e.holder.JWK()
	require.NoError(e.t, err)
	now := time.Now()
	iss, err := vc.Issue(e.ctx, attacker, map[string]any{"iss": e.issuerDID, "vct": "urn:eudi:pid:1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"given_name": "Mallory", "family_name": "M"}, sdjwt.IssueOptions{
		Header: map[string]any{"jwk": ajwk}, Disclosable: []vocab.ClaimPath{{"given_name"}, {"family_name"}}, HolderJWK: hjwk})
	require.NoError(e.t, err)
	held, err := e.parser.Parse(e.ctx, vocab.FormatSDJWTVC, iss.String())
	require.NoError(e.t, err)
	p := &presentation.SDJWTVCPresenter{Signer: e.holder}
	s, err := p.PresentSDJWT(e.ctx, held.Raw, held.Disclosable, presentation.Binding{Nonce: f.claims.Nonce, Audience: f.claims.ClientID})
	require.NoError(e.t, err)
	return s
}

// TestSecurityRowsControl shows that the helpers of TestSecurityRows
// build acceptable presentations when nothing is mutated, so that each
// rejection there is caused by its mutation.
func TestSecurityRowsControl(t *testing.T) {
	for name, mutate := range map[string]func(e *env, f flow, pid string) any{
		"unchanged": func(_ *env, _ flow, pid string) any { return pid },
		"KB-JWT re-signed unchanged": func(e *env, _ flow, pid string) any {
			_, h, p := splitKB(e.t, pid)
			return e.kbWith(pid, mustJSON(h), mustJSON(p), nil)
		},
		"all disclosures of the pid": func(e *env, f flow, _ string) any { return e.presentHeld(f, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			e, v := newEnv(t, envOptions{})
			f := e.start(v, twoQuery, "")
			tok := e.present(f.claims, presentOptions{})
			tok["pid"] = []any{mutate(e, f, tok["pid"][0].(string))}
			status, body := e.post(f.claims.ResponseURI, e.responseForm(f.claims, tok, postOptions{}))
			require.Equal(t, 200, status, string(body))
		})
	}
}
