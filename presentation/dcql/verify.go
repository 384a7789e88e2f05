package dcql

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/internal/match"
	"github.com/ocmw/wstack/vocab"
)

// Decoder verifies one received presentation and returns the view of the
// credential it presents, holding only what was disclosed. It is where the
// format packages check integrity, holder binding (KB-JWT or VP proof with
// the request's nonce and audience), validity, status and trust policy
// (§8.6); Verify adds the query checks on top and never trusts the wallet's
// matching.
type Decoder interface {
	Decode(ctx context.Context, format vocab.Format, presentation any) (*presentation.Credential, error)
}

// DecoderFunc adapts a function to Decoder.
type DecoderFunc func(ctx context.Context, format vocab.Format, p any) (*presentation.Credential, error)

// Decode calls f.
func (f DecoderFunc) Decode(ctx context.Context, format vocab.Format, p any) (*presentation.Credential, error) {
	return f(ctx, format, p)
}

// PresentationFailure says why one presentation was discarded.
type PresentationFailure struct {
	QueryID string
	Index   int
	Err     error
}

// Verification is the verifier's report on a vp_token.
type Verification struct {
	// Accepted holds, per credential query id, the credentials of the
	// presentations that passed decoding and the query checks.
	Accepted map[string][]*presentation.Credential
	// Matches holds the same as matches (claim set used, claim locations).
	Matches map[string][]*Match
	// Failures lists every discarded presentation.
	Failures []PresentationFailure
	// CredentialSets holds per credential set the first option fully
	// answered, or -1.
	CredentialSets []int
	// Missing lists the credential query ids that a required answer lacks.
	Missing []string
}

// Verify re-validates a received vp_token against the query (§8.6):
// every key must be a credential query id, each array non-empty and of one
// element unless multiple is true; every presentation is decoded by dec and
// its credential matched again against its credential query (format, meta,
// holder binding, trusted authorities, claims and values, claim sets);
// failing presentations are discarded and reported; finally the accepted
// set must satisfy every credential query (no credential_sets) or every
// required credential set. When the token as a whole fails, the error
// matches ErrVPTokenRejected and the more specific cause; when a required
// answer is missing (ErrMissingCredential) the error also wraps every
// per-presentation failure (Verification.Failures), so that
// errors.Is(err, presentation.ErrNonce) and the like hold. The report is
// returned in both cases. Matching the presented credentials has the work
// budget of one evaluation (ErrBudgetExceeded).
func (c *Compiled) Verify(ctx context.Context, token VPToken, dec Decoder) (*Verification, error) {
	if dec == nil {
		return nil, ErrNoDecoder
	}
	v := &Verification{Accepted: make(map[string][]*presentation.Credential), Matches: make(map[string][]*Match)}
	if err := token.checkShape(); err != nil {
		return v, err
	}
	ids := make([]string, 0, len(token))
	for id := range token {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	st := c.newState(ctx, match.NewPool(c.cfg.budget))
	for _, id := range ids {
		qi, ok := c.byID[id]
		if !ok {
			return v, reject(ErrUnexpectedQueryID, "%q", id)
		}
		cq := &c.creds[qi]
		ps := token[id]
		if len(ps) > 1 && !cq.q.Multiple {
			return v, reject(ErrMultipleNotAllowed, "%q has %d presentations and multiple is false", id, len(ps))
		}
		for i, p := range ps {
			cred, err := dec.Decode(ctx, cq.q.Format, p)
			if err == nil && cred == nil {
				err = errors.New("dcql: decoder returned no credential")
			}
			if err != nil {
				if ctx.Err() != nil {
					return v, ctx.Err()
				}
				v.Failures = append(v.Failures, PresentationFailure{QueryID: id, Index: i, Err: err})
				continue
			}
			m, err := c.match(ctx, st, cq, cred)
			if err != nil {
				if ctx.Err() != nil {
					return v, ctx.Err()
				}
				if stop := c.stopped(st); stop != nil {
					return v, stop
				}
				v.Failures = append(v.Failures, PresentationFailure{QueryID: id, Index: i, Err: fmt.Errorf("%w: %w", ErrPresentationMismatch, err)})
				continue
			}
			m.seq = i
			v.Accepted[id] = append(v.Accepted[id], cred)
			v.Matches[id] = append(v.Matches[id], m)
		}
	}
	if len(c.q.CredentialSets) == 0 {
		for _, cq := range c.creds {
			if len(v.Accepted[cq.q.ID]) == 0 {
				v.Missing = append(v.Missing, cq.q.ID)
			}
		}
	} else {
		for _, set := range c.q.CredentialSets {
			chosen := -1
			for oi, opt := range set.Options {
				ok := true
				for _, id := range opt {
					if len(v.Accepted[id]) == 0 {
						ok = false
						break
					}
				}
				if ok {
					chosen = oi
					break
				}
			}
			v.CredentialSets = append(v.CredentialSets, chosen)
			if chosen < 0 && set.IsRequired() {
				for _, id := range set.Options[0] {
					if len(v.Accepted[id]) == 0 && !slices.Contains(v.Missing, id) {
						v.Missing = append(v.Missing, id)
					}
				}
			}
		}
	}
	if len(v.Missing) > 0 {
		return v, missingError(v)
	}
	return v, nil
}

// missingError reports the missing credential queries with every
// per-presentation failure in the chain, so that errors.Is finds the cause
// (presentation.ErrNonce, ErrAudience, ErrSignature, ErrRevoked, a
// mismatch, …) and the message names it.
func missingError(v *Verification) error {
	format := "%w: %w: %v"
	args := []any{ErrVPTokenRejected, ErrMissingCredential, v.Missing}
	for _, f := range v.Failures {
		format += "; %s[%d]: %w"
		args = append(args, f.QueryID, f.Index, f.Err)
	}
	return &Error{Code: CodeInvalidRequest, err: fmt.Errorf(format, args...)}
}

func reject(sub error, format string, args ...any) error {
	return &Error{Code: CodeInvalidRequest, err: fmt.Errorf("%w: %w: %s", ErrVPTokenRejected, sub, fmt.Sprintf(format, args...))}
}
