package impl

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/manilite/manilite/policy"
)

func loadSpecInfo(t *testing.T) (*openapi3.T, *SpecInfo) {
	t.Helper()
	doc, err := LoadSpec()
	if err != nil {
		t.Fatalf("LoadSpec: %v", err)
	}
	info, err := ReadSpecInfo(doc)
	if err != nil {
		t.Fatalf("ReadSpecInfo: %v", err)
	}
	return doc, info
}

func defaultPolicyEngine(t *testing.T) *policy.Engine {
	t.Helper()
	set, err := policy.LoadFS(policy.DefaultFS())
	if err != nil {
		t.Fatalf("policy.LoadFS: %v", err)
	}
	e, err := policy.NewEngine(context.Background(), set, nil)
	if err != nil {
		t.Fatalf("policy.NewEngine: %v", err)
	}
	return e
}

// checkGate asserts what every gate (of an operation or of one action) must
// carry. where names it in messages. raw is the gate's extensions as written
// in the document.
func checkGate(t *testing.T, where string, raw map[string]any, g versionGate, info *SpecInfo, wantPolicy bool) {
	t.Helper()
	for _, key := range []string{extMinVersion, extExperimental} {
		if _, ok := raw[key]; !ok {
			t.Errorf("%s: %s missing", where, key)
		}
	}
	if s, ok := toString(raw[extMinVersion]); !ok || s != g.Min.String() {
		t.Errorf("%s: %s = %v, read as %s", where, extMinVersion, raw[extMinVersion], g.Min)
	}
	if b, ok := toBool(raw[extExperimental]); !ok || b != g.Experimental {
		t.Errorf("%s: %s = %v, read as %v", where, extExperimental, raw[extExperimental], g.Experimental)
	}
	if g.Min.Compare(info.MinVersion) < 0 || g.Min.Compare(info.MaxVersion) > 0 {
		t.Errorf("%s: min version %s outside the API's %s..%s", where, g.Min, info.MinVersion, info.MaxVersion)
	}
	if g.Max != nil {
		if g.Max.Compare(g.Min) < 0 || g.Max.Compare(info.MaxVersion) > 0 {
			t.Errorf("%s: max version %s outside %s..%s", where, *g.Max, g.Min, info.MaxVersion)
		}
	}
	if wantPolicy {
		p, ok := toString(raw[extPolicy])
		if !ok || p == "" || p != g.Policy {
			t.Errorf("%s: %s = %v, read as %q; want a non-empty rule name", where, extPolicy, raw[extPolicy], g.Policy)
		}
	}
}

// TestSpecOperationsHaveGatesAndDefinedPolicies is the test that fails when
// an operation names a policy rule that policy/ does not define, or lacks a
// version or experimental flag.
func TestSpecOperationsHaveGatesAndDefinedPolicies(t *testing.T) {
	doc, info := loadSpecInfo(t)
	engine := defaultPolicyEngine(t)

	if want := MustParseAPIVersion("2.0"); info.MinVersion != want {
		t.Errorf("API min version %s, want %s", info.MinVersion, want)
	}
	if want, ok := ParseAPIVersion(doc.Info.Version); !ok || info.MaxVersion != want {
		t.Errorf("API max version %s, want info.version %q", info.MaxVersion, doc.Info.Version)
	}
	if info.MinVersion.Compare(info.MaxVersion) > 0 {
		t.Errorf("API min %s > max %s", info.MinVersion, info.MaxVersion)
	}

	policies := map[string][]string{} // rule name -> where used
	nOps, nActions := 0, 0
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			nOps++
			where := method + " " + path + " (" + op.OperationID + ")"
			m := info.Ops[op.OperationID]
			if m == nil {
				t.Errorf("%s: not in SpecInfo.Ops", where)
				continue
			}
			if m.ID != op.OperationID || m.Method != method || m.Path != path {
				t.Errorf("%s: read as %s %s %s", where, m.ID, m.Method, m.Path)
			}
			rawActions, isAction := op.Extensions[extActions]
			checkGate(t, where, op.Extensions, m.versionGate, info, !isAction)
			if !isAction {
				if m.Actions != nil {
					t.Errorf("%s: has actions but no %s", where, extActions)
				}
				policies[m.Policy] = append(policies[m.Policy], where)
				if m.Open != (m.Policy == policy.AlwaysAllow) {
					t.Errorf("%s: open=%v but policy %q", where, m.Open, m.Policy)
				}
				continue
			}
			actions, ok := toMap(rawActions)
			if !ok || len(actions) == 0 || len(actions) != len(m.Actions) {
				t.Errorf("%s: %d actions in the document, %d read", where, len(actions), len(m.Actions))
			}
			if p, ok := op.Extensions[extPolicy]; ok {
				t.Errorf("%s: action operation also has %s %v (each action has its own)", where, extPolicy, p)
			}
			names := make([]string, 0, len(actions))
			for name := range actions {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				nActions++
				aw := where + " action " + name
				g, ok := m.Actions[name]
				if !ok {
					t.Errorf("%s: not read", aw)
					continue
				}
				raw, _ := toMap(actions[name])
				checkGate(t, aw, raw, g.versionGate, info, true)
				if g.Policy == policy.AlwaysAllow {
					t.Errorf("%s: an action cannot be open to anyone", aw)
				}
				policies[g.Policy] = append(policies[g.Policy], aw)
			}
		}
	}
	if nOps == 0 || len(info.Ops) != nOps {
		t.Errorf("%d operations in the document, %d in SpecInfo", nOps, len(info.Ops))
	}

	names := make([]string, 0, len(policies))
	for p := range policies {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		if p == policy.AlwaysAllow {
			continue
		}
		if p == "" {
			t.Errorf("empty policy name used by %v", policies[p])
			continue
		}
		if !engine.HasRule(p) {
			t.Errorf("policy rule %q (used by %s) is not defined by the default policy", p, strings.Join(policies[p], ", "))
		}
	}
	t.Logf("%d operations, %d actions, %d distinct policy names", nOps, nActions, len(names))
}

