package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// importCallers are the callers every translated check string is decided
// for. The target is project p1, user u1.
var importCallers = []struct {
	name   string
	caller Caller
}{
	{"admin", Caller{UserID: "ua", ProjectID: "pa", Roles: []string{"admin", "member", "reader"}, Admin: true}},
	{"adminP1", Caller{UserID: "u6", ProjectID: "p1", Roles: []string{"admin", "member", "reader"}, Admin: true}},
	{"member", Caller{UserID: "u1", ProjectID: "p1", Roles: []string{"member", "reader"}}},
	{"reader", Caller{UserID: "u2", ProjectID: "p1", Roles: []string{"reader"}}},
	{"otherMember", Caller{UserID: "u3", ProjectID: "p2", Roles: []string{"member", "reader"}}},
	{"storage", Caller{UserID: "u4", ProjectID: "p1", Roles: []string{"Storage_Admin"}}},
	{"suspended", Caller{UserID: "u5", ProjectID: "p1", Roles: []string{"member", "reader", "suspended"}}},
	{"noRoles", Caller{UserID: "u1", ProjectID: "p1"}},
	{"service", Caller{UserID: "svc", ProjectID: "ps", Roles: []string{"service"}}},
}

var importTarget = Target{ProjectID: "p1", UserID: "u1",
	Fields: map[string]any{"is_public": true, "size": 2, "role": "Member", "host": nil}}

var (
	defaultRulesOnce sync.Once
	defaultRules     []RuleInfo
)

// importInto translates src, lays the result over the embedded set as a
// policy folder would, and returns the engine running it.
func importInto(t *testing.T, src string, opts ImportOptions) (*Engine, *ImportResult) {
	t.Helper()
	defaultRulesOnce.Do(func() { defaultRules = newDefaultEngine(t).Describe() })
	res, err := ImportOslo([]byte(src), defaultRules, opts)
	if err != nil {
		t.Fatalf("ImportOslo(%q): %v", src, err)
	}
	set, err := LoadWithFile("", "imported.rego", res.Rego)
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, res.Rego)
	}
	e, err := NewEngine(context.Background(), set, nil)
	if err != nil {
		t.Fatalf("NewEngine: %v\n%s", err, res.Rego)
	}
	return e, res
}

// allowedCallers decides action for every caller and lists who may.
func allowedCallers(t *testing.T, e *Engine, action string) string {
	t.Helper()
	var who []string
	for _, c := range importCallers {
		d, err := e.Decide(context.Background(), Input{Action: action, Caller: c.caller, Target: importTarget})
		if err != nil {
			t.Fatalf("Decide(%s, %s): %v", action, c.name, err)
		}
		if !d.Defined {
			t.Fatalf("Decide(%s): undefined", action)
		}
		if d.Allowed {
			who = append(who, c.name)
		}
	}
	return strings.Join(who, " ")
}

