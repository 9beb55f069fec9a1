package policy

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
)

// A program is the residue of a rule's partial evaluation (fastpath.go)
// compiled to Go: a list of bodies, true when one holds, each a list of
// conditions over the fields of an Input, read in place. It knows the
// shapes Manila's rules leave and nothing more: equality and inequality
// (=, ==, !=) of scalars read from the input document or written as
// constants, "x in input.caller.roles" and "input.caller.roles[_] == x",
// "x in" a constant array or set, the truth of a value, negation, and
// references to the boolean support rules partial evaluation kept. Any
// other term makes compileProgram fail, and the rule keeps OPA's
// evaluation of the residue.
//
// Each reading mirrors inputValue, the document OPA is given: a field the
// document lacks is undefined, roles are compared lower-cased, a target
// field is a string, a boolean, an integer or null (Decide takes OPA's path
// for a target with fields of any other type).

type program struct {
	bodies [][]cond
}

// eval reports whether one of the program's bodies holds for in.
func (p *program) eval(in *Input) bool {
	for _, b := range p.bodies {
		if holds(b, in) {
			return true
		}
	}
	return false
}

func holds(body []cond, in *Input) bool {
	for i := range body {
		if !body[i].eval(in) {
			return false
		}
	}
	return true
}

type condOp uint8

const (
	// opTruthy: a is defined and not false (an expression that is a term).
	opTruthy condOp = iota
	// opEqual: a and b are defined and equal; opNotEqual: defined and not.
	opEqual
	opNotEqual
	// opRole: a is one of the caller's roles (internal.member_2).
	opRole
	// opAnyRole: some role r of the caller has r == a (or r != a, with
	// notEqual): input.caller.roles[_] == a.
	opAnyRole
	// opIn: a is one of set (internal.member_2 with a constant).
	opIn
	// opRule: the support rule is true.
	opRule
)

// cond is one expression of a body.
type cond struct {
	op       condOp
	negated  bool
	notEqual bool // opAnyRole compares with !=
	a, b     operand
	set      []value
	rule     *program
}

func (c *cond) eval(in *Input) bool {
	var ok bool
	switch c.op {
	case opTruthy:
		v := c.a.read(in)
		ok = v.k != kUndefined && (v.k != kBool || v.b)
	case opEqual, opNotEqual:
		a, b := c.a.read(in), c.b.read(in)
		ok = a.k != kUndefined && b.k != kUndefined && a.equal(b) == (c.op == opEqual)
	case opRole:
		if v := c.a.read(in); v.k == kString {
			for _, r := range in.Caller.Roles {
				if lowerIs(r, v.s) {
					ok = true
					break
				}
			}
		}
	case opAnyRole:
		if v := c.a.read(in); v.k != kUndefined {
			for _, r := range in.Caller.Roles {
				// A role, lower-cased, is a string: it equals only a string.
				if (v.k == kString && lowerIs(r, v.s)) != c.notEqual {
					ok = true
					break
				}
			}
		}
	case opIn:
		if v := c.a.read(in); v.k != kUndefined {
			for _, s := range c.set {
				if v.equal(s) {
					ok = true
					break
				}
			}
		}
	case opRule:
		ok = c.rule.eval(in)
	}
	return ok != c.negated
}

