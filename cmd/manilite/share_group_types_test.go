package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// Share group types over HTTP (manila/api/v2/share_group_types.py and its
// view): the version gate, create, list, show, default and delete. Group
// specs and type access are in share_group_type_specs_test.go.

// sgtVersion is the first version share group types need no experimental
// header at (Manila's SG_GRADUATION_VERSION).
const sgtVersion = "2.55"

const webobBadRequest = "The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n"

func init() {
	paramResource["share_group_type_id"] = "share_group_type"
	newGroupType := func(t *testing.T, ts *testServer, public bool) string {
		return createShareGroupType(t, ts, map[string]any{"name": fmt.Sprintf("matrix-sgt-%d", typeSerial.Add(1)),
			"share_types": []any{"default"}, "group_specs": map[string]any{"foo": "bar"}, "is_public": public})["id"].(string)
	}
	matrixExtraNeeds["share_group_type"] = func(t *testing.T, ts *testServer, ids map[string]string, _ func() string) {
		ids["share_group_type"], ids["key"] = newGroupType(t, ts, true), "foo"
	}
	matrixExtraNeeds["private_share_group_type"] = func(t *testing.T, ts *testServer, ids map[string]string, _ func() string) {
		ids["share_group_type"] = newGroupType(t, ts, false)
	}
	matrixExtraNeeds["granted_share_group_type"] = func(t *testing.T, ts *testServer, ids map[string]string, _ func() string) {
		ids["share_group_type"] = newGroupType(t, ts, false)
		grantShareGroupType(t, ts, ids["share_group_type"], projB).expectStatus(t, 202)
	}
	for op, fx := range map[string]matrixFixture{
		"ListShareGroupTypes": {body: noBody, success: 200},
		"CreateShareGroupType": {body: func(map[string]string) any {
			return map[string]any{"share_group_type": map[string]any{"name": fmt.Sprintf("matrix-new-sgt-%d", typeSerial.Add(1)),
				"share_types": []any{"default"}}}
		}, success: 200},
		"ShowDefaultShareGroupType": {body: noBody, success: 200},
		// Public types belong to no project: another project sees them.
		"ShowShareGroupType":       {needs: []string{"share_group_type"}, body: noBody, success: 200},
		"DeleteShareGroupType":     {needs: []string{"share_group_type"}, body: noBody, success: 204},
		"ListShareGroupTypeAccess": {needs: []string{"private_share_group_type"}, body: noBody, success: 200},
		"ShareGroupTypeAction/addProjectAccess": {needs: []string{"private_share_group_type"},
			body: fixedBody(map[string]any{"addProjectAccess": map[string]any{"project": projB}}), success: 202},
		"ShareGroupTypeAction/removeProjectAccess": {needs: []string{"granted_share_group_type"},
			body: fixedBody(map[string]any{"removeProjectAccess": map[string]any{"project": projB}}), success: 202},
		"ListShareGroupTypeSpecs":   {needs: []string{"share_group_type"}, body: noBody, success: 200},
		"CreateShareGroupTypeSpecs": {needs: []string{"share_group_type"}, body: fixedBody(map[string]any{"group_specs": map[string]any{"k": "v"}}), success: 200},
		"ShowShareGroupTypeSpec":    {needs: []string{"share_group_type"}, body: noBody, success: 200},
		"UpdateShareGroupTypeSpec":  {needs: []string{"share_group_type"}, body: fixedBody(map[string]any{"foo": "baz"}), success: 200},
		"DeleteShareGroupTypeSpec":  {needs: []string{"share_group_type"}, body: noBody, success: 204},
	} {
		matrixFixtures[op] = fx
	}
}

// sgtReq is a request at the graduation version: no experimental header.
func sgtReq(method, path, token string, body any) req {
	return req{method: method, path: path, token: token, version: sgtVersion, body: body}
}

func createShareGroupType(t *testing.T, ts *testServer, body map[string]any) map[string]any {
	t.Helper()
	m := ts.do(t, sgtReq("POST", "/v2/share-group-types", tokAdmin, map[string]any{"share_group_type": body})).expectStatus(t, 200).json(t)
	expectKeys(t, "share group type reply", m, "share_group_type")
	return m["share_group_type"].(map[string]any)
}

func grantShareGroupType(t *testing.T, ts *testServer, typeID, project string) *resp {
	return ts.do(t, sgtReq("POST", "/v2/share-group-types/"+typeID+"/action", tokAdmin,
		map[string]any{"addProjectAccess": map[string]any{"project": project}}))
}

