package impl

import (
	"context"
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/policy"
)

// authorizeAfterLookup is called by a handler once it has found the
// resource. If the spec says Manila checks the request's rule (the
// operation's or action's x-manila-policy) only now
// (x-manila-policy-after-lookup), it is checked against target: a refusal
// is refused (Manila's get_snapshot answers 404, as if nothing were
// there), or when nil a 403 with the gate's x-manila-forbidden-message or
// Manila's "Policy doesn't allow <rule> to be performed.". Otherwise
// the pipeline has checked it already and this does nothing.
func (s *Server) authorizeAfterLookup(ctx context.Context, target policy.Target, refused *Fault) error {
	ri := reqInfo(ctx)
	if !ri.gate.AfterLookup {
		return nil
	}
	ri.lookupAuthorized = true
	ok, err := s.decide(ctx, ri.gate.Policy, target)
	if err != nil {
		return err
	}
	switch {
	case ok:
		return nil
	case refused != nil:
		return refused
	case ri.gate.ForbiddenMessage != "":
		return forbidden("%s", ri.gate.ForbiddenMessage)
	}
	return policyRefused(ri.gate.Policy)
}

// requireLookupAuthorized is a strict middleware: an after-lookup
// operation that answers without having checked its rule is a bug, and
// fails loudly rather than serving the caller unchecked.
func (s *Server) requireLookupAuthorized(f gen.StrictHandlerFunc, operationID string) gen.StrictHandlerFunc {
	return func(c echo.Context, request interface{}) (interface{}, error) {
		resp, err := f(c, request)
		ri := reqInfo(c.Request().Context())
		if err == nil && ri.gate.AfterLookup && !ri.lookupAuthorized {
			return nil, internalError(fmt.Errorf("operation %s answered without checking its rule %s", operationID, ri.gate.Policy))
		}
		return resp, err
	}
}
