package impl

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// queryGate is one query parameter's x-manila-min-version /
// x-manila-max-version / x-manila-policy: outside its range, or for a caller
// its rule refuses, Manila ignores the parameter, so the pipeline removes it
// before the request is validated and the handler reads it.
type queryGate struct {
	Name   string
	Min    *APIVersion
	Max    *APIVersion
	Policy string
}

// readQueryGates collects the gates of an operation's query parameters.
func readQueryGates(op *openapi3.Operation) ([]queryGate, error) {
	var gates []queryGate
	for _, ref := range op.Parameters {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInQuery {
			continue
		}
		g := queryGate{Name: p.Name}
		for key, dst := range map[string]**APIVersion{extMinVersion: &g.Min, extMaxVersion: &g.Max} {
			if _, ok := p.Extensions[key]; !ok {
				continue
			}
			v, err := extVersion(p.Extensions, key)
			if err != nil {
				return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
			}
			*dst = &v
		}
		if raw, ok := p.Extensions[extPolicy]; ok {
			rule, ok := toString(raw)
			if !ok || rule == "" {
				return nil, fmt.Errorf("parameter %s: %s must be a rule name", p.Name, extPolicy)
			}
			g.Policy = rule
		}
		if g.Min != nil || g.Max != nil || g.Policy != "" {
			gates = append(gates, g)
		}
	}
	return gates, nil
}

func (g queryGate) inRange(v APIVersion) bool {
	return (g.Min == nil || v.Compare(*g.Min) >= 0) && (g.Max == nil || v.Compare(*g.Max) <= 0)
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
		keep := g.inRange(ri.Version)
		if keep && g.Policy != "" {
			ok, err := s.decide(ctx, g.Policy, callerTarget(ri))
			if err != nil {
				return err
			}
			keep = ok
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
