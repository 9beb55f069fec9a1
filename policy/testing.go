package policy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is the outcome of one Rego test.
type TestResult struct {
	Name    string // package.rule
	File    string
	Passed  bool
	Message string
}

// RuleCoverage says whether the tests evaluated one named rule: a default
// rule["name"] or an override["name"].
type RuleCoverage struct {
	Name     string
	Override bool
	File     string
	Covered  bool
}

// TestReport is what running a set's Rego tests found.
type TestReport struct {
	Results        []TestResult
	Passed, Failed int
	// Rules lists every named rule of the set, sorted by name (a default
	// before its override), with whether a test evaluated it.
	Rules []RuleCoverage
	// LineCoverage is OPA's coverage of the rule files, in percent.
	LineCoverage float64
}

// Covered counts the named rules a test evaluated.
func (r *TestReport) Covered() int {
	n := 0
	for _, c := range r.Rules {
		if c.Covered {
			n++
		}
	}
	return n
}

// Failures lists the tests that failed or errored.
func (r *TestReport) Failures() []TestResult {
	var out []TestResult
	for _, t := range r.Results {
		if !t.Passed {
			out = append(out, t)
		}
	}
	return out
}

// Err is nil when at least one test ran and every test passed; otherwise it
// names what failed.
func (r *TestReport) Err() error {
	if len(r.Results) == 0 {
		return errors.New("policy: the set has no Rego tests (files ending _test.rego)")
	}
	fails := r.Failures()
	if len(fails) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "policy: %d of %d Rego tests failed:", len(fails), len(r.Results))
	for i, f := range fails {
		if i == 10 {
			fmt.Fprintf(&b, " ... and %d more", len(fails)-10)
			break
		}
		fmt.Fprintf(&b, " %s (%s): %s;", f.Name, f.File, f.Message)
	}
	return errors.New(strings.TrimSuffix(b.String(), ";"))
}

// Test runs the set's Rego tests against its rules.
func (s *Set) Test(ctx context.Context) ([]TestResult, error) {
	r, err := s.RunTests(ctx)
	if err != nil {
		return nil, err
	}
	return r.Results, nil
}

// RunTests runs the set's Rego tests without measuring coverage (a report
// whose Rules is empty), which is several times faster than TestReport.
func (s *Set) RunTests(ctx context.Context) (*TestReport, error) { return s.runTests(ctx, false) }

// TestReport runs the set's Rego tests with OPA's tester and measures which
// named rules they evaluate. The error is for a set that cannot be
// compiled; failing tests are in the report.
func (s *Set) TestReport(ctx context.Context) (*TestReport, error) { return s.runTests(ctx, true) }

// runTests runs the tests, measuring coverage if asked: a reload does not
// need it, and it makes the run several times slower.
func (s *Set) runTests(ctx context.Context, coverage bool) (*TestReport, error) {
	modules := make(map[string]*ast.Module, len(s.rules)+len(s.tests))
	for n, m := range s.rules {
		modules[n] = m
	}
	for n, m := range s.tests {
		modules[n] = m
	}
	runner := tester.NewRunner().SetDefaultRegoVersion(ast.RegoV1)
	var cov *cover.Cover
	if coverage {
		// One pass: the extra passes only tag why a line is not covered.
		cov = cover.New()
		runner = runner.SetCoverageQueryTracer(cov).SetCoverageRuns([]cover.Kind{})
	}
	ch, err := runner.Run(ctx, modules)
	if err != nil {
		return nil, fmt.Errorf("policy: run tests: %w", err)
	}
	report := &TestReport{}
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
		if tr.Passed {
			report.Passed++
		} else {
			report.Failed++
		}
		report.Results = append(report.Results, tr)
	}
	sort.Slice(report.Results, func(i, j int) bool { return report.Results[i].Name < report.Results[j].Name })
	if !coverage {
		return report, nil
	}

	covReport := cov.Report(s.rules)
	heads, err := ruleHeads(s.rules)
	if err != nil {
		return nil, err
	}
	type key struct {
		name     string
		override bool
	}
	covered := map[key]*RuleCoverage{}
	for _, h := range heads {
		k := key{h.name, h.override}
		c, ok := covered[k]
		if !ok {
			c = &RuleCoverage{Name: h.name, Override: h.override, File: h.file}
			covered[k] = c
		}
		// A rule with several definitions counts as covered when a test
		// evaluated any of them.
		if covReport.IsCovered(h.file, h.rule.Head.Location.Row) {
			c.Covered = true
		}
	}
	for _, c := range covered {
		report.Rules = append(report.Rules, *c)
	}
	sort.Slice(report.Rules, func(i, j int) bool {
		a, b := report.Rules[i], report.Rules[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return !a.Override && b.Override
	})
	// The tracer also saw the test files; count the rule files only.
	var lines, coveredLines int
	for file := range s.rules {
		if fr := covReport.Files[file]; fr != nil {
			coveredLines += fr.CoveredLines
			lines += fr.CoveredLines + fr.NotCoveredLines
		}
	}
	if lines > 0 {
		report.LineCoverage = 100 * float64(coveredLines) / float64(lines)
	}
	return report, nil
}
