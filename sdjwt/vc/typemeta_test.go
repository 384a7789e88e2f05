package vc

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

func sri256(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(s[:])
}

func sri384(b []byte) string {
	s := sha512.Sum384(b)
	return "sha384-" + base64.StdEncoding.EncodeToString(s[:])
}

func TestCheckIntegrity(t *testing.T) {
	doc := []byte(`{"vct":"x"}`)
	require.NoError(t, CheckIntegrity(doc, sri256(doc)))
	require.NoError(t, CheckIntegrity(doc, sri256([]byte("other"))+" "+sri384(doc)))
	// The strongest algorithm decides: a matching sha256 does not rescue a
	// wrong sha384.
	require.ErrorIs(t, CheckIntegrity(doc, sri256(doc)+" "+sri384([]byte("other"))), ErrIntegrity)
	require.ErrorIs(t, CheckIntegrity(doc, "md5-AAAA"), ErrIntegrity)
	require.ErrorIs(t, CheckIntegrity(doc, ""), ErrIntegrity)
}

const (
	baseVCT  = "https://credentials.example.com/identity_credential"
	childVCT = "https://credentials.example.com/identity_credential/v2"
)

func TestTypeMetadataResolve(t *testing.T) {
	ctx := context.Background()
	base := []byte(`{"vct":"` + baseVCT + `","name":"Identity","claims":[
		{"path":["given_name"],"sd":"always","mandatory":true},
		{"path":["iss"],"sd":"never"},
		{"path":["address","locality"],"sd":"allowed"}]}`)
	child := []byte(`{"vct":"` + childVCT + `","extends":"` + baseVCT + `","extends#integrity":"` + sri256(base) + `",
		"claims":[{"path":["family_name"],"sd":"always"},{"path":["given_name"],"sd":"always","mandatory":true,"svg_id":"gn"}]}`)
	r := &TypeMetadataResolver{Registry: map[string][]byte{baseVCT: base, childVCT: child}}
	md, err := r.Resolve(ctx, childVCT, sri256(child))
	require.NoError(t, err)
	require.Equal(t, []string{childVCT, baseVCT}, md.Chain)
	require.Len(t, md.Claims, 4)

	t.Run("row29_vct_integrity_mismatch", func(t *testing.T) {
		_, err := r.Resolve(ctx, childVCT, sri256([]byte("tampered")))
		require.ErrorIs(t, err, ErrIntegrity)
	})
	t.Run("row29_extends_integrity_mismatch", func(t *testing.T) {
		bad := []byte(`{"vct":"` + childVCT + `","extends":"` + baseVCT + `","extends#integrity":"` + sri256([]byte("x")) + `"}`)
		r := &TypeMetadataResolver{Registry: map[string][]byte{baseVCT: base, childVCT: bad}}
		_, err := r.Resolve(ctx, childVCT, "")
		require.ErrorIs(t, err, ErrIntegrity)
	})
	t.Run("row29_extends_cycle", func(t *testing.T) {
		a := []byte(`{"vct":"urn:a","extends":"urn:b"}`)
		b := []byte(`{"vct":"urn:b","extends":"urn:a"}`)
		_, err := (&TypeMetadataResolver{Registry: map[string][]byte{"urn:a": a, "urn:b": b}}).Resolve(ctx, "urn:a", "")
		require.ErrorIs(t, err, ErrTypeMetadata)
		self := []byte(`{"vct":"urn:s","extends":"urn:s"}`)
		_, err = (&TypeMetadataResolver{Registry: map[string][]byte{"urn:s": self}}).Resolve(ctx, "urn:s", "")
		require.ErrorIs(t, err, ErrTypeMetadata)
	})
	t.Run("row29_extends_chain_too_long", func(t *testing.T) {
		reg := map[string][]byte{}
		for i := 0; i < 20; i++ {
			reg["urn:"+string(rune('a'+i))] = []byte(`{"vct":"urn:` + string(rune('a'+i)) + `","extends":"urn:` + string(rune('a'+i+1)) + `"}`)
		}
		_, err := (&TypeMetadataResolver{Registry: reg}).Resolve(ctx, "urn:a", "")
		require.ErrorIs(t, err, ErrTypeMetadata)
	})
	t.Run("row29_no_fetch_of_non_https", func(t *testing.T) {
		_, err := (&TypeMetadataResolver{}).Resolve(ctx, "http://127.0.0.1/vct", "")
		require.ErrorIs(t, err, ErrTypeMetadata)
	})
	t.Run("extending_type_relaxes_sd", func(t *testing.T) {
		bad := []byte(`{"vct":"` + childVCT + `","extends":"` + baseVCT + `","claims":[{"path":["given_name"],"sd":"allowed","mandatory":true}]}`)
		_, err := (&TypeMetadataResolver{Registry: map[string][]byte{baseVCT: base, childVCT: bad}}).Resolve(ctx, childVCT, "")
		require.ErrorIs(t, err, ErrTypeMetadata)
	})
	t.Run("document_vct_mismatch", func(t *testing.T) {
		_, err := (&TypeMetadataResolver{Registry: map[string][]byte{"urn:x": []byte(`{"vct":"urn:y"}`)}}).Resolve(ctx, "urn:x", "")
		require.ErrorIs(t, err, ErrTypeMetadata)
	})
	t.Run("bad_sd_value", func(t *testing.T) {
		_, err := ParseTypeMetadata([]byte(`{"vct":"urn:x","claims":[{"path":["a"],"sd":"sometimes"}]}`))
		require.ErrorIs(t, err, ErrTypeMetadata)
	})
}

