package main

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"
)

// TestLoad runs a short bounded load; every operation must succeed.
func TestLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := run(ctx, &out, options{N: 24, C: 4, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(res) != 2 || res[0].Count != 24 || res[1].Count != 24 {
		t.Fatalf("results %+v", res)
	}
	t.Log("\n" + out.String())
}

// TestLoadPostgres is TestLoad with every store on PostgreSQL. NATS stays
// embedded: the shared server of CI carries the shared-deployment tests of
// other packages on the same subjects, which run at the same time.
func TestLoadPostgres(t *testing.T) {
	dsn := os.Getenv("WSTACK_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("WSTACK_TEST_POSTGRES_DSN is required under CI")
		}
		t.Skip("set WSTACK_TEST_POSTGRES_DSN to run the load against PostgreSQL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := run(ctx, &out, options{N: 24, C: 4, Postgres: dsn, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(res) != 2 || res[0].Count != 24 || res[1].Count != 24 {
		t.Fatalf("results %+v", res)
	}
	t.Log("\n" + out.String())
}
