package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// createShare creates a 1 GiB NFS share (plus extra fields) and returns its id.
func createShare(t *testing.T, ts *testServer, token string, extra map[string]any) string {
	t.Helper()
	body := map[string]any{"share_proto": "NFS", "size": 1}
	for k, v := range extra {
		body[k] = v
	}
	r := ts.do(t, req{method: "POST", path: "/v2/shares", token: token, version: "2.99", body: map[string]any{"share": body}})
	r.expectStatus(t, http.StatusOK)
	return r.json(t)["share"].(map[string]any)["id"].(string)
}

func getShare(t *testing.T, ts *testServer, token, version, id string) map[string]any {
	t.Helper()
	r := ts.do(t, req{method: "GET", path: "/v2/shares/" + id, token: token, version: version}).expectStatus(t, 200)
	return r.json(t)["share"].(map[string]any)
}

func waitShareStatus(t *testing.T, ts *testServer, id, status string) map[string]any {
	t.Helper()
	var sh map[string]any
	waitFor(t, 10*time.Second, "share "+id+" to be "+status, func() bool {
		sh = getShare(t, ts, tokAdmin, "2.99", id)
		return sh["status"] == status
	})
	return sh
}

func waitShareGone(t *testing.T, ts *testServer, id string) {
	t.Helper()
	waitFor(t, 10*time.Second, "share "+id+" to be deleted", func() bool {
		return ts.do(t, req{method: "GET", path: "/v2/shares/" + id, token: tokAdmin}).status == 404
	})
}

// The share view's keys at each microversion, for a member (admins also get
// share_server_id and host).
var shareKeysByVersion = []struct {
	version string
	keys    []string
}{
	{"2.0", []string{"id", "size", "availability_zone", "created_at", "status", "name", "description", "project_id",
		"snapshot_id", "share_network_id", "share_proto", "export_location", "metadata", "share_type", "volume_type",
		"links", "is_public", "export_locations"}},
	{"2.2", []string{"+snapshot_support"}},
	{"2.4", []string{"+consistency_group_id", "+source_cgsnapshot_member_id"}},
	{"2.5", []string{"+task_state"}},
	{"2.6", []string{"+share_type_name"}},
	{"2.9", []string{"-export_location", "-export_locations"}},
	{"2.10", []string{"+access_rules_status"}},
	{"2.11", []string{"+replication_type", "+has_replicas"}},
	{"2.16", []string{"+user_id"}},
	{"2.24", []string{"+create_share_from_snapshot_support"}},
	{"2.27", []string{"+revert_to_snapshot_support"}},
	{"2.31", []string{"+share_group_id", "+source_share_group_snapshot_member_id", "-consistency_group_id", "-source_cgsnapshot_member_id"}},
	{"2.32", []string{"+mount_snapshot_support"}},
	{"2.54", []string{"+progress"}},
	{"2.69", []string{"+is_soft_deleted", "+scheduled_to_be_deleted_at"}},
	{"2.80", []string{"+source_backup_id"}},
	{"2.90", []string{"+encryption_key_ref"}},
	// Manila keeps mount_point_name (2.84) but its view never shows it.
	{"2.99", []string{"+snapshot_inherit_share_access_support"}},
}

