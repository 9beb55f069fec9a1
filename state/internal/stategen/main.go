// Command stategen writes state/state.gen.go from the x-manila-states
// block of the OpenAPI document: per resource a status type with its
// constants, its named status sets, its transitions and a plain-string
// description (state.Resources). It refuses a block that names a status,
// set or key it does not declare, so the spec cannot drift from the code
// silently.
//
// Usage: stategen -o state.gen.go ../openapi/manila.yaml
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

func main() {
	out := flag.String("o", "state.gen.go", "the Go file to write")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: stategen -o FILE SPEC.yaml")
		os.Exit(2)
	}
	src, err := os.ReadFile(flag.Arg(0))
	if err == nil {
		var resources []resource
		if resources, err = parse(src); err == nil {
			var code []byte
			if code, err = render(resources); err == nil {
				err = os.WriteFile(*out, code, 0o644)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stategen:", err)
		os.Exit(1)
	}
}

// resource is one entry of x-manila-states.
type resource struct {
	name, goName string
	statuses     []string
	initial      string
	sets         []namedSet
	transitions  []transition
}

type namedSet struct {
	name    string
	members []string
}

type transition struct {
	name string
	// fromSet names the set the transition leaves, when the spec gives one;
	// from is then that set's members. fromAny is "from: any".
	fromSet string
	from    []string
	fromAny bool
	to      string
	toOneOf string
}

func (r resource) set(name string) (namedSet, bool) {
	for _, s := range r.sets {
		if s.name == name {
			return s, true
		}
	}
	return namedSet{}, false
}

// parse reads components.x-manila-states, keeping the document's order.
func parse(src []byte) ([]resource, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) != 1 {
		return nil, fmt.Errorf("not a YAML document")
	}
	block := lookup(lookup(doc.Content[0], "components"), "x-manila-states")
	if block == nil || block.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("no components.x-manila-states mapping")
	}
	var out []resource
	for i := 0; i < len(block.Content); i += 2 {
		r, err := parseResource(block.Content[i].Value, block.Content[i+1])
		if err != nil {
			return nil, fmt.Errorf("x-manila-states.%s: %w", block.Content[i].Value, err)
		}
		out = append(out, r)
	}
	return out, checkNames(out)
}

func parseResource(name string, n *yaml.Node) (resource, error) {
	r := resource{name: name}
	if n.Kind != yaml.MappingNode {
		return r, fmt.Errorf("not a mapping")
	}
	for i := 0; i < len(n.Content); i += 2 {
		key, v := n.Content[i].Value, n.Content[i+1]
		var err error
		switch key {
		case "go_name":
			r.goName, err = scalar(v)
		case "statuses":
			r.statuses, err = list(v)
		case "initial":
			r.initial, err = scalar(v)
		case "sets":
			err = eachPair(v, func(k string, v *yaml.Node) error {
				members, err := list(v)
				r.sets = append(r.sets, namedSet{k, members})
				return err
			})
		case "transitions":
			err = eachPair(v, func(k string, v *yaml.Node) error {
				t, err := parseTransition(k, v)
				r.transitions = append(r.transitions, t)
				return err
			})
		default:
			err = fmt.Errorf("unknown key %q", key)
		}
		if err != nil {
			return r, fmt.Errorf("%s: %w", key, err)
		}
	}
	return r, r.check()
}

func parseTransition(name string, n *yaml.Node) (transition, error) {
	t := transition{name: name}
	err := eachPair(n, func(k string, v *yaml.Node) error {
		var err error
		switch k {
		case "from":
			if v.Kind == yaml.ScalarNode {
				t.fromSet = v.Value
				t.fromAny = v.Value == "any"
				return nil
			}
			t.from, err = list(v)
		case "to":
			t.to, err = scalar(v)
		case "to_one_of":
			t.toOneOf, err = scalar(v)
		default:
			err = fmt.Errorf("unknown key %q", k)
		}
		return err
	})
	return t, err
}

