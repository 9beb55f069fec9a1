package impl

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/manilite/manilite/gen"
)

// Every route the generated code registers with echo finds its operation
// in the document, and every operation has such a route: a request echo
// matches is never taken for an unknown path.
func TestSpecRoutesMatchEchoRoutes(t *testing.T) {
	doc, _ := loadSpecInfo(t)
	routes := newSpecRoutes(doc)
	e := echo.New()
	gen.RegisterHandlers(e, gen.NewStrictHandler(nil, nil))
	registered := map[string]bool{}
	for _, r := range e.Routes() {
		key := r.Method + " " + r.Path
		registered[key] = true
		if routes[key] == nil {
			t.Errorf("echo route %s has no operation", key)
		}
	}
	var missing []string
	for key := range routes {
		if !registered[key] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations echo does not route: %v", missing)
	}
}

// Path parameters come unescaped, whether echo matched the escaped path or
// the decoded one.
func TestSpecRoutesPathParams(t *testing.T) {
	doc, _ := loadSpecInfo(t)
	routes := newSpecRoutes(doc)
	e := echo.New()
	var got map[string]string
	var op string
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			route, params := routes.find(c)
			if route != nil {
				op, got = route.Operation.OperationID, params
			}
			return c.NoContent(http.StatusNoContent)
		}
	})
	gen.RegisterHandlers(e, gen.NewStrictHandler(nil, nil))
	for _, c := range []struct{ path, key string }{
		{"/v2/shares/s1/metadata/plain", "plain"},
		{"/v2/shares/s1/metadata/a%2Fb", "a/b"},   // RawPath set: echo routes the escaped path
		{"/v2/shares/s1/metadata/a%20b", "a b"},   // canonical escape: echo routes the decoded path
		{"/v2/shares/s1/metadata/100%25", "100%"}, // a literal % stays one
	} {
		got, op = nil, ""
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", c.path, nil))
		if got["share_id"] != "s1" || got["key"] != c.key {
			t.Errorf("%s: operation %q, params %v, want key %q", c.path, op, got, c.key)
		}
	}
}
