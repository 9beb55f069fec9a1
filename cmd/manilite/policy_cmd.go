package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/manilite/manilite/impl"
	"github.com/manilite/manilite/policy"
)

// `manilite policy ...`: the policy author's tools. Each works on the set in
// force for a --policy-dir (the embedded defaults with the folder laid over
// them, as `manilite serve` loads it), without a server.

const policyUsage = `usage:
  manilite policy list   [--policy-dir DIR] [--format text|json]
        every rule, its check string, and the operations that use it
  manilite policy eval   --action RULE --caller USER:PROJECT[:ROLE,ROLE]
                         [--target PROJECT[:USER]] [--scope project|domain|system]
                         [--field KEY=VALUE ...] [--method M] [--path P] [--microversion V]
                         [--policy-dir DIR] [--format text|json]
        decide one request and say why; exit 0 allowed, 1 denied
  manilite policy check  [--policy-dir DIR] [--min-coverage PERCENT] [-v]
        compile the set and run its Rego tests; exit 1 on any failure
  manilite policy diff   [--policy-dir NEW] [--against OLD] [--format text|json]
        every decision that differs between two sets, over every rule the
        spec names x the caller classes; exit 1 when any flips, 0 when none
  manilite policy import POLICY.yaml [-o FILE.rego] [--policy-dir DIR] [--skip-unknown]
        translate an oslo.policy overrides file into Rego overrides
  manilite policy export DIR [--force]
        write the embedded rules and tests into DIR, to edit them

--policy-dir defaults to $MANILITE_POLICY_DIR; without either, the embedded
defaults are used.
`

// errUsage marks a command line that cannot be run (exit status 2);
// errHelp a request for the usage (exit status 0).
var (
	errUsage = errors.New("usage")
	errHelp  = errors.New("help")
)

func runPolicy(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, policyUsage)
		return 2
	}
	var code int
	var err error
	switch args[0] {
	case "list":
		err = policyList(args[1:], getenv, stdout, stderr)
	case "eval":
		code, err = policyEval(ctx, args[1:], getenv, stdout, stderr)
	case "check":
		code, err = policyCheck(ctx, args[1:], getenv, stdout, stderr)
	case "diff":
		code, err = policyDiff(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		err = policyImport(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		err = policyExport(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, policyUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "manilite policy: unknown command %q\n%s", args[0], policyUsage)
		return 2
	}
	switch {
	case errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "manilite policy:", err)
		return 1
	}
	return code
}

// policyFlags is a flag set for one policy command, with --policy-dir.
func policyFlags(name string, stderr io.Writer, dir *string, getenv func(string) string) *flag.FlagSet {
	fs := flag.NewFlagSet("manilite policy "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, policyUsage) }
	if dir != nil {
		fs.StringVar(dir, "policy-dir", getenv("MANILITE_POLICY_DIR"), "folder of .rego files laid over the embedded policy")
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (manilite policy import policy.yaml -o x.rego), and returns the
// positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		} else if err != nil {
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// loadEngine loads the set in force for dir and compiles it.
func loadEngine(ctx context.Context, dir string) (*policy.Engine, error) {
	set, err := policy.Load(dir)
	if err != nil {
		return nil, err
	}
	return policy.NewEngine(ctx, set, nil)
}

// describeSet says which set is in force, for the first line of output.
func describeSet(dir, hash string) string {
	if dir == "" {
		return fmt.Sprintf("embedded defaults (hash %s)", hash)
	}
	return fmt.Sprintf("embedded defaults with %s laid over them (hash %s)", dir, hash)
}

// operation is one use of a rule by the API.
type operation struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Actions are the action keys of POST .../action that use the rule.
	Actions []string `json:"actions,omitempty"`
	// InHandler is true where the handler checks the rule inside the
	// operation (x-manila-policy-checks), besides the operation's own rule.
	InHandler bool `json:"in_handler,omitempty"`
	// Parameters are the query parameters (or body keys) the rule gates:
	// a caller it refuses has them ignored.
	Parameters []string `json:"parameters,omitempty"`
}

