package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/manilite/manilite/policy"
)

// policyCmd runs `manilite policy args...` in-process.
func policyCmd(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	code = run(t.Context(), append([]string{"policy"}, args...), func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestPolicyListText(t *testing.T) {
	code, out, errOut := policyCmd(t, nil, "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if want := "# policy in force: embedded defaults (hash " + dirHash(t, "") + ")"; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	if !regexp.MustCompile(`^RULE +CHECK STRING +FILE +OPERATIONS$`).MatchString(lines[1]) {
		t.Errorf("header %q", lines[1])
	}
	// Aligned: every column starts where the header's does.
	col := strings.Index(lines[1], "CHECK STRING")
	for _, l := range lines[2:] {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing space: %q", l)
		}
		if len(l) > col && l[col-1] != ' ' {
			t.Errorf("misaligned: %q", l)
		}
	}
	fields := func(l string) []string { return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(l), -1) }
	rows := map[string][]string{}
	var names []string
	for _, l := range lines[2:] {
		if !strings.HasPrefix(l, " ") {
			f := fields(l)
			rows[f[0]] = f
			names = append(names, f[0])
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("rules not sorted: %q", names)
	}
	want := map[string][]string{
		"share:create":                 {"share:create", "(rule:context_is_admin) or (rule:project-member)", "shares.rego", "POST /v2/shares"},
		"share:reset_status":           {"share:reset_status", "rule:context_is_admin", "shares.rego", "POST /v2/shares/{share_id}/action (reset_status, os-reset_status)"},
		"share:get_all":                {"share:get_all", "(rule:context_is_admin) or (rule:project-reader)", "shares.rego", "GET /v2/shares"},
		"share_type:update":            {"share_type:update", "rule:context_is_admin", "share_types.rego", "PUT /v2/types/{share_type_id}"},
		"cgsnapshot:get_all":           {"cgsnapshot:get_all", "rule:default", "consistency_groups.rego", "GET /v2/cgsnapshots"},
		"share:list_by_host":           {"share:list_by_host", "rule:context_is_admin", "shares.rego", "GET /v2/shares [gates host]"},
		"share_backup:get_all_project": {"share_backup:get_all_project", "rule:context_is_admin", "share_backups.rego", "GET /v2/share-backups [gates all_projects, all_tenants]"},
		"share_backup:restore": {"share_backup:restore", "(rule:context_is_admin) or (rule:project-member)", "share_backups.rego",
			"POST /v2/share-backups/{backup_id}/action (restore)"},
	}
	for name, w := range want {
		if !slices.Equal(rows[name], w) {
			t.Errorf("row %s = %q, want %q", name, rows[name], w)
		}
	}
	// A second operation of a rule is on the next line, under OPERATIONS.
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "share:get_all ") })
	if next := lines[i+1]; strings.TrimSpace(next) != "GET /v2/shares/detail" || strings.Index(next, "GET") != strings.Index(lines[1], "OPERATIONS") {
		t.Errorf("line after share:get_all: %q", next)
	}
	e := newDefaultEngine(t)
	if len(names) != len(e.Rules()) {
		t.Errorf("%d rules listed, want %d", len(names), len(e.Rules()))
	}
}

