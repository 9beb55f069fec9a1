# Who Manila counts as admin: context.is_admin, computed once per request
# from this rule with the caller's own project and user as target
# (manila/context.py, manila/policy.py check_is_admin; Engine.ContextIsAdmin).
# It becomes input.caller.is_admin, which is:True checks read, and decides
# project scoping, admin-only fields and all_tenants in the handlers. Its
# default is base.context_is_admin, role:admin; override it to change who is
# admin everywhere.
package manila.rules

import data.manila.base

rule["context_is_admin"] := base.context_is_admin
