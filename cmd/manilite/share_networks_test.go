package main

import (
	"testing"

	"github.com/google/uuid"
)

func createNetwork(t *testing.T, ts *testServer, token string, values map[string]any) map[string]any {
	t.Helper()
	r := ts.do(t, req{method: "POST", path: "/v2/share-networks", token: token, version: "2.99", body: map[string]any{"share_network": values}})
	return r.expectStatus(t, 200).json(t)["share_network"].(map[string]any)
}

func createSecurityService(t *testing.T, ts *testServer, token, typ string) string {
	t.Helper()
	r := ts.do(t, req{method: "POST", path: "/v2/security-services", token: token, version: "2.99",
		body: map[string]any{"security_service": map[string]any{"type": typ, "name": "ss"}}})
	return r.expectStatus(t, 200).json(t)["security_service"].(map[string]any)["id"].(string)
}

func init() {
	paramResource["share_network_id"] = "network"
	paramResource["share_network_subnet_id"] = "subnet"
	paramResource["security_service_id"] = "security_service"
	paramResource["share_server_id"] = "server"
	matrixExtraNeeds["network"] = func(t *testing.T, ts *testServer, ids map[string]string, _ func() string) {
		n := createNetwork(t, ts, tokMember, map[string]any{"name": "net"})
		ids["network"] = n["id"].(string)
		ids["subnet"] = n["share_network_subnets"].([]any)[0].(map[string]any)["id"].(string)
	}
	matrixExtraNeeds["security_service"] = func(t *testing.T, ts *testServer, ids map[string]string, _ func() string) {
		ids["security_service"] = createSecurityService(t, ts, tokMember, "ldap")
	}
	// A network naming a security service, and another service of its type.
	matrixExtraNeeds["network_ss"] = func(t *testing.T, ts *testServer, ids map[string]string, s func() string) {
		matrixExtraNeeds["network"](t, ts, ids, s)
		matrixExtraNeeds["security_service"](t, ts, ids, s)
		ids["security_service2"] = createSecurityService(t, ts, tokMember, "ldap")
		ts.do(t, req{method: "POST", path: "/v2/share-networks/" + ids["network"] + "/action", token: tokMember, version: "2.99",
			body: map[string]any{"add_security_service": map[string]any{"security_service_id": ids["security_service"]}}}).expectStatus(t, 200)
	}
	matrixExtraNeeds["server"] = func(t *testing.T, _ *testServer, ids map[string]string, _ func() string) {
		ids["server"] = uuid.NewString()
	}
	net, nss, ss, srv := []string{"network"}, []string{"network_ss"}, []string{"network", "security_service"}, []string{"server"}
	action := func(name string, value func(ids map[string]string) any) func(map[string]string) any {
		return func(ids map[string]string) any { return map[string]any{name: value(ids)} }
	}
	addSS := func(ids map[string]string) any { return map[string]any{"security_service_id": ids["security_service"]} }
	replace := func(ids map[string]string) any {
		return map[string]any{"current_service_id": ids["security_service"], "new_service_id": ids["security_service2"]}
	}
	for op, fx := range map[string]matrixFixture{
		"ListShareNetworks":                                {body: noBody, success: 200},
		"ListShareNetworksDetail":                          {body: noBody, success: 200},
		"CreateShareNetwork":                               {body: fixedBody(map[string]any{"share_network": map[string]any{"name": "n"}}), success: 200},
		"ShowShareNetwork":                                 {needs: net, body: noBody, success: 200, other: 404},
		"UpdateShareNetwork":                               {needs: net, body: fixedBody(map[string]any{"share_network": map[string]any{"name": "m"}}), success: 200, other: 404},
		"DeleteShareNetwork":                               {needs: net, body: noBody, success: 202, other: 404},
		"ShareNetworkAction/add_security_service":          {needs: ss, body: action("add_security_service", addSS), success: 200, other: 404},
		"ShareNetworkAction/remove_security_service":       {needs: nss, body: action("remove_security_service", addSS), success: 200, other: 404},
		"ShareNetworkAction/update_security_service":       {needs: nss, body: action("update_security_service", replace), success: 202, other: 404},
		"ShareNetworkAction/update_security_service_check": {needs: nss, body: action("update_security_service_check", replace), success: 202, other: 404},
		"ShareNetworkAction/add_security_service_check":    {needs: ss, body: action("add_security_service_check", addSS), success: 202, other: 404},
		"ShareNetworkAction/share_network_subnet_create_check": {needs: net, body: fixedBody(map[string]any{"share_network_subnet_create_check": map[string]any{}}),
			success: 202, other: 404},
		"ShareNetworkAction/reset_status": {needs: net, body: fixedBody(map[string]any{"reset_status": map[string]any{"status": "error"}}), success: 202, other: 404},
		"ListShareNetworkSubnets":         {needs: net, body: noBody, success: 200, other: 404},
		"CreateShareNetworkSubnet": {needs: net, body: fixedBody(map[string]any{"share-network-subnet": map[string]any{"availability_zone": "nova"}}),
			success: 200, other: 404},
		"ShowShareNetworkSubnet":     {needs: net, body: noBody, success: 200, other: 404},
		"DeleteShareNetworkSubnet":   {needs: net, body: noBody, success: 202, other: 404},
		"ListSecurityServices":       {body: noBody, success: 200},
		"ListSecurityServicesDetail": {body: noBody, success: 200},
		"CreateSecurityService":      {body: fixedBody(map[string]any{"security_service": map[string]any{"type": "kerberos"}}), success: 200},
		// Manila finds any project's security service, then refuses (403).
		"ShowSecurityService":   {needs: []string{"security_service"}, body: noBody, success: 200, other: 403},
		"UpdateSecurityService": {needs: []string{"security_service"}, body: fixedBody(map[string]any{"security_service": map[string]any{"name": "x"}}), success: 200, other: 403},
		"DeleteSecurityService": {needs: []string{"security_service"}, body: noBody, success: 202, other: 403},
		// No share server exists here.
		"ListShareServers":       {body: noBody, success: 200},
		"ShowShareServer":        {needs: srv, body: noBody, success: 404},
		"ShowShareServerDetails": {needs: srv, body: noBody, success: 404},
		"DeleteShareServer":      {needs: srv, body: noBody, success: 404},
		"ManageShareServer": {body: fixedBody(map[string]any{"share_server": map[string]any{"host": "h@b", "share_network_id": "n", "identifier": "i"}}),
			success: 400},
		"ShareServerAction/reset_status":     {needs: srv, body: fixedBody(map[string]any{"reset_status": map[string]any{"status": "error"}}), success: 404},
		"ShareServerAction/reset_task_state": {needs: srv, body: fixedBody(map[string]any{"reset_task_state": map[string]any{"task_state": nil}}), success: 404},
	} {
		matrixFixtures[op] = fx
	}
	for _, a := range []string{"unmanage", "migration_start", "migration_check", "migration_complete", "migration_cancel", "migration_get_progress"} {
		matrixFixtures["ShareServerAction/"+a] = matrixFixture{needs: srv, body: fixedBody(map[string]any{a: map[string]any{}}), success: 404}
	}
}

