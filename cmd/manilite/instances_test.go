package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/manilite/manilite/storage"
)

func init() {
	paramResource["share_instance_id"] = "share"
	paramResource["snapshot_instance_id"] = "snapshot"
	paramResource["replica_id"] = "share"
	paramResource["message_id"] = "message"
	snapEL := []string{"snapshot", "snapshot_export_location"}
	reset := func(key string) func(map[string]string) any {
		return fixedBody(map[string]any{key: map[string]any{"status": "error"}})
	}
	for op, fx := range map[string]matrixFixture{
		"ListShareReplicas":       {body: noBody, success: 200},
		"ListShareReplicasDetail": {body: noBody, success: 200},
		// No share has a replica: a share's id is no replica's.
		"ShowShareReplica":                    {needs: []string{"share"}, body: noBody, success: 404, other: 404},
		"ListSnapshotExportLocations":         {needs: snapEL, body: noBody, success: 200, other: 404},
		"ShowSnapshotExportLocation":          {needs: snapEL, body: noBody, success: 200, other: 404},
		"ListShareInstances":                  {body: noBody, success: 200},
		"ShowShareInstance":                   {needs: []string{"share"}, body: noBody, success: 200},
		"ListInstancesOfShare":                {needs: []string{"share"}, body: noBody, success: 200},
		"ShareInstanceAction/reset_status":    {needs: []string{"share"}, body: reset("reset_status"), success: 202},
		"ShareInstanceAction/os-reset_status": {needs: []string{"share"}, body: reset("os-reset_status"), success: 202},
		"ShareInstanceAction/force_delete":    {needs: []string{"share"}, body: fixedBody(map[string]any{"force_delete": nil}), success: 202},
		"ShareInstanceAction/os-force_delete": {needs: []string{"share"}, body: fixedBody(map[string]any{"os-force_delete": nil}), success: 202},
		"ListShareInstanceExportLocations":    {needs: []string{"export_location"}, body: noBody, success: 200},
		"ShowShareInstanceExportLocation":     {needs: []string{"export_location"}, body: noBody, success: 200},
		"ListSnapshotInstances":               {body: noBody, success: 200},
		"ListSnapshotInstancesDetail":         {body: noBody, success: 200},
		"ShowSnapshotInstance":                {needs: []string{"snapshot"}, body: noBody, success: 200},
		"SnapshotInstanceAction/reset_status": {needs: []string{"snapshot"}, body: reset("reset_status"), success: 202},
		"ListSnapshotInstanceExportLocations": {needs: snapEL, body: noBody, success: 200},
		"ShowSnapshotInstanceExportLocation":  {needs: snapEL, body: noBody, success: 200},
		"ListAvailabilityZones":               {body: noBody, success: 200},
		"ListAvailabilityZonesLegacy":         {body: noBody, success: 200},
		"ListMessages":                        {body: noBody, success: 200},
		"ShowMessage":                         {needs: []string{"message"}, body: noBody, success: 200, other: 404},
		"DeleteMessage":                       {needs: []string{"message"}, body: noBody, success: 204, other: 404},
	} {
		matrixFixtures[op] = fx
	}
}

// latestMessage is the id of the newest message about resource.
func latestMessage(t *testing.T, ts *testServer, resource string) string {
	t.Helper()
	msgs := ts.do(t, req{method: "GET", path: "/v2/messages?resource_id=" + resource, token: tokAdmin, version: "2.37"}).
		expectStatus(t, 200).json(t)["messages"].([]any)
	if len(msgs) == 0 {
		t.Fatalf("no message about %s", resource)
	}
	return msgs[0].(map[string]any)["id"].(string)
}

