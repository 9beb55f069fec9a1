// Package policy decides whether a caller may perform an action, the way
// Manila's policy.yaml defaults do, by evaluating Rego rules with OPA's Go
// SDK.
//
// Rules live in .rego files: rego/base.rego holds Manila's base rules
// (context_is_admin, project-member, project-reader, ...) and one file per
// resource maps each Manila rule name (for example "share:create") to a check
// in the object data.manila.rules.rule. The files are embedded in the binary;
// a directory of .rego files can replace them. The query is prepared once per
// rule set and is safe to evaluate from many goroutines.
//
// The package knows nothing of HTTP or storage: callers describe the caller
// and the target in an Input.
package policy

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/tester"
)

//go:embed rego/*.rego
var defaultFiles embed.FS

// DefaultFS is the embedded default rule set (rules and their tests).
func DefaultFS() fs.FS {
	sub, err := fs.Sub(defaultFiles, "rego")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	return sub
}

// AlwaysAllow is the oslo.policy check string "@": the operation is open to
// anyone (used for version discovery, which needs no token).
const AlwaysAllow = "@"

// Caller is who makes the request.
type Caller struct {
	UserID    string
	ProjectID string
	// Roles are compared case-insensitively, as Keystone does.
	Roles []string
}

// IsAdmin is Manila's context.is_admin: the caller holds the admin role.
func (c Caller) IsAdmin() bool { return c.HasRole("admin") }

// HasRole reports whether the caller holds role (case-insensitive).
func (c Caller) HasRole(role string) bool {
	for _, r := range c.Roles {
		if strings.EqualFold(r, role) {
			return true
		}
	}
	return false
}

// Target is the object the action applies to. Manila usually passes the
// caller's own project and user; for some actions it passes the resource.
type Target struct {
	ProjectID string
	UserID    string
	// Fields are further attributes of the resource that a rule may read,
	// as input.target.<name>.
	Fields map[string]any
}

// Request describes the HTTP request for rules that want it.
type Request struct {
	Method       string
	Path         string
	Microversion string
}

// Input is one question put to the policy.
type Input struct {
	Action  string
	Caller  Caller
	Target  Target
	Request Request
}

// Decision is the policy's answer.
type Decision struct {
	Allowed bool
	// Defined is false when no rule has the action's name; such actions are
	// always refused.
	Defined bool
	// Hash identifies the rule set that decided.
	Hash string
}

// Set is a parsed collection of Rego files: rules, and tests in files ending
// _test.rego.
type Set struct {
	rules map[string]*ast.Module
	tests map[string]*ast.Module
	hash  string
}

// LoadFS parses every .rego file at the top of fsys.
func LoadFS(fsys fs.FS) (*Set, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("policy: read rule folder: %w", err)
	}
	set := &Set{rules: map[string]*ast.Module{}, tests: map[string]*ast.Module{}}
	h := sha256.New()
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".rego") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, errors.New("policy: no .rego files found")
	}
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("policy: read %s: %w", name, err)
		}
		mod, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(src))
		h.Write(src)
		if strings.HasSuffix(name, "_test.rego") {
			set.tests[name] = mod
		} else {
			set.rules[name] = mod
		}
	}
	set.hash = hex.EncodeToString(h.Sum(nil))[:16]
	return set, nil
}

// LoadDir parses the .rego files in dir.
func LoadDir(dir string) (*Set, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return LoadFS(os.DirFS(abs))
}

// Hash is a short content hash of every file in the set.
func (s *Set) Hash() string { return s.hash }