// Share networks are records: create shows the default subnet's fields as
// the network's below 2.51 and the subnets from 2.51; status from 2.63.
func TestShareNetworkCRUDAndVersions(t *testing.T) {
	ts := startServer(t)
	n := createNetwork(t, ts, tokMember, map[string]any{"name": "net1", "neutron_net_id": "nn", "neutron_subnet_id": "ns", "segmentation_id": 7})
	id := n["id"].(string)
	sub := n["share_network_subnets"].([]any)[0].(map[string]any)
	if sub["neutron_net_id"] != "nn" || sub["availability_zone"] != nil || sub["segmentation_id"] != nil || n["status"] != "active" {
		t.Fatalf("network %v", n)
	}
	old := ts.do(t, req{method: "GET", path: "/v2/share-networks/" + id, token: tokMember, version: "2.50"}).expectStatus(t, 200).json(t)["share_network"].(map[string]any)
	if old["neutron_subnet_id"] != "ns" || old["gateway"] != nil || old["share_network_subnets"] != nil || old["status"] != nil {
		t.Fatalf("2.50 view %v", old)
	}
	if _, ok := old["nova_net_id"]; ok {
		t.Fatalf("nova_net_id at 2.50: %v", old)
	}
	admin := ts.do(t, req{method: "GET", path: "/v2/share-networks/" + id, token: tokAdmin, version: "2.50"}).expectStatus(t, 200).json(t)["share_network"].(map[string]any)
	if admin["segmentation_id"] != float64(7) {
		t.Fatalf("admin sees segmentation_id: %v", admin)
	}
	ts.do(t, req{method: "GET", path: "/v2/share-networks/" + id, token: tokOtherMember, version: "2.99"}).
		expectFault(t, 404, "itemNotFound", "Share network "+id+" could not be found.")
	ts.do(t, req{method: "POST", path: "/v2/share-networks", token: tokMember, version: "2.99",
		body: map[string]any{"share_network": map[string]any{"neutron_net_id": "x"}}}).
		expectFault(t, 400, "badRequest", "When creating a new share network subnet you need to specify both neutron_net_id and neutron_subnet_id or none of them.")
	ts.do(t, req{method: "POST", path: "/v2/share-networks", token: tokMember, version: "2.99",
		body: map[string]any{"share_network": map[string]any{"nova_net_id": "x"}}}).
		expectFault(t, 400, "badRequest", "nova networking is not supported starting in Ocata.")
	ts.do(t, req{method: "POST", path: "/v2/share-networks", token: tokMember, version: "2.99",
		body: map[string]any{"share_network": map[string]any{"availability_zone": "elsewhere"}}}).
		expectFault(t, 400, "badRequest", "The provided availability zone elsewhere does not exist.")

	up := ts.do(t, req{method: "PUT", path: "/v2/share-networks/" + id, token: tokMember, version: "2.50",
		body: map[string]any{"share_network": map[string]any{"name": "net2", "neutron_net_id": "nn2"}}}).expectStatus(t, 200).json(t)["share_network"].(map[string]any)
	if up["name"] != "net2" || up["neutron_net_id"] != "nn2" || up["neutron_subnet_id"] != "ns" {
		t.Fatalf("updated %v", up)
	}
	createNetwork(t, ts, tokMember, map[string]any{"name": "other"})
	list := ts.do(t, req{method: "GET", path: "/v2/share-networks?name=net2", token: tokMember, version: "2.99"}).expectStatus(t, 200).json(t)["share_networks"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != id || len(list[0].(map[string]any)) != 2 {
		t.Fatalf("filtered list %v", list)
	}
	like := ts.do(t, req{method: "GET", path: "/v2/share-networks/detail?neutron_net_id~=nn", token: tokMember, version: "2.36"}).expectStatus(t, 200).json(t)["share_networks"].([]any)
	if len(like) != 1 {
		t.Fatalf("like filter %v", like)
	}
	ts.do(t, req{method: "GET", path: "/v2/share-networks?created_since=yesterday", token: tokMember, version: "2.99"}).
		expectFault(t, 400, "badRequest", "yesterday is not in yyyy-mm-dd format.")
	ts.do(t, req{method: "DELETE", path: "/v2/share-networks/" + id, token: tokMember, version: "2.99"}).expectStatus(t, 202)
	ts.do(t, req{method: "DELETE", path: "/v2/share-networks/" + id, token: tokMember, version: "2.99"}).
		expectFault(t, 404, "itemNotFound", "Share network "+id+" could not be found.")
}

func TestShareNetworkSubnetsAndDelete(t *testing.T) {
	ts := startServer(t)
	id := createNetwork(t, ts, tokMember, map[string]any{"name": "n"})["id"].(string)
	path := "/v2/share-networks/" + id + "/subnets"
	sn := ts.do(t, req{method: "POST", path: path, token: tokMember, version: "2.51",
		body: map[string]any{"share-network-subnet": map[string]any{"availability_zone": "nova"}}}).expectStatus(t, 200).json(t)["share_network_subnet"].(map[string]any)
	if sn["share_network_name"] != "n" || sn["availability_zone"] != "nova" {
		t.Fatalf("subnet %v", sn)
	}
	ts.do(t, req{method: "POST", path: path, token: tokMember, version: "2.69",
		body: map[string]any{"share-network-subnet": map[string]any{"availability_zone": "nova"}}}).
		expectFault(t, 409, "conflictingRequest", "Another share network subnet was found in the specified availability zone. Only one share network subnet is allowed per availability zone for share network "+id+".")
	ts.do(t, req{method: "DELETE", path: "/v2/share-networks/" + id, token: tokMember, version: "2.99"}).
		expectFault(t, 409, "conflictingRequest", "The share network "+id+" has more than one subnet attached. Please remove the subnets untill you have one or no subnets remaining.")
	ts.do(t, req{method: "DELETE", path: path + "/" + sn["id"].(string), token: tokMember, version: "2.51"}).expectStatus(t, 202)
	ts.do(t, req{method: "GET", path: path + "/" + sn["id"].(string), token: tokMember, version: "2.51"}).
		expectFault(t, 404, "itemNotFound", "Share network subnet "+sn["id"].(string)+" could not be found.")
	ts.do(t, req{method: "GET", path: path, token: tokMember, version: "2.50"}).expectStatus(t, 404)

	// A share on the network: Manila accepts it, its dhss=False backend
	// fails it; the network cannot be deleted while the share lives.
	share := createShare(t, ts, tokMember, map[string]any{"share_network_id": id})
	waitShareStatus(t, ts, share, "error")
	if msg := latestMessage(t, ts, share); msg == "" {
		t.Fatal("no user message")
	}
	m := ts.do(t, req{method: "GET", path: "/v2/messages?resource_id=" + share, token: tokMember, version: "2.37"}).expectStatus(t, 200).json(t)["messages"].([]any)[0].(map[string]any)
	if m["user_message"] != "create: Driver does not expect share-network to be provided with current configuration." {
		t.Fatalf("message %v", m)
	}
	ts.do(t, req{method: "DELETE", path: "/v2/share-networks/" + id, token: tokMember, version: "2.99"}).
		expectFault(t, 409, "conflictingRequest", "Can not delete share network "+id+", it has 1 share(s).")
	missing := uuid.NewString()
	ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: "2.99",
		body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "share_network_id": missing}}}).
		expectFault(t, 404, "itemNotFound", "Share network "+missing+" could not be found.")
}