func expectedShareKeys(version string) []string {
	set := map[string]bool{}
	for _, step := range shareKeysByVersion {
		if mustVersion(step.version).Compare(mustVersion(version)) > 0 {
			break
		}
		for _, k := range step.keys {
			switch {
			case strings.HasPrefix(k, "+"):
				set[k[1:]] = true
			case strings.HasPrefix(k, "-"):
				delete(set, k[1:])
			default:
				set[k] = true
			}
		}
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestShareLifecycle(t *testing.T) {
	ts := startServer(t, func(o *options) { o.MinTransition = 300 * time.Millisecond })

	r := ts.do(t, req{method: "POST", path: "/v2/" + projA + "/shares", token: tokMember, version: "2.99", body: map[string]any{
		"share": map[string]any{"share_proto": "nfs", "size": 2, "name": "s1", "description": "first",
			"metadata": map[string]any{"k": "v"}},
	}}).expectStatus(t, 200)
	created := r.json(t)["share"].(map[string]any)
	id := created["id"].(string)
	expectKeys(t, "create reply", created, expectedShareKeys("2.99")...)
	want := map[string]any{
		"id": id, "size": float64(2), "availability_zone": nil, "status": "creating", "name": "s1",
		"description": "first", "project_id": projA, "snapshot_id": nil, "share_network_id": nil,
		"share_proto": "NFS", "metadata": map[string]any{"k": "v"}, "volume_type": "default",
		"is_public": false, "snapshot_support": true, "task_state": nil, "share_type_name": "default",
		"access_rules_status": "active", "replication_type": nil, "has_replicas": false, "user_id": "member-user",
		"create_share_from_snapshot_support": false, "revert_to_snapshot_support": false, "share_group_id": nil,
		"source_share_group_snapshot_member_id": nil, "mount_snapshot_support": false, "progress": nil,
		"is_soft_deleted": false, "scheduled_to_be_deleted_at": nil, "source_backup_id": nil,
		"encryption_key_ref": nil, "snapshot_inherit_share_access_support": false,
	}
	for k, v := range want {
		if !jsonEqual(created[k], v) {
			t.Errorf("create reply %s = %v, want %v", k, created[k], v)
		}
	}
	if _, err := parseManilaTime(created["created_at"].(string)); err != nil {
		t.Errorf("created_at %v: %v", created["created_at"], err)
	}
	typeID := created["share_type"].(string)
	if len(typeID) != 36 {
		t.Errorf("share_type %q is not the default type's id", typeID)
	}

	// The transitional state lasts at least --min-transition.
	if sh := getShare(t, ts, tokMember, "2.99", id); sh["status"] != "creating" {
		t.Fatalf("status right after create: %v", sh["status"])
	}
	sh := waitShareStatus(t, ts, id, "available")
	if sh["progress"] != "100%" || sh["availability_zone"] != "nova" || sh["host"] != "manilite@local#pool" {
		t.Errorf("available share: progress %v zone %v host %v", sh["progress"], sh["availability_zone"], sh["host"])
	}

	// The share is a real directory, and its export location says where.
	dir := filepath.Join(ts.opts.DataDir, "shares", id)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("share directory %s: %v", dir, err)
	}
	els := ts.do(t, req{method: "GET", path: "/v2/shares/" + id + "/export_locations", token: tokMember, version: "2.14"}).
		expectStatus(t, 200).json(t)["export_locations"].([]any)
	if len(els) != 1 {
		t.Fatalf("export locations: %v", els)
	}
	el := els[0].(map[string]any)
	expectKeys(t, "export location (member)", el, "id", "path", "preferred")
	abs, _ := filepath.Abs(dir)
	if el["path"] != abs || el["preferred"] != true {
		t.Errorf("export location %v, want path %s", el, abs)
	}
	shown := ts.do(t, req{method: "GET", path: "/v2/shares/" + id + "/export_locations/" + el["id"].(string), token: tokAdmin, version: "2.14"}).
		expectStatus(t, 200).json(t)["export_location"].(map[string]any)
	expectKeys(t, "export location (admin, show)", shown, "id", "path", "preferred", "share_instance_id", "is_admin_only", "created_at", "updated_at")
	ts.do(t, req{method: "GET", path: "/v2/shares/" + id + "/export_locations/nope", token: tokMember, version: "2.14"}).
		expectFault(t, 404, "itemNotFound", "Export location 'nope' not found.")

	// Update reads display_name/display_description only, as Manila does.
	up := ts.do(t, req{method: "PUT", path: "/v2/shares/" + id, token: tokMember, version: "2.99", body: map[string]any{
		"share": map[string]any{"display_name": "renamed", "name": "ignored", "display_description": nil},
	}}).expectStatus(t, 200).json(t)["share"].(map[string]any)
	if up["name"] != "renamed" || up["description"] != nil {
		t.Errorf("after update: name %v description %v", up["name"], up["description"])
	}

	// Delete: 202, deleting for a while, then gone with its directory.
	ts.do(t, req{method: "DELETE", path: "/v2/shares/" + id, token: tokMember}).expectStatus(t, 202)
	if sh := getShare(t, ts, tokMember, "2.99", id); sh["status"] != "deleting" {
		t.Fatalf("status after delete: %v", sh["status"])
	}
	waitShareGone(t, ts, id)
	if fileExists(dir) {
		t.Fatalf("share directory %s still exists", dir)
	}
	ts.do(t, req{method: "GET", path: "/v2/shares/" + id, token: tokMember}).
		expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	ts.do(t, req{method: "DELETE", path: "/v2/shares/" + id, token: tokMember}).
		expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	if n := countShares(t, ts); n != 0 {
		t.Fatalf("deleted share still listed (%d shares)", n)
	}
}

func TestShareViewPerMicroversion(t *testing.T) {
	ts := startServer(t)
	id := createShare(t, ts, tokMember, map[string]any{"name": "v"})
	waitShareStatus(t, ts, id, "available")
	for _, step := range shareKeysByVersion {
		for _, v := range []string{step.version, nextMinor(step.version)} {
			if v == "2.100" {
				continue // past the newest version
			}
			t.Run(v, func(t *testing.T) {
				member := getShare(t, ts, tokMember, v, id)
				expectKeys(t, "member view at "+v, member, expectedShareKeys(v)...)
				admin := getShare(t, ts, tokAdmin, v, id)
				expectKeys(t, "admin view at "+v, admin, append(expectedShareKeys(v), "share_server_id", "host")...)
				typeName := "default"
				if mustVersion(v).Compare(mustVersion("2.6")) < 0 {
					if member["share_type"] != typeName {
						t.Errorf("share_type below 2.6 is the name, got %v", member["share_type"])
					}
				} else if member["share_type"] == typeName || member["share_type_name"] != typeName {
					t.Errorf("from 2.6 share_type is the id: %v / %v", member["share_type"], member["share_type_name"])
				}
				if member["volume_type"] != typeName {
					t.Errorf("volume_type %v", member["volume_type"])
				}
				if mustVersion(v).Compare(mustVersion("2.9")) < 0 {
					paths := member["export_locations"].([]any)
					if len(paths) != 1 || member["export_location"] != paths[0] {
						t.Errorf("export_location(s) below 2.9: %v / %v", member["export_location"], paths)
					}
				}
			})
		}
	}
	t.Run("summary list has id, name, links", func(t *testing.T) {
		r := ts.do(t, req{method: "GET", path: "/v2/shares", token: tokMember, version: "2.99"}).expectStatus(t, 200).json(t)
		expectKeys(t, "list body", r, "shares")
		expectKeys(t, "summary", r["shares"].([]any)[0].(map[string]any), "id", "name", "links")
	})
}

func nextMinor(v string) string {
	p := mustVersion(v)
	return fmt.Sprintf("%d.%d", p.Major, p.Minor+1)
}

func TestShareVisibilityAndPolicy(t *testing.T) {
	ts := startServer(t)
	id := createShare(t, ts, tokMember, nil)
	waitShareStatus(t, ts, id, "available")

	t.Run("reader sees, cannot write", func(t *testing.T) {
		getShare(t, ts, tokReader, "2.99", id)
		ts.do(t, req{method: "PUT", path: "/v2/shares/" + id, token: tokReader, body: map[string]any{"share": map[string]any{"display_name": "x"}}}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
		ts.do(t, req{method: "DELETE", path: "/v2/shares/" + id, token: tokReader}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
		ts.do(t, req{method: "POST", path: "/v2/shares", token: tokReader, body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1}}}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	})
	t.Run("another project's private share is 404, but its export locations 403 as in Manila", func(t *testing.T) {
		for _, r := range []*resp{
			ts.do(t, req{method: "GET", path: "/v2/shares/" + id, token: tokOtherMember}),
			ts.do(t, req{method: "PUT", path: "/v2/shares/" + id, token: tokOtherMember, body: map[string]any{"share": map[string]any{"display_name": "x"}}}),
			ts.do(t, req{method: "DELETE", path: "/v2/shares/" + id, token: tokOtherMember}),
		} {
			r.expectFault(t, 404, "itemNotFound", "The resource could not be found.")
		}
		// Manila's export location controller finds the share in any
		// project, then refuses share:get (Manila's tests expect 403).
		ts.do(t, req{method: "GET", path: "/v2/shares/" + id + "/export_locations", token: tokOtherMember, version: "2.9"}).
			expectFault(t, 403, "forbidden", "Policy doesn't allow share:get to be performed.")
		if got := ts.do(t, req{method: "GET", path: "/v2/shares?all_tenants=1", token: tokOtherMember}).json(t)["shares"].([]any); len(got) != 0 {
			t.Fatalf("all_tenants must be ignored for non-admins, got %v", got)
		}
	})
	t.Run("admins of any project see and change it", func(t *testing.T) {
		getShare(t, ts, tokOtherAdmin, "2.99", id)
		ts.do(t, req{method: "PUT", path: "/v2/shares/" + id, token: tokOtherAdmin, body: map[string]any{"share": map[string]any{"display_name": "by-admin"}}}).expectStatus(t, 200)
	})
	t.Run("public shares are readable by others, not writable", func(t *testing.T) {
		ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "is_public": true}}}).
			expectFault(t, 403, "forbidden", "User is not authorized to set 'is_public' to True in the request.")
		pub := createShare(t, ts, tokAdmin, map[string]any{"is_public": true})
		waitShareStatus(t, ts, pub, "available")
		getShare(t, ts, tokOtherMember, "2.99", pub)
		ts.do(t, req{method: "PUT", path: "/v2/shares/" + pub, token: tokOtherMember, body: map[string]any{"share": map[string]any{"display_name": "x"}}}).
			expectFault(t, 403, "forbidden", "Policy doesn't allow share:update to be performed.")
		ts.do(t, req{method: "DELETE", path: "/v2/shares/" + pub, token: tokOtherMember}).
			expectFault(t, 403, "forbidden", "Policy doesn't allow share:delete to be performed.")
		list := ts.do(t, req{method: "GET", path: "/v2/shares?is_public=true", token: tokOtherMember}).expectStatus(t, 200).json(t)["shares"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["id"] != pub {
			t.Fatalf("is_public=true list for another project: %v", list)
		}
	})
}

