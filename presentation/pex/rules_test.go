package pex_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

// oneField builds a definition with one descriptor and the given fields.
func oneField(fields string) string {
	return `{"id":"d","input_descriptors":[{"id":"a","constraints":{"fields":[` + fields + `]}}]}`
}

// W-Stack bug (xfsc.md §2): a descriptor matched when ANY field matched.
func TestWStackRegressionAllFieldsMustMatch(t *testing.T) {
	c := parseCompile(t, oneField(`
		{"path":["$.vc.credentialSubject.account[*].id"],"filter":{"type":"string"}},
		{"path":["$.vc.credentialSubject.portfolio_value"],"filter":{"type":"number"}}`))
	_, err := c.MatchDescriptor(context.Background(), "a", bank2())
	require.ErrorIs(t, err, pex.ErrFieldNotMatched, "one of two fields matching must not be enough")
	res, err := c.Evaluate(context.Background(), seq(bank2()))
	require.ErrorIs(t, err, pex.ErrUnsatisfiable)
	require.Empty(t, res.Descriptors[0].Candidates)

	opt := parseCompile(t, oneField(`
		{"path":["$.vc.credentialSubject.account[*].id"],"filter":{"type":"string"}},
		{"path":["$.vc.credentialSubject.portfolio_value"],"filter":{"type":"number"},"optional":true}`))
	cand, err := opt.MatchDescriptor(context.Background(), "a", bank2())
	require.NoError(t, err)
	require.Equal(t, -1, cand.Fields[1].PathIndex)
}

// W-Stack bug: filters other than pattern were ignored.
func TestWStackRegressionFullJSONSchemaFilters(t *testing.T) {
	cred := bank1() // portfolio_value 2500000, account array of one object, credentialSchema array of two objects
	tests := []struct {
		name   string
		path   string
		filter string
		match  bool
	}{
		{"no_type_const", "$.iss", `{"const":"did:example:123"}`, true},
		{"no_type_const_miss", "$.iss", `{"const":"did:example:999"}`, false},
		{"enum", "$.iss", `{"enum":["did:example:1","did:example:123"]}`, true},
		{"enum_miss", "$.iss", `{"enum":["did:example:1"]}`, false},
		{"minimum", "$.credentialSubject.portfolio_value", `{"type":"number","minimum":1000000}`, true},
		{"minimum_miss", "$.credentialSubject.portfolio_value", `{"type":"number","minimum":3000000}`, false},
		{"exclusiveMaximum_miss", "$.credentialSubject.portfolio_value", `{"exclusiveMaximum":2500000}`, false},
		{"type_mismatch", "$.credentialSubject.portfolio_value", `{"type":"string"}`, false},
		{"type_array", "$.credentialSubject.portfolio_value", `{"type":["string","number"]}`, true},
		{"contains", "$.credentialSchema", `{"type":"array","contains":{"properties":{"id":{"const":"https://bank-standards.example.com#investments"}},"required":["id"]}}`, true},
		{"contains_miss", "$.credentialSchema", `{"contains":{"properties":{"id":{"const":"https://x.example"}},"required":["id"]}}`, false},
		{"minItems", "$.credentialSchema", `{"minItems":2}`, true},
		{"minItems_miss", "$.credentialSchema", `{"minItems":3}`, false},
		{"properties", "$.credentialSubject", `{"type":"object","properties":{"name":{"const":"Jane Doe"}},"required":["name"]}`, true},
		{"properties_miss", "$.credentialSubject", `{"type":"object","properties":{"name":{"const":"John"}}}`, false},
		{"anyOf", "$.iss", `{"anyOf":[{"const":"x"},{"pattern":"^did:example:1"}]}`, true},
		{"anyOf_miss", "$.iss", `{"anyOf":[{"const":"x"},{"pattern":"^did:web:"}]}`, false},
		{"not", "$.iss", `{"not":{"const":"did:example:123"}}`, false},
		{"pattern", "$.iss", `{"type":"string","pattern":"^did:example:[0-9]+$"}`, true},
		{"format_date_miss", "$.iss", `{"type":"string","format":"date"}`, false},
		{"maxLength_miss", "$.iss", `{"maxLength":3}`, false},
		{"boolean_schema_false", "$.iss", `false`, false},
		{"boolean_schema_true", "$.iss", `true`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := parseCompile(t, oneField(fmt.Sprintf(`{"path":[%q],"filter":%s}`, tc.path, tc.filter)))
			_, err := c.MatchDescriptor(context.Background(), "a", cred)
			if tc.match {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, pex.ErrFieldNotMatched)
			}
		})
	}
}

