package policy

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// The fast path: each rule specialised by OPA's partial evaluation, with
// the input unknown, then compiled to Go.
//
// Manila's rules are chains of small boolean rules (share:get is
// base.admin_or_project_reader, which is context_is_admin or
// project_reader, ...), and evaluating each link costs about as much as
// the whole question. Partial evaluation keeps rules with a default (all
// of base.rego's) as separate rules, so specialise also inlines those whose
// default is false and whose every other definition is true: asking
// whether such a rule is true is asking whether one of its bodies holds.
// What is left is a handful of bodies over the input, such as
//
//	internal.member_2("admin", input.caller.roles)
//	internal.member_2("reader", input.caller.roles); neq(input.caller.project_id, ""); input.caller.project_id = input.target.project_id
//
// compileProgram (fastprog.go) turns those into a program that Decide runs
// over the Input's fields directly, without building OPA's input document
// or calling OPA at all: a fraction of a microsecond. A residue with a
// term the compiler does not know is instead compiled by OPA and evaluated
// as a prepared query (about half the cost of the general one). A rule
// that could conflict (below), or whose residue cannot be built, takes the
// general query; so does a decision on a compiled rule whose target has a
// field of a type the programs do not read (simpleFields), which is rare
// enough not to keep a residue query for.
//
// Each rule's fast path is built on first use of its name, from the
// compiled set, so a reload (Engine.Replace) starts afresh; it is only ever
// a faster way to the same answer: TestDecideAgreesWithFullEvaluation
// compares it with a plain evaluation for every rule, and fails if a
// default rule is not decided by a program.

// fastQuery is a rule's fast path: a program, or else OPA's prepared
// residue; nil when the general query must be used.
type fastQuery struct {
	prog *program
	q    *rego.PreparedEvalQuery
}

// fastSlot holds the fast path of one rule in force, built once.
type fastSlot struct {
	once sync.Once
	fq   *fastQuery
}

// entry is the rule in force for a name: the override if there is one.
type entry struct {
	override bool
	fast     fastSlot
}

// maxFastBodies bounds the bodies inlining may produce: past it, the rule
// stays a reference.
const maxFastBodies = 32

// fast returns the fast path of the rule in force for name, building it
// on first use; nil when there is no such rule or it takes the general
// query.
func (c *compiled) fast(ctx context.Context, name string) *fastQuery {
	ent := c.entries[name]
	if ent == nil {
		return nil
	}
	return c.fastOf(ctx, name, ent)
}

func (c *compiled) fastOf(ctx context.Context, name string, ent *entry) *fastQuery {
	ent.fast.once.Do(func() {
		obj := rulesObject
		if ent.override {
			obj = overrideObject
		}
		if !c.conflictFree(rulesPackage.Extend(ast.Ref{ast.VarTerm(obj), ast.StringTerm(name)})) {
			return
		}
		// Not cancelled with the request that happens to build it: the
		// answer is kept for every later one.
		fq, err := c.specialise(context.WithoutCancel(ctx), name, ent.override)
		if err == nil {
			ent.fast.fq = fq
		}
	})
	return ent.fast.fq
}

// specialise builds the fast path of "is rule name true?", over the input
// alone.
func (c *compiled) specialise(ctx context.Context, name string, override bool) (*fastQuery, error) {
	obj := rulesObject
	if override {
		obj = overrideObject
	}
	query := fmt.Sprintf("data.manila.rules.%s[%s] == true", obj, strconv.Quote(name))
	pq, err := rego.New(rego.Query(query), rego.Compiler(c.compiler), rego.Unknowns([]string{"input"})).Partial(ctx)
	if err != nil {
		return nil, err
	}
	support := map[string][]*ast.Rule{}
	for _, m := range pq.Support {
		for _, r := range m.Rules {
			path := m.Package.Path.Extend(r.Head.Ref()).String()
			support[path] = append(support[path], r)
		}
	}
	in := &inliner{support: support}
	var bodies []ast.Body
	for _, q := range pq.Queries {
		bodies = append(bodies, in.expand(q, 0)...)
		if len(bodies) > maxFastBodies {
			return nil, fmt.Errorf("policy: %s: too many bodies to specialise", name)
		}
	}
	if prog, err := compileProgram(bodies, in); err == nil {
		return &fastQuery{prog: prog}, nil
	}

	pkg := ast.MustParseRef("data.manila.fast")
	mod := &ast.Module{Package: &ast.Package{Path: pkg}}
	for _, b := range bodies {
		if len(b) == 0 {
			b = ast.NewBody(ast.NewExpr(ast.BooleanTerm(true)))
		}
		mod.Rules = append(mod.Rules, &ast.Rule{Head: ast.NewHead("allow", nil, ast.BooleanTerm(true)), Body: b, Module: mod})
	}
	modules := map[string]*ast.Module{"fast.rego": mod}
	for i, m := range pq.Support {
		modules[fmt.Sprintf("support%d.rego", i)] = m
	}
	// The residue may only use the input and its own support rules: a
	// reference left to the set's rules would be undefined here, and
	// refuse where the set allows.
	var stray ast.Ref
	for _, m := range modules {
		for _, rule := range m.Rules {
			ast.WalkRefs(rule, func(r ast.Ref) bool {
				if r[0].Equal(ast.DefaultRootDocument) && !r.HasPrefix(partialRoot) && stray == nil {
					stray = r
				}
				return false
			})
		}
	}
	if stray != nil {
		return nil, fmt.Errorf("policy: %s: the specialised query refers to %s", name, stray)
	}
	compiler, err := compileModules(modules)
	if err != nil {
		return nil, err
	}
	prepared, err := rego.New(rego.Query("data.manila.fast.allow"), rego.Compiler(compiler)).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	return &fastQuery{q: &prepared}, nil
}

