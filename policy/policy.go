// Package policy decides whether a caller may perform an action, the way
// Manila's policy.yaml defaults do, by evaluating Rego rules with OPA's Go
// SDK.
//
// Rules live in .rego files: rego/base.rego holds Manila's base rules
// (context_is_admin, project-member, project-reader, ...) and one file per
// resource maps each Manila rule name (for example "share:create") to a check
// in the object data.manila.rules.rule. The files are embedded in the binary.
// A folder of .rego files is laid over them (Load): a file there replaces
// the embedded file of the same name, other files are added, and a rule
// written as override["share:create"] replaces the default rule of that
// name. The queries are prepared once per rule set (and, for each rule,
// specialised by partial evaluation on first use and compiled to Go where
// the residue allows: fastpath.go) and are safe to evaluate from many
// goroutines.
//
// The package knows nothing of HTTP or storage: callers describe the caller
// and the target in an Input. policy/README.md documents the input document
// and the authoring workflow.
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
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
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

// Token scopes, as oslo.policy names them.
const (
	ScopeProject = "project"
	ScopeDomain  = "domain"
	ScopeSystem  = "system"
)

// Caller is who makes the request.
type Caller struct {
	UserID    string
	ProjectID string
	// Roles are compared case-insensitively, as Keystone does.
	Roles []string
	// Scope is what the token is scoped to: ScopeProject, ScopeDomain or
	// ScopeSystem. Empty means project: noauth tokens carry no scope, and
	// oslo.policy treats a token that is neither system- nor domain-scoped
	// as project-scoped.
	Scope string
	// Admin is the policy's context_is_admin for this caller, computed
	// once per request (Engine.ContextIsAdmin) right after authentication:
	// Manila's context.is_admin. It is input.caller.is_admin, and what
	// handlers use for project scoping, admin-only fields and all_tenants.
	Admin bool
}

// IsAdmin is Manila's context.is_admin: the Admin field, the policy's
// answer. It is never derived from the roles here.
func (c Caller) IsAdmin() bool { return c.Admin }

// HasRole reports whether the caller holds role (case-insensitive).
func (c Caller) HasRole(role string) bool {
	for _, r := range c.Roles {
		if strings.EqualFold(r, role) {
			return true
		}
	}
	return false
}

// EffectiveScope is Scope, with the empty scope read as ScopeProject.
func (c Caller) EffectiveScope() string {
	if c.Scope == "" {
		return ScopeProject
	}
	return c.Scope
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

// Origin of the embedded files in Set.Origin.
const OriginEmbedded = "embedded"

// Set is a parsed collection of Rego files: rules, and tests in files ending
// _test.rego.
type Set struct {
	rules map[string]*ast.Module
	tests map[string]*ast.Module
	// origins says where each file came from: OriginEmbedded, or its path.
	origins map[string]string
	hash    string
}

// sourceFile is one .rego file before parsing.
type sourceFile struct {
	name, origin string
	src          []byte
}

// parserOptions parses Rego v1 and keeps METADATA annotations, where
// imported overrides record the check string they were translated from.
var parserOptions = ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true}

// parseFiles parses files (sorted by name, names unique) into a Set. The
// hash covers every name and content, so any change to the set in force,
// including which file shadows which, changes it.
func parseFiles(files []sourceFile) (*Set, error) {
	if len(files) == 0 {
		return nil, errors.New("policy: no .rego files found")
	}
	set := &Set{rules: map[string]*ast.Module{}, tests: map[string]*ast.Module{}, origins: map[string]string{}}
	h := sha256.New()
	for _, f := range files {
		mod, err := ast.ParseModuleWithOpts(f.name, string(f.src), parserOptions)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		if mod == nil {
			return nil, fmt.Errorf("policy: %s: empty module (a .rego file needs at least a package line)", f.name)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f.name, len(f.src))
		h.Write(f.src)
		if strings.HasSuffix(f.name, "_test.rego") {
			set.tests[f.name] = mod
		} else {
			set.rules[f.name] = mod
		}
		set.origins[f.name] = f.origin
	}
	set.hash = hex.EncodeToString(h.Sum(nil))[:16]
	return set, nil
}

