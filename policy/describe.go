package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// baseCheckStrings maps each rule of package manila.base to the oslo.policy
// check string that Manila writes where the Rego refers to it: a rule
// Manila registers under a name is "rule:<name>" (Rego names cannot hold
// '-', so project_member is "project-member"); the two composites are
// Manila's ADMIN_OR_PROJECT_MEMBER and ADMIN_OR_PROJECT_READER constants
// (manila/policies/base.py), which it writes out in full. admin_or_owner
// is written rule:default, the name Manila's rules use for it (default is
// rule:admin_or_owner), so that a policy.yaml redefining either reaches
// the rules built on it.
var baseCheckStrings = map[string]string{
	"context_is_admin":        "rule:context_is_admin",
	"admin_api":               "rule:admin_api",
	"admin_or_owner":          "rule:default",
	"project_admin":           "rule:project-admin",
	"project_member":          "rule:project-member",
	"project_reader":          "rule:project-reader",
	"owner_user":              "rule:owner-user",
	"admin_or_service_api":    "rule:admin_or_service_api",
	"admin_or_project_member": "(rule:context_is_admin) or (rule:project-member)",
	"admin_or_project_reader": "(rule:context_is_admin) or (rule:project-reader)",
	"same_project":            "project_id:%(project_id)s",
}

// Classes of rules: who Manila's default lets through, with the target
// being the caller's own project as Manila passes it.
const (
	// ClassAdmin: admins only (rule:context_is_admin, rule:admin_api).
	ClassAdmin = "admin"
	// ClassMember: admins and members of the project.
	ClassMember = "member"
	// ClassReader: admins, and members and readers of the project.
	ClassReader = "reader"
	// ClassOwner: admins and anyone of the project, whatever their roles
	// (rule:default, rule:admin_or_owner).
	ClassOwner = "owner"
)

var classOfCheckString = map[string]string{
	"rule:context_is_admin":                     ClassAdmin,
	"rule:admin_api":                            ClassAdmin,
	baseCheckStrings["admin_or_project_member"]: ClassMember,
	baseCheckStrings["admin_or_project_reader"]: ClassReader,
	"rule:admin_or_owner":                       ClassOwner,
	"rule:default":                              ClassOwner,
}

// ClassOf is the class of a check string, or "" for one that is none of
// Manila's usual defaults.
func ClassOf(checkString string) string { return classOfCheckString[checkString] }

// checkStringAnnotation is the custom METADATA key in which a rule records
// the oslo.policy check string it implements; `manilite policy import`
// writes it above every override.
const checkStringAnnotation = "check_string"

// Definition is one named rule as a file defines it.
type Definition struct {
	Name     string
	Override bool
	File     string
	Origin   string
	// Rego is the source text of the rule's definitions.
	Rego string
	// CheckString is the rule as an oslo.policy check string: read from
	// its value when that is a base rule (base.admin_or_project_member is
	// "(rule:context_is_admin) or (rule:project-member)"), or from a
	// check_string METADATA annotation; "" when neither tells.
	CheckString string
}

// RuleInfo describes one rule of the set in force.
type RuleInfo struct {
	// Definition is the rule in force: the override when there is one.
	Definition
	// Default is the default rule an override replaces, nil otherwise.
	Default *Definition
	// Class is ClassOf(CheckString).
	Class string
}

// Describe lists every rule of the set in force, sorted by name.
func (e *Engine) Describe() []RuleInfo {
	return append([]RuleInfo(nil), e.current.Load().describe()...)
}

// DescribeRule describes one rule; ok is false when the set has none of
// that name.
func (e *Engine) DescribeRule(name string) (RuleInfo, bool) {
	for _, r := range e.Describe() {
		if r.Name == name {
			return r, true
		}
	}
	return RuleInfo{}, false
}

func (c *compiled) describe() []RuleInfo {
	c.infosOnce.Do(func() { c.infos = c.describeRules() })
	return c.infos
}

func (c *compiled) describeRules() []RuleInfo {
	// The parsed modules, not the compiled ones: the compiler rewrites
	// rule["x"] := base.y into a body that assigns a local variable.
	var modules []*ast.Module
	for _, m := range c.set.rules {
		modules = append(modules, m)
	}
	annotations, _ := ast.BuildAnnotationSet(modules)
	type key struct {
		name     string
		override bool
	}
	defs := map[key]*Definition{}
	heads, _ := ruleHeads(c.set.rules)
	rulesOf := map[key][]*ast.Rule{}
	for _, h := range heads {
		k := key{h.name, h.override}
		d, ok := defs[k]
		if !ok {
			d = &Definition{Name: h.name, Override: h.override, File: h.file, Origin: c.set.origins[h.file]}
			defs[k] = d
		}
		rulesOf[k] = append(rulesOf[k], h.rule)
		if d.Rego != "" {
			d.Rego += "\n"
		}
		d.Rego += strings.TrimSpace(string(h.rule.Location.Text))
	}
	for k, d := range defs {
		d.CheckString = checkStringOf(c.set.rules[d.File], rulesOf[k], annotations)
	}
	var out []RuleInfo
	for _, name := range c.names {
		info := RuleInfo{}
		if o, ok := defs[key{name, true}]; ok {
			info.Definition = *o
			info.Default = defs[key{name, false}]
		} else {
			info.Definition = *defs[key{name, false}]
		}
		info.Class = ClassOf(info.CheckString)
		out = append(out, info)
	}
	return out
}