// inliner expands references to boolean support rules into their bodies.
type inliner struct {
	support map[string][]*ast.Rule
	renames int
}

// trueBodies returns the bodies of a rule at path when it is a boolean rule
// that is false by default and true by each of its other definitions; ok is
// false for any other rule.
func (in *inliner) trueBodies(path string) ([]ast.Body, bool) {
	rules := in.support[path]
	if len(rules) == 0 {
		return nil, false
	}
	var bodies []ast.Body
	for _, r := range rules {
		if len(r.Head.Args) > 0 || r.Else != nil || r.Head.Value == nil {
			return nil, false
		}
		v, isBool := r.Head.Value.Value.(ast.Boolean)
		if !isBool {
			return nil, false
		}
		if r.Default {
			if v {
				return nil, false
			}
			continue
		}
		if !v {
			return nil, false
		}
		bodies = append(bodies, r.Body)
	}
	return bodies, true
}

// truthRef returns the ref an expression asks to be true: a bare ref, or
// ref = true; nil for anything else, including a negation or a with.
func truthRef(e *ast.Expr) ast.Ref {
	if e.Negated || len(e.With) > 0 || e.Generated {
		return nil
	}
	if t, ok := e.Terms.(*ast.Term); ok {
		if r, ok := t.Value.(ast.Ref); ok {
			return r
		}
		return nil
	}
	if !e.IsEquality() {
		return nil
	}
	terms := e.Terms.([]*ast.Term)
	a, b := terms[1], terms[2]
	if b.Value.Compare(ast.Boolean(true)) == 0 {
		a, b = b, a
	}
	if a.Value.Compare(ast.Boolean(true)) != 0 {
		return nil
	}
	r, _ := b.Value.(ast.Ref)
	return r
}

// expand returns the bodies equivalent to body once every inlinable rule it
// asks to be true is replaced by its bodies.
func (in *inliner) expand(body ast.Body, depth int) []ast.Body {
	out := []ast.Body{{}}
	for _, e := range body {
		var alts []ast.Body
		if ref := truthRef(e); ref != nil && depth < 16 {
			if bodies, ok := in.trueBodies(ref.String()); ok {
				for _, b := range bodies {
					alts = append(alts, in.expand(in.rename(b), depth+1)...)
				}
				if len(alts) == 0 { // a rule with no true body is never true
					return nil
				}
				if len(out)*len(alts) > maxFastBodies {
					alts = nil
				}
			}
		}
		if alts == nil {
			alts = []ast.Body{{e}}
		}
		next := make([]ast.Body, 0, len(out)*len(alts))
		for _, o := range out {
			for _, a := range alts {
				joined := make(ast.Body, 0, len(o)+len(a))
				joined = append(joined, o...)
				joined = append(joined, a...)
				next = append(next, joined)
			}
		}
		out = next
	}
	return out
}

// rename copies body with its variables renamed, so that two bodies
// inlined into one do not share a variable by accident.
func (in *inliner) rename(body ast.Body) ast.Body {
	in.renames++
	suffix := fmt.Sprintf("__fast%d", in.renames)
	cp := body.Copy()
	// Only the body's variables: not the heads of refs (input, data) nor
	// of calls (internal.member_2, equal).
	vis := ast.NewVarVisitor().WithParams(ast.VarVisitorParams{SkipRefHead: true, SkipRefCallHead: true})
	vis.Walk(cp)
	vars := vis.Vars()
	if len(vars) == 0 {
		return cp
	}
	renamed, err := ast.TransformVars(cp, func(v ast.Var) (ast.Value, error) {
		if !vars.Contains(v) {
			return v, nil
		}
		return ast.Var(string(v) + suffix), nil
	})
	if err != nil {
		return cp
	}
	return renamed.(ast.Body)
}

