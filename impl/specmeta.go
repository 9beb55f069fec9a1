package impl

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Vendor extensions the server reads from the OpenAPI document, so that
// version ranges, the experimental flag and policy rule names are written
// once, in the spec.
const (
	extMinVersion   = "x-manila-min-version"
	extMaxVersion   = "x-manila-max-version"
	extExperimental = "x-manila-experimental"
	// extExperimentalMax is the last version an experimental operation
	// needs the header at; above it the operation has graduated.
	extExperimentalMax = "x-manila-experimental-max-version"
	extPolicy          = "x-manila-policy"
	extActions         = "x-manila-actions"
	extErrors          = "x-manila-errors"
	extForbidden       = "x-manila-forbidden-message"
	extChecks          = "x-manila-policy-checks"
	extHandler         = "x-manila-handler"
	extFaultNames      = "x-manila-fault-names"
	// extAfterLookup: Manila checks the operation's rule inside its API
	// layer, against the resource, after looking it up; see afterLookup.
	extAfterLookup = "x-manila-policy-after-lookup"
	// actionSchema is the key of an x-manila-actions entry holding the
	// schema of the action's value: {$ref: "#/components/schemas/X"}.
	actionSchema = "schema"
)

// versionGate is what decides whether a request version reaches a method:
// Manila's api_version(min, max, experimental) decorator.
type versionGate struct {
	Min          APIVersion
	Max          *APIVersion
	Experimental bool
	// ExperimentalMax, when set, is the last version that needs the
	// experimental header (Manila's graduated APIs: replicas at 2.56).
	ExperimentalMax *APIVersion
	Policy          string
	// ForbiddenMessage replaces webob's "Access was denied to this
	// resource." where Manila words the refusal itself.
	ForbiddenMessage string
	// AfterLookup (x-manila-policy-after-lookup) moves the check of Policy
	// from the pipeline into the handler, after it has found the resource:
	// a caller who cannot see it gets 404 before any 403, as in Manila.
	AfterLookup bool
	// Checks are the further rules the handler checks itself (Manila checks
	// share:get inside backup create, ...): x-manila-policy-checks. The
	// server refuses to check a rule an operation does not declare.
	Checks []string
}

func (g versionGate) allows(v APIVersion, experimental bool) bool {
	if g.Experimental && !experimental && (g.ExperimentalMax == nil || v.Compare(*g.ExperimentalMax) <= 0) {
		return false
	}
	if v.Compare(g.Min) < 0 {
		return false
	}
	return g.Max == nil || v.Compare(*g.Max) <= 0
}

// opMeta is one operation's extensions.
type opMeta struct {
	ID     string
	Method string
	Path   string
	// Open operations need no token and no policy (version discovery).
	Open bool
	versionGate
	// Actions is set for POST .../action operations: the single top-level
	// key of the body picks the action, and each action has its own gate.
	Actions map[string]*actionMeta
	// Query are the gates of the query parameters that have one, and Body
	// those of the request body's properties.
	Query []queryGate
	Body  []bodyGate
}

// ParameterRules maps each rule a query parameter or request-body key of
// the operation is gated by to those parameters (body keys as a.b).
func (m *opMeta) ParameterRules() map[string][]string {
	rules := map[string][]string{}
	for _, q := range m.Query {
		for _, rule := range []string{q.Policy, q.Required} {
			if rule != "" {
				rules[rule] = append(rules[rule], q.Name)
			}
		}
	}
	for _, b := range m.Body {
		if b.Policy != "" {
			rules[b.Policy] = append(rules[b.Policy], strings.Join(b.Path, "."))
		}
	}
	return rules
}

// actionMeta is one entry of x-manila-actions: its gate, the handler it
// runs (aliases such as os-reset_status and reset_status share one), and
// the schema its value must match (nil: any value, ignored).
type actionMeta struct {
	versionGate
	Handler string
	Schema  *openapi3.Schema
	// Response is the schema of x-manila-response (nil: none), whose
	// annotations mask the action's view.
	Response *openapi3.Schema
}