func TestFormatMinimumMaximum(t *testing.T) {
	for _, tc := range []struct {
		filter string
		match  bool
	}{
		{`{"type":"string","format":"date","formatMaximum":"1999-06-15"}`, true},
		{`{"type":"string","format":"date","formatMaximum":"1985-06-15"}`, false},
		{`{"type":"string","format":"date","formatMinimum":"1990-01-01"}`, true},
		{`{"type":"string","format":"date","formatExclusiveMinimum":"1990-01-01"}`, false},
		{`{"type":"string","formatExclusiveMaximum":"1990-01-02"}`, true},
	} {
		c := parseCompile(t, oneField(`{"path":["$.credentialSubject.dob"],"filter":`+tc.filter+`}`))
		_, err := c.MatchDescriptor(context.Background(), "a", euDL())
		require.Equal(t, tc.match, err == nil, tc.filter)
	}
	d, err := pex.ParseDefinition([]byte(oneField(`{"path":["$.a"],"filter":{"formatMaximum":"not a date"}}`)))
	require.NoError(t, err)
	_, err = pex.Compile(d)
	require.ErrorIs(t, err, pex.ErrInvalidFilter)
}

// W-Stack bug: within one field the LAST path that resolved decided.
func TestPathAlternativesInOrder(t *testing.T) {
	ctx := context.Background()
	// bank2 (jwt_vc_json) has $.iss and $.vc.issuer. $.issuer does not
	// resolve on the claims set, so the second path is evaluated.
	c := parseCompile(t, oneField(`{"path":["$.issuer","$.vc.issuer","$.iss"],"filter":{"const":"did:example:456"}}`))
	cand, err := c.MatchDescriptor(ctx, "a", bank2())
	require.NoError(t, err)
	require.Equal(t, 1, cand.Fields[0].PathIndex)
	require.Equal(t, []any{"vc", "issuer"}, cand.Fields[0].Location)

	// A first path whose value fails the filter falls through.
	c = parseCompile(t, oneField(`{"path":["$.sub","$.iss"],"filter":{"const":"did:example:456"}}`))
	cand, err = c.MatchDescriptor(ctx, "a", bank2())
	require.NoError(t, err)
	require.Equal(t, 1, cand.Fields[0].PathIndex)

	// Of a path with several results the first is the one evaluated.
	c = parseCompile(t, oneField(`{"path":["$.jobs[*].active"],"filter":{"const":false}}`))
	_, err = c.MatchDescriptor(ctx, "a", employment())
	require.ErrorIs(t, err, pex.ErrFieldNotMatched, "jobs[0].active is true; jobs[1] must not be consulted")

	// jwt_vc paths run over the JWT claims set, not the document.
	c = parseCompile(t, oneField(`{"path":["$.vc.type"],"filter":{"contains":{"const":"BankAccount"}}}`))
	_, err = c.MatchDescriptor(ctx, "a", bank2())
	require.NoError(t, err)
	c = parseCompile(t, oneField(`{"path":["$.type"],"filter":{"contains":{"const":"BankAccount"}}}`))
	_, err = c.MatchDescriptor(ctx, "a", bank2())
	require.ErrorIs(t, err, pex.ErrFieldNotMatched)
	// ldp_vc paths run over the document.
	_, err = c.MatchDescriptor(ctx, "a", euDL())
	require.ErrorIs(t, err, pex.ErrFieldNotMatched)
	c = parseCompile(t, oneField(`{"path":["$.type"],"filter":{"contains":{"const":"DriversLicense"}}}`))
	_, err = c.MatchDescriptor(ctx, "a", euDL())
	require.NoError(t, err)
}