// Partial evaluation assumes that rules do not conflict: where a complete
// rule (or a function) has two definitions that give different values for
// one input, a full evaluation fails (and the request is refused), while
// the specialised query may just pick one. So the fast path is only taken
// for a rule when it, and every rule it uses, cannot conflict by its shape:
// a single definition whose value does not depend on the body's variables,
// or several that all give the same constant (true, in base.rego), beside
// any default. Functions, partial objects and sets, and references that do
// not name a rule take the general query.

// conflictFree reports whether the rule at path, and every rule it uses,
// has one of those shapes.
func (c *compiled) conflictFree(path ast.Ref) bool {
	c.safetyOnce.Do(c.indexRules)
	c.safetyMu.Lock()
	defer c.safetyMu.Unlock()
	return c.conflictFreeLocked(path.String(), map[string]bool{})
}

func (c *compiled) conflictFreeLocked(path string, visiting map[string]bool) bool {
	if ok, done := c.safe[path]; done {
		return ok
	}
	if visiting[path] {
		return true // a cycle is a compile error; be safe anyway below
	}
	visiting[path] = true
	defs, ok := c.definitions[path]
	ok = ok && conflictFreeShape(defs)
	if ok {
		for _, dep := range c.uses[path] {
			if !c.conflictFreeLocked(dep, visiting) {
				ok = false
				break
			}
		}
	}
	c.safe[path] = ok
	return ok
}

// indexRules records each rule's definitions (as written) and the rules it
// uses (from the compiled modules, where references are resolved), by
// path. A reference that names no rule path maps to itself, which has no
// definitions and so is not conflict-free.
func (c *compiled) indexRules() {
	c.definitions = map[string][]*ast.Rule{}
	c.uses = map[string][]string{}
	c.safe = map[string]bool{}
	for _, m := range c.set.rules {
		for _, r := range m.Rules {
			path := m.Package.Path.Extend(r.Head.Ref()).String()
			c.definitions[path] = append(c.definitions[path], r)
		}
	}
	for _, m := range c.compiler.Modules {
		for _, r := range m.Rules {
			path := m.Package.Path.Extend(r.Head.Ref()).String()
			seen := map[string]bool{}
			ast.WalkRefs(r, func(ref ast.Ref) bool {
				if !ref[0].Equal(ast.DefaultRootDocument) {
					return false
				}
				dep := c.rulePath(ref)
				if !seen[dep] {
					seen[dep] = true
					c.uses[path] = append(c.uses[path], dep)
				}
				return false
			})
		}
	}
}

// rulePath is the path of the rule ref refers to: its longest prefix that
// names a rule, or the whole ref.
func (c *compiled) rulePath(ref ast.Ref) string {
	for n := len(ref); n > 1; n-- {
		if p := ref[:n].String(); c.definitions[p] != nil {
			return p
		}
	}
	return ref.String()
}

// conflictFreeShape reports whether the definitions of one rule cannot
// give two values for one input.
func conflictFreeShape(defs []*ast.Rule) bool {
	var values []*ast.Term
	for _, d := range defs {
		if len(d.Head.Args) > 0 || d.Head.Value == nil || !d.Head.Ref().IsGround() {
			return false // a function, a partial set, or a partial object
		}
		if d.Default {
			continue
		}
		values = append(values, d.Head.Value)
		if !valueFixed(d) {
			return false
		}
		for e := d.Else; e != nil; e = e.Else {
			if e.Head.Value == nil || !valueFixed(e) {
				return false
			}
		}
	}
	if len(values) <= 1 {
		return true
	}
	for _, v := range values {
		if !ast.IsConstant(v.Value) || !v.Equal(values[0]) {
			return false
		}
	}
	return true
}

// valueFixed reports whether a rule's value uses no variable of its body,
// so that every way the body succeeds gives the same value. (A name in the
// value that the body does not bind is another rule, or an import.)
func valueFixed(r *ast.Rule) bool {
	params := ast.VarVisitorParams{SkipRefHead: true, SkipRefCallHead: true}
	inValue := ast.NewVarVisitor().WithParams(params)
	inValue.Walk(r.Head.Value)
	if len(inValue.Vars()) == 0 {
		return true
	}
	inBody := ast.NewVarVisitor().WithParams(params)
	inBody.Walk(r.Body)
	return len(inValue.Vars().Intersect(inBody.Vars())) == 0
}
