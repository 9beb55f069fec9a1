package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manilite/manilite/impl"
	"github.com/manilite/manilite/policy"
	"github.com/manilite/manilite/storage"
)

// The full matrix: every operation of the embedded spec, and every action
// of its action operations, for each kind of caller, against Manila's
// default answer. The expected answer comes from the operation's rule as
// the spec names it (x-manila-policy, x-manila-actions) and that rule's
// class in the default Rego set (admin-only, member, reader, or anyone of
// the project: policy.ClassOf of its check string, as `manilite policy
// list` shows it); the fixtures below only say how to call each operation
// and what it answers when allowed. An operation without a fixture fails
// the test, so a new one cannot go unchecked.

// matrixCallers are the callers the matrix asks about. The owning project
// is projA.
var matrixCallers = []struct{ name, token string }{
	{"admin", tokOtherAdmin},                 // an admin of another project
	{"member", tokMember},                    // member of the owning project
	{"reader", tokReader},                    // reader of the owning project
	{"noroles", "plain-user:" + projA + ":"}, // of the owning project, no roles
	{"other", tokOtherMember},                // member of another project
	{"anonymous", ""},                        // no token
}

// matrixFixture says how to call one operation.
type matrixFixture struct {
	// needs are the resources (of projA) the request needs, made fresh for
	// each call that may change them: share, soft_deleted_share,
	// export_location, snapshot, backup, type, group, cgsnapshot.
	needs []string
	// body is the request body, given the resources' ids.
	body func(ids map[string]string) any
	// success is the status when the policy allows the call.
	success int
	// other is what a member of another project gets when the rule lets
	// them through by role: 0 when the call touches nothing of projA (a
	// list, a create, a share type), else Manila's answer for another
	// project's resource (404, or 400 where it is named in the body).
	other int
	// otherMessage is the 403 message when other is 403 and Manila words
	// it otherwise than the operation's own refusal (a rule checked with
	// the resource, as share:get on another project's share).
	otherMessage string
}

func noBody(map[string]string) any { return nil }

// shareGetRefused is the 403 of share:get checked with another project's
// share as target.
const shareGetRefused = "Policy doesn't allow share:get to be performed."

func fixedBody(b any) func(map[string]string) any { return func(map[string]string) any { return b } }

var typeSerial atomic.Int64

