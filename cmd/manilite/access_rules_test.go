package main

import (
	"strings"
	"testing"
	"time"
)

// Share access rules over HTTP (manila/api/v2/shares.py _allow_access /
// _deny_access / _access_list, share_accesses.py, share_access_metadata.py).

func init() {
	paramResource["access_id"] = "access_rule"
	// A rule of projA's share, still queued (the matrix's jobs wait an hour).
	matrixExtraNeeds["access_rule"] = func(t *testing.T, ts *testServer, ids map[string]string, share func() string) {
		ids["access_rule"] = allowRule(t, ts, tokMember, "2.99", share(), "ip", "10.0.0.0/24")["id"].(string)
		ts.do(t, req{method: "PUT", path: "/v2/share-access-rules/" + ids["access_rule"] + "/metadata", token: tokMember, version: "2.99",
			body: map[string]any{"metadata": map[string]any{"k1": "v1"}}}).expectStatus(t, 200)
		ids["key"] = "k1"
	}
	allow := func(name string) func(map[string]string) any {
		return fixedBody(map[string]any{name: map[string]any{"access_type": "ip", "access_to": "10.1.0.1"}})
	}
	deny := func(name string) func(map[string]string) any {
		return func(ids map[string]string) any {
			return map[string]any{name: map[string]any{"access_id": ids["access_rule"]}}
		}
	}
	rule := []string{"access_rule"}
	for op, fx := range map[string]matrixFixture{
		"ShareAction/allow_access":    {needs: []string{"share"}, body: allow("allow_access"), success: 200, other: 404},
		"ShareAction/os-allow_access": {needs: []string{"share"}, body: allow("os-allow_access"), success: 200, other: 404},
		"ShareAction/deny_access":     {needs: rule, body: deny("deny_access"), success: 202, other: 404},
		"ShareAction/os-deny_access":  {needs: rule, body: deny("os-deny_access"), success: 202, other: 404},
		"ShareAction/access_list":     {needs: []string{"share"}, body: fixedBody(map[string]any{"access_list": nil}), success: 200, other: 404},
		"ShareAction/os-access_list":  {needs: []string{"share"}, body: fixedBody(map[string]any{"os-access_list": nil}), success: 200, other: 404},
		// Without share_id every caller the rule lets through gets 400.
		"ListShareAccessRules":          {body: noBody, success: 400},
		"ShowShareAccessRule":           {needs: rule, body: noBody, success: 200, other: 404},
		"UpdateShareAccessRule":         {needs: rule, body: fixedBody(map[string]any{"update_access": map[string]any{"access_level": "ro"}}), success: 200, other: 404},
		"UpdateShareAccessRuleMetadata": {needs: rule, body: fixedBody(map[string]any{"metadata": map[string]any{"a": "b"}}), success: 200, other: 404},
		"DeleteShareAccessRuleMetadata": {needs: rule, body: noBody, success: 200, other: 404},
	} {
		matrixFixtures[op] = fx
	}
}

func allowRule(t *testing.T, ts *testServer, token, version, share, typ, to string) map[string]any {
	t.Helper()
	r := ts.do(t, req{method: "POST", path: "/v2/shares/" + share + "/action", token: token, version: version,
		body: map[string]any{"allow_access": map[string]any{"access_type": typ, "access_to": to}}}).expectStatus(t, 200)
	return r.json(t)["access"].(map[string]any)
}

func showRule(t *testing.T, ts *testServer, id string) *resp {
	return ts.do(t, req{method: "GET", path: "/v2/share-access-rules/" + id, token: tokMember, version: "2.99"})
}

func waitRuleState(t *testing.T, ts *testServer, id, want string) map[string]any {
	t.Helper()
	var rule map[string]any
	waitFor(t, 10*time.Second, "rule "+id+" to be "+want, func() bool {
		rule = showRule(t, ts, id).expectStatus(t, 200).json(t)["access"].(map[string]any)
		return rule["state"] == want
	})
	return rule
}