// W-Stack bug: submission requirements were never evaluated.
func TestWStackRegressionSubmissionRequirements(t *testing.T) {
	ctx := context.Background()
	def := func(reqs string) string {
		return `{"id":"d","submission_requirements":` + reqs + `,"input_descriptors":[
			{"id":"bank","group":["A"],"constraints":{"fields":[{"path":["$.iss"],"filter":{"pattern":"^did:example:(123|456)$"}}]}},
			{"id":"job","group":["B"],"constraints":{"fields":[{"path":["$.jobs"]}]}},
			{"id":"dl","group":["B","C"],"constraints":{"fields":[{"path":["$.credentialSubject.dob"]}]}},
			{"id":"pass","group":["C"],"constraints":{"fields":[{"path":["$.vc.credentialSubject.birth_date"]}]}}]}`
	}
	tests := []struct {
		name   string
		reqs   string
		wallet []*presentation.Credential
		want   map[string]string
	}{
		{"all_from_B_missing_job", `[{"rule":"all","from":"B"}]`, []*presentation.Credential{bank1(), euDL()}, nil},
		{"all_from_B", `[{"rule":"all","from":"B"}]`, []*presentation.Credential{bank1(), euDL(), employment()}, map[string]string{"job": "employment", "dl": "eudl"}},
		{"pick_count_1", `[{"rule":"pick","count":1,"from":"C"}]`, []*presentation.Credential{passport(), euDL()}, map[string]string{"dl": "eudl"}},
		{"pick_count_2", `[{"rule":"pick","count":2,"from":"C"}]`, []*presentation.Credential{passport(), euDL()}, map[string]string{"dl": "eudl", "pass": "passport"}},
		{"pick_count_2_one_missing", `[{"rule":"pick","count":2,"from":"C"}]`, []*presentation.Credential{euDL()}, nil},
		{"pick_min_max", `[{"rule":"pick","min":1,"max":1,"from":"C"}]`, []*presentation.Credential{passport(), euDL()}, map[string]string{"dl": "eudl"}},
		{"pick_min_0", `[{"rule":"pick","min":0,"from":"C"}]`, []*presentation.Credential{bank1()}, map[string]string{}},
		{"pick_unbounded", `[{"rule":"pick","from":"C"}]`, []*presentation.Credential{bank1()}, map[string]string{}},
		// Fewest credentials: an unbounded pick is met by presenting none.
		{"pick_unbounded_minimal", `[{"rule":"pick","from":"C"}]`, []*presentation.Credential{euDL()}, map[string]string{}},
		{"from_nested_pick", `[{"rule":"pick","count":1,"from_nested":[{"rule":"all","from":"A"},{"rule":"all","from":"B"}]}]`,
			[]*presentation.Credential{employment(), euDL()}, map[string]string{"job": "employment", "dl": "eudl"}},
		{"from_nested_all_missing", `[{"rule":"all","from_nested":[{"rule":"all","from":"A"},{"rule":"pick","count":1,"from":"C"}]}]`,
			[]*presentation.Credential{euDL()}, nil},
		{"from_nested_all", `[{"rule":"all","from_nested":[{"rule":"all","from":"A"},{"rule":"pick","count":1,"from":"C"}]}]`,
			[]*presentation.Credential{euDL(), bank2()}, map[string]string{"bank": "bank2", "dl": "eudl"}},
		{"two_requirements", `[{"rule":"all","from":"A"},{"rule":"pick","count":1,"from":"C"}]`,
			[]*presentation.Credential{passport(), bank1()}, map[string]string{"bank": "bank1", "pass": "passport"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := parseCompile(t, def(tc.reqs))
			res, err := c.Evaluate(ctx, seq(tc.wallet...))
			if tc.want == nil {
				require.ErrorIs(t, err, pex.ErrUnsatisfiable)
				require.False(t, res.Satisfiable)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, selection(res))
		})
	}
}

func TestFewestCredentials(t *testing.T) {
	// Both descriptors can be answered by bank1 alone, or by bank2 + bank1;
	// the selection must use one credential.
	c := parseCompile(t, `{"id":"d","input_descriptors":[
		{"id":"issuer","constraints":{"fields":[{"path":["$.iss"],"filter":{"pattern":"^did:example:"}}]}},
		{"id":"value","constraints":{"fields":[{"path":["$.credentialSubject.portfolio_value"]}]}}]}`)
	res, err := c.Evaluate(context.Background(), seq(bank2(), bank1()))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"issuer": "bank1", "value": "bank1"}, selection(res))
	require.Len(t, res.Credentials(), 1)
	require.Len(t, res.Descriptors[0].Candidates, 2)
}

