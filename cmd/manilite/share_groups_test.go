package main

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

const sgv = "2.55" // share groups without the experimental header

func sgReq(method, path, token string, body any) req {
	return req{method: method, path: path, token: token, version: sgv, body: body}
}

func createShareGroup(t *testing.T, ts *testServer, token string, body map[string]any) map[string]any {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := ts.do(t, sgReq("POST", "/v2/share-groups", token, map[string]any{"share_group": body})).expectStatus(t, 202)
	return r.json(t)["share_group"].(map[string]any)
}

func waitShareGroupStatus(t *testing.T, ts *testServer, id, status string) map[string]any {
	t.Helper()
	var g map[string]any
	waitFor(t, 30*time.Second, "share group "+id+" to be "+status, func() bool {
		g = ts.do(t, sgReq("GET", "/v2/share-groups/"+id, tokAdmin, nil)).expectStatus(t, 200).json(t)["share_group"].(map[string]any)
		return g["status"] == status
	})
	return g
}

func waitShareGroupSnapshotStatus(t *testing.T, ts *testServer, id, status string) map[string]any {
	t.Helper()
	var c map[string]any
	waitFor(t, 30*time.Second, "share group snapshot "+id+" to be "+status, func() bool {
		c = ts.do(t, sgReq("GET", "/v2/share-group-snapshots/"+id, tokAdmin, nil)).expectStatus(t, 200).json(t)["share_group_snapshot"].(map[string]any)
		return c["status"] == status
	})
	return c
}

// shareInGroup creates a share in a share group and waits for it.
func shareInGroup(t *testing.T, ts *testServer, token, group string, size int) string {
	t.Helper()
	sh := ts.do(t, sgReq("POST", "/v2/shares", token, map[string]any{"share": map[string]any{"share_proto": "NFS", "size": size, "share_group_id": group}})).
		expectStatus(t, 200).json(t)["share"].(map[string]any)
	if sh["share_group_id"] != group {
		t.Fatalf("share created in %v, want %s", sh["share_group_id"], group)
	}
	waitShareStatus(t, ts, sh["id"].(string), "available")
	return sh["id"].(string)
}

