package verifiersvc

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/examples/internal/svc"
)

// postgresDSN returns WSTACK_TEST_POSTGRES_DSN, skipping the test without
// it (failing it under CI).
func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("WSTACK_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("WSTACK_TEST_POSTGRES_DSN is required under CI")
		}
		t.Skip("set WSTACK_TEST_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the shared-deployment test")
	}
	return dsn
}

// dropTables removes every table with the prefix.
func dropTables(t *testing.T, dsn, prefix string) {
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1`, prefix+"%")
	require.NoError(t, err)
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Close())
	for _, n := range names {
		_, err := db.Exec(`DROP TABLE IF EXISTS "` + n + `" CASCADE`)
		require.NoError(t, err)
	}
}

// TestSharedDeployment: two instances on one PostgreSQL (one table
// prefix) and one NATS behind a front that sends the wallet's fetch to A
// and its response to B. The response is accepted by B and visible on A;
// the presentations B cached answer A's next request; an invalidation on
// B is seen by A.
func TestSharedDeployment(t *testing.T) {
	dsn := postgresDSN(t)
	prefix := "vtest_" + strings.ToLower(svc.RandomID()[:10]) + "_"
	t.Cleanup(func() { dropTables(t, dsn, prefix) })
	w := newWorld(t)
	nc := sharedNATSConn(t)
	notes := collect(t, nc)

	var a, b *instance
	front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		target := a
		if strings.Contains(r.URL.Path, "/presentation/response/") {
			target = b
		}
		u, _ := url.Parse(target.url)
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(rw, r)
	}))
	t.Cleanup(front.Close)
	storage := svc.Storage{PostgresDSN: dsn}
	a = w.start(instanceOptions{storage: storage, prefix: prefix, nats: nc, public: front.URL})
	b = w.start(instanceOptions{storage: storage, prefix: prefix, nats: nc, public: front.URL})

	// Created over NATS (either replica answers), with the holder.
	body := map[string]any{"dcql_query": query(t), "holder": w.holderDID}
	var created AuthorizationReply
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, svc.Call(ctx, nc, SubjectAuthorization, "test", "verifier.presentation.authorization",
		map[string]any{"tenant_id": "acme", "request_id": "r1", "dcql_query": query(t), "holder": w.holderDID}, &created))
	_, err := w.wallet().Present(w.ctx, created.AuthorizationRequest)
	require.NoError(t, err)
	for _, in := range []*instance{a, b} {
		p := in.proof(t, created.PresentationID)
		require.Equal(t, StatusVerified, p.Status)
		require.Equal(t, "Erika", p.Credentials["pid"][0].Claims["given_name"])
	}
	require.Equal(t, []string{StatusRequested, StatusFetched, StatusReceived, StatusVerified},
		notes.statuses(t, created.PresentationID, 4))

	// B cached the presentations; A serves from the shared cache.
	hit := a.request(t, body)
	require.True(t, hit.FromCache)
	require.True(t, b.proof(t, hit.PresentationID).FromCache)

	// Invalidated on B: gone on A.
	require.Equal(t, http.StatusNoContent, b.call(t, "DELETE", "/v1/tenants/acme/presentation/cache?participantId="+url.QueryEscape(w.holderDID), nil, nil))
	require.False(t, a.request(t, body).FromCache)
	n, err := a.svc.cacheDB.Delete(context.Background(), byCounterparty("acme", w.holderDID))
	require.NoError(t, err)
	require.Zero(t, n)
}