// declares reports whether the operation (with action, for POST .../action)
// names rule: as its own rule, in x-manila-policy-checks, or on a query
// parameter. Handlers may check only declared rules, so that the spec shows
// every rule's whole blast radius.
func (m *opMeta) declares(rule, action string) bool {
	gates := []versionGate{m.versionGate}
	if a, ok := m.Actions[action]; ok {
		gates = append(gates, a.versionGate)
	}
	for _, g := range gates {
		if g.Policy == rule {
			return true
		}
		for _, c := range g.Checks {
			if c == rule {
				return true
			}
		}
	}
	for _, q := range m.Query {
		if q.Policy == rule || q.Required == rule {
			return true
		}
	}
	for _, b := range m.Body {
		if b.Policy == rule {
			return true
		}
	}
	return false
}

// SpecInfo is what the server reads from the document at start-up.
type SpecInfo struct {
	MinVersion   APIVersion
	MaxVersion   APIVersion
	Ops          map[string]*opMeta // by operationId
	faults       faultNames
	behaviours   map[string]behaviour
	userMessages userMessages
	// poolCapabilities is components.x-manila-pool-capabilities.
	poolCapabilities map[string]any
}

// ReadSpecInfo validates and collects the vendor extensions of every
// operation. It fails if an operation lacks one.
func ReadSpecInfo(doc *openapi3.T) (*SpecInfo, error) {
	info := &SpecInfo{Ops: map[string]*opMeta{}}
	if doc.Info == nil {
		return nil, fmt.Errorf("spec: no info object")
	}
	var err error
	if info.MinVersion, err = extVersion(doc.Info.Extensions, extMinVersion); err != nil {
		return nil, fmt.Errorf("spec info: %w", err)
	}
	if info.MaxVersion, err = extVersion(doc.Info.Extensions, extMaxVersion); err != nil {
		return nil, fmt.Errorf("spec info: %w", err)
	}
	if doc.Components == nil || doc.Components.Schemas["Fault"] == nil {
		return nil, fmt.Errorf("spec: no Fault schema")
	}
	if info.faults, err = readFaultNames(doc.Components.Schemas["Fault"].Value.Extensions); err != nil {
		return nil, err
	}
	if info.behaviours, err = readBehaviours(doc); err != nil {
		return nil, err
	}
	if info.userMessages, err = readUserMessages(doc); err != nil {
		return nil, err
	}
	if info.poolCapabilities, err = readPoolCapabilities(doc); err != nil {
		return nil, err
	}
	var problems []string
	for _, p := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(p)
		for method, op := range item.Operations() {
			m, err := readOp(method, p, op, doc)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s %s: %v", method, p, err))
				continue
			}
			info.Ops[m.ID] = m
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("spec: %s", strings.Join(problems, "; "))
	}
	return info, nil
}

func readOp(method, path string, op *openapi3.Operation, doc *openapi3.T) (*opMeta, error) {
	if op.OperationID == "" {
		return nil, fmt.Errorf("no operationId")
	}
	m := &opMeta{ID: op.OperationID, Method: method, Path: path}
	_, hasActions := op.Extensions[extActions]
	gate, err := readGate(op.Extensions, !hasActions)
	if err != nil {
		return nil, err
	}
	m.versionGate = gate
	if op.Security != nil && len(*op.Security) == 0 {
		m.Open = true
	}
	if raw, ok := op.Extensions[extActions]; ok {
		actions, ok := toMap(raw)
		if !ok || len(actions) == 0 {
			return nil, fmt.Errorf("%s must map action names to their gates", extActions)
		}
		m.Actions = map[string]*actionMeta{}
		for name, v := range actions {
			ext, ok := toMap(v)
			if !ok {
				return nil, fmt.Errorf("%s.%s must be an object", extActions, name)
			}
			a, err := readAction(ext, doc)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", extActions, name, err)
			}
			m.Actions[name] = a
		}
	}
	if m.Query, err = readQueryGates(op); err != nil {
		return nil, err
	}
	if m.Body, err = readBodyGates(op); err != nil {
		return nil, err
	}
	if m.Open != (m.Policy == "@") && m.Actions == nil {
		return nil, fmt.Errorf("operations with `security: []` must have %s \"@\", and only they", extPolicy)
	}
	return m, nil
}

