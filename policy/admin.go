package policy

import (
	"context"
	"fmt"
)

// ContextIsAdminRule is the rule Manila computes context.is_admin with
// (manila/policy.py check_is_admin), once per request.
const ContextIsAdminRule = "context_is_admin"

// ContextIsAdmin is Manila's check_is_admin: the rule context_is_admin of
// the set in force, with Manila's target for it, the caller's own project
// and user. The caller's Admin field is ignored: Manila evaluates the rule
// before context.is_admin is set, so is_admin:True is false within it. The
// rule is registered with scope_types=['project'] like every other, so a
// token not scoped to a project is never admin. It takes Decide's fast
// path, so it is cheap enough for every request; a set without the rule
// makes nobody admin.
func (e *Engine) ContextIsAdmin(ctx context.Context, caller Caller) (bool, error) {
	d, err := e.Decide(ctx, adminInput(caller))
	if err != nil {
		return false, fmt.Errorf("policy: %s: %w", ContextIsAdminRule, err)
	}
	return d.Allowed, nil
}

// WithAdmin returns caller with Admin set by ContextIsAdmin: the caller as
// every later decision of the request sees it.
func (e *Engine) WithAdmin(ctx context.Context, caller Caller) (Caller, error) {
	admin, err := e.ContextIsAdmin(ctx, caller)
	if err != nil {
		return caller, err
	}
	caller.Admin = admin
	return caller, nil
}

// adminInput is the question check_is_admin asks.
func adminInput(caller Caller) Input {
	caller.Admin = false
	return Input{
		Action: ContextIsAdminRule,
		Caller: caller,
		Target: Target{ProjectID: caller.ProjectID, UserID: caller.UserID},
	}
}
