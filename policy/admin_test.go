package policy

import (
	"context"
	"testing"
)

// ContextIsAdmin is the rule context_is_admin with Manila's target for
// check_is_admin, the caller's own project and user, whatever Admin the
// caller carries; and it agrees with a full evaluation of that question.
func TestContextIsAdmin(t *testing.T) {
	ctx := context.Background()
	// A definition that reads the target: admins of their own project
	// only, which check_is_admin's target makes every admin.
	own := withDefaults(t, map[string]string{"admin_override.rego": `package manila.rules

override["context_is_admin"] if {
	"cloud_admin" in input.caller.roles
	input.caller.project_id == input.target.project_id
	input.caller.user_id == input.target.user_id
	not input.caller.is_admin
}
`})
	for _, tc := range []struct {
		name  string
		set   *Set
		cases map[string]struct {
			caller Caller
			want   bool
		}
	}{
		{"defaults", loadDefault(t), map[string]struct {
			caller Caller
			want   bool
		}{
			"admin":                {Caller{UserID: "u", ProjectID: "p", Roles: []string{"admin"}}, true},
			"Admin, any case":      {Caller{UserID: "u", ProjectID: "p", Roles: []string{"reader", "ADMIN"}}, true},
			"member":               {Caller{UserID: "u", ProjectID: "p", Roles: []string{"member", "reader"}}, false},
			"Admin field ignored":  {Caller{UserID: "u", ProjectID: "p", Roles: []string{"member"}, Admin: true}, false},
			"no project":           {Caller{UserID: "u", Roles: []string{"admin"}}, true},
			"system-scoped admin":  {Caller{UserID: "u", Roles: []string{"admin"}, Scope: ScopeSystem}, false},
			"domain-scoped admin":  {Caller{UserID: "u", Roles: []string{"admin"}, Scope: ScopeDomain}, false},
			"cloud_admin is not":   {Caller{UserID: "u", ProjectID: "p", Roles: []string{"cloud_admin"}}, false},
			"no roles":             {Caller{UserID: "u", ProjectID: "p"}, false},
			"service is not admin": {Caller{UserID: "u", ProjectID: "p", Roles: []string{"service"}}, false},
		}},
		{"override reading the target", mustLoad(t, own), map[string]struct {
			caller Caller
			want   bool
		}{
			"cloud_admin":         {Caller{UserID: "u", ProjectID: "p", Roles: []string{"cloud_admin"}}, true},
			"cloud_admin, Admin":  {Caller{UserID: "u", ProjectID: "p", Roles: []string{"cloud_admin"}, Admin: true}, true},
			"admin is not":        {Caller{UserID: "u", ProjectID: "p", Roles: []string{"admin"}}, false},
			"system-scoped cloud": {Caller{UserID: "u", Roles: []string{"cloud_admin"}, Scope: ScopeSystem}, false},
		}},
	} {
		e, err := NewEngine(ctx, tc.set, nil)
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range tc.cases {
			got, err := e.ContextIsAdmin(ctx, c.caller)
			if err != nil || got != c.want {
				t.Errorf("%s: %s: ContextIsAdmin = %v, %v; want %v", tc.name, name, got, err, c.want)
			}
			x, err := e.Explain(ctx, adminInput(c.caller))
			if err != nil || x.Decision.Allowed != got {
				t.Errorf("%s: %s: full evaluation %+v, %v; fast path %v", tc.name, name, x, err, got)
			}
			with, err := e.WithAdmin(ctx, c.caller)
			want := c.caller
			want.Admin = c.want
			if err != nil || with.Admin != want.Admin || with.UserID != want.UserID || with.Scope != want.Scope {
				t.Errorf("%s: %s: WithAdmin = %+v, %v; want %+v", tc.name, name, with, err, want)
			}
			if with.IsAdmin() != c.want {
				t.Errorf("%s: %s: IsAdmin() = %v after WithAdmin", tc.name, name, with.IsAdmin())
			}
		}
	}
}

// A set without the rule makes nobody admin, and input.caller.is_admin is
// the Admin field, never the roles.
func TestContextIsAdminWithoutTheRule(t *testing.T) {
	ctx := context.Background()
	e, err := NewEngine(ctx, mustLoad(t, withDefaults(t, map[string]string{"admin.rego": "package manila.rules\n"})), nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.HasRule(ContextIsAdminRule) {
		t.Fatal("the emptied admin.rego still defines context_is_admin")
	}
	admin := Caller{UserID: "u", ProjectID: "p", Roles: []string{"admin"}}
	if got, err := e.ContextIsAdmin(ctx, admin); err != nil || got {
		t.Errorf("ContextIsAdmin without the rule = %v, %v; want false", got, err)
	}
	for _, c := range []struct {
		caller Caller
		want   bool
	}{{admin, false}, {Caller{UserID: "u", ProjectID: "p", Admin: true}, true}} {
		doc, err := InputDocument(Input{Action: "x", Caller: c.caller})
		if err != nil {
			t.Fatal(err)
		}
		if got := doc["caller"].(map[string]any)["is_admin"]; got != c.want {
			t.Errorf("input.caller.is_admin for %+v = %v, want %v", c.caller, got, c.want)
		}
	}
}

func BenchmarkContextIsAdmin(b *testing.B) {
	e := newDefaultEngine(b)
	c := Caller{UserID: "u", ProjectID: "p", Roles: []string{"member", "reader"}}
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.ContextIsAdmin(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}
