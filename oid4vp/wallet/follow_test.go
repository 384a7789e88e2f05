package wallet_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/wallet"
)

// frontend is the verifier's same-device page on the env's origin: it
// records every request it gets.
type frontend struct {
	mu   sync.Mutex
	hits []*http.Request
}

func newFrontend(e *testEnv, path string, h http.HandlerFunc) *frontend {
	f := &frontend{}
	e.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.hits = append(f.hits, r.Clone(r.Context()))
		f.mu.Unlock()
		h(w, r)
	})
	return f
}

func (f *frontend) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.hits)
}

// TestMachineWalletFollowsRedirect: after a same-device direct_post our
// verifier answers {redirect_uri} with a fresh response_code in the
// fragment (§8.2); a machine wallet (Config.FollowRedirect) makes the
// user agent's GET itself — without the fragment, through its guarded
// client — and returns the page and the response_code, with which the
// frontend reads the verified result once.
func TestMachineWalletFollowsRedirect(t *testing.T) {
	for _, mode := range []oid4vp.ResponseMode{oid4vp.ResponseModeDirectPost, oid4vp.ResponseModeDirectPostJWT} {
		t.Run(string(mode), func(t *testing.T) {
			e := newTestEnv(t)
			v := e.verifier(oid4vp.PrefixX509Hash)
			app := newFrontend(e, "/app/done", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = io.WriteString(w, "<p>done</p>")
			})
			tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, twoQuery), ResponseMode: mode,
				RedirectURI: e.origin + "/app/done?flow=1"})
			require.NoError(t, err)
			link, _ := tx.Link("openid4vp://")
			out, err := e.wallet(func(c *wallet.Config) { c.FollowRedirect = true }).Present(e.ctx, link)
			require.NoError(t, err)
			_, pending := out.NextStep()
			require.False(t, pending, "the wallet followed the redirect itself")
			f := out.Followed
			require.NotNil(t, f)
			require.Equal(t, out.RedirectURI, f.URL)
			require.Equal(t, http.StatusOK, f.StatusCode)
			require.Equal(t, "text/html", f.ContentType)
			require.Equal(t, "<p>done</p>", string(f.Body))
			require.Equal(t, 1, app.count())
			hit := app.hits[0]
			require.Equal(t, http.MethodGet, hit.Method)
			require.Equal(t, "flow=1", hit.URL.RawQuery)
			require.Empty(t, hit.URL.Fragment, "a user agent never sends the fragment")

			code := f.ResponseCode()
			require.NotEmpty(t, code)
			res, err := v.Result(e.ctx, "acme", tx.ID, code)
			require.NoError(t, err)
			require.Equal(t, verifier.StatusAccepted, res.Status, res.Error)
			require.Equal(t, "Erika", res.Credentials["pid"][0].Claims["given_name"])
			_, err = v.Result(e.ctx, "acme", tx.ID, code)
			require.ErrorIs(t, err, verifier.ErrUnauthorized, "the response code is one-time")
		})
	}
	t.Run("explicit Follow", func(t *testing.T) {
		e := newTestEnv(t)
		v := e.verifier(oid4vp.PrefixDecentralizedIdentifier)
		app := newFrontend(e, "/app/done", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true}`)
		})
		tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, twoQuery), RedirectURI: e.origin + "/app/done"})
		require.NoError(t, err)
		link, _ := tx.Link("openid4vp://")
		w := e.wallet(nil)
		out, err := w.Present(e.ctx, link)
		require.NoError(t, err)
		next, pending := out.NextStep()
		require.True(t, pending)
		require.Zero(t, app.count(), "without FollowRedirect the wallet fetches nothing")
		f, err := w.Follow(e.ctx, out)
		require.NoError(t, err)
		require.Equal(t, next, f.URL)
		require.Equal(t, `{"ok":true}`, string(f.Body))
		_, pending = out.NextStep()
		require.False(t, pending)
		res, err := v.Result(e.ctx, "acme", tx.ID, f.ResponseCode())
		require.NoError(t, err)
		require.Equal(t, verifier.StatusAccepted, res.Status)
	})
}

// TestFollowGuards: what a machine wallet refuses or stops at when it
// follows a (misbehaving) verifier's redirect_uri.
func TestFollowGuards(t *testing.T) {
	for _, tc := range []struct {
		name     string
		redirect func(e *testEnv) string
		page     http.HandlerFunc
		want     error // nil: no error
		check    func(t *testing.T, e *testEnv, f *wallet.Followed)
	}{
		{"a further redirect is not followed", func(e *testEnv) string { return e.origin + "/app/hop#response_code=c1" },
			func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/app/elsewhere", http.StatusFound) }, nil,
			func(t *testing.T, e *testEnv, f *wallet.Followed) {
				require.Equal(t, http.StatusFound, f.StatusCode)
				require.Equal(t, "/app/elsewhere", f.Location)
				require.Equal(t, "c1", f.ResponseCode())
			}},
		{"oversized page", func(e *testEnv) string { return e.origin + "/app/hop" },
			func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, strings.Repeat("x", 100<<10)) }, fetch.ErrTooLarge, nil},
		{"error page", func(e *testEnv) string { return e.origin + "/app/hop" },
			func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "gone", http.StatusGone) }, wallet.ErrResponse,
			func(t *testing.T, e *testEnv, f *wallet.Followed) { require.Equal(t, http.StatusGone, f.StatusCode) }},
		{"plain http", func(e *testEnv) string { return "http://verifier.example.com/done" }, nil, fetch.ErrURL, nil},
		{"custom scheme (an app link)", func(e *testEnv) string { return "com.example.app://done" }, nil, fetch.ErrURL, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			ev := newEvil(e)
			var app *frontend
			if tc.page != nil {
				app = newFrontend(e, "/app/hop", tc.page)
			}
			elsewhere := newFrontend(e, "/app/elsewhere", func(http.ResponseWriter, *http.Request) {})
			ev.respond = func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"redirect_uri":"`+tc.redirect(e)+`"}`)
			}
			ev.serveObject(ev.sign(e.didSigner, ev.didHeader(), ev.claims()))
			out, err := e.wallet(func(c *wallet.Config) { c.FollowRedirect = true }).Present(e.ctx, ev.link(ev.didClientID()))
			require.Len(t, ev.posted, 1, "the response itself was delivered")
			require.NotNil(t, out, "the outcome is returned with a follow error")
			require.Equal(t, tc.redirect(e), out.RedirectURI)
			if tc.want != nil {
				require.ErrorIs(t, err, wallet.ErrResponse)
				require.ErrorIs(t, err, tc.want)
			} else {
				require.NoError(t, err)
			}
			if tc.check != nil {
				require.NotNil(t, out.Followed)
				tc.check(t, e, out.Followed)
			}
			if app != nil {
				require.Equal(t, 1, app.count())
			}
			require.Zero(t, elsewhere.count())
		})
	}
	t.Run("fragment response", func(t *testing.T) {
		e := newTestEnv(t)
		cb := e.origin + "/app/hop"
		app := newFrontend(e, "/app/hop", func(http.ResponseWriter, *http.Request) {})
		link := "openid4vp://?" + url.Values{"client_id": {"redirect_uri:" + cb}, "response_type": {"vp_token"},
			"response_mode": {"fragment"}, "redirect_uri": {cb}, "nonce": {"n-0123456789abcdef"}, "dcql_query": {pidQuery}}.Encode()
		w := e.wallet(func(c *wallet.Config) { c.FollowRedirect = true })
		out, err := w.Present(e.ctx, link)
		require.NoError(t, err)
		_, pending := out.NextStep()
		require.True(t, pending, "a fragment response is the user agent's navigation")
		_, err = w.Follow(e.ctx, out)
		require.ErrorIs(t, err, wallet.ErrResponse)
		require.Zero(t, app.count())
	})
}