// matrixFixtures is keyed by operationId, or operationId/action.
var matrixFixtures = map[string]matrixFixture{
	"ListVersions":  {body: noBody, success: 300},
	"ShowVersionV2": {body: noBody, success: 200},

	"ListShares":       {body: noBody, success: 200},
	"ListSharesDetail": {body: noBody, success: 200},
	"CreateShare": {body: fixedBody(map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1}}),
		success: 200},
	"ShowShare": {needs: []string{"share"}, body: noBody, success: 200, other: 404},
	"UpdateShare": {needs: []string{"share"}, body: fixedBody(map[string]any{"share": map[string]any{"display_name": "renamed"}}),
		success: 200, other: 404},
	"DeleteShare": {needs: []string{"share"}, body: noBody, success: 202, other: 404},
	"ShareAction/reset_status": {needs: []string{"share"}, body: fixedBody(map[string]any{"reset_status": map[string]any{"status": "error"}}),
		success: 202, other: 404},
	"ShareAction/os-reset_status": {needs: []string{"share"}, body: fixedBody(map[string]any{"os-reset_status": map[string]any{"status": "error"}}),
		success: 202, other: 404},
	"ShareAction/force_delete":    {needs: []string{"share"}, body: fixedBody(map[string]any{"force_delete": nil}), success: 202, other: 404},
	"ShareAction/os-force_delete": {needs: []string{"share"}, body: fixedBody(map[string]any{"os-force_delete": nil}), success: 202, other: 404},
	"ShareAction/soft_delete":     {needs: []string{"share"}, body: fixedBody(map[string]any{"soft_delete": nil}), success: 202, other: 404},
	"ShareAction/restore":         {needs: []string{"soft_deleted_share"}, body: fixedBody(map[string]any{"restore": nil}), success: 202, other: 404},
	// Manila finds another project's share here, then refuses share:get.
	"ListExportLocations": {needs: []string{"export_location"}, body: noBody, success: 200, other: 403, otherMessage: shareGetRefused},
	"ShowExportLocation":  {needs: []string{"export_location"}, body: noBody, success: 200, other: 403, otherMessage: shareGetRefused},

	"ListShareTypes": {body: noBody, success: 200},
	"CreateShareType": {body: func(map[string]string) any {
		return map[string]any{"share_type": map[string]any{"name": fmt.Sprintf("matrix-new-%d", typeSerial.Add(1)),
			"extra_specs": map[string]any{"driver_handles_share_servers": false}}}
	}, success: 200},
	"ShowDefaultShareType": {body: noBody, success: 200},
	// Public types belong to no project: another project sees them.
	"ShowShareType": {needs: []string{"type"}, body: noBody, success: 200},
	"UpdateShareType": {needs: []string{"type"}, body: fixedBody(map[string]any{"share_type": map[string]any{"description": "d"}}),
		success: 200},
	"DeleteShareType":         {needs: []string{"type"}, body: noBody, success: 202},
	"ListShareTypeExtraSpecs": {needs: []string{"type"}, body: noBody, success: 200},

	"ListSnapshots":       {body: noBody, success: 200},
	"ListSnapshotsDetail": {body: noBody, success: 200},
	"CreateSnapshot": {needs: []string{"share"}, body: func(ids map[string]string) any {
		return map[string]any{"snapshot": map[string]any{"share_id": ids["share"]}}
	}, success: 202, other: 404},
	"ShowSnapshot": {needs: []string{"snapshot"}, body: noBody, success: 200, other: 404},
	"UpdateSnapshot": {needs: []string{"snapshot"}, body: fixedBody(map[string]any{"snapshot": map[string]any{"display_name": "renamed"}}),
		success: 200, other: 404},
	"DeleteSnapshot": {needs: []string{"snapshot"}, body: noBody, success: 202, other: 404},
	"SnapshotAction/reset_status": {needs: []string{"snapshot"}, body: fixedBody(map[string]any{"reset_status": map[string]any{"status": "error"}}),
		success: 202, other: 404},
	"SnapshotAction/os-reset_status": {needs: []string{"snapshot"}, body: fixedBody(map[string]any{"os-reset_status": map[string]any{"status": "error"}}),
		success: 202, other: 404},
	"SnapshotAction/force_delete":    {needs: []string{"snapshot"}, body: fixedBody(map[string]any{"force_delete": nil}), success: 202, other: 404},
	"SnapshotAction/os-force_delete": {needs: []string{"snapshot"}, body: fixedBody(map[string]any{"os-force_delete": nil}), success: 202, other: 404},

	"ListShareBackups":       {body: noBody, success: 200},
	"ListShareBackupsDetail": {body: noBody, success: 200},
	// Another project's share named in the body is Manila's 400.
	"CreateShareBackup": {needs: []string{"share"}, body: func(ids map[string]string) any {
		return map[string]any{"share_backup": map[string]any{"share_id": ids["share"]}}
	}, success: 202, other: 400},
	"ShowShareBackup": {needs: []string{"backup"}, body: noBody, success: 200, other: 404},
	"UpdateShareBackup": {needs: []string{"backup"}, body: fixedBody(map[string]any{"share_backup": map[string]any{"name": "renamed"}}),
		success: 200, other: 404},
	"DeleteShareBackup":              {needs: []string{"backup"}, body: noBody, success: 202, other: 404},
	"ShareBackupAction/restore":      {needs: []string{"backup"}, body: fixedBody(map[string]any{"restore": nil}), success: 202, other: 404},
	"ShareBackupAction/reset_status": {needs: []string{"backup"}, body: fixedBody(map[string]any{"reset_status": map[string]any{"status": "error"}}), success: 202, other: 404},

	"ListConsistencyGroups":       {body: noBody, success: 200},
	"ListConsistencyGroupsDetail": {body: noBody, success: 200},
	"CreateConsistencyGroup":      {body: fixedBody(map[string]any{"consistency_group": map[string]any{}}), success: 202},
	"ShowConsistencyGroup":        {needs: []string{"group"}, body: noBody, success: 200, other: 404},
	"UpdateConsistencyGroup": {needs: []string{"group"}, body: fixedBody(map[string]any{"consistency_group": map[string]any{"name": "renamed"}}),
		success: 200, other: 404},
	"DeleteConsistencyGroup": {needs: []string{"group"}, body: noBody, success: 202, other: 404},
	"ConsistencyGroupAction/reset_status": {needs: []string{"group"}, body: fixedBody(map[string]any{"reset_status": map[string]any{"status": "error"}}),
		success: 202, other: 404},
	"ConsistencyGroupAction/os-reset_status": {needs: []string{"group"}, body: fixedBody(map[string]any{"os-reset_status": map[string]any{"status": "error"}}),
		success: 202, other: 404},
	"ConsistencyGroupAction/force_delete":    {needs: []string{"group"}, body: fixedBody(map[string]any{"force_delete": nil}), success: 202, other: 404},
	"ConsistencyGroupAction/os-force_delete": {needs: []string{"group"}, body: fixedBody(map[string]any{"os-force_delete": nil}), success: 202, other: 404},
	"ListCGSnapshots":                        {body: noBody, success: 200},
	"ListCGSnapshotsDetail":                  {body: noBody, success: 200},
	// Another project's group named in the body is Manila's 400.
	"CreateCGSnapshot": {needs: []string{"group"}, body: func(ids map[string]string) any {
		return map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": ids["group"]}}
	}, success: 202, other: 400},
	"ShowCGSnapshot":        {needs: []string{"cgsnapshot"}, body: noBody, success: 200, other: 404},
	"ListCGSnapshotMembers": {needs: []string{"cgsnapshot"}, body: noBody, success: 200, other: 404},
	"UpdateCGSnapshot": {needs: []string{"cgsnapshot"}, body: fixedBody(map[string]any{"cgsnapshot": map[string]any{"name": "renamed"}}),
		success: 200, other: 404},
	"DeleteCGSnapshot": {needs: []string{"cgsnapshot"}, body: noBody, success: 202, other: 404},
	"CgsnapshotAction/reset_status": {needs: []string{"cgsnapshot"}, body: fixedBody(map[string]any{"reset_status": map[string]any{"status": "error"}}),
		success: 202, other: 404},
	"CgsnapshotAction/os-reset_status": {needs: []string{"cgsnapshot"}, body: fixedBody(map[string]any{"os-reset_status": map[string]any{"status": "error"}}),
		success: 202, other: 404},
	"CgsnapshotAction/force_delete":    {needs: []string{"cgsnapshot"}, body: fixedBody(map[string]any{"force_delete": nil}), success: 202, other: 404},
	"CgsnapshotAction/os-force_delete": {needs: []string{"cgsnapshot"}, body: fixedBody(map[string]any{"os-force_delete": nil}), success: 202, other: 404},
}

