package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/manilite/manilite/impl"
	"github.com/manilite/manilite/policy"
)

// The response checker holds every answer of the test server to the
// OpenAPI document: the body must match the response schema of its
// operation and status (kin-openapi), and each property annotated with
// x-manila-min-version / x-manila-max-version / x-manila-policy must be
// present exactly when the request's microversion is in its range and the
// rule allows the caller (x-manila-optional: only then, not always then).
// The annotations are read by impl.ReadAnnotation, as the server reads
// them; what they must mean is checked here, independently of the server's
// views. The extension names are the ones the spec's info.description
// defines.
const (
	extActions        = "x-manila-actions"
	extActionResponse = "x-manila-response"
	extActionEmpty    = "x-manila-response-empty"
)

// responseChecker is the embedded document, routed as the server routes it.
type responseChecker struct {
	doc    *openapi3.T
	router routers.Router
	// collections are the first segments after /v2/ of the spec's paths:
	// such a segment is never taken for a project id.
	collections map[string]bool
}

var (
	checkerOnce sync.Once
	checker     *responseChecker
	checkerErr  error
)

// sharedResponseChecker loads the document once for the whole test binary.
func sharedResponseChecker() (*responseChecker, error) {
	checkerOnce.Do(func() { checker, checkerErr = newResponseChecker() })
	return checker, checkerErr
}

func newResponseChecker() (*responseChecker, error) {
	doc, err := impl.LoadSpec()
	if err != nil {
		return nil, err
	}
	if problems := lintAnnotations(doc); len(problems) > 0 {
		return nil, fmt.Errorf("response annotations of the spec:\n  %s", strings.Join(problems, "\n  "))
	}
	// As the server does: without servers the router matches the path alone.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	c := &responseChecker{doc: doc, router: router, collections: map[string]bool{}}
	for _, p := range doc.Paths.InMatchingOrder() {
		if rest, ok := strings.CutPrefix(p, "/v2/"); ok {
			seg, _, _ := strings.Cut(rest, "/")
			if seg != "" && !strings.HasPrefix(seg, "{") {
				c.collections[seg] = true
			}
		}
	}
	return c, nil
}

// exchange is one request to the test server and its answer.
type exchange struct {
	method string
	// target is the path and query as sent.
	target  string
	token   string
	reqBody []byte
	status  int
	header  http.Header
	body    []byte
}

// checkEnv is what the checker needs of the server that answered.
type checkEnv struct {
	// projectPattern is the server's project id pattern, anchored.
	projectPattern *regexp.Regexp
	engine         *policy.Engine
	// identify turns the request's token into the caller, as the server's
	// authenticator does.
	identify func(token string) (policy.Caller, error)
}

// check returns what is wrong with the answer, one line per problem; nil
// when it is right or when no operation of the spec was asked for.
func (c *responseChecker) check(ctx context.Context, env checkEnv, ex exchange) []string {
	r, err := http.NewRequestWithContext(ctx, ex.method, "http://manilite"+ex.target, bytes.NewReader(ex.reqBody))
	if err != nil {
		return []string{err.Error()}
	}
	// The server routes /v2/{project_id}/rest as /v2/rest (stripProjectSegment).
	if rest, ok := strings.CutPrefix(r.URL.Path, "/v2/"); ok {
		seg, tail, found := strings.Cut(rest, "/")
		if found && seg != "" && !c.collections[seg] && env.projectPattern.MatchString(seg) {
			r.URL.Path, r.URL.RawPath = "/v2/"+tail, ""
		}
	}
	route, pathParams, err := c.router.FindRoute(r)
	if err != nil {
		// Deliberately outside the API (/healthz, unknown URLs, a method
		// the path does not have): nothing to hold the answer to.
		return nil
	}
	rc := &responseCheck{env: env, ex: ex, rules: map[string]bool{}}
	rc.version, rc.versioned = impl.ParseAPIVersion(ex.header.Get("X-OpenStack-Manila-API-Version"))

	schema, empty, checked := c.actionResponse(route.Operation, ex)
	if !checked {
		responseRef := route.Operation.Responses.Status(ex.status)
		if responseRef == nil {
			responseRef = route.Operation.Responses.Default()
		}
		if responseRef != nil && len(responseRef.Value.Content) == 0 && len(ex.body) > 0 {
			return []string{fmt.Sprintf("status %d declares no body, got %s", ex.status, ex.body)}
		}
		if err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: pathParams, Route: route},
			Status:                 ex.status,
			Header:                 ex.header,
			Body:                   io.NopCloser(bytes.NewReader(ex.body)),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		}); err != nil {
			return []string{schemaProblem(err)}
		}
		if responseRef != nil {
			if mt := responseRef.Value.Content.Get(ex.header.Get("Content-Type")); mt != nil && mt.Schema != nil {
				schema = mt.Schema
			}
		}
	} else if empty {
		if len(ex.body) > 0 {
			return []string{fmt.Sprintf("the action answers an empty body, got %s", ex.body)}
		}
		return nil
	}
	if schema == nil || len(ex.body) == 0 {
		return nil
	}
	var value any
	if err := json.Unmarshal(ex.body, &value); err != nil {
		return []string{fmt.Sprintf("body is not JSON: %v", err)}
	}
	if checked {
		if err := schema.Value.VisitJSON(value, openapi3.VisitAsResponse()); err != nil {
			return []string{schemaProblem(err)}
		}
	}
	rc.walk("", schema.Value, value)
	return rc.problems
}