func newDefaultEngine(t *testing.T) *policy.Engine {
	t.Helper()
	e, err := policy.NewEngine(t.Context(), mustLoadPolicy(t, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type listedJSON struct {
	PolicyHash string `json:"policy_hash"`
	PolicyDir  string `json:"policy_dir"`
	Rules      []struct {
		Name        string `json:"name"`
		CheckString string `json:"check_string"`
		Class       string `json:"class"`
		Rego        string `json:"rego"`
		File        string `json:"file"`
		Origin      string `json:"origin"`
		Override    bool   `json:"override"`
		Missing     bool   `json:"missing"`
		Default     *struct {
			CheckString string `json:"check_string"`
			File        string `json:"file"`
		} `json:"default"`
		Operations []operation `json:"operations"`
	} `json:"rules"`
}

func TestPolicyListJSONWithOverridesAndMissingRules(t *testing.T) {
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "override.rego"), "package manila.rules\n\nimport data.manila.base\n\n"+
		"# METADATA\n# custom:\n#   check_string: role:storage_admin\noverride[\"share:create\"] := \"storage_admin\" in input.caller.roles\n")
	// A copy of share_types.rego without share_type:index: its operation
	// has no rule any more.
	src, err := readFS(policy.DefaultFS(), "share_types.rego")
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, filepath.Join(dir, "share_types.rego"), strings.Replace(src, `rule["share_type:index"] := base.admin_or_project_reader`, "", 1))
	code, out, errOut := policyCmd(t, map[string]string{"MANILITE_POLICY_DIR": dir}, "list", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got listedJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.PolicyHash != dirHash(t, dir) || got.PolicyDir != dir {
		t.Errorf("hash %s dir %s", got.PolicyHash, got.PolicyDir)
	}
	found := 0
	for _, r := range got.Rules {
		switch r.Name {
		case "share:create":
			found++
			if !r.Override || r.CheckString != "role:storage_admin" || r.File != "override.rego" || r.Origin != filepath.Join(dir, "override.rego") ||
				r.Default == nil || r.Default.CheckString != "(rule:context_is_admin) or (rule:project-member)" || r.Default.File != "shares.rego" ||
				!reflect.DeepEqual(r.Operations, []operation{{Method: "POST", Path: "/v2/shares"}}) {
				t.Errorf("share:create: %+v", r)
			}
		case "share_type:index":
			found++
			if !r.Missing || r.File != "" || !reflect.DeepEqual(r.Operations, []operation{{Method: "GET", Path: "/v2/types"}}) {
				t.Errorf("share_type:index: %+v", r)
			}
		case "share:get":
			found++
			if r.Override || r.Class != policy.ClassReader || r.Origin != policy.OriginEmbedded || r.Rego != `rule["share:get"] := base.admin_or_project_reader` {
				t.Errorf("share:get: %+v", r)
			}
		}
	}
	if found != 3 {
		t.Errorf("found %d of the 3 rules looked for", found)
	}

	code, out, _ = policyCmd(t, nil, "list", "--policy-dir", dir)
	if code != 0 {
		t.Fatal(code)
	}
	for _, frag := range []string{
		"share:create ", "role:storage_admin", "override.rego (override)",
		"  replaces: (rule:context_is_admin) or (rule:project-member)",
		"share_type:index ", "(no rule: refused)",
	} {
		if !strings.Contains(out, frag) {
			t.Errorf("text list lacks %q:\n%s", frag, out)
		}
	}
}

func TestPolicyEval(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		code  int
		lines []string // lines the output must hold
	}{
		{"member creates", []string{"--action", "share:create", "--caller", "alice:p1:Member,reader"}, 0, []string{
			"share:create: ALLOWED",
			"  rule:              share:create (default, shares.rego)",
			`  rego:              rule["share:create"] := base.admin_or_project_member`,
			"  check string:      (rule:context_is_admin) or (rule:project-member)",
			"  value:             true",
			"  why:               base.admin_or_project_member is true for this input",
			"  true base rules:   admin_or_owner, admin_or_project_member, admin_or_project_reader, owner_user, project_member, project_reader, same_project",
			"  false base rules:  admin_api, admin_or_service_api, context_is_admin, project_admin",
		}},
		{"reader cannot delete", []string{"--action", "share:delete", "--caller", "bob:p1:reader"}, 1, []string{
			"share:delete: DENIED",
			"  value:             false",
			"  why:               base.admin_or_project_member is false for this input",
			"  true base rules:   admin_or_owner, admin_or_project_reader, owner_user, project_reader, same_project",
		}},
		{"another project's target", []string{"--action", "share:get", "--caller", "carol:p2:member,reader", "--target", "p1:u1",
			"--field", "is_public=true", "--field", "size=3", "--field", "name=web", "--method", "GET", "--path", "/v2/shares/x", "--microversion", "2.65"}, 1, []string{
			"share:get: DENIED",
			`  input:             {"action":"share:get","caller":{"is_admin":false,"project_id":"p2","roles":["member","reader"],"scope":"project","user_id":"carol"},` +
				`"request":{"method":"GET","microversion":"2.65","path":"/v2/shares/x"},"target":{"is_public":true,"name":"web","project_id":"p1","size":3,"user_id":"u1"}}`,
		}},
		{"system-scoped admin", []string{"--action", "share:reset_status", "--caller", "root::admin", "--scope", "system"}, 1, []string{
			"share:reset_status: DENIED",
			"  value:             true",
			"  why:               the token is system-scoped: Manila registers every rule with scope_types=['project'], so the rule is not applied",
		}},
		{"no such rule", []string{"--action", "share:frobnicate", "--caller", "root:p9:admin"}, 1, []string{
			"share:frobnicate: DENIED",
			`  why:               no rule named "share:frobnicate" in the set in force: an action without a rule is refused`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := policyCmd(t, nil, append([]string{"eval"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			have := strings.Split(out, "\n")
			for _, l := range tc.lines {
				if !slices.Contains(have, l) {
					t.Errorf("output lacks the line\n%q\n%s", l, out)
				}
			}
		})
	}

	// JSON, with an override in a policy folder.
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "o.rego"), "package manila.rules\n\noverride[\"share:get\"] := input.target.is_public == true\n")
	code, out, _ := policyCmd(t, nil, "eval", "--policy-dir", dir, "--format", "json", "--action", "share:get", "--caller", "x:p2:reader", "--target", "p1", "--field", "is_public=true")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
		t.Fatalf("exit %d: %v\n%s", code, err, out)
	}
	rule := got["rule"].(map[string]any)
	if got["allowed"] != true || got["value"] != true || rule["override"] != true || rule["file"] != "o.rego" || got["policy_hash"] != dirHash(t, dir) {
		t.Errorf("json eval %v", got)
	}

	// Usage errors: exit 2.
	for _, args := range [][]string{
		{}, {"--caller", "a:b"}, {"--action", "share:get"}, {"--action", "share:get", "--caller", "nocolon"},
		{"--action", "share:get", "--caller", "a:b", "--scope", "galaxy"}, {"--action", "share:get", "--caller", "a:b", "--field", "novalue"},
		{"--action", "share:get", "--caller", "a:b", "extra"}, {"--nope"}, {"--action", "share:get", "--caller", "a:b", "--format", "xml"},
	} {
		if code, out, _ := policyCmd(t, nil, append([]string{"eval"}, args...)...); code != 2 || out != "" {
			t.Errorf("eval %q: exit %d, want 2 (%s)", args, code, out)
		}
	}
	if code, _, _ := policyCmd(t, nil, "eval", "--policy-dir", filepath.Join(dir, "missing"), "--action", "share:get", "--caller", "a:b"); code != 1 {
		t.Errorf("a missing policy folder: exit %d, want 1", code)
	}
}

