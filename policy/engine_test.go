package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/rego"
)

func writeFile(t *testing.T, dir, name, src string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadLaysTheFolderOverTheEmbeddedSet(t *testing.T) {
	embedded := loadDefault(t)
	def, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if def.Hash() != embedded.Hash() || !slices.Equal(def.Files(), embedded.Files()) || def.Origin("shares.rego") != OriginEmbedded {
		t.Fatalf("Load(\"\") = %s %q, want the embedded set %s", def.Hash(), def.Files(), embedded.Hash())
	}

	// An empty folder: the defaults, same hash.
	empty, err := Load(t.TempDir())
	if err != nil || empty.Hash() != embedded.Hash() {
		t.Fatalf("Load(empty dir) = %v, %v; want the embedded set", empty, err)
	}

	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("rego", "shares.rego"))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), `rule["share:get"] := base.admin_or_project_reader`, `rule["share:get"] := base.context_is_admin`, 1)
	writeFile(t, dir, "shares.rego", edited)
	writeFile(t, dir, "local.rego", "package manila.rules\n\noverride[\"share:delete\"] := false\n")
	// Not rules: ignored.
	writeFile(t, dir, ".#shares.rego", "garbage")
	writeFile(t, dir, "README.md", "notes")
	if err := os.Mkdir(filepath.Join(dir, "old.rego"), 0o755); err != nil {
		t.Fatal(err)
	}
	set, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	wantFiles := append(embedded.Files(), "local.rego")
	slices.Sort(wantFiles)
	if !slices.Equal(set.Files(), wantFiles) {
		t.Errorf("Files = %q, want %q", set.Files(), wantFiles)
	}
	for file, origin := range map[string]string{
		"shares.rego": filepath.Join(dir, "shares.rego"), "local.rego": filepath.Join(dir, "local.rego"),
		"base.rego": OriginEmbedded, "shares_test.rego": OriginEmbedded,
	} {
		if got := set.Origin(file); got != origin {
			t.Errorf("Origin(%s) = %q, want %q", file, got, origin)
		}
	}
	if set.Hash() == embedded.Hash() {
		t.Error("the hash did not change")
	}
	e, err := NewEngine(context.Background(), set, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		action string
		caller Caller
		want   bool
	}{
		{"share:get", readerP1, false}, // the folder's shares.rego
		{"share:get", adminOther, true},
		{"share:delete", adminOther, false},  // the override
		{"share_type:index", readerP1, true}, // embedded share_types.rego
	} {
		if d, err := e.Decide(context.Background(), Input{Action: tc.action, Caller: tc.caller, Target: targetP1}); err != nil || d.Allowed != tc.want {
			t.Errorf("%s by %s: %+v, %v", tc.action, tc.caller.UserID, d, err)
		}
	}

	// The same folder, loaded again: the same hash.
	again, err := Load(dir)
	if err != nil || again.Hash() != set.Hash() {
		t.Errorf("hash not stable: %s, %s (%v)", again.Hash(), set.Hash(), err)
	}

	for name, path := range map[string]string{"missing": filepath.Join(dir, "nope"), "a file": filepath.Join(dir, "README.md")} {
		if _, err := Load(path); err == nil {
			t.Errorf("Load(%s) succeeded", name)
		}
	}
	writeFile(t, dir, "broken.rego", "package manila.rules\n\nrule[")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "broken.rego") {
		t.Errorf("Load(broken) = %v, want an error naming broken.rego", err)
	}
}

const overrideSet = `package manila.rules

import data.manila.base

# Only u-special; undefined (so refused) for anyone else, even where the
# default would allow.
override["share:create"] := true if input.caller.user_id == "u-special"

override["share:get"] := base.context_is_admin

# A rule with no default.
override["custom:thing"] := base.admin_or_project_member
`

