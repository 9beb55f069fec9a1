package impl

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/manilite/manilite/policy"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// The spec's sort_key enum of each list operation is the key set of the
// storage table that maps it to a column.
func TestSortKeyEnumsMatchStorage(t *testing.T) {
	doc, _ := loadSpecInfo(t)
	tables := map[string]map[string]string{
		"ListShares": storage.ShareSortKeys, "ListSharesDetail": storage.ShareSortKeys,
		"ListSnapshots": storage.SnapshotSortKeys, "ListSnapshotsDetail": storage.SnapshotSortKeys,
		"ListShareBackups": storage.BackupSortKeys, "ListShareBackupsDetail": storage.BackupSortKeys,
		"ListShareGroups": storage.ShareGroupKeys, "ListShareGroupsDetail": storage.ShareGroupKeys,
		"ListShareGroupSnapshots": storage.ShareGroupSnapshotKeys, "ListShareGroupSnapshotsDetail": storage.ShareGroupSnapshotKeys,
	}
	seen := 0
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			for _, p := range op.Parameters {
				if p.Value.Name != "sort_key" {
					continue
				}
				table, ok := tables[op.OperationID]
				if !ok {
					t.Errorf("%s has a sort_key but no storage table in this test", op.OperationID)
					continue
				}
				seen++
				var enum []string
				for _, v := range p.Value.Schema.Value.Enum {
					enum = append(enum, v.(string))
				}
				var keys []string
				for k := range table {
					keys = append(keys, k)
				}
				sort.Strings(enum)
				sort.Strings(keys)
				if strings.Join(enum, ",") != strings.Join(keys, ",") {
					t.Errorf("%s sort_key enum\n got: %v\nwant: %v (storage)", op.OperationID, enum, keys)
				}
			}
		}
	}
	if seen != len(tables) {
		t.Errorf("found sort_key on %d operations, want %d", seen, len(tables))
	}
}

// The share group lists filter on every column of their key table and on
// nothing else: the spec declares exactly those parameters (with the
// paging and ordering ones, name~ and description~, and aliases).
func TestGroupListFiltersMatchStorage(t *testing.T) {
	doc, _ := loadSpecInfo(t)
	extra := map[string]bool{"name~": true, "description~": true, "group_type_id": true}
	for op, table := range map[string]map[string]string{
		"ListShareGroups": storage.ShareGroupKeys, "ListShareGroupsDetail": storage.ShareGroupKeys,
		"ListShareGroupSnapshots": storage.ShareGroupSnapshotKeys, "ListShareGroupSnapshotsDetail": storage.ShareGroupSnapshotKeys,
	} {
		var declared, want []string
		for _, path := range doc.Paths.InMatchingOrder() {
			for _, o := range doc.Paths.Value(path).Operations() {
				if o.OperationID != op {
					continue
				}
				for _, p := range o.Parameters {
					if n := p.Value.Name; !listControlKeys[n] && !extra[n] {
						declared = append(declared, n)
					}
				}
			}
		}
		for k := range table {
			want = append(want, k)
		}
		sort.Strings(declared)
		sort.Strings(want)
		if strings.Join(declared, ",") != strings.Join(want, ",") {
			t.Errorf("%s filters\n got: %v\nwant: %v (storage)", op, declared, want)
		}
	}
}

// A handler that checks a rule its operation does not declare gets an
// internal error, never a decision.
func TestUndeclaredPolicyCheckFails(t *testing.T) {
	_, info := loadSpecInfo(t)
	s := &Server{policy: defaultPolicyEngine(t)}
	ri := &requestInfo{Op: info.Ops["ShowShareBackup"], Caller: policy.Caller{UserID: "u", ProjectID: "p", Roles: []string{"member"}}}
	ctx := withRequestInfo(context.Background(), ri)
	if _, err := s.allowed(ctx, "share_backup:get", callerTarget(ri)); err != nil {
		t.Fatalf("declared rule: %v", err)
	}
	_, err := s.allowed(ctx, "share:get", callerTarget(ri))
	var f *Fault
	if !errors.As(err, &f) || f.Status != http.StatusInternalServerError {
		t.Fatalf("undeclared rule: got %v, want a 500 fault", err)
	}
	ri.Op = info.Ops["CreateShareBackup"]
	if _, err := s.allowed(ctx, "share:get", callerTarget(ri)); err != nil {
		t.Fatalf("share:get is declared on createShareBackup: %v", err)
	}
}

