package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func init() {
	project := []string{"project"}
	matrixFixtures["ShowQuotaSet"] = matrixFixture{needs: project, body: noBody, success: 200, other: 403}
	matrixFixtures["ShowQuotaSetLegacy"] = matrixFixture{needs: project, body: noBody, success: 200, other: 403}
	matrixFixtures["ShowQuotaSetDetail"] = matrixFixture{needs: project, body: noBody, success: 200, other: 403}
	matrixFixtures["ShowQuotaSetDefaults"] = matrixFixture{needs: project, body: noBody, success: 200}
	matrixFixtures["ShowQuotaSetDefaultsLegacy"] = matrixFixture{needs: project, body: noBody, success: 200}
	quotaBody := fixedBody(map[string]any{"quota_set": map[string]any{"share_networks": 600}})
	matrixFixtures["UpdateQuotaSet"] = matrixFixture{needs: project, body: quotaBody, success: 200}
	matrixFixtures["UpdateQuotaSetLegacy"] = matrixFixture{needs: project, body: quotaBody, success: 200}
	matrixFixtures["DeleteQuotaSet"] = matrixFixture{needs: project, body: noBody, success: 202}
	matrixFixtures["DeleteQuotaSetLegacy"] = matrixFixture{needs: project, body: noBody, success: 202}
	matrixFixtures["ListLimits"] = matrixFixture{body: noBody, success: 200}
	share := []string{"share"}
	matrixFixtures["ShareAction/extend"] = matrixFixture{needs: share, body: fixedBody(map[string]any{"extend": map[string]any{"new_size": 2}}),
		success: 202, other: 404}
	matrixFixtures["ShareAction/os-extend"] = matrixFixture{needs: share, body: fixedBody(map[string]any{"os-extend": map[string]any{"new_size": 2}}),
		success: 202, other: 404}
	matrixFixtures["ShareAction/shrink"] = matrixFixture{needs: []string{"share_2g"}, body: fixedBody(map[string]any{"shrink": map[string]any{"new_size": 1}}),
		success: 202, other: 404}
	matrixFixtures["ShareAction/os-shrink"] = matrixFixture{needs: []string{"share_2g"}, body: fixedBody(map[string]any{"os-shrink": map[string]any{"new_size": 1}}),
		success: 202, other: 404}
}

func quotaReq(method, path, token, version string, body any) req {
	return req{method: method, path: path, token: token, version: version, body: body}
}

