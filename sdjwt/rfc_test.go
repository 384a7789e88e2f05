package sdjwt

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	gocrypto "crypto"

	"github.com/google/go-cmp/cmp"
	"github.com/ocmw/wstack/crypto"
	"github.com/stretchr/testify/require"
)

func readVector(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/rfc9901/" + name)
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

func rfcIssuerKey(t testing.TB) gocrypto.PublicKey {
	t.Helper()
	k, err := crypto.ParsePublicJWK([]byte(readVector(t, "issuer_key.json")))
	require.NoError(t, err)
	return k
}

func rfcVerifier(t testing.TB, policy KeyBindingPolicy, now int64) *Verifier {
	t.Helper()
	v, err := NewVerifier(Config{
		Algorithms: []crypto.Algorithm{crypto.ES256},
		Typ:        []string{"example+sd-jwt"},
		Key:        rfcIssuerKey(t),
		KeyBinding: policy,
		Now:        func() time.Time { return time.Unix(now, 0) },
	})
	require.NoError(t, err)
	return v
}

// RFC 9901 §5.2: the SD-JWT+KB verifies with the Appendix A.5 key and the
// cnf key, and the processed payload is exactly the one printed there.
func TestRFC9901_Section5_Presentation(t *testing.T) {
	v := rfcVerifier(t, KeyBindingRequired, 1737118540)
	res, err := v.Verify(context.Background(), readVector(t, "sec5_2_presentation.txt"),
		Expect{Nonce: "1234567890", Audience: "https://verifier.example.org"})
	require.NoError(t, err)
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(readVector(t, "sec5_2_processed.json")), &want))
	require.Empty(t, cmp.Diff(want, res.Claims))
	require.Equal(t, "M4JSyzhAKBs7sr-89q5CSucDJ-DiQuWzFFiaDnhnrNI", res.KeyBinding["sd_hash"])
}