func TestPolicyCheck(t *testing.T) {
	code, out, _ := policyCmd(t, nil, "check")
	if code != 0 || !strings.HasSuffix(out, "\nOK\n") {
		t.Fatalf("check of the defaults: exit %d\n%s", code, out)
	}
	n := len(newDefaultEngine(t).Rules())
	for _, l := range []string{
		"policy set: embedded defaults (hash " + dirHash(t, "") + ")",
		"rule coverage: " + strconv.Itoa(n) + "/" + strconv.Itoa(n) + " rules and overrides evaluated by a test (100.0%); line coverage 100.0%",
	} {
		if !strings.Contains(out, l+"\n") {
			t.Errorf("check output lacks %q:\n%s", l, out)
		}
	}
	if !regexp.MustCompile(`(?m)^tests: (\d{3,}) run, (\d{3,}) passed, 0 failed$`).MatchString(out) {
		t.Errorf("no test count:\n%s", out)
	}

	// An override without a test, and an edited rule whose tests fail.
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "override.rego"), "package manila.rules\n\noverride[\"share:delete\"] := false\n")
	code, out, _ = policyCmd(t, nil, "check", "--policy-dir", dir)
	embedded, err := fileNames(policy.DefaultFS())
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || !strings.Contains(out, "not covered: override[\"share:delete\"] (override.rego)\n") ||
		!strings.Contains(out, "files: "+strconv.Itoa(len(embedded)+1)+"; from "+dir+": replacing embedded files: (none); added: override.rego\n") {
		t.Errorf("an untested override: exit %d\n%s", code, out)
	}
	if code, out, _ = policyCmd(t, nil, "check", "--policy-dir", dir, "--min-coverage", "100"); code != 1 ||
		!strings.Contains(out, "FAIL: rule coverage") || !strings.HasSuffix(out, "\nFAIL\n") {
		t.Errorf("--min-coverage 100: exit %d\n%s", code, out)
	}
	src, err := readFS(policy.DefaultFS(), "shares.rego")
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, filepath.Join(dir, "shares.rego"), strings.Replace(src, `rule["share:get"] := base.admin_or_project_reader`, `rule["share:get"] := base.context_is_admin`, 1))
	code, out, _ = policyCmd(t, nil, "check", "--policy-dir", dir)
	if code != 1 || !strings.Contains(out, "FAIL manila.rules_test.test_share_get_allowed_for_project_reader (shares_test.rego): failed\n") ||
		!strings.Contains(out, "replacing embedded files: shares.rego; added: override.rego") || !strings.HasSuffix(out, "\nFAIL\n") {
		t.Errorf("failing tests: exit %d\n%s", code, out)
	}
	// A set that does not compile.
	writeAtomic(t, filepath.Join(dir, "shares.rego"), src)
	writeAtomic(t, filepath.Join(dir, "dup.rego"), "package manila.rules\n\nrule[\"share:get\"] := true\n")
	if code, out, _ = policyCmd(t, nil, "check", "--policy-dir", dir); code != 1 || !strings.Contains(out, `FAIL: policy: rule["share:get"] is defined in both dup.rego and shares.rego`) {
		t.Errorf("duplicate rule: exit %d\n%s", code, out)
	}
	writeAtomic(t, filepath.Join(dir, "dup.rego"), "package manila.rules\n\nrule[\n")
	if code, _, errOut := policyCmd(t, nil, "check", "--policy-dir", dir); code != 1 || !strings.Contains(errOut, "dup.rego") {
		t.Errorf("syntax error: exit %d %s", code, errOut)
	}
	if code, _, _ := policyCmd(t, nil, "check", "extra"); code != 2 {
		t.Errorf("extra argument: exit %d", code)
	}
}

