package stack

import (
	"context"
	"testing"
	"time"
)

func TestStartAndClose(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, u := range s.URLs {
		if name == "nats" {
			continue
		}
		if _, err := s.get(ctx, u+"/v1/metrics/health"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