// actionResponse finds, for a POST .../action, the answer its action
// declares: the schema of x-manila-response, or none with empty set for
// x-manila-response-empty (and for a 2xx with an empty body, which is what
// an action without either key answers). checked is false when the
// operation's own responses apply: not an action, not a 2xx, or an action
// without either key answering a body.
func (c *responseChecker) actionResponse(op *openapi3.Operation, ex exchange) (schema *openapi3.SchemaRef, empty, checked bool) {
	raw, ok := op.Extensions[extActions]
	if !ok || ex.status < 200 || ex.status > 299 {
		return nil, false, false
	}
	var body map[string]json.RawMessage
	if json.Unmarshal(ex.reqBody, &body) != nil || len(body) != 1 {
		return nil, false, false
	}
	var name string
	for k := range body {
		name = k
	}
	actions, _ := extValue(raw).(map[string]any)
	action, _ := actions[name].(map[string]any)
	if e, _ := action[extActionEmpty].(bool); e {
		return nil, true, true
	}
	if ref, ok := action[extActionResponse].(map[string]any); ok {
		target, _ := ref["$ref"].(string)
		s := c.doc.Components.Schemas[strings.TrimPrefix(target, "#/components/schemas/")]
		if s == nil {
			return nil, false, false
		}
		return s, false, true
	}
	if len(ex.body) == 0 {
		return nil, true, true
	}
	return nil, false, false
}

// schemaProblem is kin-openapi's complaint in one line: where in the body
// and why, without its dump of the schema and the value.
func schemaProblem(err error) string {
	prefix := "response body doesn't match schema"
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) {
		if re.Err == nil {
			return re.Reason
		}
		prefix, err = re.Reason, re.Err
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: at /%s: %s", prefix, strings.Join(se.JSONPointer(), "/"), se.Reason)
	}
	return prefix + ": " + err.Error()
}

// responseCheck is one answer being walked.
type responseCheck struct {
	env       checkEnv
	ex        exchange
	version   impl.APIVersion
	versioned bool
	caller    *policy.Caller
	callerErr error
	rules     map[string]bool
	problems  []string
}

func (rc *responseCheck) fail(format string, args ...any) {
	rc.problems = append(rc.problems, fmt.Sprintf(format, args...))
}

