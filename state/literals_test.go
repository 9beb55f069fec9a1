package state_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/manilite/manilite/state"
)

// statusFreePackages are the directories (from the module root) whose
// non-test Go files must name statuses through this package only. impl/
// joins once its own status strings are gone.
var statusFreePackages = []string{"storage", "worker", "backend", "impl"}

// TestNoBareStatusLiterals fails on a string literal in those packages that
// is a declared status ("available"), or a piece of SQL that quotes one
// ('available'): such a status would escape the spec. Two places hold words
// that only look like statuses and are passed over: the keys of map
// literals (column names such as "deleted"; also the value where it
// repeats the key, as in a sort-key-to-column table) and the arguments of log calls
// (slog's "error" key).
func TestNoBareStatusLiterals(t *testing.T) {
	statuses := map[string]string{} // value -> a resource that declares it
	for _, r := range state.Resources {
		for _, s := range r.Statuses {
			statuses[s] = r.Name
		}
	}
	checked := 0
	for _, dir := range statusFreePackages {
		files, err := filepath.Glob(filepath.Join("..", dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			checked++
			for _, f := range bareStatuses(t, path, statuses) {
				t.Errorf("%s: %s", f.pos, f.what)
			}
		}
	}
	if checked == 0 {
		t.Fatalf("no Go files found under %v", statusFreePackages)
	}
}

type finding struct {
	pos  token.Position
	what string
}

func bareStatuses(t *testing.T, path string, statuses map[string]string) []finding {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var out []finding
	skip := map[ast.Expr]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.KeyValueExpr:
			skip[n.Key] = true
			// A key-to-column table (storage's sort keys) maps a column
			// name to itself: its value is a column too.
			if k, ok := n.Key.(*ast.BasicLit); ok {
				if v, ok := n.Value.(*ast.BasicLit); ok && k.Value == v.Value {
					skip[n.Value] = true
				}
			}
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && logMethods[sel.Sel.Name] {
				for _, a := range n.Args {
					skip[a] = true
				}
			}
		}
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING || skip[lit] {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
		}
		if r, ok := statuses[s]; ok {
			out = append(out, finding{fset.Position(lit.Pos()), "the " + r + " status " + lit.Value + " as a bare string"})
		}
		for v, r := range statuses {
			if strings.Contains(s, "'"+v+"'") {
				out = append(out, finding{fset.Position(lit.Pos()), "the " + r + " status '" + v + "' quoted in SQL"})
			}
		}
		return true
	})
	return out
}

// logMethods are slog's logging methods, whose string arguments are
// messages and attribute keys.
var logMethods = map[string]bool{"Debug": true, "Info": true, "Warn": true, "Error": true, "With": true}

// TestBareStatusCheckFindsLiterals makes sure the check above can fail.
func TestBareStatusCheckFindsLiterals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.go")
	src := "package x\n\nvar a = \"available\"\nvar b = `UPDATE t SET status = 'deleting'`\nvar c = \"availability\"\n" +
		"var d = map[string]bool{\"available\": true}\nfunc f() { log.Error(\"available\", \"deleting\", 1) }\nvar e = g(\"deleting\")\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := bareStatuses(t, path, map[string]string{"available": "share", "deleting": "share"})
	var lines []int
	for _, f := range got {
		lines = append(lines, f.pos.Line)
	}
	if !slices.Equal(lines, []int{3, 4, 8}) {
		t.Errorf("findings on lines %v, want [3 4 8]: %v", lines, got)
	}
}