func TestTypeMetadataEnforcedByVerifier(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "k")
	holder := newKeySigner(t, "")
	md := []byte(`{"vct":"` + baseVCT + `","claims":[
		{"path":["given_name"],"sd":"always","mandatory":true},
		{"path":["family_name"],"sd":"never"},
		{"path":["address","locality"],"sd":"always"}]}`)
	newV := func() *Verifier {
		v, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: &issuer.k.PublicKey,
			Now: func() time.Time { return now }}, TypeMetadata: &TypeMetadataResolver{Registry: map[string][]byte{baseVCT: md}}, SkipStatusCheck: true})
		require.NoError(t, err)
		return v
	}
	issue := func(claims map[string]any, paths ...vocab.ClaimPath) *sdjwt.SDJWT {
		claims["vct"] = baseVCT
		claims["vct#integrity"] = sri256(md)
		sd, err := sdjwt.Issue(ctx, issuer, claims, sdjwt.IssueOptions{Typ: Typ, Disclosable: paths, HolderJWK: holder.jwk(t)})
		require.NoError(t, err)
		return sd
	}
	v := newV()
	good := issue(baseClaims("https://issuer.example.com"), vocab.ClaimPath{"given_name"}, vocab.ClaimPath{"address", "locality"})
	_, err := v.VerifyIssued(ctx, good.String())
	require.NoError(t, err)
	// A presentation may withhold the sd=always mandatory claim.
	pres, err := good.Present(ctx, nil, kb(holder))
	require.NoError(t, err)
	res, err := v.Verify(ctx, pres, expect)
	require.NoError(t, err)
	require.Equal(t, []string{baseVCT}, res.TypeMetadata.Chain)

	t.Run("row29_sd_always_in_plaintext", func(t *testing.T) {
		_, err := v.VerifyIssued(ctx, issue(baseClaims("https://issuer.example.com"), vocab.ClaimPath{"address", "locality"}).String())
		require.ErrorIs(t, err, ErrClaimMetadata)
	})
	t.Run("row29_sd_never_disclosed", func(t *testing.T) {
		_, err := v.VerifyIssued(ctx, issue(baseClaims("https://issuer.example.com"), vocab.ClaimPath{"given_name"},
			vocab.ClaimPath{"address", "locality"}, vocab.ClaimPath{"family_name"}).String())
		require.ErrorIs(t, err, ErrClaimMetadata)
	})
	t.Run("row29_mandatory_missing_at_holder", func(t *testing.T) {
		c := baseClaims("https://issuer.example.com")
		delete(c, "given_name")
		_, err := v.VerifyIssued(ctx, issue(c, vocab.ClaimPath{"address", "locality"}).String())
		require.ErrorIs(t, err, ErrClaimMetadata)
	})
	t.Run("row29_vct_integrity_mismatch_in_credential", func(t *testing.T) {
		c := baseClaims("https://issuer.example.com")
		c["vct"] = baseVCT
		c["vct#integrity"] = sri256([]byte("other"))
		sd, err := sdjwt.Issue(ctx, issuer, c, sdjwt.IssueOptions{Typ: Typ, Disclosable: []vocab.ClaimPath{{"given_name"}, {"address", "locality"}}})
		require.NoError(t, err)
		_, err = v.VerifyIssued(ctx, sd.String())
		require.ErrorIs(t, err, ErrIntegrity)
	})
}

// Type metadata fetched from the https vct URL through the guarded fetcher,
// with vct#integrity checked over the exact bytes served.
func TestTypeMetadataFetched(t *testing.T) {
	ctx := context.Background()
	var doc []byte
	mux := http.NewServeMux()
	mux.HandleFunc("/vct/pid", func(w http.ResponseWriter, r *http.Request) { w.Write(doc) })
	mux.HandleFunc("/vct/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/vct/pid", http.StatusFound) })
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	f := fetch.New(fetch.Options{AllowLoopback: true, RootCAs: pool})
	vct := srv.URL + "/vct/pid"
	doc = []byte(`{"vct":"` + vct + `","name":"PID","claims":[{"path":["given_name"],"sd":"always"}]}`)
	r := &TypeMetadataResolver{Fetcher: f}
	md, err := r.Resolve(ctx, vct, sri256(doc))
	require.NoError(t, err)
	require.Equal(t, "PID", md.Name)
	_, err = (&TypeMetadataResolver{Fetcher: fetch.New(fetch.Options{AllowLoopback: true, RootCAs: pool})}).Resolve(ctx, vct, sri256([]byte("x")))
	require.ErrorIs(t, err, ErrIntegrity)
	t.Run("row29_redirect_not_followed", func(t *testing.T) {
		_, err := r.Resolve(ctx, srv.URL+"/vct/redirect", "")
		require.ErrorIs(t, err, ErrTypeMetadata)
	})
}