func TestFormatConstraints(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		format string
		cred   *presentation.Credential
		want   error
	}{
		{"dif_jwt_vc_matches_jwt_vc_json", `{"jwt_vc":{"alg":["ES256K"]}}`, bank2(), nil},
		{"openid_jwt_vc_json", `{"jwt_vc_json":{"alg_values":["ES256K"]}}`, bank2(), nil},
		{"alg_not_allowed", `{"jwt_vc":{"alg":["EdDSA"]}}`, bank2(), pex.ErrAlgorithmNotAllowed},
		{"any_of_listed_formats", `{"ldp_vc":{"proof_type":["Ed25519Signature2018"]},"jwt_vc":{"alg":["ES256K"]}}`, bank2(), nil},
		{"format_not_listed", `{"ldp_vc":{"proof_type":["Ed25519Signature2018"]}}`, bank2(), pex.ErrFormatMismatch},
		// W-Stack bug: ldp_vc was never checked.
		{"ldp_vc_proof_type", `{"ldp_vc":{"proof_type":["Ed25519Signature2018"]}}`, euDL(), nil},
		{"ldp_vc_proof_type_wrong", `{"ldp_vc":{"proof_type":["BbsBlsSignature2020"]}}`, euDL(), pex.ErrAlgorithmNotAllowed},
		{"sd_jwt_dc", `{"dc+sd-jwt":{"sd-jwt_alg_values":["ES256"]}}`, bank1(), nil},
		{"sd_jwt_legacy_name", `{"vc+sd-jwt":{}}`, bank1(), nil},
		{"sd_jwt_dif_name", `{"sd_jwt":{"alg":["ES384"]}}`, bank1(), pex.ErrAlgorithmNotAllowed},
		{"vp_only_format_does_not_constrain", `{"jwt_vp":{"alg":["ES256"]}}`, euDL(), nil},
		{"mdoc_not_listed", `{"mso_mdoc":{}}`, bank1(), pex.ErrFormatMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, level := range []string{"definition", "descriptor"} {
				var js string
				if level == "definition" {
					js = `{"id":"d","format":` + tc.format + `,"input_descriptors":[{"id":"a","constraints":{}}]}`
				} else {
					js = `{"id":"d","input_descriptors":[{"id":"a","format":` + tc.format + `,"constraints":{}}]}`
				}
				c := parseCompile(t, js)
				_, err := c.MatchDescriptor(ctx, "a", tc.cred)
				if tc.want == nil {
					require.NoError(t, err, level)
				} else {
					require.ErrorIs(t, err, tc.want, level)
				}
			}
		})
	}
	// Descriptor format overrides the definition's.
	c := parseCompile(t, `{"id":"d","format":{"ldp_vc":{}},"input_descriptors":[{"id":"a","format":{"jwt_vc_json":{}},"constraints":{}}]}`)
	_, err := c.MatchDescriptor(ctx, "a", bank2())
	require.NoError(t, err)
}

func TestUnknownFormatIsTypedError(t *testing.T) {
	for _, js := range []string{
		`{"id":"d","format":{"jwt_vc_jsn":{}},"input_descriptors":[{"id":"a","constraints":{}}]}`,
		`{"id":"d","input_descriptors":[{"id":"a","format":{"x-new":{}},"constraints":{}}]}`,
	} {
		_, err := pex.ParseDefinition([]byte(js))
		require.ErrorIs(t, err, pex.ErrUnknownFormat)
		var d pex.Definition
		require.NoError(t, jsonUnmarshal(js, &d))
		_, err = pex.Compile(&d)
		require.ErrorIs(t, err, pex.ErrUnknownFormat, "Compile refuses it as well")
	}
}

