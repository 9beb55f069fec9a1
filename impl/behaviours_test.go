package impl

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The behaviours the handlers ask for (s.behaves(ri, "name")) and the
// spec's components.x-manila-behaviours are the same names: a handler
// cannot ask for one the spec lacks (it would never hold), and the spec
// names none that no handler reads.
func TestBehavioursMatchHandlers(t *testing.T) {
	_, info := loadSpecInfo(t)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	asked := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "behaves" || len(call.Args) != 2 {
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: behaves is asked a name that is not a literal", fset.Position(call.Pos()))
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			asked[s] = true
			return true
		})
	}
	var askedNames []string
	for n := range asked {
		askedNames = append(askedNames, n)
	}
	sort.Strings(askedNames)
	if got, want := askedNames, info.BehaviourNames(); !slices.Equal(got, want) {
		t.Errorf("handlers ask for %v; the spec declares %v", got, want)
	}
}

// A behaviour holds exactly in its range.
func TestBehaviourRange(t *testing.T) {
	_, info := loadSpecInfo(t)
	s := &Server{spec: info}
	for _, tc := range []struct {
		name, version string
		want          bool
	}{
		{"snapshot_support_default", "2.23", true},
		{"snapshot_support_default", "2.24", false},
		{"availability_zone_in_share_type", "2.47", false},
		{"availability_zone_in_share_type", "2.48", true},
		{"not_in_the_spec", "2.99", false},
	} {
		ri := &requestInfo{Version: MustParseAPIVersion(tc.version)}
		if got := s.behaves(ri, tc.name); got != tc.want {
			t.Errorf("%s at %s: %v, want %v", tc.name, tc.version, got, tc.want)
		}
	}
}
