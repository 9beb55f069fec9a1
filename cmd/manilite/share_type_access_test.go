package main

import (
	"fmt"
	"testing"
)

// Share type extra specs and type access over HTTP
// (manila/api/v2/share_types_extra_specs.py, share_types.py).

func init() {
	newType := func(t *testing.T, ts *testServer, public bool) string {
		return createType(t, ts, "2.99", map[string]any{"name": fmt.Sprintf("matrix-%d", typeSerial.Add(1)),
			"extra_specs":                 map[string]any{"driver_handles_share_servers": false, "foo": "bar"},
			"share_type_access:is_public": public})["id"].(string)
	}
	matrixExtraNeeds["type_spec"] = func(t *testing.T, ts *testServer, ids map[string]string, _ func() string) {
		ids["type"], ids["key"] = newType(t, ts, true), "foo"
	}
	matrixExtraNeeds["private_type"] = func(t *testing.T, ts *testServer, ids map[string]string, _ func() string) {
		ids["type"] = newType(t, ts, false)
	}
	matrixExtraNeeds["granted_type"] = func(t *testing.T, ts *testServer, ids map[string]string, _ func() string) {
		ids["type"] = newType(t, ts, false)
		grantType(t, ts, ids["type"], projB).expectStatus(t, 202)
	}
	for op, fx := range map[string]matrixFixture{
		"CreateShareTypeExtraSpecs": {needs: []string{"type"}, body: fixedBody(map[string]any{"extra_specs": map[string]any{"foo": "bar"}}), success: 200},
		"ShowShareTypeExtraSpec":    {needs: []string{"type_spec"}, body: noBody, success: 200},
		"UpdateShareTypeExtraSpec":  {needs: []string{"type_spec"}, body: fixedBody(map[string]any{"foo": "baz"}), success: 200},
		"DeleteShareTypeExtraSpec":  {needs: []string{"type_spec"}, body: noBody, success: 202},
		"ListShareTypeAccess":       {needs: []string{"private_type"}, body: noBody, success: 200},
		"ListShareTypeAccessLegacy": {needs: []string{"private_type"}, body: noBody, success: 200},
		"ShareTypeAction/addProjectAccess": {needs: []string{"private_type"},
			body: fixedBody(map[string]any{"addProjectAccess": map[string]any{"project": projB}}), success: 202},
		"ShareTypeAction/removeProjectAccess": {needs: []string{"granted_type"},
			body: fixedBody(map[string]any{"removeProjectAccess": map[string]any{"project": projB}}), success: 202},
	} {
		matrixFixtures[op] = fx
	}
}

func grantType(t *testing.T, ts *testServer, typeID, project string) *resp {
	return ts.do(t, req{method: "POST", path: "/v2/types/" + typeID + "/action", token: tokAdmin, version: "2.99",
		body: map[string]any{"addProjectAccess": map[string]any{"project": project}}})
}

