package main

import (
	"net/http"
	"testing"
)

func init() {
	paramResource["service_action"] = "service_action"
	paramResource["extension_alias"] = "extension_alias"
	matrixExtraNeeds["service_action"] = func(_ *testing.T, _ *testServer, ids map[string]string, _ func() string) {
		ids["service_action"] = "enable"
	}
	matrixExtraNeeds["extension_alias"] = func(_ *testing.T, _ *testServer, ids map[string]string, _ func() string) {
		ids["extension_alias"] = "os-fake"
	}
	shareService := fixedBody(map[string]any{"host": "manilite@local", "binary": "manila-share"})
	for op, fx := range map[string]matrixFixture{
		"ListPools":           {body: noBody, success: 200},
		"ListPoolsDetail":     {body: noBody, success: 200},
		"ListServices":        {body: noBody, success: 200},
		"ListServicesLegacy":  {body: noBody, success: 200},
		"UpdateService":       {needs: []string{"service_action"}, body: shareService, success: 200},
		"UpdateServiceLegacy": {needs: []string{"service_action"}, body: shareService, success: 200},
		"EnsureShares":        {body: fixedBody(map[string]any{"ensure_shares": map[string]any{"host": "manilite@local"}}), success: 202},
		"ListExtensions":      {body: noBody, success: 200},
		"ShowExtension":       {needs: []string{"extension_alias"}, body: noBody, success: 404},
	} {
		matrixFixtures[op] = fx
	}
}

func poolList(t *testing.T, ts *testServer, path, version string) []any {
	t.Helper()
	return ts.do(t, req{method: "GET", path: path, token: tokAdmin, version: version}).expectStatus(t, 200).json(t)["pools"].([]any)
}

func TestSchedulerPools(t *testing.T) {
	ts := startServer(t)
	pools := poolList(t, ts, "/v2/scheduler-stats/pools", "2.23")
	want := map[string]any{"name": "manilite@local#pool", "host": "manilite", "backend": "local", "pool": "pool"}
	if len(pools) != 1 || !jsonEqual(pools[0], want) {
		t.Fatalf("pools = %v, want [%v]", pools, want)
	}
	detail := poolList(t, ts, "/v2/scheduler-stats/pools/detail", "2.23")[0].(map[string]any)
	caps := detail["capabilities"].(map[string]any)
	for k, v := range map[string]any{"pool_name": "pool", "share_backend_name": "local", "storage_protocol": "NFS_CIFS",
		"vendor_name": "manilite", "driver_handles_share_servers": false, "snapshot_support": true,
		"create_share_from_snapshot_support": true, "revert_to_snapshot_support": true, "mount_snapshot_support": true, "qos": false} {
		if caps[k] != v {
			t.Errorf("capabilities[%s] = %v, want %v", k, caps[k], v)
		}
	}
	if total, ok := caps["total_capacity_gb"].(float64); !ok || total <= 0 {
		t.Errorf("total_capacity_gb = %v", caps["total_capacity_gb"])
	}
	// Filters are regular expressions matched at the start (re.match); a
	// key the pool lacks matches nothing.
	for q, n := range map[string]int{"?host=%5Emanilite%24&backend=%5Elocal%24&pool=%5Epool%24": 1, "?host=mani": 1,
		"?host=foo&backend=bar&pool=shark": 0, "?host=lite": 0, "?fake=x": 0, "?name=manilite%40local": 1} {
		for _, p := range []string{"/v2/scheduler-stats/pools", "/v2/scheduler-stats/pools/detail"} {
			if got := poolList(t, ts, p+q, "2.23"); len(got) != n {
				t.Errorf("%s%s: %d pools, want %d", p, q, len(got), n)
			}
		}
	}
	// share_type (2.23+): the type's extra specs must match the pool's
	// capabilities; below 2.23 it is a key no pool has.
	ts.do(t, req{method: "POST", path: "/v2/types", token: tokAdmin, version: "2.23", body: map[string]any{"share_type": map[string]any{
		"name": "fits", "extra_specs": map[string]any{"driver_handles_share_servers": "False", "snapshot_support": "<is> True"}}}}).expectStatus(t, 200)
	ts.do(t, req{method: "POST", path: "/v2/types", token: tokAdmin, version: "2.23", body: map[string]any{"share_type": map[string]any{
		"name": "elsewhere", "extra_specs": map[string]any{"driver_handles_share_servers": "False", "share_backend_name": "other"}}}}).expectStatus(t, 200)
	if got := poolList(t, ts, "/v2/scheduler-stats/pools?share_type=fits", "2.23"); len(got) != 1 {
		t.Errorf("share_type=fits: %v", got)
	}
	if got := poolList(t, ts, "/v2/scheduler-stats/pools/detail?share_type=elsewhere", "2.23"); len(got) != 0 {
		t.Errorf("share_type=elsewhere: %v", got)
	}
	if got := poolList(t, ts, "/v2/scheduler-stats/pools?share_type=fits", "2.22"); len(got) != 0 {
		t.Errorf("share_type at 2.22: %v", got)
	}
	ts.do(t, req{method: "GET", path: "/v2/scheduler-stats/pools?share_type=nope", token: tokAdmin, version: "2.23"}).
		expectFault(t, 400, "badRequest", "Share type nope not found.")
	ts.do(t, req{method: "GET", path: "/v2/scheduler-stats/pools", token: tokMember, version: "2.23"}).expectStatus(t, http.StatusForbidden)
}