// readRegoFiles reads the .rego files at the top of fsys, sorted. Hidden
// files (editors' lock and swap files such as .#shares.rego) are skipped.
func readRegoFiles(fsys fs.FS, origin func(name string) string) ([]sourceFile, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("policy: read rule folder: %w", err)
	}
	var files []sourceFile
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".rego") || strings.HasPrefix(name, ".") {
			continue
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("policy: read %s: %w", name, err)
		}
		files = append(files, sourceFile{name: name, origin: origin(name), src: src})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files, nil
}

// LoadFS parses every .rego file at the top of fsys.
func LoadFS(fsys fs.FS) (*Set, error) {
	files, err := readRegoFiles(fsys, func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	return parseFiles(files)
}

// LoadDir parses the .rego files in dir, and only those.
func LoadDir(dir string) (*Set, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	files, err := readRegoFiles(os.DirFS(abs), func(name string) string { return filepath.Join(dir, name) })
	if err != nil {
		return nil, err
	}
	return parseFiles(files)
}

// Load returns the rule set in force for --policy-dir dir: the embedded
// files, with the .rego files of dir laid over them. A file of dir replaces
// the embedded file of the same name (so a copy of shares.rego, edited,
// replaces the default shares.rego; a file holding only its package line
// removes one); any other file is added (an override file from `manilite
// policy import`, say). With dir empty it is the embedded set alone. An
// empty dir is valid: the defaults are in force.
func Load(dir string) (*Set, error) { return loadOver(dir, nil) }

// LoadWithFile is Load with one more file, name holding src, laid over the
// rest (replacing a file of that name): what the set would be once the file
// is written into dir.
func LoadWithFile(dir, name string, src []byte) (*Set, error) {
	if !strings.HasSuffix(name, ".rego") || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("policy: %q is not a .rego file name", name)
	}
	origin := name
	if dir != "" {
		origin = filepath.Join(dir, name)
	}
	return loadOver(dir, &sourceFile{name: name, origin: origin, src: src})
}

func loadOver(dir string, extra *sourceFile) (*Set, error) {
	files, err := readRegoFiles(DefaultFS(), func(string) string { return OriginEmbedded })
	if err != nil {
		return nil, err
	}
	byName := map[string]sourceFile{}
	for _, f := range files {
		byName[f.name] = f
	}
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("policy: %s is not a folder", dir)
		}
		own, err := readRegoFiles(os.DirFS(abs), func(name string) string { return filepath.Join(dir, name) })
		if err != nil {
			return nil, err
		}
		for _, f := range own {
			byName[f.name] = f
		}
	}
	if extra != nil {
		byName[extra.name] = *extra
	}
	merged := make([]sourceFile, 0, len(byName))
	for _, f := range byName {
		merged = append(merged, f)
	}
	sort.Slice(merged, func(i, j int) bool { return merged[i].name < merged[j].name })
	return parseFiles(merged)
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

// Origin says where file came from: OriginEmbedded, the path of a file of
// the policy folder, or "" for sets loaded with LoadFS.
func (s *Set) Origin(file string) string { return s.origins[file] }

// The objects of package manila.rules that name rules: rule holds the
// defaults, override the replacements.
const (
	rulesObject    = "rule"
	overrideObject = "override"
)

var rulesPackage = ast.MustParseRef("data.manila.rules")

// ruleHead is one head rule["name"] or override["name"] of the set.
type ruleHead struct {
	name     string
	override bool
	file     string
	rule     *ast.Rule
}

// ruleHeads reads the named rules of package manila.rules from modules.
// Names must be string constants: the engine tells which rules exist, and
// whether an override replaces a default, from the heads alone, so that a
// rule is defined (and an override wins) whatever its value for one input.
func ruleHeads(modules map[string]*ast.Module) ([]ruleHead, error) {
	var heads []ruleHead
	var problems []string
	files := make([]string, 0, len(modules))
	for f := range modules {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, file := range files {
		m := modules[file]
		if !m.Package.Path.Equal(rulesPackage) {
			continue
		}
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			if len(ref) == 0 {
				continue
			}
			obj, ok := ref[0].Value.(ast.Var)
			if !ok || (obj != rulesObject && obj != overrideObject) {
				continue
			}
			if len(ref) != 2 {
				problems = append(problems, fmt.Sprintf("%s:%d: %s must be written %s[\"<rule name>\"] := ...",
					file, r.Location.Row, ref, obj))
				continue
			}
			key, ok := ref[1].Value.(ast.String)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s:%d: the key of %s must be a string constant (a Manila rule name), not %s",
					file, r.Location.Row, obj, ref[1]))
				continue
			}
			heads = append(heads, ruleHead{name: string(key), override: obj == overrideObject, file: file, rule: r})
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("policy: %s", strings.Join(problems, "; "))
	}
	return heads, nil
}

