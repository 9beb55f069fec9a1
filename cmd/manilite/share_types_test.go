package main

import (
	"testing"
)

func createType(t *testing.T, ts *testServer, version string, body map[string]any) map[string]any {
	t.Helper()
	r := ts.do(t, req{method: "POST", path: "/v2/types", token: tokAdmin, version: version, body: map[string]any{"share_type": body}}).expectStatus(t, 200)
	m := r.json(t)
	expectKeys(t, "type reply", m, "share_type", "volume_type")
	if !jsonEqual(m["share_type"], m["volume_type"]) {
		t.Fatalf("share_type and volume_type differ: %s", r.raw)
	}
	return m["share_type"].(map[string]any)
}

func TestShareTypes(t *testing.T) {
	ts := startServer(t)

	t.Run("the default type exists", func(t *testing.T) {
		r := ts.do(t, req{method: "GET", path: "/v2/types/default", token: tokMember, version: "2.46"}).expectStatus(t, 200).json(t)
		st := r["share_type"].(map[string]any)
		if st["name"] != "default" || st["is_default"] != true {
			t.Fatalf("default type %v", st)
		}
		want := map[string]any{
			"driver_handles_share_servers": "False", "snapshot_support": "True",
			"create_share_from_snapshot_support": false, "revert_to_snapshot_support": false, "mount_snapshot_support": false,
		}
		if !jsonEqual(st["extra_specs"], want) {
			t.Errorf("member sees extra specs %s, want %s", mustJSON(st["extra_specs"]), mustJSON(want))
		}
		if !jsonEqual(st["required_extra_specs"], map[string]any{"driver_handles_share_servers": "False"}) {
			t.Errorf("required_extra_specs %v", st["required_extra_specs"])
		}
	})

	t.Run("create is admin only and 200", func(t *testing.T) {
		body := map[string]any{"share_type": map[string]any{"name": "gold", "extra_specs": map[string]any{"driver_handles_share_servers": false}}}
		ts.do(t, req{method: "POST", path: "/v2/types", token: tokMember, body: body}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
		st := createType(t, ts, "2.99", map[string]any{"name": "gold", "description": "fast",
			"extra_specs":                 map[string]any{"driver_handles_share_servers": false, "snapshot_support": "True", "vendor:secret": "x"},
			"share_type_access:is_public": true})
		expectKeys(t, "type at 2.99", st, "id", "name", "extra_specs", "required_extra_specs", "share_type_access:is_public", "description", "is_default")
		if st["description"] != "fast" || st["is_default"] != false || st["share_type_access:is_public"] != true {
			t.Fatalf("type %v", st)
		}
		if !jsonEqual(st["extra_specs"], map[string]any{"driver_handles_share_servers": "False", "snapshot_support": "True", "vendor:secret": "x"}) {
			t.Fatalf("admin sees %v", st["extra_specs"])
		}
		// The member does not see the admin-only spec. (It is scoped: an
		// unscoped spec the back end does not report would leave no host
		// for the type's shares, as in Manila.)
		got := ts.do(t, req{method: "GET", path: "/v2/types/" + st["id"].(string), token: tokMember, version: "2.23"}).expectStatus(t, 200).json(t)["share_type"].(map[string]any)
		if !jsonEqual(got["extra_specs"], map[string]any{"driver_handles_share_servers": "False", "snapshot_support": "True"}) {
			t.Fatalf("member sees %v", got["extra_specs"])
		}
		expectKeys(t, "type at 2.23", got, "id", "name", "extra_specs", "required_extra_specs", "share_type_access:is_public")
	})

	t.Run("is_public key name by version", func(t *testing.T) {
		old := ts.do(t, req{method: "GET", path: "/v2/types/default", token: tokMember, version: "2.6"}).expectStatus(t, 200).json(t)["share_type"].(map[string]any)
		expectKeys(t, "type at 2.6", old, "id", "name", "extra_specs", "required_extra_specs", "os-share-type-access:is_public")
	})

	t.Run("create errors", func(t *testing.T) {
		post := func(version string, body any) *resp {
			return ts.do(t, req{method: "POST", path: "/v2/types", token: tokAdmin, version: version, body: body})
		}
		post("2.99", map[string]any{"share_type": map[string]any{"name": "gold", "extra_specs": map[string]any{"driver_handles_share_servers": false}}}).
			expectFault(t, 409, "conflictingRequest", "Share Type gold already exists.")
		post("2.99", map[string]any{"share_type": map[string]any{"name": "x", "extra_specs": map[string]any{}}}).
			expectFault(t, 400, "badRequest", "Invalid extra_spec: Required extra specs 'driver_handles_share_servers' not specified.")
		post("2.99", map[string]any{"share_type": map[string]any{"name": "x", "extra_specs": map[string]any{"driver_handles_share_servers": "maybe"}}}).
			expectFault(t, 400, "badRequest", "Invalid extra_spec: Value of required extra_spec driver_handles_share_servers is not valid.")
		post("2.99", map[string]any{"share_type": map[string]any{"name": "x", "extra_specs": map[string]any{"driver_handles_share_servers": false, "snapshot_support": "perhaps"}}}).
			expectFault(t, 400, "badRequest", "Invalid share type: Invalid extra_spec: Invalid boolean extra spec snapshot_support : perhaps.")
		post("2.99", map[string]any{"share_type": map[string]any{"name": "", "extra_specs": map[string]any{"driver_handles_share_servers": false}}}).
			expectFault(t, 400, "badRequest", "Type name or description is not valid.")
		post("2.40", map[string]any{"share_type": map[string]any{"name": "y", "description": "d", "extra_specs": map[string]any{"driver_handles_share_servers": false}}}).
			expectFault(t, 400, "badRequest", "'description' key is not supported by this microversion. Use 2.41 or greater microversion to be able to use 'description' in share type.")
		// An empty description is no description: Manila lets it through.
		y40 := post("2.40", map[string]any{"share_type": map[string]any{"name": "y40", "description": "", "extra_specs": map[string]any{"driver_handles_share_servers": false}}}).
			expectStatus(t, 200).json(t)["share_type"].(map[string]any)
		ts.do(t, req{method: "DELETE", path: "/v2/types/" + y40["id"].(string), token: tokAdmin}).expectStatus(t, 202)
		post("2.40", map[string]any{"volume_type": map[string]any{"name": "z", "description": "d", "extra_specs": map[string]any{"driver_handles_share_servers": false}}}).
			expectFault(t, 400, "badRequest", "'description' key is not supported by this microversion. Use 2.41 or greater microversion to be able to use 'description' in share type.")
		post("2.99", map[string]any{"nothing": map[string]any{}}).
			expectFault(t, 400, "badRequest", "The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n")
	})

	t.Run("list, show, update, delete", func(t *testing.T) {
		priv := createType(t, ts, "2.99", map[string]any{"name": "private", "share_type_access:is_public": false,
			"extra_specs": map[string]any{"driver_handles_share_servers": false}})
		names := func(token, q string) []string {
			r := ts.do(t, req{method: "GET", path: "/v2/types" + q, token: token, version: "2.99"}).expectStatus(t, 200).json(t)
			expectKeys(t, "type list", r, "share_types", "volume_types")
			var out []string
			for _, x := range r["share_types"].([]any) {
				out = append(out, x.(map[string]any)["name"].(string))
			}
			return out
		}
		if got := names(tokMember, ""); !jsonEqual(got, []string{"default", "gold"}) {
			t.Errorf("member list %v", got)
		}
		if got := names(tokAdmin, "?is_public=all"); !jsonEqual(got, []string{"default", "gold", "private"}) {
			t.Errorf("admin all %v", got)
		}
		if got := names(tokAdmin, "?is_public=false"); !jsonEqual(got, []string{"private"}) {
			t.Errorf("admin private %v", got)
		}
		if got := names(tokMember, "?extra_specs="+urlq("{'snapshot_support': 'True'}")); !jsonEqual(got, []string{"default", "gold"}) {
			t.Errorf("extra_specs filter %v", got)
		}
		ts.do(t, req{method: "GET", path: "/v2/types?is_public=maybe", token: tokAdmin}).expectFault(t, 400, "badRequest", "Invalid is_public filter [maybe]")
		// Below 2.43 Manila refuses a non-empty extra_specs filter (the
		// spec's x-manila-refused) and ignores an empty one.
		ts.do(t, req{method: "GET", path: "/v2/types?extra_specs=" + urlq("{'snapshot_support': 'True'}"), token: tokMember, version: "2.42"}).
			expectFault(t, 400, "badRequest", "Filter by 'extra_specs' is not supported by this microversion. Use 2.43 or greater microversion to be able to use filter search by 'extra_specs.")
		ts.do(t, req{method: "GET", path: "/v2/types?extra_specs=", token: tokMember, version: "2.42"}).expectStatus(t, 200)
		ts.do(t, req{method: "GET", path: "/v2/types/" + priv["id"].(string), token: tokMember}).expectFault(t, 404, "itemNotFound", "Share type not found.")
		ts.do(t, req{method: "GET", path: "/v2/types/gold", token: tokMember}).expectFault(t, 404, "itemNotFound", "Share type not found.")

		up := ts.do(t, req{method: "PUT", path: "/v2/types/" + priv["id"].(string), token: tokAdmin, version: "2.50",
			body: map[string]any{"share_type": map[string]any{"name": "renamed", "description": "now"}}}).expectStatus(t, 200).json(t)["share_type"].(map[string]any)
		if up["name"] != "renamed" || up["description"] != "now" {
			t.Fatalf("updated %v", up)
		}
		ts.do(t, req{method: "PUT", path: "/v2/types/" + priv["id"].(string), token: tokAdmin, version: "2.49",
			body: map[string]any{"share_type": map[string]any{"name": "x"}}}).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
		ts.do(t, req{method: "PUT", path: "/v2/types/" + priv["id"].(string), token: tokAdmin, version: "2.50",
			body: map[string]any{"share_type": map[string]any{"name": "gold"}}}).expectFault(t, 409, "conflictingRequest", "Share Type gold already exists.")
		ts.do(t, req{method: "PUT", path: "/v2/types/" + priv["id"].(string), token: tokAdmin, version: "2.50",
			body: map[string]any{"share_type": map[string]any{}}}).expectFault(t, 400, "badRequest", "Specify share type name, description, share_type_access:is_public or a combination thereof.")

		// In use: 400; after the share is gone: 202 and 404.
		gold := ts.do(t, req{method: "GET", path: "/v2/types?is_public=all", token: tokAdmin}).json(t)["share_types"].([]any)[1].(map[string]any)
		shareID := createShare(t, ts, tokMember, map[string]any{"share_type": "gold"})
		ts.do(t, req{method: "DELETE", path: "/v2/types/" + gold["id"].(string), token: tokAdmin}).expectFault(t, 400, "badRequest", "Target share type is still in use.")
		ts.do(t, req{method: "DELETE", path: "/v2/types/" + gold["id"].(string), token: tokMember}).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
		waitShareStatus(t, ts, shareID, "available")
		ts.do(t, req{method: "DELETE", path: "/v2/shares/" + shareID, token: tokMember}).expectStatus(t, 202)
		waitShareGone(t, ts, shareID)
		ts.do(t, req{method: "DELETE", path: "/v2/types/" + gold["id"].(string), token: tokAdmin}).expectStatus(t, 202)
		ts.do(t, req{method: "GET", path: "/v2/types/" + gold["id"].(string), token: tokAdmin}).expectFault(t, 404, "itemNotFound", "Share type not found.")
		ts.do(t, req{method: "DELETE", path: "/v2/types/" + gold["id"].(string), token: tokAdmin}).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	})

	t.Run("extra specs endpoint is admin only", func(t *testing.T) {
		def := ts.do(t, req{method: "GET", path: "/v2/types/default", token: tokAdmin}).json(t)["share_type"].(map[string]any)
		r := ts.do(t, req{method: "GET", path: "/v2/types/" + def["id"].(string) + "/extra_specs", token: tokAdmin}).expectStatus(t, 200).json(t)
		if !jsonEqual(r, map[string]any{"extra_specs": map[string]any{"driver_handles_share_servers": "False", "snapshot_support": "True"}}) {
			t.Fatalf("extra specs %v", r)
		}
		ts.do(t, req{method: "GET", path: "/v2/types/" + def["id"].(string) + "/extra_specs", token: tokMember}).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	})

	t.Run("shares name their type by name or id", func(t *testing.T) {
		def := ts.do(t, req{method: "GET", path: "/v2/types/default", token: tokAdmin}).json(t)["share_type"].(map[string]any)
		id := createShare(t, ts, tokMember, map[string]any{"share_type": def["id"]})
		if got := getShare(t, ts, tokMember, "2.6", id)["share_type"]; got != def["id"] {
			t.Errorf("share_type %v", got)
		}
		ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "share_type": "nope"}}}).
			expectFault(t, 404, "itemNotFound", "Share type not found.")
		ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "share_type": "default", "volume_type": "default"}}}).
			expectFault(t, 400, "badRequest", "Cannot specify both share_type and volume_type")
		dhss := createType(t, ts, "2.99", map[string]any{"name": "dhss", "extra_specs": map[string]any{"driver_handles_share_servers": true}})
		ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "share_type": dhss["id"]}}}).
			expectFault(t, 400, "badRequest", "Share network must be set when the driver_handles_share_servers is true.")
	})
}