func TestLimitDisclosure(t *testing.T) {
	ctx := context.Background()
	def := func(limit string) string {
		return `{"id":"d","input_descriptors":[{"id":"a","constraints":{` + limit + `"fields":[{"path":["$.credentialSubject.portfolio_value"]}]}}]}`
	}
	c := parseCompile(t, def(`"limit_disclosure":"required",`))
	cand, err := c.MatchDescriptor(ctx, "a", bank1())
	require.NoError(t, err)
	require.Equal(t, []vocab.ClaimPath{cp("credentialSubject", "portfolio_value")}, cand.Disclose)

	// required on a format without selective disclosure: not a candidate.
	c2 := parseCompile(t, `{"id":"d","input_descriptors":[{"id":"a","constraints":{"limit_disclosure":"required","fields":[{"path":["$.credentialSubject.dob"]}]}}]}`)
	_, err = c2.MatchDescriptor(ctx, "a", euDL())
	require.ErrorIs(t, err, pex.ErrLimitDisclosureUnsupported)
	// preferred: allowed, everything disclosed.
	c3 := parseCompile(t, `{"id":"d","input_descriptors":[{"id":"a","constraints":{"limit_disclosure":"preferred","fields":[{"path":["$.credentialSubject.dob"]}]}}]}`)
	_, err = c3.MatchDescriptor(ctx, "a", euDL())
	require.NoError(t, err)

	// No limit_disclosure: every disclosure, unless WithMinimalDisclosure.
	c4 := parseCompile(t, def(``))
	cand, err = c4.MatchDescriptor(ctx, "a", bank1())
	require.NoError(t, err)
	require.Len(t, cand.Disclose, len(bank1().Disclosable))
	c5 := parseCompile(t, def(``), pex.WithMinimalDisclosure())
	cand, err = c5.MatchDescriptor(ctx, "a", bank1())
	require.NoError(t, err)
	require.Len(t, cand.Disclose, 1)
}

func TestHolderAndSubjectConstraints(t *testing.T) {
	ctx := context.Background()
	selfIssued := euDL()
	selfIssued.Issuer = "did:example:holder"
	unbound := bank1()
	unbound.HolderJWK = nil
	otherSubject := passport()
	otherSubject.Subject = "did:example:other"
	otherSubject.HolderID = "did:example:other"

	c := parseCompile(t, `{"id":"d","input_descriptors":[{"id":"a","constraints":{"subject_is_issuer":"required","fields":[{"path":["$.issuer"]}]}}]}`)
	_, err := c.MatchDescriptor(ctx, "a", euDL())
	require.ErrorIs(t, err, pex.ErrSubjectIsNotIssuer)
	_, err = c.MatchDescriptor(ctx, "a", selfIssued)
	require.NoError(t, err)

	h := parseCompile(t, `{"id":"d","input_descriptors":[{"id":"a","constraints":{"is_holder":[{"field_id":["f"],"directive":"required"}],"fields":[{"id":"f","path":["$.iss"]}]}}]}`)
	_, err = h.MatchDescriptor(ctx, "a", unbound)
	require.ErrorIs(t, err, pex.ErrNotHolder)
	_, err = h.MatchDescriptor(ctx, "a", bank1())
	require.NoError(t, err)

	d, err := pex.ParseDefinition([]byte(`{"id":"d","input_descriptors":[{"id":"a","constraints":{"is_holder":[{"field_id":["nope"],"directive":"required"}],"fields":[{"id":"f","path":["$.iss"]}]}}]}`))
	require.NoError(t, err)
	_, err = pex.Compile(d)
	require.ErrorIs(t, err, pex.ErrUnknownFieldID)

	same := `{"id":"d","input_descriptors":[
		{"id":"a","constraints":{"fields":[{"id":"fa","path":["$.credentialSubject.dob"]}]}},
		{"id":"b","constraints":{"same_subject":[{"field_id":["fa","fb"],"directive":"required"}],"fields":[{"id":"fb","path":["$.vc.credentialSubject.birth_date"]}]}}]}`
	s := parseCompile(t, same)
	res, err := s.Evaluate(ctx, seq(euDL(), otherSubject))
	require.ErrorIs(t, err, pex.ErrUnsatisfiable, "subjects differ")
	require.False(t, res.Satisfiable)
	res, err = s.Evaluate(ctx, seq(euDL(), otherSubject, passport()))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"a": "eudl", "b": "passport"}, selection(res))
}

