package main

import (
	"testing"

	"github.com/google/uuid"

	"github.com/manilite/manilite/storage"
)

func init() {
	// An export location of projA's share with the item k1=v1.
	matrixExtraNeeds["export_location_metadata"] = func(t *testing.T, ts *testServer, ids map[string]string, share func() string) {
		id := share()
		el := uuid.NewString()
		if err := ts.app.db.Write(t.Context(), func(tx *storageTx) error {
			return tx.AddExportLocation(t.Context(), storage.ExportLocation{ID: el, ShareID: id, Path: "/srv/" + id, Preferred: true})
		}); err != nil {
			t.Fatal(err)
		}
		ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/export_locations/" + el + "/metadata", token: tokMember, version: "2.87",
			body: map[string]any{"metadata": map[string]any{"k1": "v1"}}}).expectStatus(t, 200)
		ids["export_location"], ids["key"] = el, "k1"
	}
	md := fixedBody(map[string]any{"metadata": map[string]any{"a": "b"}})
	for op, fx := range map[string]matrixFixture{
		"ListExportLocationMetadata":       {needs: []string{"export_location_metadata"}, body: noBody, success: 200, other: 404},
		"CreateExportLocationMetadata":     {needs: []string{"export_location_metadata"}, body: md, success: 200, other: 404},
		"UpdateAllExportLocationMetadata":  {needs: []string{"export_location_metadata"}, body: md, success: 200, other: 404},
		"ShowExportLocationMetadataItem":   {needs: []string{"export_location_metadata"}, body: noBody, success: 200, other: 404},
		"DeleteExportLocationMetadataItem": {needs: []string{"export_location_metadata"}, body: noBody, success: 200, other: 404},
		// Manila merges the item into the current ones before its one-item
		// check: an export location always has "preferred", so this is 400.
		"UpdateExportLocationMetadataItem": {needs: []string{"export_location_metadata"}, body: fixedBody(map[string]any{"metadata": map[string]any{"k1": "v2"}}), success: 400, other: 404},
	} {
		matrixFixtures[op] = fx
	}
}

// Export location metadata (2.87+): preferred is an admin-only item, the
// views show the other items as metadata and read preferred from its item.
func TestExportLocationMetadata(t *testing.T) {
	ts := startServer(t)
	share := availableShare(t, ts, tokMember, nil)
	els := ts.do(t, req{method: "GET", path: "/v2/shares/" + share + "/export_locations", token: tokMember, version: "2.87"}).
		expectStatus(t, 200).json(t)["export_locations"].([]any)
	el := els[0].(map[string]any)
	if !jsonEqual(el["metadata"], map[string]any{}) || el["preferred"] != true {
		t.Fatalf("export location at 2.87: %v", el)
	}
	elID := el["id"].(string)
	base := "/v2/shares/" + share + "/export_locations/" + elID + "/metadata"
	do := func(method, path, token, version string, body any) *resp {
		return ts.do(t, req{method: method, path: path, token: token, version: version, body: body})
	}
	md := func(m map[string]any) map[string]any { return map[string]any{"metadata": m} }

	got := do("GET", base, tokReader, "2.87", nil).expectStatus(t, 200).json(t)
	if !jsonEqual(got, md(map[string]any{"preferred": "True"})) {
		t.Errorf("metadata %v", got)
	}
	do("GET", base, tokMember, "2.86", nil).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	// Merge: the answer is the whole metadata.
	got = do("POST", base, tokMember, "2.87", md(map[string]any{"site": "a"})).expectStatus(t, 200).json(t)
	if !jsonEqual(got, md(map[string]any{"preferred": "True", "site": "a"})) {
		t.Errorf("after merge %v", got)
	}
	// preferred is admin-only.
	do("POST", base, tokMember, "2.87", md(map[string]any{"preferred": "False"})).
		expectFault(t, 403, "forbidden", "Cannot set or update admin only metadata.")
	// A member's replace keeps it.
	got = do("PUT", base, tokMember, "2.87", md(map[string]any{"rack": "7"})).expectStatus(t, 200).json(t)
	if !jsonEqual(got, md(map[string]any{"preferred": "True", "rack": "7"})) {
		t.Errorf("after replace %v", got)
	}
	// An admin may change it, and the view follows.
	do("POST", base, tokAdmin, "2.87", md(map[string]any{"preferred": "False"})).expectStatus(t, 200)
	shown := do("GET", "/v2/shares/"+share+"/export_locations/"+elID, tokMember, "2.87", nil).expectStatus(t, 200).json(t)["export_location"].(map[string]any)
	if shown["preferred"] != false || !jsonEqual(shown["metadata"], map[string]any{"rack": "7"}) {
		t.Errorf("export location after the admin's change: %v", shown)
	}
	item := do("GET", base+"/rack", tokMember, "2.87", nil).expectStatus(t, 200).json(t)
	if !jsonEqual(item, map[string]any{"meta": map[string]any{"rack": "7"}}) {
		t.Errorf("item %v", item)
	}
	do("POST", base+"/rack", tokMember, "2.87", md(map[string]any{"rack": "8"})).
		expectFault(t, 400, "badRequest", "Request body contains too many items")
	do("DELETE", base+"/rack", tokMember, "2.87", nil).expectStatus(t, 200)
	do("GET", base+"/rack", tokMember, "2.87", nil).expectFault(t, 404, "itemNotFound", "MetadataItemNotFound: Metadata item is not found.")
	do("POST", base, tokMember, "2.87", md(map[string]any{"": "x"})).expectFault(t, 400, "badRequest", "Metadata property key is blank.")
	do("GET", "/v2/shares/"+share+"/export_locations/nope/metadata", tokMember, "2.87", nil).
		expectFault(t, 404, "itemNotFound", "Share_export_location not found.")
	do("GET", "/v2/shares/nope/export_locations/"+elID+"/metadata", tokMember, "2.87", nil).
		expectFault(t, 404, "itemNotFound", "Share 'nope' not found.")
	do("GET", base, tokOtherMember, "2.87", nil).expectFault(t, 404, "itemNotFound", "Share '"+share+"' not found.")
}
