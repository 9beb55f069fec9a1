package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

var manageSerial atomic.Int64

func init() {
	// Each call names a directory of its own, so none is a 409; the job
	// finds nothing there later, which the matrix does not wait for.
	manage := func(map[string]string) any {
		return map[string]any{"share": map[string]any{"export_path": fmt.Sprintf("/srv/matrix-%d", manageSerial.Add(1)),
			"service_host": "manilite@local#pool", "protocol": "NFS"}}
	}
	matrixFixtures["ManageShare"] = matrixFixture{body: manage, success: 200}
	matrixFixtures["ManageShareLegacy"] = matrixFixture{body: manage, success: 200}
}

func manageBody(share map[string]any) map[string]any { return map[string]any{"share": share} }

// Unmanage leaves a share's directory on disk; manage adopts it again as a
// new share: renamed to the new share's path, measured, available.
func TestShareManageRoundTrip(t *testing.T) {
	ts := startServer(t)
	old := availableShare(t, ts, tokMember, map[string]any{"name": "before"})
	root := sharePath(ts, old)
	writeTree(t, root)
	// A sparse file of just over 1 GiB: the share measures 2 GiB.
	f, err := os.Create(filepath.Join(root, "big"))
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(f.Truncate(1<<30+1), f.Close()); err != nil {
		t.Fatal(err)
	}
	want := treeDigest(t, root)
	ts.do(t, req{method: "POST", path: "/v2/shares/" + old + "/action", token: tokAdmin, version: "2.7",
		body: map[string]any{"unmanage": nil}}).expectStatus(t, 202)
	waitShareGone(t, ts, old)

	post := func(token, version string, share map[string]any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/shares/manage", token: token, version: version, body: manageBody(share)})
	}
	sh := post(tokAdmin, "2.8", map[string]any{"export_path": root, "service_host": "manilite@local#pool", "protocol": "nfs",
		"name": "managed", "is_public": "true"}).expectStatus(t, 200).json(t)["share"].(map[string]any)
	if sh["status"] != "manage_starting" || sh["size"] != nil || sh["name"] != "managed" || sh["share_proto"] != "NFS" || sh["is_public"] != true {
		t.Errorf("managed share at first: %v", sh)
	}
	id := sh["id"].(string)
	sh = waitShareStatus(t, ts, id, "available")
	if sh["size"] != 2.0 || sh["host"] != "manilite@local#pool" || sh["availability_zone"] != "nova" {
		t.Errorf("managed share: size %v host %v zone %v", sh["size"], sh["host"], sh["availability_zone"])
	}
	if got := treeDigest(t, sharePath(ts, id)); got != want {
		t.Fatalf("the managed share is not the unmanaged one\nwant:\n%s\ngot:\n%s", want, got)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("the old directory name is still there: %v", err)
	}
	els := ts.do(t, req{method: "GET", path: "/v2/shares/" + id + "/export_locations", token: tokAdmin, version: "2.14"}).
		expectStatus(t, 200).json(t)["export_locations"].([]any)
	if len(els) != 1 || els[0].(map[string]any)["path"] != sharePath(ts, id) {
		t.Errorf("export locations %v", els)
	}
	// The managed share is an ordinary one: its quota use counts it.
	detail := ts.do(t, req{method: "GET", path: "/v2/quota-sets/" + projA + "/detail", token: tokAdmin, version: "2.25"}).
		expectStatus(t, 200).json(t)["quota_set"].(map[string]any)
	if g := detail["gigabytes"].(map[string]any)["in_use"]; g != 2.0 {
		t.Errorf("gigabytes in use %v", g)
	}
}