func (o operation) String() string {
	s := o.Method + " " + o.Path
	if len(o.Actions) > 0 {
		s += " (" + strings.Join(o.Actions, ", ") + ")"
	}
	if o.InHandler {
		s += " [checked in the handler]"
	}
	if len(o.Parameters) > 0 {
		s += " [gates " + strings.Join(o.Parameters, ", ") + "]"
	}
	return s
}

// specOperations maps each rule named by the spec (x-manila-policy,
// x-manila-actions, and x-manila-policy-checks of operations and actions)
// to the operations that use it, sorted.
func specOperations() (map[string][]operation, error) {
	doc, err := impl.LoadSpec()
	if err != nil {
		return nil, err
	}
	info, err := impl.ReadSpecInfo(doc)
	if err != nil {
		return nil, err
	}
	return operationsByRule(info), nil
}

// operationsByRule maps each rule info names to the operations that use
// it, sorted: the operation's own rule first, then the handler's checks.
func operationsByRule(info *impl.SpecInfo) map[string][]operation {
	ops := map[string][]operation{}
	type use struct {
		rule      string
		inHandler bool
	}
	for _, op := range info.Ops {
		for _, rule := range op.Checks {
			ops[rule] = append(ops[rule], operation{Method: op.Method, Path: op.Path, InHandler: true})
		}
		for rule, params := range op.ParameterRules() {
			if rule == policy.ContextIsAdminRule {
				continue // everywhere already: admin-ness is asked on every request
			}
			sort.Strings(params)
			ops[rule] = append(ops[rule], operation{Method: op.Method, Path: op.Path, Parameters: params})
		}
		if op.Actions == nil {
			if op.Policy != "" && op.Policy != policy.AlwaysAllow {
				ops[op.Policy] = append(ops[op.Policy], operation{Method: op.Method, Path: op.Path})
			}
			continue
		}
		byUse := map[use][]string{}
		for name, gate := range op.Actions {
			byUse[use{gate.Policy, false}] = append(byUse[use{gate.Policy, false}], name)
			for _, rule := range gate.Checks {
				byUse[use{rule, true}] = append(byUse[use{rule, true}], name)
			}
		}
		for u, actions := range byUse {
			// reset_status before os-reset_status: the current name first.
			sort.Slice(actions, func(i, j int) bool {
				a, b := strings.TrimPrefix(actions[i], "os-"), strings.TrimPrefix(actions[j], "os-")
				if a != b {
					return a < b
				}
				return !strings.HasPrefix(actions[i], "os-")
			})
			ops[u.rule] = append(ops[u.rule], operation{Method: op.Method, Path: op.Path, Actions: actions, InHandler: u.inHandler})
		}
	}
	for _, list := range ops {
		sort.Slice(list, func(i, j int) bool {
			if list[i].InHandler != list[j].InHandler {
				return !list[i].InHandler // the operation's own rule first
			}
			if list[i].Path != list[j].Path {
				return list[i].Path < list[j].Path
			}
			return list[i].Method < list[j].Method
		})
	}
	return ops
}

// listedRule is one row of `policy list --format json`.
type listedRule struct {
	Name        string            `json:"name"`
	CheckString string            `json:"check_string,omitempty"`
	Class       string            `json:"class,omitempty"`
	Rego        string            `json:"rego,omitempty"`
	File        string            `json:"file,omitempty"`
	Origin      string            `json:"origin,omitempty"`
	Override    bool              `json:"override"`
	DefaultRule *listedDefinition `json:"default,omitempty"`
	// Missing is true for a rule the spec names that the set lacks: every
	// request for it is refused.
	Missing    bool        `json:"missing,omitempty"`
	Operations []operation `json:"operations"`
}