func serviceList(t *testing.T, ts *testServer, path, version string) []any {
	t.Helper()
	return ts.do(t, req{method: "GET", path: path, token: tokAdmin, version: version}).expectStatus(t, 200).json(t)["services"].([]any)
}

func TestServicesListAndFilters(t *testing.T) {
	ts := startServer(t)
	all := serviceList(t, ts, "/v2/services", "2.7")
	if len(all) != 3 {
		t.Fatalf("services = %v", all)
	}
	share := all[1].(map[string]any)
	for k, v := range map[string]any{"binary": "manila-share", "host": "manilite@local", "zone": "nova", "status": "enabled", "state": "up"} {
		if share[k] != v {
			t.Errorf("%s = %v, want %v", k, share[k], v)
		}
	}
	if _, ok := share["disabled_reason"]; ok {
		t.Errorf("disabled_reason shown at 2.7: %v", share)
	}
	for q, n := range map[string]int{"?host=manilite": 2, "?binary=manila-share": 1, "?zone=nova": 3, "?status=enabled": 3,
		"?state=up": 3, "?fake_param=x": 3, "?host=fake_host": 0, "?binary=fake": 0, "?zone=fake_zone": 0,
		"?status=fake_status": 0, "?state=fake_state": 0, "?host=manilite&binary=manila-data&zone=nova&status=enabled&state=up": 1} {
		if got := serviceList(t, ts, "/v2/services"+q, "2.7"); len(got) != n {
			t.Errorf("%s: %d services, want %d", q, len(got), n)
		}
	}
	// ensuring filters from 2.93; below it is ignored.
	for v, n := range map[string]int{"2.93": 0, "2.92": 3} {
		if got := serviceList(t, ts, "/v2/services?ensuring=true", v); len(got) != n {
			t.Errorf("ensuring=true at %s: %d services, want %d", v, len(got), n)
		}
	}
	if got := serviceList(t, ts, "/v2/services?ensuring=maybe", "2.93"); len(got) != 0 {
		t.Errorf("ensuring=maybe: %v", got)
	}
	if got := serviceList(t, ts, "/v2/os-services", "2.6"); len(got) != 3 {
		t.Errorf("os-services: %v", got)
	}
	for _, c := range []struct{ path, version string }{{"/v2/os-services", "2.7"}, {"/v2/services", "2.6"}, {"/v2/services", "2.0"}} {
		ts.do(t, req{method: "GET", path: c.path, token: tokAdmin, version: c.version}).expectStatus(t, 404)
	}
	ts.do(t, req{method: "GET", path: "/v2/services", token: tokMember, version: "2.7"}).expectStatus(t, 403)
}