// Manila's checks, in its order, and a directory manilite cannot take.
func TestShareManageRefusals(t *testing.T) {
	ts := startServer(t, func(o *options) { o.MinTransition = time.Hour })
	post := func(token, version string, share map[string]any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/shares/manage", token: token, version: version, body: manageBody(share)})
	}
	good := func(extra map[string]any) map[string]any {
		m := map[string]any{"export_path": "/srv/x", "service_host": "manilite@local#pool", "protocol": "NFS"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	ts.do(t, req{method: "POST", path: "/v2/shares/manage", token: tokAdmin, version: "2.8", body: map[string]any{"nope": 1}}).
		expectFault(t, 422, "computeFault", "Share entity not found in request body")
	ts.do(t, req{method: "POST", path: "/v2/shares/manage", token: tokAdmin, version: "2.8", body: map[string]any{"share": "x"}}).
		expectFault(t, 422, "computeFault", "Share entity not found in request body")
	post(tokAdmin, "2.8", map[string]any{"service_host": "h#p", "protocol": "NFS"}).
		expectFault(t, 422, "computeFault", "Required parameter export_path not found")
	post(tokAdmin, "2.8", good(map[string]any{"service_host": ""})).
		expectFault(t, 422, "computeFault", "Required parameter service_host is empty")
	post(tokAdmin, "2.8", good(map[string]any{"export_path": map[string]any{"where": "/srv/x"}})).
		expectFault(t, 422, "computeFault", "Export path must be a string, or a dictionary with a 'path' item")
	post(tokAdmin, "2.8", good(map[string]any{"service_host": "manilite@local"})).
		expectFault(t, 400, "badRequest", "service_host parameter should contain pool.")
	post(tokAdmin, "2.8", good(map[string]any{"service_host": "elsewhere@x#p"})).
		expectFault(t, 404, "itemNotFound", "Service elsewhere@x could not be found.")
	post(tokAdmin, "2.8", good(map[string]any{"share_type": "gold"})).
		expectFault(t, 404, "itemNotFound", "Share type with name gold could not be found.")
	// Below 2.49 Manila ignores share_server_id.
	post(tokAdmin, "2.8", good(map[string]any{"export_path": "/srv/y", "share_server_id": "s1"})).expectStatus(t, 200)
	post(tokAdmin, "2.49", good(map[string]any{"share_server_id": "s1"})).
		expectFault(t, 400, "badRequest", "Invalid input received: Share Server ID parameter is not expected when managing a share using a share type with driver_handles_share_servers extra-spec set to False..")
	post(tokMember, "2.8", good(nil)).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	// The path is taken while the first manage is under way.
	post(tokAdmin, "2.8", good(map[string]any{"export_path": map[string]any{"path": "/srv/x"}})).expectStatus(t, 200)
	post(tokAdmin, "2.8", good(nil)).expectFault(t, 409, "conflictingRequest", "Invalid share: A share already exists with the export path specified..")
	ts.do(t, req{method: "POST", path: "/v2/os-share-manage", token: tokAdmin, version: "2.7", body: manageBody(good(nil))}).
		expectFault(t, 404, "itemNotFound", "The resource could not be found.")
}

// A directory outside the shares folder, or none, ends in manage_error
// with no size, as Manila's manager leaves a share its driver refused.
func TestShareManageError(t *testing.T) {
	ts := startServer(t)
	sh := ts.do(t, req{method: "POST", path: "/v2/os-share-manage", token: tokAdmin, version: "2.6",
		body: manageBody(map[string]any{"export_path": t.TempDir(), "service_host": "manilite@local#pool", "protocol": "NFS", "is_public": true})}).
		expectStatus(t, 200).json(t)["share"].(map[string]any)
	if sh["is_public"] != false {
		t.Errorf("is_public below 2.8: %v", sh["is_public"])
	}
	got := waitShareStatus(t, ts, sh["id"].(string), "manage_error")
	if got["size"] != nil {
		t.Errorf("size after a failed manage: %v", got["size"])
	}
}

func init() {
	manage := func(ids map[string]string) any {
		return map[string]any{"snapshot": map[string]any{"share_id": ids["share"],
			"provider_location": fmt.Sprintf("/srv/matrix-snap-%d", manageSerial.Add(1))}}
	}
	matrixFixtures["ManageSnapshot"] = matrixFixture{needs: []string{"share"}, body: manage, success: 202, other: 404}
}

// Snapshot unmanage leaves the snapshot's copy on disk; snapshot manage
// adopts it again.
func TestSnapshotManageRoundTrip(t *testing.T) {
	ts := startServer(t)
	share := availableShare(t, ts, tokMember, nil)
	writeTree(t, sharePath(ts, share))
	snap := createSnapshot(t, ts, tokMember, share)
	old := waitSnapshotStatus(t, ts, snap, "available")
	dir := old["provider_location"].(string)
	want := treeDigest(t, dir)
	ts.do(t, req{method: "POST", path: "/v2/snapshots/" + snap + "/action", token: tokAdmin, version: "2.12",
		body: map[string]any{"unmanage": nil}}).expectStatus(t, 202)
	waitFor(t, 10*time.Second, "the snapshot to be unmanaged", func() bool {
		return ts.do(t, req{method: "GET", path: "/v2/snapshots/" + snap, token: tokAdmin}).status == 404
	})

	post := func(token, version string, body any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/snapshots/manage", token: token, version: version, body: body})
	}
	sn := post(tokAdmin, "2.73", map[string]any{"snapshot": map[string]any{"share_id": share, "provider_location": dir,
		"name": "adopted", "metadata": map[string]any{"k": "v"}}}).expectStatus(t, 202).json(t)["snapshot"].(map[string]any)
	if sn["status"] != "manage_starting" || sn["name"] != "adopted" || sn["size"] != 1.0 {
		t.Errorf("managed snapshot at first: %v", sn)
	}
	got := waitSnapshotStatus(t, ts, sn["id"].(string), "available")
	if got["provider_location"] == dir || !jsonEqual(got["metadata"], map[string]any{"k": "v"}) {
		t.Errorf("managed snapshot: %v", got)
	}
	if d := treeDigest(t, got["provider_location"].(string)); d != want {
		t.Fatalf("the managed snapshot is not the unmanaged one\nwant:\n%s\ngot:\n%s", want, d)
	}
	// It is an ordinary snapshot: a share can be made of it.
	ts.do(t, req{method: "GET", path: "/v2/snapshots/" + sn["id"].(string) + "/export-locations", token: tokMember, version: "2.32"}).expectStatus(t, 200)
}

func TestSnapshotManageRefusals(t *testing.T) {
	ts := startServer(t, func(o *options) { o.MinTransition = time.Hour })
	share := createShare(t, ts, tokMember, nil)
	resetShare(t, ts, share, "available")
	post := func(snapshot any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/snapshots/manage", token: tokAdmin, version: "2.12", body: map[string]any{"snapshot": snapshot}})
	}
	post("x").expectFault(t, 422, "computeFault", "Snapshot entity not found in request body.")
	post(map[string]any{"provider_location": "/srv/s"}).expectFault(t, 422, "computeFault", "Required parameter share_id not found.")
	post(map[string]any{"share_id": share, "provider_location": ""}).expectFault(t, 422, "computeFault", "Required parameter provider_location is empty.")
	post(map[string]any{"share_id": share, "provider_location": 7}).expectFault(t, 422, "computeFault", "Parameter provider_location must be a string.")
	post(map[string]any{"share_id": "nope", "provider_location": "/srv/s"}).expectFault(t, 404, "itemNotFound", "Share nope could not be found.")
	first := post(map[string]any{"share_id": share, "provider_location": "/srv/s"}).expectStatus(t, 202).json(t)["snapshot"].(map[string]any)
	post(map[string]any{"share_id": share, "provider_location": "/srv/s"}).expectFault(t, 409, "conflictingRequest",
		"Manage existing share snapshot failed due to invalid share snapshot: A share snapshot "+first["id"].(string)+" is already managed for provider location /srv/s..")
	ts.do(t, req{method: "POST", path: "/v2/snapshots/manage", token: tokAdmin, version: "2.11",
		body: map[string]any{"snapshot": map[string]any{"share_id": share, "provider_location": "/srv/t"}}}).
		expectFault(t, 404, "itemNotFound", "The resource could not be found.")
}