func TestSecurityServicesAndNetworkActions(t *testing.T) {
	ts := startServer(t)
	ts.do(t, req{method: "POST", path: "/v2/security-services", token: tokMember, version: "2.99",
		body: map[string]any{"security_service": map[string]any{"type": "nis"}}}).
		expectFault(t, 400, "badRequest", "Invalid input received: Invalid type nis specified for security service. Valid types are active_directory,ldap,kerberos.")
	ts.do(t, req{method: "POST", path: "/v2/security-services", token: tokMember, version: "2.75",
		body: map[string]any{"security_service": map[string]any{"type": "ldap", "default_ad_site": "s"}}}).
		expectFault(t, 400, "badRequest", `"default_ad_site" is only supported from API version 2.76.`)
	ss := createSecurityService(t, ts, tokMember, "ldap")
	shown := ts.do(t, req{method: "GET", path: "/v2/security-services/" + ss, token: tokMember, version: "2.43"}).expectStatus(t, 200).json(t)["security_service"].(map[string]any)
	if shown["status"] != "new" || shown["name"] != "ss" {
		t.Fatalf("shown %v", shown)
	}
	if _, ok := shown["ou"]; ok {
		t.Fatalf("ou at 2.43: %v", shown)
	}
	ts.do(t, req{method: "GET", path: "/v2/security-services/" + ss, token: tokOtherMember, version: "2.99"}).
		expectFault(t, 403, "forbidden", "Policy doesn't allow security_service:show to be performed.")
	ts.do(t, req{method: "GET", path: "/v2/security-services/" + uuid.NewString(), token: tokMember, version: "2.99"}).
		expectFault(t, 404, "itemNotFound", "The resource could not be found.")

	net := createNetwork(t, ts, tokMember, map[string]any{"name": "n"})["id"].(string)
	act := "/v2/share-networks/" + net + "/action"
	ts.do(t, req{method: "POST", path: act, token: tokMember, version: "2.99",
		body: map[string]any{"add_security_service": map[string]any{"security_service_id": ss}}}).expectStatus(t, 200)
	ts.do(t, req{method: "POST", path: act, token: tokMember, version: "2.99",
		body: map[string]any{"add_security_service": map[string]any{"security_service_id": ss}}}).
		expectFault(t, 409, "conflictingRequest", "Invalid security service: Cannot add security service to share network. Security service with 'ldap' type already added to '"+net+"' share network")
	detail := ts.do(t, req{method: "GET", path: "/v2/security-services/detail", token: tokMember, version: "2.99"}).expectStatus(t, 200).json(t)["security_services"].([]any)
	if nets := detail[0].(map[string]any)["share_networks"].([]any); len(nets) != 1 || nets[0] != net {
		t.Fatalf("detail %v", detail)
	}
	ts.do(t, req{method: "DELETE", path: "/v2/security-services/" + ss, token: tokMember, version: "2.99"}).
		expectFault(t, 403, "forbidden", "Cannot delete security service. It is assigned to share network(s)")
	ts.do(t, req{method: "DELETE", path: "/v2/share-networks/" + net, token: tokMember, version: "2.99"}).expectStatus(t, 202)
	ts.do(t, req{method: "DELETE", path: "/v2/security-services/" + ss, token: tokMember, version: "2.99"}).expectStatus(t, 202)
}