// TestSpecActionGates pins the share action gates: the os- names end at 2.6
// and the plain names start at 2.7, as in Manila.
func TestSpecActionGates(t *testing.T) {
	_, info := loadSpecInfo(t)
	// Found by method and path: the embedded document's operationIds are
	// oapi-codegen's (ShareAction), not the YAML's (shareAction).
	var op *opMeta
	for _, m := range info.Ops {
		if m.Method == "POST" && m.Path == "/v2/shares/{share_id}/action" {
			op = m
		}
	}
	if op == nil {
		t.Fatal("no POST /v2/shares/{share_id}/action operation")
	}
	if len(op.Actions) != 23 {
		t.Errorf("%d share actions, want 23", len(op.Actions))
	}
	type want struct {
		min, max, policy string
	}
	wants := map[string]want{
		"os-reset_status": {"2.0", "2.6", "share:reset_status"},
		"reset_status":    {"2.7", "", "share:reset_status"},
		"os-force_delete": {"2.0", "2.6", "share:force_delete"},
		"force_delete":    {"2.7", "", "share:force_delete"},
		"soft_delete":     {"2.69", "", "share:soft_delete"},
		"restore":         {"2.69", "", "share:restore"},
		"os-extend":       {"2.0", "2.6", "share:extend"},
		"extend":          {"2.7", "", "share:extend"},
		"os-shrink":       {"2.0", "2.6", "share:shrink"},
		"shrink":          {"2.7", "", "share:shrink"},
		// The migration actions are experimental (to 2.95): TestResetTaskStateAndMigration.
		"unmanage": {"2.7", "", "share:unmanage"},
		"revert":   {"2.27", "", "share:revert_to_snapshot"},

		"os-allow_access": {"2.0", "2.6", "share:allow_access"},
		"allow_access":    {"2.7", "", "share:allow_access"},
		"os-deny_access":  {"2.0", "2.6", "share:deny_access"},
		"deny_access":     {"2.7", "", "share:deny_access"},
		"os-access_list":  {"2.0", "2.6", "share:access_get_all"},
		"access_list":     {"2.7", "2.44", "share:access_get_all"},
	}
	for name, w := range wants {
		g, ok := op.Actions[name]
		if !ok {
			t.Errorf("action %s missing", name)
			continue
		}
		max := ""
		if g.Max != nil {
			max = g.Max.String()
		}
		if g.Min.String() != w.min || max != w.max || g.Policy != w.policy || g.Experimental {
			t.Errorf("action %s: min %s max %q policy %q experimental %v; want %+v", name, g.Min, max, g.Policy, g.Experimental, w)
		}
	}
}

const tinySpecHead = `openapi: 3.0.3
info:
  title: tiny
  version: "2.5"
  x-manila-min-version: "2.0"
  x-manila-max-version: "2.5"
paths:
`

const tinyResponses = `      responses:
        "200": {description: ok}
`

// tinyComponents is the Fault schema every spec needs.
const tinyComponents = `components:
  schemas:
    Fault:
      type: object
      x-manila-fault-names: {"404": itemNotFound, default: computeFault}
`

func loadTinySpec(t *testing.T, paths string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(tinySpecHead + paths + tinyComponents))
	if err != nil {
		t.Fatalf("LoadFromData: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("tiny spec invalid: %v", err)
	}
	return doc
}