func TestAccessRuleLifecycle(t *testing.T) {
	ts := startServer(t)
	sh := availableShare(t, ts, tokMember, nil)
	act := func(body map[string]any, version string) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/shares/" + sh + "/action", token: tokMember, version: version, body: body})
	}
	r := act(map[string]any{"allow_access": map[string]any{"access_type": "ip", "access_to": "10.0.0.0/24", "access_level": "ro",
		"metadata": map[string]any{"k": "v"}}}, "2.99").expectStatus(t, 200).json(t)["access"].(map[string]any)
	id := r["id"].(string)
	if r["state"] != "queued_to_apply" || r["share_id"] != sh || r["access_level"] != "ro" || r["access_to"] != "10.0.0.0/24" ||
		r["access_type"] != "ip" || r["access_key"] != nil || r["updated_at"] != nil {
		t.Errorf("allow_access = %v", r)
	}
	if md := r["metadata"].(map[string]any); len(md) != 1 || md["k"] != "v" {
		t.Errorf("metadata = %v", md)
	}
	got := waitRuleState(t, ts, id, "active")
	if sh := getShare(t, ts, tokMember, "2.99", sh); sh["access_rules_status"] != "active" {
		t.Errorf("access_rules_status = %v", sh["access_rules_status"])
	}
	if got["updated_at"] == nil {
		t.Errorf("an applied rule has updated_at: %v", got)
	}
	// Duplicates: the same network, however written.
	act(map[string]any{"allow_access": map[string]any{"access_type": "ip", "access_to": "10.0.0.0/24"}}, "2.99").
		expectFault(t, 400, "badRequest", "Share access ip:10.0.0.0/24 exists.")
	id2 := allowRule(t, ts, tokMember, "2.99", sh, "ip", "10.0.0.1")["id"].(string)
	act(map[string]any{"allow_access": map[string]any{"access_type": "ip", "access_to": "10.0.0.1/32"}}, "2.99").
		expectFault(t, 400, "badRequest", "Share access ip:10.0.0.1/32 exists.")
	waitRuleState(t, ts, id2, "active")

	// The list: access_list below 2.45, share-access-rules from it.
	list := act(map[string]any{"access_list": nil}, "2.44").expectStatus(t, 200).json(t)["access_list"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["id"] != id {
		t.Fatalf("access_list = %v", list)
	}
	if _, has := list[0].(map[string]any)["share_id"]; has {
		t.Errorf("the summary view has no share_id: %v", list[0])
	}
	act(map[string]any{"access_list": nil}, "2.45").expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	l2 := ts.do(t, req{method: "GET", path: "/v2/share-access-rules?share_id=" + sh, token: tokReader, version: "2.45"}).
		expectStatus(t, 200).json(t)["access_list"].([]any)
	if len(l2) != 2 {
		t.Errorf("share-access-rules = %v", l2)
	}
	ts.do(t, req{method: "GET", path: "/v2/share-access-rules", token: tokMember, version: "2.45"}).
		expectFault(t, 400, "badRequest", "The field 'share_id' has to be specified.")
	ts.do(t, req{method: "GET", path: "/v2/share-access-rules?share_id=nope", token: tokMember, version: "2.45"}).
		expectFault(t, 400, "badRequest", "Share nope not found.")
	ts.do(t, req{method: "GET", path: "/v2/share-access-rules/" + id, token: tokMember, version: "2.44"}).
		expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	showRule(t, ts, "nope").expectFault(t, 404, "itemNotFound", "Share access rule nope not found.")
	ts.do(t, req{method: "GET", path: "/v2/share-access-rules/" + id, token: tokOtherMember, version: "2.99"}).
		expectFault(t, 404, "itemNotFound", "Share access rule "+id+" not found.")

	// Deny: queued_to_deny, then gone.
	act(map[string]any{"deny_access": map[string]any{"access_id": "nope"}}, "2.99").expectFault(t, 404, "itemNotFound", "Resource could not be found.")
	act(map[string]any{"deny_access": map[string]any{"access_id": id2}}, "2.99").expectStatus(t, 202)
	waitFor(t, 10*time.Second, "rule to be deleted", func() bool { return showRule(t, ts, id2).status == 404 })
	// Deleting the share deletes its rules.
	ts.do(t, req{method: "DELETE", path: "/v2/shares/" + sh, token: tokMember}).expectStatus(t, 202)
	waitShareGone(t, ts, sh)
	showRule(t, ts, id).expectFault(t, 404, "itemNotFound", "Share access rule "+id+" not found.")
}