func TestShareAdminActions(t *testing.T) {
	ts := startServer(t)
	id := createShare(t, ts, tokMember, nil)
	waitShareStatus(t, ts, id, "available")
	action := func(token, version string, body any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: token, version: version, body: body})
	}

	t.Run("reset_status needs admin", func(t *testing.T) {
		action(tokMember, "2.7", map[string]any{"reset_status": map[string]any{"status": "error"}}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	})
	t.Run("reset_status at 2.7, os-reset_status at 2.6", func(t *testing.T) {
		r := action(tokAdmin, "2.7", map[string]any{"reset_status": map[string]any{"status": "error"}}).expectStatus(t, 202)
		if len(r.raw) != 0 {
			t.Errorf("202 body %q, want empty", r.raw)
		}
		if sh := getShare(t, ts, tokAdmin, "2.7", id); sh["status"] != "error" {
			t.Fatalf("status %v", sh["status"])
		}
		action(tokAdmin, "2.6", map[string]any{"os-reset_status": map[string]any{"status": "available"}}).expectStatus(t, 202)
		if sh := getShare(t, ts, tokAdmin, "2.6", id); sh["status"] != "available" {
			t.Fatalf("status %v", sh["status"])
		}
	})
	t.Run("the other generation's name is 404", func(t *testing.T) {
		action(tokAdmin, "2.6", map[string]any{"reset_status": map[string]any{"status": "error"}}).
			expectFault(t, 404, "itemNotFound", "The resource could not be found.")
		action(tokAdmin, "2.7", map[string]any{"os-reset_status": map[string]any{"status": "error"}}).
			expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	})
	t.Run("bad action bodies", func(t *testing.T) {
		action(tokAdmin, "2.7", map[string]any{"frobnicate": nil}).expectFault(t, 400, "badRequest", "There is no such action: frobnicate")
		action(tokAdmin, "2.7", map[string]any{"reset_status": nil, "force_delete": nil}).expectFault(t, 400, "badRequest", "Malformed request body")
		action(tokAdmin, "2.7", `{}`).expectFault(t, 400, "badRequest", "Malformed request body")
		ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokAdmin, version: "2.7", body: `{"reset_status": {}}`, contentType: "text/plain"}).
			expectFault(t, 400, "badRequest", "There is no such action: None")
		action(tokAdmin, "2.7", map[string]any{"reset_status": map[string]any{}}).expectFault(t, 400, "badRequest", "Must specify 'status'")
		action(tokAdmin, "2.7", map[string]any{"reset_status": map[string]any{"status": "inactive"}}).
			expectFault(t, 400, "badRequest", "Invalid state. Valid states: creating, available, deleting, error, error_deleting, migrating, migrating_to, server_migrating.")
		r := action(tokAdmin, "2.7", map[string]any{"reset_status": map[string]any{"status": "bogus"}})
		r.expectStatus(t, 400)
		if msg := r.json(t)["badRequest"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, "Invalid input for field/attribute status. Value: bogus. 'bogus' is not one of ['creating', ") {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("unknown share", func(t *testing.T) {
		ts.do(t, req{method: "POST", path: "/v2/shares/nope/action", token: tokAdmin, version: "2.7", body: map[string]any{"reset_status": map[string]any{"status": "error"}}}).
			expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	})
	t.Run("delete refuses busy states, force_delete does not", func(t *testing.T) {
		action(tokAdmin, "2.7", map[string]any{"reset_status": map[string]any{"status": "creating"}}).expectStatus(t, 202)
		ts.do(t, req{method: "DELETE", path: "/v2/shares/" + id, token: tokMember}).
			expectFault(t, 403, "forbidden", "Invalid share: Share status must be one of ('available', 'error', 'inactive').")
		action(tokMember, "2.7", map[string]any{"force_delete": nil}).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
		action(tokAdmin, "2.7", map[string]any{"force_delete": nil}).expectStatus(t, 202)
		waitShareGone(t, ts, id)
	})
}

func TestShareSoftDelete(t *testing.T) {
	ts := startServer(t)
	id := createShare(t, ts, tokMember, nil)
	waitShareStatus(t, ts, id, "available")
	act := func(v string, body any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokMember, version: v, body: body})
	}
	act("2.68", map[string]any{"soft_delete": nil}).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	act("2.69", map[string]any{"soft_delete": nil}).expectStatus(t, 202)
	act("2.69", map[string]any{"soft_delete": nil}).expectFault(t, 403, "forbidden", "Invalid share: The share has been soft deleted already.")

	sh := getShare(t, ts, tokMember, "2.69", id)
	if sh["is_soft_deleted"] != true || sh["scheduled_to_be_deleted_at"] == nil {
		t.Fatalf("soft-deleted share: %v %v", sh["is_soft_deleted"], sh["scheduled_to_be_deleted_at"])
	}
	list := func(q string) []any {
		return ts.do(t, req{method: "GET", path: "/v2/shares" + q, token: tokMember, version: "2.69"}).expectStatus(t, 200).json(t)["shares"].([]any)
	}
	if n := len(list("")); n != 0 {
		t.Fatalf("soft-deleted share listed by default (%d)", n)
	}
	if n := len(list("?is_soft_deleted=true")); n != 1 {
		t.Fatalf("recycle bin has %d shares", n)
	}
	ts.do(t, req{method: "GET", path: "/v2/shares?is_soft_deleted=maybe", token: tokMember, version: "2.69"}).
		expectFault(t, 400, "badRequest", "Invalid value maybe for is_soft_deleted. Expecting a boolean.")
	ts.do(t, req{method: "PUT", path: "/v2/shares/" + id, token: tokMember, body: map[string]any{"share": map[string]any{"display_name": "x"}}}).
		expectFault(t, 403, "forbidden", "Share '"+id+" cannot be updated, since it has been soft deleted.")

	act("2.69", map[string]any{"restore": nil}).expectStatus(t, 202)
	act("2.69", map[string]any{"restore": nil}).expectStatus(t, 200)
	if n := len(list("")); n != 1 {
		t.Fatalf("restored share not listed (%d)", n)
	}
}