// Every construct of the check-string language, translated and decided by
// OPA for every caller: want lists the callers allowed, in importCallers
// order; rego, when set, is a line the translation must hold.
var checkStringCases = []struct {
	check string
	want  string
	rego  string
}{
	{"role:admin", "admin adminP1", `"admin" in input.caller.roles`},
	{"role:ADMIN", "admin adminP1", `"admin" in input.caller.roles`},
	{"role:storage_admin", "storage", ""},
	{"rule:context_is_admin", "admin adminP1", "base.context_is_admin"},
	{"rule:admin_api", "admin adminP1", "base.admin_api"},
	{"rule:admin_or_owner", "admin adminP1 member reader storage suspended noRoles", "base.admin_or_owner"},
	{"rule:default", "admin adminP1 member reader storage suspended noRoles", "base.admin_or_owner"},
	{"rule:project-admin", "adminP1", "base.project_admin"},
	{"rule:project-member", "adminP1 member suspended", "base.project_member"},
	{"rule:project-reader", "adminP1 member reader suspended", "base.project_reader"},
	{"rule:owner-user", "member noRoles", "base.owner_user"},
	{"rule:admin_or_service_api", "admin adminP1 service", "base.admin_or_service_api"},
	{"rule:context_is_host_admin", "adminP1", `"admin" in input.caller.roles`},
	{"rule:admin_or_owner_user", "admin adminP1 member noRoles", "input.caller.user_id == input.target.user_id"},
	{"project_id:%(project_id)s", "adminP1 member reader storage suspended noRoles", "input.caller.project_id == input.target.project_id"},
	{"user_id:%(user_id)s", "member noRoles", "input.caller.user_id == input.target.user_id"},
	{"is_admin:True", "admin adminP1", "input.caller.is_admin == true"},
	{"is_admin:False", "member reader otherMember storage suspended noRoles service", "input.caller.is_admin == false"},
	{"@", "admin adminP1 member reader otherMember storage suspended noRoles service", ""},
	{"", "admin adminP1 member reader otherMember storage suspended noRoles service", ""},
	{"!", "", ""},
	{"not role:admin", "member reader otherMember storage suspended noRoles service", `not "admin" in input.caller.roles`},
	{"not not role:admin", "admin adminP1", ""},
	{"role:member and not role:suspended", "admin adminP1 member otherMember", `not "suspended" in input.caller.roles`},
	{"(role:admin or role:member) and project_id:%(project_id)s", "adminP1 member suspended", ""},
	// "and" binds tighter than "or".
	{"role:admin or role:member and project_id:%(project_id)s", "admin adminP1 member suspended", ""},
	{"role:member and project_id:%(project_id)s or role:service", "adminP1 member suspended service", ""},
	{"not (role:admin or role:reader)", "storage noRoles service", ""},
	// "not" applies to the one check after it.
	{"not role:admin and role:reader", "member reader otherMember suspended", ""},
	{"NOT role:admin AND role:reader OR role:service", "member reader otherMember suspended service", ""},
	{"((role:admin))", "admin adminP1", ""},
	{"(role:admin) or (rule:project-member)", "admin adminP1 member suspended", ""},
	{"@ and role:reader", "admin adminP1 member reader otherMember suspended", ""},
	{"! or role:service", "service", ""},
	{"! and role:service", "", ""},
	{"role:admin or !", "admin adminP1", ""},
	{"not @", "", ""},
	{"not !", "admin adminP1 member reader otherMember storage suspended noRoles service", ""},
	{"project_id:p1", "adminP1 member reader storage suspended noRoles", `input.caller.project_id == "p1"`},
	{"user_id:u2 or user_id:svc", "reader service", ""},
	{"scope:project", "admin adminP1 member reader otherMember storage suspended noRoles service", ""},
	{"True:%(is_public)s", "admin adminP1 member reader otherMember storage suspended noRoles service", `oslo.literal(input, "True", [["field", "is_public"]])`},
	{"False:%(is_public)s", "", ""},
	{"'2':%(size)s", "admin adminP1 member reader otherMember storage suspended noRoles service", ""},
	{"None:%(host)s", "admin adminP1 member reader otherMember storage suspended noRoles service", ""},
	{"roles:reader", "admin adminP1 member reader otherMember suspended", `oslo.generic(input, ["roles"], [["text", "reader"]])`},
	{"role:%(role)s", "admin adminP1 member otherMember suspended", `oslo.role(input, [["field", "role"]])`},
	{"project_id:%(missing)s", "", ""},
	{"not project_id:%(missing)s", "admin adminP1 member reader otherMember storage suspended noRoles service", ""},
	{"tenant:%(project_id)s", "", `oslo.generic(input, ["tenant"], [["field", "project_id"]])`},
	{"not tenant:%(project_id)s", "admin adminP1 member reader otherMember storage suspended noRoles service", ""},
	{"is_admin:%(is_public)s", "admin adminP1", `oslo.generic(input, ["is_admin"], [["field", "is_public"]])`},
	{"project_id:%(project_id)s-x", "", `oslo.generic(input, ["project_id"], [["field", "project_id"], ["text", "-x"]])`},
	{"user_id:%(user_id)s and project_id:%(project_id)s or role:admin", "admin adminP1 member noRoles", ""},
	{"rule:share:get", "admin adminP1 member reader suspended", `rule["share:get"] == true`},
}