// statusMap answers IETF status values by reference URI; an unknown URI is
// an unreachable list.
type statusMap map[string]uint8

func (m statusMap) Check(_ context.Context, ref vocab.StatusReference) (vocab.StatusResult, error) {
	v, ok := m[ref.URI]
	if !ok {
		return vocab.StatusResult{}, errors.New("status list unreachable")
	}
	return vocab.StatusResult{Value: v}, nil
}

// withStatus gives cred one IETF status reference named after its id.
func withStatus(cred *presentation.Credential) *presentation.Credential {
	c := *cred
	c.Status = []vocab.StatusReference{{Type: "status_list", URI: "https://status.example/" + cred.ID, Index: 1}}
	return &c
}

func TestStatuses(t *testing.T) {
	ctx := context.Background()
	js := `{"id":"d","input_descriptors":[{"id":"a","constraints":{"statuses":{"active":{"directive":"required"},"revoked":{"directive":"disallowed"}}}}]}`
	d, err := pex.ParseDefinition([]byte(js))
	require.NoError(t, err)
	_, err = pex.Compile(d)
	require.ErrorIs(t, err, pex.ErrStatusCheckerRequired)

	sm := statusMap{"https://status.example/bank1": 0, "https://status.example/bank2": 1, "https://status.example/eudl": 2}
	c, err := pex.Compile(d, pex.WithStatusChecker(sm))
	require.NoError(t, err)
	_, err = c.MatchDescriptor(ctx, "a", withStatus(bank1()))
	require.NoError(t, err)
	// revoked, suspended (not active), unreachable list
	for _, cred := range []*presentation.Credential{withStatus(bank2()), withStatus(euDL()), withStatus(passport())} {
		_, err = c.MatchDescriptor(ctx, "a", cred)
		require.ErrorIs(t, err, pex.ErrStatus, cred.ID)
	}
	// Without status references a credential is active.
	_, err = c.MatchDescriptor(ctx, "a", bank2())
	require.NoError(t, err)
}

func TestPredicate(t *testing.T) {
	ctx := context.Background()
	c := parseCompile(t, oneField(`{"path":["$.credentialSubject.portfolio_value"],"filter":{"type":"number","minimum":1000000},"predicate":"required"}`))
	_, err := c.MatchDescriptor(ctx, "a", bank1())
	require.ErrorIs(t, err, pex.ErrPredicateUnsupported)
	c = parseCompile(t, oneField(`{"path":["$.credentialSubject.portfolio_value"],"filter":{"type":"number","minimum":1000000},"predicate":"preferred"}`))
	_, err = c.MatchDescriptor(ctx, "a", bank1())
	require.NoError(t, err)
}

func TestCompileRules(t *testing.T) {
	tests := map[string]struct {
		js   string
		want error
	}{
		"duplicate_descriptor_id": {`{"id":"d","input_descriptors":[{"id":"a","constraints":{}},{"id":"a","constraints":{}}]}`, pex.ErrDuplicateID},
		"unknown_group":           {`{"id":"d","submission_requirements":[{"rule":"all","from":"Z"}],"input_descriptors":[{"id":"a","group":["A"],"constraints":{}}]}`, pex.ErrUnknownGroup},
		"count_above_group":       {`{"id":"d","submission_requirements":[{"rule":"pick","count":2,"from":"A"}],"input_descriptors":[{"id":"a","group":["A"],"constraints":{}}]}`, pex.ErrInvalidRequirement},
		"min_above_max":           {`{"id":"d","submission_requirements":[{"rule":"pick","min":2,"max":1,"from":"A"}],"input_descriptors":[{"id":"a","group":["A"],"constraints":{}},{"id":"b","group":["A"],"constraints":{}}]}`, pex.ErrInvalidRequirement},
		"ungrouped_descriptor":    {`{"id":"d","submission_requirements":[{"rule":"all","from":"A"}],"input_descriptors":[{"id":"a","group":["A"],"constraints":{}},{"id":"b","constraints":{}}]}`, pex.ErrInvalidRequirement},
		"max_zero":                {`{"id":"d","submission_requirements":[{"rule":"pick","max":0,"from":"A"}],"input_descriptors":[{"id":"a","group":["A"],"constraints":{}}]}`, pex.ErrInvalidRequirement},
		"count_with_min":          {`{"id":"d","submission_requirements":[{"rule":"pick","count":1,"min":1,"from":"A"}],"input_descriptors":[{"id":"a","group":["A"],"constraints":{}}]}`, pex.ErrInvalidRequirement},
		"bad_path":                {oneField(`{"path":["credentialSubject"]}`), pex.ErrInvalidPath},
		"bad_filter":              {oneField(`{"path":["$.a"],"filter":{"type":"nonsense"}}`), pex.ErrInvalidDefinition},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d, err := pex.ParseDefinition([]byte(tc.js))
			if err != nil {
				require.ErrorIs(t, err, pex.ErrInvalidDefinition)
				return
			}
			_, err = pex.Compile(d)
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, pex.ErrInvalidDefinition)
		})
	}
}

