package impl

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/manilite/manilite/gen"
)

// Views are derived from the spec: a handler fills every key of a view,
// and viewMask removes the keys whose response-schema property is annotated
// out of the request's reach — x-manila-min-version / x-manila-max-version
// outside the request's microversion, or x-manila-policy refusing the
// caller. A key that moves version in the spec moves in every response.

// fieldRule is one annotated property, found in a generated Go struct.
type fieldRule struct {
	index []int
	Annotation
	// valueOf is the field x-manila-below's value-of names.
	valueOf []int
}

// maskPlan is what to clear in one Go type for one schema: its own
// annotated fields, and the plans of fields holding nested views.
type maskPlan struct {
	rules  []fieldRule
	older  []fieldRule
	nested []nestedPlan
}

type nestedPlan struct {
	index []int
	plan  *maskPlan
}

func (p *maskPlan) empty() bool {
	return p == nil || (len(p.rules) == 0 && len(p.older) == 0 && len(p.nested) == 0)
}

func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); tag == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// viewMasks holds, per operation, the schema of its JSON success body and
// the plans compiled for the Go types its handler returns.
type viewMasks struct {
	schemas map[string]*openapi3.Schema // by operationId
	mu      sync.Mutex
	plans   map[planKey]*maskPlan
}

type planKey struct {
	op string
	t  reflect.Type
}

func newViewMasks(doc *openapi3.T) (*viewMasks, error) {
	m := &viewMasks{schemas: map[string]*openapi3.Schema{}, plans: map[planKey]*maskPlan{}}
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			if op.Responses == nil {
				continue
			}
			for code, ref := range op.Responses.Map() {
				if !strings.HasPrefix(code, "2") || ref.Value == nil {
					continue
				}
				if mt := ref.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					if _, dup := m.schemas[op.OperationID]; dup {
						return nil, fmt.Errorf("impl: %s has two JSON success bodies; views cannot tell which applies", op.OperationID)
					}
					m.schemas[op.OperationID] = mt.Schema.Value
				}
			}
		}
	}
	return m, nil
}

// plan returns the compiled plan for op's response type t.
func (m *viewMasks) plan(op string, t reflect.Type) (*maskPlan, error) {
	key := planKey{op, t}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.plans[key]; ok {
		return p, nil
	}
	schema, ok := m.schemas[op]
	if !ok {
		m.plans[key] = nil
		return nil, nil
	}
	p, err := compileMask(t, schema)
	if err != nil {
		return nil, fmt.Errorf("impl: view of %s: %w", op, err)
	}
	m.plans[key] = p
	return p, nil
}

// actionPlan returns the compiled plan for an action's response type t
// along its x-manila-response schema; key names the action.
func (m *viewMasks) actionPlan(key string, schema *openapi3.Schema, t reflect.Type) (*maskPlan, error) {
	k := planKey{key, t}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.plans[k]; ok {
		return p, nil
	}
	p, err := compileMask(t, schema)
	if err != nil {
		return nil, fmt.Errorf("impl: view of %s: %w", key, err)
	}
	m.plans[k] = p
	return p, nil
}