// Query gates drop a parameter outside its range or refused by its rule,
// keep the rest in order, and leave the raw query for next links.
func TestGateQuery(t *testing.T) {
	_, info := loadSpecInfo(t)
	s := &Server{policy: defaultPolicyEngine(t)}
	for _, tc := range []struct {
		name, version string
		admin         bool
		want          string
	}{
		{"old version, member", "2.35", false, "limit=1&name=x"},
		{"new version, member", "2.36", false, "limit=1&name~=a&name=x"},
		{"new version, admin", "2.36", true, "limit=1&all_tenants=1&name~=a&name=x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := "limit=1&all_tenants=1&name~=a&name=x"
			r, _ := http.NewRequest("GET", "/v2/shares?"+raw, nil)
			ri := &requestInfo{Op: info.Ops["ListShares"], Version: MustParseAPIVersion(tc.version), query: r.URL.Query(), rawQuery: raw,
				Caller: policy.Caller{UserID: "u", ProjectID: "p", Roles: []string{"member"}}}
			if tc.admin {
				ri.Caller.Roles, ri.Caller.Admin = []string{"admin"}, true
			}
			if err := s.gateQuery(withRequestInfo(context.Background(), ri), r, ri); err != nil {
				t.Fatal(err)
			}
			if r.URL.RawQuery != tc.want {
				t.Errorf("query %q, want %q", r.URL.RawQuery, tc.want)
			}
			if ri.rawQuery != raw {
				t.Errorf("raw query changed to %q", ri.rawQuery)
			}
		})
	}
}

// The handlers bound in Go and those x-manila-actions names must agree both
// ways.
func TestActionBindingsMatchSpec(t *testing.T) {
	_, info := loadSpecInfo(t)
	s := &Server{spec: info}
	if err := s.bindActions(); err != nil {
		t.Fatalf("real bindings: %v", err)
	}
	bound := map[string][]string{
		"ShareAction":    {"reset_status", "force_delete", "soft_delete", "restore", "extend", "shrink", "grow"},
		"SnapshotAction": {"reset_status"}, "ShareBackupAction": {"restore", "reset_status"},
		"ConsistencyGroupAction": {"reset_status", "force_delete"}, "CgsnapshotAction": {"reset_status", "force_delete"},
		"ShowShare": {"x"},
	}
	err := checkActionBindings(info, bound)
	if err == nil {
		t.Fatal("mismatched bindings accepted")
	}
	for _, want := range []string{
		"ShareAction: handler grow is bound but no action names it",
		"SnapshotAction: action force_delete names handler force_delete, which is not bound",
		"action table for ShowShare, which has no x-manila-actions",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// The share network reset_status enum is the share_network statuses of
// x-manila-states, in their order.
func TestNetworkResetEnumMatchesStates(t *testing.T) {
	doc, _ := loadSpecInfo(t)
	prop := doc.Components.Schemas["ShareNetworkResetStatus"].Value.Properties["status"].Value
	var enum []string
	for _, v := range prop.Enum {
		enum = append(enum, v.(string))
	}
	var states []string
	for _, st := range state.ShareNetworkStatuses {
		states = append(states, string(st))
	}
	if strings.Join(enum, ",") != strings.Join(states, ",") {
		t.Errorf("reset_status enum %v, x-manila-states %v", enum, states)
	}
}