func TestAccessRuleViewsByVersion(t *testing.T) {
	ts := startServer(t)
	sh := availableShare(t, ts, tokMember, nil)
	keys := func(m map[string]any) string {
		var out []string
		for _, k := range []string{"id", "share_id", "access_level", "access_to", "access_type", "state", "access_key", "created_at", "updated_at", "metadata"} {
			if _, ok := m[k]; ok {
				out = append(out, k)
			}
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct{ version, to, action, keys string }{
		{"2.0", "10.2.0.1", "os-allow_access", "id,share_id,access_level,access_to,access_type,state"},
		{"2.21", "10.2.0.2", "allow_access", "id,share_id,access_level,access_to,access_type,state,access_key"},
		{"2.33", "10.2.0.3", "allow_access", "id,share_id,access_level,access_to,access_type,state,access_key,created_at,updated_at"},
		{"2.45", "10.2.0.4", "allow_access", "id,share_id,access_level,access_to,access_type,state,access_key,created_at,updated_at,metadata"},
	} {
		r := ts.do(t, req{method: "POST", path: "/v2/shares/" + sh + "/action", token: tokMember, version: c.version,
			body: map[string]any{c.action: map[string]any{"access_type": "ip", "access_to": c.to}}}).expectStatus(t, 200).json(t)["access"].(map[string]any)
		if got := keys(r); got != c.keys {
			t.Errorf("%s: keys %s, want %s", c.version, got, c.keys)
		}
		if c.version == "2.0" && r["state"] != "new" {
			t.Errorf("below 2.28 a rule of a syncing share reads new: %v", r["state"])
		}
	}
	ts.do(t, req{method: "POST", path: "/v2/shares/" + sh + "/action", token: tokMember, version: "2.7",
		body: map[string]any{"os-allow_access": map[string]any{"access_type": "ip", "access_to": "10.3.0.1"}}}).
		expectFault(t, 404, "itemNotFound", "The resource could not be found.")
}

func TestAccessRuleValidation(t *testing.T) {
	ts := startServer(t)
	sh := availableShare(t, ts, tokMember, nil)
	try := func(version string, v map[string]any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/shares/" + sh + "/action", token: tokMember, version: version,
			body: map[string]any{"allow_access": v}})
	}
	for _, c := range []struct {
		version, typ, to, msg string
	}{
		{"2.99", "ip", "10.0.0.1/24", "10.0.0.1/24 has host bits set"},
		{"2.37", "ip", "1.2.3", "Expected 4 octets in '1.2.3'"},
		{"2.37", "ip", "1.2.3.256", "Octet 256 (> 255) not permitted in '1.2.3.256'"},
		{"2.37", "ip", "1.2.3.4/33", "'33' is not a valid netmask"},
		{"2.37", "ip", "::1", "Expected 4 octets in '::1'"},
		{"2.99", "ip", "nope", "'nope' does not appear to be an IPv4 or IPv6 network"},
		{"2.99", "user", "ab", `Invalid user or group name. Must be 4-255 characters and consist of alphanumeric characters and exclude special characters "/\[]:;|=,+*?<>`},
		{"2.99", "user", "....", "Invalid user or group name,cannot consist solely of periods or spaces."},
		{"2.99", "cert", strings.Repeat("c", 65), "Invalid CN (common name). Must be 1-64 chars long."},
		{"2.99", "cephx", "client.alice", "Ceph IDs may not contain periods."},
		{"2.12", "cephx", "alice", "Only 'ip', 'user' or 'cert' access types are supported."},
		{"2.99", "nfs", "x", "Only 'ip', 'user', 'cert' or 'cephx' access types are supported."},
	} {
		try(c.version, map[string]any{"access_type": c.typ, "access_to": c.to}).expectFault(t, 400, "badRequest", c.msg)
	}
	try("2.99", map[string]any{"access_type": "ip", "access_to": "10.0.0.1", "access_level": "rx"}).
		expectFault(t, 400, "badRequest", "Invalid access rule: Invalid share access level: rx.")
	try("2.99", map[string]any{"access_type": "ip", "access_to": "10.0.0.1", "metadata": map[string]any{"k": ""}}).
		expectFault(t, 400, "badRequest", "Metadata property value is blank.")
	try("2.99", map[string]any{"access_type": "ip", "access_to": "10.0.0.1", "lock_reason": "why"}).
		expectFault(t, 400, "badRequest", "Lock reason can only be specified when locking the visibility or the deletion of an access rule.")
	try("2.99", map[string]any{"access_to": "10.0.0.1"}).expectFault(t, 400, "badRequest", "Malformed request body")
	// Metadata is ignored below 2.45; IPv6 from 2.38.
	r := try("2.45", map[string]any{"access_type": "ip", "access_to": "2001:db8::/64", "metadata": map[string]any{"a": "b"}}).expectStatus(t, 200).json(t)
	if md := r["access"].(map[string]any)["metadata"].(map[string]any); md["a"] != "b" {
		t.Errorf("metadata = %v", md)
	}
	r = try("2.44", map[string]any{"access_type": "user", "access_to": "alice", "metadata": map[string]any{"": "b"}}).expectStatus(t, 200).json(t)
	id := r["access"].(map[string]any)["id"].(string)
	if md := waitRuleState(t, ts, id, "active")["metadata"].(map[string]any); len(md) != 0 {
		t.Errorf("metadata below 2.45 is ignored: %v", md)
	}
	// A share in a transitional status refuses rule changes.
	resetShare(t, ts, sh, "migrating")
	try("2.99", map[string]any{"access_type": "ip", "access_to": "10.9.0.1"}).expectFault(t, 400, "badRequest",
		"New access rules cannot be applied while the share or any of its replicas or migration copies lacks a valid host or is in an invalid state.")
	ts.do(t, req{method: "POST", path: "/v2/shares/" + sh + "/action", token: tokMember, version: "2.99",
		body: map[string]any{"deny_access": map[string]any{"access_id": id}}}).expectFault(t, 400, "badRequest",
		"Access rules cannot be denied while the share, any of its replicas or migration copies lacks a valid host or is in an invalid state.")
	// error is refused below 2.74 only.
	resetShare(t, ts, sh, "error")
	try("2.73", map[string]any{"access_type": "ip", "access_to": "10.9.0.2"}).expectFault(t, 400, "badRequest",
		"New access rules cannot be applied while the share or any of its replicas or migration copies lacks a valid host or is in an invalid state.")
	try("2.74", map[string]any{"access_type": "ip", "access_to": "10.9.0.2"}).expectStatus(t, 200)
	try("2.99", map[string]any{"access_type": "ip", "access_to": "10.0.0.1"}).expectStatus(t, 200)
	ts.do(t, req{method: "POST", path: "/v2/shares/nope/action", token: tokMember, version: "2.99",
		body: map[string]any{"allow_access": map[string]any{"access_type": "ip", "access_to": "10.0.0.1"}}}).
		expectFault(t, 404, "itemNotFound", "Share nope could not be found.")
}

