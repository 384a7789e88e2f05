package statuslist

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/ocmw/wstack/internal/jsonx"
)

// Lister is implemented by stores that can enumerate a tenant's lists
// (Memory and statuslist/sqlstore do); the aggregation endpoint needs it.
type Lister interface {
	Lists(ctx context.Context, tenant string) ([]ListInfo, error)
}

// Lists implements Lister.
func (m *Memory) Lists(ctx context.Context, tenant string) ([]ListInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ListInfo
	for _, l := range m.lists {
		if l.info.Tenant == tenant {
			out = append(out, cloneInfo(l.info))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ListID < out[j].ListID })
	return out, nil
}

// AggregationHandler serves the Status List Aggregation of a tenant
// (draft-20 "Status List Aggregation"): {"status_lists": [uri, …]} of its IETF lists, as
// application/json. The route pattern may carry {tenant}. The store must
// implement Lister (501 otherwise).
func (p *Publisher) AggregationHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		lister, ok := p.cfg.Store.(Lister)
		if !ok {
			http.Error(w, "aggregation not supported by the store", http.StatusNotImplemented)
			return
		}
		tenant := r.PathValue("tenant")
		if tenant == "" {
			tenant = p.cfg.DefaultTenant
		}
		if !ValidName(tenant) {
			http.NotFound(w, r)
			return
		}
		lists, err := lister.Lists(r.Context(), tenant)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		agg := Aggregation{StatusLists: []string{}}
		for _, l := range lists {
			if l.Config.Format == FormatIETF {
				agg.StatusLists = append(agg.StatusLists, p.cfg.ListURI(tenant, l.ListID))
			}
		}
		body, _ := json.Marshal(agg)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age="+strconv.FormatInt(int64(p.cfg.TTL/time.Second), 10))
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodGet {
			w.Write(body)
		}
	})
}

// MaxAggregationEntries bounds a fetched aggregation document.
const MaxAggregationEntries = 100000

// Aggregation fetches a Status List Aggregation document (draft-20 "Status List Aggregation")
// and returns its status list URIs, so a relying party can prefetch and
// cache every list of an issuer.
func (c *Checker) Aggregation(ctx context.Context, uri string) ([]string, error) {
	body, _, err := c.cfg.Fetcher.Fetch(ctx, uri, "application/json", int64(c.cfg.MaxTokenBytes))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRetrieval, err)
	}
	var raw struct {
		StatusLists []string `json:"status_lists"`
	}
	if err := jsonx.Unmarshal(body, &raw, jsonx.Limits{MaxBytes: c.cfg.MaxTokenBytes}); err != nil || raw.StatusLists == nil {
		return nil, fmt.Errorf("%w: aggregation document: %v", ErrToken, err)
	}
	if len(raw.StatusLists) > MaxAggregationEntries {
		return nil, fmt.Errorf("%w: %d status lists", ErrTooLarge, len(raw.StatusLists))
	}
	return raw.StatusLists, nil
}
