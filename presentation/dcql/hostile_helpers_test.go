package dcql_test

import (
	"encoding/json"
	"fmt"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
)

// The hostile shapes of issue #10 item 2, built programmatically.

const vctHostile = "https://hostile.example/credential"

// hostileQuery is a valid DCQL query of nq credential queries, each with
// nc claims whose paths end in a null component (["a<j>", null]). With
// values, every claim only accepts that value; with claimSets, each claim
// is its own claim set, so every claim of a query is evaluated before the
// query fails.
func hostileQuery(nq, nc int, values []any, claimSets bool) []byte {
	type claim struct {
		ID     string `json:"id"`
		Path   []any  `json:"path"`
		Values []any  `json:"values,omitempty"`
	}
	type cred struct {
		ID        string         `json:"id"`
		Format    string         `json:"format"`
		Meta      map[string]any `json:"meta"`
		Claims    []claim        `json:"claims"`
		ClaimSets [][]string     `json:"claim_sets,omitempty"`
	}
	var q struct {
		Credentials []cred `json:"credentials"`
	}
	for i := range nq {
		c := cred{ID: fmt.Sprintf("query_%02d", i), Format: "dc+sd-jwt", Meta: map[string]any{"vct_values": []string{vctHostile}}}
		for j := range nc {
			id := fmt.Sprintf("claim_%02d", j)
			c.Claims = append(c.Claims, claim{ID: id, Path: []any{fmt.Sprintf("a%d", j), nil}, Values: values})
			if claimSets {
				c.ClaimSets = append(c.ClaimSets, []string{id})
			}
		}
		q.Credentials = append(q.Credentials, c)
	}
	out, err := json.Marshal(q)
	if err != nil {
		panic(err)
	}
	return out
}

// hostileCred is an SD-JWT VC holding arrays a0…a<arrays-1> of elems
// strings each, every element selectively disclosable (one disclosure
// per element, as an issuer of array-element disclosures produces).
func hostileCred(id string, arrays, elems int) *presentation.Credential {
	claims := map[string]any{"vct": vctHostile}
	var disclosable []vocab.ClaimPath
	for a := range arrays {
		name := fmt.Sprintf("a%d", a)
		arr := make([]any, elems)
		for e := range arr {
			arr[e] = fmt.Sprintf("v%d", e)
			disclosable = append(disclosable, vocab.ClaimPath{name, e})
		}
		claims[name] = arr
	}
	return sdCred(id, vctHostile, claims, disclosable...)
}

// hostileWallet holds n distinct credentials that share the claims and
// disclosable paths of one hostileCred (building a thousand copies would
// dominate the test's run time; matching reads them the same way).
func hostileWallet(n, arrays, elems int) []*presentation.Credential {
	proto := hostileCred("h", arrays, elems)
	out := make([]*presentation.Credential, n)
	for i := range out {
		c := *proto
		c.ID = fmt.Sprintf("h%d", i)
		out[i] = &c
	}
	return out
}