// matrixOp is one operation, or one action of an action operation, of the
// spec.
type matrixOp struct {
	key          string
	method, path string
	rule         string
	version      string
	experimental bool
	// afterLookup: Manila checks the rule after finding the resource.
	afterLookup bool
	// forbidden is the message of a refusal: Manila's decorator's, or the
	// operation's own (x-manila-forbidden-message).
	forbidden string
}

// specMatrixOps reads every operation and action from the embedded spec.
func specMatrixOps(t *testing.T) []matrixOp {
	t.Helper()
	doc, err := impl.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	info, err := impl.ReadSpecInfo(doc)
	if err != nil {
		t.Fatal(err)
	}
	// A version every operation's gate allows: its maximum if it has one,
	// else the API's.
	version := func(max *impl.APIVersion) string {
		if max != nil {
			return max.String()
		}
		return info.MaxVersion.String()
	}
	var ops []matrixOp
	for id, op := range info.Ops {
		if op.Actions == nil {
			ops = append(ops, matrixOp{key: id, method: op.Method, path: op.Path, rule: op.Policy,
				version: version(op.Max), experimental: op.Experimental, afterLookup: op.AfterLookup,
				forbidden: forbiddenMessage(op.ForbiddenMessage, op.Policy, op.AfterLookup)})
			continue
		}
		for name, gate := range op.Actions {
			ops = append(ops, matrixOp{key: id + "/" + name, method: op.Method, path: op.Path, rule: gate.Policy,
				version: version(gate.Max), experimental: gate.Experimental, afterLookup: gate.AfterLookup,
				forbidden: forbiddenMessage(gate.ForbiddenMessage, gate.Policy, gate.AfterLookup)})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].key < ops[j].key })
	return ops
}