// lowerIs reports whether strings.ToLower(r) == s, without building the
// lower-cased string when r is ASCII.
func lowerIs(r, s string) bool {
	for i := 0; i < len(r); i++ {
		b := r[i]
		if b >= utf8.RuneSelf {
			// The ASCII prefix matched; what follows may change length.
			return strings.ToLower(r) == s
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if i >= len(s) || s[i] != b {
			return false
		}
	}
	return len(r) == len(s)
}

type kind uint8

const (
	kUndefined kind = iota
	kNull
	kBool
	kString
	kInt
)

// value is a scalar of the input document, or a constant.
type value struct {
	k kind
	b bool
	s string
	i int64
}

// equal is ast.Compare(a, b) == 0 for defined scalars.
func (a value) equal(b value) bool {
	if a.k != b.k {
		return false
	}
	switch a.k {
	case kBool:
		return a.b == b.b
	case kString:
		return a.s == b.s
	case kInt:
		return a.i == b.i
	}
	return true // null, or both undefined
}

type source uint8

const (
	srcConst source = iota
	srcUndefined
	srcAction
	srcCallerUserID
	srcCallerProjectID
	srcCallerIsAdmin
	srcCallerScope
	srcTargetProjectID
	srcTargetUserID
	srcTargetField
	srcMethod
	srcPath
	srcMicroversion
)

// operand is a scalar read from the input, or a constant.
type operand struct {
	src  source
	val  value  // srcConst
	name string // srcTargetField
}

func (o *operand) read(in *Input) value {
	switch o.src {
	case srcConst:
		return o.val
	case srcAction:
		return value{k: kString, s: in.Action}
	case srcCallerUserID:
		return value{k: kString, s: in.Caller.UserID}
	case srcCallerProjectID:
		return value{k: kString, s: in.Caller.ProjectID}
	case srcCallerIsAdmin:
		return value{k: kBool, b: in.Caller.Admin}
	case srcCallerScope:
		return value{k: kString, s: in.Caller.EffectiveScope()}
	case srcTargetProjectID:
		return value{k: kString, s: in.Target.ProjectID}
	case srcTargetUserID:
		return value{k: kString, s: in.Target.UserID}
	case srcTargetField:
		f, ok := in.Target.Fields[o.name]
		if !ok {
			return value{}
		}
		switch x := f.(type) {
		case string:
			return value{k: kString, s: x}
		case bool:
			return value{k: kBool, b: x}
		case int:
			return value{k: kInt, i: int64(x)}
		case nil:
			return value{k: kNull}
		}
		// simpleFields keeps other types off this path.
		panic(fmt.Sprintf("policy: target field %s of type %T on the compiled path", o.name, f))
	case srcMethod:
		return value{k: kString, s: in.Request.Method}
	case srcPath:
		return value{k: kString, s: in.Request.Path}
	case srcMicroversion:
		return value{k: kString, s: in.Request.Microversion}
	}
	return value{} // srcUndefined
}

// simpleFields reports whether every target field inputValue converts is of
// a type operand.read knows (the types fieldTerm converts without
// reflection, and so without an error).
func simpleFields(fields map[string]any) bool {
	for k, v := range fields {
		if k == "project_id" || k == "user_id" {
			continue // inputValue ignores them
		}
		switch v.(type) {
		case string, bool, int, nil:
		default:
			return false
		}
	}
	return true
}

// errNotCompiled is why compileProgram gives up: the residue has a term it
// does not know.
var errNotCompiled = errors.New("policy: not compilable")

func notCompiled(what any) error { return fmt.Errorf("%w: %v", errNotCompiled, what) }

// progCompiler compiles bodies, and the support rules they refer to.
type progCompiler struct {
	in    *inliner
	rules map[string]*program
	depth int
}

// compileProgram compiles the bodies a rule's residue expanded to, over the
// support rules of in.
func compileProgram(bodies []ast.Body, in *inliner) (*program, error) {
	pc := &progCompiler{in: in, rules: map[string]*program{}}
	return pc.program(bodies)
}

func (pc *progCompiler) program(bodies []ast.Body) (*program, error) {
	p := &program{}
	for _, b := range bodies {
		conds, err := pc.body(b)
		if err != nil {
			return nil, err
		}
		p.bodies = append(p.bodies, conds)
	}
	return p, nil
}

func (pc *progCompiler) body(b ast.Body) ([]cond, error) {
	// How often each variable occurs in the body: one that occurs once,
	// as the index of input.caller.roles, is a wildcard.
	uses := map[ast.Var]int{}
	ast.WalkVars(b, func(v ast.Var) bool {
		uses[v]++
		return false
	})
	conds := make([]cond, 0, len(b))
	for _, e := range b {
		c, err := pc.expr(e, uses)
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	return conds, nil
}

var (
	partialRoot = ast.MustParseRef("data.partial")
	rolesRef    = ast.MustParseRef("input.caller.roles")
)

func (pc *progCompiler) expr(e *ast.Expr, uses map[ast.Var]int) (cond, error) {
	if len(e.With) > 0 {
		return cond{}, notCompiled(e)
	}
	c, err := pc.exprTerms(e, uses)
	if err != nil {
		return cond{}, err
	}
	c.negated = e.Negated
	return c, nil
}

func (pc *progCompiler) exprTerms(e *ast.Expr, uses map[ast.Var]int) (cond, error) {
	switch terms := e.Terms.(type) {
	case *ast.Term:
		if r, ok := terms.Value.(ast.Ref); ok && r.HasPrefix(partialRoot) {
			rule, err := pc.rule(r)
			return cond{op: opRule, rule: rule}, err
		}
		a, err := operandOf(terms)
		return cond{op: opTruthy, a: a}, err
	case []*ast.Term:
		if len(terms) != 3 {
			return cond{}, notCompiled(e)
		}
		x, y := terms[1], terms[2]
		switch op := e.Operator().String(); op {
		case "eq", "equal", "neq":
			if op != "neq" {
				// ref = true, for a support rule.
				if y.Value.Compare(ast.Boolean(true)) == 0 {
					x, y = y, x
				}
				if r, ok := y.Value.(ast.Ref); ok && r.HasPrefix(partialRoot) && x.Value.Compare(ast.Boolean(true)) == 0 {
					rule, err := pc.rule(r)
					return cond{op: opRule, rule: rule}, err
				}
			}
			if isRoleIter(y, uses) {
				x, y = y, x
			}
			if isRoleIter(x, uses) {
				a, err := operandOf(y)
				return cond{op: opAnyRole, notEqual: op == "neq", a: a}, err
			}
			a, err := operandOf(x)
			if err != nil {
				return cond{}, err
			}
			b, err := operandOf(y)
			if err != nil {
				return cond{}, err
			}
			if op == "neq" {
				return cond{op: opNotEqual, a: a, b: b}, nil
			}
			return cond{op: opEqual, a: a, b: b}, nil
		case "internal.member_2":
			a, err := operandOf(x)
			if err != nil {
				return cond{}, err
			}
			if r, ok := y.Value.(ast.Ref); ok && r.Equal(rolesRef) {
				return cond{op: opRole, a: a}, nil
			}
			set, err := constantSet(y)
			return cond{op: opIn, a: a, set: set}, err
		}
	}
	return cond{}, notCompiled(e)
}

// isRoleIter reports whether t is input.caller.roles[v], v a variable used
// nowhere else in the body.
func isRoleIter(t *ast.Term, uses map[ast.Var]int) bool {
	r, ok := t.Value.(ast.Ref)
	if !ok || len(r) != len(rolesRef)+1 || !r.HasPrefix(rolesRef) {
		return false
	}
	v, ok := r[len(rolesRef)].Value.(ast.Var)
	return ok && uses[v] == 1
}

// rule compiles the support rule at r: one that inliner.trueBodies
// accepts (false by default, true by each other definition), so that it is
// true exactly when one of its bodies holds.
func (pc *progCompiler) rule(r ast.Ref) (*program, error) {
	path := r.String()
	if p, ok := pc.rules[path]; ok {
		if p == nil {
			return nil, notCompiled("a cycle through " + path)
		}
		return p, nil
	}
	bodies, ok := pc.in.trueBodies(path)
	if !ok || pc.depth >= 16 {
		return nil, notCompiled(path)
	}
	pc.rules[path] = nil
	pc.depth++
	p, err := pc.program(bodies)
	pc.depth--
	if err != nil {
		return nil, err
	}
	pc.rules[path] = p
	return p, nil
}

// operandOf is the scalar operand t reads: a constant, or a field of the
// input document as inputValue builds it.
func operandOf(t *ast.Term) (operand, error) {
	switch v := t.Value.(type) {
	case ast.Ref:
		return inputOperand(v)
	default:
		c, err := constant(v)
		return operand{src: srcConst, val: c}, err
	}
}

// inputOperand is the operand for a reference into the input. The
// document's shape is fixed (inputValue): a key it lacks is undefined, and
// so is any reference below one.
func inputOperand(r ast.Ref) (operand, error) {
	if !r[0].Equal(ast.InputRootDocument) || len(r) < 2 {
		return operand{}, notCompiled(r)
	}
	keys := make([]string, len(r)-1)
	for i, t := range r[1:] {
		s, ok := t.Value.(ast.String)
		if !ok {
			return operand{}, notCompiled(r)
		}
		keys[i] = string(s)
	}
	fixed := map[string]map[string]source{
		"caller":  {"user_id": srcCallerUserID, "project_id": srcCallerProjectID, "is_admin": srcCallerIsAdmin, "scope": srcCallerScope},
		"target":  {"project_id": srcTargetProjectID, "user_id": srcTargetUserID},
		"request": {"method": srcMethod, "path": srcPath, "microversion": srcMicroversion},
	}
	switch keys[0] {
	case "action":
		if len(keys) == 1 {
			return operand{src: srcAction}, nil
		}
		return operand{}, notCompiled(r) // below a string
	case "caller", "target", "request":
		if len(keys) != 2 {
			return operand{}, notCompiled(r) // an object, or below a field
		}
		if src, ok := fixed[keys[0]][keys[1]]; ok {
			return operand{src: src}, nil
		}
		if keys[1] == "roles" {
			return operand{}, notCompiled(r) // an array
		}
		if keys[0] == "target" {
			return operand{src: srcTargetField, name: keys[1]}, nil
		}
		return operand{src: srcUndefined}, nil
	}
	return operand{src: srcUndefined}, nil
}

// constant converts a scalar constant: a string, a boolean, null, or an
// integer.
func constant(v ast.Value) (value, error) {
	switch x := v.(type) {
	case ast.String:
		return value{k: kString, s: string(x)}, nil
	case ast.Boolean:
		return value{k: kBool, b: bool(x)}, nil
	case ast.Null:
		return value{k: kNull}, nil
	case ast.Number:
		if i, ok := x.Int64(); ok {
			return value{k: kInt, i: i}, nil
		}
		// 2.0 or 2e3 is an integer too; 2.5 is not, and nothing
		// compiled compares with it.
		if r, ok := new(big.Rat).SetString(string(x)); ok && r.IsInt() && r.Num().IsInt64() {
			return value{k: kInt, i: r.Num().Int64()}, nil
		}
	}
	return value{}, notCompiled(v)
}

// constantSet is the members of a constant array or set of scalars.
func constantSet(t *ast.Term) ([]value, error) {
	var terms []*ast.Term
	switch x := t.Value.(type) {
	case *ast.Array:
		for i := range x.Len() {
			terms = append(terms, x.Elem(i))
		}
	case ast.Set:
		terms = x.Slice()
	default:
		return nil, notCompiled(t)
	}
	out := make([]value, 0, len(terms))
	for _, m := range terms {
		v, err := constant(m.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