// compileMask walks a struct type along its schema.
func compileMask(t reflect.Type, schema *openapi3.Schema) (*maskPlan, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || schema == nil {
		return nil, nil
	}
	p := &maskPlan{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		ref, ok := schema.Properties[name]
		if name == "" || !ok || ref.Value == nil {
			continue
		}
		prop := ref.Value
		a, err := ReadAnnotation(prop.Extensions)
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", name, err)
		}
		if a.Below != nil {
			r := fieldRule{index: f.Index, Annotation: Annotation{Below: a.Below}}
			if a.Below.ValueOf != "" {
				src, ok := fieldByJSONName(t, a.Below.ValueOf)
				if !ok || src.Type != f.Type {
					return nil, fmt.Errorf("property %s: %s value-of %s is not a field of the same type", name, extBelow, a.Below.ValueOf)
				}
				r.valueOf = src.Index
			} else if f.Type.Kind() != reflect.String {
				return nil, fmt.Errorf("property %s: %s map needs a string field", name, extBelow)
			}
			p.older = append(p.older, r)
		}
		if a.Annotated() {
			if f.Type.Kind() != reflect.Pointer && f.Type.Kind() != reflect.Map && f.Type.Kind() != reflect.Slice {
				return nil, fmt.Errorf("property %s is annotated but its Go field %s cannot be left out (is it required?)", name, f.Name)
			}
			p.rules = append(p.rules, fieldRule{index: f.Index, Annotation: a})
		}
		// Nested views: an object, or an array of objects.
		ft, ps := f.Type, prop
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice && ps.Items != nil {
			ft, ps = ft.Elem(), ps.Items.Value
		}
		child, err := compileMask(ft, ps)
		if err != nil {
			return nil, err
		}
		if !child.empty() {
			p.nested = append(p.nested, nestedPlan{index: f.Index, plan: child})
		}
	}
	return p, nil
}

// apply clears what the plan excludes for this request, in place.
func (p *maskPlan) apply(v reflect.Value, allowed func(rule string) (bool, error), ver APIVersion) error {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	// Older values first: a key shown below a version may take its value
	// from one that the version hides.
	for _, r := range p.older {
		if ver.Compare(r.Below.Version) >= 0 {
			continue
		}
		f := v.FieldByIndex(r.index)
		if r.valueOf != nil {
			f.Set(v.FieldByIndex(r.valueOf))
		} else if older, ok := r.Below.Map[f.String()]; ok {
			f.SetString(older)
		}
	}
	for _, r := range p.rules {
		keep := r.InRange(ver)
		if keep && r.Policy != "" {
			ok, err := allowed(r.Policy)
			if err != nil {
				return err
			}
			keep = ok
		}
		if !keep {
			f := v.FieldByIndex(r.index)
			f.Set(reflect.Zero(f.Type()))
		}
	}
	for _, n := range p.nested {
		f := v.FieldByIndex(n.index)
		for f.Kind() == reflect.Pointer {
			if f.IsNil() {
				break
			}
			f = f.Elem()
		}
		if f.Kind() == reflect.Slice {
			for i := 0; i < f.Len(); i++ {
				if err := n.plan.apply(f.Index(i), allowed, ver); err != nil {
					return err
				}
			}
			continue
		}
		if err := n.plan.apply(f, allowed, ver); err != nil {
			return err
		}
	}
	return nil
}

// maskViews is the strict-server middleware that applies the spec's view
// annotations to every response a handler returns.
func (s *Server) maskViews(f gen.StrictHandlerFunc, operationID string) gen.StrictHandlerFunc {
	return func(c echo.Context, request interface{}) (interface{}, error) {
		resp, err := f(c, request)
		if err != nil || resp == nil {
			return resp, err
		}
		ctx := c.Request().Context()
		ri := reqInfo(ctx)
		var plan *maskPlan
		var perr error
		if ri != nil && ri.action != nil && ri.action.Response != nil {
			plan, perr = s.masks.actionPlan(operationID+" "+ri.Action, ri.action.Response, reflect.TypeOf(resp))
		} else {
			plan, perr = s.masks.plan(operationID, reflect.TypeOf(resp))
		}
		if perr != nil {
			return nil, internalError(perr)
		}
		if plan.empty() {
			return resp, nil
		}
		decided := map[string]bool{}
		allowed := func(rule string) (bool, error) {
			if ok, seen := decided[rule]; seen {
				return ok, nil
			}
			ok, err := s.decide(ctx, rule, callerTarget(ri))
			decided[rule] = ok
			return ok, err
		}
		cp := reflect.New(reflect.TypeOf(resp)).Elem()
		cp.Set(reflect.ValueOf(resp))
		if err := plan.apply(cp, allowed, ri.Version); err != nil {
			return nil, err
		}
		return cp.Interface(), nil
	}
}
