package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/manilite/manilite/policy"
)

// exportDefaults writes the embedded rules and tests into a new folder, as
// `manilite policy export` does, and returns it.
func exportDefaults(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var out, errOut strings.Builder
	if code := runPolicy(t.Context(), []string{"export", dir}, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatalf("policy export: %d %s", code, errOut.String())
	}
	return dir
}

// logRecords parses the JSON log lines written so far.
func logRecords(logs *logBuffer) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// waitLog waits for a log record with msg for which match holds.
func waitLog(t *testing.T, logs *logBuffer, timeout time.Duration, msg string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	var found map[string]any
	waitFor(t, timeout, "log line "+msg, func() bool {
		for _, r := range logRecords(logs) {
			if r["msg"] == msg && (match == nil || match(r)) {
				found = r
				return true
			}
		}
		return false
	})
	return found
}

func countLog(logs *logBuffer, msg string) int {
	n := 0
	for _, r := range logRecords(logs) {
		if r["msg"] == msg {
			n++
		}
	}
	return n
}

// reloadWait bounds the wait for a reload to take effect (or be refused).
// It is a deadline for a stuck reload, not a speed requirement.
const reloadWait = 2 * time.Minute

func writeAtomic(t *testing.T, path, src string) {
	t.Helper()
	if err := writeFileAtomic(path, []byte(src)); err != nil {
		t.Fatal(err)
	}
}

func healthHash(t *testing.T, ts *testServer) string {
	t.Helper()
	return ts.do(t, req{method: "GET", path: "/healthz"}).expectStatus(t, 200).json(t)["policy_hash"].(string)
}

func dirHash(t *testing.T, dir string) string {
	t.Helper()
	set, err := policy.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return set.Hash()
}

var newShareBody = map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1}}

func memberCreateStatus(t *testing.T, ts *testServer) int {
	t.Helper()
	return ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, body: newShareBody}).status
}

