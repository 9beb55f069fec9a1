package policy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"gopkg.in/yaml.v3"
)

// manilaBaseRules are the rules manila/policies/base.py registers, by name,
// with their check strings: what a rule:<name> in a policy.yaml refers to
// unless the file redefines the name.
var manilaBaseRules = map[string]string{
	"context_is_admin":      "role:admin",
	"admin_api":             "is_admin:True",
	"admin_or_owner":        "is_admin:True or project_id:%(project_id)s",
	"admin_or_owner_user":   "is_admin:True or project_id:%(project_id)s and user_id:%(user_id)s",
	"default":               "rule:admin_or_owner",
	"project-admin":         "role:admin and project_id:%(project_id)s",
	"project-member":        "role:member and project_id:%(project_id)s",
	"project-reader":        "role:reader and project_id:%(project_id)s",
	"owner-user":            "user_id:%(user_id)s and project_id:%(project_id)s",
	"admin_or_service_api":  "role:admin or role:service",
	"context_is_host_admin": "role:admin and project_id:%(project_id)s",
}

// manilaBaseRego is the rule of package manila.base that implements a base
// rule; the others are translated from their check strings when used.
var manilaBaseRego = map[string]string{
	"context_is_admin":     "base.context_is_admin",
	"admin_api":            "base.admin_api",
	"admin_or_owner":       "base.admin_or_owner",
	"project-admin":        "base.project_admin",
	"project-member":       "base.project_member",
	"project-reader":       "base.project_reader",
	"owner-user":           "base.owner_user",
	"admin_or_service_api": "base.admin_or_service_api",
}

// callerAttributes are the fields of input.caller; a generic check on any
// other attribute is never true (oslo.policy's KeyError is false too).
var callerAttributes = map[string]bool{"user_id": true, "project_id": true, "roles": true, "is_admin": true, "scope": true}

// ImportOptions tunes ImportOslo.
type ImportOptions struct {
	// Source names the file in messages and in the generated Rego.
	Source string
	// SkipUnknown skips (with a warning) entries whose name is no rule of
	// the set and that no other entry uses, instead of failing: real
	// policy.yaml files hold rules for Manila features manilite lacks.
	SkipUnknown bool
}

// ImportResult is a translated overrides file.
type ImportResult struct {
	// Rego is the override file, formatted as opa fmt does.
	Rego []byte
	// Overrides lists the rules the file overrides, sorted: those the
	// policy.yaml names, and those whose default uses a base rule it
	// redefines.
	Overrides []string
	// Warnings are things the operator should know that do not stop the
	// import.
	Warnings []string
}

// ImportProblem is one reason an import failed.
type ImportProblem struct {
	Line    int
	Rule    string
	Message string
}

func (p ImportProblem) String() string {
	if p.Rule != "" {
		return fmt.Sprintf("line %d: %s: %s", p.Line, p.Rule, p.Message)
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Message)
}