func TestHints(t *testing.T) {
	c := parseCompile(t, `{"id":"d","input_descriptors":[
		{"id":"a","format":{"jwt_vc_json":{}},"constraints":{"fields":[{"path":["$.vc.type"],"filter":{"type":"array","contains":{"const":"BankAccount"}}}]}},
		{"id":"b","constraints":{"fields":[{"path":["$.vct"],"filter":{"enum":["urn:a","urn:b"]}}]}}]}`)
	h := c.Hints()
	require.Equal(t, []vocab.Format{vocab.FormatDIFJWTVC, vocab.FormatJWTVCJSON}, h.Descriptors[0].Formats)
	require.Equal(t, []string{"BankAccount"}, h.Descriptors[0].Types)
	require.Equal(t, []string{"urn:a", "urn:b"}, h.Descriptors[1].VCTValues)
	require.Empty(t, h.Descriptors[1].Formats)
}

func TestContextCancelled(t *testing.T) {
	c := compileDef(t, "multi_group_example.json")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Evaluate(ctx, seq(bank1()))
	require.ErrorIs(t, err, context.Canceled)
	c2 := compileDef(t, "multi_group_example.json", pex.WithParallelism(3))
	_, err = c2.Evaluate(ctx, seq(bank1(), bank2(), euDL()))
	require.ErrorIs(t, err, context.Canceled)
}