// compiled is a rule set ready to evaluate.
type compiled struct {
	set      *Set
	compiler *ast.Compiler
	// ruleQuery evaluates data.manila.rules.rule[input.action],
	// overrideQuery data.manila.rules.override[input.action].
	ruleQuery, overrideQuery rego.PreparedEvalQuery
	// defaults and overrides map each rule name to the file defining it.
	defaults, overrides map[string]string
	heads               []ruleHead
	names               []string // every name, sorted

	// infos is describe's answer, computed on first use.
	infosOnce sync.Once
	infos     []RuleInfo
	// entries is the rule in force for each name, with its fast path
	// (fastpath.go), built on first use.
	entries map[string]*entry
	// opaDecisions counts the decisions OPA evaluated, those the fast
	// path's programs did not: tests hold the fast path to its promise.
	opaDecisions atomic.Uint64
	// What conflictFree needs, built on first use: the definitions of
	// each rule and the rules it uses, by path, and the answers so far.
	safetyOnce  sync.Once
	safetyMu    sync.Mutex
	definitions map[string][]*ast.Rule
	uses        map[string][]string
	safe        map[string]bool
}

const (
	ruleQuery     = "data.manila.rules.rule[input.action]"
	overrideQuery = "data.manila.rules.override[input.action]"
)

// noMetrics spares each evaluation the allocation of a metrics recorder.
var noMetrics = metrics.NoOp()

// noVirtualCache turns off OPA's per-evaluation memo of rule values. A
// decision evaluates each of Manila's small rules about once, so the memo
// costs more (a hashed map per evaluation: about a quarter of the time)
// than it saves. Rules are pure functions of the input, so the answer is
// the same; TestDecideAgreesWithFullEvaluation holds the engine to that.
type noVirtualCache struct{}

func (noVirtualCache) Push()                         {}
func (noVirtualCache) Pop()                          {}
func (noVirtualCache) Get(ast.Ref) (*ast.Term, bool) { return nil, false }
func (noVirtualCache) Put(ast.Ref, *ast.Term)        {}
func (noVirtualCache) Keys() []ast.Ref               { return nil }

func compileModules(modules map[string]*ast.Module) (*ast.Compiler, error) {
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	c.Compile(modules)
	if c.Failed() {
		return nil, fmt.Errorf("policy: compile: %w", c.Errors)
	}
	return c, nil
}

func compile(ctx context.Context, s *Set) (*compiled, error) {
	heads, err := ruleHeads(s.rules)
	if err != nil {
		return nil, err
	}
	c := &compiled{set: s, defaults: map[string]string{}, overrides: map[string]string{}, heads: heads}
	// A name defined in two files is a mistake that OPA would only report
	// as a conflict when both happen to be evaluated: refuse it now, and
	// say how to replace a default.
	var problems []string
	for _, h := range heads {
		defs := c.defaults
		obj := rulesObject
		if h.override {
			defs, obj = c.overrides, overrideObject
		}
		if prev, ok := defs[h.name]; ok && prev != h.file {
			msg := fmt.Sprintf("%s[%q] is defined in both %s and %s", obj, h.name, prev, h.file)
			if !h.override {
				msg += fmt.Sprintf(" (to replace a default rule, write override[%q] instead)", h.name)
			}
			problems = append(problems, msg)
			continue
		}
		defs[h.name] = h.file
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("policy: %s", strings.Join(problems, "; "))
	}
	seen := map[string]bool{}
	for _, h := range heads {
		if !seen[h.name] {
			seen[h.name] = true
			c.names = append(c.names, h.name)
		}
	}
	sort.Strings(c.names)
	c.entries = make(map[string]*entry, len(c.names))
	for _, name := range c.names {
		_, override := c.overrides[name]
		c.entries[name] = &entry{override: override}
	}
	if len(c.names) == 0 {
		return nil, errors.New("policy: the rule set defines no rules in data.manila.rules.rule")
	}

	if c.compiler, err = compileModules(s.rules); err != nil {
		return nil, err
	}
	prepare := func(query string) (rego.PreparedEvalQuery, error) {
		return rego.New(rego.Query(query), rego.Compiler(c.compiler)).PrepareForEval(ctx)
	}
	if c.ruleQuery, err = prepare(ruleQuery); err != nil {
		return nil, fmt.Errorf("policy: compile: %w", err)
	}
	if c.overrideQuery, err = prepare(overrideQuery); err != nil {
		return nil, fmt.Errorf("policy: compile: %w", err)
	}
	return c, nil
}

