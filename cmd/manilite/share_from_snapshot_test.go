package main

import (
	"os"
	"path/filepath"
	"testing"
)

// A share created from a snapshot (snapshot_id) holds a copy of the
// snapshot's tree, takes the parent's type, zone and size, and is refused
// as Manila refuses it.
func TestShareFromSnapshot(t *testing.T) {
	ts := startServer(t)
	capable := createType(t, ts, "2.99", map[string]any{"name": "copyable", "extra_specs": map[string]any{
		"driver_handles_share_servers": false, "snapshot_support": true, "create_share_from_snapshot_support": true}})
	plain := createType(t, ts, "2.99", map[string]any{"name": "plain", "extra_specs": map[string]any{
		"driver_handles_share_servers": false, "snapshot_support": true}})
	parent := availableShare(t, ts, tokMember, map[string]any{"share_type": "copyable", "size": 2})
	root := sharePath(ts, parent)
	writeTree(t, root)
	taken := treeDigest(t, root)
	snap := createSnapshot(t, ts, tokMember, parent)
	waitSnapshotStatus(t, ts, snap, "available")
	// Changes after the snapshot are not in the new share.
	if err := os.WriteFile(filepath.Join(root, "later.txt"), []byte("after the snapshot"), 0o644); err != nil {
		t.Fatal(err)
	}

	create := func(token, version string, share map[string]any) *resp {
		body := map[string]any{"share_proto": "NFS", "snapshot_id": snap}
		for k, v := range share {
			body[k] = v
		}
		return ts.do(t, req{method: "POST", path: "/v2/shares", token: token, version: version, body: map[string]any{"share": body}})
	}

	t.Run("copies the snapshot", func(t *testing.T) {
		sh := create(tokMember, "2.99", nil).expectStatus(t, 200).json(t)["share"].(map[string]any)
		id := sh["id"].(string)
		if sh["snapshot_id"] != snap || sh["size"] != 2.0 || sh["share_type"] != capable["id"] {
			t.Errorf("new share: snapshot_id %v, size %v, share_type %v", sh["snapshot_id"], sh["size"], sh["share_type"])
		}
		sh = waitShareStatus(t, ts, id, "available")
		if got := treeDigest(t, sharePath(ts, id)); got != taken {
			t.Fatalf("the new share is not the snapshot\nwant:\n%s\ngot:\n%s", taken, got)
		}
		if sh["availability_zone"] != getShare(t, ts, tokMember, "2.99", parent)["availability_zone"] {
			t.Errorf("zone %v", sh["availability_zone"])
		}
		listed := ts.do(t, req{method: "GET", path: "/v2/shares?snapshot_id=" + snap, token: tokMember}).expectStatus(t, 200).json(t)["shares"].([]any)
		if len(listed) != 1 || listed[0].(map[string]any)["id"] != id {
			t.Errorf("shares of the snapshot: %v", listed)
		}
		// A larger size is fine.
		bigger := create(tokMember, "2.99", map[string]any{"size": 3}).expectStatus(t, 200).json(t)["share"].(map[string]any)
		waitShareStatus(t, ts, bigger["id"].(string), "available")
	})

	t.Run("refusals", func(t *testing.T) {
		before := countShares(t, ts)
		create(tokMember, "2.99", map[string]any{"snapshot_id": "nope"}).
			expectFault(t, 404, "itemNotFound", "ShareSnapshotNotFound: Snapshot nope could not be found.")
		create(tokOtherMember, "2.99", nil).
			expectFault(t, 404, "itemNotFound", "ShareSnapshotNotFound: Snapshot "+snap+" could not be found.")
		create(tokMember, "2.99", map[string]any{"size": 1}).
			expectFault(t, 400, "badRequest", "Invalid input received: Share size '1' must be equal or greater than snapshot size.")
		create(tokMember, "2.99", map[string]any{"share_type": plain["id"]}).
			expectFault(t, 400, "badRequest", "Invalid input received: Invalid share type specified: the requested share type must match the type of the source share. If a share type is not specified when requesting a new share from a snapshot, the share type of the source share will be applied to the new share..")
		ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: "2.99",
			body: map[string]any{"share": map[string]any{"share_proto": "NFS"}}}).
			expectFault(t, 400, "badRequest", "Invalid input received: Share size 'None' must be an integer and greater than 0.")
		resetSnapshot(t, ts, snap, "error")
		create(tokMember, "2.99", nil).expectFault(t, 400, "badRequest", "Invalid share snapshot: status must be 'available'.")
		resetSnapshot(t, ts, snap, "available")
		if after := countShares(t, ts); after != before {
			t.Errorf("refused creates stored shares: %d, then %d", before, after)
		}
	})

	t.Run("the parent must have the capability from 2.24", func(t *testing.T) {
		other := availableShare(t, ts, tokMember, map[string]any{"share_type": "plain"})
		s2 := createSnapshot(t, ts, tokMember, other)
		waitSnapshotStatus(t, ts, s2, "available")
		create(tokMember, "2.24", map[string]any{"snapshot_id": s2}).
			expectFault(t, 400, "badRequest", "A new share may not be created from snapshot '"+s2+"', because the snapshot's parent share does not have that capability.")
		// Below 2.24 Manila does not check it.
		id := create(tokMember, "2.23", map[string]any{"snapshot_id": s2}).expectStatus(t, 200).json(t)["share"].(map[string]any)["id"].(string)
		waitShareStatus(t, ts, id, "available")
	})
}

func resetSnapshot(t *testing.T, ts *testServer, id, status string) {
	t.Helper()
	ts.do(t, req{method: "POST", path: "/v2/snapshots/" + id + "/action", token: tokAdmin, version: "2.7",
		body: map[string]any{"reset_status": map[string]any{"status": status}}}).expectStatus(t, 202)
}
