package main

import (
	"strings"
	"testing"
)

// Share group type specs and type access over HTTP
// (manila/api/v2/share_group_type_specs.py, share_group_types.py).

func TestShareGroupTypeSpecs(t *testing.T) {
	ts := startServer(t)
	id := createShareGroupType(t, ts, map[string]any{"name": "specced", "share_types": []any{"default"},
		"group_specs": map[string]any{"key1": "value1", "key2": "value2"}})["id"].(string)
	base := "/v2/share-group-types/" + id + "/group-specs"
	specs := func(t *testing.T) map[string]any {
		t.Helper()
		r := ts.do(t, sgtReq("GET", base, tokAdmin, nil)).expectStatus(t, 200).json(t)
		expectKeys(t, "group specs reply", r, "group_specs")
		return r["group_specs"].(map[string]any)
	}
	expectSpecs := func(t *testing.T, want map[string]any) {
		t.Helper()
		if got := specs(t); !jsonEqual(got, want) {
			t.Fatalf("group specs %s, want %s", mustJSON(got), mustJSON(want))
		}
		// The type's view shows the same.
		if got := getShareGroupType(t, ts, tokAdmin, sgtVersion, id)["group_specs"]; !jsonEqual(got, want) {
			t.Fatalf("view's group specs %s, want %s", mustJSON(got), mustJSON(want))
		}
	}

	t.Run("set echoes the body; show, update, unset", func(t *testing.T) {
		body := map[string]any{"group_specs": map[string]any{"key1": "value3", "consistent_snapshot_support": "host", "on": true, "off": false}}
		if got := ts.do(t, sgtReq("POST", base, tokAdmin, body)).expectStatus(t, 200).json(t); !jsonEqual(got, body) {
			t.Fatalf("set answered %s", mustJSON(got))
		}
		// Booleans are stored as Manila's MySQL stores them.
		expectSpecs(t, map[string]any{"key1": "value3", "key2": "value2", "consistent_snapshot_support": "host", "on": "1", "off": "0"})
		if got := ts.do(t, sgtReq("GET", base+"/key2", tokAdmin, nil)).expectStatus(t, 200).json(t); !jsonEqual(got, map[string]any{"key2": "value2"}) {
			t.Fatalf("show %s", mustJSON(got))
		}
		if got := ts.do(t, sgtReq("PUT", base+"/key2", tokAdmin, map[string]any{"key2": "value4"})).expectStatus(t, 200).json(t); !jsonEqual(got, map[string]any{"key2": "value4"}) {
			t.Fatalf("update %s", mustJSON(got))
		}
		// PUT adds a key it does not find, and takes any characters in it.
		ts.do(t, sgtReq("PUT", base+"/new%20key", tokAdmin, map[string]any{"new key": true})).expectStatus(t, 200)
		r := ts.do(t, sgtReq("DELETE", base+"/key1", tokAdmin, nil)).expectStatus(t, 204)
		if len(r.raw) != 0 {
			t.Fatalf("unset body %q", r.raw)
		}
		expectSpecs(t, map[string]any{"key2": "value4", "consistent_snapshot_support": "host", "on": "1", "off": "0", "new key": "1"})
		ts.do(t, sgtReq("GET", base+"/key1", tokAdmin, nil)).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
		ts.do(t, sgtReq("DELETE", base+"/key1", tokAdmin, nil)).
			expectFault(t, 404, "itemNotFound", "Share group type "+id+" has no group specs with key key1.")
		// Experimental below 2.55 with the header.
		ts.do(t, req{method: "GET", path: base + "/key2", token: tokAdmin, version: "2.31", experimental: true}).expectStatus(t, 200)
	})

	t.Run("Manila's checks; nothing changes", func(t *testing.T) {
		before := specs(t)
		long := strings.Repeat("v", 256)
		for _, c := range []struct {
			what string
			body any
			msg  string
		}{
			{"no group_specs", map[string]any{"extra_specs": map[string]any{"k": "v"}}, webobBadRequest},
			{"not an object", map[string]any{"group_specs": "k=v"}, webobBadRequest},
			{"null", map[string]any{"group_specs": nil}, webobBadRequest},
			{"empty value", map[string]any{"group_specs": map[string]any{"k": ""}}, "Invalid extra_spec: k: "},
			{"long value", map[string]any{"group_specs": map[string]any{"k": long}}, "Invalid extra_spec: k: " + long},
			{"number", map[string]any{"group_specs": map[string]any{"k": 5}}, "Invalid extra_spec: k: 5"},
			{"null value", map[string]any{"group_specs": map[string]any{"k": nil}}, "Invalid extra_spec: k: None"},
			{"empty key", map[string]any{"group_specs": map[string]any{"": "v"}}, "Invalid extra_spec: : v"},
			{"nested bad value", map[string]any{"group_specs": map[string]any{"k": map[string]any{"n": 1}}}, "Invalid extra_spec: n: 1"},
			{"key name", map[string]any{"group_specs": map[string]any{"bad key!": "v"}},
				"Key names can only contain alphanumeric characters, underscores, periods, colons and hyphens."},
			// A nested object passes Manila's checks and fails its database.
			{"nested object", map[string]any{"group_specs": map[string]any{"k": map[string]any{"n": "v"}}}, `Invalid extra_spec: k: {"n":"v"}`},
		} {
			t.Run(c.what, func(t *testing.T) {
				ts.do(t, sgtReq("POST", base, tokAdmin, c.body)).expectFault(t, 400, "badRequest", c.msg)
			})
		}
		for _, c := range []struct {
			what, key string
			body      any
			msg       string
		}{
			{"empty body", "key2", map[string]any{}, "Request body empty."},
			{"null body", "key2", nil, "Request body empty."},
			{"mismatch", "key2", map[string]any{"key3": "v"}, "Request body and URI mismatch."},
			{"too many", "key2", map[string]any{"key2": "v", "key3": "v"}, "Request body contains too many items."},
			{"bad value", "key2", map[string]any{"key2": 5}, "Invalid extra_spec: key2: 5"},
			{"not an object", "key2", []any{"key2"}, "Malformed request body"},
		} {
			t.Run("update: "+c.what, func(t *testing.T) {
				rq := sgtReq("PUT", base+"/"+c.key, tokAdmin, c.body)
				if c.body == nil {
					rq.body = "null"
				}
				ts.do(t, rq).expectFault(t, 400, "badRequest", c.msg)
			})
		}
		if after := specs(t); !jsonEqual(after, before) {
			t.Fatalf("group specs %s after refused changes, %s before", mustJSON(after), mustJSON(before))
		}
	})

	t.Run("key names: Python's Unicode \\w, and . : -", func(t *testing.T) {
		body := map[string]any{"group_specs": map[string]any{"clé_1.a:b-c": "v", "ключ": "w"}}
		ts.do(t, sgtReq("POST", base, tokAdmin, body)).expectStatus(t, 200)
		got := specs(t)
		if got["clé_1.a:b-c"] != "v" || got["ключ"] != "w" {
			t.Fatalf("group specs %s", mustJSON(got))
		}
		ts.do(t, sgtReq("DELETE", base+"/"+urlq("clé_1.a:b-c"), tokAdmin, nil)).expectStatus(t, 204)
		ts.do(t, sgtReq("DELETE", base+"/"+urlq("ключ"), tokAdmin, nil)).expectStatus(t, 204)
	})

	t.Run("admin only", func(t *testing.T) {
		for _, rq := range []req{
			sgtReq("GET", base, tokMember, nil), sgtReq("POST", base, tokMember, map[string]any{"group_specs": map[string]any{"k": "v"}}),
			sgtReq("GET", base+"/key2", tokMember, nil), sgtReq("PUT", base+"/key2", tokMember, map[string]any{"key2": "v"}),
			sgtReq("DELETE", base+"/key2", tokMember, nil),
		} {
			ts.do(t, rq).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
		}
	})

	t.Run("unknown types", func(t *testing.T) {
		missing := "/v2/share-group-types/4e1b7a33-0000-4000-8000-000000000000/group-specs"
		msg := "Share group type 4e1b7a33-0000-4000-8000-000000000000 could not be found."
		for _, rq := range []req{
			sgtReq("GET", missing, tokAdmin, nil), sgtReq("POST", missing, tokAdmin, map[string]any{"group_specs": map[string]any{"k": "v"}}),
			sgtReq("GET", missing+"/k", tokAdmin, nil), sgtReq("PUT", missing+"/k", tokAdmin, map[string]any{"k": "v"}),
			sgtReq("DELETE", missing+"/k", tokAdmin, nil),
		} {
			ts.do(t, rq).expectFault(t, 404, "itemNotFound", msg)
		}
		// The empty body is refused before the type is looked up.
		ts.do(t, sgtReq("PUT", missing+"/k", tokAdmin, map[string]any{})).expectFault(t, 400, "badRequest", "Request body empty.")
	})
}