func TestServicesEnableDisable(t *testing.T) {
	ts := startServer(t)
	body := map[string]any{"host": "manilite@local", "binary": "manila-share", "disabled_reason": "maintenance"}
	ts.do(t, req{method: "PUT", path: "/v2/services/disable", token: tokAdmin, version: "2.82", body: body}).
		expectFault(t, 400, "badRequest", "'disabled_reason' option is not supported by this microversion. Use 2.83 or greater microversion to be able to set 'disabled_reason'.")
	got := ts.do(t, req{method: "PUT", path: "/v2/services/disable", token: tokAdmin, version: "2.83", body: body}).expectStatus(t, 200).json(t)
	want := map[string]any{"host": "manilite@local", "binary": "manila-share", "status": "disabled", "disabled_reason": "maintenance"}
	if !jsonEqual(got, want) {
		t.Errorf("disable = %v, want %v", got, want)
	}
	// The status survives a restart.
	ts.restart()
	svc := serviceList(t, ts, "/v2/services?status=disabled", "2.83")
	if len(svc) != 1 || svc[0].(map[string]any)["disabled_reason"] != "maintenance" {
		t.Fatalf("disabled services after restart = %v", svc)
	}
	got = ts.do(t, req{method: "PUT", path: "/v2/services/enable", token: tokAdmin, version: "2.86",
		body: map[string]any{"host": "manilite@local", "binary": "manila-share"}}).expectStatus(t, 200).json(t)
	want = map[string]any{"host": "manilite@local", "binary": "manila-share", "status": "enabled", "disabled_reason": nil, "ensuring": nil}
	if !jsonEqual(got, want) {
		t.Errorf("enable = %v, want %v", got, want)
	}
	if svc := serviceList(t, ts, "/v2/services?status=disabled", "2.83"); len(svc) != 0 {
		t.Errorf("disabled after enable: %v", svc)
	}
	ts.do(t, req{method: "PUT", path: "/v2/os-services/disable", token: tokAdmin, version: "2.6",
		body: map[string]any{"host": "manilite", "binary": "manila-data"}}).expectStatus(t, 200)
	ts.do(t, req{method: "PUT", path: "/v2/services/pause", token: tokAdmin, version: "2.7", body: body}).
		expectFault(t, 404, "itemNotFound", "Unknown action 'pause'")
	ts.do(t, req{method: "PUT", path: "/v2/services/disable", token: tokAdmin, version: "2.83",
		body: map[string]any{"host": "h", "binary": "b", "disabled_reason": "   "}}).
		expectFault(t, 400, "badRequest", "Disabled reason contains invalid characters or is too long")
	ts.do(t, req{method: "PUT", path: "/v2/services/enable", token: tokAdmin, version: "2.7", body: map[string]any{"host": "h"}}).
		expectFault(t, 400, "badRequest", "The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n")
	ts.do(t, req{method: "PUT", path: "/v2/services/enable", token: tokAdmin, version: "2.7", body: map[string]any{"host": "h", "binary": "manila-share"}}).
		expectFault(t, 404, "itemNotFound", "Could not find binary manila-share on host h.")
	ts.do(t, req{method: "PUT", path: "/v2/services/enable", token: tokMember, version: "2.7", body: body}).expectStatus(t, 403)
}

func TestExtensions(t *testing.T) {
	ts := startServer(t)
	got := ts.do(t, req{method: "GET", path: "/v2/extensions", token: tokMember, version: "2.0"}).expectStatus(t, 200).json(t)
	if !jsonEqual(got, map[string]any{"extensions": []any{}}) {
		t.Errorf("extensions = %v", got)
	}
	ts.do(t, req{method: "GET", path: "/v2/extensions/os-fake", token: tokMember}).
		expectFault(t, 404, "itemNotFound", "The resource could not be found.")
}

func TestEnsureShares(t *testing.T) {
	ts := startServer(t)
	ensure := func(host, version string) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/services/ensure-shares", token: tokAdmin, version: version,
			body: map[string]any{"ensure_shares": map[string]any{"host": host}}})
	}
	ensure("manilite@local", "2.86").expectStatus(t, 202)
	ensure("manilite@local", "2.85").expectStatus(t, 404)
	// Manila's message formats Python's builtin id, not the host.
	ensure("nowhere", "2.86").expectFault(t, 404, "itemNotFound", "manila-share binary for '<built-in function id>' host not found")
	ts.do(t, req{method: "POST", path: "/v2/services/ensure-shares", token: tokAdmin, version: "2.86",
		body: map[string]any{"ensure_shares": map[string]any{}}}).expectStatus(t, 400)
}