// forbiddenMessage is the 403's message: the gate's own, else webob's for
// a controller's authorize decorator, or for a rule Manila checks after the
// lookup (in its share API) the policy's.
func forbiddenMessage(own, rule string, afterLookup bool) string {
	switch {
	case own != "":
		return own
	case afterLookup:
		return "Policy doesn't allow " + rule + " to be performed."
	}
	return "Access was denied to this resource."
}

// expectedStatus is Manila's default answer to caller for op, whose rule
// has the given class. Where Manila checks the rule after the lookup, a
// caller who cannot see the resource (of another project, or without a
// role in its own) gets the lookup's answer first.
func expectedStatus(class, caller string, fx matrixFixture, afterLookup bool) int {
	want := expectedByRule(class, caller, fx)
	if want == http.StatusForbidden && afterLookup && fx.other != 0 && (caller == "other" || caller == "noroles") {
		return fx.other
	}
	return want
}

func expectedByRule(class, caller string, fx matrixFixture) int {
	if class == "open" {
		return fx.success
	}
	if caller == "anonymous" {
		return http.StatusUnauthorized
	}
	allowed := map[string][]string{
		policy.ClassAdmin:  {"admin"},
		policy.ClassMember: {"admin", "member", "other"},
		policy.ClassReader: {"admin", "member", "reader", "other"},
		policy.ClassOwner:  {"admin", "member", "reader", "noroles", "other"},
	}[class]
	for _, a := range allowed {
		if a != caller {
			continue
		}
		if caller == "other" && fx.other != 0 {
			return fx.other
		}
		return fx.success
	}
	return http.StatusForbidden
}