// checkStringOf reads the check string of a rule (defined by rules, in
// module) from its annotation, or from its value when it is a single
// unconditional definition whose value is a base rule or a boolean.
func checkStringOf(module *ast.Module, rules []*ast.Rule, annotations *ast.AnnotationSet) string {
	for _, r := range rules {
		for _, a := range annotations.GetRuleScope(r) {
			if s, ok := a.Custom[checkStringAnnotation].(string); ok {
				return s
			}
		}
	}
	if len(rules) != 1 {
		return ""
	}
	r := rules[0]
	if !r.Body.Equal(ast.NewBody(ast.NewExpr(ast.BooleanTerm(true)))) || r.Head.Value == nil {
		return ""
	}
	switch v := r.Head.Value.Value.(type) {
	case ast.Boolean:
		if v {
			return "@"
		}
		return "!"
	case ast.Ref:
		v = resolveImport(module, v)
		base := ast.MustParseRef("data.manila.base")
		if len(v) == len(base)+1 && v.HasPrefix(base) {
			if name, ok := v[len(base)].Value.(ast.String); ok {
				return baseCheckStrings[string(name)]
			}
		}
	}
	return ""
}

// resolveImport turns a ref that starts with an import's alias (base.x,
// with import data.manila.base) into the full ref (data.manila.base.x).
func resolveImport(module *ast.Module, ref ast.Ref) ast.Ref {
	head, ok := ref[0].Value.(ast.Var)
	if !ok || head == "data" || head == "input" {
		return ref
	}
	for _, imp := range module.Imports {
		path, ok := imp.Path.Value.(ast.Ref)
		if !ok || len(path) == 0 {
			continue
		}
		alias := imp.Alias
		if alias == "" {
			last, ok := path[len(path)-1].Value.(ast.String)
			if !ok {
				continue
			}
			alias = ast.Var(last)
		}
		if alias == head {
			return path.Concat(ref[1:])
		}
	}
	return ref
}

// Explanation is a decision with the reasons for it.
type Explanation struct {
	Decision Decision
	// Document is the input document the rules saw.
	Document map[string]any
	// Rule is the rule in force for the action; nil when there is none.
	Rule *RuleInfo
	// Scope is the caller's token scope; ScopeRefused is true when the
	// decision is a refusal for that alone.
	Scope        string
	ScopeRefused bool
	// Value is the rule's value for the input; ValueDefined is false when
	// the rule has no value for it (which refuses).
	Value        any
	ValueDefined bool
	// Base holds the value of every rule of package manila.base for the
	// input.
	Base map[string]any
}

// TrueBaseRules lists the base rules that are true for the input, sorted.
func (x *Explanation) TrueBaseRules() []string {
	var out []string
	for name, v := range x.Base {
		if v == true {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Explain decides in on the set in force, and also evaluates the rule's
// value and every base rule, for `manilite policy eval`. It logs nothing.
func (e *Engine) Explain(ctx context.Context, in Input) (*Explanation, error) {
	c := e.current.Load()
	x := &Explanation{Scope: in.Caller.EffectiveScope()}
	var err error
	if x.Document, err = InputDocument(in); err != nil {
		return nil, err
	}
	input, err := inputValue(in)
	if err != nil {
		return nil, err
	}
	eval := func(query string) (any, bool, error) {
		rs, err := rego.New(rego.Query(query), rego.Compiler(c.compiler), rego.ParsedInput(input)).Eval(ctx)
		if err != nil {
			return nil, false, err
		}
		if len(rs) != 1 || len(rs[0].Expressions) != 1 {
			return nil, false, nil
		}
		return rs[0].Expressions[0].Value, true, nil
	}
	base, _, err := eval("data.manila.base")
	if err != nil {
		return nil, fmt.Errorf("policy: evaluate the base rules: %w", err)
	}
	x.Base, _ = base.(map[string]any)

	x.Decision = Decision{Hash: c.set.hash}
	q, override := c.query(in.Action)
	if q == nil {
		return x, nil
	}
	x.Decision.Defined = true
	for _, r := range c.describe() {
		if r.Name == in.Action {
			x.Rule = &r
			break
		}
	}
	query := ruleQuery
	if override {
		query = overrideQuery
	}
	if x.Value, x.ValueDefined, err = eval(query); err != nil {
		return nil, fmt.Errorf("policy: evaluate %s: %w", in.Action, err)
	}
	if x.Scope != ScopeProject {
		x.ScopeRefused = true
		return x, nil
	}
	x.Decision.Allowed = x.Value == true
	return x, nil
}
