package state

import "strings"

// Set is a list of statuses in a meaningful order (Manila's, where its
// messages list them).
type Set[S ~string] []S

// Contains reports whether s is in the set.
func (set Set[S]) Contains(s S) bool {
	for _, v := range set {
		if v == s {
			return true
		}
	}
	return false
}

// Strings is the set as plain strings.
func (set Set[S]) Strings() []string {
	out := make([]string, len(set))
	for i, v := range set {
		out[i] = string(v)
	}
	return out
}

// Join is the statuses separated by sep (Manila's ", ".join(...)).
func (set Set[S]) Join(sep string) string { return strings.Join(set.Strings(), sep) }

// List renders the set as Python prints a list: ['a', 'b'].
func (set Set[S]) List() string { return "[" + set.quoted() + "]" }

// Tuple renders the set as Python prints a tuple: ('a', 'b'), and ('a',)
// for one status.
func (set Set[S]) Tuple() string {
	if len(set) == 1 {
		return "(" + set.quoted() + ",)"
	}
	return "(" + set.quoted() + ")"
}

func (set Set[S]) quoted() string {
	q := make([]string, len(set))
	for i, v := range set {
		q[i] = "'" + string(v) + "'"
	}
	return strings.Join(q, ", ")
}

// Transition is one named move of a resource's status: from any status in
// From (any status at all when From is nil, as for an admin's force) to To.
type Transition[S ~string] struct {
	Name string
	From Set[S]
	To   S
}

// FromAny reports whether the transition leaves any status.
func (t Transition[S]) FromAny() bool { return t.From == nil }

// Allows reports whether a resource in status s may take the transition.
func (t Transition[S]) Allows(s S) bool { return t.FromAny() || t.From.Contains(s) }

// Reset is an admin's reset_status: from any status to one the admin
// chooses among Targets (which the API checks; storage writes what it is
// given).
type Reset[S ~string] struct {
	Name    string
	Targets Set[S]
}

// To is the reset to status s.
func (r Reset[S]) To(s S) Transition[S] { return Transition[S]{Name: r.Name, To: s} }

// Resource describes one resource's statuses as plain strings, for code
// (and tests) that treat every resource alike.
type Resource struct {
	// Name is the resource's key in x-manila-states ("share", ...).
	Name     string
	Statuses []string
	// Sets are the named status sets, by their spec names.
	Sets map[string][]string
	// Transitions are the named transitions, by their spec names; a reset
	// has no To and lists its targets in Sets under ToOneOf.
	Transitions []TransitionInfo
}

// TransitionInfo is a Transition or Reset as plain strings.
type TransitionInfo struct {
	Name string
	// From is nil for a transition from any status.
	From    []string
	To      string
	ToOneOf string
}

// AdHoc is a transition the spec does not name (from nil: any status), for
// tests of the transition mechanism itself and of a resource moved behind a
// job's back.
func AdHoc[S ~string](from []string, to string) Transition[S] {
	t := Transition[S]{Name: "ad hoc", To: S(to)}
	if from != nil {
		t.From = Set[S]{}
		for _, s := range from {
			t.From = append(t.From, S(s))
		}
	}
	return t
}
