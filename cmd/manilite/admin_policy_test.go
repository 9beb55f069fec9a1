package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Who is admin is the policy's answer: with "context_is_admin":
// "role:cloud_admin" imported, a cloud_admin of another project reads
// projA's resources (with the admin-only keys) and lists all tenants, while a
// plain admin of another project gets 404 and only their own project — for
// every resource.
func TestContextIsAdminDecidesEverywhere(t *testing.T) {
	dir := t.TempDir()
	yaml := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(yaml, []byte("\"context_is_admin\": \"role:cloud_admin\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	policyDir := filepath.Join(dir, "rego")
	if err := os.MkdirAll(policyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := policyCmd(t, nil, "import", yaml, "-o", filepath.Join(policyDir, "imported.rego")); code != 0 {
		t.Fatalf("policy import: exit %d: %s", code, errOut)
	}
	ts := startServer(t, func(o *options) { o.PolicyDir = policyDir })
	const cloudAdmin = "cloud-user:" + projB + ":cloud_admin,member,reader"
	plainAdmin := tokOtherAdmin

	share := createShare(t, ts, tokMember, map[string]any{"name": "a"})
	waitShareStatus(t, ts, share, "available")
	snap := createSnapshot(t, ts, tokMember, share)
	waitSnapshotStatus(t, ts, snap, "available")
	group := createCG(t, ts, tokMember, map[string]any{"name": "g"})["id"].(string)

	shows := []struct {
		what string
		rq   func(token string) req
		key  string // the body's resource key
	}{
		{"share", func(tok string) req {
			return req{method: "GET", path: "/v2/shares/" + share, token: tok, version: "2.99"}
		}, "share"},
		{"snapshot", func(tok string) req {
			return req{method: "GET", path: "/v2/snapshots/" + snap, token: tok, version: "2.99"}
		}, "snapshot"},
		{"consistency group", func(tok string) req { return cgReq("GET", "/v2/consistency-groups/"+group, tok, nil) }, "consistency_group"},
	}
	for _, sh := range shows {
		r := ts.do(t, sh.rq(cloudAdmin)).expectStatus(t, 200)
		if _, ok := r.json(t)[sh.key]; !ok {
			t.Errorf("%s as cloud_admin: no %s key", sh.what, sh.key)
		}
		ts.do(t, sh.rq(plainAdmin)).expectStatus(t, 404)
	}
	if view := getShare(t, ts, cloudAdmin, "2.99", share); view["host"] == nil {
		t.Errorf("cloud_admin does not see the share's host: %v", view)
	}
	if view := getShare(t, ts, tokMember, "2.99", share); view["host"] != nil {
		t.Errorf("a member sees the share's host: %v", view)
	}

	lists := []struct {
		what, path string
		key        string
		rq         func(path, tok string) req
	}{
		{"shares", "/v2/shares?all_tenants=1", "shares", func(p, tok string) req { return req{method: "GET", path: p, token: tok, version: "2.99"} }},
		{"snapshots", "/v2/snapshots?all_tenants=1", "snapshots", func(p, tok string) req { return req{method: "GET", path: p, token: tok, version: "2.99"} }},
		{"consistency groups", "/v2/consistency-groups?all_tenants=1", "consistency_groups", func(p, tok string) req { return cgReq("GET", p, tok, nil) }},
	}
	for _, l := range lists {
		for _, tc := range []struct {
			token string
			want  int
		}{{cloudAdmin, 1}, {plainAdmin, 0}} {
			items := ts.do(t, l.rq(l.path, tc.token)).expectStatus(t, 200).json(t)[l.key].([]any)
			if len(items) != tc.want {
				t.Errorf("%s all_tenants as %s: %d items, want %d", l.what, strings.SplitN(tc.token, ":", 2)[0], len(items), tc.want)
			}
		}
	}

	// Backups: taken last, since a share with snapshots cannot be backed up.
	ts.do(t, req{method: "DELETE", path: "/v2/snapshots/" + snap, token: tokMember}).expectStatus(t, 202)
	waitFor(t, 10*time.Second, "snapshot gone", func() bool {
		return ts.do(t, req{method: "GET", path: "/v2/snapshots/" + snap, token: tokMember}).status == 404
	})
	backup := createBackup(t, ts, tokMember, share, nil)["id"].(string)
	r := ts.do(t, backupReq("GET", "/v2/share-backups/"+backup, cloudAdmin, nil)).expectStatus(t, 200).json(t)["share_backup"].(map[string]any)
	if _, ok := r["host"]; !ok {
		t.Errorf("cloud_admin does not see the backup's host: %v", r)
	}
	ts.do(t, backupReq("GET", "/v2/share-backups/"+backup, plainAdmin, nil)).expectStatus(t, 404)
	for _, tc := range []struct {
		token string
		want  int
	}{{cloudAdmin, 1}, {plainAdmin, 0}} {
		items := ts.do(t, backupReq("GET", "/v2/share-backups?all_tenants=1", tc.token, nil)).expectStatus(t, 200).json(t)["share_backups"].([]any)
		if len(items) != tc.want {
			t.Errorf("backups all_tenants as %s: %d, want %d", strings.SplitN(tc.token, ":", 2)[0], len(items), tc.want)
		}
	}
}
