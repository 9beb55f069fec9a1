package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
)

// The rule names the default set defines: Manila's names for the operations
// manilite serves. A rule added or removed without updating this list fails
// TestEngineRulesOfDefaultSet.
var defaultRuleNames = []string{
	"availability_zone:index",
	"cgsnapshot:create",
	"cgsnapshot:delete",
	"cgsnapshot:force_delete",
	"cgsnapshot:get_all",
	"cgsnapshot:get_cgsnapshot",
	"cgsnapshot:reset_status",
	"cgsnapshot:update",
	"consistency_group:create",
	"consistency_group:delete",
	"consistency_group:force_delete",
	"consistency_group:get",
	"consistency_group:get_all",
	"consistency_group:reset_status",
	"consistency_group:update",
	"context_is_admin",
	"extension:index",
	"extension:show",
	"limits:get",
	"message:delete",
	"message:get",
	"message:get_all",
	"quota_set:delete",
	"quota_set:show",
	"quota_set:update",
	"scheduler_stats:pools:detail",
	"scheduler_stats:pools:index",
	"security_service:create",
	"security_service:delete",
	"security_service:detail",
	"security_service:get_all_security_services",
	"security_service:index",
	"security_service:show",
	"security_service:update",
	"service:ensure_shares",
	"service:index",
	"service:update",
	"share:access_get",
	"share:access_get_all",
	"share:allow_access",
	"share:create",
	"share:create_public_share",
	"share:create_snapshot",
	"share:delete",
	"share:delete_share_metadata",
	"share:delete_snapshot",
	"share:deny_access",
	"share:extend",
	"share:extend_beyond_max_share_size",
	"share:force_delete",
	"share:force_extend",
	"share:get",
	"share:get_all",
	"share:get_share_metadata",
	"share:list_all_projects",
	"share:list_by_host",
	"share:list_by_share_server_id",
	"share:list_shares_in_deferred_deletion_states",
	"share:manage",
	"share:migration_cancel",
	"share:migration_complete",
	"share:migration_get_progress",
	"share:migration_start",
	"share:reset_status",
	"share:reset_task_state",
	"share:restore",
	"share:revert_to_snapshot",
	"share:set_public_share",
	"share:shrink",
	"share:snapshot_update",
	"share:soft_delete",
	"share:unmanage",
	"share:update",
	"share:update_admin_only_metadata",
	"share:update_share_metadata",
	"share_access_metadata:delete",
	"share_access_metadata:update",
	"share_access_rule:get",
	"share_access_rule:index",
	"share_access_rule:update",
	"share_backup:create",
	"share_backup:delete",
	"share_backup:get",
	"share_backup:get_all",
	"share_backup:get_all_project",
	"share_backup:reset_status",
	"share_backup:restore",
	"share_backup:update",
	"share_export_location:delete_metadata",
	"share_export_location:get_metadata",
	"share_export_location:index",
	"share_export_location:show",
	"share_export_location:update_admin_only_metadata",
	"share_export_location:update_metadata",
	"share_group:create",
	"share_group:delete",
	"share_group:force_delete",
	"share_group:get",
	"share_group:get_all",
	"share_group:reset_status",
	"share_group:update",
	"share_group_snapshot:create",
	"share_group_snapshot:delete",
	"share_group_snapshot:force_delete",
	"share_group_snapshot:get",
	"share_group_snapshot:get_all",
	"share_group_snapshot:reset_status",
	"share_group_snapshot:update",
	"share_group_type:add_project_access",
	"share_group_type:create",
	"share_group_type:default",
	"share_group_type:delete",
	"share_group_type:index",
	"share_group_type:list_project_access",
	"share_group_type:remove_project_access",
	"share_group_type:show",
	"share_group_types_spec:create",
	"share_group_types_spec:delete",
	"share_group_types_spec:index",
	"share_group_types_spec:show",
	"share_group_types_spec:update",
	"share_instance:force_delete",
	"share_instance:index",
	"share_instance:reset_status",
	"share_instance:show",
	"share_instance_export_location:index",
	"share_instance_export_location:show",
	"share_network:add_security_service",
	"share_network:add_security_service_check",
	"share_network:create",
	"share_network:delete",
	"share_network:detail",
	"share_network:get_all_share_networks",
	"share_network:index",
	"share_network:remove_security_service",
	"share_network:reset_status",
	"share_network:show",
	"share_network:show_network_details",
	"share_network:subnet_create_check",
	"share_network:update",
	"share_network:update_security_service",
	"share_network:update_security_service_check",
	"share_network_subnet:create",
	"share_network_subnet:delete",
	"share_network_subnet:index",
	"share_network_subnet:show",
	"share_replica:get_all",
	"share_replica:show",
	"share_server:delete",
	"share_server:details",
	"share_server:index",
	"share_server:manage_share_server",
	"share_server:reset_status",
	"share_server:share_server_migration_cancel",
	"share_server:share_server_migration_check",
	"share_server:share_server_migration_complete",
	"share_server:share_server_migration_get_progress",
	"share_server:share_server_migration_start",
	"share_server:share_server_reset_task_state",
	"share_server:show",
	"share_server:unmanage_share_server",
	"share_snapshot:delete_metadata",
	"share_snapshot:force_delete",
	"share_snapshot:get_all_snapshots",
	"share_snapshot:get_metadata",
	"share_snapshot:get_snapshot",
	"share_snapshot:list_all_projects",
	"share_snapshot:list_snapshots_in_deferred_deletion_states",
	"share_snapshot:manage_snapshot",
	"share_snapshot:reset_status",
	"share_snapshot:unmanage_snapshot",
	"share_snapshot:update_metadata",
	"share_snapshot_export_location:index",
	"share_snapshot_export_location:show",
	"share_snapshot_instance:detail",
	"share_snapshot_instance:index",
	"share_snapshot_instance:reset_status",
	"share_snapshot_instance:show",
	"share_snapshot_instance_export_location:index",
	"share_snapshot_instance_export_location:show",
	"share_type:add_project_access",
	"share_type:create",
	"share_type:default",
	"share_type:delete",
	"share_type:index",
	"share_type:list_project_access",
	"share_type:remove_project_access",
	"share_type:show",
	"share_type:update",
	"share_types_extra_spec:create",
	"share_types_extra_spec:delete",
	"share_types_extra_spec:index",
	"share_types_extra_spec:show",
	"share_types_extra_spec:update",
}