// A type whose extra specs no back end satisfies (Manila's tests use
// vendor_name=foobar) leaves its shares in error with the scheduler's
// message, as Manila's capabilities filter does.
func TestShareTypeNoValidHost(t *testing.T) {
	ts := startServer(t)
	createType(t, ts, "2.99", map[string]any{"name": "bogus", "extra_specs": map[string]any{
		"driver_handles_share_servers": false, "vendor_name": "foobar"}})
	createType(t, ts, "2.99", map[string]any{"name": "ours", "extra_specs": map[string]any{
		"driver_handles_share_servers": false, "vendor_name": "manilite", "snapshot_support": "<is> True"}})
	bad := createShare(t, ts, tokMember, map[string]any{"share_type": "bogus"})
	waitShareStatus(t, ts, bad, "error")
	msgs := ts.do(t, req{method: "GET", path: "/v2/messages?resource_id=" + bad, token: tokMember, version: "2.37"}).
		expectStatus(t, 200).json(t)["messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("messages %v", msgs)
	}
	m := msgs[0].(map[string]any)
	if m["action_id"] != "001" || m["detail_id"] != "008" ||
		m["user_message"] != "allocate host: No storage could be allocated for this share request, Capabilities filter didn't succeed." {
		t.Errorf("message %v", m)
	}
	waitShareStatus(t, ts, createShare(t, ts, tokMember, map[string]any{"share_type": "ours"}), "available")
}
