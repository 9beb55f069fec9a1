package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

const cgv = "2.29" // the version python-manilaclient 1.12.0 speaks

func cgReq(method, path, token string, body any) req {
	return req{method: method, path: path, token: token, version: cgv, experimental: true, body: body}
}

func createCG(t *testing.T, ts *testServer, token string, body map[string]any) map[string]any {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := ts.do(t, cgReq("POST", "/v2/consistency-groups", token, map[string]any{"consistency_group": body})).expectStatus(t, 202)
	return r.json(t)["consistency_group"].(map[string]any)
}

func waitCGStatus(t *testing.T, ts *testServer, id, status string) map[string]any {
	t.Helper()
	var g map[string]any
	waitFor(t, 30*time.Second, "consistency group "+id+" to be "+status, func() bool {
		g = ts.do(t, cgReq("GET", "/v2/consistency-groups/"+id, tokAdmin, nil)).expectStatus(t, 200).json(t)["consistency_group"].(map[string]any)
		return g["status"] == status
	})
	return g
}

func waitCGSnapshotStatus(t *testing.T, ts *testServer, id, status string) map[string]any {
	t.Helper()
	var c map[string]any
	waitFor(t, 30*time.Second, "cgsnapshot "+id+" to be "+status, func() bool {
		c = ts.do(t, cgReq("GET", "/v2/cgsnapshots/"+id, tokAdmin, nil)).expectStatus(t, 200).json(t)["cgsnapshot"].(map[string]any)
		return c["status"] == status
	})
	return c
}