// The server watches --policy-dir: a change is in force for the next
// request, a broken change is refused and changes nothing, a fix is taken.
func TestPolicyHotReload(t *testing.T) {
	dir := exportDefaults(t)
	// Waiting for the reload creates a share per poll: without quotas, a
	// slow reload cannot run the project out of shares.
	ts := startServer(t, func(o *options) {
		o.PolicyDir, o.PolicyWatch = dir, true
		o.Quotas["shares"], o.Quotas["gigabytes"] = -1, -1
	})
	start := healthHash(t, ts)
	if embedded := dirHash(t, ""); start != embedded {
		t.Fatalf("a folder holding copies of the defaults: hash %s, want the embedded set's %s", start, embedded)
	}
	loaded := waitLog(t, ts.logs, time.Second, "policy loaded", nil)
	if loaded["policy_hash"] != start || loaded["policy_dir"] != dir || loaded["tests"].(float64) < 400 {
		t.Fatalf("start-up log %v", loaded)
	}
	if got := memberCreateStatus(t, ts); got != 200 {
		t.Fatalf("member create before the change: %d", got)
	}

	// 1. share:create becomes admin-only, through an override.
	writeAtomic(t, filepath.Join(dir, "override.rego"),
		"package manila.rules\n\nimport data.manila.base\n\noverride[\"share:create\"] := base.context_is_admin\n")
	changed := time.Now()
	// A reload runs the set's Rego tests first: on a loaded machine under
	// the race detector that takes seconds, so the test waits for the new
	// set to be in force rather than timing it.
	waitFor(t, reloadWait, "the member's create to be refused", func() bool { return memberCreateStatus(t, ts) == 403 })
	t.Logf("the change was in force %v after the write", time.Since(changed).Round(time.Millisecond))
	adminOnly := healthHash(t, ts)
	if adminOnly == start || adminOnly != dirHash(t, dir) {
		t.Fatalf("healthz hash %s after the change, want %s (before: %s)", adminOnly, dirHash(t, dir), start)
	}
	rec := waitLog(t, ts.logs, time.Second, "policy reloaded", func(r map[string]any) bool { return r["policy_hash"] == adminOnly })
	if rec["previous_hash"] != start || rec["trigger"] != "file change" || rec["from_dir"] == "" {
		t.Errorf("reload log %v", rec)
	}
	ts.do(t, req{method: "POST", path: "/v2/shares", token: tokAdmin, body: newShareBody}).expectStatus(t, 200)

	// 2. A file that does not parse: refused, the set in force stays.
	refusals := countLog(ts.logs, "policy reload refused: the policy in force stays")
	writeAtomic(t, filepath.Join(dir, "broken.rego"), "package manila.rules\n\noverride[\"share:delete\"] := \n")
	rec = waitLog(t, ts.logs, reloadWait, "policy reload refused: the policy in force stays", func(r map[string]any) bool {
		return strings.Contains(r["error"].(string), "broken.rego")
	})
	if rec["level"] != "ERROR" || rec["policy_hash"] != adminOnly {
		t.Errorf("refusal log %v", rec)
	}
	// 3. A rule changed without its tests: refused, with the failing test.
	shares := filepath.Join(dir, "shares.rego")
	orig, err := os.ReadFile(shares)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "broken.rego")); err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, shares, strings.Replace(string(orig), `rule["share:get"] := base.admin_or_project_reader`, `rule["share:get"] := base.context_is_admin`, 1))
	rec = waitLog(t, ts.logs, reloadWait, "policy reload refused: the policy in force stays", func(r map[string]any) bool {
		return strings.Contains(r["error"].(string), "test_share_get_allowed_for_project_reader")
	})
	if rec["candidate_hash"] == adminOnly || rec["policy_hash"] != adminOnly {
		t.Errorf("refusal log %v", rec)
	}
	if n := countLog(ts.logs, "policy reload refused: the policy in force stays"); n < refusals+2 {
		t.Errorf("%d refusals logged, want at least %d", n, refusals+2)
	}
	if got := healthHash(t, ts); got != adminOnly {
		t.Fatalf("healthz hash %s after refused changes, want %s", got, adminOnly)
	}
	if got := memberCreateStatus(t, ts); got != 403 {
		t.Fatalf("member create after refused changes: %d, want 403", got)
	}
	ts.do(t, req{method: "GET", path: "/v2/shares", token: tokReader}).expectStatus(t, 200)

	// 4. The fix: shares.rego back, and a valid second override.
	writeAtomic(t, shares, string(orig))
	writeAtomic(t, filepath.Join(dir, "more.rego"),
		"package manila.rules\n\nimport data.manila.base\n\noverride[\"share:get_all\"] := base.context_is_admin\n")
	waitFor(t, reloadWait, "the fixed set to be in force", func() bool { return healthHash(t, ts) == dirHash(t, dir) })
	fixed := healthHash(t, ts)
	if fixed == adminOnly || fixed == start {
		t.Fatalf("hash after the fix %s: not new", fixed)
	}
	ts.do(t, req{method: "GET", path: "/v2/shares", token: tokReader}).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	if got := memberCreateStatus(t, ts); got != 403 {
		t.Fatalf("member create after the fix: %d, want 403", got)
	}
}

// Editors and tools write several files, or the same file several times,
// in a burst: one reload follows, of the end state.
func TestPolicyReloadDebounces(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, func(o *options) { o.PolicyDir = dir; o.PolicyWatch = true })
	before := countLog(ts.logs, "policy reloaded")
	for i := range 5 {
		writeAtomic(t, filepath.Join(dir, "override.rego"),
			"package manila.rules\n\noverride[\"share:create\"] := "+map[bool]string{true: "true", false: "false"}[i%2 == 1]+"\n")
		time.Sleep(5 * time.Millisecond)
	}
	waitFor(t, reloadWait, "the reload", func() bool { return healthHash(t, ts) == dirHash(t, dir) })
	time.Sleep(3 * policyDebounce)
	if n := countLog(ts.logs, "policy reloaded") - before; n != 1 {
		t.Errorf("%d reloads for one burst of writes, want 1", n)
	}
	if got := memberCreateStatus(t, ts); got != 403 { // the last write: false
		t.Errorf("member create: %d, want 403", got)
	}
}