func getShareGroupType(t *testing.T, ts *testServer, token, version, id string) map[string]any {
	t.Helper()
	m := ts.do(t, req{method: "GET", path: "/v2/share-group-types/" + id, token: token, version: version, experimental: true}).expectStatus(t, 200).json(t)
	expectKeys(t, "share group type reply", m, "share_group_type")
	return m["share_group_type"].(map[string]any)
}

// sgtNames lists the share group types a caller sees, by name.
func sgtNames(t *testing.T, ts *testServer, token, version, query string) []string {
	t.Helper()
	r := ts.do(t, req{method: "GET", path: "/v2/share-group-types" + query, token: token, version: version, experimental: true}).expectStatus(t, 200).json(t)
	expectKeys(t, "share group type list", r, "share_group_types")
	out := []string{}
	for _, x := range r["share_group_types"].([]any) {
		out = append(out, x.(map[string]any)["name"].(string))
	}
	return out
}

func shareTypeID(t *testing.T, ts *testServer, name string) string {
	t.Helper()
	for _, x := range ts.do(t, req{method: "GET", path: "/v2/types?is_public=all", token: tokAdmin, version: "2.99"}).
		expectStatus(t, 200).json(t)["share_types"].([]any) {
		if st := x.(map[string]any); st["name"] == name {
			return st["id"].(string)
		}
	}
	t.Fatalf("no share type %s", name)
	return ""
}

