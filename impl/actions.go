package impl

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
)

// actionFunc runs one action (an x-manila-handler) on the resource id with
// the action's value from the body, already checked against the action's
// schema.
type actionFunc[R any] func(ctx context.Context, id string, value json.RawMessage) (R, error)

// actionTable binds the handler names an action operation's
// x-manila-actions entries name to the functions that run them. It holds
// no action names: the spec maps each (os-reset_status, reset_status, ...)
// to a handler, and New checks that every handler named is bound.
type actionTable[R any] map[string]actionFunc[R]

// run dispatches the request's action.
func (t actionTable[R]) run(ctx context.Context, id string) (R, error) {
	ri := reqInfo(ctx)
	if ri.action != nil {
		if h, ok := t[ri.action.Handler]; ok {
			return h(ctx, id, ri.actionValue)
		}
	}
	var zero R
	return zero, badRequest("There is no such action: %s", ri.Action)
}

func (t actionTable[R]) handlers() []string {
	names := make([]string, 0, len(t))
	for name := range t {
		names = append(names, name)
	}
	return names
}

// checkActionBindings fails unless the handlers the spec names for each
// action operation and those bound in Go are the same.
func checkActionBindings(info *SpecInfo, bound map[string][]string) error {
	var problems []string
	for id, op := range info.Ops {
		if op.Actions == nil {
			continue
		}
		have, ok := bound[id]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s has actions but no action table", id))
			continue
		}
		named := map[string]bool{}
		for action, a := range op.Actions {
			named[a.Handler] = true
			if !contains(have, a.Handler) {
				problems = append(problems, fmt.Sprintf("%s: action %s names handler %s, which is not bound", id, action, a.Handler))
			}
		}
		for _, h := range have {
			if !named[h] {
				problems = append(problems, fmt.Sprintf("%s: handler %s is bound but no action names it", id, h))
			}
		}
	}
	for id := range bound {
		if op, ok := info.Ops[id]; !ok || op.Actions == nil {
			problems = append(problems, fmt.Sprintf("action table for %s, which has no x-manila-actions", id))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("impl: %s", strings.Join(problems, "; "))
	}
	return nil
}

// validateActionValue keeps the value under the action's key and checks it
// against the action's schema, with Manila's messages (x-manila-errors).
func validateActionValue(ri *requestInfo, body []byte) *Fault {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return badRequest("Malformed request body")
	}
	ri.actionValue = obj[ri.Action]
	if ri.action.Schema == nil {
		return nil
	}
	ri.actionValue = gateActionValue(ri, ri.action.Schema, ri.actionValue)
	var value any
	if err := json.Unmarshal(ri.actionValue, &value); err != nil {
		return badRequest("Malformed request body")
	}
	err := ri.action.Schema.VisitJSON(value, openapi3.MultiErrors())
	if err == nil {
		return nil
	}
	if multi, ok := err.(openapi3.MultiError); ok && len(multi) > 0 {
		err = multi[0]
	}
	if se, ok := err.(*openapi3.SchemaError); ok {
		return schemaFault(se)
	}
	return badRequest("Invalid input received: %s", err)
}

// resetTarget reads a reset_status value and checks it as Manila's
// AdminActionsMixin.validate_update does against the resource's reset
// targets (the spec's x-manila-states), before the resource is looked up.
func resetTarget[S ~string](value json.RawMessage, reset state.Reset[S]) (state.Transition[S], error) {
	status, err := resetStatusValue(value)
	switch {
	case err != nil:
		return state.Transition[S]{}, err
	case status == nil:
		return state.Transition[S]{}, badRequest("Must specify 'status'")
	case !reset.Targets.Contains(S(*status)):
		return state.Transition[S]{}, badRequest("Invalid state. Valid states: %s.", reset.Targets.Join(", "))
	}
	return reset.To(S(*status)), nil
}

// resetStatusValue is the status of a {"reset_status": {"status": S}} body,
// nil when it is missing or null.
func resetStatusValue(value json.RawMessage) (*string, error) {
	rs, err := decodeAction[*gen.ResetStatus](value)
	if err != nil || rs == nil || !rs.Status.IsSpecified() || rs.Status.IsNull() {
		return nil, err
	}
	v := rs.Status.MustGet()
	return &v, nil
}

// decodeAction decodes an action's value (already validated) into T; a
// missing or null value leaves T's zero value.
func decodeAction[T any](value json.RawMessage) (T, error) {
	var out T
	if len(value) == 0 {
		return out, nil
	}
	if err := json.Unmarshal(value, &out); err != nil {
		return out, badRequest("Malformed request body")
	}
	return out, nil
}

// gateActionValue drops the keys of an action's value (an object) whose
// schema property is annotated out of the request's version, as the
// pipeline drops an operation's body keys: Manila ignores them.
func gateActionValue(ri *requestInfo, schema *openapi3.Schema, value json.RawMessage) json.RawMessage {
	var obj map[string]json.RawMessage
	if json.Unmarshal(value, &obj) != nil || obj == nil {
		return value
	}
	changed := false
	for name, ref := range schema.Properties {
		if _, present := obj[name]; !present || ref.Value == nil {
			continue
		}
		if a, err := ReadAnnotation(ref.Value.Extensions); err == nil && a.Annotated() && !a.InRange(ri.Version) {
			delete(obj, name)
			changed = true
		}
	}
	if !changed {
		return value
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return value
	}
	return out
}
