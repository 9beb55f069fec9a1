package state_test

import (
	"os"
	"reflect"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/manilite/manilite/state"
)

// specStates reads x-manila-states straight from the spec, without the
// generator, as the reference the generated code must match.
func specStates(t *testing.T) (order []string, byName map[string]specResource) {
	t.Helper()
	src, err := os.ReadFile("../openapi/manila.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			States yaml.Node `yaml:"x-manila-states"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	n := doc.Components.States
	byName = map[string]specResource{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		var r specResource
		if err := n.Content[i+1].Decode(&r); err != nil {
			t.Fatal(err)
		}
		order = append(order, n.Content[i].Value)
		byName[n.Content[i].Value] = r
	}
	return order, byName
}

type specResource struct {
	Statuses    []string                  `yaml:"statuses"`
	Sets        map[string][]string       `yaml:"sets"`
	Transitions map[string]map[string]any `yaml:"transitions"`
}

func TestResourcesAreTheSpec(t *testing.T) {
	order, spec := specStates(t)
	var got []string
	for _, r := range state.Resources {
		got = append(got, r.Name)
	}
	if !slices.Equal(got, order) {
		t.Fatalf("resources = %v, spec has %v", got, order)
	}
	for _, r := range state.Resources {
		want := spec[r.Name]
		if !slices.Equal(r.Statuses, want.Statuses) {
			t.Errorf("%s statuses = %v, spec %v", r.Name, r.Statuses, want.Statuses)
		}
		if len(r.Sets) != len(want.Sets) || (len(want.Sets) > 0 && !reflect.DeepEqual(r.Sets, want.Sets)) {
			t.Errorf("%s sets = %v, spec %v", r.Name, r.Sets, want.Sets)
		}
		if len(r.Transitions) != len(want.Transitions) {
			t.Errorf("%s has %d transitions, spec %d", r.Name, len(r.Transitions), len(want.Transitions))
		}
		for _, tr := range r.Transitions {
			w, ok := want.Transitions[tr.Name]
			if !ok {
				t.Errorf("%s transition %s is not in the spec", r.Name, tr.Name)
				continue
			}
			var from []string
			switch f := w["from"].(type) {
			case string:
				if f != "any" {
					from = want.Sets[f]
				}
			case []any:
				for _, s := range f {
					from = append(from, s.(string))
				}
			}
			to, _ := w["to"].(string)
			oneOf, _ := w["to_one_of"].(string)
			if !slices.Equal(tr.From, from) || (tr.From == nil) != (from == nil) || tr.To != to || tr.ToOneOf != oneOf {
				t.Errorf("%s transition %s = %+v, spec %v", r.Name, tr.Name, tr, w)
			}
		}
	}
}

// The typed values are the same as the plain description (and so as the
// spec): a few that storage and the API rely on.
func TestTypedTransitions(t *testing.T) {
	if !slices.Equal(state.ShareDelete.From, state.ShareDeletable) || state.ShareDelete.To != state.ShareDeleting {
		t.Errorf("ShareDelete = %+v", state.ShareDelete)
	}
	if got := state.ShareDeletable.Strings(); !slices.Equal(got, []string{"available", "error", "inactive"}) {
		t.Errorf("ShareDeletable = %v", got)
	}
	if !state.ShareForceDelete.FromAny() || !state.ShareForceDelete.Allows(state.ShareExtending) {
		t.Errorf("ShareForceDelete = %+v does not leave any status", state.ShareForceDelete)
	}
	if state.ShareDelete.Allows(state.ShareCreating) || !state.ShareDelete.Allows(state.ShareInactive) {
		t.Errorf("ShareDelete.Allows is wrong")
	}
	reset := state.CGSnapshotResetStatus.To(state.CGSnapshotMigrating)
	if !reset.FromAny() || reset.To != state.CGSnapshotMigrating || reset.Name != "reset_status" {
		t.Errorf("CGSnapshotResetStatus.To = %+v", reset)
	}
	if got := state.ConsistencyGroupResetStatus.Targets.Join(", "); got != "creating, available, deleting, error, error_deleting, migrating, migrating_to" {
		t.Errorf("consistency group reset targets = %q", got)
	}
	if !slices.Equal(state.BackupRestoreFailed.From, state.Set[state.BackupStatus]{state.BackupRestoring}) || state.BackupRestoreFailed.To != state.BackupAvailable {
		t.Errorf("BackupRestoreFailed = %+v", state.BackupRestoreFailed)
	}
	for _, tr := range state.ShareTransitions {
		if tr.Name == "" || !state.ShareStatuses.Contains(tr.To) {
			t.Errorf("share transition %+v goes to an undeclared status", tr)
		}
		for _, s := range tr.From {
			if !state.ShareStatuses.Contains(s) {
				t.Errorf("share transition %s leaves undeclared %q", tr.Name, s)
			}
		}
	}
}

func TestSetRendering(t *testing.T) {
	tests := []struct {
		set               state.Set[state.ShareStatus]
		tuple, list, join string
	}{
		{state.ShareDeletable, "('available', 'error', 'inactive')", "['available', 'error', 'inactive']", "available, error, inactive"},
		{state.ShareSnapshotSource, "('available',)", "['available']", "available"},
		{state.Set[state.ShareStatus]{}, "()", "[]", ""},
	}
	for _, tc := range tests {
		if got := tc.set.Tuple(); got != tc.tuple {
			t.Errorf("%v.Tuple() = %s, want %s", tc.set, got, tc.tuple)
		}
		if got := tc.set.List(); got != tc.list {
			t.Errorf("%v.List() = %s, want %s", tc.set, got, tc.list)
		}
		if got := tc.set.Join(", "); got != tc.join {
			t.Errorf("%v.Join() = %q, want %q", tc.set, got, tc.join)
		}
	}
}
