package impl

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// queryGate is one query parameter's annotation: outside its range, or
// for a caller its rule refuses, Manila ignores the parameter, so the
// pipeline removes it before the request is validated and the handler reads
// it; or, with x-manila-refused, refuses a non-empty one outside its range.
type queryGate struct {
	Name string
	Annotation
}

// readQueryGates collects the gates of an operation's query parameters.
func readQueryGates(op *openapi3.Operation) ([]queryGate, error) {
	var gates []queryGate
	for _, ref := range op.Parameters {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInQuery {
			continue
		}
		a, err := ReadAnnotation(p.Extensions)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
		if a.Annotated() {
			gates = append(gates, queryGate{Name: p.Name, Annotation: a})
		}
	}
	return gates, nil
}

// gateQuery drops the query parameters the operation's gates exclude for
// this request, from the URL the validator reads and from ri.query. The
// original query stays in ri.rawQuery: Manila's next links repeat it.
func (s *Server) gateQuery(ctx context.Context, r *http.Request, ri *requestInfo) error {
	if len(ri.Op.Query) == 0 || r.URL.RawQuery == "" {
		return nil
	}
	drop := map[string]bool{}
	for _, g := range ri.Op.Query {
		if _, present := ri.query[g.Name]; !present {
			continue
		}
		if g.refuses(ri, ri.query.Get(g.Name)) {
			return badRequest("%s", g.Refused)
		}
		if g.Required != "" {
			ok, err := s.decide(ctx, g.Required, callerTarget(ri))
			if err != nil {
				return err
			}
			if !ok {
				return policyRefused(g.Required)
			}
		}
		keep, err := s.admits(ctx, ri, g.Annotation)
		if err != nil {
			return err
		}
		if !keep {
			drop[g.Name] = true
		}
	}
	if len(drop) == 0 {
		return nil
	}
	var kept []string
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if name, err := url.QueryUnescape(k); err == nil && drop[name] {
			continue
		}
		kept = append(kept, kv)
	}
	r.URL.RawQuery = strings.Join(kept, "&")
	for name := range drop {
		ri.query.Del(name)
	}
	return nil
}