// SIGHUP reloads --policy-dir in the real binary; without a watch, a
// change waits for it. A broken set on SIGHUP is refused and the process
// runs on.
func TestPolicyReloadOnSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ts := &testServer{t: t, dir: t.TempDir()}
	ts.opts = testOptions(ts.dir)
	dir := t.TempDir()
	p := startProcess(t, ts, "--policy-dir", dir, "--policy-watch=false")
	start := healthHash(t, p.server)
	if got := memberCreateStatus(t, p.server); got != 200 {
		t.Fatalf("member create: %d", got)
	}

	writeAtomic(t, filepath.Join(dir, "override.rego"),
		"package manila.rules\n\nimport data.manila.base\n\noverride[\"share:create\"] := base.context_is_admin\n")
	time.Sleep(3 * policyDebounce)
	if got := healthHash(t, p.server); got != start {
		t.Fatalf("the policy changed without a watch or SIGHUP: %s", got)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// Wait for the new set by its hash, not by polling creates: each
	// allowed create would use up the project's share quota.
	want := dirHash(t, dir)
	waitFor(t, reloadWait, "the new policy to be in force", func() bool { return healthHash(t, p.server) == want })
	if got := memberCreateStatus(t, p.server); got != 403 {
		t.Fatalf("member create after SIGHUP: %d, want 403", got)
	}
	rec := waitLog(t, p.logs, time.Second, "policy reloaded", func(r map[string]any) bool { return r["trigger"] == "SIGHUP" })
	if rec["policy_hash"] != want || rec["previous_hash"] != start {
		t.Errorf("reload log %v", rec)
	}

	writeAtomic(t, filepath.Join(dir, "broken.rego"), "package manila.rules\n\nrule[\n")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, p.logs, reloadWait, "policy reload refused: the policy in force stays", func(r map[string]any) bool {
		return r["trigger"] == "SIGHUP" && strings.Contains(r["error"].(string), "broken.rego")
	})
	if got := healthHash(t, p.server); got != want {
		t.Fatalf("healthz hash %s after a refused SIGHUP, want %s", got, want)
	}
	if got := memberCreateStatus(t, p.server); got != 403 {
		t.Fatalf("member create after a refused reload: %d", got)
	}
	select {
	case err := <-p.exited:
		t.Fatalf("the server exited on SIGHUP: %v", err)
	default:
	}
}

// A folder whose tests fail stops the server from starting, with the
// reason; so does an unknown decision log level.
func TestServeRefusesAFailingPolicyDir(t *testing.T) {
	dir := exportDefaults(t)
	src, err := os.ReadFile(filepath.Join(dir, "share_types.rego"))
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, filepath.Join(dir, "share_types.rego"),
		strings.Replace(string(src), `rule["share_type:create"] := base.context_is_admin`, `rule["share_type:create"] := true`, 1))
	o := testOptions(t.TempDir())
	o.PolicyDir = dir
	if _, err := newApp(t.Context(), o, quietLogger()); err == nil || !strings.Contains(err.Error(), "test_share_type_create_denied_for_project_member") {
		t.Fatalf("newApp = %v, want the failing test named", err)
	}
	o = testOptions(t.TempDir())
	o.PolicyDecisionLogLevel = "loud"
	if _, err := newApp(t.Context(), o, quietLogger()); err == nil || !strings.Contains(err.Error(), "--policy-decision-log-level") {
		t.Fatalf("newApp = %v, want the bad level named", err)
	}
}

// --policy-decision-log-level info puts every decision in the log.
func TestPolicyDecisionLogLevel(t *testing.T) {
	ts := startServer(t, func(o *options) { o.PolicyDecisionLogLevel = "info" })
	ts.do(t, req{method: "GET", path: "/v2/shares", token: tokReader}).expectStatus(t, 200)
	rec := waitLog(t, ts.logs, time.Second, "policy decision", func(r map[string]any) bool { return r["action"] == "share:get_all" })
	if rec["level"] != "INFO" || rec["allowed"] != true || rec["user"] != "reader-user" || rec["project"] != projA ||
		rec["policy_hash"] != healthHash(t, ts) || rec["scope"] != "project" {
		t.Errorf("decision log %v", rec)
	}
	ts2 := startServer(t)
	ts2.do(t, req{method: "GET", path: "/v2/shares", token: tokReader}).expectStatus(t, 200)
	rec = waitLog(t, ts2.logs, time.Second, "policy decision", nil)
	if rec["level"] != "DEBUG" {
		t.Errorf("default decision log level %v", rec["level"])
	}
}