func TestShareListFiltersSortingPaging(t *testing.T) {
	ts := startServer(t)
	var ids []string
	for i, name := range []string{"alpha", "beta", "gamma"} {
		ids = append(ids, createShare(t, ts, tokMember, map[string]any{
			"name": name, "description": "d-" + name, "size": i + 1, "metadata": map[string]any{"n": name},
		}))
		time.Sleep(2 * time.Millisecond) // distinct created_at
	}
	other := createShare(t, ts, tokOtherMember, map[string]any{"name": "alpha"})
	for _, id := range append(ids, other) {
		waitShareStatus(t, ts, id, "available")
	}
	names := func(token, version, q string) []string {
		t.Helper()
		r := ts.do(t, req{method: "GET", path: "/v2/shares/detail" + q, token: token, version: version}).expectStatus(t, 200).json(t)
		var out []string
		for _, s := range r["shares"].([]any) {
			out = append(out, fmt.Sprint(s.(map[string]any)["name"]))
		}
		return out
	}
	cases := []struct {
		name, token, version, query string
		want                        []string
	}{
		{"default order is created_at desc", tokMember, "2.99", "", []string{"gamma", "beta", "alpha"}},
		{"sort by name asc", tokMember, "2.99", "?sort_key=name&sort_dir=asc", []string{"alpha", "beta", "gamma"}},
		{"sort by size desc", tokMember, "2.99", "?sort_key=size&sort_dir=DESC", []string{"gamma", "beta", "alpha"}},
		{"exact name", tokMember, "2.99", "?name=beta", []string{"beta"}},
		{"name~ substring", tokMember, "2.99", "?name~=a&sort_key=name&sort_dir=asc", []string{"alpha", "beta", "gamma"}},
		{"name~ ignored below 2.36", tokMember, "2.35", "?name~=zzz", []string{"gamma", "beta", "alpha"}},
		{"description exact", tokMember, "2.99", "?description=d-gamma", []string{"gamma"}},
		// Terraform's share data source sends display_description.
		{"display_description at any version", tokMember, "2.35", "?display_description=d-gamma", []string{"gamma"}},
		{"description ignored below 2.36", tokMember, "2.35", "?description=d-gamma", []string{"gamma", "beta", "alpha"}},
		{"description wins over display_description", tokMember, "2.99", "?description=d-beta&display_description=d-gamma", []string{"beta"}},
		{"display_name", tokMember, "2.99", "?display_name=beta", []string{"beta"}},
		{"description~", tokMember, "2.99", "?description~=bet", []string{"beta"}},
		{"status", tokMember, "2.99", "?status=error", nil},
		{"metadata dict literal", tokMember, "2.99", "?metadata=" + urlq("{'n': 'beta'}"), []string{"beta"}},
		{"limit", tokMember, "2.99", "?limit=2", []string{"gamma", "beta"}},
		{"limit and offset", tokMember, "2.99", "?limit=2&offset=2", []string{"alpha"}},
		{"offset without limit is ignored", tokMember, "2.99", "?offset=2", []string{"gamma", "beta", "alpha"}},
		{"limit 0", tokMember, "2.99", "?limit=0", nil},
		{"admin all_tenants", tokAdmin, "2.99", "?all_tenants=1&name=alpha", []string{"alpha", "alpha"}},
		{"admin all_tenants with project_id", tokAdmin, "2.99", "?all_tenants=1&project_id=" + projB, []string{"alpha"}},
		{"admin without all_tenants sees own project", tokAdmin, "2.99", "?name=alpha", []string{"alpha"}},
		{"project_id ignored for members", tokMember, "2.99", "?project_id=" + projB, []string{"gamma", "beta", "alpha"}},
		{"share_type_id", tokMember, "2.99", "?share_type_id=nope", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := names(c.token, c.version, c.query)
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	t.Run("with_count and next link", func(t *testing.T) {
		r := ts.do(t, req{method: "GET", path: "/v2/" + projA + "/shares?limit=2&with_count=true", token: tokMember, version: "2.42"}).expectStatus(t, 200).json(t)
		expectKeys(t, "list with count", r, "shares", "count", "shares_links")
		if r["count"] != float64(3) {
			t.Errorf("count %v", r["count"])
		}
		shares := r["shares"].([]any)
		last := shares[1].(map[string]any)["id"]
		want := []any{map[string]any{"rel": "next", "href": ts.URL + "/v2/" + projA + "/shares?limit=2&with_count=true&marker=" + last.(string)}}
		if !jsonEqual(r["shares_links"], want) {
			t.Errorf("links %s, want %s", mustJSON(r["shares_links"]), mustJSON(want))
		}
		r = ts.do(t, req{method: "GET", path: "/v2/shares?with_count=true", token: tokMember, version: "2.41"}).expectStatus(t, 200).json(t)
		expectKeys(t, "with_count below 2.42", r, "shares")
	})
	t.Run("errors", func(t *testing.T) {
		ts.do(t, req{method: "GET", path: "/v2/shares?sort_key=availability_zone", token: tokMember}).
			expectFault(t, 400, "badRequest", "Invalid input received: Wrong sorting key provided - 'availability_zone'.")
		ts.do(t, req{method: "GET", path: "/v2/shares?sort_dir=up", token: tokMember}).
			expectFault(t, 400, "badRequest", "Invalid input received: Wrong sorting data provided: sort key is 'created_at' and sort direction is 'up'.")
		ts.do(t, req{method: "GET", path: "/v2/shares?metadata=x", token: tokMember}).
			expectFault(t, 400, "badRequest", "Invalid input received: Wrong metadata filter provided: x.")
		ts.do(t, req{method: "GET", path: "/v2/shares?host=h", token: tokMember}).
			expectFault(t, 403, "forbidden", "Policy doesn't allow share:list_by_host to be performed.")
		ts.do(t, req{method: "GET", path: "/v2/shares?extra_specs=" + urlq("{'a':'b'}"), token: tokMember}).
			expectFault(t, 403, "forbidden", "Policy doesn't allow share_types_extra_spec:index to be performed.")
		ts.do(t, req{method: "GET", path: "/v2/shares?all_tenants=maybe", token: tokAdmin}).
			expectFault(t, 400, "badRequest", "Unrecognized value 'maybe', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'")
	})
}

func TestConcurrentDeletesOneWins(t *testing.T) {
	// With an hour's transition the create job never finishes; an admin
	// reset makes each share deletable.
	ts := startServer(t, func(o *options) { o.MinTransition = time.Hour })
	for round := 0; round < 10; round++ {
		id := createShare(t, ts, tokMember, nil)
		ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokAdmin, version: "2.7",
			body: map[string]any{"reset_status": map[string]any{"status": "available"}}}).expectStatus(t, 202)
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i] = ts.do(t, req{method: "DELETE", path: "/v2/shares/" + id, token: tokMember}).status
			}()
		}
		close(start)
		wg.Wait()
		won, lost := 0, 0
		for _, s := range statuses {
			switch s {
			case 202:
				won++
			case 403:
				lost++
			default:
				t.Fatalf("unexpected status %d", s)
			}
		}
		if won != 1 || lost != n-1 {
			t.Fatalf("round %d: %d won, %d lost (%v)", round, won, lost, statuses)
		}
	}
}

