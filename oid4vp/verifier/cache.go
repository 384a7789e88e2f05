package verifier

import (
	"sync"
	"time"

	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/pex"
)

// compiledRequest is what a response is checked against: the decoded
// request, its compiled DCQL query and expected transaction_data hashes.
// A Record's Request never changes, so this is safe to keep per id; a
// replica that did not create the transaction builds it from the store.
type compiledRequest struct {
	req   *oid4vp.AuthorizationRequest
	query *dcql.Compiled
	// definition is set for the legacy profile instead of query.
	definition *pex.Compiled
	hashes     map[string][]string
	expires    time.Time
}

// maxCached bounds the in-process cache of compiled requests.
const maxCached = 4096

type requestCache struct {
	mu sync.Mutex
	m  map[string]*compiledRequest
}

func compileRequest(rec *Record) (*compiledRequest, error) {
	req, err := oid4vp.DecodeRequest(rec.Request, rec.profile())
	if err != nil {
		return nil, err
	}
	if rec.Legacy {
		if req.PresentationDefinition == nil {
			return nil, oid4vp.NewError(oid4vp.CodeServerError, "stored legacy request without presentation_definition")
		}
		d, err := pex.Compile(req.PresentationDefinition)
		if err != nil {
			return nil, err
		}
		return &compiledRequest{req: req, definition: d, expires: rec.ExpiresAt}, nil
	}
	if req.DCQLQuery == nil {
		return nil, oid4vp.NewError(oid4vp.CodeServerError, "stored request without dcql_query")
	}
	q, err := dcql.Compile(req.DCQLQuery)
	if err != nil {
		return nil, err
	}
	h, err := expectedHashes(req)
	if err != nil {
		return nil, err
	}
	return &compiledRequest{req: req, query: q, hashes: h, expires: rec.ExpiresAt}, nil
}

func (c *requestCache) get(rec *Record, now time.Time) (*compiledRequest, error) {
	c.mu.Lock()
	cr, ok := c.m[rec.ID]
	c.mu.Unlock()
	if ok {
		return cr, nil
	}
	cr, err := compileRequest(rec)
	if err != nil {
		return nil, err
	}
	c.put(rec.ID, cr, now)
	return cr, nil
}

func (c *requestCache) put(id string, cr *compiledRequest, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*compiledRequest)
	}
	if len(c.m) >= maxCached {
		for k, v := range c.m {
			if v.expires.Before(now) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCached {
			return // full of live transactions: compile on demand
		}
	}
	c.m[id] = cr
}

func (c *requestCache) prune(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range c.m {
		if v.expires.Before(now) {
			delete(c.m, k)
		}
	}
}

func (c *requestCache) drop(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

func (r *Record) profile() oid4vp.Profile {
	if r.Legacy {
		return oid4vp.ProfileLegacy
	}
	return oid4vp.ProfileFinal
}