func TestShareGroupTypeAccess(t *testing.T) {
	ts := startServer(t)
	priv := createShareGroupType(t, ts, map[string]any{"name": "private", "share_types": []any{"default"}, "is_public": false})["id"].(string)
	pub := createShareGroupType(t, ts, map[string]any{"name": "public", "share_types": []any{"default"}})["id"].(string)
	action := func(token, typeID string, body any) *resp {
		return ts.do(t, sgtReq("POST", "/v2/share-group-types/"+typeID+"/action", token, body))
	}
	access := func(t *testing.T) []any {
		t.Helper()
		r := ts.do(t, sgtReq("GET", "/v2/share-group-types/"+priv+"/access", tokAdmin, nil)).expectStatus(t, 200).json(t)
		expectKeys(t, "access reply", r, "share_group_type_access")
		return r["share_group_type_access"].([]any)
	}
	visibleTo := func(t *testing.T, token string) bool {
		t.Helper()
		listed := false
		for _, n := range sgtNames(t, ts, token, sgtVersion, "") {
			listed = listed || n == "private"
		}
		shown := ts.do(t, sgtReq("GET", "/v2/share-group-types/"+priv, token, nil)).status == 200
		if listed != shown {
			t.Fatalf("listed %v but shown %v", listed, shown)
		}
		return listed
	}

	t.Run("invisible until granted", func(t *testing.T) {
		if got := access(t); len(got) != 0 {
			t.Fatalf("access %v", got)
		}
		if visibleTo(t, tokOtherMember) || visibleTo(t, tokMember) {
			t.Fatal("a private type is visible before any grant")
		}
	})

	t.Run("grant: 202, listed in grant order, visible", func(t *testing.T) {
		r := grantShareGroupType(t, ts, priv, projB).expectStatus(t, 202)
		if len(r.raw) != 0 {
			t.Fatalf("grant body %q", r.raw)
		}
		// With dashes too: oslo's is_uuid_like takes both forms.
		dashed := "1f2e3d4c-5b6a-4798-8796-a5b4c3d2e1f0"
		grantShareGroupType(t, ts, priv, dashed).expectStatus(t, 202)
		want := []any{
			map[string]any{"share_group_type_id": priv, "project_id": projB},
			map[string]any{"share_group_type_id": priv, "project_id": dashed},
		}
		if got := access(t); !jsonEqual(got, want) {
			t.Fatalf("access %s, want %s", mustJSON(got), mustJSON(want))
		}
		if !visibleTo(t, tokOtherMember) {
			t.Fatal("the granted project does not see the type")
		}
		if visibleTo(t, tokMember) {
			t.Fatal("a project without a grant sees the type")
		}
		grantShareGroupType(t, ts, priv, projB).expectFault(t, 409, "conflictingRequest",
			"Share group type access for %(type_id)s / %(project_id)s combination already exists.")
		action(tokAdmin, priv, map[string]any{"removeProjectAccess": map[string]any{"project": dashed}}).expectStatus(t, 202)
	})

	t.Run("revoke", func(t *testing.T) {
		r := action(tokAdmin, priv, map[string]any{"removeProjectAccess": map[string]any{"project": projB}}).expectStatus(t, 202)
		if len(r.raw) != 0 {
			t.Fatalf("revoke body %q", r.raw)
		}
		if got := access(t); len(got) != 0 {
			t.Fatalf("access %v", got)
		}
		if visibleTo(t, tokOtherMember) {
			t.Fatal("a revoked project still sees the type")
		}
		action(tokAdmin, priv, map[string]any{"removeProjectAccess": map[string]any{"project": projB}}).expectFault(t, 404, "itemNotFound",
			"Share group type access not found for %(type_id)s / %(project_id)s combination.")
		// Granted again after a revoke, it is last in the list.
		grantShareGroupType(t, ts, priv, projA).expectStatus(t, 202)
		grantShareGroupType(t, ts, priv, projB).expectStatus(t, 202)
		action(tokAdmin, priv, map[string]any{"removeProjectAccess": map[string]any{"project": projA}}).expectStatus(t, 202)
		grantShareGroupType(t, ts, priv, projA).expectStatus(t, 202)
		want := []any{
			map[string]any{"share_group_type_id": priv, "project_id": projB},
			map[string]any{"share_group_type_id": priv, "project_id": projA},
		}
		if got := access(t); !jsonEqual(got, want) {
			t.Fatalf("access %s, want %s", mustJSON(got), mustJSON(want))
		}
	})

	t.Run("Manila's errors", func(t *testing.T) {
		missing := "4e1b7a33-0000-4000-8000-000000000000"
		for _, name := range []string{"addProjectAccess", "removeProjectAccess"} {
			t.Run(name, func(t *testing.T) {
				act := func(typeID string, value any) *resp { return action(tokAdmin, typeID, map[string]any{name: value}) }
				act(priv, map[string]any{"project": "nope"}).expectFault(t, 400, "badRequest", "Project value (nope) must be in uuid format.")
				act(priv, map[string]any{}).expectFault(t, 400, "badRequest", "Project value (None) must be in uuid format.")
				act(priv, map[string]any{"project": 5}).expectFault(t, 400, "badRequest", "Project value (5) must be in uuid format.")
				act(priv, "x").expectFault(t, 400, "badRequest", webobBadRequest)
				act(priv, nil).expectFault(t, 400, "badRequest", webobBadRequest)
				// The project is checked before the type is looked up.
				act(missing, map[string]any{"project": "nope"}).expectFault(t, 400, "badRequest", "Project value (nope) must be in uuid format.")
				act(missing, map[string]any{"project": projB}).expectFault(t, 404, "itemNotFound", "Share group type %(type_id)s could not be found.")
				act(pub, map[string]any{"project": projB}).
					expectFault(t, 409, "conflictingRequest", "Type access modification is not applicable to public share group type.")
				action(tokMember, priv, map[string]any{name: map[string]any{"project": projB}}).
					expectFault(t, 403, "forbidden", "Access was denied to this resource.")
			})
		}
		action(tokAdmin, priv, map[string]any{"nothing": nil}).expectFault(t, 400, "badRequest", "There is no such action: nothing")
		ts.do(t, sgtReq("GET", "/v2/share-group-types/"+pub+"/access", tokAdmin, nil)).
			expectFault(t, 404, "itemNotFound", "Access list not available for public share group types.")
		ts.do(t, sgtReq("GET", "/v2/share-group-types/nope/access", tokAdmin, nil)).
			expectFault(t, 404, "itemNotFound", "Share group type nope not found.")
		ts.do(t, sgtReq("GET", "/v2/share-group-types/"+priv+"/access", tokMember, nil)).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	})
}