func TestQuotaSets(t *testing.T) {
	ts := startServer(t)
	qs := "/v2/quota-sets/" + projA

	// Defaults, with the keys of each microversion.
	got := ts.do(t, quotaReq("GET", qs+"/defaults", tokReader, "2.7", nil)).expectStatus(t, 200).json(t)
	want := map[string]any{"quota_set": map[string]any{"id": projA, "shares": 50.0, "gigabytes": 1000.0, "snapshots": 50.0,
		"snapshot_gigabytes": 1000.0, "share_networks": 10.0}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("defaults at 2.7: %v", got)
	}
	got = ts.do(t, quotaReq("GET", qs, tokReader, "2.99", nil)).expectStatus(t, 200).json(t)
	want["quota_set"].(map[string]any)["share_groups"] = 50.0
	for k, v := range map[string]float64{"share_groups": 50, "share_group_snapshots": 50, "share_replicas": 100, "replica_gigabytes": 1000,
		"per_share_gigabytes": -1, "backups": 10, "backup_gigabytes": 1000, "encryption_keys": 100} {
		want["quota_set"].(map[string]any)[k] = v
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("show at 2.99: %v", got)
	}

	// Only admins update; another project's quotas are not a member's.
	ts.do(t, quotaReq("PUT", qs, tokMember, "2.7", map[string]any{"quota_set": map[string]any{"shares": 5}})).
		expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	ts.do(t, quotaReq("GET", "/v2/quota-sets/"+projB, tokMember, "2.7", nil)).
		expectFault(t, 403, "forbidden", "Access was denied to this resource.")

	// Manila's update checks and messages.
	put := func(version string, body map[string]any, query string) *resp {
		return ts.do(t, quotaReq("PUT", qs+query, tokAdmin, version, map[string]any{"quota_set": body}))
	}
	put("2.7", map[string]any{"force": true}, "").expectFault(t, 400, "badRequest", "Must supply at least one quota field to update.")
	put("2.7", map[string]any{"shares": 5, "bogus": 1}, "").expectFault(t, 400, "badRequest", "Bad key(s) bogus in quota_set.")
	put("2.7", map[string]any{"shares": "many"}, "").expectFault(t, 400, "badRequest", "Quota 'many' for shares should be integer.")
	put("2.7", map[string]any{"shares": -2}, "").expectFault(t, 400, "badRequest", "Quota limit must be -1 or greater.")
	put("2.79", map[string]any{"backups": 3}, "").expectFault(t, 400, "badRequest",
		"'backups' key is not supported by this microversion. Use 2.80 or greater microversion to be able to use 'backups' quotas.")
	put("2.38", map[string]any{"shares": 3}, "?share_type=default").expectFault(t, 400, "badRequest",
		"'share_type' key is not supported by this microversion. Use 2.39 or greater microversion to be able to use 'share_type' quotas.")
	put("2.39", map[string]any{"shares": 3}, "?share_type=nope").expectFault(t, 404, "itemNotFound", "Share type with name or id 'nope' not found.")
	put("2.39", map[string]any{"shares": 3}, "?share_type=default&user_id=u").expectFault(t, 400, "badRequest",
		"'user_id' and 'share_type' values are mutually exclusive")

	// An update answers without the id; a user's quota may not pass the
	// project's.
	got = put("2.7", map[string]any{"shares": "2", "gigabytes": 10}, "").expectStatus(t, 200).json(t)
	want = map[string]any{"quota_set": map[string]any{"shares": 2.0, "gigabytes": 10.0, "snapshots": 50.0,
		"snapshot_gigabytes": 1000.0, "share_networks": 10.0}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("update: %v", got)
	}
	put("2.7", map[string]any{"shares": 3}, "?user_id=someone").expectFault(t, 400, "badRequest", "Quota limit must be less than 2.")

	// Enforced on create, with Manila's 413 bodies; detail shows the use.
	createShare(t, ts, tokMember, nil)
	createShare(t, ts, tokMember, map[string]any{"size": 2})
	ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: "2.99",
		body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1}}}).
		expectFault(t, 413, "overLimit", "ShareLimitExceeded: Maximum number of shares allowed (2) either per project/user or share type quota is exceeded.")
	put("2.7", map[string]any{"shares": 10}, "").expectStatus(t, 200)
	ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: "2.99",
		body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 8}}}).
		expectFault(t, 413, "overLimit", "ShareSizeExceedsAvailableQuota: Requested share exceeds allowed project/user or share type gigabytes quota.")
	put("2.7", map[string]any{"gigabytes": 2}, "").expectFault(t, 400, "badRequest", "Quota value 2 for gigabytes is smaller than already used and reserved 3.")
	put("2.62", map[string]any{"per_share_gigabytes": 4}, "").expectStatus(t, 200)
	ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: "2.99",
		body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 5}}}).
		expectFault(t, 413, "overLimit", "ShareSizeExceedsLimit: Requested share size 5 is larger than maximum allowed limit 4.")
	detail := ts.do(t, quotaReq("GET", qs+"/detail", tokReader, "2.25", nil)).expectStatus(t, 200).json(t)["quota_set"].(map[string]any)
	if g := detail["gigabytes"]; !reflect.DeepEqual(g, map[string]any{"in_use": 3.0, "limit": 10.0, "reserved": 0.0}) {
		t.Fatalf("detail gigabytes: %v", g)
	}
	if s := detail["shares"]; !reflect.DeepEqual(s, map[string]any{"in_use": 2.0, "limit": 10.0, "reserved": 0.0}) {
		t.Fatalf("detail shares: %v", s)
	}

	// Limits show the same numbers.
	abs := ts.do(t, req{method: "GET", path: "/v2/limits", token: tokReader, version: "2.80"}).expectStatus(t, 200).
		json(t)["limits"].(map[string]any)["absolute"].(map[string]any)
	if abs["maxTotalShares"] != 10.0 || abs["totalSharesUsed"] != 2.0 || abs["totalShareGigabytesUsed"] != 3.0 || abs["maxTotalShareBackups"] != 10.0 {
		t.Fatalf("limits: %v", abs)
	}

	// Share type quotas leave out share networks; delete restores the
	// defaults.
	st := ts.do(t, quotaReq("GET", qs+"?share_type=default", tokReader, "2.39", nil)).expectStatus(t, 200).json(t)["quota_set"].(map[string]any)
	if _, ok := st["share_networks"]; ok || st["shares"] != 10.0 {
		t.Fatalf("share type quota set: %v", st)
	}
	ts.do(t, quotaReq("DELETE", qs, tokAdmin, "2.7", nil)).expectStatus(t, 202)
	got = ts.do(t, quotaReq("GET", "/v2/os-quota-sets/"+projA, tokReader, "2.6", nil)).expectStatus(t, 200).json(t)
	if got["quota_set"].(map[string]any)["shares"] != 50.0 {
		t.Fatalf("after delete: %v", got)
	}
}

func TestSnapshotQuota(t *testing.T) {
	ts := startServer(t)
	id := createShare(t, ts, tokMember, nil)
	waitShareStatus(t, ts, id, "available")
	ts.do(t, quotaReq("PUT", "/v2/quota-sets/"+projA, tokAdmin, "2.7", map[string]any{"quota_set": map[string]any{"snapshots": 0}})).expectStatus(t, 200)
	ts.do(t, req{method: "POST", path: "/v2/snapshots", token: tokMember, version: "2.7",
		body: map[string]any{"snapshot": map[string]any{"share_id": id}}}).
		expectFault(t, 413, "overLimit", "SnapshotLimitExceeded: Maximum number of snapshots allowed (0) either per project/user or share type quota is exceeded.")
}

