package impl

import (
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"
)

// One router. Echo has already matched the request to an operation's
// route when the api middleware runs (c.Path() is the route's template,
// c.ParamValues() its path parameters), so the OpenAPI route the
// validator needs is looked up from that match instead of routing the
// request a second time with kin-openapi's router.

// specRoutes are the document's operations by method and echo route
// template ("GET /v2/shares/:share_id").
type specRoutes map[string]*routers.Route

func newSpecRoutes(doc *openapi3.T) specRoutes {
	out := specRoutes{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[method+" "+echoPath(path)] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	return out
}

// echoPath is a path template in echo's syntax: {name} becomes :name, as
// oapi-codegen registers the handlers.
func echoPath(path string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(path, '{')
		if open < 0 {
			b.WriteString(path)
			return b.String()
		}
		end := strings.IndexByte(path[open:], '}')
		if end < 0 {
			b.WriteString(path)
			return b.String()
		}
		b.WriteString(path[:open])
		b.WriteByte(':')
		b.WriteString(path[open+1 : open+end])
		path = path[open+end+1:]
	}
}

// find is the OpenAPI route echo matched and its path parameters, or nil
// when echo matched none of the document's operations.
func (r specRoutes) find(c echo.Context) (*routers.Route, map[string]string) {
	req := c.Request()
	route := r[req.Method+" "+c.Path()]
	if route == nil {
		return nil, nil
	}
	names, values := c.ParamNames(), c.ParamValues()
	params := make(map[string]string, len(names))
	for i, name := range names {
		if i >= len(values) {
			break
		}
		v := values[i]
		// Echo routes on the escaped path when the URL has one; the
		// parameters are then still escaped.
		if req.URL.RawPath != "" {
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
		}
		params[name] = v
	}
	return route, params
}