func defaultIDs(t *testing.T, ts *testServer) (shareType, groupType string) {
	t.Helper()
	shareType = ts.do(t, req{method: "GET", path: "/v2/types/default", token: tokAdmin}).expectStatus(t, 200).json(t)["share_type"].(map[string]any)["id"].(string)
	gt, err := ts.app.db.GetShareGroupTypeByName(t.Context(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return shareType, gt.ID
}

func TestShareGroupsByVersion(t *testing.T) {
	ts := startServer(t)
	for _, r := range []req{
		{method: "GET", path: "/v2/share-groups", token: tokMember, version: "2.30", experimental: true},
		{method: "GET", path: "/v2/share-groups", token: tokMember, version: "2.31"},
		{method: "GET", path: "/v2/share-group-snapshots", token: tokMember, version: "2.54"},
		{method: "POST", path: "/v2/share-groups", token: tokMember, version: "2.54", body: map[string]any{}},
	} {
		ts.do(t, r).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	}
	ts.do(t, req{method: "GET", path: "/v2/share-groups", token: tokMember, version: "2.31", experimental: true}).expectStatus(t, 200)
	ts.do(t, req{method: "GET", path: "/v2/share-group-snapshots/detail", token: tokMember, version: "2.55"}).expectStatus(t, 200)
	ts.do(t, req{method: "GET", path: "/v2/" + projA + "/share-groups/detail", token: tokMember, version: "2.99"}).expectStatus(t, 200)
}

func TestShareGroupLifecycle(t *testing.T) {
	ts := startServer(t)
	shareType, groupType := defaultIDs(t, ts)

	g := createShareGroup(t, ts, tokMember, map[string]any{"name": "sg", "description": "a group"})
	id := g["id"].(string)
	expectKeys(t, "share group (member)", g, "id", "name", "created_at", "status", "description", "project_id", "host",
		"share_group_type_id", "source_share_group_snapshot_id", "share_network_id", "share_types", "links",
		"availability_zone", "consistent_snapshot_support")
	if g["status"] != "creating" || g["share_group_type_id"] != groupType || !jsonEqual(g["share_types"], []any{shareType}) || g["project_id"] != projA {
		t.Fatalf("new group %v", g)
	}
	want := []any{
		map[string]any{"rel": "self", "href": ts.URL + "/v2/" + projA + "/share_groups/" + id},
		map[string]any{"rel": "bookmark", "href": ts.URL + "/" + projA + "/share_groups/" + id},
	}
	if !jsonEqual(g["links"], want) {
		t.Errorf("links %v", g["links"])
	}
	g = waitShareGroupStatus(t, ts, id, "available")
	if g["host"] != "manilite@local#pool" || g["availability_zone"] != "nova" || g["consistent_snapshot_support"] != nil {
		t.Errorf("available group %v", g)
	}
	if _, ok := g["share_server_id"]; !ok {
		t.Error("admins see share_server_id")
	}
	old := ts.do(t, req{method: "GET", path: "/v2/share-groups/" + id, token: tokMember, version: "2.33", experimental: true}).json(t)["share_group"].(map[string]any)
	if _, ok := old["availability_zone"]; ok {
		t.Error("availability_zone before 2.34")
	}

	// The consistency group API sees the same record.
	cg := ts.do(t, cgReq("GET", "/v2/consistency-groups/"+id, tokMember, nil)).expectStatus(t, 200).json(t)["consistency_group"].(map[string]any)
	if cg["name"] != "sg" || cg["status"] != "available" {
		t.Errorf("as a consistency group: %v", cg)
	}

	up := ts.do(t, sgReq("PUT", "/v2/share-groups/"+id, tokMember, map[string]any{"share_group": map[string]any{"name": "renamed"}})).
		expectStatus(t, 200).json(t)["share_group"].(map[string]any)
	if up["name"] != "renamed" || up["description"] != "a group" {
		t.Fatalf("updated %v", up)
	}
	ts.do(t, sgReq("PUT", "/v2/share-groups/"+id, tokMember, map[string]any{"share_group": map[string]any{"share_types": []any{}, "host": "h"}})).
		expectFault(t, 400, "badRequest", "The fields {'host', 'share_types'} are invalid or not allowed to be updated.")
	ts.do(t, sgReq("PUT", "/v2/share-groups/"+id, tokMember, map[string]any{"group": map[string]any{}})).
		expectFault(t, 400, "badRequest", "'share_group' is missing from the request body.")
	ts.do(t, sgReq("GET", "/v2/share-groups/"+id, tokOtherMember, nil)).expectFault(t, 404, "itemNotFound", "Share group "+id+" not found.")

	// Shares join with share_group_id and are listed by it.
	s1 := shareInGroup(t, ts, tokMember, id, 1)
	s2 := shareInGroup(t, ts, tokMember, id, 2)
	shares := ts.do(t, sgReq("GET", "/v2/shares/detail?share_group_id="+id, tokMember, nil)).expectStatus(t, 200).json(t)["shares"].([]any)
	if len(shares) != 2 {
		t.Fatalf("%d shares in the group", len(shares))
	}
	if n := len(ts.do(t, sgReq("GET", "/v2/shares?share_group_id=nope", tokMember, nil)).json(t)["shares"].([]any)); n != 0 {
		t.Fatalf("%d shares in no group", n)
	}
	ts.do(t, sgReq("DELETE", "/v2/share-groups/"+id, tokMember, nil)).
		expectFault(t, 409, "conflictingRequest", "Invalid share group: Cannot delete a share group with shares")
	ts.do(t, sgReq("DELETE", "/v2/shares/"+s1, tokMember, nil)).
		expectFault(t, 400, "badRequest", "Must provide 'share_group_id' as a request parameter when deleting a share in a share group.")
	ts.do(t, sgReq("DELETE", "/v2/shares/"+s1+"?share_group_id=other", tokMember, nil)).
		expectFault(t, 400, "badRequest", "The specified 'share_group_id' does not match the share group id of the share.")
	for _, s := range []string{s1, s2} {
		ts.do(t, sgReq("DELETE", "/v2/shares/"+s+"?share_group_id="+id, tokMember, nil)).expectStatus(t, 202)
	}
	waitFor(t, 10*time.Second, "the group's shares gone", func() bool {
		return len(ts.do(t, sgReq("GET", "/v2/shares?share_group_id="+id, tokMember, nil)).json(t)["shares"].([]any)) == 0
	})
	ts.do(t, sgReq("DELETE", "/v2/share-groups/"+id, tokMember, nil)).expectStatus(t, 202)
	waitFor(t, 10*time.Second, "group gone", func() bool {
		return ts.do(t, sgReq("GET", "/v2/share-groups/"+id, tokMember, nil)).status == 404
	})
}

func TestShareGroupListFilters(t *testing.T) {
	ts := startServer(t, func(o *options) { o.MinTransition = time.Hour })
	a := createShareGroup(t, ts, tokMember, map[string]any{"name": "alpha", "description": "first"})["id"].(string)
	b := createShareGroup(t, ts, tokMember, map[string]any{"name": "beta"})["id"].(string)
	c := createShareGroup(t, ts, tokOtherMember, map[string]any{"name": "gamma"})["id"].(string)
	ids := func(path, token string) []string {
		t.Helper()
		var out []string
		for _, g := range ts.do(t, sgReq("GET", path, token, nil)).expectStatus(t, 200).json(t)["share_groups"].([]any) {
			out = append(out, g.(map[string]any)["id"].(string))
		}
		return out
	}
	for _, tc := range []struct {
		path, token string
		want        []string
	}{
		{"/v2/share-groups", tokMember, []string{b, a}}, // created_at desc
		{"/v2/share-groups?sort_key=name&sort_dir=asc", tokMember, []string{a, b}},
		{"/v2/share-groups/detail?name=alpha", tokMember, []string{a}},
		{"/v2/share-groups?name~=et", tokMember, []string{b}},
		{"/v2/share-groups?description~=irs", tokMember, []string{a}},
		{"/v2/share-groups?status=creating&sort_key=name&sort_dir=desc", tokMember, []string{b, a}},
		{"/v2/share-groups?status=available", tokMember, nil},
		{"/v2/share-groups?all_tenants=1&sort_key=name&sort_dir=asc", tokAdmin, []string{a, b, c}},
		{"/v2/share-groups?all_tenants=1", tokMember, []string{b, a}}, // only admins list every project
		{"/v2/share-groups?limit=1&offset=1&sort_key=name&sort_dir=asc", tokMember, []string{b}},
	} {
		if got := ids(tc.path, tc.token); !jsonEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.path, got, tc.want)
		}
	}
	_, groupType := defaultIDs(t, ts)
	if got := ids("/v2/share-groups?group_type_id="+groupType+"&sort_key=name&sort_dir=asc", tokMember); !jsonEqual(got, []string{a, b}) {
		t.Errorf("by group_type_id: %v", got)
	}
	// Below 2.36 the substring filters are ignored, as in Manila.
	old := ts.do(t, req{method: "GET", path: "/v2/share-groups?name~=et", token: tokMember, version: "2.35", experimental: true}).json(t)["share_groups"].([]any)
	if len(old) != 2 {
		t.Errorf("name~ at 2.35 filtered: %v", old)
	}
	ts.do(t, sgReq("GET", "/v2/share-groups?foo=bar", tokMember, nil)).
		expectFault(t, 400, "badRequest", "Invalid input received: Share groups cannot be filtered using 'foo' key.")
	ts.do(t, sgReq("GET", "/v2/share-groups?sort_key=size", tokMember, nil)).
		expectFault(t, 400, "badRequest", "Invalid input received: Wrong sorting key provided - 'size'.")
	ts.do(t, sgReq("GET", "/v2/share-groups?sort_dir=up", tokMember, nil)).
		expectFault(t, 400, "badRequest", "Invalid input received: Wrong sorting data provided: sort key is 'created_at' and sort direction is 'up'.")
	ts.do(t, sgReq("GET", "/v2/share-group-snapshots?name~=x", tokMember, nil)).
		expectFault(t, 400, "badRequest", "Invalid input received: Share group snapshots cannot be filtered using 'name~' key.")
	ts.do(t, sgReq("GET", "/v2/share-group-snapshots?share_id=x", tokMember, nil)).
		expectFault(t, 400, "badRequest", "Invalid input received: Share group snapshots cannot be filtered using 'share_id' key.")
	page := ts.do(t, sgReq("GET", "/v2/share-groups?limit=1", tokMember, nil)).json(t)
	if links, ok := page["share_groups_links"].([]any); !ok || len(links) != 1 {
		t.Errorf("a full page has a next link: %v", page)
	}
}

