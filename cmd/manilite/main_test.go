package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/manilite/manilite/policy"
)

func TestVersionCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if want := "manilite dev\nAPI v2, microversions 2.0 to 2.99\n"; out.String() != want {
		t.Fatalf("version printed %q, want %q", out.String(), want)
	}
	if code := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, &out, &errOut); code != 2 {
		t.Fatalf("unknown command exit %d", code)
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var o options
	serveFlags(fs, &o)
	if err := fs.Parse([]string{"--listen", "127.0.0.1:9999"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"MANILITE_LISTEN":         "0.0.0.0:1", // the command line wins
		"MANILITE_DATA_DIR":       "/srv/manilite",
		"MANILITE_MIN_TRANSITION": "250ms",
		"MANILITE_AUTH":           "keystone",
	}
	if err := applyEnv(fs, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if o.Listen != "127.0.0.1:9999" || o.DataDir != "/srv/manilite" || o.MinTransition != 250*time.Millisecond || o.Auth != "keystone" {
		t.Fatalf("options %+v", o)
	}
	if o.DB != "./data/manilite.db" || o.LogLevel != "info" {
		t.Fatalf("defaults changed: db %q log %q", o.DB, o.LogLevel)
	}
	env = map[string]string{"MANILITE_WORKERS": "many"}
	if err := applyEnv(fs, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "MANILITE_WORKERS") {
		t.Fatalf("a bad value must be reported with its variable, got %v", err)
	}
}

func TestServeRefusesBadSettings(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--auth", "magic"},
		{"--auth", "keystone"}, // no Keystone URL or credentials
		{"--log-level", "loud"},
		{"--policy-dir", filepath.Join(dir, "missing")},
	} {
		var errOut bytes.Buffer
		full := append([]string{"serve", "--db", testOptions(dir).DB, "--data-dir", dir, "--listen", "127.0.0.1:0"}, args...)
		if code := run(context.Background(), full, func(string) string { return "" }, io.Discard, &errOut); code == 0 {
			t.Errorf("%v: started", args)
		}
	}
}

// The .rego files of --policy-dir are laid over the embedded set: an
// override file changes one rule; an edited copy of a default file must
// still pass the set's Rego tests, or the server refuses to start.
func TestPolicyDir(t *testing.T) {
	dir := t.TempDir()
	src, err := readFS(policy.DefaultFS(), "shares.rego")
	if err != nil {
		t.Fatal(err)
	}
	src = strings.Replace(src, `rule["share:create"] := base.admin_or_project_member`, `rule["share:create"] := base.context_is_admin`, 1)
	if err := os.WriteFile(filepath.Join(dir, "shares.rego"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	o := testOptions(t.TempDir())
	o.PolicyDir = dir
	if _, err := newApp(context.Background(), o, quietLogger()); err == nil ||
		!strings.Contains(err.Error(), "manila.rules_test.test_share_create_allowed_for_project_member (shares_test.rego): failed") {
		t.Fatalf("an edited rule whose tests fail: newApp = %v, want the failing test named", err)
	}

	// The same change as an override: the embedded tests still hold.
	if err := os.Remove(filepath.Join(dir, "shares.rego")); err != nil {
		t.Fatal(err)
	}
	override := "package manila.rules\n\nimport data.manila.base\n\noverride[\"share:create\"] := base.context_is_admin\n"
	if err := os.WriteFile(filepath.Join(dir, "override.rego"), []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, func(o *options) { o.PolicyDir = dir })
	ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1}}}).
		expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	ts.do(t, req{method: "POST", path: "/v2/shares", token: tokAdmin, body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1}}}).
		expectStatus(t, 200)
	h := ts.do(t, req{method: "GET", path: "/healthz"}).expectStatus(t, 200).json(t)
	set, err := policy.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := policy.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if h["policy_hash"] != set.Hash() || set.Hash() == embedded.Hash() {
		t.Fatalf("healthz hash %v, want %s (embedded %s)", h["policy_hash"], set.Hash(), embedded.Hash())
	}
}