func TestExtendShrink(t *testing.T) {
	// The extend job is due a second after it is asked for: extending is
	// seen until then.
	ts := startServer(t, func(o *options) { o.MinTransition = time.Second })
	id := createShare(t, ts, tokMember, nil)
	waitShareStatus(t, ts, id, "available")
	action := func(version string, body map[string]any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokMember, version: version, body: body})
	}

	action("2.7", map[string]any{"extend": map[string]any{"new_size": 1}}).expectFault(t, 400, "badRequest",
		"Invalid input received: New size for extend must be greater than current size. (current: 1, extended: 1)..")
	action("2.7", map[string]any{"extend": map[string]any{"new_size": "x"}}).expectFault(t, 400, "badRequest",
		"New share size must be specified as an integer.")
	action("2.64", map[string]any{"extend": map[string]any{"new_size": 2, "force": true}}).expectFault(t, 403, "forbidden",
		"Policy doesn't allow share:force_extend to be performed.")
	ts.do(t, quotaReq("PUT", "/v2/quota-sets/"+projA, tokAdmin, "2.7", map[string]any{"quota_set": map[string]any{"gigabytes": 3}})).expectStatus(t, 200)
	action("2.7", map[string]any{"extend": map[string]any{"new_size": 4}}).expectFault(t, 403, "forbidden",
		"Requested share exceeds allowed project/user or share type gigabytes quota.")

	// The extend reserves its gigabytes while it runs, then the share has
	// its new size.
	action("2.6", map[string]any{"os-extend": map[string]any{"new_size": "3"}}).expectStatus(t, 202)
	if st := getShare(t, ts, tokMember, "2.7", id)["status"]; st != "extending" {
		t.Fatalf("status %v after extend, want extending", st)
	}
	detail := ts.do(t, quotaReq("GET", "/v2/quota-sets/"+projA+"/detail", tokReader, "2.25", nil)).expectStatus(t, 200).json(t)["quota_set"].(map[string]any)
	if g := detail["gigabytes"]; !reflect.DeepEqual(g, map[string]any{"in_use": 1.0, "limit": 3.0, "reserved": 2.0}) {
		t.Fatalf("gigabytes while extending: %v", g)
	}
	action("2.7", map[string]any{"shrink": map[string]any{"new_size": 1}}).expectFault(t, 400, "badRequest",
		"Invalid share: Share "+id+" status must in (available, shrinking_possible_data_loss_error) to shrink, but current status is: extending..")
	sh := waitShareStatus(t, ts, id, "available")
	if sh["size"] != 3.0 {
		t.Fatalf("size after extend: %v", sh["size"])
	}

	// A shrink below the data the share holds is refused; the share stays
	// as it was.
	f, err := os.Create(filepath.Join(sharePath(ts, id), "big"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(3 << 29); err != nil { // 1.5 GiB, sparse
		t.Fatal(err)
	}
	f.Close()
	action("2.7", map[string]any{"shrink": map[string]any{"new_size": 0}}).expectFault(t, 400, "badRequest",
		"Invalid input received: New size for shrink must be less than current size and greater than 0 (current: 3, new: 0).")
	action("2.7", map[string]any{"shrink": map[string]any{"new_size": 1}}).expectStatus(t, 202)
	sh = waitShareSettled(t, ts, id)
	if sh["status"] != "available" || sh["size"] != 3.0 {
		t.Fatalf("after refused shrink: status %v size %v", sh["status"], sh["size"])
	}
	// With Manila's user message.
	msgs := ts.do(t, req{method: "GET", path: "/v2/messages?resource_id=" + id, token: tokMember, version: "2.37"}).
		expectStatus(t, 200).json(t)["messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["user_message"] != "shrink: Share Driver refused to shrink the share. The size to be shrunk is smaller than the current used space. The share status has been set to available. Please select a size greater than the current used space." {
		t.Errorf("messages after the refused shrink: %v", msgs)
	}
	action("2.7", map[string]any{"shrink": map[string]any{"new_size": 2}}).expectStatus(t, 202)
	sh = waitShareSettled(t, ts, id)
	if sh["status"] != "available" || sh["size"] != 2.0 {
		t.Fatalf("after shrink: status %v size %v", sh["status"], sh["size"])
	}
}

// waitShareSettled waits for a share to leave shrinking / extending.
func waitShareSettled(t *testing.T, ts *testServer, id string) map[string]any {
	t.Helper()
	var sh map[string]any
	waitFor(t, 10*time.Second, "share "+id+" to settle", func() bool {
		sh = getShare(t, ts, tokAdmin, "2.99", id)
		return sh["status"] != "shrinking" && sh["status"] != "extending"
	})
	return sh
}

// unlimitedQuotas lifts every default quota, for tests that make many
// resources in one project.
func unlimitedQuotas(o *options) {
	for name := range o.Quotas {
		o.Quotas[name] = -1
	}
}