// ImportError lists every problem found; nothing was translated.
type ImportError struct {
	Source   string
	Problems []ImportProblem
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem(s):", e.Source, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// importEntry is one "name": "check string" of the file.
type importEntry struct {
	name, check string
	line        int
	node        checkNode
}

// importer translates one file against the rules of the set in force.
type importer struct {
	source   string
	entries  map[string]*importEntry
	order    []*importEntry
	rules    map[string]RuleInfo
	problems []ImportProblem
	warnings []string

	helperOf   map[string]string // rule name (file entry or base) -> helper
	inProgress map[string]bool
	usedNames  map[string]bool
	blocks     []string // generated Rego, in order
	usesBase   bool
	usesOslo   bool
	line       int // the entry being translated, for messages
	rule       string
}

// ImportOslo translates an oslo.policy overrides file (YAML or JSON,
// "rule name": "check string") into a Rego file of overrides for the set
// whose rules are rules (Engine.Describe). Every entry that names a rule of
// the set becomes override["<name>"]; entries that redefine Manila's base
// rules (context_is_admin, project-member, ...) change every rule that uses
// them, as in oslo.policy, so each default rule whose check string uses one
// is overridden too, re-translated with the new definition. Other entries
// are rules the file's own rules refer to. Unknown rule names and
// unparsable check strings fail the import with their line numbers.
func ImportOslo(src []byte, rules []RuleInfo, opts ImportOptions) (*ImportResult, error) {
	if opts.Source == "" {
		opts.Source = "policy.yaml"
	}
	g := &importer{
		source:     opts.Source,
		entries:    map[string]*importEntry{},
		rules:      map[string]RuleInfo{},
		helperOf:   map[string]string{},
		inProgress: map[string]bool{},
		usedNames:  map[string]bool{},
	}
	for _, r := range rules {
		g.rules[r.Name] = r
	}
	if err := g.read(src); err != nil {
		return nil, err
	}

	// Which entries are known: rules of the set, base rules, and rules that
	// other entries use.
	referenced := map[string]bool{}
	for _, e := range g.order {
		if e.node != nil {
			for _, r := range ruleRefs(e.node) {
				referenced[r] = true
			}
		}
	}
	var overrides []*importEntry
	for _, e := range g.order {
		_, isRule := g.rules[e.name]
		_, isBase := manilaBaseRules[e.name]
		switch {
		case isRule:
			overrides = append(overrides, e)
		case isBase || referenced[e.name]:
		case opts.SkipUnknown:
			g.warnings = append(g.warnings, fmt.Sprintf("line %d: skipped %q: manilite has no rule of that name", e.line, e.name))
		default:
			g.problem(e.line, e.name, "manilite has no rule of that name, and no entry of this file uses it (a typo? --skip-unknown skips such entries)")
		}
	}
	if len(g.problems) > 0 {
		return nil, g.err()
	}

	var names []string
	for _, e := range overrides {
		g.override(e.name, e.check, e.node, fmt.Sprintf("%s:%d", g.source, e.line), e.line)
		names = append(names, e.name)
	}
	if e, ok := g.entries[ContextIsAdminRule]; ok {
		g.warnings = append(g.warnings, fmt.Sprintf("line %d: context_is_admin: who is admin changes everywhere: the rules that use rule:context_is_admin or is_admin:True, "+
			"and the handlers' project scoping, admin-only fields and all_tenants, follow the new definition", e.line))
	}
	// Defaults that use a redefined base rule change with it.
	var redefined []string
	for _, e := range g.order {
		if _, ok := manilaBaseRules[e.name]; ok {
			redefined = append(redefined, e.name)
		}
	}
	if len(redefined) > 0 {
		var defaults []string
		for name := range g.rules {
			if _, ok := g.entries[name]; !ok {
				defaults = append(defaults, name)
			}
		}
		sort.Strings(defaults)
		for _, name := range defaults {
			r := g.rules[name]
			if r.CheckString == "" {
				e := g.entries[redefined[0]]
				g.problem(e.line, name, fmt.Sprintf("its rule is Rego, not a check string, so the import cannot tell whether it uses %s, which this file redefines; add an entry for %s",
					quoteAll(redefined), name))
				continue
			}
			node, err := parseCheckString(r.CheckString)
			if err != nil {
				g.problem(0, name, fmt.Sprintf("its check string %q: %v", r.CheckString, err))
				continue
			}
			uses := g.usesEntries(node, map[string]bool{})
			if len(uses) == 0 {
				continue
			}
			line := g.entries[uses[0]].line
			g.override(name, r.CheckString, node,
				fmt.Sprintf("the default of %s, with %s as redefined in %s", name, quoteAll(uses), g.source), line)
			names = append(names, name)
		}
	}
	if len(g.problems) > 0 {
		return nil, g.err()
	}
	if len(names) == 0 {
		return nil, &ImportError{Source: g.source, Problems: []ImportProblem{{Line: 1, Message: "the file overrides no rule of manilite"}}}
	}
	sort.Strings(names)

	var b strings.Builder
	fmt.Fprintf(&b, "# Code generated by `manilite policy import` from %s. Each override\n", g.source)
	b.WriteString("# replaces the default rule of the same name, as a policy.yaml entry does\n")
	b.WriteString("# in Manila; the METADATA above it keeps the check string it came from.\n")
	b.WriteString("# Edit the Rego freely, or edit the policy.yaml and import it again.\n")
	b.WriteString("package manila.rules\n\n")
	if g.usesBase {
		b.WriteString("import data.manila.base\n")
	}
	if g.usesOslo {
		b.WriteString("import data.manila.oslo\n")
	}
	for _, block := range g.blocks {
		b.WriteString("\n")
		b.WriteString(block)
	}
	out, err := format.SourceWithOpts(g.source+".rego", []byte(b.String()), format.Opts{RegoVersion: ast.RegoV1, ParserOptions: &parserOptions})
	if err != nil {
		return nil, fmt.Errorf("policy: the generated Rego does not parse (a bug): %w\n%s", err, b.String())
	}
	return &ImportResult{Rego: out, Overrides: names, Warnings: g.warnings}, nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "rule:" + n
	}
	return strings.Join(q, ", ")
}