// query is the prepared query that decides action, and whether it is an
// override; nil when no rule has that name.
func (c *compiled) query(action string) (*rego.PreparedEvalQuery, bool) {
	q, override, _ := c.lookup(action)
	return q, override
}

// lookup is query, with the rule's entry.
func (c *compiled) lookup(action string) (*rego.PreparedEvalQuery, bool, *entry) {
	ent := c.entries[action]
	switch {
	case ent == nil:
		return nil, false, nil
	case ent.override:
		return &c.overrideQuery, true, ent
	}
	return &c.ruleQuery, false, ent
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

// ReplaceTested compiles set and runs its Rego tests, and puts it in force
// only if it compiles and every test passes (and there is at least one).
// Otherwise the set in force stays, and the error says why.
func (e *Engine) ReplaceTested(ctx context.Context, set *Set) (*TestReport, error) {
	c, err := compile(ctx, set)
	if err != nil {
		return nil, err
	}
	report, err := set.runTests(ctx, false)
	if err != nil {
		return nil, err
	}
	if err := report.Err(); err != nil {
		return report, err
	}
	e.current.Store(c)
	return report, nil
}

// Hash identifies the rule set in force.
func (e *Engine) Hash() string { return e.current.Load().set.hash }

// Set is the rule set in force.
func (e *Engine) Set() *Set { return e.current.Load().set }

// Rules lists the rule names the set in force defines, defaults and
// overrides together, sorted.
func (e *Engine) Rules() []string { return append([]string(nil), e.current.Load().names...) }

// HasRule reports whether the set in force defines name, as a default or
// an override.
func (e *Engine) HasRule(name string) bool {
	rules := e.current.Load().names
	i := sort.SearchStrings(rules, name)
	return i < len(rules) && rules[i] == name
}

// Decide evaluates in. An action with no rule is refused (and logged at
// warning level); so is a caller whose token is not project-scoped, since
// every Manila rule is registered with scope_types=['project'] and
// oslo.policy enforces scopes. An evaluation error is returned and must be
// treated as a refusal.
func (e *Engine) Decide(ctx context.Context, in Input) (Decision, error) {
	// The clock is read only for the decision line: on some machines
	// reading it costs as much as the decision.
	level := e.decisionLevel.Level()
	logged := e.log.Enabled(ctx, level)
	var start time.Time
	if logged {
		start = time.Now()
	}
	c := e.current.Load()
	d := Decision{Hash: c.set.hash}
	q, override, ent := c.lookup(in.Action)
	scope := in.Caller.EffectiveScope()
	switch {
	case q == nil:
		e.log.Warn("policy: no rule for action, refused", "action", in.Action, "policy_hash", c.set.hash)
	case scope != ScopeProject:
		// oslo.policy's InvalidScope: the rule is not even evaluated.
		d.Defined = true
	default:
		d.Defined = true
		fq := c.fastOf(ctx, in.Action, ent)
		if fq != nil && fq.prog != nil && simpleFields(in.Target.Fields) {
			d.Allowed = fq.prog.eval(&in)
			break
		}
		c.opaDecisions.Add(1)
		input, err := inputValue(in)
		if err != nil {
			return d, fmt.Errorf("policy: input for %s: %w", in.Action, err)
		}
		if fq != nil && fq.q != nil {
			q = fq.q
		}
		rs, err := q.Eval(ctx, rego.EvalParsedInput(input), rego.EvalMetrics(noMetrics),
			rego.EvalVirtualCache(noVirtualCache{}))
		if err != nil {
			e.log.Error("policy evaluation failed", "action", in.Action, "error", err, "policy_hash", c.set.hash)
			return d, fmt.Errorf("policy: evaluate %s: %w", in.Action, err)
		}
		if len(rs) == 1 && len(rs[0].Expressions) == 1 {
			d.Allowed, _ = rs[0].Expressions[0].Value.(bool)
		}
	}
	if logged {
		e.log.Log(ctx, level, "policy decision", "action", in.Action, "user", in.Caller.UserID,
			"project", in.Caller.ProjectID, "scope", scope, "allowed", d.Allowed, "override", override,
			"policy_hash", c.set.hash, "duration_us", time.Since(start).Microseconds())
	}
	return d, nil
}

// Keys of the input document, made once: building the document is on every
// request's path.
var (
	keyAction       = ast.StringTerm("action")
	keyCaller       = ast.StringTerm("caller")
	keyTarget       = ast.StringTerm("target")
	keyRequest      = ast.StringTerm("request")
	keyUserID       = ast.StringTerm("user_id")
	keyProjectID    = ast.StringTerm("project_id")
	keyRoles        = ast.StringTerm("roles")
	keyIsAdmin      = ast.StringTerm("is_admin")
	keyScope        = ast.StringTerm("scope")
	keyMethod       = ast.StringTerm("method")
	keyPath         = ast.StringTerm("path")
	keyMicroversion = ast.StringTerm("microversion")
)

// InputDocument is the input document Decide evaluates rules against, as
// JSON-like Go values (policy eval prints it).
func InputDocument(in Input) (map[string]any, error) {
	input, err := inputValue(in)
	if err != nil {
		return nil, err
	}
	v, err := ast.JSON(input)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// inputValue builds the input document as an AST value directly: OPA would
// otherwise convert a Go map by reflection on every decision, which costs as
// much as evaluating the rules. policy/README.md documents this document;
// keep the two in step.
func inputValue(in Input) (ast.Value, error) {
	roles := make([]*ast.Term, len(in.Caller.Roles))
	for i, r := range in.Caller.Roles {
		roles[i] = ast.InternedTerm(strings.ToLower(r))
	}
	target := ast.NewObjectWithCapacity(2 + len(in.Target.Fields))
	target.Insert(keyProjectID, ast.StringTerm(in.Target.ProjectID))
	target.Insert(keyUserID, ast.StringTerm(in.Target.UserID))
	for k, v := range in.Target.Fields {
		if k == "project_id" || k == "user_id" {
			continue
		}
		term, err := fieldTerm(v)
		if err != nil {
			return nil, fmt.Errorf("target field %s: %w", k, err)
		}
		target.Insert(ast.StringTerm(k), term)
	}
	return ast.NewObject(
		[2]*ast.Term{keyAction, ast.StringTerm(in.Action)},
		[2]*ast.Term{keyCaller, ast.ObjectTerm(
			[2]*ast.Term{keyUserID, ast.StringTerm(in.Caller.UserID)},
			[2]*ast.Term{keyProjectID, ast.StringTerm(in.Caller.ProjectID)},
			[2]*ast.Term{keyRoles, ast.ArrayTerm(roles...)},
			[2]*ast.Term{keyIsAdmin, ast.InternedTerm(in.Caller.Admin)},
			[2]*ast.Term{keyScope, ast.InternedTerm(in.Caller.EffectiveScope())},
		)},
		[2]*ast.Term{keyTarget, ast.NewTerm(target)},
		[2]*ast.Term{keyRequest, ast.ObjectTerm(
			[2]*ast.Term{keyMethod, ast.InternedTerm(in.Request.Method)},
			[2]*ast.Term{keyPath, ast.StringTerm(in.Request.Path)},
			[2]*ast.Term{keyMicroversion, ast.StringTerm(in.Request.Microversion)},
		)},
	), nil
}

// fieldTerm converts a target field, without reflection for the common
// types.
func fieldTerm(v any) (*ast.Term, error) {
	switch x := v.(type) {
	case string:
		return ast.StringTerm(x), nil
	case bool:
		return ast.InternedTerm(x), nil
	case int:
		return ast.IntNumberTerm(x), nil
	case nil:
		return ast.NullTerm(), nil
	}
	val, err := ast.InterfaceToValue(v)
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(val), nil
}
