package issuer

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/b64url"
	"github.com/ocmw/wstack/oid4vci"
)

// DPoPType is the typ of a DPoP proof JWT (RFC 9449 §4.2).
const DPoPType = "dpop+jwt"

const maxDPoPProof = 8 << 10

// dpopProof is a verified DPoP proof.
type dpopProof struct {
	jkt string
}

type dpopClaims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	Iat   int64  `json:"iat"`
	Nonce string `json:"nonce"`
	ATH   string `json:"ath"`
}

// checkDPoP verifies the request's DPoP proof (RFC 9449 §4.3). It returns nil
// and no error when the request has no DPoP header. accessToken is the
// presented token at protected endpoints (ath check), empty at the token
// endpoint.
func (i *Issuer) checkDPoP(ctx context.Context, r *http.Request, accessToken string) (*dpopProof, error) {
	vals := r.Header.Values("DPoP")
	if len(vals) == 0 {
		return nil, nil
	}
	bad := func(format string, a ...any) *oid4vci.Error {
		return oid4vci.NewError(oid4vci.CodeInvalidDPoPProof, fmt.Sprintf(format, a...))
	}
	if len(vals) > 1 {
		return nil, bad("more than one DPoP header")
	}
	j, err := jose.Parse(vals[0], jose.ParseOptions{Algorithms: i.proofAlg, Typ: []string{DPoPType}, MaxSize: maxDPoPProof})
	if err != nil {
		return nil, bad("malformed DPoP proof").Wrap(err)
	}
	if j.Header.JWK == nil || j.Header.Kid != "" || j.Header.X5C != nil {
		return nil, bad("DPoP proof header must carry exactly a public jwk")
	}
	pub, err := crypto.PublicKeyFromJWK(j.Header.JWK)
	if err != nil {
		return nil, bad("DPoP proof jwk invalid").Wrap(err)
	}
	if err := j.VerifySignature(pub); err != nil {
		return nil, bad("DPoP proof signature invalid").Wrap(err)
	}
	var c dpopClaims
	if err := json.Unmarshal(j.Payload, &c); err != nil {
		return nil, bad("DPoP proof claims malformed")
	}
	if c.JTI == "" || c.HTM == "" || c.HTU == "" || c.Iat == 0 {
		return nil, bad("DPoP proof lacks jti, htm, htu or iat")
	}
	if len(c.JTI) > 256 {
		return nil, bad("DPoP proof jti too long")
	}
	if c.HTM != r.Method {
		return nil, bad("DPoP proof htm does not match the request method")
	}
	if !sameHTU(c.HTU, i.origin+r.URL.EscapedPath()) {
		return nil, bad("DPoP proof htu does not match the request URL")
	}
	now := i.now()
	iat := time.Unix(c.Iat, 0)
	if iat.After(now.Add(i.cfg.Leeway)) || iat.Before(now.Add(-i.cfg.DPoP.MaxAge-i.cfg.Leeway)) {
		return nil, bad("DPoP proof iat outside the accepted window")
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if !hmac.Equal([]byte(c.ATH), []byte(base64.RawURLEncoding.EncodeToString(sum[:]))) {
			return nil, bad("DPoP proof ath does not match the access token")
		}
	}
	if i.cfg.DPoP.Nonces && !i.validDPoPNonce(c.Nonce, now) {
		e := oid4vci.NewError(oid4vci.CodeUseDPoPNonce, "Authorization server requires nonce in DPoP proof")
		if accessToken != "" {
			e.Description = "Resource server requires nonce in DPoP proof"
		}
		e.DPoPNonce = i.dpopNonce(now)
		return nil, e
	}
	jkt, err := crypto.Thumbprint(pub)
	if err != nil {
		return nil, bad("DPoP proof key unusable").Wrap(err)
	}
	replay, err := i.cfg.Replays.Seen(ctx, jkt+"|"+c.JTI, iat.Add(i.cfg.DPoP.MaxAge+2*i.cfg.Leeway), now)
	if err != nil {
		return nil, err
	}
	if replay {
		return nil, bad("DPoP proof replayed")
	}
	return &dpopProof{jkt: jkt}, nil
}

// sameHTU compares htu with the request URL ignoring query and fragment
// (RFC 9449 §4.3 step 9, with RFC 3986 §6 normalisation of scheme and host).
func sameHTU(htu, want string) bool {
	u, err := url.Parse(htu)
	if err != nil {
		return false
	}
	w, err := url.Parse(want)
	if err != nil {
		return false
	}
	return equalFold(u.Scheme, w.Scheme) && equalFold(u.Host, w.Host) && u.EscapedPath() == w.EscapedPath()
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for k := 0; k < len(a); k++ {
		x, y := a[k], b[k]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// dpopNonce returns a stateless DPoP nonce: the time and a MAC over it, so
// that every replica sharing DPoP.NonceKey accepts it.
func (i *Issuer) dpopNonce(now time.Time) string {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.Unix()))
	m := hmac.New(sha256.New, i.dpopKey)
	m.Write([]byte("dpop-nonce"))
	m.Write(b[:8])
	copy(b[8:], m.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (i *Issuer) validDPoPNonce(n string, now time.Time) bool {
	b, err := b64url.DecodeStringStrict(n)
	if err != nil || len(b) != 24 {
		return false
	}
	m := hmac.New(sha256.New, i.dpopKey)
	m.Write([]byte("dpop-nonce"))
	m.Write(b[:8])
	if !hmac.Equal(m.Sum(nil)[:16], b[8:]) {
		return false
	}
	t := time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0)
	return !t.After(now.Add(i.cfg.Leeway)) && now.Sub(t) <= i.cfg.DPoP.NonceTTL
}
