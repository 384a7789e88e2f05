// Command load drives the example services over loopback HTTP and NATS
// with N concurrent wallets for a fixed count and prints issuances/s,
// verifications/s and latency percentiles. It starts the same in-process
// stack as examples/demo (SQLite in a temporary directory and an embedded
// NATS server by default; PostgreSQL with -postgres or
// WSTACK_POSTGRES_DSN, a NATS server with -nats or WSTACK_NATS_URL) and
// stops by itself.
//
// One issuance is the whole pre-authorized flow through the services: the
// plugin prepares claims and gets an offer from the issuer (NATS), the
// transaction code arrives on NATS, the wallet service retrieves the
// offering (issuer metadata) and accepts it (token, nonce, key proof,
// credential signed by the plugin with a status list entry, verification,
// encrypted storage). One verification is the whole direct_post.jwt flow:
// the verifier service creates a DCQL request, the wallet service fetches
// and verifies the request object, selects, signs the KB-JWT, encrypts
// and posts the response, and the verifier verifies it (issuer signature,
// key binding, status list, DCQL) and stores the result.
//
//	go run ./examples/load -n 2000 -c 16
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/loadgen"
	"github.com/ocmw/wstack/examples/internal/pluginsvc"
	"github.com/ocmw/wstack/examples/internal/stack"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/examples/internal/verifiersvc"
	"github.com/ocmw/wstack/examples/internal/walletsvc"
)