func TestGoConstructedDefinitionsDoNotPanic(t *testing.T) {
	ctx := context.Background()
	defs := []*pex.Definition{
		{ID: "d"},
		{ID: "d", InputDescriptors: []*pex.InputDescriptor{nil}},
		{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a", Constraints: &pex.Constraints{IsHolder: []*pex.SubjectConstraint{nil}}}}},
		{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a", Constraints: &pex.Constraints{SameSubject: []*pex.SubjectConstraint{nil}}}}},
		{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a", Constraints: &pex.Constraints{Fields: []*pex.Field{nil}}}}},
		{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a", Format: pex.ClaimFormats{"jwt_vc": nil}}}, SubmissionRequirements: []*pex.SubmissionRequirement{nil}},
		{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a", Group: []string{"A"}}}, SubmissionRequirements: []*pex.SubmissionRequirement{{Rule: "pick", From: "A", FromNested: []*pex.SubmissionRequirement{}}}},
	}
	nested := &pex.SubmissionRequirement{Rule: "all", From: "A"}
	for range 20 {
		nested = &pex.SubmissionRequirement{Rule: "all", FromNested: []*pex.SubmissionRequirement{nested}}
	}
	defs = append(defs, &pex.Definition{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a", Group: []string{"A"}}}, SubmissionRequirements: []*pex.SubmissionRequirement{nested}})
	for i, d := range defs {
		c, err := pex.Compile(d)
		if err != nil {
			require.ErrorIs(t, err, pex.ErrInvalidDefinition, i)
			continue
		}
		_, _ = c.Evaluate(ctx, seq(bank1(), nil, &presentation.Credential{}))
	}
	var r *pex.Result
	require.Nil(t, r.Credentials())
	_, _, err := r.Present(ctx, walletOf(), pex.PresentOptions{})
	require.ErrorIs(t, err, pex.ErrUnsatisfiable)
}

func TestSearchBudget(t *testing.T) {
	ctx := context.Background()
	c := compileDef(t, "multi_group_example.json", pex.WithSearchBudget(1))
	_, err := c.Evaluate(ctx, seq(passport(), euDL(), bank2(), employment(), bank1()))
	require.ErrorIs(t, err, pex.ErrSearchBudget)

	c = compileDef(t, "multi_group_example.json", pex.WithSearchBudget(12))
	res, err := c.Evaluate(ctx, seq(passport(), euDL(), bank2(), employment(), bank1()))
	if err == nil {
		require.True(t, res.Satisfiable)
		require.False(t, res.Optimal, "budget ran out after a selection was found")
	} else {
		require.ErrorIs(t, err, pex.ErrSearchBudget)
	}
}

func TestParallelEqualsSequential(t *testing.T) {
	ctx := context.Background()
	wallet := append(benchWallet(2000), employment())
	seqC := compileDef(t, "multi_group_example.json")
	parC := compileDef(t, "multi_group_example.json", pex.WithParallelism(4))
	a, err := seqC.Evaluate(ctx, seq(wallet...))
	require.NoError(t, err)
	b, err := parC.Evaluate(ctx, seq(wallet...))
	require.NoError(t, err)
	require.Equal(t, selection(a), selection(b))
	for i := range a.Descriptors {
		require.Equal(t, len(a.Descriptors[i].Candidates), len(b.Descriptors[i].Candidates))
		for j := range a.Descriptors[i].Candidates {
			require.Same(t, a.Descriptors[i].Candidates[j].Credential, b.Descriptors[i].Candidates[j].Credential)
		}
	}
}

func TestSameSubjectLooksPastTheFirstCandidates(t *testing.T) {
	ctx := context.Background()
	same := `{"id":"d","input_descriptors":[
		{"id":"a","constraints":{"fields":[{"id":"fa","path":["$.credentialSubject.dob"]}]}},
		{"id":"b","constraints":{"same_subject":[{"field_id":["fa","fb"],"directive":"required"}],"fields":[{"id":"fb","path":["$.vc.credentialSubject.birth_date"]}]}}]}`
	c := parseCompile(t, same)
	var wallet []*presentation.Credential
	for i := range 10 {
		p := passport()
		p.ID = fmt.Sprintf("other-%d", i)
		p.Subject = fmt.Sprintf("did:example:other%d", i)
		wallet = append(wallet, p)
	}
	wallet = append(wallet, euDL(), passport())
	res, err := c.Evaluate(ctx, seq(wallet...))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"a": "eudl", "b": "passport"}, selection(res))
}

func TestMdocAlgorithm(t *testing.T) {
	ctx := context.Background()
	mdoc := &presentation.Credential{Format: vocab.FormatMsoMdoc, ID: "mdl", DocType: "org.iso.18013.5.1.mDL",
		Claims: map[string]any{"org.iso.18013.5.1": map[string]any{"family_name": "Doe"}}}
	js := `{"id":"d","input_descriptors":[{"id":"org.iso.18013.5.1.mDL","format":{"mso_mdoc":{"alg":["ES256","ES384"]}},
		"constraints":{"limit_disclosure":"required","fields":[{"path":["$['org.iso.18013.5.1']['family_name']"],"intent_to_retain":false}]}}]}`
	c := parseCompile(t, js)
	_, err := c.MatchDescriptor(ctx, "org.iso.18013.5.1.mDL", mdoc)
	require.ErrorIs(t, err, pex.ErrAlgorithmUnknown)

	c = parseCompile(t, js, pex.WithCredentialAlgorithm(func(*presentation.Credential) string { return "ES256" }))
	cand, err := c.MatchDescriptor(ctx, "org.iso.18013.5.1.mDL", mdoc)
	require.NoError(t, err)
	require.Equal(t, []vocab.ClaimPath{{"org.iso.18013.5.1", "family_name"}}, cand.Disclose)

	c = parseCompile(t, js, pex.WithCredentialAlgorithm(func(*presentation.Credential) string { return "EdDSA" }))
	_, err = c.MatchDescriptor(ctx, "org.iso.18013.5.1.mDL", mdoc)
	require.ErrorIs(t, err, pex.ErrAlgorithmNotAllowed)
}