func TestShareReplicasEmpty(t *testing.T) {
	ts := startServer(t)
	share := createShare(t, ts, tokMember, nil)
	// Experimental up to 2.55: without the header, 404.
	ts.do(t, req{method: "GET", path: "/v2/share-replicas/detail?share_id=" + share, token: tokMember, version: "2.55"}).
		expectStatus(t, 404)
	for _, rq := range []req{
		{method: "GET", path: "/v2/share-replicas/detail?share_id=" + share, token: tokMember, version: "2.11", experimental: true},
		{method: "GET", path: "/v2/share-replicas/detail?share_id=" + share, token: tokMember, version: "2.56"},
		{method: "GET", path: "/v2/share-replicas?share_id=" + share, token: tokMember, version: "2.99"},
	} {
		got := ts.do(t, rq).expectStatus(t, 200).json(t)
		if list, ok := got["share_replicas"].([]any); !ok || len(list) != 0 || len(got) != 1 {
			t.Fatalf("%s at %s: %v, want {\"share_replicas\": []}", rq.path, rq.version, got)
		}
	}
	ts.do(t, req{method: "GET", path: "/v2/share-replicas/" + share, token: tokMember, version: "2.56"}).
		expectFault(t, 404, "itemNotFound", "Replica "+share+" not found.")
	ts.do(t, req{method: "GET", path: "/v2/share-replicas", token: tokMember, version: "2.10", experimental: true}).expectStatus(t, 404)
}

