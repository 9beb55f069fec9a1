package main

import (
	"net/http"
	"os"
	"testing"
	"time"
)

func init() {
	act := func(name string, v any) func(map[string]string) any {
		return fixedBody(map[string]any{name: v})
	}
	matrixFixtures["ShareAction/reset_task_state"] = matrixFixture{needs: []string{"share"}, body: act("reset_task_state", map[string]any{"task_state": nil}), success: 202, other: 404}
	// The matrix's shares sit on another pool: the migration is accepted and fails.
	matrixFixtures["ShareAction/migration_start"] = matrixFixture{needs: []string{"share"},
		body: act("migration_start", map[string]any{"host": "manilite@local#pool", "writable": false, "nondisruptive": false,
			"preserve_metadata": false, "preserve_snapshots": false}), success: 202, other: 404}
	matrixFixtures["ShareAction/migration_complete"] = matrixFixture{needs: []string{"share"}, body: act("migration_complete", nil), success: 400, other: 404}
	matrixFixtures["ShareAction/migration_cancel"] = matrixFixture{needs: []string{"share"}, body: act("migration_cancel", nil), success: 400, other: 404}
	matrixFixtures["ShareAction/migration_get_progress"] = matrixFixture{needs: []string{"share"}, body: act("migration_get_progress", nil), success: 400, other: 404}
	matrixFixtures["ShareAction/unmanage"] = matrixFixture{needs: []string{"share"}, body: act("unmanage", nil), success: 202, other: 404}
	// The matrix's share type has no revert_to_snapshot_support.
	matrixFixtures["ShareAction/revert"] = matrixFixture{needs: []string{"share", "snapshot"},
		body: func(ids map[string]string) any {
			return map[string]any{"revert": map[string]any{"snapshot_id": ids["snapshot"]}}
		}, success: 400, other: 404}
	matrixFixtures["SnapshotAction/unmanage"] = matrixFixture{needs: []string{"snapshot"}, body: act("unmanage", nil), success: 202, other: 404}
	matrixFixtures["ShowShareMigrationProgress"] = matrixFixture{needs: []string{"share"}, body: noBody, success: 400, other: 404}
	matrixFixtures["UnmanageShareLegacy"] = matrixFixture{needs: []string{"share"}, body: noBody, success: 202, other: 404}
}

func shareAct(ts *testServer, t *testing.T, token, version, id string, body map[string]any) *resp {
	t.Helper()
	return ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: token, version: version, experimental: true, body: body})
}