func TestImportEveryConstruct(t *testing.T) {
	for _, tc := range checkStringCases {
		t.Run(tc.check, func(t *testing.T) {
			e, res := importInto(t, fmt.Sprintf("\"share:create\": %s\n", strconv.Quote(tc.check)), ImportOptions{})
			if got := allowedCallers(t, e, "share:create"); got != tc.want {
				t.Errorf("allowed: %q, want %q\n%s", got, tc.want, res.Rego)
			}
			if tc.rego != "" && !strings.Contains(string(res.Rego), tc.rego) {
				t.Errorf("the Rego lacks %q:\n%s", tc.rego, res.Rego)
			}
			if !slices.Equal(res.Overrides, []string{"share:create"}) {
				t.Errorf("Overrides = %q", res.Overrides)
			}
			// policy list shows the check string it came from.
			info, _ := e.DescribeRule("share:create")
			if !info.Override || info.CheckString != tc.check || info.Default == nil || info.Default.CheckString != "(rule:context_is_admin) or (rule:project-member)" {
				t.Errorf("DescribeRule = %+v (default %+v)", info, info.Default)
			}
		})
	}
}

// oslоReference evaluates a check string as oslo.policy does, in Go, as an
// oracle for the translations: creds are the caller as Manila passes it,
// target the target's fields.
func osloReference(t *testing.T, n checkNode, c Caller, target map[string]any, defs map[string]string) bool {
	t.Helper()
	render := func(tp template) (string, bool) {
		var b strings.Builder
		for _, p := range tp {
			if p.key == "" {
				b.WriteString(p.text)
				continue
			}
			v, ok := target[p.key]
			if !ok {
				return "", false
			}
			b.WriteString(pyStrForTest(v))
		}
		return b.String(), true
	}
	var roles []any
	for _, r := range c.Roles {
		roles = append(roles, strings.ToLower(r))
	}
	creds := map[string]any{"user_id": c.UserID, "project_id": c.ProjectID, "roles": roles, "is_admin": c.IsAdmin(), "scope": c.EffectiveScope()}
	switch x := n.(type) {
	case trueCheck:
		return true
	case falseCheck:
		return false
	case orCheck:
		for _, s := range x {
			if osloReference(t, s, c, target, defs) {
				return true
			}
		}
		return false
	case andCheck:
		for _, s := range x {
			if !osloReference(t, s, c, target, defs) {
				return false
			}
		}
		return true
	case notCheck:
		return !osloReference(t, x.check, c, target, defs)
	case ruleCheck:
		def, ok := defs[x.name]
		if !ok {
			def, ok = manilaBaseRules[x.name]
		}
		if !ok {
			t.Fatalf("reference: unknown rule %s", x.name)
		}
		sub, err := parseCheckString(def)
		if err != nil {
			t.Fatal(err)
		}
		return osloReference(t, sub, c, target, defs)
	case roleCheck:
		m, ok := render(x.match)
		return ok && c.HasRole(m)
	case genericCheck:
		m, ok := render(x.match)
		if !ok {
			return false
		}
		if x.literal != nil {
			return *x.literal == m
		}
		var v any = creds
		for _, seg := range strings.Split(x.kind, ".") {
			obj, ok := v.(map[string]any)
			if !ok {
				return false
			}
			if v, ok = obj[seg]; !ok {
				return false
			}
		}
		if list, ok := v.([]any); ok {
			for _, item := range list {
				if pyStrForTest(item) == m {
					return true
				}
			}
			return false
		}
		return pyStrForTest(v) == m
	}
	t.Fatalf("reference: %T", n)
	return false
}