func TestShareTypeExtraSpecs(t *testing.T) {
	ts := startServer(t)
	id := createType(t, ts, "2.99", map[string]any{"name": "gold", "extra_specs": map[string]any{"driver_handles_share_servers": false}})["id"].(string)
	base := "/v2/types/" + id + "/extra_specs"
	at := func(method, path, version string, body any) req {
		return req{method: method, path: path, token: tokAdmin, version: version, body: body}
	}
	specs := func(t *testing.T) map[string]any {
		return ts.do(t, at("GET", base, "2.99", nil)).expectStatus(t, 200).json(t)["extra_specs"].(map[string]any)
	}

	t.Run("create echoes the body; show, update, delete", func(t *testing.T) {
		body := map[string]any{"extra_specs": map[string]any{"snapshot_support": true, "availability_zones": "a , b", "x:y": "z"}}
		if got := ts.do(t, at("POST", base, "2.99", body)).expectStatus(t, 200).json(t); !jsonEqual(got, body) {
			t.Fatalf("create answered %s", mustJSON(got))
		}
		want := map[string]any{"driver_handles_share_servers": "False", "snapshot_support": "True", "availability_zones": "a,b", "x:y": "z"}
		if got := specs(t); !jsonEqual(got, want) {
			t.Fatalf("extra specs %s, want %s", mustJSON(got), mustJSON(want))
		}
		if got := ts.do(t, at("GET", base+"/x:y", "2.99", nil)).expectStatus(t, 200).json(t); !jsonEqual(got, map[string]any{"x:y": "z"}) {
			t.Fatalf("show %s", mustJSON(got))
		}
		if got := ts.do(t, at("PUT", base+"/x:y", "2.99", map[string]any{"x:y": "w"})).expectStatus(t, 200).json(t); !jsonEqual(got, map[string]any{"x:y": "w"}) {
			t.Fatalf("update %s", mustJSON(got))
		}
		ts.do(t, at("DELETE", base+"/x:y", "2.99", nil)).expectStatus(t, 202)
		ts.do(t, at("GET", base+"/x:y", "2.99", nil)).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
		ts.do(t, at("DELETE", base+"/x:y", "2.99", nil)).expectFault(t, 404, "itemNotFound", "Share Type "+id+" has no extra specs with key x:y.")
	})

	t.Run("Manila's validation", func(t *testing.T) {
		for _, c := range []struct {
			specs map[string]any
			msg   string
		}{
			{map[string]any{"driver_handles_share_servers": "maybe"}, "Invalid extra_spec: driver_handles_share_servers: maybe"},
			{map[string]any{"replication_type": "sometimes"}, "Invalid extra_spec: replication_type: sometimes"},
			{map[string]any{"provisioning:max_share_size": "0"}, "Invalid extra_spec: provisioning:max_share_size: 0"},
			{map[string]any{"k": ""}, "Invalid extra_spec: k: "},
			{map[string]any{"k": 5}, "Invalid extra_spec: k: 5"},
			{map[string]any{"bad key!": "v"}, "Key names can only contain alphanumeric characters, underscores, periods, colons and hyphens."},
			// Manila's create hides the boolean message behind webob's default.
			{map[string]any{"snapshot_support": "maybe"}, "The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n"},
		} {
			ts.do(t, at("POST", base, "2.99", map[string]any{"extra_specs": c.specs})).expectFault(t, 400, "badRequest", c.msg)
		}
		ts.do(t, at("POST", base, "2.99", map[string]any{"extra_specs": "x"})).
			expectFault(t, 400, "badRequest", "The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n")
		ts.do(t, at("PUT", base+"/snapshot_support", "2.99", map[string]any{"snapshot_support": "maybe"})).
			expectFault(t, 400, "badRequest", "Invalid extra_spec: Invalid boolean extra spec snapshot_support : maybe.")
		ts.do(t, at("PUT", base+"/k", "2.99", map[string]any{})).expectFault(t, 400, "badRequest", "Request body empty")
		ts.do(t, at("PUT", base+"/k", "2.99", map[string]any{"j": "v"})).expectFault(t, 400, "badRequest", "Request body and URI mismatch")
		ts.do(t, at("PUT", base+"/k", "2.99", map[string]any{"k": "v", "j": "v"})).expectFault(t, 400, "badRequest", "Request body contains too many items")
	})

	t.Run("undeletable specs", func(t *testing.T) {
		ts.do(t, at("DELETE", base+"/driver_handles_share_servers", "2.99", nil)).
			expectFault(t, 403, "forbidden", "Extra spec 'driver_handles_share_servers' can't be deleted.")
		ts.do(t, at("DELETE", base+"/snapshot_support", "2.23", nil)).
			expectFault(t, 403, "forbidden", "Extra spec 'snapshot_support' can't be deleted.")
		ts.do(t, at("DELETE", base+"/snapshot_support", "2.24", nil)).expectStatus(t, 202)
	})

	t.Run("unknown types", func(t *testing.T) {
		missing := "/v2/types/4e1b7a33-0000-4000-8000-000000000000/extra_specs"
		msg := "Share type 4e1b7a33-0000-4000-8000-000000000000 could not be found."
		ts.do(t, at("POST", missing, "2.99", map[string]any{"extra_specs": map[string]any{"k": "v"}})).expectFault(t, 404, "itemNotFound", msg)
		ts.do(t, at("GET", missing+"/k", "2.99", nil)).expectFault(t, 404, "itemNotFound", msg)
		ts.do(t, at("PUT", missing+"/k", "2.99", map[string]any{"k": "v"})).expectFault(t, 404, "itemNotFound", msg)
		ts.do(t, at("DELETE", missing+"/k", "2.99", nil)).expectFault(t, 404, "itemNotFound", msg)
	})
}