func TestPolicyMatrix(t *testing.T) {
	ops := specMatrixOps(t)
	engine, err := policy.NewEngine(context.Background(), mustLoadPolicy(t, ""), nil)
	if err != nil {
		t.Fatal(err)
	}

	// Every operation of the spec has a fixture, and every fixture an
	// operation: a new operation cannot slip through unchecked.
	var missing, unknownClass []string
	inSpec := map[string]bool{}
	for _, op := range ops {
		inSpec[op.key] = true
		if _, ok := matrixFixtures[op.key]; !ok {
			missing = append(missing, fmt.Sprintf("%s (%s %s, rule %s)", op.key, op.method, op.path, op.rule))
		}
		if op.rule != policy.AlwaysAllow {
			if r, ok := engine.DescribeRule(op.rule); !ok || r.Class == "" {
				unknownClass = append(unknownClass, fmt.Sprintf("%s: rule %s (check string %q)", op.key, op.rule, r.CheckString))
			}
		}
	}
	var stale []string
	for key := range matrixFixtures {
		if !inSpec[key] {
			stale = append(stale, key)
		}
	}
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("%d operation(s) of the spec have no fixture in matrixFixtures:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
	if len(unknownClass) > 0 {
		t.Errorf("operations whose rule is none of Manila's default classes (admin, member, reader, rule:default):\n  %s", strings.Join(unknownClass, "\n  "))
	}
	if len(stale) > 0 {
		t.Errorf("fixtures for operations the spec does not have: %q", stale)
	}
	if t.Failed() {
		t.FailNow()
	}

	ts := startServer(t, func(o *options) { o.MinTransition = time.Hour; unlimitedQuotas(o) })
	counts := map[int]int{}
	for _, op := range ops {
		fx := matrixFixtures[op.key]
		class := "open"
		if op.rule != policy.AlwaysAllow {
			r, _ := engine.DescribeRule(op.rule)
			class = r.Class
		}
		readOnly := op.method == http.MethodGet
		var shared map[string]string
		for _, c := range matrixCallers {
			want := expectedStatus(class, c.name, fx, op.afterLookup)
			counts[want]++
			t.Run(fmt.Sprintf("%s/%s", op.key, c.name), func(t *testing.T) {
				// Reads share their resources; anything else gets its own.
				ids := shared
				if ids == nil || !readOnly {
					ids = matrixResources(t, ts, fx.needs)
					if readOnly {
						shared = ids
					}
				}
				path, err := fillPath(op.path, ids)
				if err != nil {
					t.Fatal(err)
				}
				r := ts.do(t, req{method: op.method, path: path, token: c.token, version: op.version,
					experimental: op.experimental, body: fx.body(ids)})
				if r.status != want {
					t.Fatalf("%s %s (rule %s, class %s) by %s: status %d, want %d\n%s", op.method, path, op.rule, class, c.name, r.status, want, r.raw)
				}
				switch want {
				case http.StatusForbidden:
					msg := op.forbidden
					if c.name == "other" && fx.otherMessage != "" {
						msg = fx.otherMessage
					}
					r.expectFault(t, 403, "forbidden", msg)
				case http.StatusUnauthorized:
					r.expectFault(t, 401, "unauthorized", "The request you have made requires authentication.")
				case http.StatusNotFound:
					if _, ok := r.json(t)["itemNotFound"]; !ok {
						t.Fatalf("404 body %s, want an itemNotFound fault", r.raw)
					}
				case http.StatusBadRequest:
					if _, ok := r.json(t)["badRequest"]; !ok {
						t.Fatalf("400 body %s, want a badRequest fault", r.raw)
					}
				}
			})
		}
	}
	t.Logf("%d operations and actions x %d callers: %v (status: count)", len(ops), len(matrixCallers), counts)
}

func mustLoadPolicy(t *testing.T, dir string) *policy.Set {
	t.Helper()
	set, err := policy.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// paramResource names the resource each path parameter takes its id from.
var paramResource = map[string]string{
	"share_id": "share", "snapshot_id": "snapshot", "backup_id": "backup", "share_type_id": "type",
	"consistency_group_id": "group", "cgsnapshot_id": "cgsnapshot", "export_location_id": "export_location",
	"share_group_id": "group", "share_group_snapshot_id": "cgsnapshot",
	"project_id": "project",
}

func fillPath(path string, ids map[string]string) (string, error) {
	var missing []string
	out := pathParam.ReplaceAllStringFunc(path, func(p string) string {
		name := p[1 : len(p)-1]
		id, ok := ids[paramResource[name]]
		if !ok {
			missing = append(missing, name)
		}
		return id
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("%s: the fixture makes no resource for %v", path, missing)
	}
	return out, nil
}

// matrixExtraNeeds makes further kinds of resources, added by the test
// files of their areas: name -> maker (given share, which makes or returns
// the call's share).
var matrixExtraNeeds = map[string]func(t *testing.T, ts *testServer, ids map[string]string, share func() string){}

// matrixResources makes the resources a call needs, in projA, in the states
// the operations want (with an hour-long transition, admin resets stand in
// for the jobs).
func matrixResources(t *testing.T, ts *testServer, needs []string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	share := func() string {
		if ids["share"] == "" {
			ids["share"] = createShare(t, ts, tokMember, nil)
			resetShare(t, ts, ids["share"], "available")
		}
		return ids["share"]
	}
	group := func() string {
		if ids["group"] == "" {
			ids["group"] = createCG(t, ts, tokMember, nil)["id"].(string)
			if err := ts.app.db.Write(t.Context(), func(tx *storageTx) error { return placeCG(tx, ids["group"]) }); err != nil {
				t.Fatal(err)
			}
		}
		return ids["group"]
	}
	for _, need := range needs {
		switch need {
		case "share":
			share()
		case "soft_deleted_share":
			id := share()
			ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokMember, version: "2.69",
				body: map[string]any{"soft_delete": nil}}).expectStatus(t, 202)
		case "export_location":
			id := share()
			el := uuid.NewString()
			if err := ts.app.db.Write(t.Context(), func(tx *storageTx) error {
				return tx.AddExportLocation(t.Context(), storage.ExportLocation{ID: el, ShareID: id, Path: "/srv/" + id})
			}); err != nil {
				t.Fatal(err)
			}
			ids["export_location"] = el
		case "snapshot":
			id := share()
			snap := createSnapshot(t, ts, tokMember, id)
			ts.do(t, req{method: "POST", path: "/v2/snapshots/" + snap + "/action", token: tokAdmin, version: "2.7",
				body: map[string]any{"reset_status": map[string]any{"status": "available"}}}).expectStatus(t, 202)
			resetShare(t, ts, id, "available")
			ids["snapshot"] = snap
		case "backup":
			id := share()
			b := createBackup(t, ts, tokMember, id, nil)["id"].(string)
			resetBackup(t, ts, b, "available")
			resetShare(t, ts, id, "available")
			ids["backup"] = b
		case "type":
			ids["type"] = createType(t, ts, "2.99", map[string]any{"name": fmt.Sprintf("matrix-%d", typeSerial.Add(1)),
				"extra_specs": map[string]any{"driver_handles_share_servers": false}})["id"].(string)
		case "group":
			group()
		case "project":
			ids["project"] = projA
		case "share_2g":
			ids["share"] = createShare(t, ts, tokMember, map[string]any{"size": 2})
			resetShare(t, ts, ids["share"], "available")
		case "cgsnapshot":
			g := group()
			snap := ts.do(t, cgReq("POST", "/v2/cgsnapshots", tokMember, map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": g}})).
				expectStatus(t, 202).json(t)["cgsnapshot"].(map[string]any)["id"].(string)
			ts.do(t, req{method: "POST", path: "/v2/cgsnapshots/" + snap + "/action", token: tokAdmin, version: "2.7", experimental: true,
				body: map[string]any{"reset_status": map[string]any{"status": "available"}}}).expectStatus(t, 202)
			ids["cgsnapshot"] = snap
		case "snapshot_export_location":
			// A snapshot and its export location (as its create job leaves).
			snap := ids["snapshot"]
			var el string
			if err := ts.app.db.Write(t.Context(), func(tx *storageTx) (err error) {
				el, err = tx.AddSnapshotExportLocation(t.Context(), snap, "/srv/snapshots/"+snap)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			ids["export_location"] = el
		case "message":
			// A message about the share, as a failed job leaves.
			id := share()
			if err := ts.app.db.Write(t.Context(), func(tx *storageTx) error {
				return tx.AddMessage(t.Context(), storage.MessageShare, id, storage.MessageActionCreate, storage.MessageUnknownError)
			}); err != nil {
				t.Fatal(err)
			}
			ids["message"] = latestMessage(t, ts, id)
		default:
			if make, ok := matrixExtraNeeds[need]; ok {
				make(t, ts, ids, share)
				continue
			}
			t.Fatalf("matrixResources: unknown resource %q", need)
		}
	}
	return ids
}

// The matrix's expectations follow the classes; check the mapping itself
// on a few operations whose answers Manila documents.
func TestPolicyMatrixExpectations(t *testing.T) {
	fx := matrixFixture{success: 202, other: 404}
	cases := []struct {
		class, caller string
		want          int
	}{
		{policy.ClassAdmin, "admin", 202}, {policy.ClassAdmin, "member", 403}, {policy.ClassAdmin, "other", 403},
		{policy.ClassMember, "member", 202}, {policy.ClassMember, "reader", 403}, {policy.ClassMember, "other", 404},
		{policy.ClassReader, "reader", 202}, {policy.ClassReader, "noroles", 403}, {policy.ClassReader, "other", 404},
		{policy.ClassOwner, "noroles", 202}, {policy.ClassOwner, "anonymous", 401}, {"open", "anonymous", 202},
	}
	for _, tc := range cases {
		if got := expectedStatus(tc.class, tc.caller, fx, false); got != tc.want {
			t.Errorf("expectedStatus(%s, %s) = %d, want %d", tc.class, tc.caller, got, tc.want)
		}
	}
	if got := expectedStatus(policy.ClassReader, "other", matrixFixture{success: 200}, false); got != 200 {
		t.Errorf("a list for another project: %d, want 200", got)
	}
	// After the lookup: who cannot see the resource gets 404 before 403.
	for _, tc := range []struct {
		class, caller string
		want          int
	}{
		{policy.ClassAdmin, "other", 404}, {policy.ClassAdmin, "noroles", 404}, {policy.ClassAdmin, "reader", 403},
		{policy.ClassReader, "noroles", 404}, {policy.ClassMember, "member", 202},
	} {
		if got := expectedStatus(tc.class, tc.caller, fx, true); got != tc.want {
			t.Errorf("after lookup: expectedStatus(%s, %s) = %d, want %d", tc.class, tc.caller, got, tc.want)
		}
	}
}