func TestOverrideReplacesTheDefault(t *testing.T) {
	ctx := context.Background()
	set, err := LoadFS(withDefaults(t, map[string]string{"override.rego": overrideSet}))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(ctx, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	special := Caller{UserID: "u-special", ProjectID: "p9"}
	for _, tc := range []struct {
		action string
		caller Caller
		want   Decision
	}{
		{"share:create", memberP1, Decision{Allowed: false, Defined: true}},
		{"share:create", adminOther, Decision{Allowed: false, Defined: true}},
		{"share:create", special, Decision{Allowed: true, Defined: true}},
		{"share:get", readerP1, Decision{Allowed: false, Defined: true}},
		{"share:get", adminOther, Decision{Allowed: true, Defined: true}},
		{"custom:thing", memberP1, Decision{Allowed: true, Defined: true}},
		{"custom:thing", readerP1, Decision{Allowed: false, Defined: true}},
		{"share:update", memberP1, Decision{Allowed: true, Defined: true}}, // untouched default
	} {
		tc.want.Hash = set.Hash()
		if d, err := e.Decide(ctx, Input{Action: tc.action, Caller: tc.caller, Target: targetP1}); err != nil || d != tc.want {
			t.Errorf("%s by %s = %+v, %v; want %+v", tc.action, tc.caller.UserID, d, err, tc.want)
		}
	}
	if !e.HasRule("custom:thing") || !slices.Contains(e.Rules(), "custom:thing") {
		t.Error("Rules/HasRule miss a rule that only an override defines")
	}
	if n := len(e.Rules()); n != len(defaultRuleNames)+1 {
		t.Errorf("%d rules, want %d (overrides of existing rules are not counted twice)", n, len(defaultRuleNames)+1)
	}
	info, ok := e.DescribeRule("share:get")
	if !ok || !info.Override || info.File != "override.rego" || info.CheckString != "rule:context_is_admin" || info.Class != ClassAdmin ||
		info.Default == nil || info.Default.File != "shares.rego" || info.Default.CheckString != "(rule:context_is_admin) or (rule:project-reader)" {
		t.Errorf("DescribeRule(share:get) = %+v, default %+v", info, info.Default)
	}
	if info, _ := e.DescribeRule("share:create"); info.CheckString != "" || info.Class != "" ||
		info.Rego != `override["share:create"] := true if input.caller.user_id == "u-special"` {
		t.Errorf("DescribeRule(share:create) = %+v", info)
	}
	if info, _ := e.DescribeRule("custom:thing"); info.Default != nil || !info.Override {
		t.Errorf("DescribeRule(custom:thing) = %+v", info)
	}
}

// withDefaults is the embedded set plus extra files.
func withDefaults(t *testing.T, extra map[string]string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, name := range loadDefault(t).Files() {
		src, err := os.ReadFile(filepath.Join("rego", name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = &fstest.MapFile{Data: src}
	}
	for name, src := range extra {
		m[name] = &fstest.MapFile{Data: []byte(src)}
	}
	return m
}

func TestCompileRefusesAmbiguousRules(t *testing.T) {
	cases := map[string]struct {
		files map[string]string
		want  string
	}{
		"a default defined in two files": {
			map[string]string{"mine.rego": "package manila.rules\n\nrule[\"share:create\"] := false\n"},
			`rule["share:create"] is defined in both mine.rego and shares.rego (to replace a default rule, write override["share:create"] instead)`,
		},
		"an override defined in two files": {
			map[string]string{
				"a.rego": "package manila.rules\n\noverride[\"share:get\"] := false\n",
				"b.rego": "package manila.rules\n\noverride[\"share:get\"] := true\n",
			},
			`override["share:get"] is defined in both a.rego and b.rego`,
		},
		"a computed rule name": {
			map[string]string{"dyn.rego": "package manila.rules\n\nrule[name] := true if some name in [\"x:y\"]\n"},
			`dyn.rego:3: the key of rule must be a string constant (a Manila rule name), not name`,
		},
		"a nested name": {
			map[string]string{"deep.rego": "package manila.rules\n\noverride[\"a\"][\"b\"] := true\n"},
			`deep.rego:3: override.a.b must be written override["<rule name>"] := ...`,
		},
	}
	for name, tc := range cases {
		set, err := LoadFS(withDefaults(t, tc.files))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = NewEngine(context.Background(), set, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: NewEngine = %v, want %q", name, err, tc.want)
		}
	}
	// The same rule in several definitions of one file is fine.
	set, err := LoadFS(fstest.MapFS{"r.rego": {Data: []byte("package manila.rules\n\nrule[\"x:y\"] := true if input.caller.user_id == \"a\"\n\nrule[\"x:y\"] := false if input.caller.user_id != \"a\"\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewEngine(context.Background(), set, nil); err != nil {
		t.Errorf("several definitions in one file: %v", err)
	}
}

func TestDecideRefusesTokensNotScopedToAProject(t *testing.T) {
	var logs bytes.Buffer
	e, err := NewEngine(context.Background(), loadDefault(t), slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scope string
		want  bool
	}{
		{"", true}, {ScopeProject, true}, {ScopeSystem, false}, {ScopeDomain, false}, {"galaxy", false},
	} {
		for _, action := range []string{"share:get", "share_type:create"} {
			c := adminOther
			c.Scope = tc.scope
			logs.Reset()
			d, err := e.Decide(context.Background(), Input{Action: action, Caller: c, Target: targetP1})
			if err != nil || d != (Decision{Allowed: tc.want, Defined: true, Hash: e.Hash()}) {
				t.Errorf("%s with scope %q: %+v, %v; want allowed=%v", action, tc.scope, d, err, tc.want)
			}
			var rec map[string]any
			if err := json.Unmarshal(logs.Bytes(), &rec); err != nil {
				t.Fatalf("log %q: %v", logs.String(), err)
			}
			wantScope := tc.scope
			if wantScope == "" {
				wantScope = ScopeProject
			}
			if rec["msg"] != "policy decision" || rec["scope"] != wantScope || rec["allowed"] != tc.want || rec["action"] != action || rec["override"] != false {
				t.Errorf("decision log %v", rec)
			}
		}
	}
}

func TestDecisionLogLevel(t *testing.T) {
	var logs bytes.Buffer
	e, err := NewEngine(context.Background(), loadDefault(t), slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Action: "share:get", Caller: readerP1, Target: targetP1}
	if _, err := e.Decide(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Fatalf("a debug decision line reached an info logger: %s", logs.String())
	}
	e.SetDecisionLogLevel(slog.LevelInfo)
	if _, err := e.Decide(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(logs.Bytes(), &rec); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	for k, want := range map[string]any{"level": "INFO", "msg": "policy decision", "action": "share:get", "user": "u2",
		"project": "p1", "allowed": true, "policy_hash": e.Hash()} {
		if rec[k] != want {
			t.Errorf("decision log %s = %v, want %v (%v)", k, rec[k], want, rec)
		}
	}
	if _, ok := rec["duration_us"].(float64); !ok {
		t.Errorf("no duration_us in %v", rec)
	}
}

// compiledSet overrides rules with every construct the fast path's
// compiler knows (fastprog.go), and some it does not.
const compiledSet = `package manila.rules

import data.manila.base

override["t:any_role"] if input.caller.roles[_] == "member"

override["t:some_role"] if {
	some r in input.caller.roles
	r == "reader"
}

override["t:role_ne"] if input.caller.roles[_] != "reader"

override["t:not_admin_role"] if {
	not "admin" in input.caller.roles
	not base.context_is_admin
}

override["t:user_in_set"] if input.caller.user_id in {"u1", "u-special"}

override["t:user_in_array"] if input.caller.user_id in ["u2", "svc"]

override["t:public"] if input.target.is_public

override["t:public_eq"] if input.target.is_public == true

override["t:size"] if input.target.size == 2

override["t:size_float"] if input.target.size == 2.0

override["t:host_null"] if input.target.host == null

override["t:host"] if input.target.host

override["t:size_truthy"] if input.target.size

override["t:size_in"] if input.target.size in {0, 2.0, "3"}

override["t:size_exp"] if input.target.size == 20e-1

override["t:status"] if input.target.status != "deleting"

override["t:no_missing"] if not input.target.missing

override["t:is_admin"] := input.caller.is_admin

override["t:not_is_admin"] if input.caller.is_admin == false

override["t:scope_get"] if {
	input.caller.scope == "project"
	input.request.method == "GET"
}

override["t:action"] if input.action == "t:action"

override["t:undefined"] if input.caller.domain_id == "d"

override["t:not_undefined"] if not input.request.nope

override["t:owner_or_admin"] if base.owner_user

override["t:owner_or_admin"] if input.caller.is_admin

override["t:not_owner"] if not base.owner_user

override["t:owner_field"] if input.target.owner == input.caller.user_id

override["t:role_field"] if input.target.role in input.caller.roles

override["t:never"] := false

override["t:always"] := true

override["t:project_admin_or_service"] if base.project_admin

override["t:project_admin_or_service"] if base.admin_or_service_api

# Not compiled: a call the compiler does not know, and a number that is not
# an integer (OPA evaluates the residue).
override["t:lower"] if lower(input.caller.user_id) == "u1"

override["t:size_fraction"] if input.target.size != 2.5

# Not specialised: the value is not a boolean, so "is it true?" does not
# type-check (the general query decides).
override["t:not_boolean"] := "yes"
`

// agreementCallers and agreementTargets are the inputs the fast path is
// compared with a full evaluation on: roles admin, member, reader, service
// and none, in any case; projects empty, same and other; users matching
// and not; is_admin true and false; a scope that is not a project.
var (
	agreementCallers = []Caller{adminOther, memberP1, readerP1, memberOther, noRolesP1,
		{UserID: "u-special", ProjectID: "p1", Roles: []string{"member"}},
		{UserID: "u1", ProjectID: "", Roles: []string{"member", "reader"}},
		{UserID: "svc", ProjectID: "ps", Roles: []string{"service"}},
		{UserID: "svc", ProjectID: "p1", Roles: []string{"service", "admin"}},
		{UserID: "u1", ProjectID: "p1", Roles: []string{"Admin"}},
		{UserID: "u2", ProjectID: "p1", Roles: []string{"READER", "Member"}},
		{UserID: "u3", ProjectID: "p1", Roles: []string{"admin", "member", "reader"}, Admin: true},
		{UserID: "u9", ProjectID: "p1", Admin: true},
		{UserID: "", ProjectID: ""},
		{UserID: "u1", ProjectID: "p2", Roles: []string{"ADM\u0130N", "r\u00e9ader"}},            // ToLower: "admin", "réader"
		{UserID: "u1", ProjectID: "p1", Roles: []string{"admi", "Membe", "read", "servic", "k"}}, // prefixes
		{UserID: "u1", ProjectID: "p1", Roles: []string{"admin"}, Scope: ScopeDomain},
	}
	agreementTargets = []Target{targetP1, {ProjectID: "p2", UserID: "u3"}, {ProjectID: "", UserID: "u1"}, {ProjectID: "p1"},
		{ProjectID: "p1", UserID: "u1", Fields: map[string]any{"is_public": true, "size": 2, "host": nil,
			"status": "available", "owner": "u2", "role": "Member"}},
		{ProjectID: "p2", UserID: "u2", Fields: map[string]any{"is_public": false, "size": 0, "status": "deleting",
			"owner": "u1", "role": "member", "missing": false}},
		{ProjectID: "p1", UserID: "u1", Fields: map[string]any{"project_id": "p2", "user_id": "u3", "is_public": "true", "missing": true,
			"size": "3", "host": false}},
		// Not read by the compiled programs: OPA decides.
		{ProjectID: "p1", UserID: "u1", Fields: map[string]any{"size": 2.0, "is_public": true}},
	}
	agreementRequests = []Request{{Method: "GET", Path: "/v2/shares", Microversion: "2.65"}, {Method: "POST"}}
)

// The engine's fast path (programs compiled from each rule's partial
// evaluation, prepared queries with no memo of rule values) decides exactly
// as a plain full evaluation does, for every rule and a spread of callers
// and targets; and the defaults, and every override the compiler knows,
// are decided by programs, not OPA.
func TestDecideAgreesWithFullEvaluation(t *testing.T) {
	ctx := context.Background()
	set, err := LoadFS(withDefaults(t, map[string]string{"override.rego": overrideSet, "compiled.rego": compiledSet}))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(ctx, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := e.current.Load()
	n, compiledDecisions := 0, 0
	for _, action := range e.Rules() {
		fq := c.fast(ctx, action)
		switch action {
		case "t:lower", "t:size_fraction":
			if fq == nil || fq.prog != nil || fq.q == nil {
				t.Errorf("%s: %+v, want OPA's prepared residue", action, fq)
			}
		case "t:not_boolean":
			if fq != nil {
				t.Errorf("%s: %+v, want the general query", action, fq)
			}
		default:
			if fq == nil || fq.prog == nil {
				t.Errorf("%s: not compiled (%+v)", action, fq)
			}
		}
		for ci, caller := range agreementCallers {
			for ti, tg := range agreementTargets {
				in := Input{Action: action, Caller: caller, Target: tg, Request: agreementRequests[(ci+ti)%2]}
				before := c.opaDecisions.Load()
				d, err := e.Decide(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				byOPA := c.opaDecisions.Load() - before
				if full := fullDecision(t, c, in); d != full {
					t.Errorf("%s %+v %+v: Decide %+v, full evaluation %+v", action, caller, tg, d, full)
				}
				// Explain, another full evaluation, is slower: a sample.
				if n%37 == 0 {
					x, err := e.Explain(ctx, in)
					if err != nil {
						t.Fatal(err)
					}
					if d != x.Decision {
						t.Errorf("%s %+v %+v: Decide %+v, Explain %+v", action, caller, tg, d, x.Decision)
					}
				}
				n++
				compiled := fq != nil && fq.prog != nil && simpleFields(tg.Fields)
				switch {
				case caller.Scope != "":
					if byOPA != 0 {
						t.Errorf("%s: evaluated for a %s-scoped token", action, caller.Scope)
					}
				case compiled && byOPA != 0:
					t.Errorf("%s %+v %+v: decided by OPA, not by its program", action, caller, tg)
				case !compiled && byOPA != 1:
					t.Errorf("%s %+v %+v: %d OPA evaluations, want 1", action, caller, tg, byOPA)
				case compiled:
					compiledDecisions++
				}
			}
		}
	}
	if n < 10000 {
		t.Errorf("only %d decisions compared", n)
	}
	t.Logf("%d decisions compared, %d of them compiled", n, compiledDecisions)
}

// fullDecision is the decision of the general prepared query, with OPA's
// default options: no fast path.
func fullDecision(t *testing.T, c *compiled, in Input) Decision {
	t.Helper()
	d := Decision{Hash: c.set.hash}
	q, _ := c.query(in.Action)
	if q == nil {
		return d
	}
	d.Defined = true
	if in.Caller.EffectiveScope() != ScopeProject {
		return d
	}
	input, err := inputValue(in)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := q.Eval(context.Background(), rego.EvalParsedInput(input))
	if err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
	if len(rs) == 1 && len(rs[0].Expressions) == 1 {
		d.Allowed = rs[0].Expressions[0].Value == true
	}
	return d
}

func TestDescribeDefaultSet(t *testing.T) {
	e := newDefaultEngine(t)
	infos := e.Describe()
	if len(infos) != len(defaultRuleNames) {
		t.Fatalf("%d rules described, want %d", len(infos), len(defaultRuleNames))
	}
	for i, r := range infos {
		if r.Name != defaultRuleNames[i] || r.Override || r.Default != nil || r.Origin != "" {
			t.Errorf("rule %d: %+v", i, r)
		}
		// Every default is one of Manila's.
		if r.CheckString == "" || r.Class == "" {
			t.Errorf("%s: no check string or class (%+v)", r.Name, r)
		}
		if !strings.HasPrefix(r.Rego, `rule["`+r.Name+`"] := base.`) {
			t.Errorf("%s: Rego %q", r.Name, r.Rego)
		}
	}
	want := map[string][2]string{
		"share:create":                   {"(rule:context_is_admin) or (rule:project-member)", ClassMember},
		"share:get":                      {"(rule:context_is_admin) or (rule:project-reader)", ClassReader},
		"share:reset_status":             {"rule:context_is_admin", ClassAdmin},
		"share_type:create":              {"rule:context_is_admin", ClassAdmin},
		"consistency_group:get":          {"rule:default", ClassOwner},
		"consistency_group:force_delete": {"rule:admin_api", ClassAdmin},
	}
	for name, w := range want {
		r, ok := e.DescribeRule(name)
		if !ok || r.CheckString != w[0] || r.Class != w[1] || r.File == "" {
			t.Errorf("%s: %+v, want %q (%s)", name, r, w[0], w[1])
		}
	}
	if _, ok := e.DescribeRule("share:nope"); ok {
		t.Error("DescribeRule(share:nope) found a rule")
	}
}

// A rule's class, read from its check string, is what the Rego decides for
// the callers Manila's defaults tell apart.
func TestClassesAgreeWithTheRego(t *testing.T) {
	e := newDefaultEngine(t)
	allowed := func(action string, c Caller) bool {
		d, err := e.Decide(context.Background(), Input{Action: action, Caller: c, Target: Target{ProjectID: c.ProjectID, UserID: c.UserID}})
		if err != nil {
			t.Fatal(err)
		}
		return d.Allowed
	}
	for _, r := range e.Describe() {
		got := [4]bool{allowed(r.Name, adminOther), allowed(r.Name, memberP1), allowed(r.Name, readerP1), allowed(r.Name, noRolesP1)}
		want := map[string][4]bool{
			ClassAdmin:  {true, false, false, false},
			ClassMember: {true, true, false, false},
			ClassReader: {true, true, true, false},
			ClassOwner:  {true, true, true, true},
		}[r.Class]
		if got != want {
			t.Errorf("%s (class %s): admin/member/reader/no-role allowed %v, want %v", r.Name, r.Class, got, want)
		}
	}
}

func TestExplain(t *testing.T) {
	ctx := context.Background()
	e := newDefaultEngine(t)
	x, err := e.Explain(ctx, Input{Action: "share:create", Caller: memberP1, Target: targetP1,
		Request: Request{Method: "POST", Path: "/v2/shares", Microversion: "2.65"}})
	if err != nil {
		t.Fatal(err)
	}
	if x.Decision != (Decision{Allowed: true, Defined: true, Hash: e.Hash()}) || x.Rule == nil || x.Rule.Name != "share:create" ||
		x.Value != true || !x.ValueDefined || x.ScopeRefused || x.Scope != ScopeProject {
		t.Errorf("Explain = %+v", x)
	}
	if got, want := x.TrueBaseRules(), []string{"admin_or_owner", "admin_or_project_member", "admin_or_project_reader",
		"owner_user", "project_member", "project_reader", "same_project"}; !slices.Equal(got, want) {
		t.Errorf("TrueBaseRules = %q, want %q", got, want)
	}
	doc, _ := json.Marshal(x.Document)
	if want := `{"action":"share:create","caller":{"is_admin":false,"project_id":"p1","roles":["member","reader"],"scope":"project","user_id":"u1"},` +
		`"request":{"method":"POST","microversion":"2.65","path":"/v2/shares"},"target":{"project_id":"p1","user_id":"u1"}}`; string(doc) != want {
		t.Errorf("Document = %s\nwant       %s", doc, want)
	}

	system := adminOther
	system.Scope = ScopeSystem
	x, err = e.Explain(ctx, Input{Action: "share:reset_status", Caller: system, Target: targetP1})
	if err != nil || x.Decision.Allowed || !x.ScopeRefused || x.Value != true {
		t.Errorf("system-scoped admin: %+v, %v", x, err)
	}
	x, err = e.Explain(ctx, Input{Action: "share:frobnicate", Caller: adminOther, Target: targetP1})
	if err != nil || x.Decision.Defined || x.Decision.Allowed || x.Rule != nil || x.Base["context_is_admin"] != true {
		t.Errorf("undefined action: %+v, %v", x, err)
	}
	x, err = e.Explain(ctx, Input{Action: "share:get", Caller: memberOther, Target: targetP1})
	if err != nil || x.Decision.Allowed || x.Value != false || len(x.TrueBaseRules()) != 0 {
		t.Errorf("member of another project: %+v, %v", x, err)
	}
}

func TestTestReport(t *testing.T) {
	ctx := context.Background()
	r, err := loadDefault(t).TestReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Err() != nil || r.Failed != 0 || r.Passed != len(r.Results) || r.Passed < 400 {
		t.Errorf("default set: %d passed, %d failed, %v", r.Passed, r.Failed, r.Err())
	}
	if len(r.Rules) != len(defaultRuleNames) || r.Covered() != len(r.Rules) {
		t.Errorf("default set: %d of %d rules covered", r.Covered(), len(r.Rules))
	}
	if r.LineCoverage < 95 || r.LineCoverage > 100 {
		t.Errorf("line coverage %.1f%%", r.LineCoverage)
	}

	// An override without a test, and a failing test.
	set, err := LoadFS(withDefaults(t, map[string]string{
		"override.rego": "package manila.rules\n\nimport data.manila.base\n\noverride[\"share:get\"] := base.context_is_admin\n",
		"mine_test.rego": "package mine_test\n\nimport data.manila.rules\n\n" +
			"test_default_still_lets_readers_get if rules.rule[\"share:get\"] == true with input as {\"caller\": {\"roles\": [\"reader\"], \"project_id\": \"p\"}, \"target\": {\"project_id\": \"p\"}}\n\n" +
			"test_wrong if rules.rule[\"share:get\"] == false with input as {\"caller\": {\"roles\": [\"admin\"]}}\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	r, err = set.TestReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed != 1 || len(r.Failures()) != 1 || r.Failures()[0].Name != "mine_test.test_wrong" || r.Failures()[0].File != "mine_test.rego" {
		t.Errorf("failures %+v", r.Failures())
	}
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "1 of") || !strings.Contains(err.Error(), "mine_test.test_wrong (mine_test.rego): failed") {
		t.Errorf("Err = %v", err)
	}
	var uncovered []string
	for _, c := range r.Rules {
		if !c.Covered {
			uncovered = append(uncovered, c.Name)
		}
		if c.Name == "share:get" && c.Override && c.File != "override.rego" {
			t.Errorf("coverage of the override: %+v", c)
		}
	}
	if !slices.Equal(uncovered, []string{"share:get"}) {
		t.Errorf("uncovered %q, want the override of share:get alone", uncovered)
	}

	// No tests at all.
	set, err = LoadFS(fstest.MapFS{"r.rego": {Data: []byte("package manila.rules\n\nrule[\"x:y\"] := true\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = set.TestReport(ctx); err != nil || r.Err() == nil || !strings.Contains(r.Err().Error(), "no Rego tests") {
		t.Errorf("no tests: %v, %v", r, err)
	}
}

func TestReplaceTested(t *testing.T) {
	ctx := context.Background()
	e := newDefaultEngine(t)
	old := e.Hash()

	failing, err := LoadFS(withDefaults(t, map[string]string{
		"shares.rego": strings.Replace(mustRead(t, "shares.rego"), `rule["share:create"] := base.admin_or_project_member`, `rule["share:create"] := base.context_is_admin`, 1),
	}))
	if err != nil {
		t.Fatal(err)
	}
	report, err := e.ReplaceTested(ctx, failing)
	if err == nil || report == nil || report.Failed == 0 || !strings.Contains(err.Error(), "test_share_create_allowed_for_project_member") {
		t.Fatalf("ReplaceTested(failing) = %v, %v", report, err)
	}
	if e.Hash() != old {
		t.Fatal("a set whose tests fail was put in force")
	}
	if _, err := e.ReplaceTested(ctx, mustLoad(t, fstest.MapFS{"x.rego": {Data: []byte("package manila.rules\n\nrule[\"x:y\"] := no_such_function(1)\n")}})); err == nil || e.Hash() != old {
		t.Fatalf("ReplaceTested(uncompilable) = %v, hash %s", err, e.Hash())
	}

	good, err := LoadFS(withDefaults(t, map[string]string{"override.rego": "package manila.rules\n\noverride[\"share:create\"] := false\n"}))
	if err != nil {
		t.Fatal(err)
	}
	report, err = e.ReplaceTested(ctx, good)
	if err != nil || report.Failed != 0 || e.Hash() != good.Hash() {
		t.Fatalf("ReplaceTested(good) = %+v, %v; hash %s", report, err, e.Hash())
	}
	if d, _ := e.Decide(ctx, Input{Action: "share:create", Caller: adminOther, Target: targetP1}); d.Allowed {
		t.Error("the new set is not in force")
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("rego", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

func mustLoad(t *testing.T, m fstest.MapFS) *Set {
	t.Helper()
	s, err := LoadFS(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The cost of a decision through an override, and of one for an action
// without a rule (no Rego evaluation at all), beside BenchmarkDecide.
func BenchmarkDecideOverride(b *testing.B) {
	ctx := context.Background()
	set, err := LoadWithFile("", "override.rego", []byte("package manila.rules\n\nimport data.manila.base\n\noverride[\"share:get\"] := base.admin_or_project_reader\n"))
	if err != nil {
		b.Fatal(err)
	}
	e, err := NewEngine(ctx, set, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, action := range []string{"share:get", "share:nope"} {
		b.Run(action, func(b *testing.B) {
			in := Input{Action: action, Caller: readerP1, Target: targetP1,
				Request: Request{Method: "GET", Path: "/v2/shares/abc", Microversion: "2.65"}}
			d, err := e.Decide(ctx, in)
			if err != nil || d.Allowed != (action == "share:get") {
				b.Fatalf("Decide = %+v, %v", d, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Decide(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
