package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/manilite/manilite/policy"
)

// `manilite policy diff`: what a change to the rules changes. Both sets
// decide every rule the spec names (the operations' rules, the actions'
// gates, and the rules handlers check inside operations), every rule either
// set defines, and context_is_admin, for each caller class below, against
// a resource of the owning project; every decision that differs is printed
// with the operations it affects.

// diffProject owns the resource every decision is about.
const diffProject = "project-a"

// callerClass is one kind of caller the diff asks about.
type callerClass struct {
	Name   string
	Caller policy.Caller
}

// callerClasses are the callers of the diff. Each one's Admin is computed
// by the set under test (policy.Engine.WithAdmin), as the server does.
var callerClasses = []callerClass{
	{"admin", policy.Caller{UserID: "user-admin", ProjectID: "project-b", Roles: []string{"admin", "member", "reader"}}},
	{"member", policy.Caller{UserID: "user-member", ProjectID: diffProject, Roles: []string{"member", "reader"}}},
	{"reader", policy.Caller{UserID: "user-reader", ProjectID: diffProject, Roles: []string{"reader"}}},
	{"other-member", policy.Caller{UserID: "user-other-member", ProjectID: "project-b", Roles: []string{"member", "reader"}}},
	{"other-reader", policy.Caller{UserID: "user-other-reader", ProjectID: "project-b", Roles: []string{"reader"}}},
	{"unknown-role", policy.Caller{UserID: "user-unknown", ProjectID: diffProject, Roles: []string{"manilite-unknown-role"}}},
	{"system", policy.Caller{UserID: "user-system", Roles: []string{"admin", "member", "reader"}, Scope: policy.ScopeSystem}},
}

// diffTarget is the resource: the member's, in the owning project.
var diffTarget = policy.Target{ProjectID: diffProject, UserID: "user-member"}

// flip is one decision that differs between the sets.
type flip struct {
	Rule       string      `json:"rule"`
	Caller     string      `json:"caller"`
	Old        string      `json:"old"`
	New        string      `json:"new"`
	Operations []operation `json:"operations"`
}

// verdict is a decision as the diff prints it.
func verdict(d policy.Decision) string {
	switch {
	case !d.Defined:
		return "denied (no rule)"
	case d.Allowed:
		return "allowed"
	}
	return "denied"
}

// decideAll decides every rule for every caller class on e: verdicts by
// rule, then class.
func decideAll(ctx context.Context, e *policy.Engine, rules []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, class := range callerClasses {
		caller, err := e.WithAdmin(ctx, class.Caller)
		if err != nil {
			return nil, err
		}
		for _, rule := range rules {
			in := policy.Input{Action: rule, Caller: caller, Target: diffTarget}
			if rule == policy.ContextIsAdminRule {
				// What the server asks: the caller's own project.
				in.Caller.Admin = false
				in.Target = policy.Target{ProjectID: caller.ProjectID, UserID: caller.UserID}
			}
			d, err := e.Decide(ctx, in)
			if err != nil {
				return nil, err
			}
			if out[rule] == nil {
				out[rule] = map[string]string{}
			}
			out[rule][class.Name] = verdict(d)
		}
	}
	return out, nil
}

func policyDiff(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	var dir, against, format string
	fs := policyFlags("diff", stderr, &dir, getenv)
	fs.StringVar(&against, "against", "", "folder of .rego files laid over the embedded policy: the old set (default: the embedded defaults)")
	fs.StringVar(&format, "format", "text", "text or json")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 2, err
	}
	switch {
	case len(rest) > 0:
		fmt.Fprintf(stderr, "manilite policy diff: unexpected argument %q (manilite policy help)\n", rest[0])
		return 2, errUsage
	case format != "text" && format != "json":
		fmt.Fprintf(stderr, "manilite policy diff: --format %q: want text or json (manilite policy help)\n", format)
		return 2, errUsage
	}
	oldEngine, err := loadEngine(ctx, against)
	if err != nil {
		return 1, fmt.Errorf("--against: %w", err)
	}
	newEngine, err := loadEngine(ctx, dir)
	if err != nil {
		return 1, fmt.Errorf("--policy-dir: %w", err)
	}
	ops, err := specOperations()
	if err != nil {
		return 1, err
	}
	names := map[string]bool{policy.ContextIsAdminRule: true}
	for rule := range ops {
		names[rule] = true
	}
	for _, e := range []*policy.Engine{oldEngine, newEngine} {
		for _, rule := range e.Rules() {
			names[rule] = true
		}
	}
	rules := make([]string, 0, len(names))
	for rule := range names {
		rules = append(rules, rule)
	}
	sort.Strings(rules)
	before, err := decideAll(ctx, oldEngine, rules)
	if err != nil {
		return 1, err
	}
	after, err := decideAll(ctx, newEngine, rules)
	if err != nil {
		return 1, err
	}
	var flips []flip
	adminFlips := map[string]bool{}
	for _, rule := range rules {
		for _, class := range callerClasses {
			o, n := before[rule][class.Name], after[rule][class.Name]
			if o == n {
				continue
			}
			flips = append(flips, flip{Rule: rule, Caller: class.Name, Old: o, New: n, Operations: ops[rule]})
			if rule == policy.ContextIsAdminRule {
				adminFlips[class.Name] = true
			}
		}
	}
	code := 0
	if len(flips) > 0 {
		code = 1
	}
	decisions := len(rules) * len(callerClasses)
	if format == "json" {
		if flips == nil {
			flips = []flip{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return code, enc.Encode(map[string]any{
			"old":       map[string]string{"policy_dir": against, "policy_hash": oldEngine.Hash()},
			"new":       map[string]string{"policy_dir": dir, "policy_hash": newEngine.Hash()},
			"decisions": decisions, "flips": flips,
		})
	}

	fmt.Fprintf(stdout, "# old: %s\n", describeSet(against, oldEngine.Hash()))
	fmt.Fprintf(stdout, "# new: %s\n", describeSet(dir, newEngine.Hash()))
	if len(flips) > 0 {
		var table strings.Builder
		tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "RULE\tCALLER\tOLD -> NEW\tOPERATIONS")
		for _, f := range flips {
			lines := make([]string, 0, len(f.Operations))
			for _, op := range f.Operations {
				lines = append(lines, op.String())
			}
			switch {
			case f.Rule == policy.ContextIsAdminRule:
				lines = []string{"every operation: who is admin"}
			case len(lines) == 0:
				lines = []string{"(no operation of the spec)"}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s -> %s\t%s\n", f.Rule, f.Caller, f.Old, f.New, lines[0])
			for _, l := range lines[1:] {
				fmt.Fprintf(tw, "\t\t\t%s\n", l)
			}
		}
		if err := tw.Flush(); err != nil {
			return 1, err
		}
		for _, line := range strings.SplitAfter(table.String(), "\n") {
			if line != "" {
				fmt.Fprintln(stdout, strings.TrimRight(line, " \n"))
			}
		}
	}
	if len(adminFlips) > 0 {
		var classes []string
		for _, class := range callerClasses {
			if adminFlips[class.Name] {
				classes = append(classes, class.Name)
			}
		}
		fmt.Fprintf(stdout, "context_is_admin flips for %s: is_admin changes for them everywhere: is_admin:True rules, "+
			"project scoping of every lookup, admin-only fields and filters, all_tenants\n", strings.Join(classes, ", "))
	}
	fmt.Fprintf(stdout, "%d of %d decisions flip (%d rules x %d caller classes)\n", len(flips), decisions, len(rules), len(callerClasses))
	return code, nil
}