func TestPolicyImportCommand(t *testing.T) {
	dir := t.TempDir()
	yaml := filepath.Join(t.TempDir(), "policy.yaml")
	writeAtomic(t, yaml, `# Overrides of a Manila deployment.
"share:create": "role:admin or (role:member and project_id:%(project_id)s and not role:suspended)"
"share_type:index": "rule:admin_or_owner"
"no_such_resource:create": "role:admin"
`)
	// Unknown rules fail the import, with their line, and nothing is written.
	out := filepath.Join(dir, "override.rego")
	code, stdout, errOut := policyCmd(t, nil, "import", yaml, "-o", out, "--policy-dir", dir)
	if code != 1 || stdout != "" || !strings.Contains(errOut, "line 4: no_such_resource:create: manilite has no rule of that name") {
		t.Fatalf("unknown rule: exit %d\n%s%s", code, stdout, errOut)
	}
	if fileExists(out) {
		t.Fatal("a failed import wrote its file")
	}
	code, stdout, errOut = policyCmd(t, nil, "import", yaml, "-o", out, "--policy-dir", dir, "--skip-unknown")
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d\n%s%s", code, stdout, errOut)
	}
	for _, l := range []string{
		`warning: line 4: skipped "no_such_resource:create": manilite has no rule of that name`,
		"wrote " + out + ": 2 override(s): share:create, share_type:index",
	} {
		if !strings.Contains(errOut, l+"\n") {
			t.Errorf("stderr lacks %q:\n%s", l, errOut)
		}
	}
	// Standard output without -o: the same Rego.
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if code, stdout, _ = policyCmd(t, nil, "import", yaml, "--skip-unknown"); code != 0 || stdout != string(written) {
		t.Errorf("stdout import differs (exit %d):\n%s\nvs\n%s", code, stdout, written)
	}

	// The server runs the overrides on top of the defaults.
	ts := startServer(t, func(o *options) { o.PolicyDir = dir })
	ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, body: newShareBody}).expectStatus(t, 200)
	ts.do(t, req{method: "POST", path: "/v2/shares", token: "susan:" + projA + ":member,reader,suspended", body: newShareBody}).
		expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	ts.do(t, req{method: "GET", path: "/v2/types", token: "nobody:" + projA + ":"}).expectStatus(t, 200) // rule:admin_or_owner
	ts.do(t, req{method: "GET", path: "/v2/shares", token: "nobody:" + projA + ":"}).expectFault(t, 403, "forbidden", "Access was denied to this resource.")

	// An unparsable check string: the line, exit 1, the file left as it was.
	writeAtomic(t, yaml, "\"share:create\": \"role:admin\"\n\n\"share:get\": \"role:admin and (\"\n")
	code, _, errOut = policyCmd(t, nil, "import", yaml, "-o", out, "--policy-dir", dir)
	if code != 1 || !strings.Contains(errOut, `line 3: share:get: cannot parse "role:admin and ("`) {
		t.Errorf("parse error: exit %d %s", code, errOut)
	}
	if now, _ := os.ReadFile(out); string(now) != string(written) {
		t.Error("a failed import changed the existing file")
	}
	for _, args := range [][]string{{"import"}, {"import", "a.yaml", "b.yaml"}} {
		if code, _, _ := policyCmd(t, nil, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if code, _, _ := policyCmd(t, nil, "import", filepath.Join(dir, "missing.yaml")); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}

func TestPolicyExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "policy")
	code, out, errOut := policyCmd(t, nil, "export", dir)
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	files := mustLoadPolicy(t, "").Files()
	if out != "wrote "+strconv.Itoa(len(files))+" files to "+dir+"\n" {
		t.Errorf("output %q", out)
	}
	for _, f := range files {
		want, _ := readFS(policy.DefaultFS(), f)
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || string(got) != want {
			t.Errorf("%s: %v", f, err)
		}
	}
	if dirHash(t, dir) != dirHash(t, "") {
		t.Error("the exported folder is not the embedded set")
	}
	writeAtomic(t, filepath.Join(dir, "shares.rego"), "package manila.rules\n")
	if code, _, errOut := policyCmd(t, nil, "export", dir); code != 1 || !strings.Contains(errOut, "exists (--force overwrites)") {
		t.Errorf("export over files: exit %d %s", code, errOut)
	}
	if code, _, _ := policyCmd(t, nil, "export", "--force", dir); code != 0 || dirHash(t, dir) != dirHash(t, "") {
		t.Errorf("export --force: exit %d", code)
	}
}