func main() {
	n := flag.Int("n", 1000, "operations per phase")
	c := flag.Int("c", 16, "concurrent wallets")
	pg := flag.String("postgres", svc.Env(svc.EnvPostgresDSN, ""), "PostgreSQL DSN (default SQLite)")
	natsURL := flag.String("nats", svc.Env(svc.EnvNATSURL, ""), "NATS URL (default an embedded server)")
	remote := flag.Bool("remote-signing", false, "plugin and status list sign through the signer's HTTP API")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if _, err := run(ctx, os.Stdout, options{N: *n, C: *c, Postgres: *pg, NATS: *natsURL, Remote: *remote}); err != nil {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
}

type options struct {
	N, C             int
	Postgres, NATS   string
	Remote           bool
	Dir, TablePrefix string
}

const query = `{"credentials":[{"id":"developer","format":"dc+sd-jwt",
  "meta":{"vct_values":["` + pluginsvc.DefaultVCT + `"]},
  "claims":[{"path":["role"]},{"path":["address","locality"]}]}]}`

// dropTables removes the tables of one run.
func dropTables(ctx context.Context, dsn, prefix string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)`, prefix)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		if _, err := db.ExecContext(ctx, `DROP TABLE IF EXISTS "`+n+`" CASCADE`); err != nil {
			return err
		}
	}
	return nil
}

func run(ctx context.Context, out io.Writer, o options) ([]loadgen.Result, error) {
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "wstack-load-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	backend := "SQLite"
	if o.Postgres != "" {
		backend = "PostgreSQL"
		if o.TablePrefix == "" {
			// A fresh prefix per run: the stack's keys live in memory, so
			// rows of an earlier run (sealed wallet keys, token keys)
			// cannot be used again. The tables are dropped at the end.
			var b [4]byte
			_, _ = rand.Read(b[:])
			o.TablePrefix = "load" + hex.EncodeToString(b[:]) + "_"
			defer func() {
				if err := dropTables(context.WithoutCancel(ctx), o.Postgres, strings.TrimSuffix(o.TablePrefix, "_")); err != nil {
					fmt.Fprintln(out, "dropping the run's tables:", err)
				}
			}()
		}
	}
	s, err := stack.Start(ctx, stack.Options{Dir: dir, PostgresDSN: o.Postgres, NATSURL: o.NATS, TablePrefix: o.TablePrefix, RemoteSigning: o.Remote})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	t := s.Tenant
	fmt.Fprintf(out, "stack up: %s, NATS %s, %d ops per phase, %d concurrent wallets\n", backend, s.URLs["nats"], o.N, o.C)

	// Transaction codes, routed to the waiting wallet by request id.
	var mu sync.Mutex
	waiting := map[string]chan string{}
	sub, err := s.NATS.Subscribe(issuersvc.DefaultPinSubject, func(m *nats.Msg) {
		e, err := svc.DecodeEvent(m.Data)
		if err != nil {
			return
		}
		var p issuersvc.PinEvent
		if json.Unmarshal(e.Data, &p) != nil {
			return
		}
		mu.Lock()
		ch := waiting[p.RequestID]
		delete(waiting, p.RequestID)
		mu.Unlock()
		if ch != nil {
			ch <- p.Pin
		}
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := s.NATS.Flush(); err != nil {
		return nil, err
	}

	account := func(w int) string { return fmt.Sprintf("w%d", w) }
	issue := func(ctx context.Context, w, i int) error {
		rid := fmt.Sprintf("load-%d", i)
		ch := make(chan string, 1)
		mu.Lock()
		waiting[rid] = ch
		mu.Unlock()
		var rep pluginsvc.IssuanceReply
		if err := svc.Call(ctx, s.NATS, pluginsvc.DefaultTopic+".request", "load", "issuance.request", pluginsvc.IssuanceRequest{
			Request: svc.Request{TenantID: t, RequestID: rid}, Identifier: fmt.Sprintf("subject-%d", i),
			Payload: map[string]any{"given_name": "Erika", "family_name": "Mustermann", "role": "developer",
				"address": map[string]any{"street_address": "Heidestraße 17", "locality": "Köln", "postal_code": "51147", "country": "DE"}},
			TwoFactor: issuersvc.TwoFactor{Enabled: true, RecipientAddress: "load@example.com"},
		}, &rep); err != nil {
			return err
		}
		var pin string
		select {
		case pin = <-ch:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("no transaction code for %s", rid)
		}
		var off walletsvc.Offering
		if err := s.Call(ctx, "PUT", "wallet", "/v1/tenants/"+t+"/offering/retrieve/"+account(w), map[string]string{"offer": rep.Offer}, &off, 201); err != nil {
			return err
		}
		var clr walletsvc.ClearResult
		if err := s.Call(ctx, "DELETE", "wallet", "/v1/tenants/"+t+"/offering/clear/"+account(w)+"/"+off.ID,
			walletsvc.Acceptance{Accept: true, TxCode: pin}, &clr, 200); err != nil {
			return err
		}
		if clr.Status != "accepted" || len(clr.Credentials) != 1 {
			return fmt.Errorf("accept: %+v", clr)
		}
		return nil
	}
	verify := func(ctx context.Context, w, i int) error {
		var pc verifiersvc.PresentationCreated
		if err := s.Call(ctx, "POST", "verifier", "/v1/tenants/"+t+"/presentation/request",
			verifiersvc.PresentationRequest{DCQLQuery: json.RawMessage(query)}, &pc, 201); err != nil {
			return err
		}
		var ar walletsvc.AuthorizeResult
		if err := s.Call(ctx, "POST", "wallet", "/v1/tenants/"+t+"/presentation/authorize/"+account(w),
			walletsvc.AuthorizeRequest{AuthorizationRequest: pc.AuthorizationRequest}, &ar, 200); err != nil {
			return err
		}
		var pr verifiersvc.Proof
		if err := s.Call(ctx, "GET", "verifier", "/v1/tenants/"+t+"/presentation/proof/"+pc.PresentationID, nil, &pr, 200); err != nil {
			return err
		}
		if pr.Status != "transmitted" {
			return fmt.Errorf("verification %s: %s %s", pc.PresentationID, pr.Status, pr.Error)
		}
		return nil
	}
	// Warm-up: one credential per wallet account, so that every
	// verification worker has one to present.
	if _, err := loadgen.Run(ctx, "warm-up", o.C, o.C, issue); err != nil {
		return nil, err
	}
	var results []loadgen.Result
	for _, phase := range []struct {
		name string
		op   loadgen.Op
	}{{"issuance (pre-authorized)", issue}, {"verification (direct_post.jwt)", verify}} {
		r, err := loadgen.Run(ctx, phase.name, o.N, o.C, phase.op)
		if err != nil {
			return results, err
		}
		fmt.Fprintln(out, r)
		results = append(results, r)
	}
	return results, nil
}
