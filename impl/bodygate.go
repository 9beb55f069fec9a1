package impl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
)

// bodyGate is one request-body property's annotation (x-manila-min-version
// / x-manila-max-version / x-manila-policy, as on query parameters): outside
// its range, or for a caller its rule refuses, Manila ignores the key, so
// the pipeline removes it before the body is validated and decoded (or,
// with x-manila-refused, refuses it outside its range if it has a value).
type bodyGate struct {
	Path []string // the keys from the body's root, e.g. share, share_group_id
	Annotation
}

// readBodyGates collects the annotated properties of an operation's JSON
// request body, through nested objects.
func readBodyGates(op *openapi3.Operation) ([]bodyGate, error) {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil, nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil, nil
	}
	var gates []bodyGate
	var walk func(path []string, s *openapi3.Schema, depth int) error
	walk = func(path []string, s *openapi3.Schema, depth int) error {
		if s == nil || depth > 4 {
			return nil
		}
		for name, ref := range s.Properties {
			p := append(append([]string{}, path...), name)
			a, err := ReadAnnotation(ref.Value.Extensions)
			if err != nil {
				return fmt.Errorf("request body property %v: %w", p, err)
			}
			if a.Annotated() {
				gates = append(gates, bodyGate{Path: p, Annotation: a})
			}
			if err := walk(p, ref.Value, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return gates, walk(nil, mt.Schema.Value, 0)
}

// gateBody removes the body keys the operation's gates exclude for this
// request. The body is decoded only when some gate excludes its key.
func (s *Server) gateBody(ctx context.Context, r *http.Request, ri *requestInfo, body []byte) error {
	if len(ri.Op.Body) == 0 || len(body) == 0 {
		return nil
	}
	var drop [][]string
	for _, g := range ri.Op.Body {
		keep, err := s.admits(ctx, ri, g.Annotation)
		if err != nil {
			return err
		}
		if !keep {
			drop = append(drop, g.Path)
		}
	}
	if len(drop) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if dec.Decode(&doc) != nil {
		return nil // not an object: validation answers
	}
	for _, g := range ri.Op.Body {
		if value, ok := lookupPath(doc, g.Path); ok && g.refuses(ri, value) {
			return badRequest("%s", g.Refused)
		}
	}
	changed := false
	for _, path := range drop {
		changed = deletePath(doc, path) || changed
	}
	if !changed {
		return nil
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return internalError(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(out))
	r.ContentLength = int64(len(out))
	return nil
}

// lookupPath returns doc[path[0]]...[path[n]].
func lookupPath(doc map[string]any, path []string) (any, bool) {
	var cur any = doc
	for _, key := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[key]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// deletePath removes doc[path[0]]...[path[n]] if it is there.
func deletePath(doc map[string]any, path []string) bool {
	for _, key := range path[:len(path)-1] {
		next, ok := doc[key].(map[string]any)
		if !ok {
			return false
		}
		doc = next
	}
	last := path[len(path)-1]
	if _, ok := doc[last]; !ok {
		return false
	}
	delete(doc, last)
	return true
}