func TestShareTypeAccess(t *testing.T) {
	ts := startServer(t)
	priv := createType(t, ts, "2.99", map[string]any{"name": "private", "share_type_access:is_public": false,
		"extra_specs": map[string]any{"driver_handles_share_servers": false}})["id"].(string)
	pub := createType(t, ts, "2.99", map[string]any{"name": "public", "extra_specs": map[string]any{"driver_handles_share_servers": false}})["id"].(string)
	action := func(token, typeID string, body any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/types/" + typeID + "/action", token: token, version: "2.99", body: body})
	}
	access := func(t *testing.T, path string) any {
		return ts.do(t, req{method: "GET", path: "/v2/types/" + priv + path, token: tokAdmin, version: "2.99"}).expectStatus(t, 200).json(t)["share_type_access"]
	}
	createAs := func(token string) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/shares", token: token, version: "2.99",
			body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "share_type": "private"}}})
	}

	t.Run("a private type is invisible and unusable until granted", func(t *testing.T) {
		ts.do(t, req{method: "GET", path: "/v2/types/" + priv, token: tokOtherMember, version: "2.99"}).expectFault(t, 404, "itemNotFound", "Share type not found.")
		createAs(tokOtherMember).expectFault(t, 404, "itemNotFound", "Share type not found.")
		if got := access(t, "/share_type_access"); !jsonEqual(got, []any{}) {
			t.Fatalf("access list %v", got)
		}
	})

	t.Run("grant: listed, visible, usable", func(t *testing.T) {
		grantType(t, ts, priv, projB).expectStatus(t, 202)
		want := []any{map[string]any{"share_type_id": priv, "project_id": projB}}
		if got := access(t, "/share_type_access"); !jsonEqual(got, want) {
			t.Fatalf("access list %v", got)
		}
		if got := access(t, "/os-share-type-access"); !jsonEqual(got, want) {
			t.Fatalf("os-share-type-access %v", got)
		}
		ts.do(t, req{method: "GET", path: "/v2/types/" + priv, token: tokOtherMember, version: "2.99"}).expectStatus(t, 200)
		types := ts.do(t, req{method: "GET", path: "/v2/types", token: tokOtherMember, version: "2.99"}).expectStatus(t, 200).json(t)["share_types"].([]any)
		found := false
		for _, st := range types {
			found = found || st.(map[string]any)["id"] == priv
		}
		if !found {
			t.Fatalf("granted project's type list lacks the private type: %v", types)
		}
		createAs(tokOtherMember).expectStatus(t, 200)
		// The owning project of the caller without a grant still cannot.
		createAs(tokMember).expectFault(t, 404, "itemNotFound", "Share type not found.")
		grantType(t, ts, priv, projB).expectFault(t, 409, "conflictingRequest",
			"Share type access for %(share_type_id)s / %(project_id)s combination already exists.")
	})

	t.Run("revoke", func(t *testing.T) {
		action(tokAdmin, priv, map[string]any{"removeProjectAccess": map[string]any{"project": projB}}).expectStatus(t, 202)
		ts.do(t, req{method: "GET", path: "/v2/types/" + priv, token: tokOtherMember, version: "2.99"}).expectFault(t, 404, "itemNotFound", "Share type not found.")
		action(tokAdmin, priv, map[string]any{"removeProjectAccess": map[string]any{"project": projB}}).expectFault(t, 404, "itemNotFound",
			"Share type access not found for %(share_type_id)s / %(project_id)s combination.")
	})

	t.Run("Manila's errors", func(t *testing.T) {
		action(tokAdmin, priv, map[string]any{"addProjectAccess": map[string]any{"project": "nope"}}).
			expectFault(t, 400, "badRequest", "Bad project format: project is not in proper format (nope)")
		action(tokAdmin, priv, map[string]any{"addProjectAccess": map[string]any{}}).
			expectFault(t, 400, "badRequest", "Bad project format: project is not in proper format (None)")
		action(tokAdmin, priv, map[string]any{"addProjectAccess": "x"}).
			expectFault(t, 400, "badRequest", "The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n")
		action(tokAdmin, pub, map[string]any{"addProjectAccess": map[string]any{"project": projB}}).
			expectFault(t, 409, "conflictingRequest", "Type access modification is not applicable to public share type.")
		action(tokAdmin, "4e1b7a33-0000-4000-8000-000000000000", map[string]any{"addProjectAccess": map[string]any{"project": projB}}).
			expectFault(t, 404, "itemNotFound", "Share type %(share_type_id)s could not be found.")
		ts.do(t, req{method: "GET", path: "/v2/types/" + pub + "/share_type_access", token: tokAdmin, version: "2.99"}).
			expectFault(t, 404, "itemNotFound", "Access list not available for public share types.")
		ts.do(t, req{method: "GET", path: "/v2/types/nope/share_type_access", token: tokAdmin, version: "2.99"}).
			expectFault(t, 404, "itemNotFound", "Share type nope not found.")
		action(tokMember, priv, map[string]any{"addProjectAccess": map[string]any{"project": projB}}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	})
}