func TestJobsResumeAfterRestart(t *testing.T) {
	ts := startServer(t, func(o *options) { o.holdJobs = true })
	id := createShare(t, ts, tokMember, nil)
	if sh := getShare(t, ts, tokMember, "2.99", id); sh["status"] != "creating" {
		t.Fatalf("status with the job held: %v", sh["status"])
	}
	// Stop with the job still queued: it must survive in the database.
	ts.restart(func(o *options) { o.holdJobs = false })
	waitShareStatus(t, ts, id, "available")
	if !fileExists(filepath.Join(ts.opts.DataDir, "shares", id)) {
		t.Fatal("the resumed job did not create the share's directory")
	}
}

// A 202-acknowledged DELETE is never dropped: a reset_status that lands
// while the delete job is queued (or running) changes the status, but the
// share is deleted all the same, as Manila's share manager deletes it.
func TestShareDeleteSurvivesResetStatus(t *testing.T) {
	ts := startServer(t, func(o *options) { o.holdJobs = true })
	ids := make([]string, 5)
	for i := range ids {
		ids[i] = createShare(t, ts, tokMember, nil)
		// With the jobs held, the create is still queued: reset makes the
		// share deletable, the delete is queued behind it, and a second
		// reset lands while the delete is certainly still queued.
		resetShare(t, ts, ids[i], "available")
		ts.do(t, req{method: "DELETE", path: "/v2/shares/" + ids[i], token: tokMember}).expectStatus(t, 202)
		resetShare(t, ts, ids[i], "available")
		if sh := getShare(t, ts, tokMember, "2.99", ids[i]); sh["status"] != "available" {
			t.Fatalf("status after the reset: %v", sh["status"])
		}
	}
	ts.restart(func(o *options) { o.holdJobs = false })
	for _, id := range ids {
		waitShareGone(t, ts, id)
		if fileExists(filepath.Join(ts.opts.DataDir, "shares", id)) {
			t.Errorf("share %s's directory is still there", id)
		}
	}
}