// Files lists the set's file names, rules and tests together, sorted.
func (s *Set) Files() []string {
	var out []string
	for n := range s.rules {
		out = append(out, n)
	}
	for n := range s.tests {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// TestResult is the outcome of one Rego test.
type TestResult struct {
	Name    string // package.rule
	File    string
	Passed  bool
	Message string
}

// Test runs the set's Rego tests against its rules.
func (s *Set) Test(ctx context.Context) ([]TestResult, error) {
	modules := make(map[string]*ast.Module, len(s.rules)+len(s.tests))
	for n, m := range s.rules {
		modules[n] = m
	}
	for n, m := range s.tests {
		modules[n] = m
	}
	ch, err := tester.NewRunner().SetDefaultRegoVersion(ast.RegoV1).Run(ctx, modules)
	if err != nil {
		return nil, fmt.Errorf("policy: run tests: %w", err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{Name: strings.TrimPrefix(r.Package, "data.") + "." + r.Name, Passed: r.Pass()}
		if r.Location != nil {
			tr.File = r.Location.File
		}
		switch {
		case r.Error != nil:
			tr.Message = r.Error.Error()
		case r.Fail:
			tr.Message = "failed"
		}
		out = append(out, tr)
	}
	return out, nil
}

// compiled is a rule set ready to evaluate.
type compiled struct {
	set   *Set
	query rego.PreparedEvalQuery
	rules []string
}

const decisionQuery = "data.manila.rules.rule[input.action]"

func compile(ctx context.Context, s *Set) (*compiled, error) {
	opts := []func(*rego.Rego){rego.Query(decisionQuery)}
	for _, m := range s.rules {
		opts = append(opts, rego.ParsedModule(m))
	}
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("policy: compile: %w", err)
	}
	names := ruleNames(s)
	if len(names) == 0 {
		return nil, errors.New("policy: the rule set defines no rules in data.manila.rules.rule")
	}
	return &compiled{set: s, query: pq, rules: names}, nil
}

// Engine evaluates the rule set currently in force. Replace swaps in a new
// set atomically; evaluations in flight finish on the old one.
type Engine struct {
	current atomic.Pointer[compiled]
	log     *slog.Logger
	// decisionLevel is the slog level of the one line logged per decision.
	decisionLevel slog.LevelVar
}

// NewEngine compiles set and returns an engine that uses it.
func NewEngine(ctx context.Context, set *Set, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := compile(ctx, set)
	if err != nil {
		return nil, err
	}
	e := &Engine{log: log}
	e.decisionLevel.Set(slog.LevelDebug)
	e.current.Store(c)
	return e, nil
}

// SetDecisionLogLevel sets the level of the per-decision log line.
func (e *Engine) SetDecisionLogLevel(l slog.Level) { e.decisionLevel.Set(l) }

// Replace compiles set and, if that succeeds, puts it in force.
func (e *Engine) Replace(ctx context.Context, set *Set) error {
	c, err := compile(ctx, set)
	if err != nil {
		return err
	}
	e.current.Store(c)
	return nil
}

// Hash identifies the rule set in force.
func (e *Engine) Hash() string { return e.current.Load().set.hash }

// Rules lists the rule names the set in force defines, sorted.
func (e *Engine) Rules() []string { return append([]string(nil), e.current.Load().rules...) }

// HasRule reports whether the set in force defines name.
func (e *Engine) HasRule(name string) bool {
	rules := e.current.Load().rules
	i := sort.SearchStrings(rules, name)
	return i < len(rules) && rules[i] == name
}

// Decide evaluates in. An action with no rule is refused (and logged at
// warning level); an evaluation error is returned and must be treated as a
// refusal.
func (e *Engine) Decide(ctx context.Context, in Input) (Decision, error) {
	start := time.Now()
	c := e.current.Load()
	input, err := inputValue(in)
	if err != nil {
		return Decision{Hash: c.set.hash}, fmt.Errorf("policy: input for %s: %w", in.Action, err)
	}
	d := Decision{Hash: c.set.hash}
	rs, err := c.query.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		e.log.Error("policy evaluation failed", "action", in.Action, "error", err, "policy_hash", c.set.hash)
		return d, fmt.Errorf("policy: evaluate %s: %w", in.Action, err)
	}
	if len(rs) == 1 && len(rs[0].Expressions) == 1 {
		d.Defined = true
		d.Allowed, _ = rs[0].Expressions[0].Value.(bool)
	}
	if !d.Defined {
		e.log.Warn("policy: no rule for action, refused", "action", in.Action, "policy_hash", c.set.hash)
	}
	e.log.Log(ctx, e.decisionLevel.Level(), "policy decision", "action", in.Action, "user", in.Caller.UserID,
		"project", in.Caller.ProjectID, "allowed", d.Allowed, "policy_hash", c.set.hash,
		"duration_us", time.Since(start).Microseconds())
	return d, nil
}

// inputValue builds the input document as an AST value directly: OPA would
// otherwise convert a Go map by reflection on every decision, which costs as
// much as evaluating the rules.
func inputValue(in Input) (ast.Value, error) {
	roles := make([]*ast.Term, len(in.Caller.Roles))
	for i, r := range in.Caller.Roles {
		roles[i] = ast.StringTerm(strings.ToLower(r))
	}
	target := ast.NewObject(
		ast.Item(ast.StringTerm("project_id"), ast.StringTerm(in.Target.ProjectID)),
		ast.Item(ast.StringTerm("user_id"), ast.StringTerm(in.Target.UserID)),
	)
	for k, v := range in.Target.Fields {
		if k == "project_id" || k == "user_id" {
			continue
		}
		var term *ast.Term
		switch x := v.(type) {
		case string:
			term = ast.StringTerm(x)
		case bool:
			term = ast.BooleanTerm(x)
		case int:
			term = ast.IntNumberTerm(x)
		case nil:
			term = ast.NullTerm()
		default:
			val, err := ast.InterfaceToValue(v)
			if err != nil {
				return nil, fmt.Errorf("target field %s: %w", k, err)
			}
			term = ast.NewTerm(val)
		}
		target.Insert(ast.StringTerm(k), term)
	}
	return ast.NewObject(
		ast.Item(ast.StringTerm("action"), ast.StringTerm(in.Action)),
		ast.Item(ast.StringTerm("caller"), ast.ObjectTerm(
			ast.Item(ast.StringTerm("user_id"), ast.StringTerm(in.Caller.UserID)),
			ast.Item(ast.StringTerm("project_id"), ast.StringTerm(in.Caller.ProjectID)),
			ast.Item(ast.StringTerm("roles"), ast.ArrayTerm(roles...)),
			ast.Item(ast.StringTerm("is_admin"), ast.BooleanTerm(in.Caller.IsAdmin())),
		)),
		ast.Item(ast.StringTerm("target"), ast.NewTerm(target)),
		ast.Item(ast.StringTerm("request"), ast.ObjectTerm(
			ast.Item(ast.StringTerm("method"), ast.StringTerm(in.Request.Method)),
			ast.Item(ast.StringTerm("path"), ast.StringTerm(in.Request.Path)),
			ast.Item(ast.StringTerm("microversion"), ast.StringTerm(in.Request.Microversion)),
		)),
	), nil
}

// ruleNames lists the keys of data.manila.rules.rule that the set defines,
// read from the rule heads (rule["share:create"] := ...), so a rule counts as
// defined whatever its value for a given input.
func ruleNames(s *Set) []string {
	rulesPath := ast.MustParseRef("data.manila.rules")
	seen := map[string]bool{}
	for _, m := range s.rules {
		if !m.Package.Path.Equal(rulesPath) {
			continue
		}
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			if len(ref) != 2 || !ref[0].Equal(ast.VarTerm("rule")) {
				continue
			}
			if key, ok := ref[1].Value.(ast.String); ok {
				seen[string(key)] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
