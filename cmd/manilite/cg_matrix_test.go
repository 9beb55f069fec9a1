package main

import (
	"fmt"
	"testing"
	"time"
)

// TestCGRoleMatrix checks every consistency group and cgsnapshot operation
// for an admin of another project, a member, a reader and a role-less user
// of the owning project, a member of another project and no token, against
// Manila's defaults for these APIs: "rule:default" (admin, or anyone of the
// project) and "rule:admin_api" for the admin actions; another project's
// group or cgsnapshot does not exist for a non-admin.
func TestCGRoleMatrix(t *testing.T) {
	ts := startServer(t, func(o *options) {
		o.MinTransition = time.Hour
		// Every case makes its own group and snapshot: more than the
		// default quotas of one project.
		o.Quotas["share_groups"], o.Quotas["share_group_snapshots"] = -1, -1
	})
	fixture := func(t *testing.T) (group, snap string) {
		group = createCG(t, ts, tokMember, nil)["id"].(string)
		if err := ts.app.db.Write(t.Context(), func(tx *storageTx) error { return placeCG(tx, group) }); err != nil {
			t.Fatal(err)
		}
		snap = ts.do(t, cgReq("POST", "/v2/cgsnapshots", tokMember, map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": group}})).
			expectStatus(t, 202).json(t)["cgsnapshot"].(map[string]any)["id"].(string)
		ts.do(t, req{method: "POST", path: "/v2/cgsnapshots/" + snap + "/action", token: tokAdmin, version: "2.7", experimental: true,
			body: map[string]any{"reset_status": map[string]any{"status": "available"}}}).expectStatus(t, 202)
		return group, snap
	}
	callers := []struct{ name, token string }{
		{"admin", tokOtherAdmin}, {"member", tokMember}, {"reader", tokReader}, {"noroles", "plain-user:" + projA + ":"},
		{"other", tokOtherMember}, {"anonymous", ""},
	}
	all := func(code int) map[string]int {
		return map[string]int{"admin": code, "member": code, "reader": code, "noroles": code, "other": code, "anonymous": 401}
	}
	owned := func(code int) map[string]int { // another project's resource is 404
		m := all(code)
		m["other"] = 404
		return m
	}
	adminOnly := func(code int) map[string]int {
		return map[string]int{"admin": code, "member": 403, "reader": 403, "noroles": 403, "other": 403, "anonymous": 401}
	}
	createSnap := owned(202)
	createSnap["other"] = 400 // the group is not found: Manila's 400
	ops := []struct {
		name string
		call func(group, snap string) req
		want map[string]int
	}{
		{"list groups", func(_, _ string) req { return cgReq("GET", "/v2/consistency-groups", "", nil) }, all(200)},
		{"list groups detail", func(_, _ string) req { return cgReq("GET", "/v2/consistency-groups/detail", "", nil) }, all(200)},
		{"show group", func(g, _ string) req { return cgReq("GET", "/v2/consistency-groups/"+g, "", nil) }, owned(200)},
		{"create group", func(_, _ string) req {
			return cgReq("POST", "/v2/consistency-groups", "", map[string]any{"consistency_group": map[string]any{}})
		}, all(202)},
		{"update group", func(g, _ string) req {
			return cgReq("PUT", "/v2/consistency-groups/"+g, "", map[string]any{"consistency_group": map[string]any{"name": "n"}})
		}, owned(200)},
		{"delete group", func(g, _ string) req { return cgReq("DELETE", "/v2/consistency-groups/"+g, "", nil) }, owned(409)},
		{"reset group", func(g, _ string) req {
			return cgReq("POST", "/v2/consistency-groups/"+g+"/action", "", map[string]any{"reset_status": map[string]any{"status": "error"}})
		}, adminOnly(202)},
		{"force delete group", func(g, _ string) req {
			return cgReq("POST", "/v2/consistency-groups/"+g+"/action", "", map[string]any{"force_delete": nil})
		}, adminOnly(202)},
		{"list cgsnapshots", func(_, _ string) req { return cgReq("GET", "/v2/cgsnapshots", "", nil) }, all(200)},
		{"list cgsnapshots detail", func(_, _ string) req { return cgReq("GET", "/v2/cgsnapshots/detail", "", nil) }, all(200)},
		{"show cgsnapshot", func(_, s string) req { return cgReq("GET", "/v2/cgsnapshots/"+s, "", nil) }, owned(200)},
		{"members", func(_, s string) req { return cgReq("GET", "/v2/cgsnapshots/"+s+"/members", "", nil) }, owned(200)},
		{"create cgsnapshot", func(g, _ string) req {
			return cgReq("POST", "/v2/cgsnapshots", "", map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": g}})
		}, createSnap},
		{"update cgsnapshot", func(_, s string) req {
			return cgReq("PUT", "/v2/cgsnapshots/"+s, "", map[string]any{"cgsnapshot": map[string]any{"name": "n"}})
		}, owned(200)},
		{"delete cgsnapshot", func(_, s string) req { return cgReq("DELETE", "/v2/cgsnapshots/"+s, "", nil) }, owned(202)},
		{"reset cgsnapshot", func(_, s string) req {
			return cgReq("POST", "/v2/cgsnapshots/"+s+"/action", "", map[string]any{"reset_status": map[string]any{"status": "error"}})
		}, adminOnly(202)},
		{"force delete cgsnapshot", func(_, s string) req {
			return cgReq("POST", "/v2/cgsnapshots/"+s+"/action", "", map[string]any{"force_delete": nil})
		}, adminOnly(202)},
	}
	for _, op := range ops {
		for _, c := range callers {
			t.Run(fmt.Sprintf("%s/%s", op.name, c.name), func(t *testing.T) {
				group, snap := fixture(t)
				rq := op.call(group, snap)
				rq.version = "2.7"
				rq.token = c.token
				r := ts.do(t, rq)
				if want := op.want[c.name]; r.status != want {
					t.Fatalf("%s by %s: status %d, want %d (%s)", op.name, c.name, r.status, want, r.raw)
				}
				if r.status == 403 {
					r.expectFault(t, 403, "forbidden", "Access was denied to this resource.")
				}
			})
		}
	}
}