func loadDefault(t testing.TB) *Set {
	t.Helper()
	set, err := LoadFS(DefaultFS())
	if err != nil {
		t.Fatalf("LoadFS(DefaultFS()): %v", err)
	}
	return set
}

func newDefaultEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := NewEngine(context.Background(), loadDefault(t), nil)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	return e
}

// normaliseRuleName turns a Manila rule name into the form test names use:
// "share:create" -> "share_create".
func normaliseRuleName(rule string) string {
	return strings.NewReplacer(":", "_", "-", "_").Replace(rule)
}

// uncoveredRules returns the rules (sorted) that no test name mentions. A
// test name mentions a rule when the rule's normalised name appears in it
// between '_' boundaries (or the ends of the name); at each position the
// longest such rule wins, so "test_share_get_all_allowed" mentions
// share:get_all but not share:get.
func uncoveredRules(rules, testNames []string) []string {
	norm := make(map[string]string, len(rules)) // normalised -> rule
	for _, r := range rules {
		norm[normaliseRuleName(r)] = r
	}
	keys := make([]string, 0, len(norm))
	for k := range norm {
		keys = append(keys, k)
	}
	// Longest first, so the first match at a position is the longest.
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	covered := map[string]bool{}
	for _, full := range testNames {
		name := full
		if i := strings.LastIndex(name, "."); i >= 0 {
			name = name[i+1:]
		}
		for i := 0; i < len(name); i++ {
			if i > 0 && name[i-1] != '_' {
				continue
			}
			for _, k := range keys {
				end := i + len(k)
				if strings.HasPrefix(name[i:], k) && (end == len(name) || name[end] == '_') {
					covered[norm[k]] = true
					break
				}
			}
		}
	}
	var out []string
	for _, r := range rules {
		if !covered[r] {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

func TestUncoveredRules(t *testing.T) {
	rules := []string{"share:get", "share:get_all", "share_type:create", "share_types_extra_spec:index"}
	tests := []struct {
		names []string
		want  []string
	}{
		{nil, []string{"share:get", "share:get_all", "share_type:create", "share_types_extra_spec:index"}},
		// share_get_all must not count as a mention of share:get.
		{[]string{"manila.rules_test.test_share_get_all_allowed_for_project_reader"},
			[]string{"share:get", "share_type:create", "share_types_extra_spec:index"}},
		{[]string{"manila.rules_test.test_share_get_denied_for_caller_without_roles"},
			[]string{"share:get_all", "share_type:create", "share_types_extra_spec:index"}},
		// A prefix of a word is not a mention: "share_getter".
		{[]string{"x.test_share_getter", "x.test_share_type_creates"},
			[]string{"share:get", "share:get_all", "share_type:create", "share_types_extra_spec:index"}},
		{[]string{"x.test_share_type_create", "x.test_denied_share_types_extra_spec_index_for_reader",
			"x.test_share_get_and_share_get_all"}, nil},
	}
	for i, tc := range tests {
		if got := uncoveredRules(rules, tc.names); !slices.Equal(got, tc.want) {
			t.Errorf("case %d: uncoveredRules(%q) = %q, want %q", i, tc.names, got, tc.want)
		}
	}
	if got := normaliseRuleName("share_export_location:index"); got != "share_export_location_index" {
		t.Errorf("normaliseRuleName = %q", got)
	}
}

// baseRuleNames lists the rules of package manila.base in set.
func baseRuleNames(set *Set) []string {
	seen := map[string]bool{}
	for _, m := range set.rules {
		if m.Package.Path.String() != "data.manila.base" {
			continue
		}
		for _, r := range m.Rules {
			seen[r.Head.Name.String()] = true
		}
	}
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func TestRegoDefaults(t *testing.T) {
	ctx := context.Background()
	set := loadDefault(t)
	results, err := set.Test(ctx)
	if err != nil {
		t.Fatalf("Set.Test: %v", err)
	}
	if len(results) == 0 {
		t.Fatal("no Rego tests ran")
	}
	var names, baseTests []string
	passed := 0
	perFile := map[string]int{}
	for _, r := range results {
		names = append(names, r.Name)
		perFile[r.File]++
		if strings.HasPrefix(r.Name, "manila.base_test.") {
			baseTests = append(baseTests, r.Name)
		}
		if !r.Passed {
			t.Errorf("Rego test %s (%s) failed: %s", r.Name, r.File, r.Message)
			continue
		}
		passed++
	}
	t.Logf("Rego tests: %d ran, %d passed (per file: %v)", len(results), passed, perFile)
	for _, f := range []string{"base_test.rego", "shares_test.rego", "share_types_test.rego"} {
		if perFile[f] == 0 {
			t.Errorf("no Rego tests ran from %s", f)
		}
	}

	e, err := NewEngine(ctx, set, nil)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	rules := e.Rules()
	if len(rules) == 0 {
		t.Fatal("the default set defines no rules")
	}
	missing := uncoveredRules(rules, names)
	covered := len(rules) - len(missing)
	t.Logf("rule coverage: %d/%d rules of data.manila.rules.rule mentioned by a test (%.1f%%)",
		covered, len(rules), 100*float64(covered)/float64(len(rules)))
	for _, r := range missing {
		t.Errorf("rule %q has no Rego test (no test name mentions %s)", r, normaliseRuleName(r))
	}

	base := baseRuleNames(set)
	if len(base) == 0 {
		t.Fatal("found no rules in package manila.base")
	}
	missingBase := uncoveredRules(base, baseTests)
	t.Logf("base rule coverage: %d/%d", len(base)-len(missingBase), len(base))
	for _, r := range missingBase {
		t.Errorf("base rule %q has no test in manila.base_test", r)
	}

	// The same, measured: OPA's coverage tracer sees which rules the tests
	// evaluate (what `manilite policy check` reports).
	report, err := set.TestReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("measured: %d/%d rules evaluated by a test; line coverage %.1f%%", report.Covered(), len(report.Rules), report.LineCoverage)
	for _, c := range report.Rules {
		if !c.Covered {
			t.Errorf("rule %q (%s) is not evaluated by any test", c.Name, c.File)
		}
	}
}

// lineDiff is a small line diff of a file (got) against what opa fmt makes
// of it (want): lines only in the file are marked "-", lines only in the
// formatted text "+", each with its line number; at most limit lines.
func lineDiff(want, got []byte, limit int) string {
	w := strings.Split(string(want), "\n")
	g := strings.Split(string(got), "\n")
	// lcs[i][j] is the longest common subsequence of g[i:] and w[j:].
	lcs := make([][]int, len(g)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(w)+1)
	}
	for i := len(g) - 1; i >= 0; i-- {
		for j := len(w) - 1; j >= 0; j-- {
			if g[i] == w[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	n := 0
	emit := func(format string, args ...any) bool {
		if n == limit {
			b.WriteString("...\n")
			return false
		}
		fmt.Fprintf(&b, format, args...)
		n++
		return true
	}
	i, j := 0, 0
	for i < len(g) || j < len(w) {
		switch {
		case i < len(g) && j < len(w) && g[i] == w[j]:
			i++
			j++
		case j == len(w) || (i < len(g) && lcs[i+1][j] >= lcs[i][j+1]):
			if !emit("-%d: %q\n", i+1, g[i]) {
				return b.String()
			}
			i++
		default:
			if !emit("+%d: %q\n", j+1, w[j]) {
				return b.String()
			}
			j++
		}
	}
	return b.String()
}

func TestRegoFormatted(t *testing.T) {
	fsys := DefaultFS()
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".rego") {
			continue
		}
		src, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		want, err := format.SourceWithOpts(e.Name(), src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("%s: opa fmt fails: %v", e.Name(), err)
			continue
		}
		checked++
		if !bytes.Equal(want, src) {
			t.Errorf("%s is not formatted as opa fmt would (-line in the file, +line opa fmt writes):\n%s", e.Name(), lineDiff(want, src, 10))
		}
	}
	if checked < 6 {
		t.Errorf("checked %d .rego files, want at least 6 (3 rule files, their tests, fixtures)", checked)
	}
}

func TestLineDiff(t *testing.T) {
	cases := []struct{ want, got, diff string }{
		{"a\nb\nc\n", "a\nb\nc\n", ""},
		{"a\nb\nc\n", "a\nB\nc\n", "-2: \"B\"\n+2: \"b\"\n"},
		// An inserted line is one difference, not a shift of all that follows.
		{"a\nb\nc\nd\n", "a\n\nb\nc\nd\n", "-2: \"\"\n"},
		{"a\nb\n", "a\n", "+2: \"b\"\n"},
	}
	for _, tc := range cases {
		if got := lineDiff([]byte(tc.want), []byte(tc.got), 5); got != tc.diff {
			t.Errorf("lineDiff(%q, %q) = %q, want %q", tc.want, tc.got, got, tc.diff)
		}
	}
	if got := lineDiff([]byte("a\nb\nc\n"), []byte("x\ny\nz\n"), 2); !strings.HasSuffix(got, "...\n") || strings.Count(got, "\n") != 3 {
		t.Errorf("lineDiff with max 2 = %q, want 2 lines and ...", got)
	}
}

func TestEngineRulesOfDefaultSet(t *testing.T) {
	e := newDefaultEngine(t)
	if got := e.Rules(); !slices.Equal(got, defaultRuleNames) {
		t.Errorf("Rules() = %q, want %q", got, defaultRuleNames)
	}
	for _, r := range defaultRuleNames {
		if !e.HasRule(r) {
			t.Errorf("HasRule(%q) = false", r)
		}
	}
	for _, r := range []string{"", "share", "share:", "share:frobnicate", "Share:create", "share:get_al", "zzz"} {
		if e.HasRule(r) {
			t.Errorf("HasRule(%q) = true", r)
		}
	}
	// Rules returns a copy.
	rules := e.Rules()
	rules[0] = "mutated"
	if e.Rules()[0] != defaultRuleNames[0] {
		t.Error("Rules() shares its slice with the engine")
	}
}

var (
	adminOther   = Caller{UserID: "u-admin", ProjectID: "p-admin", Roles: []string{"admin", "member", "reader"}, Admin: true}
	memberP1     = Caller{UserID: "u1", ProjectID: "p1", Roles: []string{"member", "reader"}}
	readerP1     = Caller{UserID: "u2", ProjectID: "p1", Roles: []string{"reader"}}
	memberOther  = Caller{UserID: "u3", ProjectID: "p2", Roles: []string{"member", "reader"}}
	noRolesP1    = Caller{UserID: "u1", ProjectID: "p1"}
	targetP1     = Target{ProjectID: "p1", UserID: "u1"}
	defaultCases = []struct {
		action string
		caller Caller
		want   bool
	}{
		{"share:create", adminOther, true},
		{"share:create", memberP1, true},
		{"share:create", readerP1, false},
		{"share:create", memberOther, false},
		{"share:create", noRolesP1, false},
		{"share:get", readerP1, true},
		{"share:get", memberOther, false},
		{"share:force_delete", adminOther, true},
		{"share:force_delete", memberP1, false},
		{"share_type:create", adminOther, true},
		{"share_type:create", memberP1, false},
		{"share_type:index", readerP1, true},
		{"share_type:index", noRolesP1, false},
		{"share_export_location:index", readerP1, true},
		{"share_types_extra_spec:index", readerP1, false},
	}
)

func TestDecideDefaults(t *testing.T) {
	e := newDefaultEngine(t)
	for _, tc := range defaultCases {
		d, err := e.Decide(context.Background(), Input{Action: tc.action, Caller: tc.caller, Target: targetP1})
		if err != nil {
			t.Fatalf("Decide(%s, %+v): %v", tc.action, tc.caller, err)
		}
		want := Decision{Allowed: tc.want, Defined: true, Hash: e.Hash()}
		if d != want {
			t.Errorf("Decide(%s, %+v) = %+v, want %+v", tc.action, tc.caller, d, want)
		}
	}
}

func TestDecideUndefinedAction(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e, err := NewEngine(context.Background(), loadDefault(t), log)
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"share:frobnicate", "", "SHARE:CREATE"} {
		logs.Reset()
		d, err := e.Decide(context.Background(), Input{Action: action, Caller: adminOther, Target: targetP1})
		if err != nil {
			t.Fatalf("Decide(%q): %v", action, err)
		}
		want := Decision{Allowed: false, Defined: false, Hash: e.Hash()}
		if d != want {
			t.Errorf("Decide(%q) = %+v, want %+v", action, d, want)
		}
		var rec struct {
			Level      string `json:"level"`
			Action     string `json:"action"`
			PolicyHash string `json:"policy_hash"`
		}
		if err := json.Unmarshal(logs.Bytes(), &rec); err != nil {
			t.Fatalf("Decide(%q) logged %q: %v", action, logs.String(), err)
		}
		if rec.Level != "WARN" || rec.Action != action || rec.PolicyHash != e.Hash() {
			t.Errorf("Decide(%q) logged %q, want one warning naming the action and hash", action, logs.String())
		}
	}
}

func TestDecideRoleNamesCaseInsensitive(t *testing.T) {
	e := newDefaultEngine(t)
	cases := []struct {
		name   string
		caller Caller
		action string
		want   bool
	}{
		{"Admin is admin", Caller{UserID: "u", ProjectID: "p-admin", Roles: []string{"Admin"}}, "share:force_delete", true},
		{"ADMIN is admin", Caller{UserID: "u", ProjectID: "p-admin", Roles: []string{"ADMIN"}}, "share_type:create", true},
		{"Member of p1", Caller{UserID: "u1", ProjectID: "p1", Roles: []string{"Member", "Reader"}}, "share:create", true},
		{"READER of p1", Caller{UserID: "u2", ProjectID: "p1", Roles: []string{"READER"}}, "share:get", true},
		{"READER of p1 cannot create", Caller{UserID: "u2", ProjectID: "p1", Roles: []string{"READER"}}, "share:create", false},
		{"Member of p2", Caller{UserID: "u3", ProjectID: "p2", Roles: []string{"Member", "Reader"}}, "share:get", false},
		{"Administrator is not admin", Caller{UserID: "u", ProjectID: "p-admin", Roles: []string{"Administrator"}}, "share:force_delete", false},
	}
	for _, tc := range cases {
		d, err := e.Decide(context.Background(), Input{Action: tc.action, Caller: tc.caller, Target: targetP1})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !d.Defined || d.Allowed != tc.want {
			t.Errorf("%s: Decide(%s) = %+v, want Allowed=%v Defined=true", tc.name, tc.action, d, tc.want)
		}
	}
	for roles, want := range map[string]bool{"aDmIn": true, "ADMIN,member": true, "admins": false, "Administrator": false} {
		admin, err := e.ContextIsAdmin(context.Background(), Caller{UserID: "u", ProjectID: "p", Roles: strings.Split(roles, ",")})
		if err != nil || admin != want {
			t.Errorf("ContextIsAdmin(roles %s) = %v, %v; want %v", roles, admin, err, want)
		}
	}
}

// probeRules reports what the rules see of the input.
const probeRules = `package manila.rules

rule["probe:target_project"] := input.target.project_id == "p1"

rule["probe:field"] := input.target.is_public == true

rule["probe:request"] := input.request.method == "POST"

rule["probe:microversion"] := input.request.microversion == "2.65"

rule["probe:is_admin"] := input.caller.is_admin == true

rule["probe:roles"] := input.caller.roles == ["admin", "member"]

rule["probe:non_bool"] := "yes"

rule["probe:conflict"] := true if input.caller.user_id == "conflict"

rule["probe:conflict"] := false if input.caller.user_id == "conflict"
`

func TestDecideInputDocument(t *testing.T) {
	ctx := context.Background()
	set, err := LoadFS(fstest.MapFS{"probe.rego": {Data: []byte(probeRules)}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(ctx, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := Input{
		Caller: Caller{UserID: "u1", ProjectID: "p1", Roles: []string{"Admin", "MEMBER"}, Admin: true},
		// Fields cannot override the project and user ids.
		Target:  Target{ProjectID: "p1", UserID: "u1", Fields: map[string]any{"project_id": "evil", "is_public": true}},
		Request: Request{Method: "POST", Path: "/v2/shares", Microversion: "2.65"},
	}
	for _, action := range []string{"probe:target_project", "probe:field", "probe:request", "probe:microversion", "probe:is_admin", "probe:roles"} {
		in.Action = action
		d, err := e.Decide(ctx, in)
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		if !d.Defined || !d.Allowed {
			t.Errorf("%s: %+v, want allowed", action, d)
		}
	}
	// A rule whose value is not a boolean does not allow.
	in.Action = "probe:non_bool"
	if d, err := e.Decide(ctx, in); err != nil || !d.Defined || d.Allowed {
		t.Errorf("probe:non_bool: %+v, %v; want defined, refused, no error", d, err)
	}
	// An evaluation error is returned and refuses.
	in.Action = "probe:conflict"
	in.Caller.UserID = "conflict"
	d, err := e.Decide(ctx, in)
	if err == nil || !strings.Contains(err.Error(), "probe:conflict") {
		t.Errorf("probe:conflict: err = %v, want an evaluation error naming the action", err)
	}
	if d.Allowed {
		t.Errorf("probe:conflict: %+v, want refused", d)
	}
}

func TestLoadFSBrokenSyntaxFails(t *testing.T) {
	_, err := LoadFS(fstest.MapFS{
		"good.rego":   {Data: []byte("package manila.rules\n\nrule[\"x:y\"] := true\n")},
		"broken.rego": {Data: []byte("package manila.rules\n\nrule[\"a:b\"] := {\n")},
	})
	if err == nil || !strings.Contains(err.Error(), "broken.rego") {
		t.Fatalf("LoadFS(broken) err = %v, want a parse error naming broken.rego", err)
	}
	if _, err := LoadFS(fstest.MapFS{"README.md": {Data: []byte("no rules")}}); err == nil || !strings.Contains(err.Error(), "no .rego files") {
		t.Errorf("LoadFS(no rego) err = %v, want \"no .rego files\"", err)
	}
}

func TestReplaceWithBrokenSetKeepsOldRules(t *testing.T) {
	ctx := context.Background()
	e := newDefaultEngine(t)
	oldHash := e.Hash()
	oldRules := e.Rules()
	in := Input{Action: "share:get", Caller: readerP1, Target: targetP1}
	before, err := e.Decide(ctx, in)
	if err != nil || !before.Allowed {
		t.Fatalf("before: %+v, %v", before, err)
	}

	broken := map[string]string{
		// Parses, but calls a function nobody defines.
		"undefined function": "package manila.rules\n\nrule[\"share:get\"] := no_such_function(input)\n",
		// Parses and compiles, but defines no rule in data.manila.rules.rule.
		"no rules": "package something.else\n\nallow := true\n",
	}
	for name, src := range broken {
		set, err := LoadFS(fstest.MapFS{"bad.rego": {Data: []byte(src)}})
		if err != nil {
			t.Fatalf("%s: LoadFS: %v", name, err)
		}
		if err := e.Replace(ctx, set); err == nil {
			t.Errorf("%s: Replace succeeded, want an error", name)
		}
		if got := e.Hash(); got != oldHash {
			t.Errorf("%s: Hash = %s after failed Replace, want %s", name, got, oldHash)
		}
		if got := e.Rules(); !slices.Equal(got, oldRules) {
			t.Errorf("%s: Rules changed after failed Replace: %q", name, got)
		}
		after, err := e.Decide(ctx, in)
		if err != nil || after != before {
			t.Errorf("%s: Decide after failed Replace = %+v, %v; want %+v", name, after, err, before)
		}
	}
	// A syntax error never gets as far as Replace: LoadFS refuses it, and
	// the engine keeps what it had.
	if _, err := LoadFS(fstest.MapFS{"bad.rego": {Data: []byte("package manila.rules\nrule[ := \n")}}); err == nil {
		t.Error("LoadFS accepted a syntax error")
	}
	if e.Hash() != oldHash {
		t.Error("hash changed")
	}
}

// modifiedFS is the default set with share:get restricted to admins and
// share:create removed.
func modifiedFS(t *testing.T) fstest.MapFS {
	t.Helper()
	base, err := fs.ReadFile(DefaultFS(), "base.rego")
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{
		"base.rego": {Data: base},
		"rules.rego": {Data: []byte(`package manila.rules

import data.manila.base

rule["share:get"] := base.context_is_admin

rule["share:delete"] := base.admin_or_project_member
`)},
	}
}

func TestReplaceWithValidSetChangesDecisionsAndHash(t *testing.T) {
	ctx := context.Background()
	e := newDefaultEngine(t)
	oldHash := e.Hash()
	get := Input{Action: "share:get", Caller: readerP1, Target: targetP1}
	create := Input{Action: "share:create", Caller: memberP1, Target: targetP1}

	set, err := LoadFS(modifiedFS(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Replace(ctx, set); err != nil {
		t.Fatalf("Replace: %v", err)
	}
	if e.Hash() == oldHash || e.Hash() != set.Hash() {
		t.Errorf("Hash = %s after Replace, want %s (old %s)", e.Hash(), set.Hash(), oldHash)
	}
	if got, want := e.Rules(), []string{"share:delete", "share:get"}; !slices.Equal(got, want) {
		t.Errorf("Rules = %q, want %q", got, want)
	}
	if d, err := e.Decide(ctx, get); err != nil || d != (Decision{Allowed: false, Defined: true, Hash: set.Hash()}) {
		t.Errorf("share:get by reader after Replace = %+v, %v; want refused", d, err)
	}
	if d, err := e.Decide(ctx, Input{Action: "share:get", Caller: adminOther, Target: targetP1}); err != nil || !d.Allowed {
		t.Errorf("share:get by admin after Replace = %+v, %v; want allowed", d, err)
	}
	if d, err := e.Decide(ctx, create); err != nil || d != (Decision{Allowed: false, Defined: false, Hash: set.Hash()}) {
		t.Errorf("share:create after Replace = %+v, %v; want undefined", d, err)
	}
	if e.HasRule("share:create") {
		t.Error("HasRule(share:create) after Replace = true")
	}

	// Back to the defaults: the old hash and decisions return.
	if err := e.Replace(ctx, loadDefault(t)); err != nil {
		t.Fatal(err)
	}
	if e.Hash() != oldHash {
		t.Errorf("Hash = %s after restoring defaults, want %s", e.Hash(), oldHash)
	}
	if d, err := e.Decide(ctx, get); err != nil || !d.Allowed || !d.Defined {
		t.Errorf("share:get by reader after restore = %+v, %v", d, err)
	}
}

func TestDecideConcurrentWithReplace(t *testing.T) {
	ctx := context.Background()
	e := newDefaultEngine(t)
	defHash := e.Hash()
	modified, err := LoadFS(modifiedFS(t))
	if err != nil {
		t.Fatal(err)
	}
	def := loadDefault(t)
	in := Input{Action: "share:get", Caller: readerP1, Target: targetP1}
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for range 4 {
		wg.Go(func() {
			for range 50 {
				d, err := e.Decide(ctx, in)
				if err != nil {
					errs <- err.Error()
					return
				}
				// Each decision is consistent with the set that made it.
				if want := d.Hash == defHash; d.Allowed != want || !d.Defined {
					errs <- fmt.Sprintf("decision %+v inconsistent with its hash", d)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			s := def
			if i%2 == 0 {
				s = modified
			}
			if err := e.Replace(ctx, s); err != nil {
				errs <- err.Error()
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

func writeDefaultTo(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := fs.ReadDir(DefaultFS(), ".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, en := range entries {
		src, err := fs.ReadFile(DefaultFS(), en.Name())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, en.Name()), src, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, en.Name())
	}
	return names
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	names := writeDefaultTo(t, dir)
	// Non-.rego files and sub-folders are ignored.
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.rego"), 0o755); err != nil {
		t.Fatal(err)
	}
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	sort.Strings(names)
	if got := set.Files(); !slices.Equal(got, names) {
		t.Errorf("Files = %q, want %q", got, names)
	}
	if want := loadDefault(t).Hash(); set.Hash() != want {
		t.Errorf("LoadDir hash %s, want the embedded set's %s", set.Hash(), want)
	}
	e, err := NewEngine(context.Background(), set, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Rules(); !slices.Equal(got, defaultRuleNames) {
		t.Errorf("Rules = %q", got)
	}
	results, err := set.Test(context.Background())
	if err != nil || len(results) == 0 {
		t.Fatalf("Test: %d results, %v", len(results), err)
	}

	if _, err := LoadDir(t.TempDir()); err == nil {
		t.Error("LoadDir(empty dir) succeeded")
	}
	if _, err := LoadDir(filepath.Join(dir, "does-not-exist")); err == nil {
		t.Error("LoadDir(missing dir) succeeded")
	}
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestHash(t *testing.T) {
	a, b := loadDefault(t), loadDefault(t)
	if !hexHash.MatchString(a.Hash()) {
		t.Fatalf("Hash %q is not 16 hex digits", a.Hash())
	}
	if a.Hash() != b.Hash() {
		t.Errorf("same content, different hashes: %s, %s", a.Hash(), b.Hash())
	}
	hashOf := func(m fstest.MapFS) string {
		t.Helper()
		s, err := LoadFS(m)
		if err != nil {
			t.Fatal(err)
		}
		return s.Hash()
	}
	src := []byte("package manila.rules\n\nrule[\"x:y\"] := true\n")
	h1 := hashOf(fstest.MapFS{"a.rego": {Data: src}})
	if h1 != hashOf(fstest.MapFS{"a.rego": {Data: append([]byte(nil), src...)}}) {
		t.Error("hash not stable for the same content")
	}
	variants := map[string]fstest.MapFS{
		"changed content": {"a.rego": {Data: []byte("package manila.rules\n\nrule[\"x:y\"] := false\n")}},
		"renamed file":    {"b.rego": {Data: src}},
		"added test file": {"a.rego": {Data: src}, "a_test.rego": {Data: []byte("package manila.rules_test\n\ntest_x if true\n")}},
	}
	for name, m := range variants {
		if h := hashOf(m); h == h1 {
			t.Errorf("%s: hash unchanged (%s)", name, h)
		}
	}
	if a.Hash() == h1 {
		t.Error("default set and a one-rule set share a hash")
	}
}

func BenchmarkDecide(b *testing.B) {
	e := newDefaultEngine(b)
	ctx := context.Background()
	in := Input{Action: "share:get", Caller: readerP1, Target: targetP1,
		Request: Request{Method: "GET", Path: "/v2/shares/abc", Microversion: "2.65"}}
	d, err := e.Decide(ctx, in)
	if err != nil || !d.Allowed {
		b.Fatalf("Decide = %+v, %v; want allowed", d, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Decide(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
