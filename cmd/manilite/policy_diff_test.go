package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/manilite/manilite/impl"
)

// diffSize is the summary line's decision count for the embedded set (and
// any set that defines the same rules).
func diffSize(t *testing.T) (rules int, line string) {
	t.Helper()
	n := len(newDefaultEngine(t).Rules())
	total := n * len(callerClasses)
	return n, strconv.Itoa(total) + " decisions flip (" + strconv.Itoa(n) + " rules x 7 caller classes)"
}

func TestPolicyDiffNothingFlips(t *testing.T) {
	_, size := diffSize(t)
	code, out, errOut := policyCmd(t, nil, "diff")
	hash := dirHash(t, "")
	want := "# old: embedded defaults (hash " + hash + ")\n# new: embedded defaults (hash " + hash + ")\n0 of " + size + "\n"
	if code != 0 || out != want || errOut != "" {
		t.Errorf("diff of the defaults: exit %d\n%s\nwant\n%s\nstderr %s", code, out, want, errOut)
	}
	// A folder that changes nothing the rules decide flips nothing.
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "same.rego"), "package manila.rules\n\nimport data.manila.base\n\noverride[\"share:get\"] := base.admin_or_project_reader\n")
	if code, out, _ := policyCmd(t, map[string]string{"MANILITE_POLICY_DIR": dir}, "diff"); code != 0 || !strings.HasSuffix(out, "\n0 of "+size+"\n") {
		t.Errorf("an override equal to the default: exit %d\n%s", code, out)
	}
}

func TestPolicyDiffChangedRule(t *testing.T) {
	_, size := diffSize(t)
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "override.rego"), "package manila.rules\n\nimport data.manila.base\n\noverride[\"share:delete\"] := base.context_is_admin\n")
	code, out, _ := policyCmd(t, nil, "diff", "--policy-dir", dir)
	want := "# old: embedded defaults (hash " + dirHash(t, "") + ")\n" +
		"# new: embedded defaults with " + dir + " laid over them (hash " + dirHash(t, dir) + ")\n" +
		"RULE          CALLER  OLD -> NEW         OPERATIONS\n" +
		"share:delete  member  allowed -> denied  DELETE /v2/shares/{share_id}\n" +
		"1 of " + size + "\n"
	if code != 1 || out != want {
		t.Errorf("exit %d\n%s\nwant exit 1\n%s", code, out, want)
	}

	// --against names the old set: the same change, the other way round.
	empty := t.TempDir()
	code, out, _ = policyCmd(t, nil, "diff", "--policy-dir", empty, "--against", dir, "--format", "json")
	var got struct {
		Old, New  map[string]string
		Decisions int
		Flips     []flip
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantFlip := flip{Rule: "share:delete", Caller: "member", Old: "denied", New: "allowed",
		Operations: []operation{{Method: "DELETE", Path: "/v2/shares/{share_id}"}}}
	if code != 1 || len(got.Flips) != 1 || got.Flips[0].Rule != wantFlip.Rule || got.Flips[0].Caller != wantFlip.Caller ||
		got.Flips[0].Old != wantFlip.Old || got.Flips[0].New != wantFlip.New || len(got.Flips[0].Operations) != 1 ||
		got.Flips[0].Operations[0].String() != wantFlip.Operations[0].String() ||
		got.Old["policy_dir"] != dir || got.New["policy_dir"] != empty || got.Old["policy_hash"] != dirHash(t, dir) {
		t.Errorf("--against, json: exit %d, %+v", code, got)
	}
}

// A change of context_is_admin is a change of who is admin: the diff says
// so, and the rules built on is_admin:True flip with it.
func TestPolicyDiffContextIsAdmin(t *testing.T) {
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "admin.rego"), "package manila.rules\n\noverride[\"context_is_admin\"] := false\n")
	code, out, _ := policyCmd(t, nil, "diff", "--policy-dir", dir)
	for _, l := range []string{
		"context_is_admin                admin   allowed -> denied  every operation: who is admin\n",
		"consistency_group:force_delete  admin   allowed -> denied  POST /v2/consistency-groups/{consistency_group_id}/action (force_delete, os-force_delete)\n",
		"context_is_admin flips for admin: is_admin changes for them everywhere: is_admin:True rules, project scoping of every lookup, admin-only fields and filters, all_tenants\n",
	} {
		if !strings.Contains(out, l) {
			t.Errorf("output lacks %q", l)
		}
	}
	// share:force_delete is base.context_is_admin, the role check: it does
	// not follow an override of the rule (policy import rewrites it).
	if code != 1 || strings.Contains(out, "share:force_delete") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