func TestReadSpecInfoTinyValid(t *testing.T) {
	doc := loadTinySpec(t, `  /v2/things:
    get:
      operationId: listThings
      x-manila-min-version: "2.1"
      x-manila-max-version: "2.4"
      x-manila-experimental: true
      x-manila-policy: thing:get_all
`+tinyResponses+`  /v2/things/{id}/action:
    post:
      operationId: thingAction
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      x-manila-min-version: "2.0"
      x-manila-experimental: false
      x-manila-actions:
        poke: {x-manila-min-version: "2.3", x-manila-experimental: false, x-manila-policy: "thing:poke", x-manila-handler: poke}
`+tinyResponses)
	info, err := ReadSpecInfo(doc)
	if err != nil {
		t.Fatalf("ReadSpecInfo: %v", err)
	}
	if info.MinVersion.String() != "2.0" || info.MaxVersion.String() != "2.5" {
		t.Errorf("API range %s..%s, want 2.0..2.5", info.MinVersion, info.MaxVersion)
	}
	if len(info.Ops) != 2 {
		t.Fatalf("%d ops, want 2", len(info.Ops))
	}
	m := info.Ops["listThings"]
	if m == nil || m.Method != "GET" || m.Path != "/v2/things" || m.Min.String() != "2.1" || m.Max == nil ||
		m.Max.String() != "2.4" || !m.Experimental || m.Policy != "thing:get_all" || m.Open || m.Actions != nil {
		t.Errorf("listThings read as %+v", m)
	}
	a := info.Ops["thingAction"]
	if a == nil || len(a.Actions) != 1 || a.Actions["poke"].Policy != "thing:poke" || a.Actions["poke"].Min.String() != "2.3" {
		t.Errorf("thingAction read as %+v", a)
	}
}

func TestReadSpecInfoRejectsMissingExtensions(t *testing.T) {
	cases := []struct {
		name  string
		paths string
		want  []string // substrings of the error
	}{
		{
			name: "no policy",
			paths: `  /v2/things:
    get:
      operationId: listThings
      x-manila-min-version: "2.0"
      x-manila-experimental: false
` + tinyResponses,
			want: []string{"GET /v2/things", "missing x-manila-policy"},
		},
		{
			name: "no experimental flag",
			paths: `  /v2/things:
    post:
      operationId: createThing
      x-manila-min-version: "2.0"
      x-manila-policy: thing:create
` + tinyResponses,
			want: []string{"POST /v2/things", "missing x-manila-experimental"},
		},
		{
			name: "no min version",
			paths: `  /v2/things/{id}:
    delete:
      operationId: deleteThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      x-manila-experimental: false
      x-manila-policy: thing:delete
` + tinyResponses,
			want: []string{"DELETE /v2/things/{id}", "missing x-manila-min-version"},
		},
		{
			name: "experimental not a boolean",
			paths: `  /v2/things:
    get:
      operationId: listThings
      x-manila-min-version: "2.0"
      x-manila-experimental: "no"
      x-manila-policy: thing:get_all
` + tinyResponses,
			want: []string{"GET /v2/things", "x-manila-experimental must be a boolean"},
		},
		{
			name: "action without experimental flag",
			paths: `  /v2/things/{id}/action:
    post:
      operationId: thingAction
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      x-manila-min-version: "2.0"
      x-manila-experimental: false
      x-manila-actions:
        poke: {x-manila-min-version: "2.3", x-manila-policy: "thing:poke"}
` + tinyResponses,
			want: []string{"POST /v2/things/{id}/action", "x-manila-actions.poke: missing x-manila-experimental"},
		},
		{
			name: "action without a handler",
			paths: `  /v2/things/{id}/action:
    post:
      operationId: thingAction
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      x-manila-min-version: "2.0"
      x-manila-experimental: false
      x-manila-actions:
        poke: {x-manila-min-version: "2.3", x-manila-experimental: false, x-manila-policy: "thing:poke"}
` + tinyResponses,
			want: []string{"POST /v2/things/{id}/action", "x-manila-actions.poke: missing x-manila-handler"},
		},
		{
			name: "action schema naming no schema",
			paths: `  /v2/things/{id}/action:
    post:
      operationId: thingAction
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      x-manila-min-version: "2.0"
      x-manila-experimental: false
      x-manila-actions:
        poke: {x-manila-min-version: "2.3", x-manila-experimental: false, x-manila-policy: "thing:poke", x-manila-handler: poke, schema: {$ref: "#/components/schemas/Nothing"}}
` + tinyResponses,
			want: []string{"POST /v2/things/{id}/action", "x-manila-actions.poke: schema must be"},
		},
		{
			name: "open operation with a rule",
			paths: `  /:
    get:
      operationId: listVersions
      security: []
      x-manila-min-version: "2.0"
      x-manila-experimental: false
      x-manila-policy: thing:get_all
` + tinyResponses,
			want: []string{"GET /:", "security: []"},
		},
		{
			name: "two bad operations, both named",
			paths: `  /v2/things:
    get:
      operationId: listThings
      x-manila-min-version: "2.0"
      x-manila-experimental: false
` + tinyResponses + `    post:
      operationId: createThing
      x-manila-min-version: "2.0"
      x-manila-policy: thing:create
` + tinyResponses,
			want: []string{"GET /v2/things: missing x-manila-policy", "POST /v2/things: missing x-manila-experimental"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			info, err := ReadSpecInfo(loadTinySpec(t, tc.paths))
			if err == nil {
				t.Fatalf("ReadSpecInfo succeeded (%d ops), want an error", len(info.Ops))
			}
			if info != nil {
				t.Errorf("ReadSpecInfo returned info with its error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
