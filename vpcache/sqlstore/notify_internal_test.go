package sqlstore

import (
	"strings"
	"testing"

	"github.com/ocmw/wstack/vpcache"
)

func TestSelectorPayloads(t *testing.T) {
	good := map[string]vpcache.Selector{
		changePayload("pc", "did:web:a.example"): vpcache.ByCounterparty("pc", "did:web:a.example"),
		changePayload("pc", ""):                  vpcache.ByParticipantContext("pc"),
		changePayload("", "did:web:a.example"):   vpcache.ByCounterpartyAllContexts("did:web:a.example"),
	}
	for p, want := range good {
		got, ok := selector(p)
		if !ok || got.Kind != want.Kind || got.ParticipantContextID != want.ParticipantContextID || got.CounterpartyDID != want.CounterpartyDID {
			t.Fatalf("%s: got %+v %v", p, got, ok)
		}
	}
	for _, p := range []string{
		"", "{}", "null", "[]", `{"pc":1}`, `{"did":"*"}`, `{"did":"did:web:%"}`, `{"pc":"a\u0000"}`,
		`{"pc":"` + strings.Repeat("a", 9000) + `"}`, "not json",
	} {
		if _, ok := selector(p); ok {
			t.Fatalf("accepted %q", p)
		}
	}
}

// FuzzNotificationPayload: any payload either maps to a valid, non-wildcard
// selector or is rejected; never a panic.
func FuzzNotificationPayload(f *testing.F) {
	f.Add(changePayload("pc", "did:web:a.example"))
	f.Add(`{"pc":"","did":""}`)
	f.Add(`{"did":"did:web:a.example","x":[1,2,{"y":null}]}`)
	f.Fuzz(func(t *testing.T, p string) {
		sel, ok := selector(p)
		if !ok {
			return
		}
		if err := sel.Validate(); err != nil {
			t.Fatalf("invalid selector accepted: %v", err)
		}
		if sel.Kind != vpcache.SelectCounterparty && sel.Kind != vpcache.SelectParticipantContext && sel.Kind != vpcache.SelectCounterpartyAllContexts {
			t.Fatalf("unexpected kind %v", sel.Kind)
		}
	})
}