func TestShareServersAreNone(t *testing.T) {
	ts := startServer(t)
	list := ts.do(t, req{method: "GET", path: "/v2/share-servers", token: tokAdmin, version: "2.99"}).expectStatus(t, 200).json(t)["share_servers"].([]any)
	if len(list) != 0 {
		t.Fatalf("servers %v", list)
	}
	id := uuid.NewString()
	ts.do(t, req{method: "GET", path: "/v2/share-servers/" + id, token: tokAdmin, version: "2.99"}).
		expectFault(t, 404, "itemNotFound", "Share server "+id+" could not be found.")
	ts.do(t, req{method: "POST", path: "/v2/share-servers/" + id + "/action", token: tokAdmin, version: "2.99",
		body: map[string]any{"reset_status": map[string]any{"status": "bogus"}}}).
		expectFault(t, 400, "badRequest", "Invalid state. Valid states: active, error, deleting, creating, manage_starting, unmanage_starting, unmanage_error, manage_error, inactive, server_migrating, server_migrating_to, network_change.")
	ts.do(t, req{method: "POST", path: "/v2/share-servers/" + id + "/action", token: tokAdmin, version: "2.49",
		body: map[string]any{"unmanage": map[string]any{"force": true}}}).
		expectFault(t, 404, "itemNotFound", "Share server "+id+" could not be found.")
	ts.do(t, req{method: "POST", path: "/v2/share-servers/manage", token: tokAdmin, version: "2.51",
		body: map[string]any{"share_server": map[string]any{"host": "h@b", "share_network_id": "n"}}}).
		expectFault(t, 400, "badRequest", "Required parameter identifier not found")
	net := createNetwork(t, ts, tokAdmin, map[string]any{"name": "n"})["id"].(string)
	ts.do(t, req{method: "POST", path: "/v2/share-servers/manage", token: tokAdmin, version: "2.51",
		body: map[string]any{"share_server": map[string]any{"host": "h@b", "share_network_id": net, "identifier": "i"}}}).
		expectFault(t, 400, "badRequest", "Service h@b could not be found.")
}