func TestShareInstances(t *testing.T) {
	ts := startServer(t)
	share := createShare(t, ts, tokMember, nil)
	sh := waitShareStatus(t, ts, share, "available")
	inst := ts.do(t, req{method: "GET", path: "/v2/shares/" + share + "/instances", token: tokAdmin, version: "2.99"}).
		expectStatus(t, 200).json(t)["share_instances"].([]any)
	if len(inst) != 1 {
		t.Fatalf("instances %v, want one", inst)
	}
	i := inst[0].(map[string]any)
	if i["id"] != share || i["share_id"] != share || i["status"] != "available" || i["host"] != sh["host"] ||
		i["availability_zone"] != "nova" || i["replica_state"] != nil || i["cast_rules_to_readonly"] != false {
		t.Fatalf("instance %v", i)
	}
	// Below 2.9 the instance carries its paths.
	old := ts.do(t, req{method: "GET", path: "/v2/share_instances/" + share, token: tokAdmin, version: "2.3"}).
		expectStatus(t, 200).json(t)["share_instance"].(map[string]any)
	if _, ok := old["export_location"]; !ok || old["export_locations"] == nil {
		t.Fatalf("2.3 instance %v lacks its export locations", old)
	}
	els := ts.do(t, req{method: "GET", path: "/v2/share_instances/" + share + "/export_locations", token: tokAdmin, version: "2.9"}).
		expectStatus(t, 200).json(t)["export_locations"].([]any)
	el := els[0].(map[string]any)
	if el["share_instance_id"] != share {
		t.Fatalf("export location %v", el)
	}
	ts.do(t, req{method: "GET", path: "/v2/share_instances/" + share + "/export_locations/nope", token: tokAdmin, version: "2.9"}).
		expectFault(t, 404, "itemNotFound", "Export location nope could not be found.")
	ts.do(t, req{method: "GET", path: "/v2/share_instances/nope/export_locations", token: tokAdmin, version: "2.9"}).
		expectFault(t, 404, "itemNotFound", "Share instance 'nope' not found.")
	// Filtered by export location path (2.35+).
	list := ts.do(t, req{method: "GET", path: "/v2/share_instances?export_location_path=" + el["path"].(string), token: tokAdmin, version: "2.35"}).
		expectStatus(t, 200).json(t)["share_instances"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != share {
		t.Fatalf("filtered instances %v", list)
	}
	// Non-admins are refused.
	ts.do(t, req{method: "GET", path: "/v2/share_instances", token: tokMember, version: "2.99"}).expectStatus(t, 403)

	// reset_status checks the status first, then the instance.
	act := func(id, version string, body any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/share_instances/" + id + "/action", token: tokAdmin, version: version, body: body})
	}
	act("nope", "2.7", map[string]any{"reset_status": map[string]any{"status": "bogus"}}).expectFault(t, 400, "badRequest",
		"Invalid state. Valid states: creating, available, deleting, error, error_deleting, migrating, migrating_to, server_migrating.")
	act("nope", "2.7", map[string]any{"reset_status": map[string]any{"status": "error"}}).expectFault(t, 404, "itemNotFound", "Resource could not be found.")
	act(share, "2.6", map[string]any{"os-reset_status": map[string]any{"status": "error"}}).expectStatus(t, 202)
	waitShareStatus(t, ts, share, "error")
	act(share, "2.7", map[string]any{"force_delete": nil}).expectStatus(t, 202)
	waitShareGone(t, ts, share)
}

func TestSnapshotInstancesAndExportLocations(t *testing.T) {
	ts := startServer(t)
	share := createShare(t, ts, tokMember, nil)
	waitShareStatus(t, ts, share, "available")
	snap := createSnapshot(t, ts, tokMember, share)
	sn := waitSnapshotStatus(t, ts, snap, "available")

	els := ts.do(t, req{method: "GET", path: "/v2/snapshots/" + snap + "/export-locations", token: tokMember, version: "2.32"}).
		expectStatus(t, 200).json(t)["share_snapshot_export_locations"].([]any)
	if len(els) != 1 {
		t.Fatalf("snapshot export locations %v, want one", els)
	}
	el := els[0].(map[string]any)
	if _, ok := el["share_snapshot_instance_id"]; ok {
		t.Fatalf("a member sees the admin-only keys: %v", el)
	}
	id := el["id"].(string)
	shown := ts.do(t, req{method: "GET", path: "/v2/snapshots/" + snap + "/export-locations/" + id, token: tokAdmin, version: "2.32"}).
		expectStatus(t, 200).json(t)["share_snapshot_export_location"].(map[string]any)
	if shown["path"] != el["path"] || shown["share_snapshot_instance_id"] != snap || shown["is_admin_only"] != false {
		t.Fatalf("snapshot export location %v", shown)
	}
	ts.do(t, req{method: "GET", path: "/v2/snapshots/" + snap + "/export-locations/nope", token: tokMember, version: "2.32"}).
		expectFault(t, 404, "itemNotFound", "NotFound: Resource could not be found.")
	ts.do(t, req{method: "GET", path: "/v2/snapshots/" + snap + "/export-locations", token: tokOtherMember, version: "2.32"}).
		expectFault(t, 404, "itemNotFound", "Snapshot '"+snap+"' not found.")
	ts.do(t, req{method: "GET", path: "/v2/snapshots/" + snap + "/export-locations", token: tokMember, version: "2.31"}).expectStatus(t, 404)

	// The snapshot is its own instance.
	inst := ts.do(t, req{method: "GET", path: "/v2/snapshot-instances/" + snap, token: tokAdmin, version: "2.19"}).
		expectStatus(t, 200).json(t)["snapshot_instance"].(map[string]any)
	if inst["snapshot_id"] != snap || inst["share_id"] != share || inst["share_instance_id"] != share ||
		inst["provider_location"] != sn["provider_location"] || inst["status"] != "available" {
		t.Fatalf("snapshot instance %v", inst)
	}
	sum := ts.do(t, req{method: "GET", path: "/v2/snapshot-instances?snapshot_id=" + snap, token: tokAdmin, version: "2.19"}).
		expectStatus(t, 200).json(t)["snapshot_instances"].([]any)
	if len(sum) != 1 || len(sum[0].(map[string]any)) != 3 {
		t.Fatalf("snapshot instance summaries %v", sum)
	}
	ts.do(t, req{method: "GET", path: "/v2/snapshot-instances/nope", token: tokAdmin, version: "2.19"}).
		expectFault(t, 404, "itemNotFound", "Snapshot instance nope not found.")
	ts.do(t, req{method: "GET", path: "/v2/snapshot-instances/" + snap + "/export-locations/" + id, token: tokAdmin, version: "2.32"}).
		expectStatus(t, 200)
	act := func(id string, body any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/snapshot-instances/" + id + "/action", token: tokAdmin, version: "2.19", body: body})
	}
	act("nope", map[string]any{"reset_status": map[string]any{"status": "error"}}).
		expectFault(t, 404, "itemNotFound", "Snapshot instance nope could not be found.")
	act(snap, map[string]any{"reset_status": map[string]any{"status": "restoring"}}).expectFault(t, 400, "badRequest",
		"Invalid state. Valid states: creating, available, deleting, error, error_deleting, migrating, migrating_to, server_migrating.")
	act(snap, map[string]any{"reset_status": map[string]any{"status": "error"}}).expectStatus(t, 202)
	waitSnapshotStatus(t, ts, snap, "error")
}

func TestAvailabilityZones(t *testing.T) {
	ts := startServer(t)
	legacy := ts.do(t, req{method: "GET", path: "/v2/os-availability-zone", token: tokReader, version: "2.6"}).expectStatus(t, 200).json(t)
	zones := legacy["availability_zones"].([]any)
	if len(zones) != 1 || zones[0].(map[string]any)["name"] != "nova" {
		t.Fatalf("zones %v", zones)
	}
	cur := ts.do(t, req{method: "GET", path: "/v2/availability-zones", token: tokReader, version: "2.7"}).expectStatus(t, 200).json(t)
	if cur["availability_zones"].([]any)[0].(map[string]any)["id"] != zones[0].(map[string]any)["id"] {
		t.Fatalf("the zone's id changed: %v then %v", legacy, cur)
	}
	ts.do(t, req{method: "GET", path: "/v2/os-availability-zone", token: tokReader, version: "2.7"}).expectStatus(t, 404)
	ts.do(t, req{method: "GET", path: "/v2/availability-zones", token: tokReader, version: "2.6"}).expectStatus(t, 404)
}

func TestMessagesForFailedShare(t *testing.T) {
	ts := startServer(t)
	share := createShare(t, ts, tokMember, nil)
	waitShareStatus(t, ts, share, "available")
	// A share whose create job fails for good ends in error with Manila's
	// message: replay a create on a share reset to creating whose data the
	// data plane cannot make.
	failShareCreate(t, ts, share)
	waitShareStatus(t, ts, share, "error")
	id := latestMessage(t, ts, share)
	m := ts.do(t, req{method: "GET", path: "/v2/messages/" + id, token: tokMember, version: "2.37"}).
		expectStatus(t, 200).json(t)["message"].(map[string]any)
	if m["user_message"] != "create: An unknown error occurred." || m["action_id"] != "002" || m["detail_id"] != "001" ||
		m["resource_type"] != "SHARE" || m["message_level"] != "ERROR" || m["project_id"] != projA {
		t.Fatalf("message %v", m)
	}
	ts.do(t, req{method: "GET", path: "/v2/messages/" + id, token: tokOtherMember, version: "2.37"}).
		expectFault(t, 404, "itemNotFound", "Message "+id+" could not be found.")
	list := ts.do(t, req{method: "GET", path: "/v2/messages?action_id=002&resource_type=SHARE", token: tokMember, version: "2.37"}).
		expectStatus(t, 200).json(t)["messages"].([]any)
	if len(list) != 1 {
		t.Fatalf("messages %v", list)
	}
	if got := ts.do(t, req{method: "GET", path: "/v2/messages", token: tokOtherMember, version: "2.37"}).
		expectStatus(t, 200).json(t)["messages"].([]any); len(got) != 0 {
		t.Fatalf("another project sees %v", got)
	}
	ts.do(t, req{method: "GET", path: "/v2/messages?created_since=yesterday", token: tokMember, version: "2.52"}).
		expectFault(t, 400, "badRequest", "Invalid value specified for the query key: created_since")
	// Below 2.52 the filter is ignored.
	ts.do(t, req{method: "GET", path: "/v2/messages?created_since=yesterday", token: tokMember, version: "2.51"}).expectStatus(t, 200)
	if got := ts.do(t, req{method: "GET", path: "/v2/messages?created_before=2000-01-01T00:00:00Z", token: tokMember, version: "2.52"}).
		expectStatus(t, 200).json(t)["messages"].([]any); len(got) != 0 {
		t.Fatalf("messages before 2000: %v", got)
	}
	ts.do(t, req{method: "DELETE", path: "/v2/messages/" + id, token: tokReader, version: "2.37"}).expectStatus(t, 403)
	ts.do(t, req{method: "DELETE", path: "/v2/messages/" + id, token: tokMember, version: "2.37"}).expectStatus(t, http.StatusNoContent)
	ts.do(t, req{method: "GET", path: "/v2/messages/" + id, token: tokMember, version: "2.37"}).expectStatus(t, 404)
	ts.do(t, req{method: "GET", path: "/v2/messages", token: tokMember, version: "2.36"}).expectStatus(t, 404)
}

// failShareCreate makes a share's create job fail for good: the share is
// reset to creating, a file takes its directory's place, and its create
// job runs again (as after a restart), failing until its attempts run out.
func failShareCreate(t *testing.T, ts *testServer, id string) {
	t.Helper()
	resetShare(t, ts, id, "creating")
	dir := filepath.Join(ts.opts.DataDir, "shares", id)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ts.app.db.Write(t.Context(), func(tx *storageTx) error {
		return tx.EnqueueJob(t.Context(), storage.JobShareCreate, id, tx.Now, nil)
	}); err != nil {
		t.Fatal(err)
	}
	ts.app.pool.Notify()
}