func TestPolicyUsage(t *testing.T) {
	if code, _, errOut := policyCmd(t, nil); code != 2 || !strings.Contains(errOut, "manilite policy list") {
		t.Errorf("no command: exit %d %s", code, errOut)
	}
	if code, out, _ := policyCmd(t, nil, "help"); code != 0 || !strings.Contains(out, "manilite policy import POLICY.yaml") {
		t.Errorf("help: exit %d %s", code, out)
	}
	for _, cmd := range []string{"list", "eval", "check", "import", "export"} {
		if code, _, errOut := policyCmd(t, nil, cmd, "-h"); code != 0 || !strings.Contains(errOut, "usage:") {
			t.Errorf("%s -h: exit %d %s", cmd, code, errOut)
		}
	}
	if code, _, _ := policyCmd(t, nil, "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
	var out, errOut strings.Builder
	if code := run(t.Context(), []string{"help"}, func(string) string { return "" }, &out, &errOut); code != 0 || !strings.Contains(out.String(), "manilite policy ...") {
		t.Errorf("manilite help does not mention policy: %s", out.String())
	}
}

// policy eval computes is_admin through the rule context_is_admin, as the
// server does once per request.
func TestPolicyEvalIsAdminFromTheRule(t *testing.T) {
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "admin.rego"), "package manila.rules\n\noverride[\"context_is_admin\"] if \"cloud_admin\" in input.caller.roles\n")
	for _, tc := range []struct {
		roles   string
		code    int
		isAdmin bool
	}{{"cloud_admin", 0, true}, {"admin,member,reader", 1, false}} {
		code, out, errOut := policyCmd(t, nil, "eval", "--policy-dir", dir, "--action", "consistency_group:reset_status",
			"--caller", "u1:p1:"+tc.roles, "--format", "json")
		var got struct {
			Allowed bool
			Input   struct{ Caller map[string]any }
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s %s", err, out, errOut)
		}
		if code != tc.code || got.Allowed != (tc.code == 0) || got.Input.Caller["is_admin"] != tc.isAdmin {
			t.Errorf("roles %s: exit %d, %+v; want exit %d, is_admin %v", tc.roles, code, got, tc.code, tc.isAdmin)
		}
	}
}