func TestResetTaskStateAndMigration(t *testing.T) {
	ts := startServer(t)
	id := availableShare(t, ts, tokMember, nil)
	// Outside its range the action is Manila's 404; experimental below 2.96.
	ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokAdmin, version: "2.95",
		body: map[string]any{"reset_task_state": map[string]any{"task_state": nil}}}).expectStatus(t, 404)
	shareAct(ts, t, tokAdmin, "2.21", id, map[string]any{"reset_task_state": map[string]any{"task_state": nil}}).expectStatus(t, 404)
	shareAct(ts, t, tokMember, "2.96", id, map[string]any{"reset_task_state": map[string]any{"task_state": nil}}).expectStatus(t, 403)
	shareAct(ts, t, tokAdmin, "2.96", id, map[string]any{"reset_task_state": map[string]any{}}).
		expectFault(t, 400, "badRequest", "Must specify 'task_state'")
	shareAct(ts, t, tokAdmin, "2.96", id, map[string]any{"reset_task_state": map[string]any{"task_state": "bogus"}}).
		expectFault(t, 400, "badRequest", "Invalid input for field/attribute task_state. Value: bogus. 'bogus' is not one of ['migration_starting', 'migration_in_progress', 'migration_completing', 'migration_success', 'migration_error', 'migration_cancelled', 'migration_driver_in_progress', 'migration_driver_phase1_done', 'data_copying_starting', 'data_copying_in_progress', 'data_copying_completing', 'data_copying_completed', 'data_copying_cancelled', 'data_copying_error', None]")
	shareAct(ts, t, tokAdmin, "2.22", "nope", map[string]any{"reset_task_state": map[string]any{"task_state": nil}}).
		expectFault(t, 404, "itemNotFound", "Share nope could not be found.")

	// Nothing in progress.
	shareAct(ts, t, tokAdmin, "2.22", id, map[string]any{"migration_complete": nil}).
		expectFault(t, 400, "badRequest", "Invalid share: There is no migration being performed for share "+id+" at this moment..")
	shareAct(ts, t, tokAdmin, "2.22", id, map[string]any{"migration_cancel": nil}).
		expectFault(t, 400, "badRequest", "Invalid share: There is no migration being performed for share "+id+" at this moment..")
	shareAct(ts, t, tokAdmin, "2.22", id, map[string]any{"migration_get_progress": nil}).
		expectFault(t, 400, "badRequest", "Invalid share: There is no migration being performed for share "+id+" at this moment..")
	shareAct(ts, t, tokAdmin, "2.98", id, map[string]any{"migration_get_progress": nil}).expectStatus(t, 404)

	start := func(host string) map[string]any {
		return map[string]any{"migration_start": map[string]any{"host": host, "writable": false, "nondisruptive": false,
			"preserve_metadata": false, "preserve_snapshots": false}}
	}
	shareAct(ts, t, tokAdmin, "2.29", id, start("elsewhere@be#p")).expectFault(t, 404, "itemNotFound", "Service elsewhere@be could not be found.")
	// To where it is: Manila records success and answers 200.
	shareAct(ts, t, tokAdmin, "2.29", id, start("manilite@local#pool")).expectStatus(t, 200)
	if sh := getShare(t, ts, tokAdmin, "2.99", id); sh["task_state"] != "migration_success" {
		t.Fatalf("task_state = %v", sh["task_state"])
	}
	r := shareAct(ts, t, tokAdmin, "2.59", id, map[string]any{"migration_get_progress": nil}).expectStatus(t, 200).json(t)
	if r["total_progress"] != float64(100) || r["task_state"] != "migration_success" || r["details"] == nil {
		t.Fatalf("progress = %v", r)
	}
	r = ts.do(t, req{method: "GET", path: "/v2/shares/" + id + "/migration-progress", token: tokAdmin, version: "2.98"}).expectStatus(t, 200).json(t)
	if r["total_progress"] != float64(100) {
		t.Fatalf("progress = %v", r)
	}
	shareAct(ts, t, tokAdmin, "2.22", id, map[string]any{"migration_complete": nil}).
		expectFault(t, 400, "badRequest", "Invalid share: Migration of share "+id+" has already completed..")

	// A busy task state blocks a migration and a backup.
	shareAct(ts, t, tokAdmin, "2.96", id, map[string]any{"reset_task_state": map[string]any{"task_state": "migration_in_progress"}}).expectStatus(t, 202)
	shareAct(ts, t, tokAdmin, "2.96", id, start("manilite@local#pool")).
		expectFault(t, 400, "badRequest", "Share is busy with an active task: Share "+id+" is busy as part of an active task: migration_in_progress..")
	shareAct(ts, t, tokAdmin, "2.96", id, map[string]any{"reset_task_state": map[string]any{"os-task_state": nil, "task_state": nil}}).expectStatus(t, 202)
	if sh := getShare(t, ts, tokAdmin, "2.99", id); sh["task_state"] != nil {
		t.Fatalf("task_state = %v", sh["task_state"])
	}
}