type listedDefinition struct {
	CheckString string `json:"check_string,omitempty"`
	Rego        string `json:"rego"`
	File        string `json:"file"`
	Origin      string `json:"origin,omitempty"`
}

func policyList(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var dir, format string
	fs := policyFlags("list", stderr, &dir, getenv)
	fs.StringVar(&format, "format", "text", "text or json")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 || (format != "text" && format != "json") {
		fmt.Fprint(stderr, policyUsage)
		return errUsage
	}
	e, err := loadEngine(context.Background(), dir)
	if err != nil {
		return err
	}
	ops, err := specOperations()
	if err != nil {
		return err
	}
	return writeRuleList(stdout, e, dir, format, ops)
}

// writeRuleList prints every rule of e with the operations ops lists for
// it, and the rules ops names that e lacks.
func writeRuleList(stdout io.Writer, e *policy.Engine, dir, format string, ops map[string][]operation) error {
	var rows []listedRule
	for _, r := range e.Describe() {
		row := listedRule{Name: r.Name, CheckString: r.CheckString, Class: r.Class, Rego: r.Rego, File: r.File,
			Origin: r.Origin, Override: r.Override, Operations: ops[r.Name]}
		if r.Default != nil {
			row.DefaultRule = &listedDefinition{CheckString: r.Default.CheckString, Rego: r.Default.Rego, File: r.Default.File, Origin: r.Default.Origin}
		}
		rows = append(rows, row)
	}
	for name, list := range ops {
		if !e.HasRule(name) {
			rows = append(rows, listedRule{Name: name, Missing: true, Operations: list})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"policy_hash": e.Hash(), "policy_dir": dir, "rules": rows})
	}

	fmt.Fprintf(stdout, "# policy in force: %s\n", describeSet(dir, e.Hash()))
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "RULE\tCHECK STRING\tFILE\tOPERATIONS")
	for _, r := range rows {
		check := r.CheckString
		switch {
		case r.Missing:
			check = "(no rule: refused)"
		case check == "":
			check = "rego: " + oneLine(r.Rego)
		}
		file := r.File
		if r.Missing {
			file = "-"
		} else if r.Override {
			file += " (override)"
		}
		lines := make([]string, 0, len(r.Operations))
		for _, op := range r.Operations {
			lines = append(lines, op.String())
		}
		if len(lines) == 0 {
			lines = []string{"(checked by handlers within other operations)"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, check, file, lines[0])
		if d := r.DefaultRule; d != nil {
			defCheck := d.CheckString
			if defCheck == "" {
				defCheck = "rego: " + oneLine(d.Rego)
			}
			next := ""
			if len(lines) > 1 {
				next, lines = lines[1], lines[1:]
			}
			fmt.Fprintf(tw, "\t  replaces: %s\t%s\t%s\n", defCheck, d.File, next)
		}
		for _, l := range lines[1:] {
			fmt.Fprintf(tw, "\t\t\t%s\n", l)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(table.String(), "\n") {
		if line != "" {
			fmt.Fprintln(stdout, strings.TrimRight(line, " \n"))
		}
	}
	return nil
}

// oneLine squeezes Rego onto one line for the table.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// fieldList is the repeatable --field key=value flag.
type fieldList map[string]any

func (f fieldList) String() string { return fmt.Sprint(map[string]any(f)) }

// Set reads a value as JSON when it parses as JSON (true, 3, null,
// "quoted", [..], {..}), else as a plain string.
func (f fieldList) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not key=value", s)
	}
	var val any
	if err := json.Unmarshal([]byte(v), &val); err != nil {
		val = v
	}
	if n, ok := val.(float64); ok && n == float64(int(n)) {
		val = int(n)
	}
	f[k] = val
	return nil
}