// Share group types are 2.31+, experimental to 2.54 (Manila's
// SG_GRADUATION_VERSION 2.55): outside that, Manila's generic 404.
func TestShareGroupTypesNeedVersionAndExperimental(t *testing.T) {
	ts := startServer(t)
	id := createShareGroupType(t, ts, map[string]any{"name": "gated", "share_types": []any{"default"}, "group_specs": map[string]any{"k": "v"}})["id"].(string)
	base := "/v2/share-group-types/" + id
	calls := []struct {
		method, path string
		body         any
	}{
		{"GET", "/v2/share-group-types", nil},
		{"POST", "/v2/share-group-types", map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": []any{"default"}}}},
		{"GET", "/v2/share-group-types/default", nil},
		{"GET", base, nil}, {"DELETE", base, nil}, {"GET", base + "/access", nil},
		{"POST", base + "/action", map[string]any{"addProjectAccess": map[string]any{"project": projB}}},
		{"POST", base + "/action", map[string]any{"removeProjectAccess": map[string]any{"project": projB}}},
		{"GET", base + "/group-specs", nil}, {"POST", base + "/group-specs", map[string]any{"group_specs": map[string]any{"a": "b"}}},
		{"GET", base + "/group-specs/k", nil}, {"PUT", base + "/group-specs/k", map[string]any{"k": "w"}}, {"DELETE", base + "/group-specs/k", nil},
	}
	for _, c := range calls {
		for _, gate := range []struct {
			version      string
			experimental bool
		}{{"2.30", true}, {"2.31", false}, {"2.54", false}} {
			ts.do(t, req{method: c.method, path: c.path, token: tokAdmin, version: gate.version, experimental: gate.experimental, body: c.body}).
				expectFault(t, 404, "itemNotFound", "The resource could not be found.")
		}
	}
	// Nothing above reached a handler.
	if got := getShareGroupType(t, ts, tokAdmin, "2.99", id); !jsonEqual(got["group_specs"], map[string]any{"k": "v"}) {
		t.Fatalf("type changed: %s", mustJSON(got))
	}

	t.Run("experimental 2.31 to 2.54, plain from 2.55", func(t *testing.T) {
		for _, c := range []struct {
			version      string
			experimental bool
		}{{"2.31", true}, {"2.54", true}, {"2.55", false}, {"2.99", false}, {"2.99", true}} {
			r := ts.do(t, req{method: "GET", path: base, token: tokMember, version: c.version, experimental: c.experimental}).expectStatus(t, 200)
			if h := r.header.Get("X-OpenStack-Manila-API-Version"); h != c.version {
				t.Errorf("%s: version header %q", c.version, h)
			}
			want := ""
			if c.experimental {
				want = "True"
			}
			if h := r.header.Get("X-OpenStack-Manila-API-Experimental"); h != want {
				t.Errorf("%s (experimental %v): experimental header %q, want %q", c.version, c.experimental, h, want)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		}
	})

	t.Run("the project id in the URL", func(t *testing.T) {
		if got := getShareGroupType(t, ts, tokMember, "2.31", id)["id"]; got != id {
			t.Fatalf("id %v", got)
		}
		ts.do(t, sgtReq("GET", "/v2/"+projA+"/share-group-types/"+id, tokMember, nil)).expectStatus(t, 200)
		ts.do(t, sgtReq("GET", "/v2/"+projB+"/share-group-types/"+id, tokMember, nil)).
			expectFault(t, 400, "badRequest", "Malformed request url")
	})
}

func TestShareGroupTypeDefault(t *testing.T) {
	ts := startServer(t)
	def := shareTypeID(t, ts, "default")

	t.Run("the seeded default, is_default from 2.46", func(t *testing.T) {
		got := ts.do(t, req{method: "GET", path: "/v2/share-group-types/default", token: tokReader, version: "2.46", experimental: true}).
			expectStatus(t, 200).json(t)["share_group_type"].(map[string]any)
		id, _ := got["id"].(string)
		want := map[string]any{"id": id, "name": "default", "is_public": true, "group_specs": map[string]any{}, "share_types": []any{def}, "is_default": true}
		if _, err := uuid.Parse(id); err != nil || !jsonEqual(got, want) {
			t.Fatalf("default share group type %s, want %s", mustJSON(got), mustJSON(want))
		}
		old := ts.do(t, req{method: "GET", path: "/v2/share-group-types/default", token: tokReader, version: "2.45", experimental: true}).
			expectStatus(t, 200).json(t)["share_group_type"].(map[string]any)
		expectKeys(t, "default at 2.45", old, "id", "name", "is_public", "group_specs", "share_types")
		if got := getShareGroupType(t, ts, tokReader, "2.45", id); !jsonEqual(got, old) {
			t.Fatalf("show %s, default %s", mustJSON(got), mustJSON(old))
		}
	})

	t.Run("gone once deleted", func(t *testing.T) {
		id := ts.do(t, sgtReq("GET", "/v2/share-group-types/default", tokAdmin, nil)).expectStatus(t, 200).json(t)["share_group_type"].(map[string]any)["id"].(string)
		ts.do(t, sgtReq("DELETE", "/v2/share-group-types/"+id, tokAdmin, nil)).expectStatus(t, 204)
		ts.do(t, sgtReq("GET", "/v2/share-group-types/default", tokMember, nil)).expectFault(t, 404, "itemNotFound", "Default share group type not found.")
		// A new type of that name is the default again.
		createShareGroupType(t, ts, map[string]any{"name": "default", "share_types": []any{def}})
		if got := ts.do(t, sgtReq("GET", "/v2/share-group-types/default", tokMember, nil)).expectStatus(t, 200).json(t)["share_group_type"].(map[string]any); got["id"] == id || got["is_default"] != true {
			t.Fatalf("new default %v", got)
		}
	})

	t.Run("--default-share-group-type names it, private or not", func(t *testing.T) {
		ts := startServer(t, func(o *options) { o.DefaultShareGroupType = "gold" })
		ts.do(t, sgtReq("GET", "/v2/share-group-types/default", tokMember, nil)).expectFault(t, 404, "itemNotFound", "Default share group type not found.")
		gold := createShareGroupType(t, ts, map[string]any{"name": "gold", "share_types": []any{"default"}, "is_public": false})
		if gold["is_default"] != true {
			t.Fatalf("created %v", gold)
		}
		// Manila looks the default up by name, without the project filter.
		got := ts.do(t, sgtReq("GET", "/v2/share-group-types/default", tokMember, nil)).expectStatus(t, 200).json(t)["share_group_type"].(map[string]any)
		if got["id"] != gold["id"] || got["is_default"] != true {
			t.Fatalf("default %v, want gold", got)
		}
		ts.do(t, sgtReq("GET", "/v2/share-group-types/"+gold["id"].(string), tokMember, nil)).
			expectFault(t, 404, "itemNotFound", "Share group type with id "+gold["id"].(string)+" not found.")
		plain := ts.do(t, sgtReq("GET", "/v2/share-group-types?is_public=all", tokAdmin, nil)).expectStatus(t, 200).json(t)["share_group_types"].([]any)
		for _, x := range plain {
			sgt := x.(map[string]any)
			if sgt["is_default"] != (sgt["name"] == "gold") {
				t.Errorf("%s: is_default %v", sgt["name"], sgt["is_default"])
			}
		}
	})
}

func TestShareGroupTypeCreate(t *testing.T) {
	ts := startServer(t)
	def := shareTypeID(t, ts, "default")
	gold := createType(t, ts, "2.99", map[string]any{"name": "gold", "share_type_access:is_public": false,
		"extra_specs": map[string]any{"driver_handles_share_servers": false}})["id"].(string)
	post := func(token string, body any) *resp {
		return ts.do(t, sgtReq("POST", "/v2/share-group-types", token, body))
	}
	count := func(t *testing.T) int {
		return len(sgtNames(t, ts, tokAdmin, sgtVersion, "?is_public=all"))
	}

	t.Run("by name and id, held once each, sorted", func(t *testing.T) {
		got := createShareGroupType(t, ts, map[string]any{"name": "both", "share_types": []any{"gold", def, gold, "default"},
			"group_specs": map[string]any{"consistent_snapshot_support": "host", "k": "v"}, "is_public": false})
		id, _ := got["id"].(string)
		types := []any{def, gold}
		if gold < def {
			types = []any{gold, def}
		}
		want := map[string]any{"id": id, "name": "both", "is_public": false,
			"group_specs": map[string]any{"consistent_snapshot_support": "host", "k": "v"}, "share_types": types, "is_default": false}
		if _, err := uuid.Parse(id); err != nil || !jsonEqual(got, want) {
			t.Fatalf("created %s, want %s", mustJSON(got), mustJSON(want))
		}
		if shown := getShareGroupType(t, ts, tokAdmin, "2.99", id); !jsonEqual(shown, got) {
			t.Fatalf("shown %s, created %s", mustJSON(shown), mustJSON(got))
		}
	})

	t.Run("defaults: public, no specs; is_public 0, 1 and null", func(t *testing.T) {
		for _, c := range []struct {
			name     string
			isPublic any
			want     bool
		}{{"p-absent", "absent", true}, {"p-null", nil, true}, {"p-zero", 0, false}, {"p-one", 1, true}, {"p-false", false, false}} {
			body := map[string]any{"name": c.name, "share_types": []any{"default"}, "group_specs": nil}
			if c.isPublic != "absent" {
				body["is_public"] = c.isPublic
			}
			got := createShareGroupType(t, ts, body)
			if got["is_public"] != c.want || !jsonEqual(got["group_specs"], map[string]any{}) || !jsonEqual(got["share_types"], []any{def}) {
				t.Errorf("%s: %s", c.name, mustJSON(got))
			}
		}
		// 255 characters, not bytes.
		createShareGroupType(t, ts, map[string]any{"name": strings.Repeat("é", 255), "share_types": []any{"default"}})
	})

	t.Run("admin only", func(t *testing.T) {
		post(tokMember, map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": []any{"default"}}}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	})

	t.Run("Manila's checks, in its order; nothing is created", func(t *testing.T) {
		before := count(t)
		long := strings.Repeat("x", 256)
		for _, c := range []struct {
			what   string
			body   any
			status int
			msg    string
		}{
			{"no share_group_type", map[string]any{"name": "x"}, 400, webobBadRequest},
			{"not an object", map[string]any{"share_group_type": "x"}, 400, webobBadRequest},
			{"null", map[string]any{"share_group_type": nil}, 400, webobBadRequest},
			{"body not an object", []any{1}, 400, webobBadRequest},
			{"no share types", map[string]any{"share_group_type": map[string]any{}}, 400, "Supported share types must be provided."},
			{"empty share types", map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": []any{}}}, 400, "Supported share types must be provided."},
			{"share types a number", map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": 5}}, 400, "Supported share types must be provided."},
			// tempest's test_create_share_group_type_without_name: the name
			// is checked before the share types are looked up.
			{"no name", map[string]any{"share_group_type": map[string]any{"share_types": []any{"nope"}}}, 400, "Share group type name is not valid."},
			{"empty name", map[string]any{"share_group_type": map[string]any{"name": "", "share_types": []any{"default"}}}, 400, "Share group type name is not valid."},
			{"long name", map[string]any{"share_group_type": map[string]any{"name": long, "share_types": []any{"default"}}}, 400, "Share group type name is not valid."},
			{"name a number", map[string]any{"share_group_type": map[string]any{"name": 7, "share_types": []any{"default"}}}, 400, "Share group type name is not valid."},
			{"specs a string", map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": []any{"default"}, "group_specs": "expecting_error_code_400"}},
				400, "Group specs can be either of 'None' or 'dict' types."},
			{"spec not a string", map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": []any{"default"}, "group_specs": map[string]any{"k": true}}},
				400, "Group specs keys and values should be strings."},
			{"unknown share type", map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": []any{"default", "nope"}}},
				404, "Share Type %(share_type)s does not exist."},
			{"share type not a string", map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": []any{5}}},
				404, "Share Type %(share_type)s does not exist."},
			// Python iterates a string: its letters name no share type.
			{"share types a string", map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": "default"}},
				404, "Share Type %(share_type)s does not exist."},
			{"is_public not a boolean", map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": []any{"default"}, "is_public": "yes"}},
				400, "is_public has a non-boolean value."},
			{"is_public 2", map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": []any{"default"}, "is_public": 2}},
				400, "is_public has a non-boolean value."},
			// Manila fails on is_public only when it writes the row.
			{"is_public bad, unknown type", map[string]any{"share_group_type": map[string]any{"name": "x", "share_types": []any{"nope"}, "is_public": "yes"}},
				404, "Share Type %(share_type)s does not exist."},
			{"taken name", map[string]any{"share_group_type": map[string]any{"name": "both", "share_types": []any{"default"}}},
				409, "Share group type %(type_id)s already exists."},
			// The share types are looked up before the row is written.
			{"taken name, unknown type", map[string]any{"share_group_type": map[string]any{"name": "both", "share_types": []any{"nope"}}},
				404, "Share Type %(share_type)s does not exist."},
		} {
			name := map[int]string{400: "badRequest", 404: "itemNotFound", 409: "conflictingRequest"}[c.status]
			t.Run(c.what, func(t *testing.T) { post(tokAdmin, c.body).expectFault(t, c.status, name, c.msg) })
		}
		if after := count(t); after != before {
			t.Fatalf("%d share group types after refused creates, %d before", after, before)
		}
	})

	t.Run("a deleted name is free again; a deleted share type is unknown", func(t *testing.T) {
		old := createShareGroupType(t, ts, map[string]any{"name": "again", "share_types": []any{"default"}})
		ts.do(t, sgtReq("DELETE", "/v2/share-group-types/"+old["id"].(string), tokAdmin, nil)).expectStatus(t, 204)
		if again := createShareGroupType(t, ts, map[string]any{"name": "again", "share_types": []any{"default"}}); again["id"] == old["id"] {
			t.Fatalf("same id %v", again["id"])
		}
		tmp := createType(t, ts, "2.99", map[string]any{"name": "tmp", "extra_specs": map[string]any{"driver_handles_share_servers": false}})["id"].(string)
		ts.do(t, req{method: "DELETE", path: "/v2/types/" + tmp, token: tokAdmin}).expectStatus(t, 202)
		post(tokAdmin, map[string]any{"share_group_type": map[string]any{"name": "y", "share_types": []any{tmp}}}).
			expectFault(t, 404, "itemNotFound", "Share Type %(share_type)s does not exist.")
	})
}

func TestShareGroupTypeListAndShow(t *testing.T) {
	ts := startServer(t)
	createShareGroupType(t, ts, map[string]any{"name": "zinc", "share_types": []any{"default"}, "group_specs": map[string]any{"tier": "gold", "k": "v"}})
	createShareGroupType(t, ts, map[string]any{"name": "iron", "share_types": []any{"default"}, "group_specs": map[string]any{"tier": "silver"}})
	mine := createShareGroupType(t, ts, map[string]any{"name": "mine", "share_types": []any{"default"}, "is_public": false})["id"].(string)
	theirs := createShareGroupType(t, ts, map[string]any{"name": "theirs", "share_types": []any{"default"}, "is_public": false})["id"].(string)
	grantShareGroupType(t, ts, mine, projA).expectStatus(t, 202)
	grantShareGroupType(t, ts, theirs, projB).expectStatus(t, 202)
	eq := func(t *testing.T, what string, got, want []string) {
		t.Helper()
		if !jsonEqual(got, want) {
			t.Errorf("%s: %q, want %q", what, got, want)
		}
	}

	t.Run("who sees what", func(t *testing.T) {
		eq(t, "admin", sgtNames(t, ts, tokAdmin, sgtVersion, ""), []string{"default", "iron", "mine", "zinc"})
		eq(t, "admin, true", sgtNames(t, ts, tokAdmin, sgtVersion, "?is_public=true"), []string{"default", "iron", "mine", "zinc"})
		eq(t, "admin, all", sgtNames(t, ts, tokAdmin, sgtVersion, "?is_public=all"), []string{"default", "iron", "mine", "theirs", "zinc"})
		eq(t, "admin, ALL", sgtNames(t, ts, tokAdmin, sgtVersion, "?is_public=ALL"), []string{"default", "iron", "mine", "theirs", "zinc"})
		eq(t, "admin, false", sgtNames(t, ts, tokAdmin, sgtVersion, "?is_public=false"), []string{"mine", "theirs"})
		eq(t, "member A", sgtNames(t, ts, tokMember, sgtVersion, ""), []string{"default", "iron", "mine", "zinc"})
		eq(t, "reader A", sgtNames(t, ts, tokReader, sgtVersion, ""), []string{"default", "iron", "mine", "zinc"})
		eq(t, "member B", sgtNames(t, ts, tokOtherMember, sgtVersion, ""), []string{"default", "iron", "theirs", "zinc"})
		// Others' is_public is Manila's True whatever they send.
		eq(t, "member B, all", sgtNames(t, ts, tokOtherMember, sgtVersion, "?is_public=all"), []string{"default", "iron", "theirs", "zinc"})
		eq(t, "member B, false", sgtNames(t, ts, tokOtherMember, sgtVersion, "?is_public=false"), []string{"default", "iron", "theirs", "zinc"})
		eq(t, "member B, maybe", sgtNames(t, ts, tokOtherMember, sgtVersion, "?is_public=maybe"), []string{"default", "iron", "theirs", "zinc"})
		ts.do(t, sgtReq("GET", "/v2/share-group-types?is_public=maybe", tokAdmin, nil)).expectFault(t, 400, "badRequest", "Invalid is_public filter [maybe]")
		ts.do(t, sgtReq("GET", "/v2/share-group-types", "plain-user:"+projA+":", nil)).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	})

	t.Run("show: a private type is 404 to those not granted it", func(t *testing.T) {
		ts.do(t, sgtReq("GET", "/v2/share-group-types/"+theirs, tokMember, nil)).
			expectFault(t, 404, "itemNotFound", "Share group type with id "+theirs+" not found.")
		if got := getShareGroupType(t, ts, tokOtherMember, sgtVersion, theirs)["name"]; got != "theirs" {
			t.Fatalf("name %v", got)
		}
		if got := getShareGroupType(t, ts, tokAdmin, sgtVersion, theirs)["name"]; got != "theirs" {
			t.Fatalf("name %v", got)
		}
		ts.do(t, sgtReq("GET", "/v2/share-group-types/nope", tokMember, nil)).expectFault(t, 404, "itemNotFound", "Share group type with id nope not found.")
		// By id only: a name is not found (the clients then list).
		ts.do(t, sgtReq("GET", "/v2/share-group-types/zinc", tokMember, nil)).expectFault(t, 404, "itemNotFound", "Share group type with id zinc not found.")
		ts.do(t, sgtReq("GET", "/v2/share-group-types/detail", tokMember, nil)).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
		ts.do(t, sgtReq("PUT", "/v2/share-group-types/"+mine, tokAdmin, map[string]any{"share_group_type": map[string]any{"name": "x"}})).
			expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	})

	t.Run("the group_specs filter from 2.66", func(t *testing.T) {
		eq(t, "tier gold", sgtNames(t, ts, tokMember, "2.66", "?group_specs="+urlq("{'tier': 'gold'}")), []string{"zinc"})
		eq(t, "two specs", sgtNames(t, ts, tokMember, "2.66", "?group_specs="+urlq(`{"tier": "gold", "k": "v"}`)), []string{"zinc"})
		eq(t, "no match", sgtNames(t, ts, tokMember, "2.66", "?group_specs="+urlq("{'tier': 'lead'}")), []string{})
		eq(t, "empty dict", sgtNames(t, ts, tokMember, "2.66", "?group_specs="+urlq("{}")), []string{"default", "iron", "mine", "zinc"})
		eq(t, "empty value", sgtNames(t, ts, tokMember, "2.66", "?group_specs="), []string{"default", "iron", "mine", "zinc"})
		eq(t, "with is_public", sgtNames(t, ts, tokAdmin, "2.66", "?is_public=all&group_specs="+urlq("{'tier': 'silver'}")), []string{"iron"})
		ts.do(t, sgtReq("GET", "/v2/share-group-types?group_specs="+urlq("{'tier': 'gold'}"), tokMember, nil)).
			expectFault(t, 400, "badRequest", "Filter by 'group_specs' is not supported by this microversion. Use 2.66 or greater microversion to be able to use filter search by 'group_specs.")
		// Below 2.66 an empty filter is ignored, as Manila tests its truth.
		eq(t, "empty below 2.66", sgtNames(t, ts, tokMember, "2.65", "?group_specs="), []string{"default", "iron", "mine", "zinc"})
		ts.do(t, req{method: "GET", path: "/v2/share-group-types?group_specs=" + urlq("[1]"), token: tokMember, version: "2.66"}).
			expectFault(t, 400, "badRequest", "Invalid input received: Wrong group specs filter provided: [1].")
	})

	t.Run("views at 2.31 and 2.99", func(t *testing.T) {
		for _, c := range []struct {
			version string
			keys    []string
		}{{"2.31", []string{"id", "name", "is_public", "group_specs", "share_types"}}, {"2.99", []string{"id", "name", "is_public", "group_specs", "share_types", "is_default"}}} {
			r := ts.do(t, req{method: "GET", path: "/v2/share-group-types", token: tokMember, version: c.version, experimental: true}).expectStatus(t, 200).json(t)
			for _, x := range r["share_group_types"].([]any) {
				expectKeys(t, "listed at "+c.version, x.(map[string]any), c.keys...)
			}
		}
	})
}

func TestShareGroupTypeDelete(t *testing.T) {
	ts := startServer(t)
	del := func(token, id string) *resp {
		return ts.do(t, sgtReq("DELETE", "/v2/share-group-types/"+id, token, nil))
	}
	st := createType(t, ts, "2.99", map[string]any{"name": "silver", "extra_specs": map[string]any{"driver_handles_share_servers": false}})["id"].(string)
	id := createShareGroupType(t, ts, map[string]any{"name": "doomed", "share_types": []any{st}, "group_specs": map[string]any{"k": "v"}})["id"].(string)

	del(tokMember, id).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	del(tokAdmin, "nope").expectFault(t, 404, "itemNotFound", "The resource could not be found.")

	t.Run("refused while a live share group is of it", func(t *testing.T) {
		g := createShareGroup(t, ts, tokMember, map[string]any{"share_group_type_id": id, "share_types": []any{st}})["id"].(string)
		del(tokAdmin, id).expectFault(t, 400, "badRequest", "Target share group type with id "+id+" is still in use.")
		getShareGroupType(t, ts, tokAdmin, sgtVersion, id)
		ts.do(t, sgReq("POST", "/v2/share-groups/"+g+"/action", tokAdmin, map[string]any{"force_delete": nil})).expectStatus(t, 202)
	})

	t.Run("a share type is in use while a share group type holds it", func(t *testing.T) {
		ts.do(t, req{method: "DELETE", path: "/v2/types/" + st, token: tokAdmin}).expectFault(t, 400, "badRequest", "Target share type is still in use.")
	})

	t.Run("204, empty; then gone", func(t *testing.T) {
		r := del(tokAdmin, id).expectStatus(t, 204)
		if len(r.raw) != 0 {
			t.Fatalf("body %q", r.raw)
		}
		ts.do(t, sgtReq("GET", "/v2/share-group-types/"+id, tokAdmin, nil)).expectFault(t, 404, "itemNotFound", "Share group type with id "+id+" not found.")
		ts.do(t, sgtReq("GET", "/v2/share-group-types/"+id+"/group-specs", tokAdmin, nil)).
			expectFault(t, 404, "itemNotFound", "Share group type "+id+" could not be found.")
		del(tokAdmin, id).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
		if got := sgtNames(t, ts, tokAdmin, sgtVersion, "?is_public=all"); !jsonEqual(got, []string{"default"}) {
			t.Fatalf("listed %q", got)
		}
		// Its share type is free again.
		ts.do(t, req{method: "DELETE", path: "/v2/types/" + st, token: tokAdmin}).expectStatus(t, http.StatusAccepted)
	})
}