func TestPolicyDiffUsage(t *testing.T) {
	for _, args := range [][]string{{"diff", "extra"}, {"diff", "--format", "yaml"}, {"diff", "--nope"}} {
		if code, _, _ := policyCmd(t, nil, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if code, _, errOut := policyCmd(t, nil, "diff", "--against", filepath.Join(t.TempDir(), "missing")); code != 1 || !strings.Contains(errOut, "--against") {
		t.Errorf("a missing --against folder: exit %d, %s", code, errOut)
	}
}

// testSpecInfo reads a spec whose operations' handlers check further rules.
const checksSpec = `openapi: 3.0.3
info: {title: t, version: "1", x-manila-min-version: "2.0", x-manila-max-version: "2.90"}
paths:
  /v2/share-backups:
    post:
      operationId: createShareBackup
      x-manila-min-version: "2.80"
      x-manila-experimental: true
      x-manila-policy: share_backup:create
      x-manila-policy-checks: [share:get]
      responses: {"202": {description: ok}}
  /v2/share-backups/{backup_id}/action:
    post:
      operationId: shareBackupAction
      x-manila-min-version: "2.80"
      x-manila-experimental: true
      parameters: [{name: backup_id, in: path, required: true, schema: {type: string}}]
      x-manila-actions:
        restore: {x-manila-min-version: "2.80", x-manila-experimental: true, x-manila-policy: share_backup:restore, x-manila-handler: restore, x-manila-policy-checks: [share:get, share:update]}
      responses: {"202": {description: ok}}
components:
  schemas:
    Fault: {type: object, x-manila-fault-names: {default: computeFault}}
`

func TestPolicyListShowsHandlerChecks(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(checksSpec))
	if err != nil {
		t.Fatal(err)
	}
	info, err := impl.ReadSpecInfo(doc)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	e := newDefaultEngine(t)
	if err := writeRuleList(&out, e, "", "text", operationsByRule(info)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	fields := func(l string) []string { return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(l), -1) }
	row := func(name string) (int, []string) {
		for i, l := range lines {
			if f := fields(l); f[0] == name {
				return i, f
			}
		}
		return -1, nil
	}
	for name, want := range map[string][]string{
		"share:get":            {"share:get", "(rule:context_is_admin) or (rule:project-reader)", "shares.rego", "POST /v2/share-backups [checked in the handler]"},
		"share:update":         {"share:update", "(rule:context_is_admin) or (rule:project-member)", "shares.rego", "POST /v2/share-backups/{backup_id}/action (restore) [checked in the handler]"},
		"share_backup:restore": {"share_backup:restore", "(rule:context_is_admin) or (rule:project-member)", "share_backups.rego", "POST /v2/share-backups/{backup_id}/action (restore)"},
		"share_backup:create":  {"share_backup:create", "(rule:context_is_admin) or (rule:project-member)", "share_backups.rego", "POST /v2/share-backups"},
	} {
		if _, got := row(name); !slices.Equal(got, want) {
			t.Errorf("row %s = %q, want %q", name, got, want)
		}
	}
	// share:get's second use is on the next line, under OPERATIONS.
	if i, _ := row("share:get"); i < 0 || strings.TrimSpace(lines[i+1]) != "POST /v2/share-backups/{backup_id}/action (restore) [checked in the handler]" ||
		strings.Index(lines[i+1], "POST") != strings.Index(lines[1], "OPERATIONS") {
		t.Errorf("line after share:get: %q", lines[i+1])
	}
	if t.Failed() {
		t.Log(out.String())
	}
	// In JSON, the handler's checks are marked.
	out.Reset()
	if err := writeRuleList(&out, e, "", "json", operationsByRule(info)); err != nil {
		t.Fatal(err)
	}
	var listed struct{ Rules []listedRule }
	if err := json.Unmarshal([]byte(out.String()), &listed); err != nil {
		t.Fatal(err)
	}
	for _, r := range listed.Rules {
		if r.Name != "share:get" {
			continue
		}
		if len(r.Operations) != 2 || !r.Operations[0].InHandler || !r.Operations[1].InHandler || r.Operations[1].Actions[0] != "restore" {
			t.Errorf("share:get operations %+v", r.Operations)
		}
	}
}