// parseCaller reads user:project[:role,role].
func parseCaller(s string) (policy.Caller, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 2 || parts[0] == "" {
		return policy.Caller{}, fmt.Errorf("--caller %q: want user:project[:role,role] (the project may be empty)", s)
	}
	c := policy.Caller{UserID: parts[0], ProjectID: parts[1]}
	if len(parts) == 3 {
		for _, r := range strings.Split(parts[2], ",") {
			if r = strings.TrimSpace(r); r != "" {
				c.Roles = append(c.Roles, r)
			}
		}
	}
	return c, nil
}

func policyEval(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	var dir, format, action, callerSpec, targetSpec, scope string
	var req policy.Request
	fields := fieldList{}
	fs := policyFlags("eval", stderr, &dir, getenv)
	fs.StringVar(&action, "action", "", "the rule name, e.g. share:create")
	fs.StringVar(&callerSpec, "caller", "", "user:project[:role,role]")
	fs.StringVar(&targetSpec, "target", "", "project[:user] (default: the caller's, as Manila passes)")
	fs.StringVar(&scope, "scope", policy.ScopeProject, "the token's scope: project, domain or system")
	fs.Var(fields, "field", "key=value: a field of the target (repeatable); JSON values are parsed")
	fs.StringVar(&req.Method, "method", "", "request method, for rules that read input.request")
	fs.StringVar(&req.Path, "path", "", "request path")
	fs.StringVar(&req.Microversion, "microversion", "", "request microversion")
	fs.StringVar(&format, "format", "text", "text or json")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 2, err
	}
	usage := func(msg string) (int, error) {
		fmt.Fprintf(stderr, "manilite policy eval: %s (manilite policy help)\n", msg)
		return 2, errUsage
	}
	switch {
	case len(rest) > 0:
		return usage(fmt.Sprintf("unexpected argument %q", rest[0]))
	case action == "":
		return usage("--action is required")
	case callerSpec == "":
		return usage("--caller is required")
	case scope != policy.ScopeProject && scope != policy.ScopeDomain && scope != policy.ScopeSystem:
		return usage(fmt.Sprintf("--scope %q: want project, domain or system", scope))
	case format != "text" && format != "json":
		return usage(fmt.Sprintf("--format %q: want text or json", format))
	}
	caller, err := parseCaller(callerSpec)
	if err != nil {
		return usage(err.Error())
	}
	caller.Scope = scope
	target := policy.Target{ProjectID: caller.ProjectID, UserID: caller.UserID, Fields: fields}
	if targetSpec != "" {
		project, user, _ := strings.Cut(targetSpec, ":")
		target.ProjectID, target.UserID = project, user
	}
	e, err := loadEngine(ctx, dir)
	if err != nil {
		return 1, err
	}
	// is_admin is the rule context_is_admin's answer, as the server
	// computes it once per request.
	if caller, err = e.WithAdmin(ctx, caller); err != nil {
		return 1, err
	}
	x, err := e.Explain(ctx, policy.Input{Action: action, Caller: caller, Target: target, Request: req})
	if err != nil {
		return 1, err
	}
	code := 1
	if x.Decision.Allowed {
		code = 0
	}
	if format == "json" {
		out := map[string]any{
			"allowed": x.Decision.Allowed, "defined": x.Decision.Defined, "policy_hash": x.Decision.Hash,
			"scope_refused": x.ScopeRefused, "input": x.Document, "base": x.Base, "true_base_rules": x.TrueBaseRules(),
		}
		if x.ValueDefined {
			out["value"] = x.Value
		}
		if x.Rule != nil {
			out["rule"] = map[string]any{"name": x.Rule.Name, "file": x.Rule.File, "override": x.Rule.Override,
				"check_string": x.Rule.CheckString, "rego": x.Rule.Rego}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return code, enc.Encode(out)
	}

	verdict := "DENIED"
	if x.Decision.Allowed {
		verdict = "ALLOWED"
	}
	fmt.Fprintf(stdout, "%s: %s\n", action, verdict)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
	if x.Rule == nil {
		row("why:", fmt.Sprintf("no rule named %q in the set in force: an action without a rule is refused", action))
	} else {
		kind := "default"
		if x.Rule.Override {
			kind = "override"
		}
		row("rule:", fmt.Sprintf("%s (%s, %s)", x.Rule.Name, kind, x.Rule.File))
		for i, line := range strings.Split(x.Rule.Rego, "\n") {
			if i == 0 {
				row("rego:", line)
			} else {
				row("", line)
			}
		}
		if x.Rule.CheckString != "" {
			row("check string:", x.Rule.CheckString)
		}
		value := "undefined (refused)"
		if x.ValueDefined {
			b, _ := json.Marshal(x.Value)
			value = string(b)
		}
		row("value:", value)
		switch m := baseValue.FindStringSubmatch(x.Rule.Rego); {
		case x.ScopeRefused:
			row("why:", fmt.Sprintf("the token is %s-scoped: Manila registers every rule with scope_types=['project'], so the rule is not applied", x.Scope))
		case m != nil:
			row("why:", fmt.Sprintf("base.%s is %v for this input", m[1], x.Base[m[1]]))
		}
	}
	trueRules := x.TrueBaseRules()
	var falseRules []string
	for name, v := range x.Base {
		if v != true {
			falseRules = append(falseRules, name)
		}
	}
	sort.Strings(falseRules)
	row("true base rules:", orNone(trueRules))
	row("false base rules:", orNone(falseRules))
	doc, _ := json.Marshal(x.Document)
	row("input:", string(doc))
	row("policy:", describeSet(dir, x.Decision.Hash))
	return code, tw.Flush()
}