func (g *importer) problem(line int, rule, msg string) {
	g.problems = append(g.problems, ImportProblem{Line: line, Rule: rule, Message: msg})
}

func (g *importer) err() error {
	sort.SliceStable(g.problems, func(i, j int) bool { return g.problems[i].Line < g.problems[j].Line })
	return &ImportError{Source: g.source, Problems: g.problems}
}

// read parses the file: a YAML (or JSON) mapping of rule names to check
// strings, keeping each entry's line.
func (g *importer) read(src []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line := 1
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			_, _ = fmt.Sscan(m[1], &line)
		}
		return &ImportError{Source: g.source, Problems: []ImportProblem{{Line: line, Message: "not YAML or JSON: " + err.Error()}}}
	}
	if len(doc.Content) == 0 {
		return &ImportError{Source: g.source, Problems: []ImportProblem{{Line: 1, Message: "the file holds no rules"}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return &ImportError{Source: g.source, Problems: []ImportProblem{{Line: root.Line, Message: "want a mapping of rule names to check strings"}}}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" && k.Tag != "" {
			g.problem(k.Line, "", fmt.Sprintf("the rule name %q is not a string", k.Value))
			continue
		}
		name := k.Value
		if prev, dup := g.entries[name]; dup {
			g.problem(k.Line, name, fmt.Sprintf("defined twice (first at line %d)", prev.line))
			continue
		}
		e := &importEntry{name: name, line: v.Line}
		switch {
		case v.Kind == yaml.SequenceNode:
			g.problem(v.Line, name, "the list syntax of old policy.json files is not supported: write a check string")
			continue
		case v.Kind != yaml.ScalarNode || v.Tag != "!!str":
			g.problem(v.Line, name, fmt.Sprintf("the check string must be a string, not %s", strings.TrimPrefix(v.ShortTag(), "!!")))
			continue
		}
		e.check = v.Value
		node, err := parseCheckString(v.Value)
		if err != nil {
			g.problem(v.Line, name, fmt.Sprintf("cannot parse %q: %v", v.Value, err))
			continue
		}
		e.node = node
		if strings.TrimSpace(v.Value) == "" {
			g.warnings = append(g.warnings, fmt.Sprintf("line %d: %s: the empty check string allows everyone (as \"@\")", v.Line, name))
		}
		g.entries[name] = e
		g.order = append(g.order, e)
	}
	if len(g.problems) > 0 {
		return g.err()
	}
	return nil
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// usesEntries lists the entries of the file that node uses, directly or
// through base rules, sorted.
func (g *importer) usesEntries(node checkNode, seen map[string]bool) []string {
	found := map[string]bool{}
	var walk func(checkNode)
	walk = func(n checkNode) {
		// is_admin:True needs no re-translation when context_is_admin is
		// redefined: input.caller.is_admin is that rule's answer
		// (Engine.ContextIsAdmin), as Manila's context.is_admin is.
		for _, ref := range ruleRefs(n) {
			if seen[ref] {
				continue
			}
			seen[ref] = true
			if _, ok := g.entries[ref]; ok {
				found[ref] = true
				continue
			}
			if def, ok := manilaBaseRules[ref]; ok {
				if sub, err := parseCheckString(def); err == nil {
					walk(sub)
				}
			}
		}
	}
	walk(node)
	var out []string
	for n := range found {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// override emits override["name"]: for an entry of the file, its check
// string; for a default that uses a redefined base rule, its default check
// string (node) translated with the new definitions.
func (g *importer) override(name, check string, node checkNode, source string, line int) {
	g.line, g.rule = line, name
	var helper string
	if _, ok := g.entries[name]; ok {
		h, ok := g.ruleExpr(name)
		if !ok {
			return
		}
		helper = h
	} else {
		helper = g.freshName(name)
		ds, ok := g.disjuncts(node, helper)
		if !ok {
			return
		}
		g.blocks = append(g.blocks, ruleText(helper, ds))
	}
	meta, _ := json.Marshal(check)
	src, _ := json.Marshal(source)
	key, _ := json.Marshal(name)
	g.blocks = append(g.blocks, fmt.Sprintf("# METADATA\n# custom:\n#   check_string: %s\n#   source: %s\noverride[%s] := %s\n",
		meta, src, key, helper))
}

// freshName is a Rego rule name for the helper of rule name, unused so far.
func (g *importer) freshName(name string) string {
	base := "imported_" + strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(name), "_"), "_")
	cand := base
	for i := 2; g.usedNames[cand]; i++ {
		cand = fmt.Sprintf("%s_%d", base, i)
	}
	g.usedNames[cand] = true
	return cand
}

var nonIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// ruleText is a boolean Rego rule that is true when any of the
// conjunctions ds holds: a default false and one body per conjunction.
func ruleText(name string, ds [][]string) string {
	for _, d := range ds {
		if len(d) == 0 {
			return fmt.Sprintf("%s := true\n", name)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "default %s := false\n", name)
	for _, d := range ds {
		fmt.Fprintf(&b, "\n%s if {\n", name)
		for _, e := range d {
			fmt.Fprintf(&b, "\t%s\n", e)
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// helper emits a helper rule for ds and returns its name.
func (g *importer) helper(ctx string, ds [][]string) string {
	name := g.freshName(ctx)
	g.blocks = append(g.blocks, ruleText(name, ds))
	return name
}

// disjuncts translates node into a disjunction of conjunctions of Rego
// expressions, each of which holds exactly when it is true. Composite
// parts that do not flatten (an or inside an and, a not of a composite)
// become helper rules named after ctx. ok is false after a problem.
func (g *importer) disjuncts(node checkNode, ctx string) ([][]string, bool) {
	switch n := node.(type) {
	case trueCheck:
		return [][]string{{}}, true
	case falseCheck:
		return nil, true
	case orCheck:
		var out [][]string
		for _, c := range n {
			ds, ok := g.disjuncts(c, ctx)
			if !ok {
				return nil, false
			}
			out = append(out, ds...)
		}
		return out, true
	case andCheck:
		var conj []string
		for _, c := range n {
			ds, ok := g.disjuncts(c, ctx)
			if !ok {
				return nil, false
			}
			switch len(ds) {
			case 0:
				return nil, true // false and anything is false
			case 1:
				conj = append(conj, ds[0]...)
			default:
				conj = append(conj, g.helper(ctx, ds))
			}
		}
		return [][]string{conj}, true
	case notCheck:
		ds, ok := g.disjuncts(n.check, ctx)
		if !ok {
			return nil, false
		}
		switch {
		case len(ds) == 0:
			return [][]string{{}}, true
		case len(ds) == 1 && len(ds[0]) == 0:
			return nil, true
		case len(ds) == 1 && len(ds[0]) == 1 && strings.HasPrefix(ds[0][0], "not "):
			// Rego has no "not not": not(not x) is x.
			return [][]string{{strings.TrimPrefix(ds[0][0], "not ")}}, true
		case len(ds) == 1 && len(ds[0]) == 1:
			return [][]string{{"not " + ds[0][0]}}, true
		}
		return [][]string{{"not " + g.helper(ctx, ds)}}, true
	case ruleCheck:
		expr, ok := g.ruleExpr(n.name)
		if !ok {
			return nil, false
		}
		return [][]string{{expr}}, true
	case roleCheck:
		if lit, ok := n.match.literal(); ok {
			return [][]string{{fmt.Sprintf("%s in input.caller.roles", quote(strings.ToLower(lit)))}}, true
		}
		g.usesOslo = true
		return [][]string{{fmt.Sprintf("oslo.role(input, %s)", templateParts(n.match))}}, true
	case genericCheck:
		return [][]string{{g.genericExpr(n)}}, true
	}
	panic(fmt.Sprintf("policy: unknown check node %T", node))
}

// ruleExpr is the Rego expression for rule:name: the helper of an entry of
// the file, a base rule (translated from its check string when it uses a
// redefined rule), or a rule of the set.
func (g *importer) ruleExpr(name string) (string, bool) {
	if h, ok := g.helperOf[name]; ok {
		return h, true
	}
	if g.inProgress[name] {
		g.problem(g.line, g.rule, fmt.Sprintf("rule:%s refers to itself (through other rules)", name))
		return "", false
	}
	var node checkNode
	if e, ok := g.entries[name]; ok {
		node = e.node
		// Problems inside it are reported at its line.
		line, rule := g.line, g.rule
		g.line, g.rule = e.line, e.name
		defer func() { g.line, g.rule = line, rule }()
	} else if def, ok := manilaBaseRules[name]; ok {
		parsed, err := parseCheckString(def)
		if err != nil {
			panic(err) // the table is ours
		}
		if len(g.usesEntries(parsed, map[string]bool{})) == 0 {
			if rego, ok := manilaBaseRego[name]; ok {
				g.usesBase = true
				return rego, true
			}
		}
		node = parsed
	} else if _, ok := g.rules[name]; ok {
		return fmt.Sprintf("rule[%s] == true", quote(name)), true
	} else {
		g.problem(g.line, g.rule, fmt.Sprintf("rule:%s: no such rule (neither a rule of manilite, nor a Manila base rule, nor an entry of this file)", name))
		return "", false
	}
	g.inProgress[name] = true
	defer delete(g.inProgress, name)
	helper := g.freshName(name)
	ds, ok := g.disjuncts(node, helper)
	if !ok {
		return "", false
	}
	g.blocks = append(g.blocks, ruleText(helper, ds))
	g.helperOf[name] = helper
	return helper, true
}

// templateParts is a template as the parts argument of the helpers in
// oslo.rego: ["text", s] and ["field", name].
func templateParts(t template) string {
	parts := make([]string, len(t))
	for i, p := range t {
		if p.key == "" {
			parts[i] = fmt.Sprintf("[\"text\", %s]", quote(p.text))
		} else {
			parts[i] = fmt.Sprintf("[\"field\", %s]", quote(p.key))
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// genericExpr translates kind:match. The frequent forms, on attributes the
// input always has, become plain comparisons; the rest call oslo.generic
// (or oslo.literal), which reproduce oslo.policy for missing attributes
// and fields too.
func (g *importer) genericExpr(n genericCheck) string {
	if n.literal != nil {
		g.usesOslo = true
		return fmt.Sprintf("oslo.literal(input, %s, %s)", quote(*n.literal), templateParts(n.match))
	}
	lit, isLit := n.match.literal()
	field, isField := n.match.field()
	switch n.kind {
	case "is_admin":
		if isLit && (lit == "True" || lit == "False") {
			// input.caller.is_admin is the rule context_is_admin, as the
			// set in force (and so this file) defines it.
			return fmt.Sprintf("input.caller.is_admin == %s", strings.ToLower(lit))
		}
	case "project_id", "user_id", "scope":
		// String attributes, printed as they are.
		if isField && (field == "project_id" || field == "user_id") {
			return fmt.Sprintf("input.caller.%s == input.target.%s", n.kind, field)
		}
		if isLit {
			return fmt.Sprintf("input.caller.%s == %s", n.kind, quote(lit))
		}
	}
	path := strings.Split(n.kind, ".")
	if !callerAttributes[path[0]] {
		g.warnings = append(g.warnings, fmt.Sprintf("line %d: %s: the caller has no attribute %q (it has user_id, project_id, roles, is_admin and scope), so %q is never true",
			g.line, g.rule, n.kind, n.kind+":..."))
	}
	g.usesOslo = true
	quoted := make([]string, len(path))
	for i, p := range path {
		quoted[i] = quote(p)
	}
	return fmt.Sprintf("oslo.generic(input, [%s], %s)", strings.Join(quoted, ", "), templateParts(n.match))
}

// quote is s as a Rego string literal (Rego strings are JSON strings).
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