func TestShareGroupCreateErrors(t *testing.T) {
	ts := startServer(t, func(o *options) { o.Quotas["share_groups"] = 1 })
	shareType, groupType := defaultIDs(t, ts)
	post := func(token string, body map[string]any) *resp {
		return ts.do(t, sgReq("POST", "/v2/share-groups", token, map[string]any{"share_group": body}))
	}
	ts.do(t, sgReq("POST", "/v2/share-groups", tokMember, map[string]any{"group": map[string]any{}})).
		expectFault(t, 400, "badRequest", "'share_group' is missing from the request body.")
	post(tokMember, map[string]any{"size": 1, "share_proto": "NFS"}).
		expectFault(t, 400, "badRequest", "The fields {'share_proto', 'size'} are invalid.")
	post(tokMember, map[string]any{"share_types": []any{shareType}, "source_share_group_snapshot_id": shareType}).
		expectFault(t, 400, "badRequest", "Cannot supply both 'share_types' and 'source_share_group_snapshot_id' attributes.")
	post(tokMember, map[string]any{"share_types": []any{"default"}}).
		expectFault(t, 400, "badRequest", "The 'share_types' attribute must be a list of uuids")
	post(tokMember, map[string]any{"share_network_id": shareType, "source_share_group_snapshot_id": shareType}).
		expectFault(t, 400, "badRequest", "Cannot supply both 'share_network_id' and 'source_share_group_snapshot_id' attributes as the share network is inherited from the source.")
	post(tokMember, map[string]any{"availability_zone": "nova", "source_share_group_snapshot_id": shareType}).
		expectFault(t, 400, "badRequest", "Cannot supply both 'availability_zone' and 'source_share_group_snapshot_id' attributes as the availability zone is inherited from the source.")
	post(tokMember, map[string]any{"availability_zone": "elsewhere"}).
		expectFault(t, 404, "itemNotFound", "Availability zone elsewhere could not be found.")
	post(tokMember, map[string]any{"source_share_group_snapshot_id": "snap"}).
		expectFault(t, 400, "badRequest", "The 'source_share_group_snapshot_id' attribute must be a uuid.")
	post(tokMember, map[string]any{"share_group_type_id": "default"}).
		expectFault(t, 400, "badRequest", "The 'share_group_type_id' attribute must be a uuid.")
	post(tokMember, map[string]any{"share_group_type_id": shareType}).
		expectFault(t, 400, "badRequest", "Invalid input received: The specified share group type "+shareType+" does not exist.")
	post(tokMember, map[string]any{"share_types": []any{groupType}}).
		expectFault(t, 400, "badRequest", "Share type with id "+groupType+" could not be found.")
	other := ts.do(t, req{method: "POST", path: "/v2/types", token: tokAdmin, body: map[string]any{"share_type": map[string]any{"name": "other",
		"extra_specs": map[string]any{"driver_handles_share_servers": false}}}}).expectStatus(t, 200).json(t)["share_type"].(map[string]any)["id"].(string)
	post(tokMember, map[string]any{"share_types": []any{other}}).
		expectFault(t, 400, "badRequest", "Invalid input received: The specified share types must be a subset of the share types supported by the share group type.")
	post(tokMember, map[string]any{"source_share_group_snapshot_id": shareType}).
		expectFault(t, 400, "badRequest", "Share group snapshot "+shareType+" could not be found.")

	g := post(tokMember, map[string]any{"availability_zone": "nova"}).expectStatus(t, 202).json(t)["share_group"].(map[string]any)
	if g["availability_zone"] != "nova" {
		t.Errorf("zone %v", g["availability_zone"])
	}
	r := post(tokMember, map[string]any{})
	r.expectFault(t, 413, "overLimit", "ShareGroupsLimitExceeded: Maximum number of allowed share-groups is exceeded.")
	if r.header.Get("Retry-After") != "0" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	quota := ts.do(t, sgReq("GET", "/v2/quota-sets/"+projA+"/detail", tokAdmin, nil)).expectStatus(t, 200).json(t)["quota_set"].(map[string]any)
	if u := quota["share_groups"].(map[string]any); u["in_use"] != float64(1) || u["limit"] != float64(1) {
		t.Errorf("share_groups quota %v", u)
	}

	// A share joins only an available group of its type.
	ts.do(t, sgReq("POST", "/v2/shares", tokMember, map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "share_group_id": "nope"}})).
		expectFault(t, 404, "itemNotFound", "Share group nope could not be found.")
	ts.do(t, sgReq("POST", "/v2/shares", tokOtherMember, map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "share_group_id": g["id"]}})).
		expectFault(t, 404, "itemNotFound", "Share group "+g["id"].(string)+" could not be found.")
	waitShareGroupStatus(t, ts, g["id"].(string), "available")
	ts.do(t, sgReq("POST", "/v2/shares", tokMember, map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "share_group_id": g["id"], "share_type": "other"}})).
		expectFault(t, 400, "badRequest", "The specified share type ("+other+") is not supported by the specified share group ("+g["id"].(string)+").")
	ts.do(t, sgReq("POST", "/v2/share-groups/"+g["id"].(string)+"/action", tokAdmin, map[string]any{"reset_status": map[string]any{"status": "error"}})).expectStatus(t, 202)
	ts.do(t, sgReq("POST", "/v2/shares", tokMember, map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "share_group_id": g["id"]}})).
		expectFault(t, 400, "badRequest", "Share group status must be available, got error.")
}