// shareInCG creates a share in a group without the experimental header, as
// old clients do, and waits for it.
func shareInCG(t *testing.T, ts *testServer, token, cg string, size int) string {
	t.Helper()
	r := ts.do(t, req{method: "POST", path: "/v2/shares", token: token, version: cgv,
		body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": size, "consistency_group_id": cg}}}).expectStatus(t, 200)
	sh := r.json(t)["share"].(map[string]any)
	if sh["consistency_group_id"] != cg {
		t.Fatalf("share created in %v, want %s", sh["consistency_group_id"], cg)
	}
	waitShareStatus(t, ts, sh["id"].(string), "available")
	return sh["id"].(string)
}

func TestConsistencyGroupsNeedExperimentalAndVersion(t *testing.T) {
	ts := startServer(t)
	for _, r := range []req{
		{method: "GET", path: "/v2/consistency-groups", token: tokMember, version: "2.4"},
		{method: "GET", path: "/v2/consistency-groups", token: tokMember, version: "2.3", experimental: true},
		{method: "GET", path: "/v2/cgsnapshots/detail", token: tokMember},
		{method: "POST", path: "/v2/cgsnapshots", token: tokMember, version: "2.99", body: map[string]any{}},
	} {
		ts.do(t, r).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	}
	// Kept at every version manilite accepts.
	ts.do(t, req{method: "GET", path: "/v2/consistency-groups", token: tokMember, version: "2.99", experimental: true}).expectStatus(t, 200)
	// An empty id does not list.
	ts.do(t, cgReq("GET", "/v2/consistency-groups/", tokMember, nil)).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	ts.do(t, cgReq("DELETE", "/v2/consistency-groups/", tokMember, nil)).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
}

func TestConsistencyGroupLifecycle(t *testing.T) {
	ts := startServer(t)
	def := ts.do(t, req{method: "GET", path: "/v2/types/default", token: tokAdmin}).json(t)["share_type"].(map[string]any)["id"].(string)

	g := createCG(t, ts, tokMember, map[string]any{"name": "ಠ_ಠ", "description": "ಠ_ರೃ"})
	id := g["id"].(string)
	expectKeys(t, "cg (member)", g, "id", "name", "created_at", "status", "description", "project_id", "host",
		"source_cgsnapshot_id", "share_network_id", "share_types", "links")
	if g["status"] != "creating" || g["host"] != nil || g["name"] != "ಠ_ಠ" || !jsonEqual(g["share_types"], []any{def}) || g["project_id"] != projA {
		t.Fatalf("new group %v", g)
	}
	want := []any{
		map[string]any{"rel": "self", "href": ts.URL + "/v2/" + projA + "/consistency_groups/" + id},
		map[string]any{"rel": "bookmark", "href": ts.URL + "/" + projA + "/consistency_groups/" + id},
	}
	if !jsonEqual(g["links"], want) {
		t.Errorf("links %v", g["links"])
	}
	g = waitCGStatus(t, ts, id, "available")
	if g["host"] != "manilite@local#pool" || g["description"] != "ಠ_ರೃ" {
		t.Errorf("available group %v", g)
	}
	admin := ts.do(t, cgReq("GET", "/v2/consistency-groups/"+id, tokAdmin, nil)).json(t)["consistency_group"].(map[string]any)
	if _, ok := admin["share_server_id"]; !ok {
		t.Error("admins see share_server_id")
	}

	list := ts.do(t, cgReq("GET", "/v2/consistency-groups", tokMember, nil)).expectStatus(t, 200).json(t)
	expectKeys(t, "list", list, "consistency_groups")
	expectKeys(t, "summary", list["consistency_groups"].([]any)[0].(map[string]any), "id", "name", "links")
	if n := len(ts.do(t, cgReq("GET", "/v2/consistency-groups/detail", tokOtherMember, nil)).json(t)["consistency_groups"].([]any)); n != 0 {
		t.Fatalf("another project lists %d groups", n)
	}
	ts.do(t, cgReq("GET", "/v2/consistency-groups/"+id, tokOtherMember, nil)).expectFault(t, 404, "itemNotFound", "Consistency group "+id+" not found.")
	if n := len(ts.do(t, cgReq("GET", "/v2/consistency-groups?all_tenants=1", tokOtherAdmin, nil)).json(t)["consistency_groups"].([]any)); n != 1 {
		t.Fatalf("admin all_tenants lists %d", n)
	}

	up := ts.do(t, cgReq("PUT", "/v2/consistency-groups/"+id, tokMember, map[string]any{"consistency_group": map[string]any{"name": "renamed"}})).
		expectStatus(t, 200).json(t)["consistency_group"].(map[string]any)
	if up["name"] != "renamed" || up["description"] != "ಠ_ರೃ" {
		t.Fatalf("updated %v", up)
	}
	ts.do(t, cgReq("PUT", "/v2/consistency-groups/"+id, tokMember, map[string]any{"consistency_group": map[string]any{"share_types": []any{def}}})).
		expectFault(t, 400, "badRequest", "The fields {'share_types'} are invalid or not allowed to be updated.")
	ts.do(t, cgReq("PUT", "/v2/consistency-groups/nope", tokMember, map[string]any{"consistency_group": map[string]any{"foo": 1, "bar": 2}})).
		expectFault(t, 400, "badRequest", "The fields {'bar', 'foo'} are invalid or not allowed to be updated.")
	ts.do(t, cgReq("PUT", "/v2/consistency-groups/wrong_consistency_group_id", tokMember, map[string]any{"consistency_group": map[string]any{"name": "x"}})).
		expectFault(t, 404, "itemNotFound", "Consistency group wrong_consistency_group_id not found.")

	// Shares join without the experimental header; the group's shares list.
	s1 := shareInCG(t, ts, tokMember, id, 1)
	s2 := shareInCG(t, ts, tokMember, id, 2)
	shares := ts.do(t, req{method: "GET", path: "/v2/shares/detail?consistency_group_id=" + id, token: tokMember}).expectStatus(t, 200).json(t)["shares"].([]any)
	if len(shares) != 2 {
		t.Fatalf("%d shares in the group", len(shares))
	}
	if sh := getShare(t, ts, tokMember, "2.4", s1); sh["consistency_group_id"] != id || sh["source_cgsnapshot_member_id"] != nil {
		t.Fatalf("share view at 2.4: %v %v", sh["consistency_group_id"], sh["source_cgsnapshot_member_id"])
	}
	ts.do(t, cgReq("DELETE", "/v2/consistency-groups/"+id, tokMember, nil)).
		expectFault(t, 409, "conflictingRequest", "Invalid ConsistencyGroup: Cannot delete a consistency group with shares")
	if g := waitCGStatus(t, ts, id, "available"); g["status"] != "available" {
		t.Fatal("a refused delete changed the group")
	}

	// Shares leave with ?consistency_group_id.
	ts.do(t, req{method: "DELETE", path: "/v2/shares/" + s1, token: tokMember}).
		expectFault(t, 400, "badRequest", "Must provide 'consistency_group_id' as a request parameter when deleting a share in a consistency group.")
	ts.do(t, req{method: "DELETE", path: "/v2/shares/" + s1 + "?consistency_group_id=other", token: tokMember}).
		expectFault(t, 400, "badRequest", "The specified 'consistency_group_id' does not match the consistency group id of the share.")
	for _, s := range []string{s1, s2} {
		ts.do(t, req{method: "DELETE", path: "/v2/shares/" + s + "?consistency_group_id=" + id, token: tokMember}).expectStatus(t, 202)
		waitShareGone(t, ts, s)
	}
	ts.do(t, cgReq("DELETE", "/v2/consistency-groups/"+id, tokMember, nil)).expectStatus(t, 202)
	waitFor(t, 10*time.Second, "group gone", func() bool {
		return ts.do(t, cgReq("GET", "/v2/consistency-groups/"+id, tokMember, nil)).status == 404
	})
}

func TestConsistencyGroupCreateErrors(t *testing.T) {
	ts := startServer(t)
	share := availableShare(t, ts, tokMember, nil)
	post := func(body any) *resp {
		return ts.do(t, cgReq("POST", "/v2/consistency-groups", tokMember, body))
	}
	uuid := "3f1e5a4c-1b2d-4e6f-8a9b-0c1d2e3f4a5b"
	for _, c := range []struct {
		name   string
		body   any
		status int
		fault  string
		msg    string
	}{
		{"no wrapper", map[string]any{"cg": map[string]any{}}, 400, "badRequest", "'consistency_group' is missing from the request body."},
		{"unknown key", map[string]any{"consistency_group": map[string]any{"foo": 1}}, 400, "badRequest", "The fields {'foo'} are invalid."},
		{"types and source", map[string]any{"consistency_group": map[string]any{"share_types": nil, "source_cgsnapshot_id": nil}}, 400, "badRequest", "Cannot supply both 'share_types' and 'source_cgsnapshot_id' attributes."},
		{"type not a uuid", map[string]any{"consistency_group": map[string]any{"share_types": []any{"foobar"}}}, 400, "badRequest", "The 'share_types' attribute must be a list of uuids"},
		{"types a string", map[string]any{"consistency_group": map[string]any{"share_types": "foobar"}}, 400, "badRequest", "The 'share_types' attribute must be a list of uuids"},
		{"network and source", map[string]any{"consistency_group": map[string]any{"share_network_id": uuid, "source_cgsnapshot_id": uuid}}, 400, "badRequest", "Cannot supply both 'share_network_id' and 'source_cgsnapshot_id' attributes as the share network is inherited from the source."},
		{"source not a uuid", map[string]any{"consistency_group": map[string]any{"source_cgsnapshot_id": "foobar"}}, 400, "badRequest", "The 'source_cgsnapshot_id' attribute must be a uuid."},
		{"network not a uuid", map[string]any{"consistency_group": map[string]any{"share_network_id": "foobar"}}, 400, "badRequest", "The 'share_network_id' attribute must be a uuid."},
		{"unknown source", map[string]any{"consistency_group": map[string]any{"source_cgsnapshot_id": uuid}}, 400, "badRequest", "Consistency group snapshot " + uuid + " could not be found."},
		{"source is a share", map[string]any{"consistency_group": map[string]any{"source_cgsnapshot_id": share}}, 400, "badRequest", "Consistency group snapshot " + share + " could not be found."},
		{"unknown type", map[string]any{"consistency_group": map[string]any{"share_types": []any{uuid}}}, 400, "badRequest", "Share type with id " + uuid + " could not be found"},
		{"type is a share", map[string]any{"consistency_group": map[string]any{"share_types": []any{share}}}, 400, "badRequest", "Share type with id " + share + " could not be found"},
		{"a network with DHSS false", map[string]any{"consistency_group": map[string]any{"share_network_id": uuid}}, 400, "badRequest", "Invalid input received: When using a share types with the driver_handles_share_servers extra spec as False, a share_network_id must not be provided."},
	} {
		t.Run(c.name, func(t *testing.T) { post(c.body).expectFault(t, c.status, c.fault, c.msg) })
	}
	t.Run("DHSS types", func(t *testing.T) {
		dhss := ts.do(t, req{method: "POST", path: "/v2/types", token: tokAdmin, body: map[string]any{"share_type": map[string]any{"name": "dhss",
			"extra_specs": map[string]any{"driver_handles_share_servers": true}}}}).expectStatus(t, 200).json(t)["share_type"].(map[string]any)["id"].(string)
		def := ts.do(t, req{method: "GET", path: "/v2/types/default", token: tokAdmin}).json(t)["share_type"].(map[string]any)["id"].(string)
		post(map[string]any{"consistency_group": map[string]any{"share_types": []any{def, dhss}}}).
			expectFault(t, 400, "badRequest", "Invalid input received: The specified share_types cannot have conflicting values for the driver_handles_share_servers extra spec.")
		post(map[string]any{"consistency_group": map[string]any{"share_types": []any{dhss}}}).
			expectFault(t, 400, "badRequest", "Invalid input received: When using a share type with the driver_handles_share_servers extra spec as True, a share_network_id must be provided.")
	})
	t.Run("shares of other types or into groups not available", func(t *testing.T) {
		other := ts.do(t, req{method: "POST", path: "/v2/types", token: tokAdmin, body: map[string]any{"share_type": map[string]any{"name": "other",
			"extra_specs": map[string]any{"driver_handles_share_servers": false}}}}).expectStatus(t, 200).json(t)["share_type"].(map[string]any)["id"].(string)
		g := createCG(t, ts, tokMember, nil)["id"].(string)
		ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: cgv,
			body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "consistency_group_id": g}}}).
			expectFault(t, 400, "badRequest", "Consistency group status must be available, gotcreating.")
		waitCGStatus(t, ts, g, "available")
		ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: cgv,
			body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "consistency_group_id": g, "share_type": other}}}).
			expectFault(t, 400, "badRequest", "The specified share type ("+other+") is not supported by the specified consistency group ("+g+").")
		ts.do(t, req{method: "POST", path: "/v2/shares", token: tokOtherMember, version: cgv,
			body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "consistency_group_id": g}}}).
			expectFault(t, 400, "badRequest", "ConsistencyGroup "+g+" could not be found.")
		// Below 2.4 the key is dropped, as Manila does.
		r := ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: "2.3",
			body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "consistency_group_id": g}}}).expectStatus(t, 200)
		id := r.json(t)["share"].(map[string]any)["id"].(string)
		if sh := getShare(t, ts, tokMember, "2.4", id); sh["consistency_group_id"] != nil {
			t.Fatalf("a 2.3 share joined a group: %v", sh["consistency_group_id"])
		}
	})
}

