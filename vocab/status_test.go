package vocab_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ocmw/wstack/vocab"
)

func TestInterpretStatus(t *testing.T) {
	ietf := vocab.StatusReference{Type: "status_list", URI: "https://s.example/1", Index: 7}
	w3c := func(purpose string) vocab.StatusReference {
		return vocab.StatusReference{Type: "BitstringStatusListEntry", URI: "https://s.example/w", Index: 7, Purpose: purpose}
	}
	cases := []struct {
		name string
		ref  vocab.StatusReference
		v    uint8
		want error
	}{
		{"IETF valid", ietf, 0, nil},
		{"IETF invalid", ietf, 1, vocab.ErrRevoked},
		{"IETF suspended", ietf, 2, vocab.ErrSuspended},
		{"IETF application specific", ietf, 3, vocab.ErrStatusInvalid},
		{"IETF application specific max", ietf, 0xFF, vocab.ErrStatusInvalid},
		{"W3C unset", w3c("revocation"), 0, nil},
		{"W3C revoked", w3c("revocation"), 1, vocab.ErrRevoked},
		{"W3C suspended", w3c("suspension"), 1, vocab.ErrSuspended},
		{"W3C refresh", w3c("refresh"), 1, nil},
		{"W3C message", w3c("message"), 3, nil},
		{"W3C unknown purpose", w3c("custom"), 1, vocab.ErrStatusInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := vocab.InterpretStatus(c.ref, vocab.StatusResult{Value: c.v})
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			for _, other := range []error{vocab.ErrRevoked, vocab.ErrSuspended, vocab.ErrStatusInvalid, vocab.ErrStatusUnavailable} {
				if other != c.want && errors.Is(err, other) {
					t.Fatalf("%v also matches %v", err, other)
				}
			}
		})
	}
}

func TestCheckStatus(t *testing.T) {
	ctx := context.Background()
	ref := vocab.StatusReference{Type: "status_list", URI: "https://s.example/1", Index: 1}
	if err := vocab.CheckStatus(ctx, nil, ref); !errors.Is(err, vocab.ErrStatusUnavailable) {
		t.Fatalf("no checker: %v", err)
	}
	boom := errors.New("list signature invalid")
	failing := vocab.StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
		return vocab.StatusResult{}, boom
	})
	if err := vocab.CheckStatus(ctx, failing, ref); !errors.Is(err, vocab.ErrStatusUnavailable) || !errors.Is(err, boom) || errors.Is(err, vocab.ErrRevoked) {
		t.Fatalf("failing checker: %v", err)
	}
	suspended := vocab.StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
		return vocab.StatusResult{Value: 2}, nil
	})
	if err := vocab.CheckStatus(ctx, suspended, ref); !errors.Is(err, vocab.ErrSuspended) {
		t.Fatalf("suspended: %v", err)
	}
}