func TestShareGroupSnapshotsAndGroupsFromThem(t *testing.T) {
	ts := startServer(t)
	g := createShareGroup(t, ts, tokMember, map[string]any{"name": "sg"})["id"].(string)
	waitShareGroupStatus(t, ts, g, "available")
	s1 := shareInGroup(t, ts, tokMember, g, 1)
	s2 := shareInGroup(t, ts, tokMember, g, 2)
	write := func(share, name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(sharePath(ts, share), name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(s1, "a.txt", "first write to s1")
	write(s2, "b.txt", "first write to s2")

	post := func(token string, body any) *resp {
		return ts.do(t, sgReq("POST", "/v2/share-group-snapshots", token, body))
	}
	post(tokMember, map[string]any{"snap": map[string]any{}}).expectFault(t, 400, "badRequest", "'share_group_snapshot' is missing from the request body.")
	post(tokMember, map[string]any{"share_group_snapshot": map[string]any{"name": "x"}}).expectFault(t, 400, "badRequest", "Must supply 'share_group_id' attribute.")
	post(tokMember, map[string]any{"share_group_snapshot": map[string]any{"share_group_id": "foo"}}).expectFault(t, 400, "badRequest", "The 'share_group_id' attribute must be a uuid.")
	post(tokOtherMember, map[string]any{"share_group_snapshot": map[string]any{"share_group_id": g}}).expectFault(t, 400, "badRequest", "Share group "+g+" could not be found.")
	resetShare(t, ts, s2, "error")
	post(tokMember, map[string]any{"share_group_snapshot": map[string]any{"share_group_id": g}}).
		expectFault(t, 409, "conflictingRequest", "Invalid share group: Share "+s2+" in share group must have status of available in order to create a group snapshot")
	resetShare(t, ts, s2, "available")

	c := post(tokMember, map[string]any{"share_group_snapshot": map[string]any{"share_group_id": g, "name": "snap", "unknown": "ignored"}}).
		expectStatus(t, 202).json(t)["share_group_snapshot"].(map[string]any)
	cs := c["id"].(string)
	expectKeys(t, "share group snapshot", c, "id", "name", "created_at", "status", "description", "project_id", "share_group_id", "members", "links")
	if c["status"] != "creating" || c["share_group_id"] != g || len(c["members"].([]any)) != 2 {
		t.Fatalf("share group snapshot %v", c)
	}
	if !jsonEqual(c["links"].([]any)[0], map[string]any{"rel": "self", "href": ts.URL + "/v2/" + projA + "/share_group_snapshot/" + cs}) {
		t.Errorf("links %v", c["links"])
	}
	waitShareGroupSnapshotStatus(t, ts, cs, "available")
	// The cgsnapshot API sees the same record.
	if old := ts.do(t, cgReq("GET", "/v2/cgsnapshots/"+cs, tokMember, nil)).expectStatus(t, 200).json(t)["cgsnapshot"].(map[string]any); old["consistency_group_id"] != g {
		t.Errorf("as a cgsnapshot: %v", old)
	}
	write(s1, "a.txt", "second write to s1")

	members := ts.do(t, sgReq("GET", "/v2/share-group-snapshots/"+cs+"/members", tokMember, nil)).expectStatus(t, 200).json(t)["share_group_snapshot_members"].([]any)
	var shareIDs []string
	for _, m := range members {
		mm := m.(map[string]any)
		expectKeys(t, "member", mm, "id", "created_at", "size", "share_protocol", "project_id", "share_group_snapshot_id", "share_id")
		if mm["share_group_snapshot_id"] != cs || mm["share_protocol"] != "NFS" {
			t.Errorf("member %v", mm)
		}
		shareIDs = append(shareIDs, mm["share_id"].(string))
	}
	sort.Strings(shareIDs)
	want := []string{s1, s2}
	sort.Strings(want)
	if !jsonEqual(shareIDs, want) {
		t.Fatalf("members' shares %v, want %v", shareIDs, want)
	}
	ts.do(t, sgReq("GET", "/v2/share-group-snapshots/"+cs+"/members", tokOtherMember, nil)).
		expectFault(t, 404, "itemNotFound", "Share group snapshot "+cs+" not found.")
	ts.do(t, sgReq("DELETE", "/v2/shares/"+s1+"?share_group_id="+g, tokMember, nil)).
		expectFault(t, 403, "forbidden", "Invalid share: Share still has 1 dependent share group snapshot members.")

	list := ts.do(t, sgReq("GET", "/v2/share-group-snapshots/detail?share_group_id="+g, tokMember, nil)).expectStatus(t, 200).json(t)["share_group_snapshots"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != cs {
		t.Fatalf("snapshots of the group: %v", list)
	}
	ts.do(t, sgReq("DELETE", "/v2/share-groups/"+g, tokMember, nil)).
		expectFault(t, 409, "conflictingRequest", "Invalid share group: Cannot delete a share group with snapshots")

	// A group made from the snapshot gets one new share per member, with
	// the member's data as it was.
	ng := createShareGroup(t, ts, tokMember, map[string]any{"source_share_group_snapshot_id": cs})
	ngID := ng["id"].(string)
	if ng["source_share_group_snapshot_id"] != cs {
		t.Fatalf("new group %v", ng)
	}
	waitShareGroupStatus(t, ts, ngID, "available")
	newShares := ts.do(t, sgReq("GET", "/v2/shares/detail?share_group_id="+ngID, tokMember, nil)).json(t)["shares"].([]any)
	if len(newShares) != 2 {
		t.Fatalf("%d shares in the new group", len(newShares))
	}
	for _, sh := range newShares {
		shm := sh.(map[string]any)
		if shm["source_share_group_snapshot_member_id"] == nil || shm["status"] != "available" {
			t.Errorf("new share %v", shm)
		}
		if shm["size"] == float64(1) {
			if b, err := os.ReadFile(filepath.Join(sharePath(ts, shm["id"].(string)), "a.txt")); err != nil || string(b) != "first write to s1" {
				t.Errorf("new share's a.txt: %q %v", b, err)
			}
		}
	}

	// Update, reset and delete.
	ts.do(t, sgReq("PUT", "/v2/share-group-snapshots/"+cs, tokMember, map[string]any{"share_group_snapshot": map[string]any{"share_group_id": g}})).
		expectFault(t, 400, "badRequest", "The fields {'share_group_id'} are invalid or not allowed to be updated.")
	up := ts.do(t, sgReq("PUT", "/v2/share-group-snapshots/"+cs, tokMember, map[string]any{"share_group_snapshot": map[string]any{"name": "renamed"}})).
		expectStatus(t, 200).json(t)["share_group_snapshot"].(map[string]any)
	if up["name"] != "renamed" {
		t.Errorf("updated %v", up)
	}
	action := func(token string, body map[string]any) *resp {
		return ts.do(t, sgReq("POST", "/v2/share-group-snapshots/"+cs+"/action", token, body))
	}
	action(tokMember, map[string]any{"reset_status": map[string]any{"status": "creating"}}).
		expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	action(tokAdmin, map[string]any{"reset_status": map[string]any{"status": "creating"}}).expectStatus(t, 202)
	ts.do(t, sgReq("DELETE", "/v2/share-group-snapshots/"+cs, tokMember, nil)).
		expectFault(t, 409, "conflictingRequest", "Invalid share group snapshot: Share group snapshot status must be one of ('available', 'error')")
	action(tokAdmin, map[string]any{"reset_status": map[string]any{"status": "available"}}).expectStatus(t, 202)
	ts.do(t, sgReq("DELETE", "/v2/share-group-snapshots/"+cs, tokMember, nil)).expectStatus(t, 202)
	waitFor(t, 10*time.Second, "snapshot gone", func() bool {
		return ts.do(t, sgReq("GET", "/v2/share-group-snapshots/"+cs, tokMember, nil)).status == 404
	})

	// force_delete takes a group with its shares' records as they are.
	ts.do(t, sgReq("POST", "/v2/share-groups/"+ngID+"/action", tokMember, map[string]any{"force_delete": nil})).
		expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	ts.do(t, sgReq("POST", "/v2/share-groups/"+ngID+"/action", tokAdmin, map[string]any{"force_delete": nil})).expectStatus(t, 202)
	ts.do(t, sgReq("GET", "/v2/share-groups/"+ngID, tokMember, nil)).expectFault(t, 404, "itemNotFound", "Share group "+ngID+" not found.")
}

// The share group operations in the policy matrix: the "group" and
// "cgsnapshot" fixtures are share groups and their snapshots, whichever
// API made them.
func init() {
	for op, fx := range map[string]matrixFixture{
		"ListShareGroups":       {body: noBody, success: 200},
		"ListShareGroupsDetail": {body: noBody, success: 200},
		"CreateShareGroup":      {body: fixedBody(map[string]any{"share_group": map[string]any{}}), success: 202},
		"ShowShareGroup":        {needs: []string{"group"}, body: noBody, success: 200, other: 404},
		"UpdateShareGroup": {needs: []string{"group"}, body: fixedBody(map[string]any{"share_group": map[string]any{"name": "renamed"}}),
			success: 200, other: 404},
		"DeleteShareGroup": {needs: []string{"group"}, body: noBody, success: 202, other: 404},
		"ShareGroupAction/reset_status": {needs: []string{"group"}, body: fixedBody(map[string]any{"reset_status": map[string]any{"status": "error"}}),
			success: 202, other: 404},
		"ShareGroupAction/force_delete": {needs: []string{"group"}, body: fixedBody(map[string]any{"force_delete": nil}), success: 202, other: 404},
		"ListShareGroupSnapshots":       {body: noBody, success: 200},
		"ListShareGroupSnapshotsDetail": {body: noBody, success: 200},
		// Another project's group named in the body is Manila's 400.
		"CreateShareGroupSnapshot": {needs: []string{"group"}, body: func(ids map[string]string) any {
			return map[string]any{"share_group_snapshot": map[string]any{"share_group_id": ids["group"]}}
		}, success: 202, other: 400},
		"ShowShareGroupSnapshot":        {needs: []string{"cgsnapshot"}, body: noBody, success: 200, other: 404},
		"ListShareGroupSnapshotMembers": {needs: []string{"cgsnapshot"}, body: noBody, success: 200, other: 404},
		"UpdateShareGroupSnapshot": {needs: []string{"cgsnapshot"}, body: fixedBody(map[string]any{"share_group_snapshot": map[string]any{"name": "renamed"}}),
			success: 200, other: 404},
		"DeleteShareGroupSnapshot": {needs: []string{"cgsnapshot"}, body: noBody, success: 202, other: 404},
		"ShareGroupSnapshotAction/reset_status": {needs: []string{"cgsnapshot"}, body: fixedBody(map[string]any{"reset_status": map[string]any{"status": "error"}}),
			success: 202, other: 404},
		"ShareGroupSnapshotAction/force_delete": {needs: []string{"cgsnapshot"}, body: fixedBody(map[string]any{"force_delete": nil}), success: 202, other: 404},
	} {
		matrixFixtures[op] = fx
	}
}