// walk follows the body along the schema: objects property by property,
// arrays item by item, and the branches of allOf / oneOf / anyOf.
func (rc *responseCheck) walk(path string, s *openapi3.Schema, v any) {
	if s == nil {
		return
	}
	for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range group {
			rc.walk(path, sub.Value, v)
		}
	}
	switch v := v.(type) {
	case []any:
		if s.Items != nil {
			for i, item := range v {
				rc.walk(fmt.Sprintf("%s[%d]", path, i), s.Items.Value, item)
			}
		}
	case map[string]any:
		names := make([]string, 0, len(s.Properties))
		for name := range s.Properties {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			prop := s.Properties[name].Value
			at := joinPath(path, name)
			val, present := v[name]
			if a, _ := impl.ReadAnnotation(prop.Extensions); a.Annotated() {
				rc.checkPresence(at, a, present)
			}
			if present {
				rc.walk(at, prop, val)
			}
		}
		if ap := s.AdditionalProperties.Schema; ap != nil {
			for name, val := range v {
				if _, declared := s.Properties[name]; !declared {
					rc.walk(joinPath(path, name), ap.Value, val)
				}
			}
		}
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// checkPresence holds one annotated property to its range and rule.
func (rc *responseCheck) checkPresence(at string, a impl.Annotation, present bool) {
	if !present && a.Optional {
		return
	}
	if a.Min != nil || a.Max != nil {
		if !rc.versioned {
			rc.fail("%s: annotated with a version range, but the answer echoes no X-OpenStack-Manila-API-Version", at)
			return
		}
	}
	inRange := a.InRange(rc.version)
	if !inRange {
		if present {
			rc.fail("%s: present at version %s, outside its range %s", at, rc.version, a.RangeString())
		}
		return
	}
	if a.Policy != "" {
		allowed, err := rc.allows(a.Policy)
		if err != nil {
			rc.fail("%s: deciding %s %s: %v", at, "x-manila-policy", a.Policy, err)
			return
		}
		if !allowed {
			if present {
				rc.fail("%s: present, but %s %s refuses the caller", at, "x-manila-policy", a.Policy)
			}
			return
		}
	}
	if !present {
		why := "in its range " + a.RangeString()
		if a.Policy != "" {
			why += " and allowed by " + a.Policy
		}
		rc.fail("%s: missing at version %s, %s", at, rc.version, why)
	}
}

// allows decides rule for the caller with the caller's own project as
// target, as Manila's views do (policy.check_is_admin).
func (rc *responseCheck) allows(rule string) (bool, error) {
	if ok, seen := rc.rules[rule]; seen {
		return ok, nil
	}
	if rc.caller == nil && rc.callerErr == nil {
		c, err := rc.env.identify(rc.ex.token)
		rc.caller, rc.callerErr = &c, err
	}
	if rc.callerErr != nil {
		return false, fmt.Errorf("caller of token %q: %w", rc.ex.token, rc.callerErr)
	}
	c := *rc.caller
	// Explain costs a full evaluation; the same rule set (by hash) gives
	// the same answer to the same caller, and tests poll in loops.
	key := fmt.Sprintf("%s\x00%s\x00%#v", rc.env.engine.Hash(), rule, c)
	if ok, seen := ruleDecisions.Load(key); seen {
		rc.rules[rule] = ok.(bool)
		return ok.(bool), nil
	}
	x, err := rc.env.engine.Explain(context.Background(), policy.Input{
		Action: rule,
		Caller: c,
		Target: policy.Target{ProjectID: c.ProjectID, UserID: c.UserID},
	})
	if err != nil {
		return false, err
	}
	if !x.Decision.Defined {
		return false, fmt.Errorf("the policy in force defines no rule %q", rule)
	}
	ok := x.Decision.Allowed
	rc.rules[rule] = ok
	ruleDecisions.Store(key, ok)
	return ok, nil
}

// ruleDecisions caches allows by rule set hash, rule and caller.
var ruleDecisions sync.Map

// extValue decodes an extension that arrives as raw JSON.
func extValue(v any) any {
	if raw, ok := v.(json.RawMessage); ok {
		var out any
		if json.Unmarshal(raw, &out) == nil {
			return out
		}
	}
	return v
}

// lintAnnotations checks the annotations themselves on every schema of
// the document: well-formed, and never on a required property.
func lintAnnotations(doc *openapi3.T) []string {
	var problems []string
	seen := map[*openapi3.Schema]bool{}
	var visit func(at string, s *openapi3.Schema)
	visit = func(at string, s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for name, ref := range s.Properties {
			p := ref.Value
			pat := at + "." + name
			a, err := impl.ReadAnnotation(p.Extensions)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", pat, err))
			}
			annotated := a.Annotated()
			if _, ok := p.Extensions["x-manila-optional"]; ok {
				if !a.Optional {
					problems = append(problems, fmt.Sprintf("%s: x-manila-optional must be true", pat))
				} else if !annotated {
					problems = append(problems, fmt.Sprintf("%s: x-manila-optional without a version range or rule says nothing", pat))
				}
			}
			if annotated && a.Min != nil && a.Max != nil && a.Min.Compare(*a.Max) > 0 {
				problems = append(problems, fmt.Sprintf("%s: empty range %s", pat, a.RangeString()))
			}
			if annotated {
				for _, r := range s.Required {
					if r == name {
						problems = append(problems, fmt.Sprintf("%s: annotated, so it must not be required", pat))
					}
				}
			}
			visit(pat, p)
		}
		if s.Items != nil {
			visit(at+"[]", s.Items.Value)
		}
		if s.AdditionalProperties.Schema != nil {
			visit(at+".*", s.AdditionalProperties.Schema.Value)
		}
		for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.OneOf, s.AnyOf} {
			for _, sub := range group {
				visit(at, sub.Value)
			}
		}
	}
	names := make([]string, 0, len(doc.Components.Schemas))
	for name := range doc.Components.Schemas {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		visit(name, doc.Components.Schemas[name].Value)
	}
	sort.Strings(problems)
	return problems
}