func pyStrForTest(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// The table's expectations agree with a Go rendering of oslo.policy's
// semantics, for every case that does not depend on Rego-only rules.
func TestImportAgreesWithOsloSemantics(t *testing.T) {
	target := map[string]any{"project_id": "p1", "user_id": "u1"}
	for k, v := range importTarget.Fields {
		target[k] = v
	}
	for _, tc := range checkStringCases {
		if strings.Contains(tc.check, "rule:share:") {
			continue
		}
		n, err := parseCheckString(tc.check)
		if err != nil {
			t.Fatalf("%q: %v", tc.check, err)
		}
		var who []string
		for _, c := range importCallers {
			if osloReference(t, n, c.caller, target, nil) {
				who = append(who, c.name)
			}
		}
		if got := strings.Join(who, " "); got != tc.want {
			t.Errorf("%q: oslo.policy allows %q, the table says %q", tc.check, got, tc.want)
		}
	}
}

func TestImportNamedRulesAndReferences(t *testing.T) {
	src := `# Operators' own rules, used by the overrides.
"storage_admins": "role:storage_admin"
"members_here": "role:member and project_id:%(project_id)s"
"share:create": "rule:storage_admins or rule:members_here"
"share:delete": "rule:share:create and not role:suspended"
"share:get": "rule:members_here or rule:default"
`
	e, res := importInto(t, src, ImportOptions{Source: "ops.yaml"})
	want := map[string]string{
		"share:create": "adminP1 member storage suspended",
		"share:delete": "adminP1 member storage",
		"share:get":    "admin adminP1 member reader storage suspended noRoles",
		// Untouched rules keep their defaults.
		"share:update":       "admin adminP1 member suspended",
		"share:force_delete": "admin adminP1",
	}
	for action, w := range want {
		if got := allowedCallers(t, e, action); got != w {
			t.Errorf("%s: %q, want %q\n%s", action, got, w, res.Rego)
		}
	}
	if !slices.Equal(res.Overrides, []string{"share:create", "share:delete", "share:get"}) {
		t.Errorf("Overrides = %q", res.Overrides)
	}
	for _, frag := range []string{`source: "ops.yaml:4"`, "import data.manila.base", `override["share:delete"] := imported_share_delete`} {
		if !strings.Contains(string(res.Rego), frag) {
			t.Errorf("the Rego lacks %q:\n%s", frag, res.Rego)
		}
	}
	// A named rule used twice is translated once.
	if n := strings.Count(string(res.Rego), "default imported_members_here := false"); n != 1 {
		t.Errorf("members_here translated %d times:\n%s", n, res.Rego)
	}
}

// Redefining a base rule changes every rule built on it, as in oslo.policy.
// Redefining context_is_admin changes who is admin: the rules that use it
// are re-translated, and is_admin:True follows through input.caller.is_admin,
// which Engine.ContextIsAdmin computes from the imported rule.
func TestImportRedefinedBaseRule(t *testing.T) {
	ctx := context.Background()
	src := "\"context_is_admin\": \"role:cloud_admin\"\n"
	e, res := importInto(t, src, ImportOptions{})
	cloudAdmin := Caller{UserID: "root", ProjectID: "pz", Roles: []string{"cloud_admin"}}
	admin := importCallers[0].caller
	admin.Admin = false // the policy's answer, not the table's
	for _, tc := range []struct {
		caller Caller
		want   bool
	}{{cloudAdmin, true}, {admin, false}, {importCallers[2].caller, false}} {
		got, err := e.ContextIsAdmin(ctx, tc.caller)
		if err != nil || got != tc.want {
			t.Errorf("ContextIsAdmin(%v) = %v, %v; want %v", tc.caller.Roles, got, err, tc.want)
		}
	}
	cases := []struct {
		action string
		caller Caller
		want   bool
	}{
		{"context_is_admin", cloudAdmin, true},
		{"context_is_admin", admin, false},
		{"share:force_delete", cloudAdmin, true}, // rule:context_is_admin
		{"share:force_delete", admin, false},
		{"share:get", cloudAdmin, true}, // (rule:context_is_admin) or (rule:project-reader)
		{"share:get", admin, false},
		{"share:get", importCallers[3].caller, true},  // a reader of p1 still reads
		{"cgsnapshot:reset_status", cloudAdmin, true}, // rule:admin_api is is_admin:True
		{"cgsnapshot:reset_status", admin, false},
		{"consistency_group:get", cloudAdmin, true}, // rule:default: is_admin:True or project
		{"consistency_group:get", admin, false},
		{"consistency_group:get", importCallers[2].caller, true},
	}
	for _, tc := range cases {
		caller, err := e.WithAdmin(ctx, tc.caller)
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.Decide(ctx, Input{Action: tc.action, Caller: caller, Target: importTarget})
		if err != nil || d.Allowed != tc.want {
			t.Errorf("%s by %v: %+v, %v; want allowed=%v", tc.action, tc.caller.Roles, d, err, tc.want)
		}
	}
	// Every default rule that uses rule:context_is_admin is overridden,
	// and the rule itself; the consistency-group rules, limits:get and
	// extension:index|show (rule:default, rule:admin_api: is_admin:True)
	// are not: they follow is_admin.
	byDefault := map[string]bool{"limits:get": true, "extension:index": true, "extension:show": true}
	var want []string
	for _, r := range newDefaultEngine(t).Describe() {
		if r.File != "consistency_groups.rego" && !byDefault[r.Name] {
			want = append(want, r.Name)
		}
	}
	if !slices.Equal(res.Overrides, want) {
		t.Errorf("Overrides = %q, want %q", res.Overrides, want)
	}
	if want := "line 1: context_is_admin: who is admin changes everywhere: the rules that use rule:context_is_admin or is_admin:True, " +
		"and the handlers' project scoping, admin-only fields and all_tenants, follow the new definition"; !slices.Equal(res.Warnings, []string{want}) {
		t.Errorf("Warnings = %q, want [%q]", res.Warnings, want)
	}
	info, _ := e.DescribeRule("share:get")
	if !strings.Contains(string(res.Rego), `source: "the default of share:get, with rule:context_is_admin as redefined in policy.yaml"`) ||
		info.CheckString != "(rule:context_is_admin) or (rule:project-reader)" {
		t.Errorf("share:get override: %+v\n%s", info, res.Rego)
	}
	if info, _ := e.DescribeRule("context_is_admin"); !info.Override || info.CheckString != "role:cloud_admin" {
		t.Errorf("context_is_admin override: %+v", info)
	}

	// Redefining default reaches the rules written rule:default.
	e, res = importInto(t, "\"default\": \"role:member\"\n", ImportOptions{})
	if got := allowedCallers(t, e, "consistency_group:get"); got != "admin adminP1 member otherMember suspended" {
		t.Errorf("consistency_group:get with default redefined: %q\n%s", got, res.Rego)
	}
	if got := allowedCallers(t, e, "share:get"); got != "admin adminP1 member reader suspended" {
		t.Errorf("share:get does not use rule:default: %q", got)
	}
}

func TestImportJSON(t *testing.T) {
	src := `{
    "share:create": "role:admin",
    "share:get": "rule:project-reader"
}`
	e, res := importInto(t, src, ImportOptions{Source: "policy.json"})
	if got := allowedCallers(t, e, "share:create"); got != "admin adminP1" {
		t.Errorf("share:create: %q", got)
	}
	if got := allowedCallers(t, e, "share:get"); got != "adminP1 member reader suspended" {
		t.Errorf("share:get: %q", got)
	}
	if !strings.Contains(string(res.Rego), `source: "policy.json:3"`) {
		t.Errorf("line of share:get:\n%s", res.Rego)
	}
}

func TestImportWarnings(t *testing.T) {
	src := "\"share:create\": \"\"\n\"share:get\": \"tenant:%(project_id)s\"\n\"no_such_resource:create\": \"role:admin\"\n"
	_, res := importInto(t, src, ImportOptions{SkipUnknown: true})
	want := []string{
		`line 1: share:create: the empty check string allows everyone (as "@")`,
		`line 2: share:get: the caller has no attribute "tenant" (it has user_id, project_id, roles, is_admin and scope), so "tenant:..." is never true`,
		`line 3: skipped "no_such_resource:create": manilite has no rule of that name`,
	}
	sort.Strings(res.Warnings)
	if !slices.Equal(res.Warnings, want) {
		t.Errorf("Warnings:\n%s\nwant:\n%s", strings.Join(res.Warnings, "\n"), strings.Join(want, "\n"))
	}
}

func TestImportErrorsHaveLines(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string // "line N: ..." prefixes of the problems, in order
	}{
		{"dangling and", "\"share:create\": \"role:admin and\"\n",
			[]string{`line 1: share:create: cannot parse "role:admin and": the check string ends where a check is expected`}},
		{"missing paren", "# c\n\"share:create\": \"(role:admin or role:member\"\n",
			[]string{`line 2: share:create: cannot parse "(role:admin or role:member": missing )`}},
		{"extra paren", "\"share:create\": \"role:admin)\"\n",
			[]string{`line 1: share:create: cannot parse "role:admin)": unexpected ")" at token 2`}},
		{"not a check", "\"share:create\": \"admin\"\n",
			[]string{`line 1: share:create: cannot parse "admin": "admin" is not a check (want kind:match, @ or !)`}},
		{"http", "\"share:create\": \"http://policy.example.com/x\"\n",
			[]string{`line 1: share:create: cannot parse "http://policy.example.com/x": "http://policy.example.com/x": http(s) checks call a remote server and are not supported`}},
		{"double or", "\"share:create\": \"role:admin or or role:member\"\n",
			[]string{`line 1: share:create: cannot parse "role:admin or or role:member": unexpected "or" at token 3, want a check`}},
		{"quoted string", "\"share:create\": \"'role:admin'\"\n",
			[]string{`line 1: share:create: cannot parse "'role:admin'": unexpected quoted string "role:admin" (quoted strings are not checks) at token 1, want a check`}},
		{"no operator", "\"share:create\": \"role:admin role:member\"\n",
			[]string{`line 1: share:create: cannot parse "role:admin role:member": unexpected check "role:member" at token 2`}},
		{"bad substitution", "\"share:create\": \"project_id:%(project_id)d\"\n",
			[]string{`line 1: share:create: cannot parse "project_id:%(project_id)d": only %(name)s substitutions are supported`}},
		{"lone percent", "\"share:create\": \"project_id:100%\"\n",
			[]string{`line 1: share:create: cannot parse "project_id:100%": a lone % in "100%"`}},
		{"blank", "\"share:create\": \"   \"\n",
			[]string{`line 1: share:create: cannot parse "   ": "   " holds no check`}},
		{"unknown rule reference", "\"share:create\": \"role:admin\"\n\"share:get\": \"rule:nope or role:reader\"\n",
			[]string{`line 2: share:get: rule:nope: no such rule`}},
		{"unknown reference inside a named rule", "\"mine\": \"rule:nope\"\n\"share:get\": \"rule:mine\"\n",
			[]string{`line 1: mine: rule:nope: no such rule`}},
		{"cycle", "\"a\": \"rule:b\"\n\"b\": \"rule:a\"\n\"share:get\": \"rule:a\"\n",
			[]string{`line 2: b: rule:a refers to itself (through other rules)`}},
		{"unknown name", "\"share:create\": \"role:admin\"\n\"share:craete\": \"role:admin\"\n",
			[]string{`line 2: share:craete: manilite has no rule of that name`}},
		{"not a string", "\"share:create\": 5\n", []string{`line 1: share:create: the check string must be a string, not int`}},
		{"null", "\"share:create\":\n", []string{`line 1: share:create: the check string must be a string, not null`}},
		{"list syntax", "\"share:create\": [[\"role:admin\"]]\n",
			[]string{`line 1: share:create: the list syntax of old policy.json files is not supported`}},
		{"duplicate", "\"share:create\": \"role:admin\"\n\"share:get\": \"@\"\n\"share:create\": \"!\"\n",
			[]string{`line 3: share:create: defined twice (first at line 1)`}},
		{"not yaml", "\"share:create\": \"role:admin\n  x: [\n", []string{`line `}},
		{"not a mapping", "- role:admin\n", []string{`line 1: want a mapping of rule names to check strings`}},
		{"empty", "# nothing\n", []string{`line 1: the file holds no rules`}},
		{"overrides nothing", "\"context_is_host_admin\": \"role:admin\"\n",
			[]string{`line 1: the file overrides no rule of manilite`}},
		{"several problems", "\"share:create\": \"role:admin and\"\n\"share:get\": \"(\"\n",
			[]string{`line 1: share:create: cannot parse`, `line 2: share:get: cannot parse`}},
	}
	rules := newDefaultEngine(t).Describe()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ImportOslo([]byte(tc.src), rules, ImportOptions{})
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("ImportOslo = %v, %v; want an *ImportError", res, err)
			}
			if len(ie.Problems) != len(tc.want) {
				t.Fatalf("problems %q, want %d like %q", ie.Problems, len(tc.want), tc.want)
			}
			for i, p := range ie.Problems {
				if !strings.HasPrefix(p.String(), tc.want[i]) {
					t.Errorf("problem %d = %q, want it to start %q", i, p.String(), tc.want[i])
				}
			}
			if !strings.HasPrefix(err.Error(), "policy.yaml: ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestParseCheckStringStructure(t *testing.T) {
	cases := []struct {
		in   string
		want string
	}{
		{"a:b or c:d and e:f", "or(a:b, and(c:d, e:f))"},
		{"a:b and c:d or e:f", "or(and(a:b, c:d), e:f)"},
		{"not a:b and c:d", "and(not(a:b), c:d)"},
		{"not (a:b and c:d)", "not(and(a:b, c:d))"},
		{"(a:b or c:d) and (e:f or g:h)", "and(or(a:b, c:d), or(e:f, g:h))"},
		{"a:b or c:d or e:f", "or(a:b, c:d, e:f)"},
		{"  a:b\tAnd\nc:d  ", "and(a:b, c:d)"},
		// oslo.policy splits on spaces only: without them this is one
		// check, of kind a.
		{"((a:b)and(c:d))", "a:b)and(c:d"},
		{"rule:x", "rule:x"},
		{"role:Admin", "role:Admin"},
		{"@", "@"},
		{"!", "!"},
		{"", "@"},
		{"a:b:c", "a:b:c"},
	}
	for _, tc := range cases {
		n, err := parseCheckString(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := showCheck(n); got != tc.want {
			t.Errorf("%q parsed as %s, want %s", tc.in, got, tc.want)
		}
	}
}

func showCheck(n checkNode) string {
	join := func(kind string, cs []checkNode) string {
		parts := make([]string, len(cs))
		for i, c := range cs {
			parts[i] = showCheck(c)
		}
		return kind + "(" + strings.Join(parts, ", ") + ")"
	}
	tmpl := func(t template) string {
		var b strings.Builder
		for _, p := range t {
			if p.key != "" {
				fmt.Fprintf(&b, "%%(%s)s", p.key)
			} else {
				b.WriteString(p.text)
			}
		}
		return b.String()
	}
	switch x := n.(type) {
	case orCheck:
		return join("or", x)
	case andCheck:
		return join("and", x)
	case notCheck:
		return "not(" + showCheck(x.check) + ")"
	case trueCheck:
		return "@"
	case falseCheck:
		return "!"
	case ruleCheck:
		return "rule:" + x.name
	case roleCheck:
		return "role:" + tmpl(x.match)
	case genericCheck:
		return x.kind + ":" + tmpl(x.match)
	}
	return fmt.Sprintf("%T", n)
}
