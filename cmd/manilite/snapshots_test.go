package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func createSnapshot(t *testing.T, ts *testServer, token, shareID string) string {
	t.Helper()
	r := ts.do(t, req{method: "POST", path: "/v2/snapshots", token: token, version: "2.99",
		body: map[string]any{"snapshot": map[string]any{"share_id": shareID, "name": "snap", "force": false}}}).expectStatus(t, 202)
	return r.json(t)["snapshot"].(map[string]any)["id"].(string)
}

func waitSnapshotStatus(t *testing.T, ts *testServer, id, status string) map[string]any {
	t.Helper()
	var sn map[string]any
	waitFor(t, 10*time.Second, "snapshot "+id+" to be "+status, func() bool {
		sn = ts.do(t, req{method: "GET", path: "/v2/snapshots/" + id, token: tokAdmin, version: "2.99"}).expectStatus(t, 200).json(t)["snapshot"].(map[string]any)
		return sn["status"] == status
	})
	return sn
}

func TestSnapshots(t *testing.T) {
	ts := startServer(t)
	share := createShare(t, ts, tokMember, nil)
	waitShareStatus(t, ts, share, "available")
	sharePath := filepath.Join(ts.opts.DataDir, "shares", share)
	if err := os.WriteFile(filepath.Join(sharePath, "f.txt"), []byte("before"), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("readers cannot snapshot", func(t *testing.T) {
		ts.do(t, req{method: "POST", path: "/v2/snapshots", token: tokReader, body: map[string]any{"snapshot": map[string]any{"share_id": share}}}).
			expectFault(t, 403, "forbidden", "Policy doesn't allow share:create_snapshot to be performed.")
	})
	t.Run("unknown share", func(t *testing.T) {
		ts.do(t, req{method: "POST", path: "/v2/snapshots", token: tokMember, body: map[string]any{"snapshot": map[string]any{"share_id": "nope"}}}).
			expectFault(t, 404, "itemNotFound", "NotFound: Resource could not be found.")
		ts.do(t, req{method: "POST", path: "/v2/snapshots", token: tokOtherMember, body: map[string]any{"snapshot": map[string]any{"share_id": share}}}).
			expectFault(t, 404, "itemNotFound", "NotFound: Resource could not be found.")
	})
	t.Run("missing body is 422", func(t *testing.T) {
		ts.do(t, req{method: "POST", path: "/v2/snapshots", token: tokMember, body: map[string]any{"snap": map[string]any{}}}).
			expectFault(t, 422, "computeFault", "Unable to process the contained instructions")
	})

	var snap string
	t.Run("create, copy, show, list", func(t *testing.T) {
		r := ts.do(t, req{method: "POST", path: "/v2/snapshots", token: tokMember, version: "2.17",
			body: map[string]any{"snapshot": map[string]any{"share_id": share, "name": "s1", "description": "d", "force": false}}}).expectStatus(t, 202)
		sn := r.json(t)["snapshot"].(map[string]any)
		expectKeys(t, "snapshot at 2.17", sn, "id", "share_id", "share_size", "created_at", "status", "name", "description",
			"size", "share_proto", "links", "user_id", "project_id")
		if sn["status"] != "creating" || sn["size"] != float64(1) || sn["share_proto"] != "NFS" || sn["name"] != "s1" {
			t.Fatalf("snapshot %v", sn)
		}
		snap = sn["id"].(string)
		got := waitSnapshotStatus(t, ts, snap, "available")
		expectKeys(t, "admin snapshot at 2.99", got, "id", "share_id", "share_size", "created_at", "status", "name", "description",
			"size", "share_proto", "links", "user_id", "project_id", "provider_location", "metadata")
		copyPath := filepath.Join(ts.opts.DataDir, "snapshots", snap, "f.txt")
		if b, err := os.ReadFile(copyPath); err != nil || string(b) != "before" {
			t.Fatalf("snapshot copy: %q %v", b, err)
		}
		if err := os.WriteFile(filepath.Join(sharePath, "f.txt"), []byte("after"), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(copyPath); string(b) != "before" {
			t.Fatal("the snapshot aliases the share's data")
		}
		list := ts.do(t, req{method: "GET", path: "/v2/snapshots", token: tokMember}).expectStatus(t, 200).json(t)
		expectKeys(t, "snapshot list", list, "snapshots")
		expectKeys(t, "snapshot summary", list["snapshots"].([]any)[0].(map[string]any), "id", "name", "links")
		if n := len(ts.do(t, req{method: "GET", path: "/v2/snapshots/detail", token: tokOtherMember}).json(t)["snapshots"].([]any)); n != 0 {
			t.Fatalf("another project sees %d snapshots", n)
		}
		ts.do(t, req{method: "GET", path: "/v2/snapshots/" + snap, token: tokOtherMember}).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
		counted := ts.do(t, req{method: "GET", path: "/v2/snapshots/detail?share_id=" + share + "&with_count=true", token: tokMember, version: "2.79"}).expectStatus(t, 200).json(t)
		if counted["count"] != float64(1) {
			t.Fatalf("count %v", counted["count"])
		}
		ts.do(t, req{method: "GET", path: "/v2/snapshots?name=", token: tokMember}).
			expectFault(t, 400, "badRequest", "Invalid input received: Wrong 'name' filter provided: ''.")
		ts.do(t, req{method: "GET", path: "/v2/snapshots?sort_key=colour", token: tokMember}).
			expectFault(t, 400, "badRequest", "Invalid input received: Invalid sort key colour.")
	})
	t.Run("a share with a snapshot cannot be deleted", func(t *testing.T) {
		ts.do(t, req{method: "DELETE", path: "/v2/shares/" + share, token: tokMember}).
			expectFault(t, 403, "forbidden", "Invalid share: Share still has 1 dependent snapshots.")
		// A force delete skips the status check, not the dependents; the
		// admin-action path reports them as 400, as Manila does.
		ts.do(t, req{method: "POST", path: "/v2/shares/" + share + "/action", token: tokAdmin, version: "2.7",
			body: map[string]any{"force_delete": nil}}).expectFault(t, 400, "badRequest", "Invalid share: Share still has 1 dependent snapshots.")
	})
	t.Run("update and delete", func(t *testing.T) {
		up := ts.do(t, req{method: "PUT", path: "/v2/snapshots/" + snap, token: tokMember, body: map[string]any{"snapshot": map[string]any{"display_name": "renamed"}}}).
			expectStatus(t, 200).json(t)["snapshot"].(map[string]any)
		if up["name"] != "renamed" {
			t.Fatalf("name %v", up["name"])
		}
		ts.do(t, req{method: "POST", path: "/v2/snapshots/" + snap + "/action", token: tokMember, version: "2.7", body: map[string]any{"reset_status": map[string]any{"status": "creating"}}}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
		ts.do(t, req{method: "POST", path: "/v2/snapshots/" + snap + "/action", token: tokAdmin, version: "2.7", body: map[string]any{"reset_status": map[string]any{"status": "creating"}}}).
			expectStatus(t, 202)
		// A snapshot's reset targets are Manila's SHARE_SNAPSHOT_STATUSES,
		// not the share's: restoring is one, server_migrating is not.
		ts.do(t, req{method: "POST", path: "/v2/snapshots/" + snap + "/action", token: tokAdmin, version: "2.7", body: map[string]any{"reset_status": map[string]any{"status": "server_migrating"}}}).
			expectFault(t, 400, "badRequest", "Invalid state. Valid states: available, error, error_deleting, deleting, creating, manage_starting, unmanage_starting, unmanage_error, manage_error, migrating, migrating_to, restoring.")
		ts.do(t, req{method: "POST", path: "/v2/snapshots/" + snap + "/action", token: tokAdmin, version: "2.7", body: map[string]any{"reset_status": map[string]any{"status": "restoring"}}}).
			expectStatus(t, 202)
		ts.do(t, req{method: "DELETE", path: "/v2/snapshots/" + snap, token: tokMember}).
			expectFault(t, 400, "badRequest", "Invalid share snapshot: Share Snapshot status must be one of ('available', 'error').")
		ts.do(t, req{method: "POST", path: "/v2/snapshots/" + snap + "/action", token: tokAdmin, version: "2.7", body: map[string]any{"reset_status": map[string]any{"status": "available"}}}).
			expectStatus(t, 202)
		ts.do(t, req{method: "DELETE", path: "/v2/snapshots/" + snap, token: tokMember}).expectStatus(t, 202)
		waitFor(t, 10*time.Second, "snapshot to go", func() bool {
			return ts.do(t, req{method: "GET", path: "/v2/snapshots/" + snap, token: tokMember}).status == 404
		})
		if fileExists(filepath.Join(ts.opts.DataDir, "snapshots", snap)) {
			t.Fatal("the deleted snapshot's copy is still there")
		}
		ts.do(t, req{method: "DELETE", path: "/v2/shares/" + share, token: tokMember}).expectStatus(t, 202)
	})
	t.Run("share without snapshot support", func(t *testing.T) {
		ts.do(t, req{method: "POST", path: "/v2/types", token: tokAdmin, body: map[string]any{"share_type": map[string]any{"name": "nosnap",
			"extra_specs": map[string]any{"driver_handles_share_servers": false, "snapshot_support": false}}}}).expectStatus(t, 200)
		id := createShare(t, ts, tokMember, map[string]any{"share_type": "nosnap"})
		ts.do(t, req{method: "POST", path: "/v2/snapshots", token: tokMember, body: map[string]any{"snapshot": map[string]any{"share_id": id}}}).
			expectFault(t, 422, "computeFault", "Snapshots cannot be created for share '"+id+"' since it does not have that capability.")
	})
	t.Run("share not available", func(t *testing.T) {
		id := createShare(t, ts, tokMember, nil)
		waitShareStatus(t, ts, id, "available")
		ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokAdmin, version: "2.7",
			body: map[string]any{"reset_status": map[string]any{"status": "error"}}}).expectStatus(t, 202)
		ts.do(t, req{method: "POST", path: "/v2/snapshots", token: tokMember, body: map[string]any{"snapshot": map[string]any{"share_id": id}}}).
			expectFault(t, 400, "badRequest", "Invalid share: Source share status must be available.")
	})
}
