package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Share and snapshot metadata over HTTP (manila/api/v2/metadata.py and the
// share controller's admin-only keys).

func init() {
	paramResource["key"] = "key"
	// A share of projA with the item k1=v1.
	matrixExtraNeeds["share_metadata"] = func(t *testing.T, ts *testServer, ids map[string]string, share func() string) {
		ts.do(t, req{method: "POST", path: "/v2/shares/" + share() + "/metadata", token: tokMember, version: "2.0",
			body: map[string]any{"metadata": map[string]any{"k1": "v1"}}}).expectStatus(t, 200)
		ids["key"] = "k1"
	}
	// A snapshot of projA with the item k1=v1.
	matrixExtraNeeds["snapshot_metadata"] = func(t *testing.T, ts *testServer, ids map[string]string, share func() string) {
		id := share()
		snap := createSnapshot(t, ts, tokMember, id)
		ts.do(t, req{method: "POST", path: "/v2/snapshots/" + snap + "/action", token: tokAdmin, version: "2.7",
			body: map[string]any{"reset_status": map[string]any{"status": "available"}}}).expectStatus(t, 202)
		resetShare(t, ts, id, "available")
		ts.do(t, req{method: "POST", path: "/v2/snapshots/" + snap + "/metadata", token: tokMember, version: "2.73",
			body: map[string]any{"metadata": map[string]any{"k1": "v1"}}}).expectStatus(t, 200)
		ids["snapshot"], ids["key"] = snap, "k1"
	}
	item := fixedBody(map[string]any{"meta": map[string]any{}, "metadata": map[string]any{"k1": "v2"}})
	md := fixedBody(map[string]any{"metadata": map[string]any{"a": "b"}})
	for op, fx := range map[string]matrixFixture{
		"ListShareMetadata":          {needs: []string{"share_metadata"}, body: noBody, success: 200, other: 404},
		"CreateShareMetadata":        {needs: []string{"share"}, body: md, success: 200, other: 404},
		"UpdateAllShareMetadata":     {needs: []string{"share"}, body: md, success: 200, other: 404},
		"ShowShareMetadataItem":      {needs: []string{"share_metadata"}, body: noBody, success: 200, other: 404},
		"UpdateShareMetadataItem":    {needs: []string{"share_metadata"}, body: item, success: 200, other: 404},
		"DeleteShareMetadataItem":    {needs: []string{"share_metadata"}, body: noBody, success: 200, other: 404},
		"ListSnapshotMetadata":       {needs: []string{"snapshot_metadata"}, body: noBody, success: 200, other: 404},
		"CreateSnapshotMetadata":     {needs: []string{"snapshot_metadata"}, body: md, success: 200, other: 404},
		"UpdateAllSnapshotMetadata":  {needs: []string{"snapshot_metadata"}, body: md, success: 200, other: 404},
		"ShowSnapshotMetadataItem":   {needs: []string{"snapshot_metadata"}, body: noBody, success: 200, other: 404},
		"UpdateSnapshotMetadataItem": {needs: []string{"snapshot_metadata"}, body: fixedBody(map[string]any{"metadata": map[string]any{"k1": "v2"}}), success: 200, other: 404},
		"DeleteSnapshotMetadataItem": {needs: []string{"snapshot_metadata"}, body: noBody, success: 200, other: 404},
	} {
		matrixFixtures[op] = fx
	}
}

func metaReq(method, path, token string, body any) req {
	return req{method: method, path: path, token: token, version: "2.99", body: body}
}

func TestShareMetadata(t *testing.T) {
	ts := startServer(t)
	id := createShare(t, ts, tokMember, map[string]any{"metadata": map[string]any{"a": "1"}})
	base := "/v2/shares/" + id + "/metadata"
	md := func(m map[string]any) map[string]any { return map[string]any{"metadata": m} }
	expectMD := func(t *testing.T, r *resp, want map[string]any) {
		t.Helper()
		if got := r.expectStatus(t, 200).json(t); !jsonEqual(got, md(want)) {
			t.Fatalf("metadata %s, want %s", mustJSON(got), mustJSON(md(want)))
		}
	}

	t.Run("index, merge, replace, item", func(t *testing.T) {
		expectMD(t, ts.do(t, metaReq("GET", base, tokReader, nil)), map[string]any{"a": "1"})
		expectMD(t, ts.do(t, metaReq("POST", base, tokMember, md(map[string]any{"b": "2", "a": "x"}))), map[string]any{"a": "x", "b": "2"})
		r := ts.do(t, metaReq("GET", base+"/b", tokReader, nil)).expectStatus(t, 200).json(t)
		if !jsonEqual(r, map[string]any{"meta": map[string]any{"b": "2"}}) {
			t.Fatalf("show item %s", mustJSON(r))
		}
		expectMD(t, ts.do(t, metaReq("PUT", base, tokMember, md(map[string]any{"c": "3"}))), map[string]any{"c": "3"})
		// The share view shows the same metadata.
		if got := getShare(t, ts, tokMember, "2.99", id)["metadata"]; !jsonEqual(got, map[string]any{"c": "3"}) {
			t.Fatalf("share view metadata %v", got)
		}
		// Manila's update_metadata_item: POST .../metadata/{key} with "meta" and "metadata".
		expectMD(t, ts.do(t, metaReq("POST", base+"/c", tokMember, map[string]any{"meta": map[string]any{}, "metadata": map[string]any{"c": "4"}})), map[string]any{"c": "4"})
		ts.do(t, metaReq("DELETE", base+"/c", tokMember, nil)).expectStatus(t, 200)
		expectMD(t, ts.do(t, metaReq("GET", base, tokMember, nil)), map[string]any{})
	})

	t.Run("Manila's key and value checks", func(t *testing.T) {
		for _, c := range []struct {
			body any
			msg  string
		}{
			{md(map[string]any{"": "v"}), "Metadata property key is blank."},
			{md(map[string]any{strings.Repeat("k", 256): "v"}), "Metadata property key is greater than 255 characters."},
			{md(map[string]any{"k": ""}), "Metadata property value is blank."},
			{md(map[string]any{"k": nil}), "Metadata property value is blank."},
			{md(map[string]any{"k": strings.Repeat("v", 1024)}), "Metadata property value is greater than 1023 characters."},
			{md(map[string]any{"k": 5}), "Malformed request body"},
			{map[string]any{"metadata": []any{"k"}}, "Malformed request body"},
			{map[string]any{"metadata": nil}, "Malformed request body"},
			{map[string]any{"meta": map[string]any{}}, "Malformed request body"},
		} {
			ts.do(t, metaReq("POST", base, tokMember, c.body)).expectFault(t, 400, "badRequest", c.msg)
			ts.do(t, metaReq("PUT", base, tokMember, c.body)).expectFault(t, 400, "badRequest", c.msg)
		}
		// 255 and 1023 characters are fine.
		ts.do(t, metaReq("POST", base, tokMember, md(map[string]any{strings.Repeat("k", 255): strings.Repeat("v", 1023)}))).expectStatus(t, 200)
		ts.do(t, metaReq("PUT", base, tokMember, md(map[string]any{}))).expectStatus(t, 200)
	})

	t.Run("update item: body and URI must agree", func(t *testing.T) {
		ts.do(t, metaReq("POST", base+"/k", tokMember, map[string]any{"metadata": map[string]any{"k": "v"}})).
			expectFault(t, 400, "badRequest", "Malformed request body")
		ts.do(t, metaReq("POST", base+"/k", tokMember, map[string]any{"meta": map[string]any{}, "metadata": map[string]any{"j": "v"}})).
			expectFault(t, 400, "badRequest", "Request body and URI mismatch")
		ts.do(t, metaReq("POST", base, tokMember, md(map[string]any{"other": "x"}))).expectStatus(t, 200)
		// Manila merges the share's items in before counting.
		ts.do(t, metaReq("POST", base+"/k", tokMember, map[string]any{"meta": map[string]any{}, "metadata": map[string]any{"k": "v"}})).
			expectFault(t, 400, "badRequest", "Request body contains too many items")
		ts.do(t, metaReq("PUT", base, tokMember, md(map[string]any{}))).expectStatus(t, 200)
	})

	t.Run("missing shares and items", func(t *testing.T) {
		missing := "/v2/shares/4e1b7a33-0000-4000-8000-000000000000/metadata"
		ts.do(t, metaReq("GET", missing, tokMember, nil)).expectFault(t, 404, "itemNotFound", "Share not found.")
		ts.do(t, metaReq("GET", missing+"/k", tokMember, nil)).expectFault(t, 404, "itemNotFound", "Share not found.")
		ts.do(t, metaReq("DELETE", missing+"/k", tokMember, nil)).expectFault(t, 404, "itemNotFound", "Share not found.")
		ts.do(t, metaReq("POST", missing, tokMember, md(map[string]any{"k": "v"}))).expectFault(t, 404, "itemNotFound", "NotFound: Resource could not be found.")
		ts.do(t, metaReq("PUT", missing, tokMember, md(map[string]any{"k": "v"}))).expectFault(t, 404, "itemNotFound", "NotFound: Resource could not be found.")
		ts.do(t, metaReq("GET", base+"/nope", tokMember, nil)).expectFault(t, 404, "itemNotFound", "MetadataItemNotFound: Metadata item is not found.")
		ts.do(t, metaReq("DELETE", base+"/nope", tokMember, nil)).expectFault(t, 404, "itemNotFound", "MetadataItemNotFound: Metadata item is not found.")
	})

	t.Run("other projects", func(t *testing.T) {
		ts.do(t, metaReq("GET", base, tokOtherMember, nil)).expectFault(t, 404, "itemNotFound", "Share not found.")
		ts.do(t, metaReq("POST", base, tokOtherMember, md(map[string]any{"k": "v"}))).expectFault(t, 404, "itemNotFound", "Share not found.")
		// A public share's metadata is readable by anyone, changeable only by its project.
		pub := createShare(t, ts, tokAdmin, map[string]any{"is_public": true, "metadata": map[string]any{"p": "1"}})
		pbase := "/v2/shares/" + pub + "/metadata"
		expectMD(t, ts.do(t, metaReq("GET", pbase, tokOtherMember, nil)), map[string]any{"p": "1"})
		ts.do(t, metaReq("POST", pbase, tokOtherMember, md(map[string]any{"k": "v"}))).
			expectFault(t, 403, "forbidden", "Policy doesn't allow share:get to be performed.")
		ts.do(t, metaReq("DELETE", pbase+"/p", tokOtherMember, nil)).
			expectFault(t, 403, "forbidden", "Policy doesn't allow share:get to be performed.")
		// Readers cannot change metadata.
		ts.do(t, metaReq("POST", base, tokReader, md(map[string]any{"k": "v"}))).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	})

	t.Run("admin-only keys", func(t *testing.T) {
		ts.do(t, metaReq("POST", base, tokMember, md(map[string]any{"__affinity_same_host": "x"}))).
			expectFault(t, 403, "forbidden", "Cannot set or update admin only metadata.")
		ts.do(t, metaReq("PUT", base, tokMember, md(map[string]any{"__managed_at": "x"}))).
			expectFault(t, 403, "forbidden", "Cannot set or update admin only metadata.")
		expectMD(t, ts.do(t, metaReq("POST", base, tokAdmin, md(map[string]any{"__managed_at": "then"}))), map[string]any{"__managed_at": "then"})
		// A member's replace keeps the admin-only items.
		expectMD(t, ts.do(t, metaReq("PUT", base, tokMember, md(map[string]any{"k": "v"}))), map[string]any{"__managed_at": "then", "k": "v"})
		ts.do(t, metaReq("DELETE", base+"/__managed_at", tokMember, nil)).
			expectFault(t, 403, "forbidden", "Policy doesn't allow share:update_admin_only_metadata to be performed.")
		ts.do(t, metaReq("DELETE", base+"/__managed_at", tokAdmin, nil)).expectStatus(t, 200)
		expectMD(t, ts.do(t, metaReq("GET", base, tokMember, nil)), map[string]any{"k": "v"})
	})

	t.Run("the project id in the URL", func(t *testing.T) {
		expectMD(t, ts.do(t, metaReq("GET", "/v2/"+projA+"/shares/"+id+"/metadata", tokMember, nil)), map[string]any{"k": "v"})
	})
}

func TestSnapshotMetadata(t *testing.T) {
	ts := startServer(t)
	sh := createShare(t, ts, tokMember, nil)
	waitShareStatus(t, ts, sh, "available")
	r := ts.do(t, req{method: "POST", path: "/v2/snapshots", token: tokMember, version: "2.73",
		body: map[string]any{"snapshot": map[string]any{"share_id": sh, "metadata": map[string]any{"a": "1"}}}}).expectStatus(t, 202)
	snap := r.json(t)["snapshot"].(map[string]any)["id"].(string)
	waitSnapshotStatus(t, ts, snap, "available")
	base := "/v2/snapshots/" + snap + "/metadata"
	at := func(method, path, token string, body any) req {
		return req{method: method, path: path, token: token, version: "2.73", body: body}
	}
	expect := func(t *testing.T, r *resp, key string, want map[string]any) {
		t.Helper()
		if got := r.expectStatus(t, 200).json(t); !jsonEqual(got, map[string]any{key: want}) {
			t.Fatalf("got %s, want %s", mustJSON(got), mustJSON(map[string]any{key: want}))
		}
	}

	t.Run("below 2.73 there is no such route", func(t *testing.T) {
		ts.do(t, req{method: "GET", path: base, token: tokMember, version: "2.72"}).
			expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	})
	t.Run("index, merge (answers the items sent), replace, item", func(t *testing.T) {
		expect(t, ts.do(t, at("GET", base, tokReader, nil)), "metadata", map[string]any{"a": "1"})
		expect(t, ts.do(t, at("POST", base, tokMember, map[string]any{"metadata": map[string]any{"b": "2"}})), "metadata", map[string]any{"b": "2"})
		expect(t, ts.do(t, at("GET", base, tokMember, nil)), "metadata", map[string]any{"a": "1", "b": "2"})
		expect(t, ts.do(t, at("GET", base+"/b", tokMember, nil)), "meta", map[string]any{"b": "2"})
		expect(t, ts.do(t, at("POST", base+"/b", tokMember, map[string]any{"metadata": map[string]any{"b": "3"}})), "metadata", map[string]any{"b": "3"})
		expect(t, ts.do(t, at("PUT", base, tokMember, map[string]any{"metadata": map[string]any{"c": "4"}})), "metadata", map[string]any{"c": "4"})
		sn := ts.do(t, at("GET", "/v2/snapshots/"+snap, tokMember, nil)).expectStatus(t, 200).json(t)["snapshot"].(map[string]any)
		if !jsonEqual(sn["metadata"], map[string]any{"c": "4"}) {
			t.Fatalf("snapshot view metadata %v", sn["metadata"])
		}
		ts.do(t, at("DELETE", base+"/c", tokMember, nil)).expectStatus(t, 200)
		expect(t, ts.do(t, at("GET", base, tokMember, nil)), "metadata", map[string]any{})
	})
	t.Run("errors", func(t *testing.T) {
		ts.do(t, at("POST", base, tokMember, map[string]any{"metadata": map[string]any{"k": ""}})).
			expectFault(t, 400, "badRequest", "Metadata property value is blank.")
		ts.do(t, at("POST", base+"/k", tokMember, map[string]any{"metadata": map[string]any{"j": "v"}})).
			expectFault(t, 400, "badRequest", "Request body and URI mismatch")
		ts.do(t, at("POST", base+"/k", tokMember, map[string]any{"metadata": map[string]any{"k": "v", "j": "v"}})).
			expectFault(t, 400, "badRequest", "Request body contains too many items")
		ts.do(t, at("GET", base+"/nope", tokMember, nil)).expectFault(t, 404, "itemNotFound", "MetadataItemNotFound: Metadata item is not found.")
		ts.do(t, at("DELETE", base+"/nope", tokMember, nil)).expectFault(t, 404, "itemNotFound", "MetadataItemNotFound: Metadata item is not found.")
		for _, method := range []string{"GET", "POST", "PUT"} {
			var body any
			if method != "GET" {
				body = map[string]any{"metadata": map[string]any{"k": "v"}}
			}
			ts.do(t, at(method, base, tokOtherMember, body)).expectFault(t, 404, "itemNotFound", "Share_snapshot not found.")
			ts.do(t, at(method, fmt.Sprintf("/v2/snapshots/%s/metadata", "4e1b7a33-0000-4000-8000-000000000000"), tokMember, body)).
				expectFault(t, 404, "itemNotFound", "Share_snapshot not found.")
		}
		ts.do(t, at("POST", base, tokReader, map[string]any{"metadata": map[string]any{"k": "v"}})).
			expectStatus(t, http.StatusForbidden)
	})
}
