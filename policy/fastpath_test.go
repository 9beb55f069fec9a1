package policy

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/manilite/manilite/internal/benchreport"
)

// Every default rule takes the fast path, flattened to a few bodies over
// the input and compiled to a program: a change to base.rego or the engine
// that loses it shows here (and in BenchmarkDecide).
func TestFastPathTakenForEveryDefaultRule(t *testing.T) {
	e := newDefaultEngine(t)
	c := e.current.Load()
	for _, name := range e.Rules() {
		if !c.conflictFree(rulesPackage.Extend(ast.Ref{ast.VarTerm(rulesObject), ast.StringTerm(name)})) {
			t.Errorf("%s: not conflict-free", name)
		}
		if fq := c.fast(context.Background(), name); fq == nil || fq.prog == nil {
			t.Errorf("%s: no compiled program (%+v)", name, fq)
		}
	}
}

// Where a rule could give two values, a full evaluation fails with a
// conflict (and the request is refused); partial evaluation would not see
// it, so the engine must not take the fast path there.
func TestConflictingRulesStillFail(t *testing.T) {
	cases := map[string]string{
		"two values of the rule":       "rule[\"x:y\"] := true if input.caller.user_id == \"c\"\n\nrule[\"x:y\"] := false if input.caller.user_id == \"c\"\n",
		"two values of a helper":       "h := true if input.caller.user_id == \"c\"\n\nh := false if input.caller.user_id == \"c\"\n\nrule[\"x:y\"] := h\n",
		"a helper with several values": "h := v if some v in [true, false]\n\nrule[\"x:y\"] := h\n",
		"a function":                   "f(x) := true if x == \"c\"\n\nf(x) := false if x == \"c\"\n\nrule[\"x:y\"] := f(input.caller.user_id)\n",
		"a function in a body":         "f(x) := true if x == \"c\"\n\nf(x) := false if x == \"c\"\n\nrule[\"x:y\"] if f(input.caller.user_id)\n",
		"an object":                    "obj[k] := v if some k, v in {\"a\": true}\n\nobj[k] := false if {\n\tk := \"a\"\n\tinput.caller.user_id == \"c\"\n}\n\nrule[\"x:y\"] := obj.a\n",
	}
	for name, body := range cases {
		set, err := LoadFS(fstest.MapFS{"r.rego": {Data: []byte("package manila.rules\n\n" + body)}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		e, err := NewEngine(context.Background(), set, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d, err := e.Decide(context.Background(), Input{Action: "x:y", Caller: Caller{UserID: "c"}})
		if err == nil || !strings.Contains(err.Error(), "conflict") || d.Allowed {
			t.Errorf("%s: Decide = %+v, %v; want a conflict error", name, d, err)
		}
		if fq := e.current.Load().fast(context.Background(), "x:y"); fq != nil {
			t.Errorf("%s: the fast path was taken", name)
		}
	}
}

func TestInlinerRenamesAndKeepsNegations(t *testing.T) {
	mod := ast.MustParseModuleWithOpts(`package partial.p

default a := false

a if {
	x := input.n
	x > 1
}

a if {
	x := input.m
	x > 2
}

default b := false

b if input.k
`, ast.ParserOptions{RegoVersion: ast.RegoV1})
	support := map[string][]*ast.Rule{}
	for _, r := range mod.Rules {
		path := mod.Package.Path.Extend(r.Head.Ref()).String()
		support[path] = append(support[path], r)
	}
	in := &inliner{support: support}
	body := ast.MustParseBodyWithOpts(`data.partial.p.a; data.partial.p.a = true; not data.partial.p.b`, ast.ParserOptions{RegoVersion: ast.RegoV1})
	got := in.expand(body, 0)
	if len(got) != 4 {
		t.Fatalf("%d bodies, want 2x2: %v", len(got), got)
	}
	for _, b := range got {
		s := b.String()
		// The two copies of a's body have their own x.
		if strings.Count(s, "x__fast") != 4 || strings.Contains(s, "x :=") && !strings.Contains(s, "x__fast") {
			t.Errorf("variables not renamed apart: %s", s)
		}
		if !strings.HasSuffix(s, "not data.partial.p.b") {
			t.Errorf("the negation was inlined: %s", s)
		}
	}
	// A rule with no true body is never true.
	in.support["data.partial.p.never"] = []*ast.Rule{mod.Rules[0]}
	if got := in.expand(ast.MustParseBody(`data.partial.p.never`), 0); len(got) != 0 {
		t.Errorf("never: %v", got)
	}
	// Past maxFastBodies the reference stays.
	var refs []string
	for range 6 {
		refs = append(refs, "data.partial.p.a")
	}
	if got := in.expand(ast.MustParseBody(strings.Join(refs, "; ")), 0); len(got) > maxFastBodies {
		t.Errorf("%d bodies, more than %d", len(got), maxFastBodies)
	}
}

// The fast path agrees with a full evaluation on sets built by the import,
// whose overrides use every construct (and oslo.rego's functions, which
// take the general query).
func TestFastPathAgreesOnImportedOverrides(t *testing.T) {
	ctx := context.Background()
	rules := newDefaultEngine(t).Rules()
	var yaml strings.Builder
	n := 0
	for _, tc := range checkStringCases {
		if n == len(rules) {
			break
		}
		fmt.Fprintf(&yaml, "%q: %q\n", rules[n], tc.check)
		n++
	}
	res, err := ImportOslo([]byte(yaml.String()), newDefaultEngine(t).Describe(), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	set, err := LoadWithFile("", "imported.rego", res.Rego)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(ctx, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	fastTaken, compiledTaken := 0, 0
	for _, name := range res.Overrides {
		if fq := e.current.Load().fast(ctx, name); fq != nil {
			fastTaken++
			if fq.prog != nil {
				compiledTaken++
			}
		}
	}
	for _, name := range e.Rules() {
		for _, c := range importCallers {
			in := Input{Action: name, Caller: c.caller, Target: importTarget}
			d, err := e.Decide(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			x, err := e.Explain(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if d != x.Decision {
				t.Errorf("%s by %s: fast %+v, full %+v", name, c.name, d, x.Decision)
			}
		}
	}
	t.Logf("the fast path was taken for %d of %d overrides, %d of them compiled", fastTaken, len(res.Overrides), compiledTaken)
	if m := len(res.Overrides); m < n || fastTaken < m/2 || compiledTaken < m/2 {
		t.Errorf("the fast path was taken for %d of %d overrides, %d of them compiled", fastTaken, m, compiledTaken)
	}
}

// lowerIs is strings.ToLower(r) == s, whatever r holds.
func TestLowerIs(t *testing.T) {
	roles := []string{"", "admin", "Admin", "ADMIN", "admi", "adminx", "ADM\u0130N", "\u212A", "k", "K",
		"r\u00e9ader", "R\u00c9ADER", "\xff", "a\xffb", "\u0130", "i\u0307", "\u00df", "SS"}
	for _, r := range roles {
		for _, s := range append(roles, strings.ToLower(r)) {
			if got, want := lowerIs(r, s), strings.ToLower(r) == s; got != want {
				t.Errorf("lowerIs(%q, %q) = %v, want %v", r, s, got, want)
			}
		}
	}
}

func FuzzLowerIs(f *testing.F) {
	f.Add("Admin", "admin")
	f.Add("ADM\u0130N", "admin")
	f.Add("\u212Aey", "key")
	f.Fuzz(func(t *testing.T, r, s string) {
		if got, want := lowerIs(r, s), strings.ToLower(r) == s; got != want {
			t.Errorf("lowerIs(%q, %q) = %v, want %v", r, s, got, want)
		}
		if got := lowerIs(r, strings.ToLower(r)); !got {
			t.Errorf("lowerIs(%q, ToLower) = false", r)
		}
	})
}

// The fast path belongs to the rule set: after Replace, decisions follow
// the new set, through programs built from it.
func TestFastPathFollowsReplace(t *testing.T) {
	ctx := context.Background()
	e := newDefaultEngine(t)
	in := Input{Action: "share:get", Caller: readerP1, Target: targetP1}
	decide := func(want bool) *compiled {
		t.Helper()
		c := e.current.Load()
		before := c.opaDecisions.Load()
		if d, err := e.Decide(ctx, in); err != nil || d.Allowed != want || d.Hash != c.set.hash {
			t.Fatalf("Decide = %+v, %v; want allowed %v by %s", d, err, want, c.set.hash)
		}
		if n := c.opaDecisions.Load() - before; n != 0 {
			t.Errorf("%d OPA evaluations", n)
		}
		return c
	}
	first := decide(true)
	over, err := LoadWithFile("", "override.rego", []byte("package manila.rules\n\nimport data.manila.base\n\noverride[\"share:get\"] := base.context_is_admin\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Replace(ctx, over); err != nil {
		t.Fatal(err)
	}
	if second := decide(false); second == first || second.fast(ctx, "share:get") == first.fast(ctx, "share:get") {
		t.Error("the new set shares the old one's fast path")
	}
	if err := e.Replace(ctx, loadDefault(t)); err != nil {
		t.Fatal(err)
	}
	decide(true)
}

// context_is_admin, asked once per request, takes a compiled program.
func TestContextIsAdminIsCompiled(t *testing.T) {
	ctx := context.Background()
	e := newDefaultEngine(t)
	c := e.current.Load()
	for _, tc := range []struct {
		caller Caller
		want   bool
	}{
		{Caller{UserID: "u", ProjectID: "p", Roles: []string{"member", "reader"}}, false},
		{Caller{UserID: "u", ProjectID: "p", Roles: []string{"Admin"}}, true},
		{Caller{UserID: "u", ProjectID: "", Roles: []string{"admin"}}, true},
		{Caller{UserID: "u", ProjectID: "p", Admin: true}, false},
		{Caller{UserID: "u", ProjectID: "p", Roles: []string{"admin"}, Scope: ScopeSystem}, false},
	} {
		if got, err := e.ContextIsAdmin(ctx, tc.caller); err != nil || got != tc.want {
			t.Errorf("ContextIsAdmin(%+v) = %v, %v; want %v", tc.caller, got, err, tc.want)
		}
	}
	if fq := c.fast(ctx, ContextIsAdminRule); fq == nil || fq.prog == nil {
		t.Errorf("context_is_admin: not compiled (%+v)", fq)
	}
	if n := c.opaDecisions.Load(); n != 0 {
		t.Errorf("%d decisions by OPA", n)
	}
}

// A target field the input document cannot hold is an error on every
// path, as it was before programs: they do not read the fields first.
func TestUnconvertibleFieldIsAnError(t *testing.T) {
	e := newDefaultEngine(t)
	for _, action := range []string{"share:get", ContextIsAdminRule} {
		in := Input{Action: action, Caller: adminOther, Target: Target{ProjectID: "p1", Fields: map[string]any{"bad": make(chan int)}}}
		if d, err := e.Decide(context.Background(), in); err == nil || d.Allowed {
			t.Errorf("%s: Decide = %+v, %v; want an error", action, d, err)
		}
	}
}

// A decision by its compiled program (Decide) beside the same decision by
// the general query, as Decide makes it for a rule without a fast path.
func BenchmarkDecidePaths(b *testing.B) {
	compiled, full := decidePaths(b)
	b.Run("compiled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			compiled(b)
		}
	})
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			full(b)
		}
	})
}

// decidePaths are one share:get decision on the compiled path and the same
// question to OPA's full evaluation of the rule.
func decidePaths(tb testing.TB) (compiled, full func(testing.TB)) {
	ctx := context.Background()
	e := newDefaultEngine(tb)
	c := e.current.Load()
	in := Input{Action: "share:get", Caller: readerP1, Target: targetP1,
		Request: Request{Method: "GET", Path: "/v2/shares/abc", Microversion: "2.65"}}
	if fq := c.fast(ctx, in.Action); fq == nil || fq.prog == nil {
		tb.Fatal("share:get is not compiled")
	}
	q, _ := c.query(in.Action)
	compiled = func(tb testing.TB) {
		if d, err := e.Decide(ctx, in); err != nil || !d.Allowed {
			tb.Fatalf("Decide = %+v, %v", d, err)
		}
	}
	full = func(tb testing.TB) {
		input, err := inputValue(in)
		if err != nil {
			tb.Fatal(err)
		}
		rs, err := q.Eval(ctx, rego.EvalParsedInput(input), rego.EvalMetrics(noMetrics), rego.EvalVirtualCache(noVirtualCache{}))
		if err != nil || len(rs) != 1 || rs[0].Expressions[0].Value != true {
			tb.Fatalf("Eval = %v, %v", rs, err)
		}
	}
	return compiled, full
}

// TestThroughputDecision prints, for make bench, one decision's cost on the
// compiled path next to OPA's full evaluation of the same rule, measured
// in the same run.
func TestThroughputDecision(t *testing.T) {
	if os.Getenv("MANILITE_BENCH") == "" {
		t.Skip("set MANILITE_BENCH=1 (make bench) to measure")
	}
	compiled, full := decidePaths(t)
	c := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			compiled(b)
		}
	})
	f := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			full(b)
		}
	})
	benchreport.Add("one policy decision (share:get): %.2f µs compiled (%d allocs), %.2f µs by OPA's full evaluation of the same rule, same run (target <= 3 µs)",
		float64(c.NsPerOp())/1000, c.AllocsPerOp(), float64(f.NsPerOp())/1000)
}