// baseValue matches a rule whose value is a base rule.
var baseValue = regexp.MustCompile(`^(?:rule|override)\["[^"]*"\] := base\.([a-z_]+)$`)

func orNone(list []string) string {
	if len(list) == 0 {
		return "(none)"
	}
	return strings.Join(list, ", ")
}

func policyCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	var dir string
	var minCoverage float64
	var verbose bool
	fs := policyFlags("check", stderr, &dir, getenv)
	fs.Float64Var(&minCoverage, "min-coverage", 0, "fail unless this percentage of the rules is evaluated by a test")
	fs.BoolVar(&verbose, "v", false, "list every test")
	if rest, err := parseFlags(fs, args); err != nil {
		return 2, err
	} else if len(rest) > 0 {
		fmt.Fprint(stderr, policyUsage)
		return 2, errUsage
	}
	set, err := policy.Load(dir)
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(stdout, "policy set: %s\n", describeSet(dir, set.Hash()))
	var own []string
	for _, f := range set.Files() {
		if o := set.Origin(f); o != policy.OriginEmbedded {
			own = append(own, f)
		}
	}
	if dir != "" {
		embedded, err := policy.Load("")
		if err != nil {
			return 1, err
		}
		var replacing, added []string
		for _, f := range own {
			if embedded.Origin(f) == policy.OriginEmbedded {
				replacing = append(replacing, f)
			} else {
				added = append(added, f)
			}
		}
		fmt.Fprintf(stdout, "files: %d; from %s: replacing embedded files: %s; added: %s\n",
			len(set.Files()), dir, orNone(replacing), orNone(added))
	}
	if _, err := policy.NewEngine(ctx, set, nil); err != nil {
		fmt.Fprintf(stdout, "FAIL: %v\n", err)
		return 1, nil
	}
	report, err := set.TestReport(ctx)
	if err != nil {
		fmt.Fprintf(stdout, "FAIL: %v\n", err)
		return 1, nil
	}
	for _, r := range report.Results {
		switch {
		case !r.Passed:
			fmt.Fprintf(stdout, "FAIL %s (%s): %s\n", r.Name, r.File, r.Message)
		case verbose:
			fmt.Fprintf(stdout, "ok   %s (%s)\n", r.Name, r.File)
		}
	}
	fmt.Fprintf(stdout, "tests: %d run, %d passed, %d failed\n", len(report.Results), report.Passed, report.Failed)
	coverage := 0.0
	if len(report.Rules) > 0 {
		coverage = 100 * float64(report.Covered()) / float64(len(report.Rules))
	}
	fmt.Fprintf(stdout, "rule coverage: %d/%d rules and overrides evaluated by a test (%.1f%%); line coverage %.1f%%\n",
		report.Covered(), len(report.Rules), coverage, report.LineCoverage)
	for _, c := range report.Rules {
		if !c.Covered {
			kind := "rule"
			if c.Override {
				kind = "override"
			}
			fmt.Fprintf(stdout, "not covered: %s[%q] (%s)\n", kind, c.Name, c.File)
		}
	}
	failed := false
	if err := report.Err(); err != nil {
		failed = true
		if len(report.Results) == 0 {
			fmt.Fprintln(stdout, "FAIL: the set has no Rego tests")
		}
	}
	if coverage < minCoverage {
		fmt.Fprintf(stdout, "FAIL: rule coverage %.1f%% is below --min-coverage %.1f%%\n", coverage, minCoverage)
		failed = true
	}
	if failed {
		fmt.Fprintln(stdout, "FAIL")
		return 1, nil
	}
	fmt.Fprintln(stdout, "OK")
	return 0, nil
}

func policyImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var dir, out string
	var skipUnknown bool
	fs := policyFlags("import", stderr, &dir, getenv)
	fs.StringVar(&out, "o", "", "write the Rego here (default: standard output)")
	fs.BoolVar(&skipUnknown, "skip-unknown", false, "skip entries that name no rule of manilite, with a warning")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fmt.Fprint(stderr, "manilite policy import: want one policy.yaml or policy.json file\n"+policyUsage)
		return errUsage
	}
	src, err := os.ReadFile(rest[0])
	if err != nil {
		return err
	}
	e, err := loadEngine(ctx, dir)
	if err != nil {
		return err
	}
	res, err := policy.ImportOslo(src, e.Describe(), policy.ImportOptions{Source: filepath.Base(rest[0]), SkipUnknown: skipUnknown})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	// The overrides must work with the set they are for: compile it with
	// them, and run its tests.
	name := "imported.rego"
	if out != "" {
		name = filepath.Base(out)
	}
	set, err := policy.LoadWithFile(dir, name, res.Rego)
	if err != nil {
		return fmt.Errorf("the translation does not load with the policy set: %w", err)
	}
	if _, err := policy.NewEngine(ctx, set, nil); err != nil {
		return fmt.Errorf("the translation does not compile with the policy set: %w", err)
	}
	if report, err := set.RunTests(ctx); err != nil {
		return err
	} else if err := report.Err(); err != nil {
		return fmt.Errorf("with the translation, the set's tests fail: %w", err)
	}
	if out == "" {
		_, err := stdout.Write(res.Rego)
		return err
	}
	if err := writeFileAtomic(out, res.Rego); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s: %d override(s): %s\n", out, len(res.Overrides), strings.Join(res.Overrides, ", "))
	return nil
}

// writeFileAtomic writes data beside path and renames it into place, so a
// server watching the folder never reads half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func policyExport(args []string, stdout, stderr io.Writer) error {
	var force bool
	flags := policyFlags("export", stderr, nil, nil)
	flags.BoolVar(&force, "force", false, "overwrite files that exist")
	rest, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fmt.Fprint(stderr, "manilite policy export: want the folder to write to\n"+policyUsage)
		return errUsage
	}
	dir := rest[0]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files, err := fileNames(policy.DefaultFS())
	if err != nil {
		return err
	}
	if !force {
		for _, name := range files {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				return fmt.Errorf("%s exists (--force overwrites)", filepath.Join(dir, name))
			}
		}
	}
	for _, name := range files {
		src, err := fs.ReadFile(policy.DefaultFS(), name)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(dir, name), src); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %d files to %s\n", len(files), dir)
	return nil
}

// fileNames lists the file names at the top of fsys.
func fileNames(fsys fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}