func TestAccessRuleUpdateAndMetadata(t *testing.T) {
	ts := startServer(t)
	sh := availableShare(t, ts, tokMember, nil)
	id := allowRule(t, ts, tokMember, "2.99", sh, "ip", "10.0.0.1")["id"].(string)
	waitRuleState(t, ts, id, "active")
	put := func(body any, version string) *resp {
		return ts.do(t, req{method: "PUT", path: "/v2/share-access-rules/" + id, token: tokMember, version: version, body: body})
	}
	put(map[string]any{"update_access": map[string]any{"access_level": "ro"}}, "2.87").expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	put(map[string]any{"update_access": map[string]any{}}, "2.88").expectFault(t, 400, "badRequest", "Invalid input. Missing 'access_level' in update request.")
	put(map[string]any{"update_access": map[string]any{"access_level": "rx"}}, "2.88").expectFault(t, 400, "badRequest", "Invalid or unsupported share access level: rx.")
	r := put(map[string]any{"update_access": map[string]any{"access_level": "ro"}}, "2.88").expectStatus(t, 200).json(t)["access"].(map[string]any)
	if r["access_level"] != "ro" || r["state"] != "queued_to_update" {
		t.Errorf("update = %v", r)
	}
	if got := waitRuleState(t, ts, id, "active"); got["access_level"] != "ro" {
		t.Errorf("after update: %v", got)
	}
	md := func(method, path string, body any) *resp {
		return ts.do(t, req{method: method, path: "/v2/share-access-rules/" + id + "/metadata" + path, token: tokMember, version: "2.45", body: body})
	}
	got := md("PUT", "", map[string]any{"metadata": map[string]any{"a": "1", "b": "2"}}).expectStatus(t, 200).json(t)
	if m := got["metadata"].(map[string]any); len(m) != 2 || m["a"] != "1" {
		t.Errorf("metadata = %v", got)
	}
	md("PUT", "", map[string]any{"metadata": map[string]any{"a": ""}}).expectFault(t, 400, "badRequest", "Invalid metadata.")
	md("PUT", "", map[string]any{"metadata": map[string]any{"a": strings.Repeat("v", 1024)}}).expectFault(t, 400, "badRequest", "Invalid metadata size.")
	md("DELETE", "/a", nil).expectStatus(t, 200)
	md("DELETE", "/a", nil).expectFault(t, 404, "itemNotFound", "Share access rule metadata does not exist.")
	ts.do(t, req{method: "DELETE", path: "/v2/share-access-rules/nope/metadata/b", token: tokMember, version: "2.45"}).
		expectFault(t, 404, "itemNotFound", "Resource could not be found.")
	if m := showRule(t, ts, id).json(t)["access"].(map[string]any)["metadata"].(map[string]any); len(m) != 1 || m["b"] != "2" {
		t.Errorf("metadata after delete = %v", m)
	}
}