// check resolves set references and refuses any status the resource does
// not declare.
func (r *resource) check() error {
	if r.goName == "" || !isIdent(r.goName) {
		return fmt.Errorf("go_name %q is not a Go identifier", r.goName)
	}
	declared := map[string]bool{}
	for _, s := range r.statuses {
		if declared[s] {
			return fmt.Errorf("status %q declared twice", s)
		}
		declared[s] = true
	}
	known := func(where string, ss ...string) error {
		for _, s := range ss {
			if !declared[s] {
				return fmt.Errorf("%s: %q is not one of the statuses", where, s)
			}
		}
		return nil
	}
	// A resource without an initial status (a share's task_state starts
	// as none) has no Initial constant.
	if r.initial != "" {
		if err := known("initial", r.initial); err != nil {
			return err
		}
	}
	for _, s := range r.sets {
		if len(s.members) == 0 {
			return fmt.Errorf("set %s is empty", s.name)
		}
		if err := known("set "+s.name, s.members...); err != nil {
			return err
		}
	}
	for i := range r.transitions {
		t := &r.transitions[i]
		where := "transition " + t.name
		switch {
		case t.fromAny:
		case t.fromSet != "":
			s, ok := r.set(t.fromSet)
			if !ok {
				return fmt.Errorf("%s: from names no set %q", where, t.fromSet)
			}
			t.from = s.members
		case len(t.from) == 0:
			return fmt.Errorf("%s: from is missing (a list, a set name or any)", where)
		}
		if err := known(where, t.from...); err != nil {
			return err
		}
		switch {
		case t.toOneOf != "" && t.to != "":
			return fmt.Errorf("%s: both to and to_one_of", where)
		case t.toOneOf != "":
			if _, ok := r.set(t.toOneOf); !ok {
				return fmt.Errorf("%s: to_one_of names no set %q", where, t.toOneOf)
			}
			if !t.fromAny {
				return fmt.Errorf("%s: a to_one_of transition is from any", where)
			}
		default:
			if err := known(where, t.to); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkNames refuses two declarations that would get the same Go name.
func checkNames(rs []resource) error {
	seen := map[string]string{}
	add := func(ident, what string) error {
		if prev, ok := seen[ident]; ok {
			return fmt.Errorf("%s and %s would both be state.%s", prev, what, ident)
		}
		seen[ident] = what
		return nil
	}
	for _, r := range rs {
		names := map[string]string{
			r.goName + "Status":   "the status type",
			r.goName + "Statuses": "the status list",
			r.goName + "Initial":  "the initial status",
		}
		for _, s := range r.statuses {
			names[r.goName+camel(s)] = "status " + s
		}
		for _, s := range r.sets {
			names[r.goName+camel(s.name)] = "set " + s.name
		}
		for _, t := range r.transitions {
			names[r.goName+camel(t.name)] = "transition " + t.name
		}
		if len(names) != 3+len(r.statuses)+len(r.sets)+len(r.transitions) {
			return fmt.Errorf("x-manila-states.%s: two of its names map to one Go name", r.name)
		}
		for _, ident := range slices.Sorted(mapsKeys(names)) {
			if err := add(ident, r.name+" "+names[ident]); err != nil {
				return err
			}
		}
	}
	return nil
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func render(rs []resource) ([]byte, error) {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("// Code generated by stategen from openapi/manila.yaml (components.x-manila-states). DO NOT EDIT.\n\n")
	p("package state\n\n")
	for _, r := range rs {
		g := r.goName
		typ := g + "Status"
		human := strings.ReplaceAll(r.name, "_", " ")
		p("// %s is a status of a %s.\n", typ, human)
		p("type %s string\n\n", typ)
		p("// The %s statuses.\n", human)
		p("const (\n")
		for _, s := range r.statuses {
			p("\t%s%s %s = %q\n", g, camel(s), typ, s)
		}
		p(")\n\n")
		if r.initial != "" {
			p("// %sInitial is the status a new %s is created in.\n", g, human)
			p("const %sInitial = %s%s\n\n", g, g, camel(r.initial))
		}
		p("// %sStatuses is every %s status, in the spec's order.\n", g, human)
		p("var %sStatuses = Set[%s]{%s}\n\n", g, typ, idents(g, r.statuses))
		if len(r.sets) > 0 {
			p("// The named %s status sets.\n", human)
			p("var (\n")
			for _, s := range r.sets {
				p("\t// %s%s is the set %q.\n", g, camel(s.name), s.name)
				p("\t%s%s = Set[%s]{%s}\n", g, camel(s.name), typ, idents(g, s.members))
			}
			p(")\n\n")
		}
		var plain []string
		p("// The %s transitions.\n", human)
		p("var (\n")
		for _, t := range r.transitions {
			ident := g + camel(t.name)
			if t.toOneOf != "" {
				p("\t// %s is %q: from any status to one of %s.\n", ident, t.name, g+camel(t.toOneOf))
				p("\t%s = Reset[%s]{Name: %q, Targets: %s}\n", ident, typ, t.name, g+camel(t.toOneOf))
				continue
			}
			from := "nil"
			desc := "any status"
			switch {
			case t.fromSet != "" && !t.fromAny:
				from, desc = g+camel(t.fromSet), g+camel(t.fromSet)
			case !t.fromAny:
				from, desc = "Set["+typ+"]{"+idents(g, t.from)+"}", strings.Join(t.from, ", ")
			}
			p("\t// %s is %q: from %s to %s.\n", ident, t.name, desc, t.to)
			p("\t%s = Transition[%s]{Name: %q, From: %s, To: %s%s}\n", ident, typ, t.name, from, g, camel(t.to))
			plain = append(plain, ident)
		}
		p(")\n\n")
		p("// %sTransitions lists the %s transitions (resets aside), in the spec's order.\n", g, human)
		p("var %sTransitions = []Transition[%s]{%s}\n\n", g, typ, strings.Join(plain, ", "))
	}
	p("// Resources describes every resource of x-manila-states as plain strings, in the spec's order.\n")
	p("var Resources = []Resource{\n")
	for _, r := range rs {
		p("\t{\n\t\tName: %q,\n\t\tStatuses: %s,\n", r.name, strs(r.statuses))
		if len(r.sets) > 0 {
			p("\t\tSets: map[string][]string{\n")
			for _, s := range r.sets {
				p("\t\t\t%q: %s,\n", s.name, strs(s.members))
			}
			p("\t\t},\n")
		}
		p("\t\tTransitions: []TransitionInfo{\n")
		for _, t := range r.transitions {
			from := "nil"
			if !t.fromAny {
				from = strs(t.from)
			}
			p("\t\t\t{Name: %q, From: %s, To: %q, ToOneOf: %q},\n", t.name, from, t.to, t.toOneOf)
		}
		p("\t\t},\n\t},\n")
	}
	p("}\n")
	return format.Source(b.Bytes())
}

func idents(goName string, statuses []string) string {
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = goName + camel(s)
	}
	return strings.Join(out, ", ")
}

func strs(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

// camel turns a snake_case spec name into a Go name part: error_deleting
// is ErrorDeleting.
func camel(s string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(s, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	for i, c := range s {
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

func lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func eachPair(n *yaml.Node, f func(key string, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("not a mapping")
	}
	for i := 0; i < len(n.Content); i += 2 {
		if err := f(n.Content[i].Value, n.Content[i+1]); err != nil {
			return fmt.Errorf("%s: %w", n.Content[i].Value, err)
		}
	}
	return nil
}

func scalar(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Value == "" {
		return "", fmt.Errorf("not a non-empty string")
	}
	return n.Value, nil
}

func list(n *yaml.Node) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("not a list")
	}
	out := make([]string, len(n.Content))
	for i, c := range n.Content {
		s, err := scalar(c)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		out[i] = s
	}
	return out, nil
}