func TestCGSnapshotsAndGroupsFromThem(t *testing.T) {
	ts := startServer(t)
	g := createCG(t, ts, tokMember, map[string]any{"name": "cg"})["id"].(string)
	waitCGStatus(t, ts, g, "available")
	s1 := shareInCG(t, ts, tokMember, g, 1)
	s2 := shareInCG(t, ts, tokMember, g, 2)
	write := func(share, name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(sharePath(ts, share), name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(s1, "a.txt", "first write to s1")
	write(s2, "b.txt", "first write to s2")

	post := func(token string, body any) *resp { return ts.do(t, cgReq("POST", "/v2/cgsnapshots", token, body)) }
	t.Run("create errors", func(t *testing.T) {
		post(tokMember, map[string]any{"snap": map[string]any{}}).expectFault(t, 400, "badRequest", "'cgsnapshot' is missing from the request body")
		post(tokMember, map[string]any{"cgsnapshot": map[string]any{"name": "x"}}).expectFault(t, 400, "badRequest", "Must supply 'consistency_group_id' attribute.")
		post(tokMember, map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": "foobar"}}).expectFault(t, 400, "badRequest", "The 'consistency_group_id' attribute must be a uuid.")
		post(tokMember, map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": s1}}).expectFault(t, 400, "badRequest", "ConsistencyGroup "+s1+" could not be found.")
		post(tokOtherMember, map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": g}}).expectFault(t, 400, "badRequest", "ConsistencyGroup "+g+" could not be found.")
		resetShare(t, ts, s2, "error")
		post(tokMember, map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": g}}).
			expectFault(t, 409, "conflictingRequest", "Invalid ConsistencyGroup: Share "+s2+" in consistency group must have status of available in order to create a CG snapshot")
		resetShare(t, ts, s2, "available")
		ts.do(t, req{method: "POST", path: "/v2/consistency-groups/" + g + "/action", token: tokAdmin, version: "2.7", experimental: true,
			body: map[string]any{"reset_status": map[string]any{"status": "error"}}}).expectStatus(t, 202)
		post(tokMember, map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": g}}).
			expectFault(t, 409, "conflictingRequest", "Invalid ConsistencyGroup: Consistency group status must be available")
		ts.do(t, req{method: "POST", path: "/v2/consistency-groups/" + g + "/action", token: tokAdmin, version: "2.4", experimental: true,
			body: map[string]any{"os-reset_status": map[string]any{"status": "available"}}}).expectStatus(t, 202)
	})

	c := post(tokMember, map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": g, "name": "snap", "unknown": "ignored"}}).
		expectStatus(t, 202).json(t)["cgsnapshot"].(map[string]any)
	cs := c["id"].(string)
	expectKeys(t, "cgsnapshot", c, "id", "name", "created_at", "status", "description", "project_id", "consistency_group_id", "links")
	if c["status"] != "creating" || c["consistency_group_id"] != g {
		t.Fatalf("cgsnapshot %v", c)
	}
	if !jsonEqual(c["links"].([]any)[0], map[string]any{"rel": "self", "href": ts.URL + "/v2/" + projA + "/cgsnapshot/" + cs}) {
		t.Errorf("links %v", c["links"])
	}
	waitCGSnapshotStatus(t, ts, cs, "available")

	// Writes after the snapshot do not reach it.
	write(s1, "a.txt", "second write to s1")
	write(s2, "late.txt", "written after the snapshot")

	members := ts.do(t, cgReq("GET", "/v2/cgsnapshots/"+cs+"/members", tokMember, nil)).expectStatus(t, 200).json(t)["cgsnapshot_members"].([]any)
	if len(members) != 2 {
		t.Fatalf("%d members", len(members))
	}
	bySize := map[float64]string{}
	for _, m := range members {
		mm := m.(map[string]any)
		expectKeys(t, "member", mm, "id", "created_at", "size", "share_protocol", "project_id", "share_type_id", "cgsnapshot_id", "share_id")
		share := getShare(t, ts, tokMember, cgv, mm["share_id"].(string))
		if mm["size"] != share["size"] || mm["share_protocol"] != share["share_proto"] || mm["cgsnapshot_id"] != cs {
			t.Errorf("member %v does not match its share %v/%v", mm, share["size"], share["share_proto"])
		}
		bySize[mm["size"].(float64)] = mm["id"].(string)
	}
	// In the order they were made, their shares' (on both dialects: the
	// members were updated when the images were taken).
	if a, b := members[0].(map[string]any)["share_id"], members[1].(map[string]any)["share_id"]; a != s1 || b != s2 {
		t.Errorf("members of shares %v, %v; want %v, %v", a, b, s1, s2)
	}
	paged := ts.do(t, cgReq("GET", "/v2/cgsnapshots/"+cs+"/members?limit=1&offset=1", tokMember, nil)).expectStatus(t, 200).json(t)
	// Manila's quirk: the link names the cgsnapshot collection, under the
	// caller's project, with the cgsnapshot's id as the marker.
	wantLinks := []any{map[string]any{"rel": "next", "href": ts.URL + "/v2/" + projA + "/cgsnapshot?limit=1&offset=1&marker=" + cs}}
	if len(paged["cgsnapshot_members"].([]any)) != 1 || !jsonEqual(paged["cgsnapshot_members_links"], wantLinks) {
		t.Errorf("paged members %v", paged)
	}
	ts.do(t, cgReq("GET", "/v2/cgsnapshots/"+cs+"/members", tokOtherMember, nil)).
		expectFault(t, 404, "itemNotFound", "Consistency group snapshot "+cs+" not found.")
	ts.do(t, cgReq("GET", "/v2/cgsnapshots/nope/members", tokMember, nil)).
		expectFault(t, 404, "itemNotFound", "Consistency group snapshot nope not found.")

	// A member share cannot be deleted; the group cannot be deleted.
	ts.do(t, req{method: "DELETE", path: "/v2/shares/" + s1 + "?consistency_group_id=" + g, token: tokMember}).
		expectFault(t, 403, "forbidden", "Invalid share: Share still has 1 dependent cgsnapshot members.")
	ts.do(t, cgReq("DELETE", "/v2/consistency-groups/"+g, tokMember, nil)).
		expectFault(t, 409, "conflictingRequest", "Invalid ConsistencyGroup: Cannot delete a consistency group with cgsnapshots")

	// A group from the cgsnapshot: new shares holding exactly the images.
	ng := createCG(t, ts, tokMember, map[string]any{"source_cgsnapshot_id": cs})
	if ng["source_cgsnapshot_id"] != cs || ng["host"] != "manilite@local#pool" {
		t.Fatalf("group from cgsnapshot %v", ng)
	}
	ngID := ng["id"].(string)
	waitCGStatus(t, ts, ngID, "available")
	newShares := ts.do(t, req{method: "GET", path: "/v2/shares/detail?consistency_group_id=" + ngID, token: tokMember, version: cgv}).json(t)["shares"].([]any)
	if len(newShares) != 2 {
		t.Fatalf("%d shares in the new group", len(newShares))
	}
	var contents []string
	for _, x := range newShares {
		sh := x.(map[string]any)
		if sh["status"] != "available" || sh["source_cgsnapshot_member_id"] != bySize[sh["size"].(float64)] {
			t.Fatalf("new share %v %v, member by size %v", sh["status"], sh["source_cgsnapshot_member_id"], bySize)
		}
		entries, err := os.ReadDir(sharePath(ts, sh["id"].(string)))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(sharePath(ts, sh["id"].(string)), e.Name()))
			contents = append(contents, e.Name()+"="+string(b))
		}
	}
	sort.Strings(contents)
	if strings.Join(contents, ";") != "a.txt=first write to s1;b.txt=first write to s2" {
		t.Fatalf("new shares hold %v", contents)
	}

	// Delete, with the right states.
	ts.do(t, cgReq("PUT", "/v2/cgsnapshots/"+cs, tokMember, map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": g}})).
		expectFault(t, 400, "badRequest", "The fields {'consistency_group_id'} are invalid or not allowed to be updated.")
	up := ts.do(t, cgReq("PUT", "/v2/cgsnapshots/"+cs, tokMember, map[string]any{"cgsnapshot": map[string]any{"name": "renamed"}})).expectStatus(t, 200).json(t)
	if up["cgsnapshot"].(map[string]any)["name"] != "renamed" {
		t.Fatalf("update %v", up)
	}
	ts.do(t, req{method: "POST", path: "/v2/cgsnapshots/" + cs + "/action", token: tokAdmin, version: "2.6", experimental: true,
		body: map[string]any{"os-reset_status": map[string]any{"status": "creating"}}}).expectStatus(t, 202)
	ts.do(t, cgReq("DELETE", "/v2/cgsnapshots/"+cs, tokMember, nil)).
		expectFault(t, 409, "conflictingRequest", "Invalid CGSnapshot: Consistency group snapshot status must be one of ('available', 'error')")
	ts.do(t, req{method: "POST", path: "/v2/cgsnapshots/" + cs + "/action", token: tokAdmin, version: "2.7", experimental: true,
		body: map[string]any{"reset_status": map[string]any{"status": "available"}}}).expectStatus(t, 202)
	ts.do(t, cgReq("DELETE", "/v2/cgsnapshots/"+cs, tokMember, nil)).expectStatus(t, 202)
	waitFor(t, 10*time.Second, "cgsnapshot gone", func() bool {
		return ts.do(t, cgReq("GET", "/v2/cgsnapshots/"+cs, tokMember, nil)).status == 404
	})
	if fileExists(filepath.Join(ts.opts.DataDir, "cgsnapshots", cs)) {
		t.Fatal("the deleted cgsnapshot's images are still there")
	}
	ts.do(t, req{method: "DELETE", path: "/v2/shares/" + s1 + "?consistency_group_id=" + g, token: tokMember}).expectStatus(t, 202)
}

func TestCGAdminActionNamesByVersion(t *testing.T) {
	ts := startServer(t)
	g := createCG(t, ts, tokMember, nil)["id"].(string)
	waitCGStatus(t, ts, g, "available")
	act := func(token, version string, body any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/consistency-groups/" + g + "/action", token: token, version: version, experimental: true, body: body})
	}
	act(tokAdmin, "2.4", map[string]any{"os-reset_status": map[string]any{"status": "error"}}).expectStatus(t, 202)
	act(tokAdmin, "2.6", map[string]any{"reset_status": map[string]any{"status": "error"}}).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	act(tokAdmin, "2.7", map[string]any{"os-reset_status": map[string]any{"status": "error"}}).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	act(tokAdmin, "2.7", map[string]any{"reset_status": map[string]any{"status": "server_migrating"}}).
		expectFault(t, 400, "badRequest", "Invalid state. Valid states: creating, available, deleting, error, error_deleting, migrating, migrating_to.")
	act(tokMember, "2.7", map[string]any{"reset_status": map[string]any{"status": "error"}}).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	act(tokMember, "2.7", map[string]any{"force_delete": nil}).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	ts.do(t, req{method: "POST", path: "/v2/consistency-groups/nope/action", token: tokAdmin, version: "2.7", experimental: true,
		body: map[string]any{"force_delete": nil}}).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	// force_delete ignores shares and status.
	shareInCGAfterReset := func() {
		act(tokAdmin, "2.7", map[string]any{"reset_status": map[string]any{"status": "available"}}).expectStatus(t, 202)
		shareInCG(t, ts, tokMember, g, 1)
	}
	shareInCGAfterReset()
	act(tokAdmin, "2.6", map[string]any{"os-force_delete": nil}).expectStatus(t, 202)
	ts.do(t, cgReq("GET", "/v2/consistency-groups/"+g, tokAdmin, nil)).expectFault(t, 404, "itemNotFound", "Consistency group "+g+" not found.")
}

func TestRacingCGDeletes(t *testing.T) {
	ts := startServer(t, func(o *options) { o.MinTransition = time.Hour })
	for round := 0; round < 6; round++ {
		g := createCG(t, ts, tokMember, nil)["id"].(string)
		// Place it by hand (the job waits an hour): reset to available and
		// give it a host through a cgsnapshot-free path.
		if err := ts.app.db.Write(t.Context(), func(tx *storageTx) error { return placeCG(tx, g) }); err != nil {
			t.Fatal(err)
		}
		const n = 6
		statuses := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i] = ts.do(t, cgReq("DELETE", "/v2/consistency-groups/"+g, tokMember, nil)).status
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, s := range statuses {
			switch s {
			case 202:
				won++
			case 409:
			default:
				t.Fatalf("round %d: status %d (%v)", round, s, statuses)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d deletes won (%v)", round, won, statuses)
		}
	}
}

// While a cgsnapshot is being taken, nothing in manilite may change its
// member shares.
func TestMembersAreFrozenWhileACGSnapshotIsTaken(t *testing.T) {
	ts := startServer(t, func(o *options) { o.BackupMaxRate = 1 << 20 })
	g := createCG(t, ts, tokMember, nil)["id"].(string)
	waitCGStatus(t, ts, g, "available")
	s1 := shareInCG(t, ts, tokMember, g, 1)
	payload := make([]byte, 3<<20)
	for i := range payload {
		payload[i] = byte(i * 7919 >> 3)
	}
	if err := os.WriteFile(filepath.Join(sharePath(ts, s1), "big"), payload, 0o644); err != nil {
		t.Fatal(err)
	}
	cs := ts.do(t, cgReq("POST", "/v2/cgsnapshots", tokMember, map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": g}})).
		expectStatus(t, 202).json(t)["cgsnapshot"].(map[string]any)["id"].(string)
	busy := "Share is busy with an active task: Share " + s1 + " is busy as part of an active task: consistency group snapshot in progress."
	ts.do(t, backupReq("POST", "/v2/share-backups", tokMember, map[string]any{"share_backup": map[string]any{"share_id": s1}})).
		expectFault(t, 409, "conflictingRequest", busy)
	ts.do(t, req{method: "POST", path: "/v2/shares/" + s1 + "/action", token: tokAdmin, version: "2.7",
		body: map[string]any{"reset_status": map[string]any{"status": "error"}}}).expectFault(t, 409, "conflictingRequest", busy)
	ts.do(t, req{method: "DELETE", path: "/v2/shares/" + s1 + "?consistency_group_id=" + g, token: tokMember}).
		expectFault(t, 403, "forbidden", "Invalid share: Share still has 1 dependent cgsnapshot members.")
	if c := ts.do(t, cgReq("GET", "/v2/cgsnapshots/"+cs, tokMember, nil)).json(t)["cgsnapshot"].(map[string]any); c["status"] != "creating" {
		t.Fatalf("the test was too slow to see the cgsnapshot being taken: %v", c["status"])
	}
	waitCGSnapshotStatus(t, ts, cs, "available")
	// Afterwards the share is free again.
	ts.do(t, req{method: "POST", path: "/v2/shares/" + s1 + "/action", token: tokAdmin, version: "2.7",
		body: map[string]any{"reset_status": map[string]any{"status": "available"}}}).expectStatus(t, 202)
}