func TestRevertToSnapshot(t *testing.T) {
	ts := startServer(t)
	typ := createType(t, ts, "2.99", map[string]any{"name": "revertible", "extra_specs": map[string]any{
		"driver_handles_share_servers": false, "snapshot_support": true, "revert_to_snapshot_support": true}})
	id := availableShare(t, ts, tokMember, map[string]any{"share_type": typ["id"]})
	writeTree(t, sharePath(ts, id))
	want := treeDigest(t, sharePath(ts, id))
	first := createSnapshot(t, ts, tokMember, id)
	waitSnapshotStatus(t, ts, first, "available")
	snap := createSnapshot(t, ts, tokMember, id)
	waitSnapshotStatus(t, ts, snap, "available")
	if err := os.WriteFile(sharePath(ts, id)+"/later.txt", []byte("later"), 0o644); err != nil {
		t.Fatal(err)
	}
	act := func(token, version, snapID string) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: token, version: version,
			body: map[string]any{"revert": map[string]any{"snapshot_id": snapID}}})
	}
	act(tokMember, "2.26", snap).expectStatus(t, 404)
	act(tokReader, "2.27", snap).expectStatus(t, 403)
	act(tokMember, "2.27", first).expectFault(t, 409, "conflictingRequest", "Snapshot "+first+" may not be restored because it is not the most recent snapshot of share "+id+". Currently the latest snapshot is "+snap+".")
	act(tokMember, "2.27", "11111111-2222-3333-4444-555555555555").expectFault(t, 400, "badRequest", "Snapshot 11111111-2222-3333-4444-555555555555 could not be found.")
	act(tokMember, "2.27", snap).expectStatus(t, 202)
	waitShareStatus(t, ts, id, "available")
	waitSnapshotStatus(t, ts, snap, "available")
	if got := treeDigest(t, sharePath(ts, id)); got != want {
		t.Fatalf("share tree after revert differs from the snapshot's:\n%s\nwant\n%s", got, want)
	}

	// A share whose type lacks the capability.
	plain := availableShare(t, ts, tokMember, nil)
	ps := createSnapshot(t, ts, tokMember, plain)
	waitSnapshotStatus(t, ts, ps, "available")
	ts.do(t, req{method: "POST", path: "/v2/shares/" + plain + "/action", token: tokMember, version: "2.27",
		body: map[string]any{"revert": map[string]any{"snapshot_id": ps}}}).
		expectFault(t, 400, "badRequest", "Share "+plain+" may not be reverted to snapshot "+ps+", because the share does not have that capability.")
	act(tokMember, "2.27", ps).expectFault(t, 400, "badRequest", "Snapshot "+ps+" is not associated with share "+id+".")
}

func TestUnmanage(t *testing.T) {
	ts := startServer(t)
	id := availableShare(t, ts, tokMember, nil)
	writeTree(t, sharePath(ts, id))
	want := treeDigest(t, sharePath(ts, id))
	sn := createSnapshot(t, ts, tokMember, id)
	waitSnapshotStatus(t, ts, sn, "available")
	un := map[string]any{"unmanage": nil}
	ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokAdmin, version: "2.6", body: un}).expectStatus(t, 404)
	ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokMember, version: "2.7", body: un}).expectStatus(t, 403)
	ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokAdmin, version: "2.7", body: un}).
		expectFault(t, 403, "forbidden", "Share '"+id+"' can not be unmanaged because it has '1' dependent snapshot(s).")
	ts.do(t, req{method: "POST", path: "/v2/snapshots/" + sn + "/action", token: tokAdmin, version: "2.11", body: un}).expectStatus(t, 404)
	ts.do(t, req{method: "POST", path: "/v2/snapshots/" + sn + "/action", token: tokAdmin, version: "2.12", body: un}).expectStatus(t, 202)
	waitFor(t, 10*time.Second, "snapshot to be unmanaged", func() bool {
		return ts.do(t, req{method: "GET", path: "/v2/snapshots/" + sn, token: tokAdmin}).status == 404
	})
	resetShare(t, ts, id, "creating")
	ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokAdmin, version: "2.7", body: un}).
		expectFault(t, 403, "forbidden", "Share with transitional state can not be unmanaged. Share '"+id+"' is in 'creating' state.")
	resetShare(t, ts, id, "available")
	ts.do(t, req{method: "POST", path: "/v2/os-share-unmanage/" + id + "/unmanage", token: tokAdmin, version: "2.6"}).expectStatus(t, 202)
	waitShareGone(t, ts, id)
	if got := treeDigest(t, sharePath(ts, id)); got != want {
		t.Fatal("unmanage changed the share's directory")
	}
	ts.do(t, req{method: "POST", path: "/v2/os-share-unmanage/" + id + "/unmanage", token: tokAdmin, version: "2.7"}).expectStatus(t, 404)
	_ = http.StatusOK
}