func readAction(ext map[string]any, doc *openapi3.T) (*actionMeta, error) {
	g, err := readGate(ext, true)
	if err != nil {
		return nil, err
	}
	a := &actionMeta{versionGate: g}
	if a.Handler, _ = toString(ext[extHandler]); a.Handler == "" {
		return nil, fmt.Errorf("missing %s", extHandler)
	}
	if raw, ok := ext[actionSchema]; ok {
		ref, _ := toMap(raw)
		target, _ := ref["$ref"].(string)
		name, ok := strings.CutPrefix(target, "#/components/schemas/")
		if !ok || doc.Components == nil || doc.Components.Schemas[name] == nil {
			return nil, fmt.Errorf("%s must be {$ref: \"#/components/schemas/<name>\"} naming a schema", actionSchema)
		}
		a.Schema = doc.Components.Schemas[name].Value
	}
	if raw, ok := ext["x-manila-response"]; ok {
		ref, _ := toMap(raw)
		target, _ := ref["$ref"].(string)
		name, ok := strings.CutPrefix(target, "#/components/schemas/")
		if !ok || doc.Components == nil || doc.Components.Schemas[name] == nil {
			return nil, fmt.Errorf("x-manila-response must be {$ref: \"#/components/schemas/<name>\"} naming a schema")
		}
		a.Response = doc.Components.Schemas[name].Value
	}
	return a, nil
}

func readGate(ext map[string]any, requirePolicy bool) (versionGate, error) {
	var g versionGate
	var err error
	if g.Min, err = extVersion(ext, extMinVersion); err != nil {
		return g, err
	}
	if _, ok := ext[extMaxVersion]; ok {
		max, err := extVersion(ext, extMaxVersion)
		if err != nil {
			return g, err
		}
		g.Max = &max
	}
	exp, ok := ext[extExperimental]
	if !ok {
		return g, fmt.Errorf("missing %s", extExperimental)
	}
	if g.Experimental, ok = toBool(exp); !ok {
		return g, fmt.Errorf("%s must be a boolean", extExperimental)
	}
	if _, ok := ext[extExperimentalMax]; ok {
		if !g.Experimental {
			return g, fmt.Errorf("%s needs %s: true", extExperimentalMax, extExperimental)
		}
		max, err := extVersion(ext, extExperimentalMax)
		if err != nil {
			return g, err
		}
		g.ExperimentalMax = &max
	}
	if p, ok := ext[extPolicy]; ok {
		if g.Policy, ok = toString(p); !ok || g.Policy == "" {
			return g, fmt.Errorf("%s must be a non-empty string", extPolicy)
		}
	} else if requirePolicy {
		return g, fmt.Errorf("missing %s", extPolicy)
	}
	if fm, ok := ext[extForbidden]; ok {
		g.ForbiddenMessage, _ = toString(fm)
	}
	if raw, ok := ext[extAfterLookup]; ok {
		if g.AfterLookup, ok = toBool(raw); !ok || g.Policy == "" {
			return g, fmt.Errorf("%s must be a boolean, beside %s", extAfterLookup, extPolicy)
		}
	}
	if raw, ok := ext[extChecks]; ok {
		list, ok := decodeExt(raw).([]any)
		if !ok {
			return g, fmt.Errorf("%s must be a list of rule names", extChecks)
		}
		for _, item := range list {
			rule, ok := item.(string)
			if !ok || rule == "" {
				return g, fmt.Errorf("%s must be a list of rule names", extChecks)
			}
			g.Checks = append(g.Checks, rule)
		}
	}
	return g, nil
}

func extVersion(ext map[string]any, key string) (APIVersion, error) {
	raw, ok := ext[key]
	if !ok {
		return APIVersion{}, fmt.Errorf("missing %s", key)
	}
	s, ok := toString(raw)
	if !ok {
		return APIVersion{}, fmt.Errorf("%s must be a string like \"2.80\"", key)
	}
	v, ok := ParseAPIVersion(s)
	if !ok {
		return APIVersion{}, fmt.Errorf("%s %q is not a version", key, s)
	}
	return v, nil
}

// Extension values arrive decoded (string, bool, map) or, depending on how
// the document was loaded, as raw JSON; accept both.
func decodeExt(v any) any {
	if raw, ok := v.(json.RawMessage); ok {
		var out any
		if json.Unmarshal(raw, &out) == nil {
			return out
		}
	}
	return v
}

func toString(v any) (string, bool) {
	s, ok := decodeExt(v).(string)
	return s, ok
}

func toBool(v any) (bool, bool) {
	b, ok := decodeExt(v).(bool)
	return b, ok
}

func toMap(v any) (map[string]any, bool) {
	m, ok := decodeExt(v).(map[string]any)
	return m, ok
}