// The rule list's filters: metadata pairs and exact matches at every
// version, checked as on create from 2.82.
func TestAccessRuleListFilters(t *testing.T) {
	ts := startServer(t)
	share := availableShare(t, ts, tokMember, nil)
	a := allowRule(t, ts, tokMember, "2.45", share, "ip", "10.0.0.1")
	b := allowRule(t, ts, tokMember, "2.45", share, "ip", "10.0.0.2")
	ts.do(t, req{method: "PUT", path: "/v2/share-access-rules/" + a["id"].(string) + "/metadata", token: tokMember, version: "2.45",
		body: map[string]any{"metadata": map[string]any{"site": "east"}}}).expectStatus(t, 200)
	ids := func(version, q string) []string {
		r := ts.do(t, req{method: "GET", path: "/v2/share-access-rules?share_id=" + share + q, token: tokMember, version: version}).
			expectStatus(t, 200).json(t)["access_list"].([]any)
		var out []string
		for _, x := range r {
			out = append(out, x.(map[string]any)["id"].(string))
		}
		return out
	}
	if got := ids("2.45", "&metadata="+urlq("{'site': 'east'}")); !jsonEqual(got, []string{a["id"].(string)}) {
		t.Errorf("metadata filter %v", got)
	}
	if got := ids("2.82", "&access_type=ip&access_to=10.0.0.2"); !jsonEqual(got, []string{b["id"].(string)}) {
		t.Errorf("access_to filter %v", got)
	}
	list := func(q string) *resp {
		return ts.do(t, req{method: "GET", path: "/v2/share-access-rules?share_id=" + share + q, token: tokMember, version: "2.82"})
	}
	list("&access_type=nfs").expectFault(t, 400, "badRequest", "Invalid or unsupported share access type: nfs.")
	list("&access_to=10.0.0.2").expectFault(t, 400, "badRequest", "Invalid input received: 'access_type' parameter must be provided when specifying 'access_to'..")
	list("&access_level=rx").expectFault(t, 400, "badRequest", "Invalid or unsupported share access level: rx.")
	// Below 2.82 a bad value only filters.
	if got := ids("2.81", "&access_type=nfs"); len(got) != 0 {
		t.Errorf("below 2.82: %v", got)
	}
}
